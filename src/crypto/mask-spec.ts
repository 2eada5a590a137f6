import { cryptoError } from './fail.js';
import type { MaskAlg } from './provider.js';

const KEY_LENGTH: Readonly<Record<MaskAlg, number>> = Object.freeze({ 'aes-128-ecb': 16, 'aes-256-ecb': 32, chacha20: 32 });

/** Length of the ciphertext sample a record-number mask takes, and of the mask (RFC 9147 §4.2.3). */
export const MASK_SAMPLE_LENGTH = 16;

/** Check a record-number mask key against its algorithm; throws `ERR_DTLS_CRYPTO` on misuse. */
export function checkMaskKey(alg: MaskAlg, key: Uint8Array): void {
  const n = Object.hasOwn(KEY_LENGTH, alg) ? KEY_LENGTH[alg] : undefined;
  if (n === undefined) throw cryptoError(`unknown record-number mask ${String(alg)}`);
  if (key.length !== n) throw cryptoError(`${alg} record-number key must be ${n} bytes, got ${key.length}`);
}

/** Check a ciphertext sample (exactly 16 bytes); throws `ERR_DTLS_CRYPTO` on misuse. */
export function checkSample(sample: Uint8Array): void {
  if (sample.length !== MASK_SAMPLE_LENGTH) throw cryptoError(`record-number mask sample must be 16 bytes, got ${sample.length}`);
}
