/**
 * Edges of revocation checking (src/x509/revocation.ts) beyond crl.test.ts,
 * found by mutation testing (docs/mutation.md, "x509"): the validity bounds
 * of a CRL to the second, issuers without keyUsage or subjectKeyIdentifier
 * (lenient anchors), which failure is reported when no CRL is usable, a CRL
 * without nextUpdate given already loaded, and the messages.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { loadCrl } from '../../src/x509/crl.js';
import { verifyChain, type VerifyChainOptions } from '../../src/x509/verify.js';
import { expectError, expectOk } from './helpers/expect.js';
import { ctx, seq } from './helpers/der.js';
import { generalName, makeCrl, makeIntermediate, makeLeaf, makeRoot, nameDer, testKey } from './helpers/pki.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const root = makeRoot('Rev Root', testKey('p256', 190));
const inter = makeIntermediate(root, 'Rev Intermediate', { key: testKey('p256', 191), serial: 0x1901 });
const leaf = makeLeaf(inter, { key: testKey('p256', 192), serial: 0x1902 });
const chain = [leaf.der, inter.der];

describe.each([
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][])('revocation edges (%s provider)', (_name, p) => {
  const opts = (crls: Uint8Array[], extra: Partial<VerifyChainOptions> = {}): VerifyChainOptions => ({ ca: [root.der], purpose: 'serverAuth', now: NOW, crls, ...extra });

  it('a CRL is usable from thisUpdate to nextUpdate, both inclusive', () => {
    const thisUpdate = new Date('2030-05-31T00:00:00Z');
    const nextUpdate = new Date('2030-06-02T00:00:00Z');
    const crl = makeCrl({ issuer: inter, thisUpdate, nextUpdate }).der;
    expectOk(verifyChain(p, chain, opts([crl], { now: thisUpdate })));
    expectOk(verifyChain(p, chain, opts([crl], { now: nextUpdate })));
    expectOk(verifyChain(p, chain, opts([crl], { now: new Date(nextUpdate.getTime() + 999) })));
    const early = expectError(verifyChain(p, chain, opts([crl], { now: new Date(thisUpdate.getTime() - 1000) })), 'ERR_DTLS_CRL_NOT_YET_VALID');
    expect(early.message).toMatch(/^revocation status of the certificate at depth 0 \(.*localhost.*\) is unknown: the CRL of ".*Rev Intermediate.*" is not yet valid \(thisUpdate /);
    expectError(verifyChain(p, chain, opts([crl], { now: new Date(nextUpdate.getTime() + 1000) })), 'ERR_DTLS_CRL_EXPIRED');
  });

  it('a loaded CRL without nextUpdate has expired', () => {
    const loaded = loadCrl(makeCrl({ issuer: inter }).der);
    const r = verifyChain(p, chain, { ca: [root.der], purpose: 'serverAuth', now: NOW, crls: [{ ...loaded, nextUpdate: undefined }] });
    expect(expectError(r, 'ERR_DTLS_CRL_EXPIRED').message).toMatch(/has expired \(nextUpdate absent\)/);
  });

  it('reports the first unusable CRL of an issuer when none is usable', () => {
    const expired = makeCrl({ issuer: inter, thisUpdate: new Date('2029-01-01T00:00:00Z'), nextUpdate: new Date('2029-02-01T00:00:00Z') }).der;
    const forged = makeCrl({ issuer: inter, crlNumber: { value: 2 }, corruptSignature: true }).der;
    expectError(verifyChain(p, chain, opts([expired, forged])), 'ERR_DTLS_CRL_EXPIRED');
    expectError(verifyChain(p, chain, opts([forged, expired])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
    // One usable CRL decides, before or after the unusable ones.
    const good = makeCrl({ issuer: inter, crlNumber: { value: 3 } }).der;
    expectOk(verifyChain(p, chain, opts([expired, good, forged])));
    expectOk(verifyChain(p, chain, opts([good, forged])));
  });

  it('a revocation is found in the CRL of the intermediate and of the root alike, with its reason', () => {
    let e = expectError(verifyChain(p, chain, opts([makeCrl({ issuer: root, entries: [{ serial: 0x1901, reason: 4 }] }).der])), 'ERR_DTLS_CERT_REVOKED');
    expect(e.message).toMatch(/^certificate at depth 1 \(.*Rev Intermediate.*\) was revoked by its issuer on Jan  1 00:00:00 2024 GMT, reason superseded$/);
    e = expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, entries: [{ serial: 0x1902 }] }).der])), 'ERR_DTLS_CERT_REVOKED');
    expect(e.message).toBe('certificate at depth 0 (O=x509 tests, CN=localhost) was revoked by its issuer on Jan  1 00:00:00 2024 GMT');
  });

  it('names why a CRL is not usable', () => {
    let e = expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, aki: Uint8Array.of(1, 2, 3) }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
    expect(e.message).toMatch(/: the CRL of ".*Rev Intermediate.*" names another key of its issuer \(authorityKeyIdentifier\)$/);
    e = expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, corruptSignature: true }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
    expect(e.message).toMatch(/: the CRL of ".*Rev Intermediate.*" is not signed by the issuer's key$/);
    e = expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, idp: { value: { onlyCa: true } } }).der])), 'ERR_DTLS_CRL_INVALID');
    expect(e.message).toMatch(/does not cover the certificate: the CRL covers only CA certificates$/);
    e = expectError(verifyChain(p, chain, opts([makeCrl({ issuer: root, idp: { value: { onlyUser: true } } }).der])), 'ERR_DTLS_CRL_INVALID');
    expect(e.message).toMatch(/does not cover the certificate: the CRL covers only end-entity certificates$/);
  });

  it('a CRL without authorityKeyIdentifier is usable; one named for a CA but signed by another key on the path is not', () => {
    // aki: null leaves the extension out (kid undefined in unusable()).
    expectOk(verifyChain(p, chain, opts([makeCrl({ issuer: inter, aki: null }).der])));
    expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, aki: null, entries: [{ serial: 0x1902 }] }).der])), 'ERR_DTLS_CERT_REVOKED');
    // Named like the intermediate, signed by the root's key: the root does not sign for the intermediate.
    expectError(verifyChain(p, chain, opts([makeCrl({ issuer: inter, signer: root.key, aki: null, entries: [{ serial: 0x1902 }] }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
  });

  it("a CA's new key does not vouch for the certificate that certifies it", () => {
    // The anchor rolls over to a new key through a self-issued certificate; a CRL under the new key covers
    // what the new key issued, not the self-issued certificate itself.
    const rolled = makeIntermediate(root, 'Rev Root', { key: testKey('p256', 195), subject: { O: 'x509 tests', CN: 'Rev Root' }, serial: 0x1904 });
    const x = makeIntermediate(rolled, 'Rev X', { key: testKey('p256', 196), serial: 0x1905 });
    const l = makeLeaf(x, { key: testKey('p256', 192), serial: 0x1906 });
    const path = [l.der, x.der, rolled.der];
    // The CRLs have no authorityKeyIdentifier: only the signature tells the keys apart.
    expectError(verifyChain(p, path, opts([makeCrl({ issuer: root, signer: rolled.key, aki: null }).der])), 'ERR_DTLS_CRL_BAD_SIGNATURE');
    expectOk(verifyChain(p, path, opts([makeCrl({ issuer: root, aki: null }).der])), 4);
  });

  it('a v1 end entity (no basicConstraints) is in the scope of a user-certificates CRL', () => {
    const v1 = makeLeaf(inter, { key: testKey('p256', 192), version: 1, serial: 0x1907 });
    expectOk(verifyChain(p, [v1.der, inter.der], opts([makeCrl({ issuer: inter, idp: { value: { onlyUser: true } } }).der])), 3);
    expectError(verifyChain(p, [v1.der, inter.der], opts([makeCrl({ issuer: inter, idp: { value: { onlyUser: true } }, entries: [{ serial: 0x1907 }] }).der])), 'ERR_DTLS_CERT_REVOKED');
  });

  it('matches the distribution point among several, skipping one named only by its CRL issuer', () => {
    const byIssuer = seq(ctx(2, ctx(4, nameDer({ CN: 'Some CRL Issuer' }))));
    const named = (uri: string) => seq(ctx(0, ctx(0, generalName({ uri }))));
    const cdp = (...points: Uint8Array[]) => ({ oid: '2.5.29.31', critical: false, value: seq(...points) });
    const l = makeLeaf(inter, { key: testKey('p256', 192), serial: 0x1908, extra: [cdp(byIssuer, named('http://crl.example/b.crl'))] });
    const idp = (uris: string[]) => makeCrl({ issuer: inter, idp: { value: { uris } } }).der;
    expectOk(verifyChain(p, [l.der, inter.der], opts([idp(['http://crl.example/a.crl', 'http://crl.example/b.crl'])])), 3);
    expectError(verifyChain(p, [l.der, inter.der], opts([idp(['http://crl.example/a.crl'])])), 'ERR_DTLS_CRL_INVALID');
  });

  it('a lenient anchor without keyUsage or subjectKeyIdentifier signs CRLs', () => {
    const bare = makeRoot('Bare Root', testKey('p256', 193), { keyUsage: null, ski: null });
    const l = makeLeaf(bare, { key: testKey('p256', 192), serial: 0x1903 });
    const o = { ca: [bare.der], purpose: 'serverAuth' as const, now: NOW, strictAnchors: false };
    expectOk(verifyChain(p, [l.der], { ...o, crls: [makeCrl({ issuer: bare }).der] }), 2);
    expectError(verifyChain(p, [l.der], { ...o, crls: [makeCrl({ issuer: bare, entries: [{ serial: 0x1903 }] }).der] }), 'ERR_DTLS_CERT_REVOKED');
    const noCrlSign = makeRoot('No CRL Sign Root', testKey('p256', 194), { keyUsage: { value: ['keyCertSign'] } });
    const l2 = makeLeaf(noCrlSign, { key: testKey('p256', 192) });
    const e = expectError(verifyChain(p, [l2.der], { ...o, ca: [noCrlSign.der], crls: [makeCrl({ issuer: noCrlSign }).der] }), 'ERR_DTLS_CRL_INVALID');
    expect(e.message).toMatch(/keyUsage lacks cRLSign/);
  });
});
