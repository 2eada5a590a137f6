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
import { makeCrl, makeIntermediate, makeLeaf, makeRoot, testKey } from './helpers/pki.js';

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
    expect(e.message).toMatch(/^certificate at depth 0 \(.*localhost.*\) was revoked by its issuer on [^,]*$/);
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
