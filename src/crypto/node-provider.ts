import { plain } from './bytes.js';
import { cryptoError } from './fail.js';
import { nodeAead, nodeCbc } from './node-aead.js';
import { type NodeCrypto, requireNodeCrypto } from './node-crypto.js';
import { nodeKeyShare, nodeKeyShareFromPrivate } from './node-ecdh.js';
import { nodeRecordNumberMask } from './node-mask.js';
import { hybridEncapsulate, hybridKeyShare } from './hybrid-kem.js';
import { nodeSigningKey, nodeVerifyingKey } from './node-sign.js';
import type { CryptoProvider, HashAlg, KemGroupName } from './provider.js';

const HASHES: ReadonlySet<string> = new Set<HashAlg>(['sha1', 'sha256', 'sha384', 'sha512']);

function checkHash(alg: HashAlg): void {
  if (!HASHES.has(alg)) throw cryptoError(`unknown hash ${String(alg)}`);
}

/** Random bytes not yet handed out; each request is copied out and wiped here. */
const pool = new Uint8Array(4096);
let poolPos = pool.length;

/**
 * CSPRNG bytes. Small requests (randoms, session IDs, nonces: several per
 * handshake) come from a pool refilled by one `randomFillSync`: each call
 * into OpenSSL's DRBG costs about 2 µs whatever its size. Bytes leave the
 * pool once and are zeroed there when taken.
 */
function randomBytes(n: number): Uint8Array {
  const c = requireNodeCrypto();
  if (n > 256) return c.randomFillSync(new Uint8Array(n));
  if (poolPos + n > pool.length) {
    c.randomFillSync(pool);
    poolPos = 0;
  }
  const out = pool.slice(poolPos, poolPos + n);
  pool.fill(0, poolPos, poolPos + n);
  poolPos += n;
  return out;
}

const BLOCK: Readonly<Record<HashAlg, number>> = { sha1: 64, sha256: 64, sha384: 128, sha512: 128 };
const OUTPUT: Readonly<Record<HashAlg, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

type OneShotHash = NonNullable<NodeCrypto['hash']>;

/**
 * `crypto.hash`'s digest as a plain array. Asked for `'buffer'`, Node 20
 * builds a Buffer outside V8's heap, after taking the encoding name through
 * its slow path: 0.56–1.05 µs of CPU for a SHA-256 of 50 bytes on the 2-core
 * bench machine. Asked for `'binary'` (latin1: one character per byte, a string on
 * V8's heap) and copied into a heap array: 0.23 µs. A handshake hashes some
 * 40 (DTLS 1.2) to 90 (DTLS 1.3) times. The string cannot be wiped; neither
 * can the copies V8's collector leaves when it moves a small array, so wiping
 * a digest was already best effort; the array returned can be.
 */
function digest(hash: OneShotHash, alg: HashAlg, data: Uint8Array): Uint8Array {
  const s = hash(alg, data, 'binary');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** {@link digest} written into `out` at `offset`; returns its length. */
function digestInto(hash: OneShotHash, alg: HashAlg, data: Uint8Array, out: Uint8Array, offset: number): number {
  const s = hash(alg, data, 'binary');
  for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i);
  return s.length;
}

/**
 * HMAC (RFC 2104) under one key, for several MACs: {@link hmacOnce} with a
 * copy of the key (on V8's heap: at most a block). Padded keys kept per key
 * would cost more than they save: buffers of more than 64 bytes live outside
 * V8's heap and cost microseconds to allocate, while XORing a key into the
 * shared scratch is a few dozen byte operations, and a key is mostly used for
 * one to four MACs (HKDF-Expand-Label, a PRF call).
 */
function hashHmac(hash: OneShotHash, alg: HashAlg, key: Uint8Array): (data: Uint8Array) => Uint8Array {
  const k = key.length > BLOCK[alg] ? digest(hash, alg, key) : key.slice();
  return (data) => hmacOnce(hash, alg, k, data);
}

/**
 * One HMAC (RFC 2104) as two one-shot hashes, through one module buffer that
 * is wiped after each use (the inner hash is written straight into it).
 * `createHmac` with a raw key costs 3 µs on Node 20 and 20–30 µs on Node 24
 * (it imports the key each time); this is about two hashes on both. Used for
 * MACs whose key changes (HKDF-Extract, Finished, the CBC record MAC, whose
 * key must be wipeable).
 */
function hmacOnce(hash: OneShotHash, alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  const block = BLOCK[alg];
  const k = key.length > block ? digest(hash, alg, key) : key;
  const n = block + Math.max(data.length, OUTPUT[alg]);
  if (n > onceScratch.length) onceScratch = new Uint8Array(n);
  const buf = onceScratch;
  try {
    buf.fill(0x36, 0, block);
    for (let i = 0; i < k.length; i++) buf[i]! ^= k[i]!;
    buf.set(data, block);
    const inner = digestInto(hash, alg, buf.subarray(0, block + data.length), buf, block);
    buf.fill(0x5c, 0, block);
    for (let i = 0; i < k.length; i++) buf[i]! ^= k[i]!;
    return digest(hash, alg, buf.subarray(0, block + inner));
  } finally {
    buf.fill(0, 0, n);
  }
}
let onceScratch = new Uint8Array(512);

/** X25519 from node:crypto, ML-KEM-768 from @noble/post-quantum (node:crypto has no ML-KEM before Node 24.7). */
const NODE_HYBRID = { x25519: () => nodeKeyShare('x25519'), randomBytes: (n: number) => randomBytes(n) };

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
  randomBytes,
  hash(alg: HashAlg, data: Uint8Array): Uint8Array {
    checkHash(alg);
    const c = requireNodeCrypto();
    // crypto.hash (Node ≥ 20.12) is the one-shot fast path (see digest).
    return typeof c.hash === 'function' ? digest(c.hash, alg, data) : plain(c.createHash(alg).update(data).digest());
  },
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
    checkHash(alg);
    const c = requireNodeCrypto();
    if (typeof c.hash === 'function') return hmacOnce(c.hash, alg, key, data);
    return plain(c.createHmac(alg, key).update(data).digest());
  },
  hmacKey(alg: HashAlg, key: Uint8Array): (data: Uint8Array) => Uint8Array {
    checkHash(alg);
    const c = requireNodeCrypto();
    if (typeof c.hash === 'function') return hashHmac(c.hash, alg, key);
    // A raw key is cheaper than createSecretKey for the few HMACs of a PRF call.
    const k = key.slice();
    return (data) => plain(c.createHmac(alg, k).update(data).digest());
  },
  createAead: nodeAead,
  createCbc: nodeCbc,
  createRecordNumberMask: nodeRecordNumberMask,
  generateKeyShare: nodeKeyShare,
  generateKemKeyShare: (group: KemGroupName) => hybridKeyShare(NODE_HYBRID, group),
  encapsulateKeyShare: (group: KemGroupName, clientShare: Uint8Array) => hybridEncapsulate(NODE_HYBRID, group, clientShare),
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
