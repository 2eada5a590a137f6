/**
 * Certificate decoding (parseCertificate and its helpers in
 * src/x509/certificate.ts, RFC 5280 §4.1) from hand-built DER: the
 * TBSCertificate fields in order, the version, the unique identifiers, the
 * Extension list, the profile problems noted for a readable certificate, and
 * each malformed encoding refused with its message. parseCertificate does
 * not check the signature, so the certificates here are not signed.
 */
import { describe, expect, it } from 'vitest';
import { CertificateError } from '../../src/errors.js';
import { parseCertificate, sameCertificate } from '../../src/x509/certificate.js';
import { bits, bool, concat, ctx, ctxPrim, int, nul, octets, oid, seq, tlv, utcTime, utf8 } from './helpers/der.js';
import { nameDer, testKey } from './helpers/pki.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const ALG = seq(oid('1.2.840.10045.4.3.2'));
const NAME = nameDer({ CN: 'a' });
const VALIDITY = seq(utcTime('240101000000Z'), utcTime('440101000000Z'));
const SPKI = testKey('p256', 0).spki;
const ext = (o: string, value: Uint8Array, critical?: boolean): Uint8Array => seq(oid(o), ...(critical === undefined ? [] : [bool(critical)]), octets(value));
const SKI = ext('2.5.29.14', octets(b(1, 2)));
const cert = (tbs: Uint8Array[], outer: Uint8Array[] = [ALG, bits(b(7, 7))]): Uint8Array => seq(seq(...tbs), ...outer);
/** A v3 TBSCertificate's fields; `more` after the public key. */
const v3 = (...more: Uint8Array[]): Uint8Array[] => [ctx(0, int(2)), int(5), ALG, NAME, VALIDITY, NAME, SPKI, ...more];
const refused = (der: Uint8Array, detail: string) => {
  expect(() => parseCertificate(der)).toThrow(CertificateError);
  expect(() => parseCertificate(der)).toThrow(`malformed certificate: ${detail}`);
};

