/**
 * CRL decoding (src/x509/crl.ts, RFC 5280 §5.1) from hand-built DER: the
 * TBSCertList fields in order, the entries and their extensions, the CRL
 * extensions and issuingDistributionPoint, the problems noted for a readable
 * CRL that cannot be used, and each malformed encoding refused with its
 * message. parseCrl does not check the signature, so the CRLs here are not
 * signed.
 */
import { describe, expect, it } from 'vitest';
import { KeyError } from '../../src/errors.js';
import { loadCrl, parseCrl } from '../../src/x509/crl.js';
import { bits, bool, concat, ctx, ctxPrim, generalizedTime, int, nul, octets, oid, seq, set, tlv, utcTime, utf8 } from './helpers/der.js';
import { nameDer } from './helpers/pki.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const ALG = seq(oid('1.2.840.10045.4.3.2'));
const ISSUER = nameDer({ CN: 'CA' });
const T1 = utcTime('240101000000Z');
const T2 = utcTime('440101000000Z');
const ext = (o: string, value: Uint8Array, critical?: boolean): Uint8Array => seq(oid(o), ...(critical === undefined ? [] : [bool(critical)]), octets(value));
const CRL_NUMBER = ext('2.5.29.20', int(1));
const exts = (...e: Uint8Array[]): Uint8Array => ctx(0, seq(...e));
const entry = (serial: number, ...more: Uint8Array[]): Uint8Array => seq(int(serial), T1, ...more);
const list = (...e: Uint8Array[]): Uint8Array => seq(...e);
const crl = (tbsFields: Uint8Array[], outer: Uint8Array[] = [ALG, bits(b(1, 2))]): Uint8Array => seq(seq(...tbsFields), ...outer);
/** A v2 CRL with a cRLNumber and the given entries and extra extensions. */
const v2 = (entries: Uint8Array[] = [], more: Uint8Array[] = []): Uint8Array =>
  crl([int(1), ALG, ISSUER, T1, T2, ...(entries.length > 0 ? [list(...entries)] : []), exts(CRL_NUMBER, ...more)]);
const refused = (der: Uint8Array, detail: string) => {
  expect(() => parseCrl(der)).toThrow(KeyError);
  expect(() => parseCrl(der)).toThrow(`malformed CRL: ${detail}`);
};
const problems = (der: Uint8Array) => parseCrl(der).problems;

