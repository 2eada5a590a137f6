import type { Reader } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';
import { DecodeError } from '../errors.js';

/** Length of the DTLS handshake header. */
export const HANDSHAKE_HEADER_LENGTH = 12;

/**
 * One handshake fragment (RFC 6347 §4.2.2):
 * ```
 * struct {
 *   HandshakeType msg_type;
 *   uint24 length;
 *   uint16 message_seq;
 *   uint24 fragment_offset;
 *   uint24 fragment_length;
 *   opaque body[fragment_length];
 * } Handshake;
 * ```
 */
export interface HandshakeFragment {
  readonly msgType: number;
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  /** The fragment's bytes (aliases the record; copy what you keep). */
  readonly body: Uint8Array;
}

/**
 * Read one fragment. Checks S-19: fragment_offset + fragment_length ≤ length,
 * and the fragment fits the record.
 */
export function decodeHandshakeFragment(r: Reader): HandshakeFragment {
  const msgType = r.u8('handshake msg_type');
  const length = r.u24('handshake length');
  const messageSeq = r.u16('handshake message_seq');
  const fragmentOffset = r.u24('handshake fragment_offset');
  const fragmentLength = r.u24('handshake fragment_length');
  if (fragmentOffset + fragmentLength > length) {
    throw new DecodeError(`handshake fragment [${fragmentOffset}, +${fragmentLength}) exceeds message length ${length}`);
  }
  const body = r.bytes(fragmentLength, 'handshake fragment body');
  return { msgType, length, messageSeq, fragmentOffset, body };
}

/** Write one fragment. */
export function encodeHandshakeFragment(
  w: Writer, msgType: number, length: number, messageSeq: number, fragmentOffset: number, body: Uint8Array,
): void {
  w.u8(msgType).u24(length).u16(messageSeq).u24(fragmentOffset).u24(body.length).bytes(body);
}

/** The whole message with a header as if unfragmented: what the transcript hashes (S-25). */
export function fullMessage(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
  const n = body.length;
  out[0] = msgType;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
  out[4] = (messageSeq >>> 8) & 0xff;
  out[5] = messageSeq & 0xff;
  // fragment_offset = 0
  out[9] = (n >>> 16) & 0xff;
  out[10] = (n >>> 8) & 0xff;
  out[11] = n & 0xff;
  out.set(body, HANDSHAKE_HEADER_LENGTH);
  return out;
}
