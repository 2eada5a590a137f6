/**
 * The five cipher suites of DTLS 1.3 (RFC 8446 §B.4, DTLS-OK per RFC 9147):
 * the AEAD and hash of each, its record-number mask (RFC 9147 §4.2.3), and
 * its AEAD usage limits (RFC 9147 §4.5.3, RFC 8446 §5.5).
 */
import type { AeadAlg, MaskAlg } from '../crypto/provider.js';
import type { Authentication, CipherSuite, KeyExchange } from '../crypto/suites.js';
import type { Tls13Hash } from './hkdf.js';

/**
 * AEAD usage limits of a suite, per key (RFC 9147 §4.5.3).
 * - `confidentiality`: records a sender may protect with one key before it
 *   must update keys (KeyUpdate) or close — counted on records sent.
 * - `integrity`: records that fail authentication a receiver may see under
 *   one key before it must close (or, having asked for a KeyUpdate, drop the
 *   key) — counted on failed decryptions.
 */
export interface AeadLimits {
  readonly confidentiality: number;
  readonly integrity: number;
  /** Where the numbers come from. */
  readonly source: string;
}

/** A DTLS 1.3 cipher suite. */
export interface Suite13 {
  /** The IANA code point, e.g. 0x1301. */
  readonly id: number;
  /** The IANA name, e.g. `TLS_AES_128_GCM_SHA256`. */
  readonly name: string;
  /** The transcript and HKDF hash. */
  readonly hash: Tls13Hash;
  /** The record AEAD. */
  readonly aead: AeadAlg;
  /** key_length of the AEAD (also the `sn` key length, RFC 9147 §4.2.3). */
  readonly keyLength: 16 | 32;
  /** iv_length: 12 for every suite (RFC 8446 §5.3, max(8, N_MIN)). */
  readonly ivLength: 12;
  /** Bytes the AEAD adds. */
  readonly tagLength: 16 | 8;
  /** The record-number mask (RFC 9147 §4.2.3): AES-ECB for the AES suites, ChaCha20 for ChaCha20-Poly1305. */
  readonly mask: MaskAlg;
  readonly limits: AeadLimits;
}

const GCM_LIMITS: AeadLimits = Object.freeze({
  // RFC 8446 §5.5: 2^24.5 full-size records for AES-GCM; RFC 9147 §4.5.3: 2^36 forgeries.
  confidentiality: Math.floor(2 ** 24.5),
  integrity: 2 ** 36,
  source: 'RFC 8446 §5.5 (2^24.5 records), RFC 9147 §4.5.3 (2^36 failed decryptions)',
});
const CHACHA_LIMITS: AeadLimits = Object.freeze({
  // RFC 8446 §5.5: "the record sequence number would wrap before the safety limit is reached";
  // our sequence numbers stop at 2^48 - 1.
  confidentiality: 2 ** 48 - 1,
  integrity: 2 ** 36,
  source: 'RFC 8446 §5.5 (no limit before the sequence number), RFC 9147 §4.5.3 (2^36 failed decryptions)',
});
const CCM_LIMITS: AeadLimits = Object.freeze({
  confidentiality: 2 ** 23,
  integrity: Math.floor(2 ** 23.5),
  source: 'RFC 9147 Appendix B.1 (2^23 records), B.2 (2^23.5 failed decryptions)',
});
const CCM8_LIMITS: AeadLimits = Object.freeze({
  // RFC 9147 §4.5.3 and Appendix B.3: the same margins as the other suites allow only 2^7
  // forgery attempts; "not suitable for general use" without other forgery protection.
  confidentiality: 2 ** 23,
  integrity: 2 ** 7,
  source: 'RFC 9147 Appendix B.3 (2^23 records, 2^7 failed decryptions)',
});

const suite = (id: number, name: string, hash: Tls13Hash, aead: AeadAlg, keyLength: 16 | 32, tagLength: 16 | 8,
  mask: MaskAlg, limits: AeadLimits): Suite13 => Object.freeze({ id, name, hash, aead, keyLength, ivLength: 12, tagLength, mask, limits });

/** The DTLS 1.3 suites, in our order of preference. */
export const SUITES_13: readonly Suite13[] = Object.freeze([
  suite(0x1301, 'TLS_AES_128_GCM_SHA256', 'sha256', 'aes-128-gcm', 16, 16, 'aes-128-ecb', GCM_LIMITS),
  suite(0x1302, 'TLS_AES_256_GCM_SHA384', 'sha384', 'aes-256-gcm', 32, 16, 'aes-256-ecb', GCM_LIMITS),
  suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'sha256', 'chacha20-poly1305', 32, 16, 'chacha20', CHACHA_LIMITS),
  suite(0x1304, 'TLS_AES_128_CCM_SHA256', 'sha256', 'aes-128-ccm', 16, 16, 'aes-128-ecb', CCM_LIMITS),
  suite(0x1305, 'TLS_AES_128_CCM_8_SHA256', 'sha256', 'aes-128-ccm8', 16, 8, 'aes-128-ecb', CCM8_LIMITS),
]);

/** The suite with this code point, or undefined. */
export function suite13ById(id: number): Suite13 | undefined {
  return SUITES_13.find((s) => s.id === id);
}

/** The suite with this IANA name, or undefined. */
export function suite13ByName(name: string): Suite13 | undefined {
  return SUITES_13.find((s) => s.name === name);
}

/**
 * A DTLS 1.3 suite seen as the {@link CipherSuite} shape DTLS 1.2's suites
 * have, so that `negotiated.suite` reads the same for both versions: the
 * IANA name as both names (OpenSSL uses it for 1.3 suites too), the key
 * exchange and authentication this handshake used, the AEAD with its 12-byte
 * IV (no explicit nonce in 1.3), and the HKDF hash as `prfHash`.
 */
export function suiteView13(s: Suite13, kx: KeyExchange, auth: Authentication): CipherSuite {
  const family = s.aead.includes('gcm') ? 'AESGCM' : s.aead.includes('chacha') ? 'CHACHA20' : s.tagLength === 8 ? 'AESCCM8' : 'AESCCM';
  return Object.freeze({
    id: s.id, iana: s.name, openssl: s.name, kx, auth, prfHash: s.hash, bits: s.keyLength === 32 ? 256 : 128, cipher: family,
    protection: Object.freeze({ kind: 'aead', alg: s.aead, keyLength: s.keyLength, fixedIvLength: 12, explicitNonceLength: 0, tagLength: s.tagLength }),
  }) as CipherSuite;
}