describe('parseCrl: the CertificateList', () => {
  it('decodes a v2 CRL', () => {
    const der = v2([entry(5), entry(0x1234, seq(ext('2.5.29.21', tlv(0x0a, b(1)))))]);
    const c = parseCrl(der);
    expect(c.version).toBe(2);
    expect(c.issuer.rdns[0]![0]!.value).toBe('CA');
    expect(c.thisUpdate).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(c.nextUpdate).toEqual(new Date('2044-01-01T00:00:00Z'));
    expect([...c.entries.keys()]).toEqual(['05', '1234']);
    expect(c.entries.get('1234')).toEqual({ serial: b(0x12, 0x34), revocationDate: new Date('2024-01-01T00:00:00Z'), reason: 1 });
    expect(c.entries.get('05')).toStrictEqual({ serial: b(5), revocationDate: new Date('2024-01-01T00:00:00Z') });
    expect(c.crlNumber).toEqual(b(1));
    expect(c.problems).toEqual([]);
    expect(c.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    expect(c.signatureAlgorithmParams).toBeUndefined();
    expect(c.signatureAlgorithmsMatch).toBe(true);
    expect(c.signature).toEqual(b(1, 2));
    expect(c.der).toEqual(der);
    expect(c.tbs).toEqual(seq(int(1), ALG, ISSUER, T1, T2, list(entry(5), entry(0x1234, seq(ext('2.5.29.21', tlv(0x0a, b(1)))))), exts(CRL_NUMBER)));
    expect(c.extensions).toEqual([{ oid: '2.5.29.20', critical: false, value: int(1) }]);
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadCrl(der)).toMatchObject({ version: 2 });
  });

  it('decodes a v1 CRL, with or without nextUpdate and entries', () => {
    const c = parseCrl(crl([ALG, ISSUER, T1]));
    expect(c.version).toBe(1);
    expect(c.nextUpdate).toBeUndefined();
    expect(c.entries.size).toBe(0);
    expect(c.extensions).toEqual([]);
    expect(c.problems).toEqual([
      'no nextUpdate (RFC 5280 §5.1.2.5: conforming CRL issuers MUST include it)',
      'no cRLNumber (RFC 5280 §5.2.3: conforming CRL issuers MUST include it)',
    ]);
    const multi = seq(set(seq(oid('2.5.4.10'), utf8('x')), seq(oid('2.5.4.3'), utf8('y'))), set(seq(oid('2.5.4.3'), utf8('z'))));
    expect(() => loadCrl(crl([ALG, multi, T1]))).toThrow('the CRL of "O=x+CN=y, CN=z" cannot be used: ');
    expect(() => loadCrl(crl([ALG, ISSUER, T1]))).toThrow('the CRL of "CN=CA" cannot be used: no nextUpdate (RFC 5280 §5.1.2.5: conforming CRL issuers MUST include it)');
    expect(parseCrl(crl([ALG, ISSUER, T1, generalizedTime('20510101000000Z'), list(entry(7))])).entries.has('07')).toBe(true);
    expect(parseCrl(crl([ALG, ISSUER, T1, list(entry(7))])).nextUpdate).toBeUndefined();
  });

  it('outer algorithm parameters, and an outer algorithm other than the inner one', () => {
    const c = parseCrl(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [seq(oid('1.2.840.10045.4.3.2'), nul()), bits(b(9))]));
    expect(c.signatureAlgorithmParams).toEqual(nul());
    expect(c.signatureAlgorithmsMatch).toBe(false);
  });

  it('notes time encodings the profile forbids', () => {
    expect(problems(crl([int(1), ALG, ISSUER, generalizedTime('20240101000000Z'), T2, exts(CRL_NUMBER)]))[0]).toMatch(/§5\.1\.2\.4\)$/);
    expect(problems(crl([int(1), ALG, ISSUER, T1, generalizedTime('20440101000000Z'), exts(CRL_NUMBER)]))[0]).toMatch(/§5\.1\.2\.4\)$/);
    expect(problems(v2([seq(int(1), generalizedTime('20240101000000Z'))]))[0]).toMatch(/^revocationDate .*§5\.1\.2\.6\)$/);
    expect(problems(crl([int(1), ALG, ISSUER, generalizedTime('20240101000000Z'), T2, exts(CRL_NUMBER)]))[0]).toMatch(/^thisUpdate /);
    expect(problems(crl([int(1), ALG, ISSUER, T1, generalizedTime('20440101000000Z'), exts(CRL_NUMBER)]))[0]).toMatch(/^nextUpdate /);
  });

  it('refuses what is not a CertificateList', () => {
    refused(concat(v2(), b(0)), 'not DER: trailing data');
    refused(b(0x30, 0x80, 0, 0), 'not DER: indefinite length');
    refused(seq(seq(int(1), ALG, ISSUER, T1, T2), ALG), 'not a CertificateList SEQUENCE');
    refused(seq(seq(int(1), ALG, ISSUER, T1, T2), ALG, bits(b(1)), nul()), 'not a CertificateList SEQUENCE');
    refused(tlv(0x31, seq(ALG, ISSUER, T1), ALG, bits(b(1))), 'not a CertificateList SEQUENCE');
    refused(seq(tlv(0x31, ALG, ISSUER, T1), ALG, bits(b(1))), 'malformed TBSCertList');
    refused(seq(octets(b(1)), ALG, bits(b(1))), 'malformed TBSCertList');
    expect(() => parseCrl('x' as unknown as Uint8Array)).toThrow('malformed CRL: CRL must be a Uint8Array');
  });

  it('refuses malformed TBSCertList fields', () => {
    refused(crl([int(0), ALG, ISSUER, T1, T2]), 'unsupported CRL version');
    refused(crl([int(2), ALG, ISSUER, T1, T2]), 'unsupported CRL version');
    refused(crl([int(b(0x01, 0x01)), ALG, ISSUER, T1]), 'unsupported CRL version');
    refused(crl([int(1)]), 'malformed TBSCertList signature algorithm');
    refused(crl([int(1), seq(utf8('x')), ISSUER, T1]), 'malformed TBSCertList signature algorithm');
    refused(crl([int(1), nul(), ISSUER, T1]), 'malformed TBSCertList signature algorithm');
    refused(crl([int(1), ALG]), 'malformed CRL issuer');
    refused(crl([int(1), ALG, ISSUER]), 'malformed thisUpdate');
    refused(crl([int(1), ALG, nul(), T1]), 'CRL issuer is not a Name');
    refused(crl([int(1), ALG, ISSUER, nul()]), 'thisUpdate is not a Time');
    refused(crl([int(1), ALG, ISSUER, utcTime('991301000000Z')]), 'thisUpdate: invalid date "991301000000Z"');
    refused(crl([int(1), ALG, ISSUER, T1, utcTime('991301000000Z')]), 'nextUpdate: invalid date "991301000000Z"');
    refused(crl([int(1), ALG, ISSUER, T1, tlv(0x17, b(0x41))]), 'malformed nextUpdate');
    refused(crl([]), 'malformed TBSCertList signature algorithm');
    refused(crl([int(1), ALG, ISSUER, T1, T2, ctxPrim(0, b(1))]), 'malformed crlExtensions');
    refused(crl([int(1), ALG, ISSUER, T1, T2, ctx(0, b(0x06, 0x01, 0x80))]), 'malformed crlExtensions'); // asn1js refuses the OID
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [tlv(0x17, b(0x41)), bits(b(1))]), 'malformed CRL signatureAlgorithm');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [ALG, tlv(0x17, b(0x41))]), 'malformed CRL signatureValue');
    const e = (() => { try { parseCrl(crl([])); } catch (x) { return x as Error; } })();
    expect(e?.cause).toBeInstanceOf(Error);
    expect((e?.cause as Error).message).toBe('malformed TBSCertList signature algorithm');
    refused(crl([ALG, ISSUER, T1, T2, list(entry(1)), exts(CRL_NUMBER)]), 'malformed crlExtensions');
    refused(crl([int(1), ALG, ISSUER, T1, T2, ctx(1, seq(CRL_NUMBER))]), 'malformed crlExtensions');
    refused(crl([int(1), ALG, ISSUER, T1, T2, ctx(0, seq(CRL_NUMBER), seq(CRL_NUMBER))]), 'malformed crlExtensions');
    refused(crl([int(1), ALG, ISSUER, T1, T2, ctx(0)]), 'malformed crlExtensions');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER), nul()]), 'unexpected TBSCertList field');
    refused(crl([int(1), ALG, ISSUER, T1, T2, nul()]), 'malformed crlExtensions');
    refused(crl([int(1), ALG, ISSUER, T1, T2, list(), exts(CRL_NUMBER)]), 'malformed revokedCertificates');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER), list(entry(1))]), 'unexpected TBSCertList field');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [seq(utf8('x')), bits(b(1))]), 'malformed CRL signatureAlgorithm');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [seq(oid('1.2.3'), nul(), nul()), bits(b(1))]), 'malformed CRL signatureAlgorithm');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [nul(), bits(b(1))]), 'malformed CRL signatureAlgorithm');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [ALG, bits(b(0x80), 7)]), 'malformed CRL signatureValue');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(CRL_NUMBER)], [ALG, octets(b(1))]), 'malformed CRL signatureValue');
  });
});

