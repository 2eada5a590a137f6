import { randomBytes } from '@noble/hashes/utils.js';
import { nobleAead, nobleCbc } from './noble-aead.js';
import { nobleKeyShare, nobleKeyShareFromPrivate } from './noble-ecdh.js';
import { nobleHash, nobleHmac } from './noble-hash.js';
import { nobleRecordNumberMask } from './noble-mask.js';
import { hybridEncapsulate, hybridKeyShare } from './hybrid-kem.js';
import { nobleSigningKey, nobleVerifyingKey } from './noble-sign.js';
import type { HashAlg, CryptoProvider, KemGroupName } from './provider.js';

const NOBLE_HYBRID = { x25519: () => nobleKeyShare('x25519'), randomBytes: (n: number) => randomBytes(n) };

/**
 * The pure-JavaScript provider over @noble/hashes, @noble/ciphers and
 * @noble/curves (AES-CCM is the pure `aesCcm` of ccm.ts over noble's AES block). Runs in
 * any runtime with `crypto.getRandomValues`. RSA keys use node:crypto when
 * present, else importing one throws `KeyError`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { connectAsync, nobleProvider } from 'puredtls';
 *
 * // e.g. in a runtime whose node:crypto lacks AES-CCM or X25519; like crypto: 'noble'
 * const client = await connectAsync({ host: 'localhost', port: 4433, ca: readFileSync('ca.pem'), crypto: nobleProvider });
 * ```
 */
export const nobleProvider: CryptoProvider = Object.freeze({
  name: 'noble',
  randomBytes: (n: number): Uint8Array => randomBytes(n),
  hash: nobleHash,
  hmac: nobleHmac,
  hmacKey: (alg: HashAlg, key: Uint8Array) => {
    const k = Uint8Array.from(key);
    return (data: Uint8Array) => nobleHmac(alg, k, data);
  },
  createAead: nobleAead,
  createCbc: nobleCbc,
  createRecordNumberMask: nobleRecordNumberMask,
  generateKeyShare: nobleKeyShare,
  generateKemKeyShare: (group: KemGroupName) => hybridKeyShare(NOBLE_HYBRID, group),
  encapsulateKeyShare: (group: KemGroupName, clientShare: Uint8Array) => hybridEncapsulate(NOBLE_HYBRID, group, clientShare),
  importSigningKey: nobleSigningKey,
  importVerifyingKey: nobleVerifyingKey,
});

/** Internal hook (tests, seeded provider): a noble key share from a given private key. */
export const keyShareFromPrivate = nobleKeyShareFromPrivate;
