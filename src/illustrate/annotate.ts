/**
 * From captured datagrams to an {@link Illustration}: every record header,
 * handshake fragment and message body labelled, protected records shown as
 * sent and decrypted, retransmissions marked, the key schedule laid out.
 */
import { Reader } from '../codec/reader.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { suiteById } from '../crypto/suites.js';
import { findExtension } from '../handshake/extensions.js';
import { fullMessage } from '../handshake/header.js';
import { type ClientHello, decodeClientHello } from '../handshake/messages/client-hello.js';
import { type ServerHello, decodeServerHello } from '../handshake/messages/server-hello.js';
import { HandshakeType } from '../handshake/registry.js';
import { ContentType } from '../record/content-type.js';
import type { RecordProtection } from '../record/protection.js';
import { parseDatagram } from '../record/record.js';
import { ianaSuite } from '../scan/iana-suites.js';
import { alertName, contentTypeName, handshakeName, versionName } from '../scan/names.js';
import { FlightReader } from '../scan/wire.js';
import { Annotator, hex } from './annotator.js';
import { keySchedule } from './keys.js';
import { MESSAGE_NOTE, MESSAGE_RFC, annotateAlert, annotateBody, annotateCcs, annotateHandshakeHeader, type MessageContext } from './messages.js';
import { type ByteBlock, type DatagramView, type Field, ILLUSTRATION_SCHEMA_VERSION, type Illustration, type KeyValue, type MessageView, type RecordView } from './model.js';

/** One datagram as captured between the client and the server. */
export interface Captured {
  readonly from: 'client' | 'server';
  /** ms (any origin; the first datagram becomes 0). */
  readonly at: number;
  readonly data: Uint8Array;
}

export interface IllustrateInput {
  readonly title: string;
  readonly startedAt: string;
  readonly captured: readonly Captured[];
  readonly keylog: readonly string[];
  readonly psk?: Uint8Array;
  readonly provider: CryptoProvider;
}

interface Whole {
  readonly from: 'client' | 'server';
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  readonly datagram: number;
  readonly fragments: number;
}

/** Pass 1: the plaintext handshake messages of both sides, in the order they completed. */
function plaintextMessages(captured: readonly Captured[]): Whole[] {
  const readers = { client: new FlightReader(), server: new FlightReader() };
  const out: Whole[] = [];
  captured.forEach((c, i) => {
    const rd = readers[c.from];
    const before = rd.messages.length;
    rd.add(c.data);
    for (const m of rd.messages.slice(before)) {
      if (m.epoch === 0) out.push({ from: c.from, msgType: m.msgType, messageSeq: m.messageSeq, body: m.body, datagram: i, fragments: m.fragments });
    }
  });
  return out;
}

function decodeOr<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Annotate a whole message body on its own (offsets relative to the body). */
function bodyBlock(msgType: number, body: Uint8Array, ctx: MessageContext): ByteBlock {
  const a = Annotator.of(body);
  try {
    annotateBody(a, msgType, ctx);
    a.end(handshakeName(msgType));
  } catch (e) {
    a.add({ name: 'undecodable', start: a.at, end: body.length, note: (e as Error).message });
  }
  return { hex: hex(body), fields: a.fields };
}

/** Annotate every record of one datagram (offsets relative to the datagram). */
class DatagramAnnotator {
  readonly records: RecordView[] = [];

  constructor(private readonly data: Uint8Array, private readonly from: 'client' | 'server', private readonly ctx: Context,
    private readonly open: RecordProtection | undefined, private readonly seen: (key: string) => void) {}

