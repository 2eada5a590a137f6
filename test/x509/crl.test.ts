/**
 * CRL decoding and the revocation rules of RFC 5280 §5 and §6.3 beyond the
 * OpenSSL table: structure, refusal when loaded, scope (issuingDistributionPoint),
 * several CRLs per issuer, and the checks done per certificate — on both providers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { KeyError } from '../../src/errors.js';
import { loadCrl, parseCrl, serialKey } from '../../src/x509/crl.js';
import { crlsFromPem } from '../../src/x509/pem.js';
import { verifyChain, type VerifyChainOptions } from '../../src/x509/verify.js';
import { expectError, expectOk } from './helpers/expect.js';
import { generalizedTime, int, seq } from './helpers/der.js';
import { makeCrl, makeIntermediate, makeLeaf, makeRoot, testKey } from './helpers/pki.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const root = makeRoot('CRL Root', testKey('p256', 110));
const inter = makeIntermediate(root, 'CRL Intermediate', { key: testKey('p256', 111), serial: 0x1101 });
const leaf = makeLeaf(inter, { key: testKey('p256', 112), serial: 0x1201, crlDistributionPoints: [[{ uri: 'http://crl.example/a.crl' }]] });

describe('parseCrl / loadCrl', () => {
  it('decodes issuer, times, entries with reasons, cRLNumber and AKI', () => {
    const crl = parseCrl(makeCrl({ issuer: inter, entries: [{ serial: 0x1201, reason: 1 }, { serial: 5 }], crlNumber: { value: 42 } }).der);
    expect(crl.version).toBe(2);
    expect(crl.issuer.key).toBe(parseCrl(makeCrl({ issuer: inter }).der).issuer.key);
    expect(crl.thisUpdate.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(crl.nextUpdate?.toISOString()).toBe('2044-01-01T00:00:00.000Z');
    expect(crl.entries.get(serialKey(Uint8Array.of(0x12, 0x01)))?.reason).toBe(1);
    expect(crl.entries.get(serialKey(Uint8Array.of(5)))?.reason).toBeUndefined();
    expect(crl.crlNumber).toEqual(Uint8Array.of(42));
    expect(crl.authorityKeyIdentifier?.keyIdentifier).toEqual(testKey('p256', 111).keyId);
    expect(crl.problems).toEqual([]);
    expect(crl.signatureAlgorithmsMatch).toBe(true);
  });

  it('decodes a CRL of 10 000 entries', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ serial: 0x100000 + i }));
    const crl = loadCrl(makeCrl({ issuer: inter, entries }).der);
    expect(crl.entries.size).toBe(10_000);
  });

  it('refuses when loaded a CRL that breaks RFC 5280, naming the rule', () => {
    const refused = (extra: Partial<Parameters<typeof makeCrl>[0]>): string => {
      try {
        loadCrl(makeCrl({ issuer: inter, ...extra }).der);
      } catch (e) {
        expect(e).toBeInstanceOf(KeyError);
        return (e as Error).message;
      }
      throw new Error('the CRL was accepted');
    };
    expect(refused({ crlNumber: null })).toMatch(/no cRLNumber \(RFC 5280 §5.2.3/);
    expect(refused({ crlNumber: { value: 1, critical: true } })).toMatch(/cRLNumber is critical/);
    expect(refused({ nextUpdate: null })).toMatch(/no nextUpdate/);
    expect(refused({ thisUpdateRaw: generalizedTime('20240101000000Z') })).toMatch(/GeneralizedTime for a year before 2050/);
    expect(refused({ extra: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: true, value: Uint8Array.of(5, 0) }] })).toMatch(/unknown critical CRL extension/);
    expect(refused({ entries: [{ serial: 7, extra: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: true, value: Uint8Array.of(5, 0) }] }] })).toMatch(/unknown critical CRL entry extension/);
    expect(refused({ entries: [{ serial: 7, extra: [{ oid: '2.5.29.29', critical: true, value: seq() }] }] })).toMatch(/indirect CRLs/);
    expect(refused({ entries: [{ serial: 7 }, { serial: 7 }] })).toMatch(/listed twice/);
    expect(refused({ entries: [{ serial: 7, reason: 8 }] })).toMatch(/removeFromCRL/);
    expect(refused({ extra: [{ oid: '2.5.29.27', critical: true, value: int(3) }] })).toMatch(/delta CRLs are not supported/);
    expect(refused({ idp: { value: { uris: ['http://x/'], indirect: true } } })).toMatch(/indirect CRLs/);
    expect(refused({ idp: { value: { reasons: Uint8Array.of(7, 0x80) } } })).toMatch(/onlySomeReasons/);
    expect(refused({ idp: { value: { onlyAttribute: true } } })).toMatch(/attribute certificates/);
    expect(refused({ idp: { value: { uris: ['http://x/'] }, critical: false } })).toMatch(/issuingDistributionPoint is not critical/);
    // Malformed DER, an unsupported version, a v1 CRL without extensions.
    expect(() => parseCrl(Uint8Array.of(0x30, 0x00))).toThrow(KeyError);
    expect(refused({ v1: true })).toMatch(/no cRLNumber/);
  });

  it('reads PEM and DER input, one or several', () => {
    const a = makeCrl({ issuer: inter });
    const b = makeCrl({ issuer: root });
    expect(crlsFromPem(a.pem + b.pem)).toEqual([a.der, b.der]);
    expect(crlsFromPem(Buffer.concat([Buffer.from(a.der), Buffer.from(b.der)]))).toEqual([a.der, b.der]);
    expect(crlsFromPem([a.pem, b.der])).toEqual([a.der, b.der]);
    expect(() => crlsFromPem(root.pem)).toThrow(/no X509 CRL PEM block/);
  });

  it('throws only KeyError on random and mutated input', () => {
    const seed = makeCrl({ issuer: inter, entries: [{ serial: 9, reason: 1 }] }).der;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (junk, at, v) => {
        for (const input of [junk, Uint8Array.from(seed, (x, i) => (i === at % seed.length ? v : x))]) {
          try {
            loadCrl(input);
          } catch (e) {
            if (!(e instanceof KeyError)) throw e;
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe.each([
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][])('revocation checking (%s provider)', (_name, p) => {
  const opts = (crls: Uint8Array[], extra: Partial<VerifyChainOptions> = {}): VerifyChainOptions => ({ ca: [root.der], purpose: 'serverAuth', now: NOW, crls, ...extra });
  const chain = [leaf.der, inter.der];

  it('checks only the certificates whose issuer has a CRL', () => {
    expectOk(verifyChain(p, chain, opts([makeCrl({ issuer: root }).der])));
    expectError(verifyChain(p, chain, opts([makeCrl({ issuer: root, entries: [{ serial: 0x1101 }] }).der])), 'ERR_DTLS_CERT_REVOKED', 'certificate_revoked');
    // A CRL of another CA says nothing about this chain, even listing the same serial.
    const other = makeRoot('Other CRL Root', testKey('p256', 113));
    expectOk(verifyChain(p, chain, opts([makeCrl({ issuer: other, entries: [{ serial: 0x1201 }] }).der])));
  });

  it('uses any usable CRL of an issuer: a stale one next to a fresh one does not fail, a revocation in either counts', () => {
    const stale = makeCrl({ issuer: inter, thisUpdate: new Date('2029-01-01T00:00:00Z'), nextUpdate: new Date('2029-02-01T00:00:00Z') });
    const fresh = makeCrl({ issuer: inter, crlNumber: { value: 2 } });
    expectOk(verifyChain(p, chain, opts([stale.der, fresh.der])));
    const revoking = makeCrl({ issuer: inter, crlNumber: { value: 3 }, entries: [{ serial: 0x1201, reason: 1 }] });
    const e = expectError(verifyChain(p, chain, opts([fresh.der, revoking.der])), 'ERR_DTLS_CERT_REVOKED');
    expect(e.message).toMatch(/depth 0 .*revoked by its issuer on .*reason keyCompromise/);
    expectError(verifyChain(p, chain, opts([stale.der])), 'ERR_DTLS_CRL_EXPIRED', 'certificate_unknown');
  });

  it('treats certificateHold as revoked, whatever the revocation date', () => {
    const hold = makeCrl({ issuer: inter, entries: [{ serial: 0x1201, reason: 6, date: new Date('2031-01-01T00:00:00Z') }] });
    expect(expectError(verifyChain(p, chain, opts([hold.der])), 'ERR_DTLS_CERT_REVOKED').message).toMatch(/certificateHold/);
  });

  it('refuses a CRL whose authorityKeyIdentifier names another key, or that is corrupted', () => {
    expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, aki: Uint8Array.of(1, 2, 3) }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
    expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, corruptSignature: true }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
  });

  it('refuses a SHA-1 signed CRL unless allowSha1Certificates', () => {
    const rsaRoot = makeRoot('RSA CRL Root', testKey('rsa2048', 5));
    const l = makeLeaf(rsaRoot, { key: testKey('p256', 114) });
    const crl = makeCrl({ issuer: rsaRoot, sigAlg: 'rsa-sha1' });
    const o = { ca: [rsaRoot.der], purpose: 'serverAuth' as const, now: NOW, crls: [crl.der] };
    expect(expectError(verifyChain(p, [l.der], o), 'ERR_DTLS_CRL_BAD_SIGNATURE').message).toMatch(/SHA-1/);
    expectOk(verifyChain(p, [l.der], { ...o, allowSha1Certificates: true }));
  });

  it('scopes a CRL by its issuingDistributionPoint', () => {
    const idp = (v: NonNullable<Parameters<typeof makeCrl>[0]['idp']>['value']) => makeCrl({ issuer: inter, idp: { value: v } }).der;
    expectOk(verifyChain(p, chain, opts([idp({ uris: ['http://crl.example/a.crl'] })])));
    expect(expectError(verifyChain(p, chain, opts([idp({ uris: ['http://crl.example/b.crl'] })])), 'ERR_DTLS_CRL_INVALID').message).toMatch(/not one of the certificate's cRLDistributionPoints/);
    expectError(verifyChain(p, chain, opts([idp({ onlyCa: true })])), 'ERR_DTLS_CRL_INVALID');
    expectOk(verifyChain(p, chain, opts([idp({ onlyUser: true })])));
    // A CA certificate is not covered by a user-certificates CRL.
    expectError(verifyChain(p, chain, opts([makeCrl({ issuer: root, idp: { value: { onlyUser: true } } }).der])), 'ERR_DTLS_CRL_INVALID');
    // The certificate's point must be made of URIs only, compared byte for byte.
    const mixed = makeLeaf(inter, { key: testKey('p256', 112), crlDistributionPoints: [[{ uri: 'http://crl.example/a.crl' }, { dns: 'crl.example' }]] });
    expectError(verifyChain(p, [mixed.der, inter.der], opts([idp({ uris: ['http://crl.example/a.crl'] })])), 'ERR_DTLS_CRL_INVALID');
    const encoded = makeLeaf(inter, { key: testKey('p256', 112), crlDistributionPoints: [[{ uri: 'http://crl.example/%61.crl' }]] });
    expectError(verifyChain(p, [encoded.der, inter.der], opts([idp({ uris: ['http://crl.example/a.crl'] })])), 'ERR_DTLS_CRL_INVALID');
    // A partitioned CRL next to a complete one: the complete one decides.
    expectOk(verifyChain(p, chain, opts([idp({ uris: ['http://crl.example/b.crl'] }), makeCrl({ issuer: inter }).der])));
  });

  it('accepts a CRL signed by the same CA under its other key on the path (key rollover through a self-issued certificate), no other key', () => {
    // Roll CA (key A, under the root) certifies its new key B in a self-issued certificate; B issues the leaf.
    const oldKey = makeIntermediate(root, 'Roll CA', { key: testKey('p256', 115), serial: 0x1501 });
    const newKey = makeIntermediate(oldKey, 'Roll CA', { key: testKey('p256', 116), serial: 0x1601 });
    const l = makeLeaf(newKey, { key: testKey('p256', 117), serial: 0x1701 });
    const rolled = [l.der, newKey.der, oldKey.der];
    expectOk(verifyChain(p, rolled, opts([makeCrl({ issuer: oldKey }).der])));
    expectError(verifyChain(p, rolled, opts([makeCrl({ issuer: oldKey, entries: [{ serial: 0x1701 }] }).der])), 'ERR_DTLS_CERT_REVOKED', 'certificate_revoked');
    expectError(verifyChain(p, rolled, opts([makeCrl({ issuer: newKey, entries: [{ serial: 0x1701 }] }).der])), 'ERR_DTLS_CERT_REVOKED');
    // The same name under a key that is not on the path signs nothing.
    const stranger = makeCrl({ issuer: oldKey, signer: testKey('p256', 118), aki: null, entries: [] });
    expectError(verifyChain(p, rolled, opts([stranger.der])), 'ERR_DTLS_CRL_BAD_SIGNATURE', 'certificate_unknown');
    // Without the rollover certificate on the path, the old key does not sign for a sibling CA of the same name.
    const sibling = makeIntermediate(root, 'Roll CA', { key: testKey('p256', 116), serial: 0x1602 });
    const l2 = makeLeaf(sibling, { key: testKey('p256', 117), serial: 0x1702 });
    expectError(verifyChain(p, [l2.der, sibling.der], opts([makeCrl({ issuer: oldKey, entries: [] }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
  });

  it('throws KeyError for an unusable CRL given to verifyChain (configuration, not peer data)', () => {
    expect(() => verifyChain(p, chain, opts([makeCrl({ issuer: inter, crlNumber: null }).der]))).toThrow(KeyError);
  });
});
