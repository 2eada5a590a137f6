import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Finished, VERIFY_DATA_LENGTH, decodeFinished, encodeFinished } from '../../../src/handshake/messages/finished.js';
import { hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects,
} from './helpers.js';

const VERIFY_DATA = 'cf919626f1360c536aaad73a';
const VECTOR = hex(VERIFY_DATA);

const finishedArb: fc.Arbitrary<Finished> = fc.record({ verifyData: bytesOf(12, 12) });

describe('Finished', () => {
  it('decodes 12 bytes of verify_data', () => {
    expect(VERIFY_DATA_LENGTH).toBe(12);
    expect(toHex(decodeBytes(decodeFinished, VECTOR).verifyData)).toBe(VERIFY_DATA);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeFinished, decodeBytes(decodeFinished, VECTOR)))).toBe(VERIFY_DATA);
  });

  it('copies verify_data out of the input (S-66)', () => {
    expectNoAliasing(decodeFinished, VECTOR);
  });

  it('rejects every truncation, down to an empty Finished', () => {
    expectEveryTruncationRejected(decodeFinished, VECTOR);
    expectRejects(decodeFinished, VECTOR.subarray(0, 11), /^verify_data: need 12 bytes, 11 left/);
  });

  it('rejects trailing bytes', () => {
    expectRejects(decodeFinished, hex(VERIFY_DATA + '00'), 'Finished: 1 trailing bytes');
  });

  it('rejects a 36-byte SSLv3-style Finished', () => {
    expectRejects(decodeFinished, new Uint8Array(36), 'Finished: 24 trailing bytes');
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(decodeFinished, encodeFinished, finishedArb.map((m) => encodeMessage(encodeFinished, m)));
  });

  it('encode → decode is the identity on random Finished messages', () => {
    assertEncodeDecode(decodeFinished, encodeFinished, finishedArb);
  });
});
