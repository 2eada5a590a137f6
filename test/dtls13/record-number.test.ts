import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskSequenceNumber, reconstructEpoch, reconstructSequenceNumber } from '../../src/dtls13/record-number.js';
import { hex, toHex } from '../codec/hex.js';

describe('reconstructSequenceNumber (RFC 9147 §4.2.2)', () => {
  it.each([
    // expected next, bits, on-the-wire bits → full
    [0, 8, 0x00, 0x00],
    [0, 8, 0x05, 0x05],
    [0, 8, 0xff, 0xff], // nothing below 0: the only candidate
    [0x100, 8, 0x00, 0x100],
    [0x100, 8, 0xff, 0xff], // one behind
    [0x17f, 8, 0xff, 0x1ff], // a tie (0x80 either way) goes to the higher one, as in QUIC
    [0x1_0000, 16, 0xfffe, 0xfffe],
    [0x1_0000, 16, 0x0003, 0x1_0003],
    [0xabcd_7fff, 16, 0x0000, 0xabcd_0000],
    [0xabcd_8001, 16, 0x0000, 0xabce_0000],
    [2 ** 48 - 10, 8, 0x00, 2 ** 48 - 256], // never above 2^48 - 1
  ] as const)('expected %i, %i bits, wire %i → %i', (expected, bits, wire, full) => {
    expect(reconstructSequenceNumber(expected, bits, wire)).toBe(full);
  });

  it('is the candidate closest to the expected number (brute force)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.constantFrom(8 as const, 16 as const), fc.nat(),
      (expected, bits, raw) => {
        const window = 2 ** bits;
        const partial = raw % window;
        const got = reconstructSequenceNumber(expected, bits, partial);
        expect(got % window).toBe(partial);
        expect(got).toBeGreaterThanOrEqual(0);
        expect(got).toBeLessThanOrEqual(2 ** 48 - 1);
        for (const other of [got - window, got + window]) {
          if (other < 0 || other > 2 ** 48 - 1) continue;
          expect(Math.abs(got - expected)).toBeLessThanOrEqual(Math.abs(other - expected));
        }
      },
    ), { numRuns: 3000 });
  });

  it('recovers any sequence number within half a window of the expected one', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -127, max: 127 }), (expected, delta) => {
      const seq = expected + delta;
      if (seq < 0) return;
      expect(reconstructSequenceNumber(expected, 8, seq % 256)).toBe(seq);
      expect(reconstructSequenceNumber(expected, 16, seq % 65536)).toBe(seq);
    }));
  });
});

describe('reconstructEpoch (RFC 9147 §4.2.2, §6.1)', () => {
  it.each([
    [2, 2, [2], 2],
    [3, 3, [2, 3], 3],
    [2, 3, [2, 3], 2], // a late handshake record after the switch to epoch 3
    [0, 4, [3, 4], 4],
    [3, 4, [3, 4], 3], // the most recent past epoch with matching bits
    [3, 8, [3, 7, 8], 7],
    [3, 8, [3, 6, 8], 3], // epoch 7's keys are gone: the one before with the same bits
    [3, 8, [6, 8], undefined], // no keys kept for epochs 3 or 7
    [1, 3, [2, 3], undefined], // epoch 1 is 0-RTT: refused
    [1, 5, [2, 3, 4, 5], 5],
    [0, 3, [2, 3], undefined], // epoch 0 is never protected
    [2, 2, [2, 6], 2], // an epoch the receiver does not read yet never comes back
  ] as const)('bits %i, current %i, readable %j → %s', (bits, current, readable, epoch) => {
    expect(reconstructEpoch(bits, current, readable)).toBe(epoch);
  });
});

describe('maskSequenceNumber (RFC 9147 §4.2.3)', () => {
  const mask = (sample: Uint8Array) => sample.map((b, i) => b ^ (0xa0 + i));

  it('XORs the leading mask bytes onto an 8- or 16-bit sequence number, and undoes it', () => {
    const ct = hex('00112233445566778899aabbccddeeff00');
    const h1 = hex('20 5a');
    expect(maskSequenceNumber(mask, h1, 1, 1, ct)).toBe(true);
    expect(toHex(h1)).toBe('20' + (0x5a ^ 0x00 ^ 0xa0).toString(16));
    const h2 = hex('3c c1d2 1234 0011');
    maskSequenceNumber(mask, h2, 3, 2, ct);
    expect(toHex(h2)).toBe('3cc1d2' + ((0x12 ^ 0xa0).toString(16)) + ((0x34 ^ 0x11 ^ 0xa1).toString(16)) + '0011');
    maskSequenceNumber(mask, h2, 3, 2, ct);
    expect(toHex(h2)).toBe('3cc1d212340011');
  });

  it('refuses a ciphertext shorter than 16 bytes and leaves the header alone', () => {
    const h = hex('20 5a');
    expect(maskSequenceNumber(mask, h, 1, 1, new Uint8Array(15))).toBe(false);
    expect(toHex(h)).toBe('205a');
  });
});