describe('parseCrl: entries', () => {
  it('notes a serial listed twice and a removeFromCRL entry', () => {
    expect(problems(v2([entry(5), entry(5)]))).toEqual(['serial number 05 is listed twice']);
    expect(problems(v2([entry(5, seq(ext('2.5.29.21', tlv(0x0a, b(8)))))]))).toEqual(['removeFromCRL entry in a complete CRL (RFC 5280 §5.3.1: delta CRLs only)']);
    expect(parseCrl(v2([entry(5, seq(ext('2.5.29.21', tlv(0x0a, b(10)))))])).entries.get('05')?.reason).toBe(10);
    expect(parseCrl(v2([entry(5, seq(ext('2.5.29.21', tlv(0x0a, b(0)))))])).entries.get('05')?.reason).toBe(0);
  });

  it('notes entry extensions it cannot honour', () => {
    expect(problems(v2([entry(5, seq(ext('2.5.29.29', seq(ctx(4, ISSUER)))))]))).toEqual(['certificateIssuer entry extension: indirect CRLs are not supported']);
    expect(problems(v2([entry(5, seq(ext('1.2.3.4', nul(), true)))]))).toEqual(['unknown critical CRL entry extension 1.2.3.4 (RFC 5280 §5.3)']);
    expect(problems(v2([entry(5, seq(ext('1.2.3.4', nul())))]))).toEqual([]);
    expect(problems(v2([entry(5, seq(ext('2.5.29.24', generalizedTime('20240101000000Z'), true), ext('2.5.29.23', oid('1.2.840.10040.2.1'), true)))]))).toEqual([]);
  });

  it('refuses malformed entries', () => {
    refused(v2([seq(int(5))]), 'malformed revokedCertificates entry');
    refused(v2([seq(int(5), T1, seq(CRL_NUMBER), nul())]), 'malformed revokedCertificates entry');
    refused(v2([seq(octets(b(5)), T1)]), 'malformed revokedCertificates entry');
    refused(v2([seq(tlv(0x0a, b(5)), T1)]), 'malformed revokedCertificates entry');
    refused(v2([nul()]), 'malformed revokedCertificates entry');
    refused(v2([seq(int(5), T1, b(0x06, 0x01, 0x80))]), 'malformed revokedCertificates entry'); // asn1js refuses the OID
    refused(v2([seq(int(5), utcTime('991301000000Z'))]), 'revocationDate: invalid date "991301000000Z"');
    refused(v2([entry(5, seq(ext('2.5.29.21', b(0x0a, 0x02, 0x01))))]), 'malformed reasonCode'); // not DER
    refused(v2([entry(5, seq(ext('2.5.29.21', tlv(0x2a, tlv(0x0a, b(1))))))]), 'malformed reasonCode'); // constructed
    refused(crl([ALG, ISSUER, T1, T2, list(entry(5, seq(ext('2.5.29.21', tlv(0x0a, b(1))))))]), 'CRL entry extensions in a v1 CRL');
    refused(v2([entry(5, seq())]), 'malformed crlEntryExtension');
    refused(v2([entry(5, nul())]), 'malformed crlEntryExtension');
    for (const bad of [int(1), tlv(0x0a, b(7)), tlv(0x0a, b(11)), tlv(0x0a, b(1, 1)), tlv(0x0a, new Uint8Array(0)), ctxPrim(10, b(1)), tlv(0x4a, b(1))]) {
      refused(v2([entry(5, seq(ext('2.5.29.21', bad)))]), 'malformed reasonCode');
    }
  });
});