  run(): Field[] {
    const a = Annotator.of(this.data);
    const parsed = parseDatagram(this.data);
    for (const rec of parsed.records) {
      const start = a.at;
      const protectedRecord = rec.epoch > 0;
      let summary = contentTypeName(rec.type);
      let decrypted: ByteBlock | undefined;
      let undecryptable: string | undefined;
      a.group(protectedRecord ? 'DTLSCiphertext' : 'DTLSPlaintext', { rfc: 'RFC 6347 §4.1' }, (g) => {
        g.u8('type', (v) => `${v} (${contentTypeName(v)})`, { note: 'The content type of the record.' });
        g.u16('version', versionName, { note: 'Record version (DTLS counts down: 0xfeff is 1.0, 0xfefd is 1.2).' });
        g.u16('epoch', undefined, { note: protectedRecord ? 'Epoch 1: protected with the keys derived in this handshake.' : 'Epoch 0: before ChangeCipherSpec, in the clear.' });
        g.u48('sequence_number', undefined, { note: 'Per-epoch record counter; the replay window and the AEAD nonce use it.' });
        g.u16('length', undefined, { note: 'Bytes of the fragment that follows.' });
        const fragStart = g.at;
        g.group('fragment', {}, (f) => {
          if (protectedRecord) {
            const r = this.protectedFragment(f, rec.type, rec.version, rec.epoch, rec.seq, fragStart, rec.fragment.length);
            decrypted = r.block;
            undecryptable = r.why;
            summary = r.summary;
          } else {
            summary = this.plaintextFragment(f, rec.type, fragStart + rec.fragment.length);
          }
        });
      });
      this.records.push({
        contentType: contentTypeName(rec.type), epoch: rec.epoch, seq: rec.seq, offset: start, length: rec.raw.length, summary,
        ...(decrypted && { decrypted }), ...(undecryptable && { undecryptable }),
      });
    }
    if (parsed.dropped) a.add({ name: 'unreadable', start: a.at, end: this.data.length, note: parsed.dropped });
    return a.fields;
  }

  /** Plaintext content; returns the record's summary. */
  private plaintextFragment(f: Annotator, type: number, end: number): string {
    if (type === ContentType.change_cipher_spec) {
      annotateCcs(f);
      return 'ChangeCipherSpec';
    }
    if (type === ContentType.alert) {
      const lvl = this.data[f.at];
      const desc = this.data[f.at + 1];
      annotateAlert(f);
      return `alert ${lvl === 2 ? 'fatal' : 'warning'} ${alertName(desc ?? 0)}`;
    }
    if (type !== ContentType.handshake) {
      f.rest('data');
      return contentTypeName(type);
    }
    const parts: string[] = [];
    while (f.at < end) {
      f.group('Handshake', { rfc: 'RFC 6347 §4.2.2' }, (h) => {
        const hd = annotateHandshakeHeader(h);
        const bodyStart = h.at;
        const whole = hd.offset === 0 && hd.fragmentLength === hd.length;
        h.group('body', { ...(MESSAGE_NOTE[hd.msgType] ? { note: MESSAGE_NOTE[hd.msgType] } : {}), rfc: MESSAGE_RFC[hd.msgType] ?? '' }, (b) => {
          if (whole) {
            const sub = new Annotator(this.data, bodyStart, bodyStart + hd.fragmentLength, 0);
            try {
              annotateBody(sub, hd.msgType, { ...this.ctx, fromServer: this.from === 'server' });
              sub.end(handshakeName(hd.msgType));
            } catch (e) {
              sub.add({ name: 'undecodable', start: sub.at, end: bodyStart + hd.fragmentLength, note: (e as Error).message });
            }
            for (const field of sub.fields) b.add(field);
            b.skip(hd.fragmentLength, 'handshake body');
          } else {
            b.bytes('fragment body', hd.fragmentLength, { note: `Bytes [${hd.offset}, ${hd.offset + hd.fragmentLength}) of ${hd.length}; the whole message is shown where it completes.` });
          }
        }, whole ? undefined : `fragment of ${handshakeName(hd.msgType)}`);
        parts.push(`${handshakeName(hd.msgType)} m${hd.messageSeq}${whole ? '' : ` [${hd.offset}, ${hd.offset + hd.fragmentLength}) of ${hd.length}`}`);
        this.seen(`0/${hd.msgType}/${hd.messageSeq}/${hd.offset}`);
      });
    }
    return parts.join(', ');
  }

