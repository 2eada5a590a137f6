/**
 * Wire-level helpers for the catalogue tests (ROBUSTNESS.md §2): build and
 * take apart records, handshake fragments and plaintext flights, so a test
 * can inject crafted datagrams or rewrite a flight on the virtual network.
 */
import { Reader } from '../../../src/codec/reader.js';
import { Writer, encode } from '../../../src/codec/writer.js';
import { type Extension, decodeExtensions } from '../../../src/handshake/extensions.js';
import { encodeHandshakeFragment } from '../../../src/handshake/header.js';
import { type ClientHello, decodeClientHello, encodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { type ServerHello, decodeServerHello, encodeServerHello } from '../../../src/handshake/messages/server-hello.js';
import { type DtlsRecord, encodeRecord, parseDatagram } from '../../../src/record/record.js';

export const CT = Object.freeze({ ccs: 20, alert: 21, handshake: 22, appData: 23, heartbeat: 24 } as const);
export const HT = Object.freeze({
  hello_request: 0, client_hello: 1, server_hello: 2, hello_verify_request: 3, new_session_ticket: 4, certificate: 11,
  server_key_exchange: 12, certificate_request: 13, server_hello_done: 14, certificate_verify: 15, client_key_exchange: 16, finished: 20,
} as const);
export const EXT = Object.freeze({ heartbeat: 15, extended_master_secret: 23, renegotiation_info: 0xff01 } as const);
export const DTLS12 = 0xfefd;
export const DTLS10 = 0xfeff;

/** Records of a datagram (what the connection would see). */
export function recordsOf(dg: Uint8Array): DtlsRecord[] {
  return parseDatagram(dg).records;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One plaintext record. The body may be empty (a zero-length record). */
export function record(type: number, epoch: number, seq: number, body: Uint8Array, version = DTLS12): Uint8Array {
  return encodeRecord(type, version, epoch, seq, body);
}

/** A raw 13-byte record header with any length field, followed by `body` (which need not match it). */
export function rawRecord(type: number, version: number, epoch: number, seq: number, lengthField: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(13 + body.length);
  const w = new Writer(13);
  w.u8(type).u16(version).u16(epoch).u48(seq).u16(lengthField);
  out.set(w.finish());
  out.set(body, 13);
  return out;
}

/** A handshake fragment (12-byte header + body), any header values. */
export function fragment(msgType: number, messageSeq: number, body: Uint8Array, o: { length?: number; offset?: number; fragmentLength?: number } = {}): Uint8Array {
  const w = new Writer(12 + body.length);
  w.u8(msgType).u24(o.length ?? body.length).u16(messageSeq).u24(o.offset ?? 0).u24(o.fragmentLength ?? body.length).bytes(body);
  return w.finish();
}

/** A whole handshake message as one fragment. */
export function message(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  return encode((w) => encodeHandshakeFragment(w, msgType, body.length, messageSeq, 0, body), 12 + body.length);
}

/** A whole handshake message in its own epoch-0 record. */
export function handshakeRecord(msgType: number, messageSeq: number, body: Uint8Array, seq: number, epoch = 0): Uint8Array {
  return record(CT.handshake, epoch, seq, message(msgType, messageSeq, body));
}

/** One handshake message (or fragment) read from a plaintext record. */
export interface PlainMessage {
  readonly msgType: number;
  readonly length: number;
  readonly messageSeq: number;
  readonly offset: number;
  readonly body: Uint8Array;
}

/** The handshake fragments of a plaintext handshake record. */
export function fragmentsOf(rec: DtlsRecord): PlainMessage[] {
  const r = new Reader(rec.fragment);
  const out: PlainMessage[] = [];
  while (r.remaining >= 12) {
    const msgType = r.u8(), length = r.u24(), messageSeq = r.u16(), offset = r.u24(), n = r.u24();
    if (n > r.remaining) break;
    out.push({ msgType, length, messageSeq, offset, body: r.bytes(n).slice() });
  }
  return out;
}

/** Whole epoch-0 handshake messages of a datagram (fragments are reassembled when all are there). */
export function plainMessages(dg: Uint8Array): PlainMessage[] {
  const parts = recordsOf(dg).filter((r) => r.type === CT.handshake && r.epoch === 0).flatMap(fragmentsOf);
  const bySeq = new Map<number, PlainMessage[]>();
  for (const p of parts) bySeq.set(p.messageSeq, [...(bySeq.get(p.messageSeq) ?? []), p]);
  const out: PlainMessage[] = [];
  for (const [seq, ps] of bySeq) {
    const first = ps[0]!;
    const body = new Uint8Array(first.length);
    let got = 0;
    for (const p of ps) {
      body.set(p.body, p.offset);
      got += p.body.length;
    }
    if (got >= first.length) out.push({ msgType: first.msgType, length: first.length, messageSeq: seq, offset: 0, body });
  }
  return out.sort((a, b) => a.messageSeq - b.messageSeq);
}

/** Does the datagram hold (a fragment of) this handshake message type in plaintext? */
export function hasMessage(dg: Uint8Array, msgType: number): boolean {
  return recordsOf(dg).some((r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === msgType));
}

/**
 * Rewrite a plaintext flight held in one datagram: its epoch-0 handshake
 * records (one whole message each) are replaced by `edit(messages)`,
 * renumbered from the first message_seq and record sequence number; the
 * other records (CCS, epoch 1) follow unchanged.
 */
export function rewriteFlight(dg: Uint8Array, edit: (msgs: { msgType: number; body: Uint8Array }[]) => { msgType: number; body: Uint8Array }[]): Uint8Array {
  const recs = recordsOf(dg);
  const hs = recs.filter((r) => r.type === CT.handshake && r.epoch === 0);
  if (hs.length === 0) return dg;
  const msgs = hs.flatMap(fragmentsOf);
  for (const m of msgs) if (m.offset !== 0 || m.body.length !== m.length) throw new Error('rewriteFlight: fragmented message');
  const firstSeq = msgs[0]!.messageSeq;
  const firstRec = hs[0]!.seq;
  const edited = edit(msgs.map((m) => ({ msgType: m.msgType, body: m.body })));
  const out = edited.map((m, i) => handshakeRecord(m.msgType, firstSeq + i, m.body, firstRec + i));
  const rest = recs.filter((r) => !(r.type === CT.handshake && r.epoch === 0)).map((r) => r.raw);
  return concat([...out, ...rest]);
}

/** Keep only the records of a datagram for which `keep(record, index)` holds (undefined when none is left). */
export function filterRecords(dg: Uint8Array, keep: (r: DtlsRecord, i: number) => boolean): Uint8Array | undefined {
  const kept = recordsOf(dg).filter(keep).map((r) => r.raw);
  return kept.length === 0 ? undefined : concat(kept);
}

// --- hello messages ------------------------------------------------------------

export function decodeHello(body: Uint8Array): ClientHello {
  return decodeClientHello(new Reader(body));
}
export function encodeHello(h: ClientHello): Uint8Array {
  return encode((w) => encodeClientHello(w, h), 512);
}
export function decodeSH(body: Uint8Array): ServerHello {
  return decodeServerHello(new Reader(body));
}
export function encodeSH(h: ServerHello): Uint8Array {
  return encode((w) => encodeServerHello(w, h), 512);
}

/** Replace, add (at the end) or remove (data undefined) one extension. */
export function withExtension(exts: readonly Extension[], type: number, data: Uint8Array | undefined): Extension[] {
  const out = exts.filter((e) => e.type !== type);
  if (data !== undefined) out.push({ type, data });
  return out;
}

/** Extension types of a raw extensions block, in order (for duplicate checks). */
export function extensionTypes(exts: readonly Extension[]): number[] {
  return exts.map((e) => e.type);
}

export { decodeExtensions };

/** The ClientHello of a datagram (epoch 0, whole), or undefined. */
export function clientHelloOf(dg: Uint8Array): { hello: ClientHello; messageSeq: number; recordSeq: number } | undefined {
  for (const r of recordsOf(dg)) {
    if (r.type !== CT.handshake || r.epoch !== 0) continue;
    for (const f of fragmentsOf(r)) {
      if (f.msgType === HT.client_hello && f.offset === 0 && f.body.length === f.length) {
        return { hello: decodeHello(f.body), messageSeq: f.messageSeq, recordSeq: r.seq };
      }
    }
  }
  return undefined;
}

/** Rewrite the (whole, single-record) ClientHello of a datagram. */
export function rewriteClientHello(dg: Uint8Array, edit: (h: ClientHello) => ClientHello): Uint8Array {
  const recs = recordsOf(dg);
  return concat(recs.map((r) => {
    if (r.type !== CT.handshake || r.epoch !== 0) return r.raw;
    const fs = fragmentsOf(r);
    if (fs.length !== 1 || fs[0]!.msgType !== HT.client_hello || fs[0]!.offset !== 0 || fs[0]!.body.length !== fs[0]!.length) return r.raw;
    const body = encodeHello(edit(decodeHello(fs[0]!.body)));
    return record(CT.handshake, 0, r.seq, message(HT.client_hello, fs[0]!.messageSeq, body), r.version);
  }));
}

/** A forged protected record: a valid header and a garbage body (deterministic in seq). */
export function forged(type: number, epoch: number, seq: number, bodyLength = 48): Uint8Array {
  const body = new Uint8Array(bodyLength);
  let x = ((seq + 1) * 2654435761) >>> 0 || 1;
  for (let i = 0; i < body.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    body[i] = x & 0xff;
  }
  return rawRecord(type, DTLS12, epoch, seq, bodyLength, body);
}

export const te = new TextEncoder();
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
