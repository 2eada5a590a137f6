/**
 * The work budget, path building's choices (src/x509/build.ts: which issuer
 * is tried first, what a path may not repeat, which failure is reported and
 * how) and the certificate profile by role (src/x509/profile.ts), at the
 * edges mutation testing found unguarded (docs/mutation.md, "x509").
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { TooComplex, WorkBudget } from '../../src/x509/budget.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { certificateProblem } from '../../src/x509/profile.js';
import { verifyChain, type VerifyChainOptions } from '../../src/x509/verify.js';
import { expectError, expectOk } from './helpers/expect.js';
import { ctx, ctxPrim, seq } from './helpers/der.js';
import { type CertSpec, type TestCert, issuerOf, makeCert, makeIntermediate, makeLeaf, makeRoot, nameDer, testKey } from './helpers/pki.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const PROVIDERS = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][];

describe('WorkBudget', () => {
  it('allows exactly the steps, signatures and comparisons it was given', () => {
    const b = new WorkBudget(2, 1, 5);
    b.step();
    b.step();
    expect(() => b.step()).toThrow(new TooComplex('too many candidate issuers to try'));
    b.signature();
    expect(() => b.signature()).toThrow(new TooComplex('too many signatures to verify'));
    b.compare(5);
    b.compare(0);
    expect(() => b.compare(1)).toThrow(new TooComplex('too many name constraint comparisons (names × constraints)'));
    expect(() => new WorkBudget(0, 0, 0).step()).toThrow(TooComplex);
    expect(() => new WorkBudget(0, 0, 0).signature()).toThrow(TooComplex);
  });
});

describe.each(PROVIDERS)('path building (%s provider)', (_name, p) => {
  const root = makeRoot('Build Root', testKey('p256', 200));
  const inter = makeIntermediate(root, 'Build Intermediate', { key: testKey('p256', 201) });
  const leaf = makeLeaf(inter, { key: testKey('p256', 202) });
  const base: VerifyChainOptions = { ca: [root.der], purpose: 'serverAuth', now: NOW };

  it('tries first the issuer whose subjectKeyIdentifier its authorityKeyIdentifier can name', () => {
    // Two lenient anchors, same name and key; the first has no SKI.
    const k = testKey('p256', 203);
    const noSki = makeRoot('Twin Root', k, { ski: null, serial: 0x2001 });
    const withSki = makeRoot('Twin Root', k, { serial: 0x2002 });
    const l = makeLeaf(withSki, { key: testKey('p256', 202) });
    const r = verifyChain(p, [l.der], { ...base, ca: [noSki.der, withSki.der], strictAnchors: false });
    if (!r.ok) throw r.error;
    expect(r.chain[1]!.subjectKeyIdentifier).toBeDefined();
    // A v1 leaf has no authorityKeyIdentifier: no preference, the anchors' order decides.
    const v1 = makeLeaf(withSki, { key: testKey('p256', 202), version: 1 });
    const r1 = verifyChain(p, [v1.der], { ...base, ca: [noSki.der, withSki.der], strictAnchors: false });
    if (!r1.ok) throw r1.error;
    expect(r1.chain[1]!.subjectKeyIdentifier).toBeUndefined();
  });

  it('spends one step per candidate issuer, signature or not', () => {
    // 300 anchors with the leaf's issuer name whose key identifier is another: no signature is checked.
    const decoy = makeRoot('Build Intermediate', testKey('p256', 204), { ski: { value: Uint8Array.of(1, 2, 3, 4) } });
    const r = verifyChain(p, [leaf.der], { ...base, ca: new Array<Uint8Array>(300).fill(decoy.der) });
    expectError(r, 'ERR_DTLS_CERT_TOO_COMPLEX');
    const e = expectError(verifyChain(p, [leaf.der], { ...base, ca: [decoy.der, decoy.der] }), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expect(e.message).toBe('no issuer found: the authorityKeyIdentifier of the certificate at depth 0 (O=x509 tests, CN=localhost) does not name the key of O=x509 tests, CN=Build Intermediate: keyIdentifier differs from its subjectKeyIdentifier');
  });

  it('never puts the same name and key twice on a path (a re-issued certificate)', () => {
    // Two self-signed certificates of the same name and key, neither trusted: the path stops at the first.
    const k = testKey('p256', 205);
    const a = makeRoot('Loop Root', k, { serial: 0x2101 });
    const a2 = makeRoot('Loop Root', k, { serial: 0x2102 });
    const l = makeLeaf(a, { key: testKey('p256', 202) });
    const e = expectError(verifyChain(p, [l.der, a.der, a2.der], { ...base, maxDepth: 3 }), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toBe('self-signed certificate in chain (O=x509 tests, CN=Loop Root) is not trusted');
  });

  it('a self-issued certificate that its own key does not verify is a bad signature, not a self-signed one', () => {
    // Named like the trusted root, signed by another key.
    const forged = makeCert({
      subject: { O: 'x509 tests', CN: 'Build Root' }, issuer: { subject: nameDer({ O: 'x509 tests', CN: 'Build Root' }), key: testKey('p256', 206) },
      key: testKey('p256', 207), basicConstraints: { ca: false }, san: { value: ['localhost'] }, ski: null,
    });
    const e = expectError(verifyChain(p, [forged.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE');
    expect(e.message).toBe('signature of certificate at depth 0 (O=x509 tests, CN=Build Root) does not verify with the key of O=x509 tests, CN=Build Root');
    const e2 = expectError(verifyChain(p, [makeLeaf(inter, { key: testKey('p256', 202), corruptSignature: true }).der, inter.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE');
    expect(e2.message).toBe('signature of certificate at depth 0 (O=x509 tests, CN=localhost) does not verify with the key of O=x509 tests, CN=Build Intermediate');
    const e3 = expectError(verifyChain(p, [leaf.der, makeIntermediate(root, 'Build Intermediate', { key: testKey('p256', 201), corruptSignature: true }).der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE');
    expect(e3.message).toMatch(/^signature of certificate at depth 1 \(/);
  });

  it('names the untrusted top of what it could build', () => {
    let e = expectError(verifyChain(p, [leaf.der, inter.der], { ...base, ca: [] }), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toBe('unable to get issuer certificate "O=x509 tests, CN=Build Root": unknown CA or missing intermediate');
    e = expectError(verifyChain(p, [leaf.der], base), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toBe('unable to get issuer certificate "O=x509 tests, CN=Build Intermediate": unknown CA or missing intermediate');
    const self = makeRoot('Lone Root', testKey('p256', 208), { basicConstraints: { ca: false }, keyUsage: { value: ['digitalSignature'] }, san: { value: ['localhost'] } });
    e = expectError(verifyChain(p, [self.der], base), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toBe('self-signed certificate (O=x509 tests, CN=Lone Root) is not trusted');
    e = expectError(verifyChain(p, [leaf.der, inter.der, root.der], { ...base, ca: [] }), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toBe('self-signed certificate in chain (O=x509 tests, CN=Build Root) is not trusted');
  });

  it('reports a weak signature with the depth of the certificate', () => {
    const l = makeLeaf(inter, { key: testKey('p256', 202), sigAlg: 'ecdsa-sha1' });
    const e = expectError(verifyChain(p, [l.der, inter.der], base), 'ERR_DTLS_CERT_WEAK_SIGNATURE');
    expect(e.message).toMatch(/^certificate at depth 0 \(O=x509 tests, CN=localhost\) is signed with ecdsa-with-SHA1/);
  });
});

describe('certificateProblem (the profile by role)', () => {
  const root = makeRoot('Profile Root', testKey('p256', 210));
  const strict = { strict: true };
  const lenient = { strict: false };
  const parsed = (extra: Partial<CertSpec>, issuer: TestCert = root) => parseCertificate(makeCert({
    subject: { O: 'x509 tests', CN: 'Profile Cert' }, issuer: issuerOf(issuer), key: testKey('p256', 211), basicConstraints: { ca: true },
    keyUsage: { value: ['keyCertSign', 'cRLSign'] }, ski: { value: 'auto' }, aki: { value: 'auto' }, ...extra,
  }).der);
  const problem = (extra: Partial<CertSpec>, role: 'leaf' | 'intermediate' | 'anchor' = 'intermediate', isAnchor = false, anchors = strict) =>
    certificateProblem(parsed(extra), role, 1, isAnchor, anchors);
  const at = 'at depth 1 (O=x509 tests, CN=Profile Cert)';

  it('a conforming CA passes in every role', () => {
    expect(problem({})).toBeUndefined();
    expect(problem({}, 'anchor', true)).toBeUndefined();
    expect(problem({}, 'leaf')).toBeUndefined();
  });

  it('names the CA rule an issuer breaks', () => {
    expect(problem({ version: 1 })?.message).toBe(`issuer ${at} is a version 1 certificate, which cannot be a CA`);
    expect(problem({ basicConstraints: { ca: false } })?.message).toBe(`issuer ${at} is not a CA (basicConstraints CA:TRUE missing)`);
    expect(problem({ keyUsage: { value: ['cRLSign'] } })?.message).toBe(`issuer ${at} has keyUsage without keyCertSign`);
    expect(problem({ basicConstraints: { ca: true, critical: false } })?.message).toBe(`issuer ${at}: basicConstraints is not critical (RFC 5280 §4.2.1.9)`);
    expect(problem({ keyUsage: null })?.message).toBe(`issuer ${at} has no keyUsage extension (RFC 5280 §4.2.1.3)`);
    expect(problem({ ski: null })?.message).toBe(`CA certificate ${at} has no subjectKeyIdentifier (RFC 5280 §4.2.1.2)`);
    expect(problem({ aki: null })?.message).toBe(`certificate ${at} has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1)`);
    // A CA with an empty subject (and a critical SAN, so that its encoding is otherwise fine).
    const empty = certificateProblem(parsed({ subject: [], san: { value: ['ca.example'], critical: true } }), 'intermediate', 1, false, strict);
    expect(empty?.code).toBe('ERR_DTLS_CERT_PROFILE');
    expect(empty?.message).toBe('issuer at depth 1 ((empty name)) has an empty subject (RFC 5280 §4.1.2.6)');
    // A lenient anchor needs only CA:TRUE and keyCertSign.
    expect(problem({ basicConstraints: { ca: true, critical: false }, keyUsage: null, ski: null }, 'anchor', true, lenient)).toBeUndefined();
    expect(problem({ keyUsage: { value: ['cRLSign'] } }, 'anchor', true, lenient)?.code).toBe('ERR_DTLS_CERT_NOT_CA');
  });

  it('names the rules any certificate breaks', () => {
    expect(problem({ basicConstraints: null, keyUsage: { value: ['digitalSignature', 'keyCertSign'] } }, 'leaf')?.message)
      .toBe(`certificate ${at} asserts keyCertSign without basicConstraints CA:TRUE (RFC 5280 §4.2.1.3)`);
    expect(problem({ basicConstraints: { ca: true, pathLen: 0 }, keyUsage: { value: ['digitalSignature'] } }, 'leaf')?.message)
      .toBe(`certificate ${at} has a pathLenConstraint without CA:TRUE and keyCertSign (RFC 5280 §4.2.1.9)`);
    expect(problem({ basicConstraints: { ca: true, pathLen: 0 }, keyUsage: null }, 'leaf')).toBeUndefined();
    expect(problem({ basicConstraints: null, keyUsage: { value: ['digitalSignature'] }, nameConstraints: { value: { permitted: ['example.com'] } } }, 'leaf')?.message)
      .toBe(`certificate ${at} is not a CA but has nameConstraints (RFC 5280 §4.2.1.10)`);
    expect(problem({ extra: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: true, value: Uint8Array.of(5, 0) }, { oid: '1.3.6.1.4.1.55738.666.2', critical: true, value: Uint8Array.of(5, 0) }] }, 'leaf')?.message)
      .toBe(`certificate ${at} has unsupported critical extension 1.3.6.1.4.1.55738.666.1, 1.3.6.1.4.1.55738.666.2`);
    expect(problem({ serial: -5 }, 'leaf')?.message).toBe(`certificate ${at}: negative serial number (RFC 5280 §4.1.2.2)`);
    expect(problem({ key: testKey('p192', 1) }, 'leaf')?.message).toMatch(new RegExp(`^certificate ${at.replace(/[()]/g, '\\$&')} has a refused key: EC key on curve`));
  });

  it('holds a trust anchor to its own signature algorithms and authorityKeyIdentifier', () => {
    const mismatched = parseCertificate(makeRoot('Profile Cert', testKey('p256', 212), { innerSigAlg: 'ecdsa-sha384', subject: { O: 'x509 tests', CN: 'Profile Cert' } }).der);
    expect(certificateProblem(mismatched, 'anchor', 1, true, strict)?.message).toBe(`certificate ${at}: the two signature algorithm fields differ (RFC 5280 §4.1.1.2)`);
    expect(certificateProblem(mismatched, 'anchor', 1, true, lenient)).toBeUndefined();
    const otherAki = parseCertificate(makeRoot('Profile Cert', testKey('p256', 212), { subject: { O: 'x509 tests', CN: 'Profile Cert' }, aki: { value: { keyId: Uint8Array.of(9, 9) } } }).der);
    expect(certificateProblem(otherAki, 'anchor', 1, true, strict)?.message)
      .toBe(`self-issued certificate ${at} does not name itself in its authorityKeyIdentifier: keyIdentifier differs from its subjectKeyIdentifier`);
  });

  it('holds the leaf to the rfc822Name syntax', () => {
    for (const email of ['@example.com', 'no-at-sign', 'a@bad_domain', 'a@']) {
      const e = problem({ basicConstraints: { ca: false }, keyUsage: { value: ['digitalSignature'] }, san: { value: ['localhost', { email }] } }, 'leaf');
      expect(e?.message, email).toBe(`certificate ${at} has an invalid rfc822Name "${email}" (RFC 5280 §4.2.1.6)`);
    }
    expect(problem({ basicConstraints: { ca: false }, keyUsage: { value: ['digitalSignature'] }, san: { value: [{ email: 'a@example.com' }] } }, 'leaf')).toBeUndefined();
    expect(problem({ basicConstraints: { ca: false }, keyUsage: { value: ['digitalSignature'] }, san: { value: [{ ip: Uint8Array.of(1, 2, 3) }] } }, 'leaf')?.message)
      .toBe(`certificate ${at} has an iPAddress of 3 bytes (RFC 5280 §4.2.1.6)`);
    expect(problem({ basicConstraints: { ca: false }, keyUsage: { value: ['digitalSignature'] }, san: { value: ['a..b'] } }, 'leaf')?.message)
      .toBe(`certificate ${at} has an invalid dNSName "a..b" (RFC 5280 §4.2.1.6, RFC 6125 §6.4.3)`);
  });
});

describe.each(PROVIDERS)('authorityKeyIdentifier issuer and serial (%s provider)', (_name, p) => {
  const root = makeRoot('AKI Root', testKey('p256', 220));
  const inter = makeIntermediate(root, 'AKI Intermediate', { key: testKey('p256', 221), serial: 0x2201 });
  const base: VerifyChainOptions = { ca: [root.der], purpose: 'serverAuth', now: NOW };
  const leafWith = (aki: { issuer?: Record<string, string>; serial?: number }) =>
    makeLeaf(inter, { key: testKey('p256', 222), aki: { value: { keyId: testKey('p256', 221).keyId, ...aki } } }).der;

  it("must name the issuer's issuer and the issuer's serial", () => {
    expectOk(verifyChain(p, [leafWith({ issuer: { O: 'x509 tests', CN: 'AKI Root' }, serial: 0x2201 }), inter.der], base), 3);
    let e = expectError(verifyChain(p, [leafWith({ issuer: { O: 'x509 tests', CN: 'AKI Root' }, serial: 0x2202 }), inter.der], base), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toMatch(/: authorityCertSerialNumber differs from its serial number$/);
    e = expectError(verifyChain(p, [leafWith({ issuer: { O: 'x509 tests', CN: 'AKI Intermediate' }, serial: 0x2201 }), inter.der], base), 'ERR_DTLS_CERT_UNTRUSTED');
    expect(e.message).toMatch(/: authorityCertIssuer is not its issuer's name$/);
    // authorityCertIssuer may hold several names: one of them must be the issuer's issuer.
    const akiRaw = (...names: Record<string, string>[]) => ({
      oid: '2.5.29.35', critical: false,
      value: seq(ctxPrim(0, testKey('p256', 221).keyId), ctx(1, ...names.map((n) => ctx(4, nameDer(n)))), ctxPrim(2, Uint8Array.of(0x22, 0x01))),
    });
    const two = makeLeaf(inter, { key: testKey('p256', 222), aki: null, extra: [akiRaw({ CN: 'Elsewhere' }, { O: 'x509 tests', CN: 'AKI Root' })] });
    expectOk(verifyChain(p, [two.der, inter.der], base), 3);
  });
});
