import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CertificateRequest, decodeCertificateRequest, encodeCertificateRequest,
} from '../../../src/handshake/messages/certificate-request.js';
import { ClientCertificateType } from '../../../src/handshake/registry.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects, u16, u8,
} from './helpers.js';

// DistinguishedName C=US: SEQUENCE { SET { SEQUENCE { OID 2.5.4.6, PrintableString "US" } } }
const DN = '300d310b3009060355040613025553';
const VECTOR = hex([
  '02 40 01', //                          certificate_types: ecdsa_sign, rsa_sign
  '0008 0403 0503 0804 0401', //          supported_signature_algorithms
  '0011', '000f', DN, //                  certificate_authorities: one DN
].join(''));
const NO_CAS = hex('01 40' + '0002 0403' + '0000');

const requestArb: fc.Arbitrary<CertificateRequest> = fc.record({
  certificateTypes: fc.array(u8, { minLength: 1, maxLength: 8 }),
  signatureAlgorithms: fc.array(u16, { minLength: 1, maxLength: 12 }),
  certificateAuthorities: fc.array(bytesOf(1, 60), { maxLength: 4 }),
});

describe('CertificateRequest', () => {
  it('decodes certificate types, signature algorithms and one authority', () => {
    const m = decodeBytes(decodeCertificateRequest, VECTOR);
    expect(m.certificateTypes).toEqual([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign]);
    expect(m.signatureAlgorithms).toEqual([0x0403, 0x0503, 0x0804, 0x0401]);
    expect(m.certificateAuthorities.map(toHex)).toEqual([DN]);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeCertificateRequest, decodeBytes(decodeCertificateRequest, VECTOR)))).toBe(toHex(VECTOR));
  });

  it('round-trips a request with no certificate authorities', () => {
    const m = decodeBytes(decodeCertificateRequest, NO_CAS);
    expect(m.certificateAuthorities).toEqual([]);
    expect(encodeMessage(encodeCertificateRequest, m)).toEqual(NO_CAS);
  });

  it('copies what it keeps (S-66)', () => {
    expectNoAliasing(decodeCertificateRequest, VECTOR);
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(decodeCertificateRequest, VECTOR);
  });

  it('rejects trailing bytes', () => {
    expectRejects(decodeCertificateRequest, concat(VECTOR, hex('00')), 'CertificateRequest: 1 trailing bytes');
  });

  it('rejects an empty certificate_types list', () => {
    expectRejects(decodeCertificateRequest, hex('00 0002 0403 0000'), /certificate_types: length 0 outside 1\.\.255/);
  });

  it('rejects an odd supported_signature_algorithms length', () => {
    expectRejects(decodeCertificateRequest, hex('01 40 0003 0403 05 0000'), 'supported_signature_algorithms: odd length');
  });

  it('rejects an empty supported_signature_algorithms list', () => {
    expectRejects(decodeCertificateRequest, hex('01 40 0000 0000'), /supported_signature_algorithms: length 0 outside 2\.\./);
  });

  it('rejects a zero-length DistinguishedName', () => {
    expectRejects(decodeCertificateRequest, hex('01 40 0002 0403 0002 0000'), /DistinguishedName: length 0 outside 1\.\./);
  });

  it('rejects a DistinguishedName that runs past the authorities list', () => {
    expectRejects(decodeCertificateRequest, hex('01 40 0002 0403' + '0010 000f' + DN), /^DistinguishedName: need 15 bytes, 14 left/);
  });

  it('rejects an authorities list that runs past the end', () => {
    expectRejects(decodeCertificateRequest, hex('01 40 0002 0403' + '0012 000f' + DN), /^certificate_authorities: need 18 bytes, 17 left/);
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(decodeCertificateRequest, encodeCertificateRequest,
      requestArb.map((m) => encodeMessage(encodeCertificateRequest, m)));
  });

  it('encode → decode is the identity on random CertificateRequests', () => {
    assertEncodeDecode(decodeCertificateRequest, encodeCertificateRequest, requestArb);
  });
});
