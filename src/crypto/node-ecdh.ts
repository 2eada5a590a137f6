import type { KeyObject } from 'node:crypto';
import { concatBytes, fromHex, isAllZero, plain } from './bytes.js';
import { cryptoError } from './fail.js';
import { badKeyShare, checkPeerPublic, checkPrivate, isGroup } from './key-share.js';
import { requireNodeCrypto, type NodeCrypto } from './node-crypto.js';
import type { GroupName, KeyShare } from './provider.js';

/** DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410); the raw 32-byte key follows. */
const X25519_SPKI_PREFIX = fromHex('302a300506032b656e032100');
/** DER prefix of an X25519 PKCS#8 PrivateKeyInfo (RFC 8410); the raw 32-byte key follows. */
const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');

const ecdhCurve = { secp256r1: 'prime256v1', secp384r1: 'secp384r1' } as const;

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function x25519Share(c: NodeCrypto, privateKey: KeyObject, publicKey: KeyObject): KeyShare {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const raw = plain(spki).slice(X25519_SPKI_PREFIX.length);
  return {
    group: 'x25519',
    publicKey: raw,
    computeSecret(peer) {
      checkPeerPublic('x25519', peer);
      let z: Uint8Array;
      try {
        const peerKey = c.createPublicKey({ key: buf(concatBytes(X25519_SPKI_PREFIX, peer)), format: 'der', type: 'spki' });
        z = plain(c.diffieHellman({ privateKey, publicKey: peerKey }));
      } catch (e) {
        throw badKeyShare('x25519', 'low-order or malformed point', e);
      }
      if (isAllZero(z)) throw badKeyShare('x25519', 'all-zero shared secret');
      return z;
    },
  };
}

function nistShare(c: NodeCrypto, group: 'secp256r1' | 'secp384r1', priv?: Uint8Array): KeyShare {
  const ecdh = c.createECDH(ecdhCurve[group]);
  if (priv === undefined) ecdh.generateKeys();
  else {
    try {
      ecdh.setPrivateKey(priv);
    } catch (e) {
      throw cryptoError(`${group} private key out of range`, e);
    }
  }
  return {
    group,
    publicKey: plain(ecdh.getPublicKey()),
    computeSecret(peer) {
      checkPeerPublic(group, peer);
      try {
        // computeSecret decodes the point and rejects it when not on the curve.
        return plain(ecdh.computeSecret(peer));
      } catch (e) {
        throw badKeyShare(group, 'point not on the curve', e);
      }
    },
  };
}

/** A fresh ephemeral key share over node:crypto. */
export function nodeKeyShare(group: GroupName): KeyShare {
  const c = requireNodeCrypto();
  if (!isGroup(group)) throw cryptoError(`unknown group ${String(group)}`);
  if (group === 'x25519') {
    const { privateKey, publicKey } = c.generateKeyPairSync('x25519');
    return x25519Share(c, privateKey, publicKey);
  }
  return nistShare(c, group);
}

/**
 * The key share of a given private key, over node:crypto. Internal hook for
 * vectors and the seeded test provider; not part of the provider interface.
 */
export function nodeKeyShareFromPrivate(group: GroupName, priv: Uint8Array): KeyShare {
  const c = requireNodeCrypto();
  if (!isGroup(group)) throw cryptoError(`unknown group ${String(group)}`);
  checkPrivate(group, priv);
  if (group === 'x25519') {
    const privateKey = c.createPrivateKey({ key: buf(concatBytes(X25519_PKCS8_PREFIX, priv)), format: 'der', type: 'pkcs8' });
    return x25519Share(c, privateKey, c.createPublicKey(privateKey));
  }
  return nistShare(c, group, priv);
}
