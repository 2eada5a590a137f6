/**
 * Records and handshake messages as the scanner writes and reads them, with
 * the project's codec: {@link handshakeRecords} frames a message into
 * (optionally fragmented) epoch-0 records; {@link FlightReader} takes a
 * server's datagrams apart into reassembled handshake messages, alerts,
 * ChangeCipherSpecs and protected records. Whatever a server sends, the
 * reader never throws: malformed input is noted in `malformed` (a finding).
 */
import { Reader } from '../codec/reader.js';
import { concatBytes } from '../crypto/bytes.js';
import { Writer } from '../codec/writer.js';
import { DTLS1_2, ContentType } from '../record/content-type.js';
import { type DtlsRecord, encodeRecord, parseDatagram } from '../record/record.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment, encodeHandshakeFragment } from '../handshake/header.js';
import type { RecordProtection } from '../record/protection.js';

/** Largest handshake message the reader reassembles (a server could declare 16 MiB). */
const MAX_MESSAGE = 1 << 18;

/** Record sequence counter for one epoch of our side. */
export class SeqCounter {
  constructor(public next = 0) {}
  take(): number {
    return this.next++;
  }
}

/**
 * A handshake message in epoch-0 records: one record when `fragment` is 0 or
 * the body fits, else records of `fragment` body bytes each (RFC 6347 §4.2.3).
 */
export function handshakeRecords(
  msgType: number, messageSeq: number, body: Uint8Array, seq: SeqCounter,
  opts: { version?: number; fragment?: number; epoch?: number } = {},
): Uint8Array[] {
  const size = opts.fragment && opts.fragment < body.length ? opts.fragment : Math.max(body.length, 1);
  const out: Uint8Array[] = [];
  for (let off = 0; off < body.length || (off === 0 && body.length === 0); off += size) {
    const w = new Writer(HANDSHAKE_HEADER_LENGTH + size);
    encodeHandshakeFragment(w, msgType, body.length, messageSeq, off, body.subarray(off, Math.min(off + size, body.length)));
    out.push(encodeRecord(ContentType.handshake, opts.version ?? DTLS1_2, opts.epoch ?? 0, seq.take(), w.finish()));
    if (body.length === 0) break;
  }
  return out;
}

/** One whole handshake message: its header fields and body. */
export function handshakeMessage(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const w = new Writer(HANDSHAKE_HEADER_LENGTH + body.length);
  encodeHandshakeFragment(w, msgType, body.length, messageSeq, 0, body);
  return w.finish();
}

/** A plaintext alert record. */
export function alertRecord(level: number, description: number, seq: SeqCounter, epoch = 0, version = DTLS1_2): Uint8Array {
  return encodeRecord(ContentType.alert, version, epoch, seq.take(), Uint8Array.of(level, description));
}

/** A plaintext ChangeCipherSpec record. */
export function ccsRecord(seq: SeqCounter, epoch = 0): Uint8Array {
  return encodeRecord(ContentType.change_cipher_spec, DTLS1_2, epoch, seq.take(), Uint8Array.of(1));
}

/** Concatenate records into one datagram. */
export function datagram(records: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...records);
}

/** A reassembled handshake message from the server. */
export interface ServerMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  readonly epoch: number;
  /** Number of fragments it arrived in (the first copy of each). */
  readonly fragments: number;
}

/** An alert from the server. */
export interface ServerAlert {
  readonly level: number;
  readonly description: number;
  readonly epoch: number;
  /** Whether it came protected (decrypted with keys we hold). */
  readonly encrypted: boolean;
}

interface Partial {
  readonly msgType: number;
  readonly length: number;
  readonly buf: Uint8Array;
  readonly have: Uint8Array;
  missing: number;
  fragments: number;
  readonly epoch: number;
}

/**
 * Everything a server sent on one socket, taken apart. Feed it datagrams
 * (`add`) in arrival order; handshake messages come out whole, each
 * message_seq once.
 */
export class FlightReader {
  readonly messages: ServerMessage[] = [];
  readonly alerts: ServerAlert[] = [];
  /** Epochs in which a ChangeCipherSpec arrived (and how often). */
  ccs = 0;
  /** Protected records we could not (yet) open. */
  readonly protectedRecords: DtlsRecord[] = [];
  /** Application data (decrypted) received. */
  readonly appData: Uint8Array[] = [];
  /** Why a datagram or record was malformed, if any was. */
  readonly malformed: string[] = [];
  /** Record versions seen (first record of each datagram). */
  readonly recordVersions = new Set<number>();
  /** Length of every handshake record (epoch 0) and datagram received. */
  readonly handshakeRecordLengths: number[] = [];
  readonly datagramLengths: number[] = [];
  /** Whether any handshake message arrived in more than one fragment. */
  fragmented = false;
  /** Duplicate handshake fragments (a retransmission) seen. */
  duplicates = 0;
  /** Record types seen, e.g. 25 for tls12_cid, 24 for heartbeat. */
  readonly recordTypes = new Set<number>();
  private readonly partial = new Map<number, Partial>();
  private readonly done = new Set<number>();
  /** Keys for the server's epoch-1 records, once known. */
  readProtection: RecordProtection | undefined;
  /** Connection ID length we asked the server to use on records to us (RFC 9146). */
  cidLength = 0;

