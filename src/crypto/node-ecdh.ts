import type { KeyObject } from 'node:crypto';
import { concatBytes, fromHex, isAllZero, plain } from './bytes.js';
import { cryptoError } from './fail.js';
import { badKeyShare, checkPeerPublic, checkPrivate, isGroup } from './key-share.js';
import { requireNodeCrypto, type NodeCrypto } from './node-crypto.js';
import type { GroupName, KeyShare } from './provider.js';

/** DER prefix of an X25519 PKCS#8 PrivateKeyInfo (RFC 8410); the raw 32-byte key follows. */
const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');

const ecdhCurve = { secp256r1: 'prime256v1', secp384r1: 'secp384r1' } as const;

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The X25519 base point u = 9 (RFC 7748 §4.1), base64url: X25519(k, 9) is k's public key. */
const X25519_BASE_POINT = 'CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
let x25519Base: KeyObject | undefined;
/** Does `KeyObject.export` know `'raw-public'` (newer Node)? Found out on first use. */
let rawPublicExport: boolean | undefined;

/**
 * The raw 32-byte public key of an X25519 key pair. DER (SPKI) export goes
 * through OpenSSL 3's encoders, which cost about twice the key generation;
 * JWK export of a freshly generated key can deadlock Node 20 (a GC inside the
 * export finalizes the key generation job, which takes the key's lock). So:
 * `'raw-public'` export where Node has it, else X25519(private, 9) — one more
 * scalar multiplication, still cheaper than the encoder.
 */
function x25519Public(c: NodeCrypto, privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  // Stryker disable all: which way the same public key is found is equivalent, and StrykerJS runs on Node 24, which has
  // 'raw-public'; the fallback runs on Node 20, where test/crypto/ecdh.test.ts's RFC 7748 vectors kill its mutants (npm test)
  if (rawPublicExport !== false) {
    try {
      const raw = plain(publicKey.export({ format: 'raw-public' } as unknown as { format: 'der'; type: 'spki' }));
      if (raw.length === 32) {
        rawPublicExport = true;
        return raw;
      }
    } catch {
      // Not supported by this runtime.
    }
    rawPublicExport = false;
  }
  x25519Base ??= c.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: X25519_BASE_POINT }, format: 'jwk' });
  return plain(c.diffieHellman({ privateKey, publicKey: x25519Base }));
}

// Stryker restore all

function x25519Share(c: NodeCrypto, privateKey: KeyObject, publicKey: KeyObject): KeyShare {
  const raw = x25519Public(c, privateKey, publicKey);
  return {
    group: 'x25519',
    publicKey: raw,
    computeSecret(peer) {
      checkPeerPublic('x25519', peer);
      let z: Uint8Array;
      try {
        // A JWK import is a raw-key import; an SPKI one goes through OpenSSL 3's (slow) decoders.
        const peerKey = c.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: buf(peer).toString('base64url') }, format: 'jwk' });
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
  // generateKeys returns the public key (uncompressed): no getPublicKey round trip.
  let publicKey: Uint8Array;
  if (priv === undefined) publicKey = ecdh.generateKeys();
  else {
    try {
      ecdh.setPrivateKey(priv);
    } catch (e) {
      throw cryptoError(`${group} private key out of range`, e);
    }
    publicKey = ecdh.getPublicKey();
  }
  return {
    group,
    publicKey: plain(publicKey),
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
