import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';

/**
 * Finished of TLS 1.3 (RFC 8446 §4.4.4): `struct { opaque verify_data[Hash.length]; } Finished;`,
 * 32 bytes with SHA-256 suites, 48 with SHA-384.
 */
export interface Finished13 {
  readonly verifyData: Uint8Array;
}

/**
 * Decode a Finished. With `hashLength` the body must be exactly that long;
 * without, 32 or 48 bytes (the fuzz and property tests, which know no suite).
 */
export function decodeFinished13(r: Reader, hashLength?: 32 | 48): Finished13 {
  const n = r.remaining;
  if (hashLength !== undefined ? n !== hashLength : n !== 32 && n !== 48) {
    throw new DecodeError(`Finished: verify_data of ${n} bytes, expected ${hashLength ?? '32 or 48'}`);
  }
  const verifyData = copyBytes(r.bytes(n, 'verify_data'));
  r.end('Finished');
  return { verifyData };
}

/** Encode a TLS 1.3 Finished (RFC 8446 §4.4.4). */
export function encodeFinished13(w: Writer, m: Finished13): void {
  w.bytes(m.verifyData);
}
