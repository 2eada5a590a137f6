import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CHash } from '@noble/hashes/utils.js';
import { cryptoError } from './fail.js';
import type { HashAlg } from './provider.js';

/** A one-shot hash function. */
export type HashFn = CHash;

const fns: Readonly<Record<HashAlg, HashFn>> = Object.freeze({ sha1, sha256, sha384, sha512 });

/** The @noble/hashes function for `alg`; throws `ERR_DTLS_CRYPTO` for an unknown one. */
export function nobleHashFn(alg: HashAlg): HashFn {
  const f = Object.hasOwn(fns, alg) ? fns[alg] : undefined;
  if (f === undefined) throw cryptoError(`unknown hash ${String(alg)}`);
  return f;
}

/** Hash `data` with @noble/hashes. */
export function nobleHash(alg: HashAlg, data: Uint8Array): Uint8Array {
  return nobleHashFn(alg)(data);
}

/** HMAC with @noble/hashes. */
export function nobleHmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleHashFn(alg), key, data);
}
