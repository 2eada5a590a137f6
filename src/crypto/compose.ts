import { fromHex } from './bytes.js';
import type { AeadAlg, CryptoProvider, GroupName, HashAlg, MaskAlg, SigningKey, VerifyingKey } from './provider.js';

/**
 * Choosing native or pure-JavaScript crypto per algorithm. Runtimes ship
 * partial node:crypto emulations: Bun's lacks AES-CCM, ChaCha20-Poly1305 and
 * the bare ChaCha20 stream (DTLS 1.3's record-number mask), Deno's AES-CCM,
 * while both have GCM, ECDH, signatures and hashes. Taking
 * the pure provider for everything when one algorithm is missing would make
 * every handshake and record several times slower there, so each algorithm is
 * probed once against the pure provider and the native one kept where it
 * gives the same bytes.
 */

const AEADS: readonly AeadAlg[] = [
  'aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305', 'aes-128-ccm', 'aes-256-ccm', 'aes-128-ccm8', 'aes-256-ccm8',
];
const GROUPS: readonly GroupName[] = ['x25519', 'secp256r1', 'secp384r1'];
const HASHES: readonly HashAlg[] = ['sha1', 'sha256', 'sha384', 'sha512'];
const MASKS: readonly MaskAlg[] = ['aes-128-ecb', 'aes-256-ecb', 'chacha20'];

/**
 * What the native provider can do in this runtime, per algorithm: the result
 * of {@link probeNative}. `false` entries go to the fallback provider.
 */
