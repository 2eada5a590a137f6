import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reader } from '../../../src/codec/reader.js';
import {
  type KeyExchangeKind, NAMED_CURVE, type ServerKeyExchange, decodeServerKeyExchange, encodeEcdhParams,
  encodeServerKeyExchange,
} from '../../../src/handshake/messages/server-key-exchange.js';
import { NamedGroup } from '../../../src/handshake/registry.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects, u16,
} from './helpers.js';

const X25519_PUB = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const P256_PUB = '04' + '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'
  + '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5';
// A DER ECDSA signature: SEQUENCE { INTEGER r (32 bytes), INTEGER s (32 bytes) }.
const SIG = '3044' + '0220' + '7a'.repeat(32) + '0220' + '5c'.repeat(32);

/** ECDHE_ECDSA: ServerECDHParams then a digitally-signed struct. */
const ECDHE = hex([
  '03', //                   curve_type named_curve
  '001d', //                 namedcurve x25519
  '20', X25519_PUB, //       ECPoint: 32 bytes
  '0403', //                 ecdsa_secp256r1_sha256
  '0046', SIG, //            signature: 70 bytes
].join(''));
/** PSK: just the identity hint. */
const PSK = hex('0008' + '7075726564746c73'); // "puredtls"
/** ECDHE_PSK: an empty hint, then ServerECDHParams on secp256r1, unsigned. */
const ECDHE_PSK = hex(['0000', '03', '0017', '41', P256_PUB].join(''));

const dec = (kx: KeyExchangeKind) => (r: Reader) => decodeServerKeyExchange(r, kx);
const ecdh = fc.record({ namedGroup: u16, publicKey: bytesOf(1, 255) });
const arbs: Record<KeyExchangeKind, fc.Arbitrary<ServerKeyExchange>> = {
  ECDHE: fc.record({ ecdh, signature: fc.record({ scheme: u16, signature: bytesOf(0, 300) }) }),
  PSK: fc.record({ pskIdentityHint: bytesOf(0, 300) }),
  ECDHE_PSK: fc.record({ pskIdentityHint: bytesOf(0, 100), ecdh }),
};

describe('ServerKeyExchange (ECDHE)', () => {
  it('decodes x25519 params and an ECDSA signature', () => {
    const m = decodeBytes(dec('ECDHE'), ECDHE);
    expect(m.pskIdentityHint).toBeUndefined();
    expect(m.ecdh!.namedGroup).toBe(NamedGroup.x25519);
    expect(toHex(m.ecdh!.publicKey)).toBe(X25519_PUB);
    expect(m.signature!.scheme).toBe(0x0403);
    expect(toHex(m.signature!.signature)).toBe(SIG);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeServerKeyExchange, decodeBytes(dec('ECDHE'), ECDHE)))).toBe(toHex(ECDHE));
  });

  it('encodeEcdhParams writes the signed params prefix of the message', () => {
    const m = decodeBytes(dec('ECDHE'), ECDHE);
    expect(toHex(encodeMessage(encodeEcdhParams, m.ecdh!))).toBe(toHex(ECDHE.subarray(0, 4 + 32)));
    expect(NAMED_CURVE).toBe(3);
  });

  it('copies what it keeps (S-66)', () => {
    expectNoAliasing(dec('ECDHE'), ECDHE);
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(dec('ECDHE'), ECDHE);
  });

  it('rejects trailing bytes', () => {
    expectRejects(dec('ECDHE'), concat(ECDHE, hex('00')), 'ServerKeyExchange: 1 trailing bytes');
  });

  it.each([[1, 'explicit_prime'], [2, 'explicit_char2'], [0, 'zero'], [255, '255']])(
    'rejects curve_type %d (%s): only named_curve is allowed',
    (t) => {
      const b = ECDHE.slice();
      b[0] = t;
      expectRejects(dec('ECDHE'), b, `curve_type ${t} is not named_curve`);
    },
  );

  it('rejects a zero-length ECPoint', () => {
    expectRejects(dec('ECDHE'), hex('03 001d 00 0403 0000'), /ECPoint: length 0 outside 1\.\.255/);
  });

  it('rejects an ECPoint length past the end', () => {
    expectRejects(dec('ECDHE'), hex('03 001d 41' + X25519_PUB), /^ECPoint: need 65 bytes, 32 left/);
  });

  it('rejects a missing signature', () => {
    expectRejects(dec('ECDHE'), ECDHE.subarray(0, 36), /^signature_algorithm: need 2 bytes, 0 left/);
  });

  it('rejects a signature length past the end', () => {
    expectRejects(dec('ECDHE'), ECDHE.subarray(0, ECDHE.length - 1), /^signature: need 70 bytes, 69 left/);
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(dec('ECDHE'), encodeServerKeyExchange, arbs.ECDHE.map((m) => encodeMessage(encodeServerKeyExchange, m)));
  });

  it('encode → decode is the identity on random ECDHE ServerKeyExchanges', () => {
    assertEncodeDecode(dec('ECDHE'), encodeServerKeyExchange, arbs.ECDHE);
  });
});

