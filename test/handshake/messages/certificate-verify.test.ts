import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CertificateVerify, decodeCertificateVerify, encodeCertificateVerify,
} from '../../../src/handshake/messages/certificate-verify.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects, u16,
} from './helpers.js';

const SIG = '3045' + '0221' + '00' + 'c3'.repeat(32) + '0220' + '1f'.repeat(32);
const VECTOR = hex('0403' + '0047' + SIG); // ecdsa_secp256r1_sha256, 71-byte DER signature

const verifyArb: fc.Arbitrary<CertificateVerify> = fc.record({ scheme: u16, signature: bytesOf(0, 600) });

describe('CertificateVerify', () => {
  it('decodes the scheme and the signature', () => {
    const m = decodeBytes(decodeCertificateVerify, VECTOR);
    expect(m.scheme).toBe(0x0403);
    expect(toHex(m.signature)).toBe(SIG);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeCertificateVerify, decodeBytes(decodeCertificateVerify, VECTOR)))).toBe(toHex(VECTOR));
  });

  it('round-trips an empty signature (rejected later, by verification)', () => {
    const m = decodeBytes(decodeCertificateVerify, hex('0804 0000'));
    expect(m).toEqual({ scheme: 0x0804, signature: new Uint8Array(0) });
    expect(toHex(encodeMessage(encodeCertificateVerify, m))).toBe('08040000');
  });

  it('copies the signature out of the input (S-66)', () => {
    expectNoAliasing(decodeCertificateVerify, VECTOR);
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(decodeCertificateVerify, VECTOR);
  });

  it('rejects trailing bytes', () => {
    expectRejects(decodeCertificateVerify, concat(VECTOR, hex('00')), 'CertificateVerify: 1 trailing bytes');
  });

  it('rejects a signature length past the end', () => {
    expectRejects(decodeCertificateVerify, hex('0403 0048' + SIG), /^signature: need 72 bytes, 71 left/);
  });

  it('rejects a missing signature length', () => {
    expectRejects(decodeCertificateVerify, hex('0403'), /^signature: need 2 bytes, 0 left/);
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(decodeCertificateVerify, encodeCertificateVerify,
      verifyArb.map((m) => encodeMessage(encodeCertificateVerify, m)));
  });

  it('encode → decode is the identity on random CertificateVerifys', () => {
    assertEncodeDecode(decodeCertificateVerify, encodeCertificateVerify, verifyArb);
  });
});
