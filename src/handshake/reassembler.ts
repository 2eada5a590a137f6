import { Reader } from '../codec/reader.js';
import { DecodeError } from '../errors.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeFragment, decodeHandshakeFragment } from './header.js';
import { HandshakeType } from './registry.js';

/** A whole handshake message, in order. */
export interface HandshakeMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  /** Epoch of the record that completed it. */
  readonly epoch: number;
}

/** Limits of the reassembler (S-22, S-23). */
export interface ReassemblyLimits {
  /** Largest message accepted (default 16 KiB). */
  readonly maxMessage: number;
  /** Largest Certificate message accepted (default 64 KiB). */
  readonly maxCertificate: number;
  /** Total bytes buffered for one handshake (default 96 KiB). */
  readonly maxBuffered: number;
  /** How far past next_receive_seq messages are buffered (default 6: seven slots). */
  readonly window: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = Object.freeze({
  maxMessage: 16 * 1024,
  maxCertificate: 64 * 1024,
  maxBuffered: 96 * 1024,
  window: 6,
});

/** Largest number of disjoint byte ranges tracked per message; more fragments than that are dropped. */
const MAX_RANGES = 64;

interface Partial {
  readonly msgType: number;
  readonly length: number;
  readonly body: Uint8Array;
  /** Sorted, disjoint, non-adjacent [start, end) ranges received. */
  ranges: [number, number][];
  received: number;
  epoch: number;
}

/** What `add` did with a fragment. */
export type AddResult = 'old' | 'buffered' | 'dropped';

/** What {@link Reassembler.addRecord} did with a handshake record's fragments. */
export interface RecordIntake {
  /** A fragment of a message already processed: the peer resent a flight. */
  readonly old: boolean;
  /** A fragment was buffered (part of the next flight arrived). */
  readonly buffered: boolean;
  /** Why fragments (or the rest of the record) were dropped, in order. */
  readonly drops: readonly string[];
}

/**
 * Reassembles handshake messages from fragments (RFC 6347 §4.2.3), keyed by
 * message_seq (S-21). Handles overlap, duplication, reordering and
 * zero-length fragments with work bounded by the fragment size, checks the
 * declared length before allocating (S-23), requires all fragments of one
 * message_seq to agree on type and length (S-20), and buffers only a small
 * window beyond next_receive_seq (S-22).
 */
export class Reassembler {
  private next = 0;
  private readonly partials = new Map<number, Partial>();
  private buffered = 0;

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {}

  /** next_receive_seq. */
  get nextSeq(): number {
    return this.next;
  }

  /** Set next_receive_seq (the server starts after the ClientHello it verified). */
  reset(next: number): void {
    this.next = next;
    this.clear();
  }

  /** Bytes currently buffered. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Every fragment of a handshake record (RFC 6347 §4.2.2: a record may hold
   * several, never a header split across records, FRAG-08). HelloRequest is
   * ignored (S-44: renegotiation is refused, S-43). Never throws on bad
   * input: what cannot be decoded ends the record and is reported.
   */
  addRecord(data: Uint8Array, epoch: number): RecordIntake {
    const r = new Reader(data);
    let old = false;
    let buffered = false;
    const drops: string[] = [];
    while (r.remaining > 0) {
      if (r.remaining < HANDSHAKE_HEADER_LENGTH) {
        drops.push('truncated handshake header');
        break;
      }
      let frag;
      try {
        frag = decodeHandshakeFragment(r);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        drops.push('bad handshake fragment');
        break;
      }
      if (frag.msgType === HandshakeType.hello_request) continue;
      const res = this.add(frag, epoch);
      if (res === 'old') old = true;
      else if (res === 'dropped') drops.push('handshake fragment outside limits');
      else buffered = true;
    }
    return { old, buffered, drops };
  }

  add(f: HandshakeFragment, epoch: number): AddResult {
    if (f.messageSeq < this.next) return 'old';
    // S-19: the fragment must lie inside the declared length.
    if (f.fragmentOffset + f.body.length > f.length) return 'dropped';
    if (f.messageSeq > this.next + this.limits.window) return 'dropped';
    const max = f.msgType === HandshakeType.certificate ? this.limits.maxCertificate : this.limits.maxMessage;
    if (f.length > max) return 'dropped';
    let p = this.partials.get(f.messageSeq);
    if (!p) {
      if (this.buffered + f.length > this.limits.maxBuffered) return 'dropped';
      p = { msgType: f.msgType, length: f.length, body: new Uint8Array(f.length), ranges: [], received: 0, epoch };
      this.partials.set(f.messageSeq, p);
      this.buffered += f.length;
    } else if (p.msgType !== f.msgType || p.length !== f.length) {
      return 'dropped';
    }
    const start = f.fragmentOffset;
    const end = start + f.body.length;
    if (end === start) return 'buffered';
    if (!insertRange(p, start, end)) return 'dropped';
    p.body.set(f.body, start);
    p.epoch = epoch;
    return 'buffered';
  }

  /** The next complete message in order, without taking it. */
  peek(): HandshakeMessage | undefined {
    const p = this.partials.get(this.next);
    if (!p || p.received !== p.length) return undefined;
    return { msgType: p.msgType, messageSeq: this.next, body: p.body, epoch: p.epoch };
  }

  /** Throw away the next message without advancing next_receive_seq (an unexpected, unauthenticated one). */
  discardNext(): void {
    const p = this.partials.get(this.next);
    if (!p) return;
    this.partials.delete(this.next);
    this.buffered -= p.length;
  }

  /** The next complete message in order, if any. */
  pop(): HandshakeMessage | undefined {
    const p = this.partials.get(this.next);
    if (!p || p.received !== p.length) return undefined;
    this.partials.delete(this.next);
    this.buffered -= p.length;
    const msg = { msgType: p.msgType, messageSeq: this.next, body: p.body, epoch: p.epoch };
    this.next += 1;
    return msg;
  }

  /** Is a message beyond the next one partly buffered? */
  get hasFuture(): boolean {
    for (const k of this.partials.keys()) if (k > this.next) return true;
    return false;
  }

  /** Free every buffer (S-24). */
  clear(): void {
    this.partials.clear();
    this.buffered = 0;
  }
}

/** Merge [start, end) into the partial's ranges, updating `received`. False when too fragmented. */
function insertRange(p: Partial, start: number, end: number): boolean {
  const rs = p.ranges;
  let i = 0;
  while (i < rs.length && rs[i]![1] < start) i++;
  let s = start, e = end, j = i, covered = 0;
  while (j < rs.length && rs[j]![0] <= e) {
    const r = rs[j]!;
    s = Math.min(s, r[0]);
    e = Math.max(e, r[1]);
    covered += r[1] - r[0];
    j++;
  }
  if (j === i && rs.length >= MAX_RANGES) return false;
  rs.splice(i, j - i, [s, e]);
  p.received += (e - s) - covered;
  return true;
}
