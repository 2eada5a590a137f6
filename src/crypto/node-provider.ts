import { plain } from './bytes.js';
import { cryptoError } from './fail.js';
import { nodeAead, nodeCbc } from './node-aead.js';
import { requireNodeCrypto } from './node-crypto.js';
import { nodeKeyShare, nodeKeyShareFromPrivate } from './node-ecdh.js';
import { nodeSigningKey, nodeVerifyingKey } from './node-sign.js';
import type { CryptoProvider, HashAlg } from './provider.js';

const HASHES: ReadonlySet<string> = new Set<HashAlg>(['sha1', 'sha256', 'sha384', 'sha512']);

function checkHash(alg: HashAlg): void {
  if (!HASHES.has(alg)) throw cryptoError(`unknown hash ${String(alg)}`);
}

/**
 * The node:crypto provider (OpenSSL underneath): the fast path. node:crypto
 * is looked up on first use, so importing this module is harmless in
 * runtimes without it; calling it there throws `ERR_DTLS_NO_NODE_CRYPTO`.
 *
 * @example
 * ```ts
 * import { createSelfSigned, createServer, nodeProvider } from 'puredtls';
 *
 * const { keyPem, certPem } = createSelfSigned(nodeProvider);
 * const server = createServer({ key: keyPem, cert: certPem, crypto: nodeProvider }); // like crypto: 'node'
 * ```
 */
export const nodeProvider: CryptoProvider = Object.freeze({
  name: 'node',
  randomBytes(n: number): Uint8Array {
    return requireNodeCrypto().randomFillSync(new Uint8Array(n));
  },
  hash(alg: HashAlg, data: Uint8Array): Uint8Array {
    checkHash(alg);
    const c = requireNodeCrypto();
    // crypto.hash (Node ≥ 20.12) is the one-shot fast path.
    return plain(typeof c.hash === 'function' ? c.hash(alg, data, 'buffer') : c.createHash(alg).update(data).digest());
  },
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
    checkHash(alg);
    return plain(requireNodeCrypto().createHmac(alg, key).update(data).digest());
  },
  hmacKey(alg: HashAlg, key: Uint8Array): (data: Uint8Array) => Uint8Array {
    checkHash(alg);
    const c = requireNodeCrypto();
    // A raw key is cheaper than createSecretKey for the few HMACs of a PRF call.
    const k = Buffer.from(key);
    return (data) => plain(c.createHmac(alg, k).update(data).digest());
  },
  createAead: nodeAead,
  createCbc: nodeCbc,
  generateKeyShare: nodeKeyShare,
  importSigningKey: nodeSigningKey,
  importVerifyingKey: nodeVerifyingKey,
});

/** Internal hook (tests, seeded provider): a node key share from a given private key. */
export const keyShareFromPrivate = nodeKeyShareFromPrivate;

/**
 * Does the node provider work in this runtime? Checks that node:crypto is
 * there and has what we need (some runtimes ship partial node:crypto
 * emulations): AES-CCM with an 8-byte tag, ChaCha20-Poly1305, X25519 and
 * P-256. Never throws.
 */
export function nodeProviderWorks(): boolean {
  try {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    const aad = new Uint8Array(13);
    const msg = new Uint8Array(20);
    for (const alg of ['aes-128-ccm8', 'chacha20-poly1305', 'aes-256-gcm'] as const) {
      const a = nodeProvider.createAead(alg, key.subarray(0, alg === 'aes-128-ccm8' ? 16 : 32));
      const opened = a.open(nonce, aad, a.seal(nonce, aad, msg));
      if (opened === null || opened.length !== msg.length) return false;
    }
    for (const g of ['x25519', 'secp256r1'] as const) {
      const a = nodeProvider.generateKeyShare(g);
      const b = nodeProvider.generateKeyShare(g);
      const s1 = a.computeSecret(b.publicKey);
      const s2 = b.computeSecret(a.publicKey);
      if (s1.length === 0 || s1.length !== s2.length || s1.some((x, i) => x !== s2[i])) return false;
    }
    return nodeProvider.hash('sha384', msg).length === 48;
  } catch {
    return false;
  }
}
