import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Certificate13, decodeCertificate13, encodeCertificate13, rawPublicKeyCertificate13, x509Certificate13,
} from '../../../src/dtls13/messages/certificate.js';
import { hex, toHex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, encodeMessage, expectRejects, u16 } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

const RFC8448_CERT_DER = S3.certificate.subarray(4 + 1 + 3 + 3, S3.certificate.length - 2);

const certificateArb: fc.Arbitrary<Certificate13> = fc.record({
  certificateRequestContext: bytesOf(0, 8),
  certificateList: fc.array(fc.record({
    data: bytesOf(1, 60),
    extensions: fc.uniqueArray(fc.record({ type: u16, data: bytesOf(0, 10) }), { selector: (e) => e.type, maxLength: 2 }),
  }), { maxLength: 3 }),
});

describe('Certificate of TLS 1.3 (RFC 8446 §4.4.2)', () => {
  codecSuite({
    decode: decodeCertificate13, encode: encodeCertificate13,
    vector: S3.certificate.subarray(4), // RFC 8448 §3: one X.509 entry, no entry extensions
    value: { certificateRequestContext: new Uint8Array(0), certificateList: [{ data: RFC8448_CERT_DER, extensions: [] }] },
    arbitrary: certificateArb, trailing: 'Certificate: 1 trailing bytes',
  });

  it('the RFC 8448 entry is a whole DER certificate', () => {
    expect(RFC8448_CERT_DER.length).toBe(0x1b0);
    expect(toHex(RFC8448_CERT_DER.subarray(0, 4))).toBe('308201ac');
  });

  it('keeps per-entry extensions (e.g. an OCSP status_request)', () => {
    const m = decodeBytes(decodeCertificate13, hex('00 00000d 000003 308100 0005 0005 0001 aa'));
    expect(m.certificateList[0]!.extensions).toEqual([{ type: 5, data: hex('aa') }]);
  });

  it('builds the X.509 and raw public key forms', () => {
    expect(toHex(encodeMessage(encodeCertificate13, x509Certificate13([hex('3001'), hex('3002')]))))
      .toBe('00' + '00000e' + '000002' + '3001' + '0000' + '000002' + '3002' + '0000');
    expect(toHex(encodeMessage(encodeCertificate13, rawPublicKeyCertificate13(hex('3059'))))).toBe('00' + '000007' + '000002' + '3059' + '0000');
    expect(toHex(encodeMessage(encodeCertificate13, rawPublicKeyCertificate13(undefined, hex('0102'))))).toBe('02' + '0102' + '000000');
  });

  it('accepts an empty certificate_list (a client without a certificate)', () => {
    expect(decodeBytes(decodeCertificate13, hex('00 000000'))).toEqual({ certificateRequestContext: new Uint8Array(0), certificateList: [] });
  });

  it('rejects an entry without its extensions vector', () => {
    expectRejects(decodeCertificate13, hex('00 000005 000002 3001'), /^CertificateEntry extensions: need 2 bytes, 0 left/);
  });

  it('rejects an empty cert_data', () => {
    expectRejects(decodeCertificate13, hex('00 000005 000000 0000'), /cert_data: length 0 outside 1\.\./);
  });
});
