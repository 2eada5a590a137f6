import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HelloVerifyRequest, decodeHelloVerifyRequest, encodeHelloVerifyRequest,
} from '../../../src/handshake/messages/hello-verify-request.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects, u16,
} from './helpers.js';

const COOKIE = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
/** server_version 0xfeff (S-13) and a 32-byte cookie (S-15). */
const VECTOR = hex('feff' + '20' + COOKIE);

const hvrArb: fc.Arbitrary<HelloVerifyRequest> = fc.record({ serverVersion: u16, cookie: bytesOf(0, 255) });

describe('HelloVerifyRequest', () => {
  it('decodes server_version 0xfeff and a 32-byte cookie', () => {
    const m = decodeBytes(decodeHelloVerifyRequest, VECTOR);
    expect(m.serverVersion).toBe(0xfeff);
    expect(toHex(m.cookie)).toBe(COOKIE);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeHelloVerifyRequest, decodeBytes(decodeHelloVerifyRequest, VECTOR)))).toBe(toHex(VECTOR));
  });

  it.each([0, 1, 255])('DOS-05 accepts a cookie of %d bytes, as a client must', (n) => {
    const b = concat(hex('feff'), Uint8Array.of(n), new Uint8Array(n).fill(0xff));
    const m = decodeBytes(decodeHelloVerifyRequest, b);
    expect(m.cookie.length).toBe(n);
    expect(encodeMessage(encodeHelloVerifyRequest, m)).toEqual(b);
  });

  it('copies the cookie out of the input (S-66)', () => {
    expectNoAliasing(decodeHelloVerifyRequest, VECTOR);
  });

  it('SM-27 rejects every truncation', () => {
    expectEveryTruncationRejected(decodeHelloVerifyRequest, VECTOR);
  });

  it('SM-27 rejects a truncated server_version', () => {
    expectRejects(decodeHelloVerifyRequest, hex('fe'), /^server_version: need 2 bytes, 1 left/);
  });

  it('SM-27 rejects a cookie length one byte past the end (one-byte over-read)', () => {
    expectRejects(decodeHelloVerifyRequest, hex('feff 21' + COOKIE), /^cookie: need 33 bytes, 32 left/);
  });

  it('rejects a missing cookie length', () => {
    expectRejects(decodeHelloVerifyRequest, hex('feff'), /^cookie: need 1 bytes, 0 left/);
  });

  it('rejects trailing bytes', () => {
    expectRejects(decodeHelloVerifyRequest, concat(VECTOR, hex('00')), 'HelloVerifyRequest: 1 trailing bytes');
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(decodeHelloVerifyRequest, encodeHelloVerifyRequest,
      hvrArb.map((m) => encodeMessage(encodeHelloVerifyRequest, m)));
  });

  it('encode → decode is the identity on random HelloVerifyRequests', () => {
    assertEncodeDecode(decodeHelloVerifyRequest, encodeHelloVerifyRequest, hvrArb);
  });
});
