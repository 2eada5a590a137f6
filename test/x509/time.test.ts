/**
 * X.509 Time values (src/x509/time.ts, RFC 5280 §4.1.2.5) from their DER:
 * the UTCTime century rule, GeneralizedTime and fractional seconds (decoded
 * with a problem), every field out of range refused, and the OpenSSL text.
 */
import { describe, expect, it } from 'vitest';
import { decodeDer } from '../../src/x509/asn1.js';
import { Malformed } from '../../src/x509/malformed.js';
import { decodeTime, formatCertificateTime } from '../../src/x509/time.js';
import { int, tlv } from './helpers/der.js';

const utc = (s: string) => decodeTime(decodeDer(tlv(0x17, new TextEncoder().encode(s))), 'notAfter');
const gen = (s: string) => decodeTime(decodeDer(tlv(0x18, new TextEncoder().encode(s))), 'notAfter');

describe('decodeTime', () => {
  it('UTCTime: years 50..99 are 19xx, 00..49 20xx; no problem', () => {
    expect(utc('491231235959Z')).toEqual({ date: new Date('2049-12-31T23:59:59Z') });
    expect(utc('500101000000Z')).toEqual({ date: new Date('1950-01-01T00:00:00Z') });
    expect(utc('000229120000Z')).toEqual({ date: new Date('2000-02-29T12:00:00Z') });
    expect(utc('991231235959Z').date.toISOString()).toBe('1999-12-31T23:59:59.000Z');
  });

  it('GeneralizedTime: from 2050 without a problem; before 2050 and with fractions, decoded with one', () => {
    expect(gen('20500101000000Z')).toEqual({ date: new Date('2050-01-01T00:00:00Z') });
    expect(gen('20491231235959Z')).toEqual({ date: new Date('2049-12-31T23:59:59Z'), problem: 'notAfter is a GeneralizedTime for a year before 2050 ("20491231235959Z")' });
    expect(gen('20510101000000.5Z')).toEqual({ date: new Date('2051-01-01T00:00:00.500Z'), problem: 'notAfter has fractional seconds ("20510101000000.5Z")' });
    expect(gen('20510101000000.1239Z').date.getUTCMilliseconds()).toBe(123);
    expect(gen('20300101000000.999999Z').problem).toMatch(/fractional seconds/);
  });

  it('refuses dates that do not exist and fields out of range', () => {
    for (const s of ['230230000000Z', '231301000000Z', '230100000000Z', '230101240000Z', '230101006000Z', '230101000060Z', '230431000000Z']) {
      expect(() => utc(s), s).toThrow(new Malformed(`notAfter: invalid date "${s}"`));
    }
    for (const s of ['20230229000000Z', '20231232000000Z', '00990101000000Z', '00000101000000Z']) {
      expect(() => gen(s), s).toThrow(new Malformed(`notAfter: invalid date "${s}"`));
    }
    expect(gen('20240229000000Z').date.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses other forms (asn1js refuses some first: no Time then)', () => {
    for (const s of [' 230101000000Z', '230101000000Zx', '2301010000000Z']) {
      expect(() => utc(s), s).toThrow(new Malformed(`notAfter: malformed time "${s}"`));
    }
    for (const s of ['205001010000Z', '20500101000000', '20500101000000.Z', '20500101000000+0100', '2050010100Z']) {
      expect(() => gen(s), s).toThrow(new Malformed(`notAfter: malformed time "${s}"`));
    }
    for (const s of ['230101000000', '230101000000.5Z', '23010100000aZ']) expect(() => utc(s), s).toThrow(new Malformed('notAfter is not a Time'));
    expect(() => decodeTime(decodeDer(int(5)), 'notBefore')).toThrow(new Malformed('notBefore is not a Time'));
    expect(() => decodeTime(undefined, 'notBefore')).toThrow(new Malformed('notBefore is not a Time'));
  });
});

describe('formatCertificateTime', () => {
  it("prints like OpenSSL's ASN1_TIME_print", () => {
    expect(formatCertificateTime(new Date('2025-01-01T00:00:00Z'))).toBe('Jan  1 00:00:00 2025 GMT');
    expect(formatCertificateTime(new Date('2049-12-31T23:59:59Z'))).toBe('Dec 31 23:59:59 2049 GMT');
    expect(formatCertificateTime(new Date('2031-11-15T07:08:09Z'))).toBe('Nov 15 07:08:09 2031 GMT');
  });
});