  /** A protected fragment: its parts as sent, and the plaintext when it opens. */
  private protectedFragment(f: Annotator, type: number, version: number, epoch: number, seq: number, start: number, length: number):
    { block?: ByteBlock; why?: string; summary: string } {
    const s = this.ctx.suite;
    const p = s?.protection;
    if (p?.kind === 'aead') {
      if (p.explicitNonceLength) f.bytes('nonce_explicit', 8, { note: 'The explicit half of the nonce: epoch ‖ sequence number (RFC 6347 §4.1.2.1).', rfc: 'RFC 5288 §3' }, hex);
      f.bytes('encrypted content', Math.max(0, length - p.explicitNonceLength - p.tagLength), { note: `${p.alg.toUpperCase()} ciphertext.` });
      f.bytes('authentication tag', Math.min(p.tagLength, f.remaining), { note: 'The AEAD tag over the ciphertext and the record header fields.', rfc: 'RFC 5246 §6.2.3.3' }, hex);
    } else if (p?.kind === 'cbc') {
      f.bytes('IV', 16, { note: 'A fresh random IV per record.', rfc: 'RFC 5246 §6.2.3.2' }, hex);
      f.rest(this.ctx.etm ? 'ciphertext ‖ MAC' : 'ciphertext (content ‖ MAC ‖ padding)', { rfc: this.ctx.etm ? 'RFC 7366 §3' : 'RFC 5246 §6.2.3.2' });
    } else {
      f.rest('protected fragment');
    }
    if (!this.open) return { why: 'no keys for this record (no key-log line)', summary: `${contentTypeName(type)} (encrypted)` };
    const pt = this.open.open(type, version, epoch, seq, this.data.subarray(start, start + length));
    if (!pt) return { why: 'did not authenticate with the derived keys', summary: `${contentTypeName(type)} (encrypted, unreadable)` };
    const a = Annotator.of(pt);
    let summary: string;
    try {
      summary = `${this.innerContent(a, type, pt)} (decrypted)`;
    } catch (e) {
      a.add({ name: 'undecodable', start: a.at, end: pt.length, note: (e as Error).message });
      summary = `${contentTypeName(type)} (decrypted)`;
    }
    return { block: { hex: hex(pt), fields: a.fields }, summary };
  }

  private innerContent(a: Annotator, type: number, pt: Uint8Array): string {
    if (type === ContentType.alert) {
      annotateAlert(a);
      return `alert ${pt[0] === 2 ? 'fatal' : 'warning'} ${alertName(pt[1] ?? 0)}`;
    }
    if (type === ContentType.handshake) {
      const hd = annotateHandshakeHeader(a);
      a.group('body', { ...(MESSAGE_NOTE[hd.msgType] ? { note: MESSAGE_NOTE[hd.msgType] } : {}), rfc: MESSAGE_RFC[hd.msgType] ?? '' }, (b) => {
        annotateBody(b, hd.msgType, { ...this.ctx, fromServer: this.from === 'server' });
      });
      this.seen(`1/${hd.msgType}/${hd.messageSeq}/${hd.offset}`);
      return `${handshakeName(hd.msgType)} m${hd.messageSeq}`;
    }
    const text = Buffer.from(pt).toString('utf8');
    a.rest('application data', { note: 'What the application sent.', rfc: 'RFC 5246 §10' }, () => (/^[\x20-\x7e\n]*$/.test(text) ? JSON.stringify(text) : `${pt.length} bytes`));
    return 'application_data';
  }
}

interface Context extends MessageContext {
  readonly suite?: ReturnType<typeof suiteById>;
  readonly etm?: boolean;
}

