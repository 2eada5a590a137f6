/**
 * Rules of docs/x509.md that the OpenSSL table does not cover: policy
 * processing, Node's bundled roots as lenient anchors, the work bounds of
 * path building, the decoded-anchor cache, and that peer data never makes
 * verifyChain throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { verifyChain, type VerifyChainOptions } from '../../src/x509/verify.js';
import { int, oid, seq, ctxPrim } from './helpers/der.js';
import { expectError, expectOk } from './helpers/expect.js';
import { type CertSpec, type TestCert, makeCert, makeIntermediate, makeLeaf, makeRoot, nameDer, testKey } from './helpers/pki.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const PROVIDERS = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][];
const P1 = '1.3.6.1.4.1.55738.1.1';
const P2 = '1.3.6.1.4.1.55738.1.2';
const ANY = '2.5.29.32.0';

/** policyConstraints with requireExplicitPolicy / inhibitPolicyMapping. */
const pc = (require?: number, inhibit?: number) => ({
  oid: '2.5.29.36', critical: true,
  value: seq(...(require !== undefined ? [ctxPrim(0, Uint8Array.of(require))] : []), ...(inhibit !== undefined ? [ctxPrim(1, Uint8Array.of(inhibit))] : [])),
});
const mappings = (pairs: [string, string][]) => ({ oid: '2.5.29.33', critical: true, value: seq(...pairs.map(([a, b]) => seq(oid(a), oid(b)))) });
const inhibitAny = (n: number) => ({ oid: '2.5.29.54', critical: true, value: int(n) });

describe.each(PROVIDERS)('certificate policies (RFC 5280 §6.1, %s provider)', (_name, p) => {
  const root = makeRoot('Policy Root', testKey('p256', 120));
  const opts: VerifyChainOptions = { ca: [root.der], purpose: 'serverAuth', now: NOW };
  const ica = (extra: Partial<CertSpec>): TestCert => makeIntermediate(root, 'Policy CA', { key: testKey('p256', 121), ...extra });
  const leafOf = (ca: TestCert, policies?: string[]): TestCert => makeLeaf(ca, { key: testKey('p256', 122), ...(policies && { policies: { value: policies } }) });

  it('ignores policies when no certificate requires an explicit one', () => {
    const ca = ica({ policies: { value: [P1] } });
    expectOk(verifyChain(p, [leafOf(ca, [P2]).der, ca.der], opts));
    expectOk(verifyChain(p, [leafOf(ca).der, ca.der], opts));
  });

  it('requireExplicitPolicy: the path needs a policy valid down to the end entity', () => {
    const ca = ica({ policies: { value: [P1] }, extra: [pc(0)] });
    expectOk(verifyChain(p, [leafOf(ca, [P1]).der, ca.der], opts));
    expectError(verifyChain(p, [leafOf(ca, [P2]).der, ca.der], opts), 'ERR_DTLS_CERT_POLICY', 'bad_certificate');
    expectError(verifyChain(p, [leafOf(ca).der, ca.der], opts), 'ERR_DTLS_CERT_POLICY');
    // anyPolicy in the CA lets any end-entity policy through.
    const anyCa = ica({ policies: { value: [ANY] }, extra: [pc(0)] });
    expectOk(verifyChain(p, [leafOf(anyCa, [P2]).der, anyCa.der], opts));
  });

  it('requireExplicitPolicy counts the certificates below (skipCerts)', () => {
    // Explicit policy from the certificate after the next one: the end entity (depth 2 below) must have one.
    const ca = ica({ policies: { value: [P1] }, extra: [pc(1)] });
    const sub = makeIntermediate(ca, 'Sub CA', { key: testKey('p256', 123), policies: { value: [P1] } });
    expectOk(verifyChain(p, [leafOf(sub, [P1]).der, sub.der, ca.der], opts));
    expectError(verifyChain(p, [leafOf(sub).der, sub.der, ca.der], opts), 'ERR_DTLS_CERT_POLICY');
    // skipCerts 5 is never reached in a 3-certificate path.
    const lax = ica({ policies: { value: [P1] }, extra: [pc(5)] });
    expectOk(verifyChain(p, [leafOf(lax).der, lax.der], opts));
  });

  it('follows policy mappings, unless inhibited; refuses a mapping to or from anyPolicy', () => {
    const mapping = ica({ policies: { value: [P1] }, extra: [pc(0), mappings([[P1, P2]])] });
    expectOk(verifyChain(p, [leafOf(mapping, [P2]).der, mapping.der], opts));
    expectError(verifyChain(p, [leafOf(mapping, [P1]).der, mapping.der], opts), 'ERR_DTLS_CERT_POLICY');
    // inhibitPolicyMapping applies from the next certificate on: a CA above the mapping one inhibits it.
    const inhibiting = ica({ policies: { value: [P1] }, extra: [pc(0, 0)] });
    const mapper = makeIntermediate(inhibiting, 'Mapping CA', { key: testKey('p256', 124), policies: { value: [P1] }, extra: [mappings([[P1, P2]])] });
    expectError(verifyChain(p, [leafOf(mapper, [P2]).der, mapper.der, inhibiting.der], opts), 'ERR_DTLS_CERT_POLICY');
    const allowing = ica({ policies: { value: [P1] }, extra: [pc(0)] });
    const mapper2 = makeIntermediate(allowing, 'Mapping CA', { key: testKey('p256', 124), policies: { value: [P1] }, extra: [mappings([[P1, P2]])] });
    expectOk(verifyChain(p, [leafOf(mapper2, [P2]).der, mapper2.der, allowing.der], opts));
    const toAny = ica({ policies: { value: [P1] }, extra: [mappings([[P1, ANY]])] });
    expect(expectError(verifyChain(p, [leafOf(toAny, [P1]).der, toAny.der], opts), 'ERR_DTLS_CERT_POLICY').message).toMatch(/anyPolicy/);
  });

  it('inhibitAnyPolicy stops anyPolicy from matching below', () => {
    const ca = ica({ policies: { value: [ANY] }, extra: [pc(0), inhibitAny(0)] });
    expectError(verifyChain(p, [leafOf(ca, [ANY]).der, ca.der], opts), 'ERR_DTLS_CERT_POLICY');
    expectOk(verifyChain(p, [leafOf(ca, [P1]).der, ca.der], opts));
  });

  it('refuses a non-critical policyConstraints (RFC 5280 §4.2.1.11)', () => {
    const ca = ica({ policies: { value: [P1] }, extra: [{ ...pc(0), critical: false }] });
    expectError(verifyChain(p, [leafOf(ca, [P1]).der, ca.der], opts), 'ERR_DTLS_CERT_PROFILE');
  });
});

