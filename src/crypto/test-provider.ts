import { p256, p384 } from '@noble/curves/nist.js';
import { keyShareFromPrivate as nodeFromPrivate } from './node-provider.js';
import { keyShareFromPrivate as nobleFromPrivate, nobleProvider } from './noble-provider.js';
import { seededBytes, type ByteSource } from './prng.js';
import { hybridEncapsulate, hybridKeyShare } from './hybrid-kem.js';
import type { CryptoProvider, GroupName, KemGroupName, KeyShare } from './provider.js';

function seededPrivate(group: GroupName, rng: ByteSource): Uint8Array {
  switch (group) {
    case 'x25519':
      return rng(32);
    case 'secp256r1':
      return p256.utils.randomSecretKey(rng(p256.lengths.seed!));
    case 'secp384r1':
      return p384.utils.randomSecretKey(rng(p384.lengths.seed!));
  }
}

/**
 * A provider identical to `base` (default: the noble provider) except that
 * `randomBytes` and the private keys of `generateKeyShare` come from a PRNG
 * seeded with `seed`: two providers with the same seed produce the same
 * randoms and key shares (hybrid ML-KEM ones included) in the same call order. For reproducible tests and
 * fuzzing only — the PRNG is not cryptographic. Key shares are built by
 * the node hook when `base.name` is 'node', else by the noble one.
 */
export function testProvider(seed: number, base: CryptoProvider = nobleProvider): CryptoProvider {
  const rng = seededBytes(seed);
  const fromPrivate = base.name === 'node' ? nodeFromPrivate : nobleFromPrivate;
  const share = (group: GroupName): KeyShare => fromPrivate(group, seededPrivate(group, rng));
  const hybrid = { x25519: () => share('x25519'), randomBytes: (n: number) => rng(n) };
  return Object.freeze({
    name: `test:${base.name}:${seed}`,
    randomBytes: (n: number) => rng(n),
    hash: base.hash.bind(base),
    hmac: base.hmac.bind(base),
    hmacKey: base.hmacKey.bind(base),
    createAead: base.createAead.bind(base),
    createCbc: base.createCbc.bind(base),
    createRecordNumberMask: base.createRecordNumberMask.bind(base),
    generateKeyShare: share,
    generateKemKeyShare: (group: KemGroupName) => hybridKeyShare(hybrid, group),
    encapsulateKeyShare: (group: KemGroupName, clientShare: Uint8Array) => hybridEncapsulate(hybrid, group, clientShare),
    importSigningKey: base.importSigningKey.bind(base),
    importVerifyingKey: base.importVerifyingKey.bind(base),
  });
}
