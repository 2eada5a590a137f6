import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesCcm } from '../../src/crypto/ccm.js';
import { DtlsError } from '../../src/errors.js';
import { flipBit, hex, pattern, toHex } from './helpers.js';

/** Node's native (OpenSSL) AES-CCM: ciphertext || tag. */
function nativeSeal(key: Uint8Array, tag: number, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const name = key.length === 16 ? 'aes-128-ccm' : key.length === 24 ? 'aes-192-ccm' : 'aes-256-ccm';
  const c = createCipheriv(name, key, nonce, { authTagLength: tag });
  c.setAAD(aad, { plaintextLength: pt.length });
  const body = c.update(pt);
  c.final();
  return new Uint8Array(Buffer.concat([body, c.getAuthTag()]));
}

const LENGTHS = [0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 255, 256, 257, 1000, 1024, 1500, 4096 + 3];
const AAD_LENGTHS = [0, 1, 13, 14, 15, 16, 17, 31, 32, 100];

describe('pure AES-CCM (ccm.ts)', () => {
  it('matches RFC 3610 packet vector #1', () => {
    const ccm = aesCcm(hex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf'), 8);
    const out = ccm.seal(hex('00000003020100a0a1a2a3a4a5'), hex('0001020304050607'), hex('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e'));
    expect(toHex(out)).toBe('588c979a61c663d2f066d0c2c0f989806d5f6b61dac384' + '17e8d12cfdf926e0');
  });

  for (const keyLength of [16, 24, 32]) {
    for (const tag of [8, 16]) {
      for (const nonceLength of [12, 13, 7]) {
        it(`equals node's native CCM byte for byte: key ${keyLength}, tag ${tag}, nonce ${nonceLength}`, () => {
          const key = pattern(keyLength, keyLength + tag);
          const ccm = aesCcm(key, tag);
          let i = 0;
          for (const len of LENGTHS) {
            for (const aadLen of AAD_LENGTHS) {
              i++;
              const nonce = pattern(nonceLength, i);
              const aad = pattern(aadLen, 1000 + i);
              const pt = pattern(len, 2000 + i);
              const ours = ccm.seal(nonce, aad, pt);
              expect(toHex(ours)).toBe(toHex(nativeSeal(key, tag, nonce, aad, pt)));
              expect(ccm.open(nonce, aad, ours)).toEqual(pt);
            }
          }
        });
      }
    }
  }

  it('encodes long associated data (≥ 0xff00 bytes, 6-byte length form) like node', () => {
    const key = pattern(16, 1);
    const nonce = pattern(12, 2);
    for (const aadLen of [0xfeff, 0xff00, 0x10005]) {
      const aad = pattern(aadLen, 3);
      const pt = pattern(33, 4);
      const ours = aesCcm(key, 16).seal(nonce, aad, pt);
      expect(toHex(ours)).toBe(toHex(nativeSeal(key, 16, nonce, aad, pt)));
    }
  });

  it('property: random key/nonce/aad/plaintext equal node for tags 8 and 16', () => {
    fc.assert(fc.property(
      fc.constantFrom(16, 32),
      fc.constantFrom(8, 16),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 300 }),
      (kl, tag, key, nonce, aad, pt) => {
        const k = key.subarray(0, kl);
        const ours = aesCcm(k, tag).seal(nonce, aad, pt);
        expect(toHex(ours)).toBe(toHex(nativeSeal(k, tag, nonce, aad, pt)));
      }), { numRuns: 300 });
  });

  it('rejects tampered tag, ciphertext, nonce and AAD, and short input', () => {
    for (const tag of [8, 16]) {
      const ccm = aesCcm(pattern(16, 9), tag);
      const nonce = pattern(12, 10);
      const aad = pattern(13, 11);
      const sealed = ccm.seal(nonce, aad, pattern(40, 12));
      for (let bit = 0; bit < sealed.length * 8; bit++) expect(ccm.open(nonce, aad, flipBit(sealed, bit))).toBeNull();
      expect(ccm.open(flipBit(nonce, 0), aad, sealed)).toBeNull();
      expect(ccm.open(nonce, flipBit(aad, 100), sealed)).toBeNull();
      expect(ccm.open(nonce, aad, sealed.subarray(0, tag - 1))).toBeNull();
      expect(ccm.open(nonce, aad, new Uint8Array(0))).toBeNull();
      expect(ccm.open(new Uint8Array(6), aad, sealed)).toBeNull();
      expect(ccm.open(new Uint8Array(14), aad, sealed)).toBeNull();
    }
  });

  it('refuses bad parameters', () => {
    expect(() => aesCcm(new Uint8Array(15), 16)).toThrow(DtlsError);
    expect(() => aesCcm(new Uint8Array(16), 7)).toThrow(DtlsError);
    expect(() => aesCcm(new Uint8Array(16), 18)).toThrow(DtlsError);
    expect(() => aesCcm(new Uint8Array(16), 16).seal(new Uint8Array(14), new Uint8Array(0), new Uint8Array(1))).toThrow(DtlsError);
  });
});
