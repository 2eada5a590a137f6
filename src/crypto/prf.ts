import { ascii, concatBytes } from './bytes.js';
import type { CryptoProvider, HashAlg } from './provider.js';

/**
 * P_hash (RFC 5246 §5): HMAC(secret, A(i) || seed) for A(0) = seed,
 * A(i) = HMAC(secret, A(i−1)), concatenated and cut to `length` bytes.
 */
export function pHash(p: CryptoProvider, hash: HashAlg, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const mac = p.hmacKey(hash, secret);
  let a = seed;
  let pos = 0;
  while (pos < length) {
    a = mac(a);
    const block = mac(concatBytes(a, seed));
    const n = Math.min(block.length, length - pos);
    out.set(n === block.length ? block : block.subarray(0, n), pos);
    pos += n;
  }
  return out;
}

/** The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label || seed). `label` is ASCII. */
export function prf(p: CryptoProvider, hash: HashAlg, secret: Uint8Array, label: string, seed: Uint8Array,
  length: number): Uint8Array {
  return pHash(p, hash, secret, concatBytes(ascii(label), seed), length);
}

/** master_secret = PRF(pre_master_secret, "master secret", client_random || server_random)[0..47] (RFC 5246 §8.1). */
export function masterSecret(p: CryptoProvider, hash: HashAlg, preMaster: Uint8Array, clientRandom: Uint8Array,
  serverRandom: Uint8Array): Uint8Array {
  return prf(p, hash, preMaster, 'master secret', concatBytes(clientRandom, serverRandom), 48);
}

/** master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627 §4). */
export function extendedMasterSecret(p: CryptoProvider, hash: HashAlg, preMaster: Uint8Array,
  sessionHash: Uint8Array): Uint8Array {
  return prf(p, hash, preMaster, 'extended master secret', sessionHash, 48);
}

/** key_block = PRF(master_secret, "key expansion", server_random || client_random) (RFC 5246 §6.3). */
export function keyBlock(p: CryptoProvider, hash: HashAlg, master: Uint8Array, serverRandom: Uint8Array,
  clientRandom: Uint8Array, length: number): Uint8Array {
  return prf(p, hash, master, 'key expansion', concatBytes(serverRandom, clientRandom), length);
}

/** verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
export function verifyData(p: CryptoProvider, hash: HashAlg, master: Uint8Array,
  label: 'client finished' | 'server finished', handshakeHash: Uint8Array): Uint8Array {
  return prf(p, hash, master, label, handshakeHash, 12);
}
