/**
 * The deterministic crypto provider of the endpoint targets.
 *
 * `testProvider(seed)` (src/crypto/test-provider.ts) gives seeded randoms
 * and key shares. Its base here is node:crypto for speed, except signing,
 * which comes from noble because node's ECDSA signatures are randomized
 * (noble's are RFC 6979, Ed25519 is deterministic anyway). So every byte an
 * endpoint sends is a function of the seed and of what it received.
 *
 * Pure functions are cached (imported keys, signatures, verdicts, and key
 * shares by their position in the random stream): caching a pure function
 * changes nothing but the speed. Most executions replay the same recorded
 * handshake prefix, so without the caches most of their time would go into
 * recomputing the same key shares and signatures.
 */
import { createHash } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { nobleProvider } from '../../../src/crypto/noble-provider.js';
import { nodeProvider } from '../../../src/crypto/node-provider.js';
import type {
  Aead, AeadAlg, BlockCipher, CryptoProvider, GroupName, HashAlg, KemEncapsulation, KemGroupName, KemKeyShare, KeyShare, MaskAlg, RecordNumberMask, SigningKey, VerifyingKey,
} from '../../../src/crypto/provider.js';
import { testProvider } from '../../../src/crypto/test-provider.js';

function digest(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('base64');
}

function bounded<K, V>(map: Map<K, V>, max: number): Map<K, V> {
  if (map.size >= max) map.clear();
  return map;
}

const signingKeys = new Map<string, SigningKey>();
const signatures = new Map<string, Uint8Array>();
function deterministicSigningKey(pkcs8: Uint8Array): SigningKey {
  const id = digest(pkcs8);
  let key = signingKeys.get(id);
  if (!key) {
    const inner = nobleProvider.importSigningKey(pkcs8);
    key = Object.freeze({
      kind: inner.kind,
      ...(inner.curve !== undefined && { curve: inner.curve }),
      ...(inner.bits !== undefined && { bits: inner.bits }),
      sign(scheme: number, data: Uint8Array): Uint8Array {
        const memo = `${id}:${scheme}:${digest(data)}`;
        let sig = signatures.get(memo);
        if (!sig) {
          sig = inner.sign(scheme, data);
          bounded(signatures, 1024).set(memo, sig);
        }
        return sig.slice();
      },
    });
    bounded(signingKeys, 64).set(id, key);
  }
  return key;
}

const verifyingKeys = new Map<string, VerifyingKey>();
const verdicts = new Map<string, boolean>();
function cachedVerifyingKey(spki: Uint8Array): VerifyingKey {
  const id = digest(spki);
  let key = verifyingKeys.get(id);
  if (!key) {
    const inner = nodeProvider.importVerifyingKey(spki);
    key = Object.freeze({
      kind: inner.kind,
      ...(inner.curve !== undefined && { curve: inner.curve }),
      ...(inner.bits !== undefined && { bits: inner.bits }),
      verify(scheme: number, data: Uint8Array, signature: Uint8Array): boolean {
        const memo = `${id}:${scheme}:${digest(data)}:${digest(signature)}`;
        let ok = verdicts.get(memo);
        if (ok === undefined) {
          ok = inner.verify(scheme, data, signature);
          bounded(verdicts, 4096).set(memo, ok);
        }
        return ok;
      },
    });
    bounded(verifyingKeys, 256).set(id, key);
  }
  return key;
}

/** node:crypto with deterministic signing; every operation is deterministic. */
export const DETERMINISTIC_BASE: CryptoProvider = Object.freeze({
  ...nodeProvider,
  name: 'node',
  importSigningKey: deterministicSigningKey,
  importVerifyingKey: cachedVerifyingKey,
});

/**
 * Bytes of the seeded stream that `testProvider(...).generateKeyShare(group)`
 * consumes, checked against testProvider itself at load: a group whose
 * check fails is simply not cached.
 */
const SHARE_STREAM_BYTES: Partial<Record<GroupName, number>> = {};
for (const [group, n] of [['x25519', 32], ['secp256r1', p256.lengths.seed!], ['secp384r1', p384.lengths.seed!]] as const) {
  const a = testProvider(99, DETERMINISTIC_BASE);
  a.generateKeyShare(group);
  const b = testProvider(99, DETERMINISTIC_BASE);
  b.randomBytes(n);
  if (Buffer.from(a.randomBytes(16)).equals(Buffer.from(b.randomBytes(16)))) SHARE_STREAM_BYTES[group] = n;
}

const shares = new Map<string, KeyShare>();

/**
 * `testProvider(seed)` over DETERMINISTIC_BASE that `reset()` rewinds to the
 * start of its stream: one object can be configured into an endpoint once
 * and still give every execution the same randoms.
 */
export class DeterministicProvider implements CryptoProvider {
  readonly name: string;
  private inner: CryptoProvider;
  /** The calls made on the seeded stream since the reset: with the seed, its exact position. */
  private history = '';

  constructor(private readonly seed: number) {
    this.inner = testProvider(seed, DETERMINISTIC_BASE);
    this.name = this.inner.name;
  }

  reset(): void {
    this.inner = testProvider(this.seed, DETERMINISTIC_BASE);
    this.history = '';
  }

  randomBytes(n: number): Uint8Array {
    this.history += `r${n},`;
    return this.inner.randomBytes(n);
  }

  generateKeyShare(group: GroupName): KeyShare {
    const memo = `${this.seed}|${this.history}|${group}`;
    this.history += `k${group},`;
    const n = SHARE_STREAM_BYTES[group];
    const hit = n !== undefined ? shares.get(memo) : undefined;
    if (hit) {
      this.inner.randomBytes(n!); // advance the stream exactly as the real call would
      return { group: hit.group, publicKey: hit.publicKey.slice(), computeSecret: hit.computeSecret.bind(hit) };
    }
    const share = this.inner.generateKeyShare(group);
    if (n !== undefined) bounded(shares, 256).set(memo, { group: share.group, publicKey: share.publicKey.slice(), computeSecret: share.computeSecret.bind(share) });
    return share;
  }

  hash(alg: HashAlg, data: Uint8Array): Uint8Array {
    return this.inner.hash(alg, data);
  }
  hmacKey(alg: HashAlg, key: Uint8Array): (data: Uint8Array) => Uint8Array {
    return this.inner.hmacKey(alg, key);
  }
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
    return this.inner.hmac(alg, key, data);
  }
  createAead(alg: AeadAlg, key: Uint8Array): Aead {
    return this.inner.createAead(alg, key);
  }
  createCbc(key: Uint8Array): BlockCipher {
    return this.inner.createCbc(key);
  }
  createRecordNumberMask(alg: MaskAlg, key: Uint8Array): RecordNumberMask {
    return this.inner.createRecordNumberMask(alg, key);
  }
  generateKemKeyShare(group: KemGroupName): KemKeyShare {
    return this.inner.generateKemKeyShare(group);
  }
  encapsulateKeyShare(group: KemGroupName, clientShare: Uint8Array): KemEncapsulation {
    return this.inner.encapsulateKeyShare(group, clientShare);
  }
  importSigningKey(pkcs8: Uint8Array): SigningKey {
    return this.inner.importSigningKey(pkcs8);
  }
  importVerifyingKey(spki: Uint8Array): VerifyingKey {
    return this.inner.importVerifyingKey(spki);
  }
}