describe('parseCertificate: the structure', () => {
  it('decodes v1, v2 and v3 certificates', () => {
    const c3 = parseCertificate(cert(v3(ctx(3, seq(SKI)))));
    expect(c3.version).toBe(3);
    expect(c3.serial).toEqual(b(5));
    expect(c3.extensions).toEqual([{ oid: '2.5.29.14', critical: false, value: octets(b(1, 2)) }]);
    expect(c3.subjectKeyIdentifier).toEqual(b(1, 2));
    expect(c3.signature).toEqual(b(7, 7));
    expect(c3.signatureAlgorithmsMatch).toBe(true);
    expect(c3.signatureAlgorithmParams).toBeUndefined();
    expect(c3.selfIssued).toBe(true);
    expect(c3.spki).toEqual(SPKI);
    expect(c3.validFrom).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(c3.validTo).toEqual(new Date('2044-01-01T00:00:00Z'));
    expect(c3.profileProblems).toEqual([]);
    expect(Object.isFrozen(c3)).toBe(true);
    expect(Object.isFrozen(c3.publicKey)).toBe(true);
    expect(c3.tbs).toEqual(seq(...v3(ctx(3, seq(SKI)))));
    const c1 = parseCertificate(cert([int(5), ALG, NAME, VALIDITY, NAME, SPKI]));
    expect(c1.version).toBe(1);
    expect(c1.extensions).toEqual([]);
    const c2 = parseCertificate(cert([ctx(0, int(1)), int(5), ALG, NAME, VALIDITY, NAME, SPKI, ctxPrim(1, b(0, 1)), ctxPrim(2, b(0, 2))]));
    expect(c2.version).toBe(2);
    expect(parseCertificate(cert(v3(ctxPrim(2, b(0, 2)), ctx(3, seq(SKI))))).version).toBe(3);
    expect(parseCertificate(cert(v3(ctxPrim(1, b(0, 1))))).extensions).toEqual([]);
  });

  it('the outer algorithm, its parameters, and whether it is the inner one', () => {
    const c = parseCertificate(cert(v3(), [seq(oid('1.2.840.10045.4.3.2'), nul()), bits(b(1))]));
    expect(c.signatureAlgorithmParams).toEqual(nul());
    expect(c.signatureAlgorithmsMatch).toBe(false);
    expect(c.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
  });

  it('notes the profile problems of a readable certificate', () => {
    expect(parseCertificate(cert([ctx(0, int(2)), int(-5), ALG, NAME, VALIDITY, NAME, SPKI])).profileProblems).toEqual(['negative serial number (RFC 5280 §4.1.2.2)']);
    expect(parseCertificate(cert([ctx(0, int(2)), int(0x80), ALG, NAME, VALIDITY, NAME, SPKI])).profileProblems).toEqual([]);
    expect(parseCertificate(cert([ctx(0, int(2)), int(5), ALG, seq(), VALIDITY, NAME, SPKI])).profileProblems).toEqual(['empty issuer name (RFC 5280 §4.1.2.4)']);
    const noSubject = (...more: Uint8Array[]) => parseCertificate(cert([ctx(0, int(2)), int(5), ALG, NAME, VALIDITY, seq(), SPKI, ...more]));
    expect(noSubject().profileProblems).toEqual(['empty subject and no subjectAltName (RFC 5280 §4.1.2.6)']);
    expect(noSubject().selfIssued).toBe(false);
    const san = (critical?: boolean) => ctx(3, seq(ext('2.5.29.17', seq(ctxPrim(2, new TextEncoder().encode('a.example'))), critical)));
    expect(noSubject(san()).profileProblems).toEqual(['empty subject with a non-critical subjectAltName (RFC 5280 §4.2.1.6)']);
    expect(noSubject(san(true)).profileProblems).toEqual([]);
    expect(parseCertificate(cert(v3(san()))).profileProblems).toEqual([]);
    const gt = seq(tlv(0x18, new TextEncoder().encode('20240101000000Z')), utcTime('440101000000Z'));
    expect(parseCertificate(cert([ctx(0, int(2)), int(5), ALG, NAME, gt, NAME, SPKI])).profileProblems[0]).toMatch(/§4\.1\.2\.5\)$/);
    const gt2 = seq(utcTime('240101000000Z'), tlv(0x18, new TextEncoder().encode('20440101000000Z')));
    expect(parseCertificate(cert([ctx(0, int(2)), int(5), ALG, NAME, gt2, NAME, SPKI])).profileProblems[0]).toMatch(/§4\.1\.2\.5\)$/);
    expect(parseCertificate(cert(v3(ctx(3, seq(ext('2.5.29.14', octets(b(1)), true)))))).profileProblems)
      .toEqual(['subjectKeyIdentifier is critical (RFC 5280 §4.2.1.2: MUST be non-critical)']);
    expect(parseCertificate(cert(v3(ctx(3, seq(ext('1.2.3.4', nul(), true), ext('1.2.3.5', nul(), false)))))).unhandledCriticalExtensions).toEqual(['1.2.3.4']);
  });

  it('copies what it keeps', () => {
    const der = cert(v3(ctx(3, seq(SKI))));
    const c = parseCertificate(der);
    der.fill(0);
    expect(c.serial).toEqual(b(5));
    expect(c.der[0]).toBe(0x30);
    expect(c.tbs[0]).toBe(0x30);
    expect(c.spki).toEqual(SPKI);
    expect(c.signature).toEqual(b(7, 7));
    expect(c.extensions[0]!.value).toEqual(octets(b(1, 2)));
  });

  it('sameCertificate compares the DER', () => {
    const a = parseCertificate(cert(v3()));
    expect(sameCertificate(a, a)).toBe(true);
    expect(sameCertificate(a, parseCertificate(cert(v3())))).toBe(true);
    expect(sameCertificate(a, parseCertificate(cert([ctx(0, int(2)), int(6), ALG, NAME, VALIDITY, NAME, SPKI])))).toBe(false);
  });
});

