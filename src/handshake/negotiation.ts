import type { EcCurve, GroupName, KeyKind, SigningKey } from '../crypto/provider.js';
import { SignatureScheme as S } from '../crypto/provider.js';
import type { CipherSuite } from '../crypto/suites.js';
import { NamedGroup } from './registry.js';

/** Groups we do ECDHE with, in our preference order. */
export const GROUPS: readonly { readonly id: number; readonly name: GroupName }[] = Object.freeze([
  { id: NamedGroup.x25519, name: 'x25519' },
  { id: NamedGroup.secp256r1, name: 'secp256r1' },
  { id: NamedGroup.secp384r1, name: 'secp384r1' },
]);

export function groupById(id: number): GroupName | undefined {
  return GROUPS.find((g) => g.id === id)?.name;
}
export function groupId(name: GroupName): number {
  return GROUPS.find((g) => g.name === name)!.id;
}

/** Signature schemes we offer and accept, in our preference order. */
export const SIGNATURE_SCHEMES: readonly number[] = Object.freeze([
  S.ecdsa_secp256r1_sha256,
  S.ecdsa_secp384r1_sha384,
  S.ecdsa_secp521r1_sha512,
  S.ed25519,
  S.rsa_pss_rsae_sha256,
  S.rsa_pss_rsae_sha384,
  S.rsa_pss_rsae_sha512,
  S.rsa_pkcs1_sha256,
  S.rsa_pkcs1_sha384,
  S.rsa_pkcs1_sha512,
]);

/** Which key kind a signature scheme needs. */
export function schemeKeyKind(scheme: number): KeyKind | undefined {
  switch (scheme) {
    case S.ecdsa_secp256r1_sha256: case S.ecdsa_secp384r1_sha384: case S.ecdsa_secp521r1_sha512: case S.ecdsa_sha1:
      return 'ecdsa';
    case S.ed25519:
      return 'ed25519';
    case S.rsa_pss_rsae_sha256: case S.rsa_pss_rsae_sha384: case S.rsa_pss_rsae_sha512:
    case S.rsa_pkcs1_sha256: case S.rsa_pkcs1_sha384: case S.rsa_pkcs1_sha512: case S.rsa_pkcs1_sha1:
      return 'rsa';
    default:
      return undefined;
  }
}

const curveScheme: Record<EcCurve, number> = {
  'P-256': S.ecdsa_secp256r1_sha256,
  'P-384': S.ecdsa_secp384r1_sha384,
  'P-521': S.ecdsa_secp521r1_sha512,
};

/**
 * Pick the scheme to sign with: one the peer offered (RFC 5246 §7.4.1.4.1)
 * that fits our key, preferring the hash that matches an ECDSA key's curve.
 * Without the extension the peer accepts SHA-1 with the key's algorithm.
 */
export function chooseSignatureScheme(key: Pick<SigningKey, 'kind' | 'curve'>, offered: readonly number[] | undefined): number | undefined {
  if (offered === undefined) {
    if (key.kind === 'ecdsa') return S.ecdsa_sha1;
    if (key.kind === 'rsa') return S.rsa_pkcs1_sha1;
    return undefined;
  }
  const fits = (s: number) => schemeKeyKind(s) === key.kind && offered.includes(s);
  if (key.kind === 'ecdsa' && key.curve && fits(curveScheme[key.curve])) return curveScheme[key.curve];
  return SIGNATURE_SCHEMES.find(fits);
}

/** Pick the ECDHE group: our preference among the peer's (RFC 8422 §4: absent means secp256r1 is fine). */
export function chooseGroup(offered: readonly number[] | undefined, allowed: readonly GroupName[] = GROUPS.map((g) => g.name)): GroupName | undefined {
  if (offered === undefined) return allowed.includes('secp256r1') ? 'secp256r1' : undefined;
  return allowed.find((name) => offered.includes(groupId(name)));
}

/** Does a suite fit a server key (ECDSA suites for EC and Ed25519 keys, RSA suites for RSA keys)? */
export function suiteFitsKey(suite: CipherSuite, kind: KeyKind | undefined): boolean {
  if (suite.auth === 'PSK') return false;
  if (kind === undefined) return false;
  return suite.auth === 'RSA' ? kind === 'rsa' : kind === 'ecdsa' || kind === 'ed25519';
}
