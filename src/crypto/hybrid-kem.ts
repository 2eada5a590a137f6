/**
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3, group 0x11EC): a TLS key
 * share that concatenates ML-KEM-768 (FIPS 203, over @noble/post-quantum) and
 * X25519 (the provider's own). For this group the ML-KEM part comes first in
 * every value:
 * - client share: ML-KEM encapsulation key (1184) ‖ X25519 public key (32);
 * - server share: ML-KEM ciphertext (1088) ‖ X25519 public key (32);
 * - shared secret: ML-KEM shared secret (32) ‖ X25519 shared secret (32).
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concatBytes } from './bytes.js';
import { badKeyShare } from './key-share.js';
import type { KemEncapsulation, KemGroupName, KemKeyShare, KeyShare } from './provider.js';
import { cryptoError } from './fail.js';

const GROUP: KemGroupName = 'x25519mlkem768';
/** ML-KEM-768 sizes (FIPS 203 Table 3). */
export const MLKEM768 = Object.freeze({ encapsulationKey: 1184, ciphertext: 1088, sharedSecret: 32, seed: 64, message: 32 });
/** Lengths of the X25519MLKEM768 key shares on the wire. */
export const X25519MLKEM768_CLIENT_SHARE = MLKEM768.encapsulationKey + 32;
export const X25519MLKEM768_SERVER_SHARE = MLKEM768.ciphertext + 32;

/** What the hybrid needs from a provider: a fresh X25519 key share, and randomness. */
export interface HybridParts {
  readonly x25519: () => KeyShare;
  readonly randomBytes: (n: number) => Uint8Array;
}

function checkGroup(group: KemGroupName): void {
  if (group !== GROUP) throw cryptoError(`unknown KEM group ${String(group)}`);
}

/** A client key share: an ML-KEM-768 key pair from a fresh 64-byte seed (FIPS 203 §7.1) and an X25519 key pair. */
export function hybridKeyShare(parts: HybridParts, group: KemGroupName): KemKeyShare {
  checkGroup(group);
  const seed = parts.randomBytes(MLKEM768.seed);
  const { publicKey: ek, secretKey: dk } = ml_kem768.keygen(seed);
  seed.fill(0);
  const x = parts.x25519();
  return Object.freeze({
    group,
    publicKey: concatBytes(ek, x.publicKey),
    decapsulate(serverShare: Uint8Array): Uint8Array {
      if (serverShare.length !== X25519MLKEM768_SERVER_SHARE) {
        throw badKeyShare(group, `length ${serverShare.length}, expected ${X25519MLKEM768_SERVER_SHARE}`);
      }
      // ML-KEM decapsulation never fails: a wrong ciphertext gives an unrelated secret (implicit rejection).
      const kem = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768.ciphertext), dk);
      const ecdh = x.computeSecret(serverShare.subarray(MLKEM768.ciphertext));
      return concatBytes(kem, ecdh);
    },
  });
}

/** The server's side: encapsulate to the client's ML-KEM key with a fresh message, and X25519 with a fresh key. */
export function hybridEncapsulate(parts: HybridParts, group: KemGroupName, clientShare: Uint8Array): KemEncapsulation {
  checkGroup(group);
  if (clientShare.length !== X25519MLKEM768_CLIENT_SHARE) {
    throw badKeyShare(group, `length ${clientShare.length}, expected ${X25519MLKEM768_CLIENT_SHARE}`);
  }
  const msg = parts.randomBytes(MLKEM768.message);
  let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    enc = ml_kem768.encapsulate(clientShare.subarray(0, MLKEM768.encapsulationKey), msg);
  } catch (e) {
    throw badKeyShare(group, 'the ML-KEM encapsulation key fails the FIPS 203 §7.2 modulus check', e);
  } finally {
    msg.fill(0);
  }
  const x = parts.x25519();
  const ecdh = x.computeSecret(clientShare.subarray(MLKEM768.encapsulationKey));
  const secret = concatBytes(enc.sharedSecret, ecdh);
  enc.sharedSecret.fill(0);
  ecdh.fill(0);
  return { share: concatBytes(enc.cipherText, x.publicKey), secret };
}
