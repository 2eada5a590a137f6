import { DtlsError } from '../errors.js';
import { SignatureScheme, type HashAlg, type KeyKind } from './provider.js';

/** How a SignatureScheme signs: the algorithm family and the hash applied to the message. */
export interface SchemeInfo {
  readonly scheme: number;
  readonly kind: KeyKind;
  /** PKCS#1 v1.5 or PSS for RSA keys; `undefined` otherwise. */
  readonly rsaPadding?: 'pkcs1' | 'pss';
  /** `null` for Ed25519 (PureEdDSA hashes internally). */
  readonly hash: HashAlg | null;
}

/** Output length of each hash, in bytes (RSA-PSS salt length, PRF block). */
export const HASH_LENGTH: Readonly<Record<HashAlg, number>> = Object.freeze({
  sha1: 20, sha256: 32, sha384: 48, sha512: 64,
});

const S = SignatureScheme;
const table = new Map<number, SchemeInfo>();
const add = (scheme: number, kind: KeyKind, hash: HashAlg | null, rsaPadding?: 'pkcs1' | 'pss'): void => {
  table.set(scheme, Object.freeze(rsaPadding === undefined ? { scheme, kind, hash } : { scheme, kind, hash, rsaPadding }));
};
add(S.rsa_pkcs1_sha1, 'rsa', 'sha1', 'pkcs1');
add(S.rsa_pkcs1_sha256, 'rsa', 'sha256', 'pkcs1');
add(S.rsa_pkcs1_sha384, 'rsa', 'sha384', 'pkcs1');
add(S.rsa_pkcs1_sha512, 'rsa', 'sha512', 'pkcs1');
add(S.rsa_pss_rsae_sha256, 'rsa', 'sha256', 'pss');
add(S.rsa_pss_rsae_sha384, 'rsa', 'sha384', 'pss');
add(S.rsa_pss_rsae_sha512, 'rsa', 'sha512', 'pss');
// TLS 1.2 (RFC 5246 §7.4.1.4.1): an ECDSA hash is not tied to the curve.
add(S.ecdsa_sha1, 'ecdsa', 'sha1');
add(S.ecdsa_secp256r1_sha256, 'ecdsa', 'sha256');
add(S.ecdsa_secp384r1_sha384, 'ecdsa', 'sha384');
add(S.ecdsa_secp521r1_sha512, 'ecdsa', 'sha512');
add(S.ed25519, 'ed25519', null);
// rsa_pss_pss_* (keys with the id-RSASSA-PSS OID) are not supported.

/** The scheme's parameters when it is one we implement, else `undefined`. */
export function schemeInfo(scheme: number): SchemeInfo | undefined {
  return table.get(scheme);
}

/** The scheme's parameters when it fits a key of `kind`, else `undefined`. */
export function schemeForKind(kind: KeyKind, scheme: number): SchemeInfo | undefined {
  const info = table.get(scheme);
  return info !== undefined && info.kind === kind ? info : undefined;
}

/**
 * The scheme's parameters for signing with a key of `kind`; throws
 * `DtlsError` `ERR_DTLS_SIGNATURE_SCHEME` (alert `handshake_failure`) when the
 * scheme is unknown, unsupported or does not fit the key.
 */
export function requireScheme(kind: KeyKind, scheme: number): SchemeInfo {
  const info = schemeForKind(kind, scheme);
  if (info === undefined) {
    // Stryker disable next-line StringLiteral: message text (built before the DtlsError, so the message ignorer does not see it)
    const hex = `0x${scheme.toString(16).padStart(4, '0')}`;
    // Stryker disable next-line StringLiteral: message text
    const why = table.has(scheme) ? `does not fit a ${kind} key` : 'is not supported';
    throw new DtlsError('ERR_DTLS_SIGNATURE_SCHEME', `signature scheme ${hex} ${why}`, 'handshake_failure');
  }
  return info;
}