  add(data: Uint8Array): void {
    this.datagramLengths.push(data.length);
    const parsed = parseDatagram(data, this.cidLength);
    if (parsed.dropped) this.malformed.push(parsed.dropped);
    for (const rec of parsed.records) this.record(rec);
  }

  private record(rec: DtlsRecord): void {
    this.recordVersions.add(rec.version);
    this.recordTypes.add(rec.type);
    let fragment = rec.fragment;
    let type = rec.type;
    let encrypted = false;
    if (rec.epoch > 0) {
      const opened = this.open(rec);
      if (!opened) {
        this.protectedRecords.push({ ...rec, fragment: Uint8Array.from(rec.fragment) });
        return;
      }
      fragment = opened.fragment;
      type = opened.type;
      encrypted = true;
    }
    switch (type) {
      case ContentType.handshake:
        if (rec.epoch === 0) this.handshakeRecordLengths.push(fragment.length);
        this.handshake(fragment, rec.epoch);
        break;
      case ContentType.alert:
        if (fragment.length !== 2) this.malformed.push(`alert record of ${fragment.length} bytes`);
        else this.alerts.push({ level: fragment[0]!, description: fragment[1]!, epoch: rec.epoch, encrypted });
        break;
      case ContentType.change_cipher_spec:
        this.ccs++;
        break;
      case ContentType.application_data:
        if (rec.epoch > 0) this.appData.push(Uint8Array.from(fragment));
        break;
      default:
        break;
    }
  }

  /** Open a protected record with the read keys, tls12_cid inner plaintext included. */
  private open(rec: DtlsRecord): { type: number; fragment: Uint8Array } | undefined {
    const p = this.readProtection;
    if (!p) return undefined;
    const pt = p.open(rec.type, rec.version, rec.epoch, rec.seq, rec.fragment, rec.cid);
    if (!pt) return undefined;
    if (rec.type !== 25) return { type: rec.type, fragment: pt };
    // RFC 9146 §4: content ‖ real type ‖ zero padding.
    let end = pt.length;
    while (end > 0 && pt[end - 1] === 0) end--;
    if (end === 0) return undefined;
    return { type: pt[end - 1]!, fragment: pt.subarray(0, end - 1) };
  }

  /** Retry protected records once keys are known. */
  reopen(): void {
    const pending = this.protectedRecords.splice(0);
    for (const rec of pending) this.record(rec);
  }

  private handshake(fragment: Uint8Array, epoch: number): void {
    const r = new Reader(fragment);
    try {
      while (r.remaining > 0) {
        const f = decodeHandshakeFragment(r);
        this.fragment(f.msgType, f.length, f.messageSeq, f.fragmentOffset, f.body, epoch);
      }
    } catch (e) {
      this.malformed.push(`handshake record: ${(e as Error).message}`);
    }
  }

  private fragment(msgType: number, length: number, messageSeq: number, offset: number, body: Uint8Array, epoch: number): void {
    // Keyed by message_seq and type: a server that numbers its HelloVerifyRequest
    // and ServerHello alike still has both read.
    const key = messageSeq * 256 + msgType;
    if (this.done.has(key)) {
      this.duplicates++;
      return;
    }
    if (length > MAX_MESSAGE) {
      this.malformed.push(`handshake message of ${length} bytes declared`);
      return;
    }
    let p = this.partial.get(key);
    if (!p) {
      if (offset === 0 && body.length === length) {
        this.finish(msgType, messageSeq, Uint8Array.from(body), epoch, 1);
        return;
      }
      p = { msgType, length, buf: new Uint8Array(length), have: new Uint8Array(length), missing: length, fragments: 0, epoch };
      this.partial.set(key, p);
    }
    if (p.length !== length) {
      this.malformed.push(`fragments of message_seq ${messageSeq} disagree on the length`);
      return;
    }
    this.fragmented = true;
    p.fragments++;
    p.buf.set(body, offset);
    for (let i = offset; i < offset + body.length; i++) {
      if (!p.have[i]) {
        p.have[i] = 1;
        p.missing--;
      }
    }
    if (p.missing === 0) {
      this.partial.delete(key);
      this.finish(p.msgType, messageSeq, p.buf, p.epoch, p.fragments);
    }
  }

  private finish(msgType: number, messageSeq: number, body: Uint8Array, epoch: number, fragments: number): void {
    this.done.add(messageSeq * 256 + msgType);
    this.messages.push({ msgType, messageSeq, body, epoch, fragments });
  }

  /** The first message of a type, if it arrived. */
  find(msgType: number): ServerMessage | undefined {
    return this.messages.find((m) => m.msgType === msgType);
  }

  /** The first fatal (or any) alert. */
  get alert(): ServerAlert | undefined {
    return this.alerts.find((a) => a.level === 2) ?? this.alerts[0];
  }
}