describe('parseCrl: extensions', () => {
  it('refuses malformed Extension encodings', () => {
    refused(v2([], [seq(oid('1.2.3'))]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), bool(true), octets(b(1)), nul())]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), bool(true), octets(b(1)), octets(b(1)))]), 'malformed crlExtension');
    refused(v2([], [seq(utf8('1.2.3'), octets(b(1)))]), 'malformed crlExtension');
    refused(v2([], [nul()]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), int(1), octets(b(1)))]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), bool(true), int(1))]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), tlv(0x24, octets(b(1))))]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), ctxPrim(4, b(1)))]), 'malformed crlExtension');
    refused(v2([], [seq(oid('1.2.3'), tlv(0x44, b(1)))]), 'malformed crlExtension');
    refused(v2([], [ext('1.2.3', nul()), ext('1.2.3', nul())]), 'duplicate crlExtension 1.2.3');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts()]), 'malformed crlExtension');
  });

  it('cRLNumber', () => {
    expect(parseCrl(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', int(b(0x00, 0x80))))])).crlNumber).toEqual(b(0x00, 0x80));
    expect(parseCrl(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', int(new Uint8Array(21).fill(0x7f))))])).crlNumber).toHaveLength(21);
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', int(new Uint8Array(22).fill(0x7f))))]), 'malformed cRLNumber');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', int(-1)))]), 'malformed cRLNumber');
    refused(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', octets(b(1))))]), 'malformed cRLNumber');
    expect(problems(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', int(1), true))]))).toEqual(['cRLNumber is critical (RFC 5280 §5.2.3: MUST be non-critical)']);
    expect(problems(crl([int(1), ALG, ISSUER, T1, T2, exts(ext('2.5.29.20', int(1), false))]))).toEqual([]);
  });

  it('authorityKeyIdentifier, delta CRLs, the extensions ignored, unknown critical ones', () => {
    const c = parseCrl(v2([], [ext('2.5.29.35', seq(ctxPrim(0, b(7, 7))))]));
    expect(c.authorityKeyIdentifier).toEqual({ keyIdentifier: b(7, 7) });
    expect(c.problems).toEqual([]);
    expect(problems(v2([], [ext('2.5.29.35', seq())]))).toEqual(['authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)']);
    expect(parseCrl(v2()).authorityKeyIdentifier).toBeUndefined();
    expect(problems(v2([], [ext('2.5.29.27', int(1), true)]))).toEqual(['delta CRLs are not supported']);
    expect(problems(v2([], [ext('2.5.29.18', nul(), true), ext('2.5.29.46', nul(), true), ext('1.3.6.1.5.5.7.1.1', nul(), true)]))).toEqual([]);
    expect(problems(v2([], [ext('1.2.3.4', nul(), true)]))).toEqual(['unknown critical CRL extension 1.2.3.4 (RFC 5280 §5.2)']);
    expect(problems(v2([], [ext('1.2.3.4', nul(), false)]))).toEqual([]);
  });
});

