import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';
import { type Extension, decodeExtensions, encodeExtensions } from '../extensions.js';

/**
 * ClientHello (RFC 6347 §4.2.1, RFC 5246 §7.4.1.2):
 * ```
 * struct {
 *   ProtocolVersion client_version;
 *   Random random;
 *   SessionID session_id;                       // opaque <0..32>
 *   opaque cookie<0..2^8-1>;
 *   CipherSuite cipher_suites<2..2^16-2>;
 *   CompressionMethod compression_methods<1..2^8-1>;
 *   select (extensions_present) { case true: Extension extensions<0..2^16-1>; };
 * } ClientHello;
 * ```
 */
export interface ClientHello {
  readonly clientVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cookie: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: readonly number[];
  readonly extensions: readonly Extension[];
}

/**
 * Decode a ClientHello. Its byte fields are copies (S-66), except the
 * extensions' data with `copyExtensions: false`: views into the input, for a
 * hello read and dropped at once (the stateless front door, which answers
 * floods of them and keeps nothing).
 */
export function decodeClientHello(r: Reader, copyExtensions = true): ClientHello {
  const clientVersion = r.u16('client_version');
  const random = copyBytes(r.bytes(32, 'random'));
  const sessionId = copyBytes(r.vec8(0, 32, 'session_id'));
  const cookie = copyBytes(r.vec8(0, 255, 'cookie'));
  const cs = r.subVec16(2, 0xfffe, 'cipher_suites');
  if (cs.remaining % 2 !== 0) throw new DecodeError('cipher_suites: odd length');
  const cipherSuites: number[] = [];
  while (cs.remaining > 0) cipherSuites.push(cs.u16());
  const compressionMethods = r.vec8Numbers(1, 255, 'compression_methods');
  const decoded = decodeExtensions(r);
  const extensions = copyExtensions ? decoded.map((e) => ({ type: e.type, data: copyBytes(e.data) })) : decoded;
  r.end('ClientHello');
  return { clientVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function encodeClientHello(w: Writer, m: ClientHello): void {
  w.u16(m.clientVersion).bytes(m.random).opaque8(m.sessionId).opaque8(m.cookie);
  w.vec16((w) => m.cipherSuites.forEach((s) => w.u16(s)));
  w.vec8((w) => m.compressionMethods.forEach((c) => w.u8(c)));
  encodeExtensions(w, m.extensions);
}

/**
 * The leading fields of a ClientHello, enough for the stateless cookie check
 * (RFC 6347 §4.2.1) even when a small MTU fragmented the message: version,
 * random, session_id and cookie, which all sit in its first bytes.
 */
export interface HelloPrefix {
  readonly clientVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cookie: Uint8Array;
}

export function decodeHelloPrefix(r: Reader): HelloPrefix {
  const clientVersion = r.u16('client_version');
  const random = copyBytes(r.bytes(32, 'random'));
  const sessionId = copyBytes(r.vec8(0, 32, 'session_id'));
  const cookie = copyBytes(r.vec8(0, 255, 'cookie'));
  return { clientVersion, random, sessionId, cookie };
}
