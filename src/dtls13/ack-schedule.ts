/**
 * What to acknowledge and when (RFC 9147 §7.1): the handshake records received
 * since our last flight or ACK, and the time an ACK is due — at once for a
 * message that needs no answer, a quarter of the retransmission timer after a
 * flight that arrived only in part.
 */
import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import type { RecordNumber } from '../connection/flight-sender.js';
import { DecodeError } from '../errors.js';
import { ackCapacity, decodeAck, encodeAck } from './messages/ack.js';

/** At most this many record numbers are remembered (an ACK carries the newest ones). */
export const MAX_ACKED = 64;

export class AckSchedule {
  private received: RecordNumber[] = [];
  /** When the ACK is due; `undefined`: none is. */
  due: number | undefined;

  /** Remember a record to acknowledge (duplicates once). */
  note(rn: RecordNumber): void {
    if (this.received.some((r) => r.epoch === rn.epoch && r.seq === rn.seq)) return;
    this.received.push(rn);
    if (this.received.length > MAX_ACKED) this.received.shift();
  }

  /** Acknowledge at `now` (or sooner if already due sooner). */
  now(now: number): void {
    this.due = now;
  }

  /** Acknowledge no later than `at`, unless an ACK is already due. */
  by(at: number): void {
    this.due ??= at;
  }

  isDue(now: number): boolean {
    return this.due !== undefined && now >= this.due;
  }

  /** The body of one ACK of the newest records that fits `room` bytes (nothing is due after), or `undefined`: nothing to acknowledge. */
  takeBody(room: number): Uint8Array | undefined {
    this.due = undefined;
    const numbers = this.received.slice(-Math.min(ackCapacity(room), MAX_ACKED));
    return numbers.length === 0 ? undefined : encode((w) => encodeAck(w, { recordNumbers: numbers }));
  }

  /** Our flight answered the peer's (an implicit acknowledgement), or the connection closed. */
  clear(): void {
    this.received = [];
    this.due = undefined;
  }
}

/**
 * The record numbers an ACK record of `epoch` lists, or `undefined` when it
 * does not parse (such an ACK is ignored, never fatal). §7: an ACK travels in
 * the epoch of the records it acknowledges or a later one, so numbers of a
 * later epoch than its own are not believed (`laterEpoch` says some were
 * left out: a plaintext ACK must not acknowledge protected records).
 */
export function readAck(body: Uint8Array, epoch: number): { numbers: readonly RecordNumber[]; laterEpoch: boolean } | undefined {
  try {
    const r = new Reader(body);
    const all = decodeAck(r).recordNumbers;
    r.end('ack');
    const numbers = all.filter((n) => n.epoch <= epoch);
    return { numbers, laterEpoch: numbers.length < all.length };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return undefined;
  }
}