describe('parseCertificate: what it refuses', () => {
  it('what is not a Certificate', () => {
    refused(concat(cert(v3()), b(0)), 'not DER: trailing data');
    refused(seq(seq(...v3()), ALG), 'not a Certificate SEQUENCE');
    refused(seq(seq(...v3()), ALG, bits(b(1)), nul()), 'not a Certificate SEQUENCE');
    refused(tlv(0x31, seq(...v3()), ALG, bits(b(1))), 'not a Certificate SEQUENCE');
    refused(seq(tlv(0x31, ...v3()), ALG, bits(b(1))), 'malformed TBSCertificate');
    expect(() => parseCertificate('x' as unknown as Uint8Array)).toThrow('malformed certificate: certificate must be a Uint8Array');
  });

  it('versions', () => {
    refused(cert([ctx(0, int(3)), int(5), ALG, NAME, VALIDITY, NAME, SPKI]), 'unsupported certificate version');
    refused(cert([ctx(0, int(-1)), int(5), ALG, NAME, VALIDITY, NAME, SPKI]), 'unsupported certificate version');
    refused(cert([ctx(0, int(2), int(2)), int(5), ALG, NAME, VALIDITY, NAME, SPKI]), 'unsupported certificate version');
    refused(cert([ctx(0), int(5), ALG, NAME, VALIDITY, NAME, SPKI]), 'unsupported certificate version');
    refused(cert([ctx(0, octets(b(2))), int(5), ALG, NAME, VALIDITY, NAME, SPKI]), 'unsupported certificate version');
    refused(cert([ctxPrim(0, b(2)), int(5), ALG, NAME, VALIDITY, NAME, SPKI]), 'unsupported certificate version');
  });

  it('missing or malformed fields', () => {
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, VALIDITY, NAME]), 'TBSCertificate is missing fields');
    refused(cert([int(5), ALG, NAME, VALIDITY, NAME]), 'TBSCertificate is missing fields');
    refused(cert([ctx(0, int(2)), octets(b(5)), ALG, NAME, VALIDITY, NAME, SPKI]), 'malformed serialNumber');
    refused(cert([ctx(0, int(2)), tlv(0x0a, b(5)), ALG, NAME, VALIDITY, NAME, SPKI]), 'malformed serialNumber');
    refused(cert([ctx(0, int(2)), int(5), nul(), NAME, VALIDITY, NAME, SPKI]), 'malformed TBSCertificate signature algorithm');
    refused(cert([ctx(0, int(2)), int(5), seq(oid('1.2.3'), nul(), nul()), NAME, VALIDITY, NAME, SPKI]), 'malformed TBSCertificate signature algorithm');
    refused(cert([ctx(0, int(2)), int(5), seq(utf8('1.2.3')), NAME, VALIDITY, NAME, SPKI]), 'malformed TBSCertificate signature algorithm');
    refused(cert([ctx(0, int(2)), int(5), ALG, nul(), VALIDITY, NAME, SPKI]), 'issuer is not a Name');
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, seq(utcTime('240101000000Z')), NAME, SPKI]), 'malformed validity');
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, nul(), NAME, SPKI]), 'malformed validity');
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, seq(utcTime('991301000000Z'), utcTime('440101000000Z')), NAME, SPKI]), 'notBefore: invalid date "991301000000Z"');
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, seq(utcTime('240101000000Z'), utcTime('991301000000Z')), NAME, SPKI]), 'notAfter: invalid date "991301000000Z"');
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, VALIDITY, nul(), SPKI]), 'subject is not a Name');
    refused(cert([ctx(0, int(2)), int(5), ALG, NAME, VALIDITY, NAME, nul()]), 'malformed subjectPublicKeyInfo');
    refused(cert(v3(), [seq(utf8('x')), bits(b(1))]), 'malformed signatureAlgorithm');
    refused(cert(v3(), [seq(oid('1.2.3'), nul(), nul()), bits(b(1))]), 'malformed signatureAlgorithm');
    refused(cert(v3(), [nul(), bits(b(1))]), 'malformed signatureAlgorithm');
    refused(cert(v3(), [ALG, bits(b(0x80), 7)]), 'malformed signatureValue');
    refused(cert(v3(), [ALG, octets(b(1))]), 'malformed signatureValue');
  });

  it('fields after the public key', () => {
    refused(cert(v3(nul())), 'unexpected TBSCertificate field');
    refused(cert(v3(ctx(4, nul()))), 'unexpected TBSCertificate field');
    refused(cert(v3(ctx(0, nul()))), 'unexpected TBSCertificate field');
    refused(cert(v3(ctx(3, seq(SKI)), ctxPrim(1, b(0)))), 'unexpected TBSCertificate field');
    refused(cert(v3(ctxPrim(2, b(0)), ctxPrim(1, b(0)))), 'unexpected TBSCertificate field');
    refused(cert(v3(ctxPrim(1, b(0)), ctxPrim(1, b(0)))), 'unexpected TBSCertificate field');
    refused(cert(v3(ctx(3, seq(SKI)), ctx(3, seq(SKI)))), 'unexpected TBSCertificate field');
    refused(cert(v3(tlv(0x43, b(0)))), 'unexpected TBSCertificate field'); // [APPLICATION 3]
    refused(cert([int(5), ALG, NAME, VALIDITY, NAME, SPKI, ctxPrim(1, b(0))]), 'malformed unique identifier');
    refused(cert(v3(ctx(1, bits(b(0))))), 'malformed unique identifier');
    refused(cert([int(5), ALG, NAME, VALIDITY, NAME, SPKI, ctx(3, seq(SKI))]), 'extensions in a non-v3 certificate');
    refused(cert([ctx(0, int(1)), int(5), ALG, NAME, VALIDITY, NAME, SPKI, ctx(3, seq(SKI))]), 'extensions in a non-v3 certificate');
  });

  it('malformed Extension lists', () => {
    refused(cert(v3(ctx(3, seq()))), 'malformed extensions');
    refused(cert(v3(ctx(3))), 'malformed extensions');
    refused(cert(v3(ctxPrim(3, b(0)))), 'malformed extensions');
    refused(cert(v3(ctx(3, seq(SKI), seq(SKI)))), 'malformed extensions');
    refused(cert(v3(ctx(3, tlv(0x31, SKI)))), 'malformed extensions');
    refused(cert(v3(ctx(3, seq(nul())))), 'malformed extension');
    refused(cert(v3(ctx(3, seq(seq(oid('1.2.3')))))), 'malformed extension');
    refused(cert(v3(ctx(3, seq(seq(oid('1.2.3'), bool(true), octets(b(1)), nul()))))), 'malformed extension');
    refused(cert(v3(ctx(3, seq(seq(utf8('1.2.3'), octets(b(1))))))), 'malformed extension');
    refused(cert(v3(ctx(3, seq(seq(oid('1.2.3'), int(1), octets(b(1))))))), 'malformed extension critical flag');
    refused(cert(v3(ctx(3, seq(seq(oid('1.2.3'), bool(true), int(1)))))), 'malformed extnValue');
    refused(cert(v3(ctx(3, seq(seq(oid('1.2.3'), ctxPrim(4, b(1))))))), 'malformed extnValue');
    refused(cert(v3(ctx(3, seq(ext('1.2.3', nul()), ext('1.2.3', nul()))))), 'duplicate extension 1.2.3');
    expect(parseCertificate(cert(v3(ctx(3, seq(ext('1.2.3', nul(), false)))))).extensions).toEqual([{ oid: '1.2.3', critical: false, value: nul() }]);
    expect(parseCertificate(cert(v3(ctx(3, seq(ext('1.2.3', nul(), true)))))).extensions).toEqual([{ oid: '1.2.3', critical: true, value: nul() }]);
  });
});
