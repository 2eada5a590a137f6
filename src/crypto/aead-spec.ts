import { cryptoError } from './fail.js';
import type { AeadAlg } from './provider.js';

/** Static parameters of each AEAD. */
export interface AeadSpec {
  readonly alg: AeadAlg;
  readonly family: 'gcm' | 'ccm' | 'chacha';
  readonly keyLength: 16 | 32;
  readonly tagLength: 16 | 8;
  /** The OpenSSL / node:crypto cipher name. */
  readonly cipherName: 'aes-128-gcm' | 'aes-256-gcm' | 'aes-128-ccm' | 'aes-256-ccm' | 'chacha20-poly1305';
}

const spec = (alg: AeadAlg, family: AeadSpec['family'], keyLength: 16 | 32, tagLength: 16 | 8,
  cipherName: AeadSpec['cipherName']): AeadSpec => Object.freeze({ alg, family, keyLength, tagLength, cipherName });

const specs: Readonly<Record<AeadAlg, AeadSpec>> = Object.freeze({
  'aes-128-gcm': spec('aes-128-gcm', 'gcm', 16, 16, 'aes-128-gcm'),
  'aes-256-gcm': spec('aes-256-gcm', 'gcm', 32, 16, 'aes-256-gcm'),
  'chacha20-poly1305': spec('chacha20-poly1305', 'chacha', 32, 16, 'chacha20-poly1305'),
  'aes-128-ccm': spec('aes-128-ccm', 'ccm', 16, 16, 'aes-128-ccm'),
  'aes-256-ccm': spec('aes-256-ccm', 'ccm', 32, 16, 'aes-256-ccm'),
  'aes-128-ccm8': spec('aes-128-ccm8', 'ccm', 16, 8, 'aes-128-ccm'),
  'aes-256-ccm8': spec('aes-256-ccm8', 'ccm', 32, 8, 'aes-256-ccm'),
});

/** The spec of `alg`, after checking the key length; throws `ERR_DTLS_CRYPTO` on misuse. */
export function aeadSpec(alg: AeadAlg, key: Uint8Array): AeadSpec {
  const s = Object.hasOwn(specs, alg) ? specs[alg] : undefined;
  if (s === undefined) throw cryptoError(`unknown AEAD ${String(alg)}`);
  if (key.length !== s.keyLength) throw cryptoError(`${alg} key must be ${s.keyLength} bytes, got ${key.length}`);
  return s;
}

/**
 * Is the nonce length valid? GCM and ChaCha20-Poly1305 take 12 bytes (RFC
 * 5288, 7905); CCM takes 7 to 13 (RFC 3610), TLS uses 12 (RFC 6655 §3).
 */
export function nonceOk(s: AeadSpec, nonce: Uint8Array): boolean {
  return s.family === 'ccm' ? nonce.length >= 7 && nonce.length <= 13 : nonce.length === 12;
}

/** Throw `ERR_DTLS_CRYPTO` for a bad nonce (seal only; open returns `null`). */
export function requireNonce(s: AeadSpec, nonce: Uint8Array): void {
  if (!nonceOk(s, nonce)) throw cryptoError(`${s.alg}: bad nonce length ${nonce.length}`);
}
