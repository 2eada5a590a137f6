import type { Reader } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';

/**
 * A record number (RFC 9147 §4): `struct { uint64 epoch; uint64 sequence_number; } RecordNumber;`.
 * Held as numbers: values above 2^48 - 1 cannot name a record of ours (our
 * epochs and sequence numbers stop there, §8 and §4.2.1) and do not decode.
 */
export interface RecordNumber {
  readonly epoch: number;
  readonly seq: number;
}

/**
 * ACK (RFC 9147 §7), content type 26 — not a handshake message, never in the
 * transcript:
 * ```
 * struct { RecordNumber record_numbers<0..2^16-1>; } ACK;
 * ```
 * The list is in increasing order when well formed; an empty ACK is valid
 * (§7.1). The codec keeps the order it got.
 */
export interface Ack {
  readonly recordNumbers: readonly RecordNumber[];
}

const RECORD_NUMBER_LENGTH = 16;

function readU64(r: Reader, what: string): number {
  const hi = r.u16(what);
  const v = r.u48(what);
  if (hi !== 0) throw new DecodeError(`${what}: above 2^48 - 1`);
  return v;
}

/** Decode an ACK (RFC 9147 §7): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeAck(r: Reader): Ack {
  const list = r.subVec16(0, 0xffff, 'record_numbers');
  r.end('ACK');
  if (list.remaining % RECORD_NUMBER_LENGTH !== 0) throw new DecodeError('record_numbers: not a whole number of RecordNumbers');
  const recordNumbers: RecordNumber[] = [];
  while (list.remaining > 0) {
    const epoch = readU64(list, 'epoch');
    const seq = readU64(list, 'sequence_number');
    recordNumbers.push({ epoch, seq });
  }
  return { recordNumbers };
}

/** Encode an ACK (RFC 9147 §7). */
export function encodeAck(w: Writer, m: Ack): void {
  w.vec16((w) => m.recordNumbers.forEach((n) => w.u16(0).u48(n.epoch).u16(0).u48(n.seq)));
}

/** How many record numbers fit an ACK of at most `bytes` bytes (for filling an ACK record, §7.1). */
export function ackCapacity(bytes: number): number {
  return Math.max(0, Math.floor((Math.min(bytes, 2 + 0xffff) - 2) / RECORD_NUMBER_LENGTH));
}