describe('ServerKeyExchange (PSK)', () => {
  it('decodes the identity hint', () => {
    const m = decodeBytes(dec('PSK'), PSK);
    expect(new TextDecoder().decode(m.pskIdentityHint)).toBe('puredtls');
    expect(m.ecdh).toBeUndefined();
    expect(m.signature).toBeUndefined();
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeServerKeyExchange, decodeBytes(dec('PSK'), PSK)))).toBe(toHex(PSK));
  });

  it('round-trips an empty hint', () => {
    const m = decodeBytes(dec('PSK'), hex('0000'));
    expect(m.pskIdentityHint!.length).toBe(0);
    expect(toHex(encodeMessage(encodeServerKeyExchange, m))).toBe('0000');
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(dec('PSK'), PSK);
  });

  it('rejects trailing bytes', () => {
    expectRejects(dec('PSK'), concat(PSK, hex('03')), 'ServerKeyExchange: 1 trailing bytes');
  });

  it('rejects a hint length past the end', () => {
    expectRejects(dec('PSK'), hex('0009' + '7075726564746c73'), /^psk_identity_hint: need 9 bytes, 8 left/);
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(dec('PSK'), encodeServerKeyExchange, arbs.PSK.map((m) => encodeMessage(encodeServerKeyExchange, m)));
  });

  it('encode → decode is the identity on random PSK ServerKeyExchanges', () => {
    assertEncodeDecode(dec('PSK'), encodeServerKeyExchange, arbs.PSK);
  });
});

describe('ServerKeyExchange (ECDHE_PSK)', () => {
  it('decodes an empty hint and secp256r1 params, with no signature', () => {
    const m = decodeBytes(dec('ECDHE_PSK'), ECDHE_PSK);
    expect(m.pskIdentityHint!.length).toBe(0);
    expect(m.ecdh!.namedGroup).toBe(NamedGroup.secp256r1);
    expect(toHex(m.ecdh!.publicKey)).toBe(P256_PUB);
    expect(m.signature).toBeUndefined();
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeServerKeyExchange, decodeBytes(dec('ECDHE_PSK'), ECDHE_PSK)))).toBe(toHex(ECDHE_PSK));
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(dec('ECDHE_PSK'), ECDHE_PSK);
  });

  it('rejects trailing bytes, such as a signature it must not carry', () => {
    expectRejects(dec('ECDHE_PSK'), concat(ECDHE_PSK, hex('0403 0000')), 'ServerKeyExchange: 4 trailing bytes');
  });

  it('SM-27 rejects a hint length that swallows the params', () => {
    expectRejects(dec('ECDHE_PSK'), concat(hex('0046'), ECDHE_PSK.subarray(2)), /^psk_identity_hint: need 70 bytes, 69 left/);
  });

  it('SM-27 rejects a hint length that ends inside the params', () => {
    expectRejects(dec('ECDHE_PSK'), concat(hex('0002'), ECDHE_PSK.subarray(2)), 'curve_type 23 is not named_curve');
  });

  it('SM-27 rejects an ECPoint length past the end', () => {
    expectRejects(dec('ECDHE_PSK'), hex('0000 03 0017 42' + P256_PUB), /^ECPoint: need 66 bytes, 65 left/);
  });

  it('SM-27 rejects a zero-length ECPoint', () => {
    expectRejects(dec('ECDHE_PSK'), hex('0000 03 0017 00'), /ECPoint: length 0 outside/);
  });

  it('SM-27 rejects a missing ServerECDHParams', () => {
    expectRejects(dec('ECDHE_PSK'), PSK, /^curve_type: need 1 bytes, 0 left/);
  });

  it('rejects a non-named curve type', () => {
    expectRejects(dec('ECDHE_PSK'), hex('0000 01 0017 01 04'), 'curve_type 1 is not named_curve');
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(dec('ECDHE_PSK'), encodeServerKeyExchange, arbs.ECDHE_PSK.map((m) => encodeMessage(encodeServerKeyExchange, m)));
  });

  it('encode → decode is the identity on random ECDHE_PSK ServerKeyExchanges', () => {
    assertEncodeDecode(dec('ECDHE_PSK'), encodeServerKeyExchange, arbs.ECDHE_PSK);
  });
});
