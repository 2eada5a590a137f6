import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reader } from '../../../src/codec/reader.js';
import {
  type ClientKeyExchange, decodeClientKeyExchange, encodeClientKeyExchange,
} from '../../../src/handshake/messages/client-key-exchange.js';
import type { KeyExchangeKind } from '../../../src/handshake/messages/server-key-exchange.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects,
} from './helpers.js';

const X25519_PUB = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const P256_PUB = '04' + 'aa'.repeat(32) + 'bb'.repeat(32);
const IDENTITY = '436c69656e745f6964656e74697479'; // "Client_identity", OpenSSL's default

const ECDHE = hex('20' + X25519_PUB);
const PSK = hex('000f' + IDENTITY);
const ECDHE_PSK = hex('000f' + IDENTITY + '41' + P256_PUB);

const dec = (kx: KeyExchangeKind) => (r: Reader) => decodeClientKeyExchange(r, kx);
const arbs: Record<KeyExchangeKind, fc.Arbitrary<ClientKeyExchange>> = {
  ECDHE: fc.record({ publicKey: bytesOf(1, 255) }),
  PSK: fc.record({ pskIdentity: bytesOf(0, 300) }),
  ECDHE_PSK: fc.record({ pskIdentity: bytesOf(0, 100), publicKey: bytesOf(1, 255) }),
};

describe.each([
  ['ECDHE', ECDHE],
  ['PSK', PSK],
  ['ECDHE_PSK', ECDHE_PSK],
] as const)('ClientKeyExchange (%s)', (kx, vector) => {
  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeClientKeyExchange, decodeBytes(dec(kx), vector)))).toBe(toHex(vector));
  });

  it('copies what it keeps (S-66)', () => {
    expectNoAliasing(dec(kx), vector);
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(dec(kx), vector);
  });

  it('rejects trailing bytes', () => {
    expectRejects(dec(kx), concat(vector, hex('00')), 'ClientKeyExchange: 1 trailing bytes');
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(dec(kx), encodeClientKeyExchange, arbs[kx].map((m) => encodeMessage(encodeClientKeyExchange, m)));
  });

  it('encode → decode is the identity on random messages', () => {
    assertEncodeDecode(dec(kx), encodeClientKeyExchange, arbs[kx]);
  });
});

describe('ClientKeyExchange fields', () => {
  it('decodes an x25519 public value (ECDHE)', () => {
    const m = decodeBytes(dec('ECDHE'), ECDHE);
    expect(toHex(m.publicKey!)).toBe(X25519_PUB);
    expect(m.pskIdentity).toBeUndefined();
  });

  it('decodes a PSK identity (PSK)', () => {
    const m = decodeBytes(dec('PSK'), PSK);
    expect(new TextDecoder().decode(m.pskIdentity)).toBe('Client_identity');
    expect(m.publicKey).toBeUndefined();
  });

  it('decodes an identity then an uncompressed P-256 point (ECDHE_PSK)', () => {
    const m = decodeBytes(dec('ECDHE_PSK'), ECDHE_PSK);
    expect(toHex(m.pskIdentity!)).toBe(IDENTITY);
    expect(toHex(m.publicKey!)).toBe(P256_PUB);
  });

  it.each([0, 0xffff])('CRY-06 decodes a PSK identity of length %d', (n) => {
    const b = concat(Uint8Array.of(n >>> 8, n & 0xff), new Uint8Array(n).fill(0x41));
    const m = decodeBytes(dec('PSK'), b);
    expect(m.pskIdentity!.length).toBe(n);
    expect(encodeMessage(encodeClientKeyExchange, m)).toEqual(b);
  });

  it('rejects a zero-length ECPoint', () => {
    expectRejects(dec('ECDHE'), hex('00'), /ecdh_Yc: length 0 outside 1\.\.255/);
    expectRejects(dec('ECDHE_PSK'), hex('0000 00'), /ecdh_Yc: length 0 outside 1\.\.255/);
  });

  it('rejects an ECPoint length one byte past the end', () => {
    expectRejects(dec('ECDHE'), hex('21' + X25519_PUB), /^ecdh_Yc: need 33 bytes, 32 left/);
  });

  it('rejects an identity length past the end', () => {
    expectRejects(dec('PSK'), hex('0010' + IDENTITY), /^psk_identity: need 16 bytes, 15 left/);
  });

  it('rejects an ECDHE_PSK message without its point', () => {
    expectRejects(dec('ECDHE_PSK'), PSK, /^ecdh_Yc: need 1 bytes, 0 left/);
  });

  it('rejects an empty message for every kind', () => {
    for (const kx of ['ECDHE', 'PSK', 'ECDHE_PSK'] as const) expectRejects(dec(kx), new Uint8Array(0), /need/);
  });
});
