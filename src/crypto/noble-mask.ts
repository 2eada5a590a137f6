import { ecb } from '@noble/ciphers/aes.js';
import { chacha20Block } from './chacha20-block.js';
import { checkMaskKey, checkSample } from './mask-spec.js';
import type { MaskAlg, RecordNumberMask } from './provider.js';

/**
 * The record-number mask of RFC 9147 §4.2.3 over @noble/ciphers' AES-ECB
 * (one block, no padding) and {@link chacha20Block}. The key is copied once;
 * the mask function holds it for the epoch.
 */
export function nobleRecordNumberMask(alg: MaskAlg, key: Uint8Array): RecordNumberMask {
  checkMaskKey(alg, key);
  const k = Uint8Array.from(key);
  if (alg === 'chacha20') {
    return (sample) => {
      checkSample(sample);
      const counter = (sample[0]! | (sample[1]! << 8) | (sample[2]! << 16) | (sample[3]! << 24)) >>> 0;
      return chacha20Block(k, counter, sample.subarray(4, 16)).slice(0, 16);
    };
  }
  // noble's cipher objects are one-shot: one per sample, from the kept key copy.
  return (sample) => {
    checkSample(sample);
    return ecb(k, { disablePadding: true }).encrypt(sample);
  };
}
