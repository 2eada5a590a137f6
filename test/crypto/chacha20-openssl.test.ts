/**
 * Our ChaCha20 block function (the pure provider's record-number mask of
 * DTLS 1.3) against OpenSSL's through node:crypto. Bun's node:crypto has no
 * bare ChaCha20, so vitest.runtimes.config.ts leaves this file out there; the
 * RFC 8439 vectors of record-number-mask.test.ts run on every runtime.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chacha20Block } from '../../src/crypto/chacha20-block.js';
import { toHex } from './helpers.js';

describe('chacha20Block against OpenSSL', () => {
  it('agrees with node:crypto chacha20 for any key, counter and nonce, 0xffffffff included', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.oneof(fc.constant(0xffffffff), fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      (key, counter, nonce) => {
        const iv = new Uint8Array(16);
        new DataView(iv.buffer).setUint32(0, counter, true);
        iv.set(nonce, 4);
        const expected = createCipheriv('chacha20', key, iv).update(new Uint8Array(64));
        expect(toHex(chacha20Block(key, counter, nonce))).toBe(expected.toString('hex'));
      },
    ), { numRuns: 200 });
  });
});
