import { DtlsError } from '../errors.js';
import { cryptoError } from './fail.js';
import type { GroupName, KemGroupName } from './provider.js';

/** Length of a group's public value on the wire (X25519 raw, NIST uncompressed point). */
export const PUBLIC_LENGTH: Readonly<Record<GroupName, number>> = Object.freeze({
  x25519: 32, secp256r1: 65, secp384r1: 97,
});

/** Length of a group's private scalar. */
export const PRIVATE_LENGTH: Readonly<Record<GroupName, number>> = Object.freeze({
  x25519: 32, secp256r1: 32, secp384r1: 48,
});

/** The error for an unusable peer key share: `ERR_DTLS_BAD_KEY_SHARE`, alert `illegal_parameter` (S-50). */
export function badKeyShare(group: GroupName | KemGroupName, reason: string, cause?: unknown): DtlsError {
  return new DtlsError('ERR_DTLS_BAD_KEY_SHARE', `invalid ${group} key share: ${reason}`, 'illegal_parameter',
    cause === undefined ? undefined : { cause });
}

/**
 * Structural checks on a peer's public value before any arithmetic: the
 * exact length, and for the NIST curves the uncompressed form (0x04) only
 * (RFC 8422 §5.1.2: compressed points are not negotiated). On-curve checks
 * are the curve library's.
 */
export function checkPeerPublic(group: GroupName, peer: Uint8Array): void {
  if (peer.length !== PUBLIC_LENGTH[group]) {
    throw badKeyShare(group, `length ${peer.length}, expected ${PUBLIC_LENGTH[group]}`);
  }
  if (group !== 'x25519' && peer[0] !== 0x04) throw badKeyShare(group, 'not an uncompressed point');
}

/** Check a local private key's length (internal hook, tests). */
export function checkPrivate(group: GroupName, priv: Uint8Array): void {
  if (priv.length !== PRIVATE_LENGTH[group]) {
    throw cryptoError(`${group} private key must be ${PRIVATE_LENGTH[group]} bytes, got ${priv.length}`);
  }
}

/** Is this a group we implement? */
export function isGroup(g: string): g is GroupName {
  return g === 'x25519' || g === 'secp256r1' || g === 'secp384r1';
}