export interface NativeSupport {
  readonly random: boolean;
  readonly hashes: boolean;
  readonly cbc: boolean;
  readonly aead: Readonly<Record<AeadAlg, boolean>>;
  readonly groups: Readonly<Record<GroupName, boolean>>;
  /** DTLS 1.3 record-number masks (RFC 9147 §4.2.3). */
  readonly masks: Readonly<Record<MaskAlg, boolean>>;
  /** Signing and verification (ECDSA, Ed25519, RSA key import through the native provider). */
  readonly signatures: boolean;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** `f()`, or false when it throws. */
function ok(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/**
 * Probe each algorithm of `native` once against `reference` (the pure
 * provider): an AEAD must seal to the same bytes and open its own output, a
 * key share must agree on the secret with the reference's, hashes and HMACs
 * must match, CBC must round-trip, a record-number mask must give the
 * reference's bytes. Signatures: an ECDSA P-256 signature made
 * natively must verify with the reference, and one made by the reference
 * natively. Never throws.
 */
export function probeNative(native: CryptoProvider, reference: CryptoProvider): NativeSupport {
  const random = ok(() => native.randomBytes(16).length === 16 && native.randomBytes(300).length === 300);
  const key = new Uint8Array(32).map((_, i) => i + 1);
  const nonce = new Uint8Array(12).fill(9);
  const aad = new Uint8Array(13).fill(5);
  const msg = new Uint8Array(37).map((_, i) => i * 7);
  const aead = Object.fromEntries(AEADS.map((alg) => [alg, ok(() => {
    const k = key.subarray(0, alg.startsWith('aes-128') ? 16 : 32);
    const a = native.createAead(alg, k);
    const sealed = a.seal(nonce, aad, msg);
    const opened = a.open(nonce, aad, sealed);
    return equal(sealed, reference.createAead(alg, k).seal(nonce, aad, msg)) && opened !== null && equal(opened, msg);
  })])) as Record<AeadAlg, boolean>;
  const groups = Object.fromEntries(GROUPS.map((g) => [g, ok(() => {
    const a = native.generateKeyShare(g);
    const b = reference.generateKeyShare(g);
    return equal(a.computeSecret(b.publicKey), b.computeSecret(a.publicKey));
  })])) as Record<GroupName, boolean>;
  const sample = new Uint8Array(16).map((_, i) => 0xf0 ^ i);
  const masks = Object.fromEntries(MASKS.map((alg) => [alg, ok(() => {
    const k = key.subarray(0, alg === 'aes-128-ecb' ? 16 : 32);
    return equal(native.createRecordNumberMask(alg, k)(sample), reference.createRecordNumberMask(alg, k)(sample));
  })])) as Record<MaskAlg, boolean>;
  const hashes = HASHES.every((h) => ok(() => equal(native.hash(h, msg), reference.hash(h, msg))
    && equal(native.hmac(h, key, msg), reference.hmac(h, key, msg))
    && equal(native.hmacKey(h, key)(msg), reference.hmac(h, key, msg))));
  const cbc = ok(() => {
    const iv = key.subarray(0, 16);
    const data = new Uint8Array(32).fill(3);
    const c = native.createCbc(key);
    const e = c.encrypt(iv, data);
    return equal(e, reference.createCbc(key).encrypt(iv, data)) && equal(c.decrypt(iv, e), data);
  });
  const signatures = ok(() => {
    const ECDSA_P256_SHA256 = 0x0403;
    const nat = native.importSigningKey(P256_PKCS8);
    const ref = reference.importSigningKey(P256_PKCS8);
    return nat.kind === 'ecdsa'
      && reference.importVerifyingKey(P256_SPKI).verify(ECDSA_P256_SHA256, msg, nat.sign(ECDSA_P256_SHA256, msg))
      && native.importVerifyingKey(P256_SPKI).verify(ECDSA_P256_SHA256, msg, ref.sign(ECDSA_P256_SHA256, msg))
      && !native.importVerifyingKey(P256_SPKI).verify(ECDSA_P256_SHA256, key, ref.sign(ECDSA_P256_SHA256, msg));
  });
  return Object.freeze({ random, hashes, cbc, aead: Object.freeze(aead), groups: Object.freeze(groups), masks: Object.freeze(masks), signatures });
}

/** Whether every probed algorithm is native. */
export function allNative(s: NativeSupport): boolean {
  return s.random && s.hashes && s.cbc && s.signatures
    && Object.values(s.aead).every(Boolean) && Object.values(s.groups).every(Boolean) && Object.values(s.masks).every(Boolean);
}

/** Short names of what falls back, e.g. `['chacha20-poly1305', 'ccm', 'chacha20-mask']`. */
export function fallbacks(s: NativeSupport): string[] {
  const out: string[] = [];
  if (!s.random) out.push('random');
  if (!s.hashes) out.push('hash');
  const aeads = AEADS.filter((a) => !s.aead[a]);
  const ccm = aeads.filter((a) => a.includes('-ccm'));
  for (const a of aeads) if (!a.includes('-ccm')) out.push(a);
  if (ccm.length === 4) out.push('ccm');
  else out.push(...ccm);
  if (!s.cbc) out.push('cbc');
  for (const g of GROUPS) if (!s.groups[g]) out.push(g);
  for (const m of MASKS) if (!s.masks[m]) out.push(`${m}-mask`);
  if (!s.signatures) out.push('signatures');
  return out;
}

/**
 * One provider from two: `native` for what {@link probeNative} found working,
 * `fallback` for the rest. Named `native+fallback(what)`, e.g.
 * `node+noble(chacha20-poly1305,ccm,chacha20-mask)` on Bun, so a log line says what a
 * runtime gets.
 */
export function composeProvider(native: CryptoProvider, fallback: CryptoProvider, s: NativeSupport): CryptoProvider {
  const pick = (yes: boolean): CryptoProvider => (yes ? native : fallback);
  const h = pick(s.hashes);
  const sig = pick(s.signatures);
  return Object.freeze({
    // Anything added to CryptoProvider later is the native provider's until probed here.
    ...native,
    name: `${native.name}+${fallback.name}(${fallbacks(s).join(',')})`,
    randomBytes: pick(s.random).randomBytes,
    hash: h.hash,
    hmac: h.hmac,
    hmacKey: h.hmacKey,
    createAead: (alg: AeadAlg, key: Uint8Array) => pick(s.aead[alg] ?? false).createAead(alg, key),
    createCbc: pick(s.cbc).createCbc,
    generateKeyShare: (g: GroupName) => pick(s.groups[g] ?? false).generateKeyShare(g),
    createRecordNumberMask: (alg: MaskAlg, key: Uint8Array) => pick(s.masks[alg] ?? false).createRecordNumberMask(alg, key),
    importSigningKey: sig === native ? (pkcs8: Uint8Array) => signingWithFallback(native, fallback, pkcs8) : sig.importSigningKey,
    importVerifyingKey: sig === native ? (spki: Uint8Array) => verifyingWithFallback(native, fallback, spki) : sig.importVerifyingKey,
  });
}

/**
 * A native signing key whose `sign` falls back to the other provider's when
 * the native one throws. Deno's node:crypto signs ECDSA only with the hash
 * that matches the curve (no P-384 with SHA-1, no P-521 with SHA-256), which
 * TLS 1.2's hash/signature pairs allow.
 */
function signingWithFallback(native: CryptoProvider, fallback: CryptoProvider, pkcs8: Uint8Array): SigningKey {
  const key = native.importSigningKey(pkcs8);
  const der = pkcs8.slice();
  let other: SigningKey | undefined;
  return {
    kind: key.kind,
    ...(key.curve !== undefined && { curve: key.curve }),
    ...(key.bits !== undefined && { bits: key.bits }),
    sign(scheme, data) {
      try {
        return key.sign(scheme, data);
      } catch (err) {
        try {
          other ??= fallback.importSigningKey(der);
        } catch {
          throw err;
        }
        return other.sign(scheme, data);
      }
    },
  };
}

/**
 * A native verifying key that asks the other provider when the native one
 * says no to an ECDSA or Ed25519 signature (the other provider's RSA is
 * node:crypto's too): Deno's node:crypto answers false for curve/hash pairs it
 * does not implement. A signature either accepts is valid; a forged one costs
 * two verifications.
 */
function verifyingWithFallback(native: CryptoProvider, fallback: CryptoProvider, spki: Uint8Array): VerifyingKey {
  const key = native.importVerifyingKey(spki);
  if (key.kind === 'rsa') return key;
  const der = spki.slice();
  let other: VerifyingKey | null | undefined;
  return {
    kind: key.kind,
    ...(key.curve !== undefined && { curve: key.curve }),
    ...(key.bits !== undefined && { bits: key.bits }),
    verify(scheme, data, signature) {
      if (key.verify(scheme, data, signature)) return true;
      if (other === undefined) {
        try {
          other = fallback.importVerifyingKey(der);
        } catch {
          other = null;
        }
      }
      return other !== null && other.verify(scheme, data, signature);
    },
  };
}

// A fixed P-256 key for the signature probe (not a secret: it signs a probe message only).
const P256_PKCS8 = fromHex(
  '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420'
  + 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721a14403420004'
  + '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6'
  + '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
);
const P256_SPKI = fromHex(
  '3059301306072a8648ce3d020106082a8648ce3d03010703420004'
  + '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6'
  + '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
);
