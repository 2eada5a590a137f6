import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writer } from '../../../src/codec/writer.js';
import { type CertificateMessage, decodeCertificate, encodeCertificate } from '../../../src/handshake/messages/certificate.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertDecodeOrReencode, assertEncodeDecode, bytesOf, decodeBytes, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects,
} from './helpers.js';

/** A two-certificate chain with tiny stand-in DER bodies. */
const VECTOR = hex([
  '000010', //                  certificate_list: 16 bytes
  '000005 3003020101', //       ASN.1Cert 1 (leaf first)
  '000005 3003020102', //       ASN.1Cert 2
].join(''));

const certificateArb: fc.Arbitrary<CertificateMessage> = fc.record({
  certificates: fc.array(bytesOf(1, 300), { maxLength: 4 }),
});

describe('Certificate', () => {
  it('decodes a chain leaf first', () => {
    const m = decodeBytes(decodeCertificate, VECTOR);
    expect(m.certificates.map(toHex)).toEqual(['3003020101', '3003020102']);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeCertificate, decodeBytes(decodeCertificate, VECTOR)))).toBe(toHex(VECTOR));
  });

  it('carries a real DER certificate unchanged', () => {
    const der = new Uint8Array(readFileSync(new URL('../../fixtures/pki/ca-ecdsa.crt.der', import.meta.url)));
    const expected = new Writer().vec24((w) => w.opaque24(der)).finish();
    const n = der.length;
    expect(toHex(expected.subarray(0, 6))).toBe(
      (n + 3).toString(16).padStart(6, '0') + n.toString(16).padStart(6, '0'),
    );
    const m = decodeBytes(decodeCertificate, expected);
    expect(m.certificates).toHaveLength(1);
    expect(m.certificates[0]).toEqual(der);
    expect(encodeMessage(encodeCertificate, m)).toEqual(expected);
  });

  it('accepts an empty certificate_list (a client without a certificate)', () => {
    const m = decodeBytes(decodeCertificate, hex('000000'));
    expect(m.certificates).toEqual([]);
    expect(toHex(encodeMessage(encodeCertificate, m))).toBe('000000');
  });

  it('copies the certificates out of the input (S-66)', () => {
    expectNoAliasing(decodeCertificate, VECTOR);
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(decodeCertificate, VECTOR);
  });

  it('rejects trailing bytes after certificate_list', () => {
    expectRejects(decodeCertificate, concat(VECTOR, hex('00')), 'Certificate: 1 trailing bytes');
  });

  it('rejects a zero-length ASN.1Cert', () => {
    expectRejects(decodeCertificate, hex('000003 000000'), /ASN\.1Cert: length 0 outside 1\.\./);
  });

  it('rejects a certificate whose length runs past the end of the list', () => {
    expectRejects(decodeCertificate, hex('000008 000006 3003020101'), /^ASN\.1Cert: need 6 bytes, 5 left/);
  });

  it('rejects a list whose length runs past the end of the message', () => {
    expectRejects(decodeCertificate, hex('000011 000005 3003020101 000005 3003020102'), /^certificate_list: need 17 bytes, 16 left/);
  });

  it('rejects a list holding a partial certificate length', () => {
    expectRejects(decodeCertificate, hex('000002 0000'), /^ASN\.1Cert: need 3 bytes, 2 left/);
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(decodeCertificate, encodeCertificate, certificateArb.map((m) => encodeMessage(encodeCertificate, m)));
  });

  it('encode → decode is the identity on random certificate lists', () => {
    assertEncodeDecode(decodeCertificate, encodeCertificate, certificateArb);
  });
});
