import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { fromHex } from '../../crypto/bytes.js';
import type { Extension } from '../../handshake/extensions.js';
import { decodeExtensionBlock, encodeExtensionBlock } from './extension-block.js';

/**
 * ServerHello of DTLS 1.3 (RFC 9147 §5.4: "the same as the TLS 1.3
 * ServerHello message, except that the legacy_version field is set to
 * 0xfefd"), RFC 8446 §4.1.3:
 * ```
 * struct {
 *   ProtocolVersion legacy_version = 0xfefd;       // DTLS 1.2
 *   Random random;
 *   opaque legacy_session_id_echo<0..32>;
 *   CipherSuite cipher_suite;
 *   uint8 legacy_compression_method = 0;
 *   Extension extensions<6..2^16-1>;
 * } ServerHello;
 * ```
 * A DTLS 1.3 server MUST NOT echo the client's legacy_session_id (RFC 9147
 * §5: no compatibility mode), so `legacySessionIdEcho` is empty. The same
 * message is a HelloRetryRequest when `random` is
 * {@link HELLO_RETRY_REQUEST_RANDOM} (RFC 8446 §4.1.3).
 */
export interface ServerHello13 {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  readonly extensions: readonly Extension[];
}

/** Decode a DTLS 1.3 ServerHello or HelloRetryRequest (RFC 9147 §5.4, RFC 8446 §4.1.3): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeServerHello13(r: Reader): ServerHello13 {
  const legacyVersion = r.u16('legacy_version');
  const random = copyBytes(r.bytes(32, 'random'));
  const legacySessionIdEcho = copyBytes(r.vec8(0, 32, 'legacy_session_id_echo'));
  const cipherSuite = r.u16('cipher_suite');
  const legacyCompressionMethod = r.u8('legacy_compression_method');
  const extensions = decodeExtensionBlock(r, 6);
  r.end('ServerHello');
  return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions };
}

/** Encode a DTLS 1.3 ServerHello or HelloRetryRequest (RFC 9147 §5.4, RFC 8446 §4.1.3). */
export function encodeServerHello13(w: Writer, m: ServerHello13): void {
  w.u16(m.legacyVersion).bytes(m.random).opaque8(m.legacySessionIdEcho).u16(m.cipherSuite).u8(m.legacyCompressionMethod);
  encodeExtensionBlock(w, m.extensions);
}

/**
 * The random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446
 * §4.1.3). A ServerHello with it is a HelloRetryRequest.
 */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = fromHex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');

/** Is this ServerHello a HelloRetryRequest (RFC 8446 §4.1.3)? */
export function isHelloRetryRequest(m: Pick<ServerHello13, 'random'>): boolean {
  const r = m.random;
  if (r.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (r[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) return false;
  return true;
}

/**
 * The downgrade sentinels in the last 8 bytes of ServerHello.random (RFC 8446
 * §4.1.3), which RFC 9147 §5.3 applies to DTLS: a DTLS 1.3-capable server
 * that negotiates DTLS 1.2 writes `DOWNGRD\x01`, one that negotiates DTLS 1.0
 * `DOWNGRD\x00`; a DTLS 1.3 client that gets 1.2 or below with either MUST
 * abort with illegal_parameter.
 */
export const DowngradeSentinel = Object.freeze({
  dtls12: fromHex('444f574e47524401'),
  dtls10: fromHex('444f574e47524400'),
} as const);

/** Which sentinel the random ends with, if any. */
export function downgradeSentinel(random: Uint8Array): 'dtls12' | 'dtls10' | undefined {
  if (random.length !== 32) return undefined;
  for (const name of ['dtls12', 'dtls10'] as const) {
    const s = DowngradeSentinel[name];
    let same = true;
    for (let i = 0; i < 8; i++) if (random[24 + i] !== s[i]) same = false;
    if (same) return name;
  }
  return undefined;
}

/** A copy of a 32-byte server random with its last 8 bytes set to the sentinel for the negotiated version. */
export function withDowngradeSentinel(random: Uint8Array, negotiated: 'dtls12' | 'dtls10'): Uint8Array {
  if (random.length !== 32) throw new RangeError(`a random is 32 bytes, got ${random.length}`);
  const out = Uint8Array.from(random);
  out.set(DowngradeSentinel[negotiated], 24);
  return out;
}