describe('parseCrl: issuingDistributionPoint', () => {
  const IDP = '2.5.29.28';
  const uri = (s: string): Uint8Array => ctxPrim(6, ascii(s));
  const idp = (value: Uint8Array, critical = true) => parseCrl(v2([], [ext(IDP, value, critical)]));
  const ff = b(0xff);

  it('decodes its fields', () => {
    expect(idp(seq(ctx(0, ctx(0, uri('http://c.example/x.crl'))), ctxPrim(2, ff))).issuingDistributionPoint).toEqual({
      name: { fullName: [{ type: 'uri', value: 'http://c.example/x.crl' }] },
      onlyContainsUserCerts: false, onlyContainsCACerts: true, indirectCrl: false, onlyContainsAttributeCerts: false,
    });
    expect(idp(seq(ctxPrim(1, ff))).issuingDistributionPoint).toEqual({
      onlyContainsUserCerts: true, onlyContainsCACerts: false, indirectCrl: false, onlyContainsAttributeCerts: false,
    });
    expect(idp(seq(ctxPrim(1, b(0)), ctxPrim(2, b(0)), ctxPrim(4, b(0)), ctxPrim(5, b(0)))).issuingDistributionPoint).toEqual({
      onlyContainsUserCerts: false, onlyContainsCACerts: false, indirectCrl: false, onlyContainsAttributeCerts: false,
    });
    expect(idp(seq()).problems).toEqual([]);
  });

  it('notes the scopes it cannot use', () => {
    expect(idp(seq(ctxPrim(1, ff)), false).problems).toEqual(['issuingDistributionPoint is not critical (RFC 5280 §5.2.5: MUST be critical)']);
    expect(idp(seq(ctxPrim(4, ff))).problems).toEqual(['indirect CRLs are not supported']);
    expect(idp(seq(ctxPrim(3, b(7, 0x80)))).problems).toEqual(['a CRL for only some revocation reasons (onlySomeReasons) cannot decide alone']);
    expect(idp(seq(ctxPrim(3, b(7, 0x80)))).issuingDistributionPoint?.onlySomeReasons).toEqual(b(7, 0x80));
    expect(idp(seq(ctxPrim(5, ff))).problems).toEqual(['a CRL of attribute certificates (onlyContainsAttributeCerts) says nothing about public-key certificates']);
    expect(idp(seq(ctxPrim(1, ff), ctxPrim(2, ff))).problems).toEqual(['issuingDistributionPoint asserts both onlyContainsUserCerts and onlyContainsCACerts']);
    expect(idp(seq(ctx(0, ctx(1, nameDer({ CN: 'x' }).subarray(2))))).problems).toEqual(['issuingDistributionPoint uses nameRelativeToCRLIssuer (only fullName URIs are supported)']);
    expect(idp(seq(ctx(0, ctx(0, uri('http://a/'), ctxPrim(2, ascii('a.example')))))).problems).toEqual(['issuingDistributionPoint fullName has a name other than a URI']);
  });

  it('refuses malformed ones', () => {
    const bad = (value: Uint8Array, detail: string) => refused(v2([], [ext(IDP, value, true)]), detail);
    bad(nul(), 'malformed issuingDistributionPoint');
    bad(seq(ctxPrim(2, ff), ctxPrim(1, ff)), 'malformed issuingDistributionPoint');
    bad(seq(ctxPrim(1, ff), ctxPrim(1, ff)), 'malformed issuingDistributionPoint');
    bad(seq(ctxPrim(6, ff)), 'malformed issuingDistributionPoint');
    bad(seq(bool(true)), 'malformed issuingDistributionPoint');
    bad(seq(ctxPrim(1, b(1))), 'malformed issuingDistributionPoint flag');
    bad(seq(ctxPrim(2, b(0xff, 0xff))), 'malformed issuingDistributionPoint flag');
    bad(seq(ctxPrim(4, new Uint8Array(0))), 'malformed issuingDistributionPoint flag');
    bad(seq(ctx(5, bool(true))), 'malformed issuingDistributionPoint flag');
    bad(seq(ctxPrim(3, b(8, 0))), 'malformed onlySomeReasons');
    bad(seq(ctx(0)), 'malformed issuingDistributionPoint distributionPoint');
  });
});
