import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * Finished (RFC 5246 §7.4.9): `opaque verify_data[verify_data_length]`, 12
 * bytes for every suite we have.
 */
export interface Finished {
  readonly verifyData: Uint8Array;
}

export const VERIFY_DATA_LENGTH = 12;

export function decodeFinished(r: Reader): Finished {
  const verifyData = copyBytes(r.bytes(VERIFY_DATA_LENGTH, 'verify_data'));
  r.end('Finished');
  return { verifyData };
}

export function encodeFinished(w: Writer, m: Finished): void {
  w.bytes(m.verifyData);
}