export function buildIllustration(input: IllustrateInput): Illustration {
  const plain = plaintextMessages(input.captured);
  const notes: string[] = [];
  const sh = [...plain].reverse().find((m) => m.from === 'server' && m.msgType === HandshakeType.server_hello);
  const serverHello: ServerHello | undefined = sh && decodeOr(() => decodeServerHello(new Reader(sh.body)));
  const hellos = plain.filter((m) => m.from === 'client' && m.msgType === HandshakeType.client_hello);
  const lastHello = hellos[hellos.length - 1];
  const clientHello: ClientHello | undefined = lastHello && decodeOr(() => decodeClientHello(new Reader(lastHello.body)));
  const suite = serverHello ? suiteById(serverHello.cipherSuite) : undefined;
  const ems = serverHello !== undefined && findExtension(serverHello.extensions, 23) !== undefined;
  const etm = suite?.protection.kind === 'cbc' && serverHello !== undefined && findExtension(serverHello.extensions, 22) !== undefined;
  const ctx: Context = { fromServer: false, kx: serverHello ? ianaSuite(serverHello.cipherSuite).kx : undefined, ...(suite && { suite }), etm };
  let keyValues: KeyValue[] = [];
  let protections: { client?: RecordProtection; server?: RecordProtection } = {};
  if (suite && serverHello && clientHello) {
    // The extended master secret hashes the transcript through ClientKeyExchange, without the first hello and the HelloVerifyRequest (RFC 6347 §4.2.6).
    const upTo = plain.findIndex((m) => m.msgType === HandshakeType.client_key_exchange);
    const transcript = plain.slice(0, upTo + 1).filter((m) => m.msgType !== HandshakeType.hello_verify_request && !(m.msgType === HandshakeType.client_hello && m !== lastHello));
    const sessionHashInput = Buffer.concat(transcript.map((m) => fullMessage(m.msgType, m.messageSeq, m.body)));
    const ks = keySchedule(input.provider, {
      suite, clientRandom: clientHello.random, serverRandom: serverHello.random, ems, etm, keylog: input.keylog,
      ...(input.psk && { psk: input.psk }), ...(upTo >= 0 && { sessionHashInput }),
    });
    keyValues = ks.values;
    protections = { ...(ks.client && { client: ks.client }), ...(ks.server && { server: ks.server }) };
    notes.push(...ks.notes);
  } else {
    notes.push(suite === undefined && serverHello ? `The suite ${ianaSuite(serverHello.cipherSuite).name} has no record protection in puredtls: its records stay encrypted.` : 'No ServerHello: nothing to derive keys from.');
  }
  const t0 = input.captured[0]?.at ?? 0;
  const seen = new Map<string, number>();
  const datagrams: DatagramView[] = [];
  const protectedMessages: { msgType: number; messageSeq: number; from: 'client' | 'server'; body: Uint8Array; datagram: number }[] = [];
  input.captured.forEach((c, i) => {
    const keys: string[] = [];
    const da = new DatagramAnnotator(c.data, c.from, { ...ctx, fromServer: c.from === 'server' }, c.from === 'client' ? protections.client : protections.server,
      (key) => keys.push(`${c.from}/${key}`));
    const fields = da.run();
    for (const r of da.records) {
      if (r.decrypted && r.contentType === 'handshake') {
        const pt = Buffer.from(r.decrypted.hex, 'hex');
        if (pt.length >= 12) protectedMessages.push({ msgType: pt[0]!, messageSeq: (pt[4]! << 8) | pt[5]!, from: c.from, body: pt.subarray(12), datagram: i });
      }
    }
    const repeats = keys.length > 0 && keys.every((k) => seen.has(k)) ? seen.get(keys[0]!) : undefined;
    for (const k of keys) if (!seen.has(k)) seen.set(k, i);
    datagrams.push({
      index: i, from: c.from, atMs: Math.round((c.at - t0) * 10) / 10, block: { hex: hex(c.data), fields }, records: da.records,
      ...(repeats !== undefined && { retransmissionOf: repeats }),
    });
  });
  const done = new Set<string>();
  const messages: MessageView[] = [];
  const all = [...plain.map((m) => ({ ...m, epoch: 0 })), ...protectedMessages.map((m) => ({ ...m, epoch: 1, fragments: 1 }))]
    .sort((a, b) => a.datagram - b.datagram);
  for (const m of all) {
    const key = `${m.from}/${m.epoch}/${m.msgType}/${m.messageSeq}`;
    const retransmission = done.has(key);
    done.add(key);
    messages.push({
      type: handshakeName(m.msgType), messageSeq: m.messageSeq, rfc: MESSAGE_RFC[m.msgType] ?? '', fragments: m.fragments, retransmission, datagram: m.datagram,
      body: bodyBlock(m.msgType, m.body, { ...ctx, fromServer: m.from === 'server' }),
    });
  }
  return {
    schemaVersion: ILLUSTRATION_SCHEMA_VERSION, protocol: 'DTLS 1.2', title: input.title, startedAt: input.startedAt,
    suite: serverHello ? ianaSuite(serverHello.cipherSuite).name : null, datagrams, messages, keySchedule: keyValues, notes,
  };
}