describe.each(PROVIDERS)('trust anchors (%s provider)', (_name, p) => {
  // A root like the two of Node's bundled store that miss the CA profile: non-critical basicConstraints, no SKI, no keyUsage.
  const lax = makeRoot('Lax Root', testKey('p256', 124), { basicConstraints: { ca: true, critical: false }, ski: null, keyUsage: null });
  const leaf = makeLeaf(lax, { key: testKey('p256', 125), aki: null, extra: [{ oid: '2.5.29.35', critical: false, value: seq(ctxPrim(0, testKey('p256', 124).keyId)) }] });
  const base: VerifyChainOptions = { ca: [lax.der], purpose: 'serverAuth', now: NOW };

  it('holds anchors from `ca` to the CA profile, and Node\'s bundled roots (strictAnchors: false) only to CA:TRUE and their key', () => {
    expectError(verifyChain(p, [leaf.der], base), 'ERR_DTLS_CERT_PROFILE');
    expectOk(verifyChain(p, [leaf.der], { ...base, strictAnchors: false }), 2);
    const notCa = makeRoot('Not CA Root', testKey('p256', 126), { basicConstraints: { ca: false } });
    expectError(verifyChain(p, [makeLeaf(notCa, { key: testKey('p256', 125) }).der], { ...base, ca: [notCa.der], strictAnchors: false }), 'ERR_DTLS_CERT_NOT_CA');
    const weak = makeRoot('Weak Root', testKey('rsa1024', 2));
    expectError(verifyChain(p, [makeLeaf(weak, { key: testKey('p256', 125) }).der], { ...base, ca: [weak.der], strictAnchors: false }), 'ERR_DTLS_CERT_WEAK_KEY');
  });

  it('decodes an anchor buffer once and reuses it', () => {
    const ca = [lax.der];
    for (let i = 0; i < 3; i++) expectOk(verifyChain(p, [leaf.der], { ...base, ca, strictAnchors: false }));
  });
});

describe.each(PROVIDERS)('work bounds (%s provider)', (_name, p) => {
  it('gives up cleanly with ERR_DTLS_CERT_TOO_COMPLEX on a mesh of CAs signing each other', () => {
    // Six keys under one CA name, each certified by every other: paths without repeating a key are 6! long chains
    // that never reach the anchor. The signature and step bounds stop the search.
    const root = makeRoot('Bound Root', testKey('p256', 127));
    const keys = Array.from({ length: 6 }, (_, i) => testKey('p256', 130 + i));
    const name = nameDer({ O: 'x509 tests', CN: 'Mesh CA' });
    const mesh: TestCert[] = [];
    keys.forEach((k, i) => keys.forEach((s, j) => {
      if (i !== j) mesh.push(makeCert({ subject: name, issuer: { subject: name, key: s }, key: k, basicConstraints: { ca: true }, keyUsage: { value: ['keyCertSign'] }, ski: { value: 'auto' }, aki: null }));
    }));
    const leaf = makeLeaf(mesh[0]!, { key: testKey('p256', 128), aki: null });
    const e = expectError(verifyChain(p, [leaf.der, ...mesh.map((m) => m.der)], { ca: [root.der], purpose: 'serverAuth', now: NOW }), 'ERR_DTLS_CERT_TOO_COMPLEX', 'bad_certificate');
    expect(e.message).toMatch(/gave up: too many/);
  });
});

describe('peer data never makes verifyChain throw', () => {
  const root = makeRoot('Fuzz Root', testKey('p256', 140));
  const inter = makeIntermediate(root, 'Fuzz CA', { key: testKey('p256', 141), nameConstraints: { value: { permitted: ['localhost', '127.0.0.0/8'] } } });
  const leaf = makeLeaf(inter, { key: testKey('p256', 142) });
  it('returns a result for mutated chains', () => {
    const seeds = [leaf.der, inter.der];
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (which, at, v, drop) => {
        const chain = seeds.map((d, i) => (i === which ? Uint8Array.from(d, (x, j) => (j === at % d.length ? v : x)) : d));
        const r = verifyChain(nodeProvider, drop ? chain.slice(0, 1) : chain, { ca: [root.der], purpose: 'serverAuth', host: 'localhost', now: NOW });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
