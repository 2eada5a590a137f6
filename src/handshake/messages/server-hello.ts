import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { type Extension, decodeExtensions, encodeExtensions } from '../extensions.js';

/**
 * ServerHello (RFC 5246 §7.4.1.3):
 * ```
 * struct {
 *   ProtocolVersion server_version;
 *   Random random;
 *   SessionID session_id;
 *   CipherSuite cipher_suite;
 *   CompressionMethod compression_method;
 *   select (extensions_present) { case true: Extension extensions<0..2^16-1>; };
 * } ServerHello;
 * ```
 */
export interface ServerHello {
  readonly serverVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
}

export function decodeServerHello(r: Reader): ServerHello {
  const serverVersion = r.u16('server_version');
  const random = copyBytes(r.bytes(32, 'random'));
  const sessionId = copyBytes(r.vec8(0, 32, 'session_id'));
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('compression_method');
  const extensions = decodeExtensions(r).map((e) => ({ type: e.type, data: copyBytes(e.data) }));
  r.end('ServerHello');
  return { serverVersion, random, sessionId, cipherSuite, compressionMethod, extensions };
}

export function encodeServerHello(w: Writer, m: ServerHello): void {
  w.u16(m.serverVersion).bytes(m.random).opaque8(m.sessionId).u16(m.cipherSuite).u8(m.compressionMethod);
  encodeExtensions(w, m.extensions);
}
