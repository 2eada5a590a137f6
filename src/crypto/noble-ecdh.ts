import { x25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { isAllZero } from './bytes.js';
import { cryptoError } from './fail.js';
import { badKeyShare, checkPeerPublic, checkPrivate, isGroup } from './key-share.js';
import type { GroupName, KeyShare } from './provider.js';

const nist = { secp256r1: p256, secp384r1: p384 } as const;

/** A fresh private key for `group`, from noble's CSPRNG. */
export function noblePrivateKey(group: GroupName): Uint8Array {
  return group === 'x25519' ? x25519.utils.randomSecretKey() : nist[group].utils.randomSecretKey();
}

/**
 * The key share of a given private key (X25519: 32 bytes; P-256/P-384: the
 * big-endian scalar, 1 ≤ d < n). Internal hook for vectors and the seeded
 * test provider; not part of the provider interface.
 */
export function nobleKeyShareFromPrivate(group: GroupName, priv: Uint8Array): KeyShare {
  if (!isGroup(group)) throw cryptoError(`unknown group ${String(group)}`);
  checkPrivate(group, priv);
  const d = priv.slice();
  if (group === 'x25519') {
    const publicKey = x25519.getPublicKey(d);
    return {
      group,
      publicKey,
      computeSecret(peer) {
        checkPeerPublic(group, peer);
        let z: Uint8Array;
        try {
          z = x25519.getSharedSecret(d, peer);
        } catch (e) {
          throw badKeyShare(group, 'low-order point', e);
        }
        if (isAllZero(z)) throw badKeyShare(group, 'all-zero shared secret');
        return z;
      },
    };
  }
  const curve = nist[group];
  if (!curve.utils.isValidSecretKey(d)) throw cryptoError(`${group} private key out of range`);
  const publicKey = curve.getPublicKey(d, false);
  return {
    group,
    publicKey,
    computeSecret(peer) {
      checkPeerPublic(group, peer);
      let shared: Uint8Array;
      try {
        // Point decoding checks the point is on the curve and not the identity.
        shared = curve.getSharedSecret(d, peer, true);
      } catch (e) {
        throw badKeyShare(group, 'point not on the curve', e);
      }
      return shared.slice(1);
    },
  };
}

/** A fresh ephemeral key share over @noble/curves. */
export function nobleKeyShare(group: GroupName): KeyShare {
  if (!isGroup(group)) throw cryptoError(`unknown group ${String(group)}`);
  return nobleKeyShareFromPrivate(group, noblePrivateKey(group));
}
