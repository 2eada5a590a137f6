import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * HelloVerifyRequest (RFC 6347 §4.2.1):
 * ```
 * struct {
 *   ProtocolVersion server_version;
 *   opaque cookie<0..2^8-1>;
 * } HelloVerifyRequest;
 * ```
 */
export interface HelloVerifyRequest {
  readonly serverVersion: number;
  readonly cookie: Uint8Array;
}

export function decodeHelloVerifyRequest(r: Reader): HelloVerifyRequest {
  const serverVersion = r.u16('server_version');
  const cookie = copyBytes(r.vec8(0, 255, 'cookie'));
  r.end('HelloVerifyRequest');
  return { serverVersion, cookie };
}

export function encodeHelloVerifyRequest(w: Writer, m: HelloVerifyRequest): void {
  w.u16(m.serverVersion).opaque8(m.cookie);
}
