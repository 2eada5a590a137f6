import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { defaultProvider, nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { CertificateError } from '../../src/errors.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { certificatesFromPem } from '../../src/x509/pem.js';
import {
  CertificateErrorCode,
  checkHostname,
  matchDnsName,
  signatureSchemeFor,
  verifyCertificateSignature,
  verifyChain,
  type VerifyChainOptions,
  type VerifyChainResult,
} from '../../src/x509/verify.js';
import { SignatureScheme } from '../../src/crypto/provider.js';
import { dn, makeCert, makeIntermediate, makeLeaf, makeRoot, testKey } from './helpers/pki.js';

const PKI = 'test/fixtures/pki/';
const pem = (f: string): Uint8Array[] => certificatesFromPem(readFileSync(PKI + f));
const bundle = pem('ca-bundle.pem');

function expectError(r: VerifyChainResult, code: string, alert: string): CertificateError {
  if (r.ok) throw new Error(`expected ${code}, chain verified`);
  expect(r.error).toBeInstanceOf(CertificateError);
  expect(r.error.code).toBe(code);
  expect(r.error.alert).toBe(alert);
  return r.error;
}

function expectOk(r: VerifyChainResult, length?: number): void {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  if (length !== undefined) expect(r.chain).toHaveLength(length);
}

const DAY = 86_400_000;

describe.each([
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][])('verifyChain with the fixture PKI (%s provider)', (_name, provider) => {
  const opts = (extra: Partial<VerifyChainOptions> = {}): VerifyChainOptions => ({ ca: bundle, purpose: 'serverAuth', ...extra });

  it.each(['server-ecdsa-p256', 'server-ecdsa-p384', 'server-ed25519', 'server-rsa2048'])('accepts %s for localhost, 127.0.0.1 and ::1', (name) => {
    const chain = pem(`${name}.chain.pem`);
    for (const host of ['localhost', 'LOCALHOST.', '127.0.0.1', '::1', '[::1]', '0:0:0:0:0:0:0:1']) {
      expectOk(verifyChain(provider, chain, opts({ host })), 2);
    }
    // Leaf only (the root comes from the trust store).
    expectOk(verifyChain(provider, pem(`${name}.crt.pem`), opts()), 2);
  });

  it.each(['client-ecdsa', 'client-rsa'])('accepts %s as a client certificate', (name) => {
    const r = verifyChain(provider, pem(`${name}.chain.pem`), opts({ purpose: 'clientAuth' }));
    expectOk(r, 2);
    if (r.ok) expect(r.chain[0]!.subject['CN']).toBe(name);
  });

  it('rejects an expired client certificate with certificate_expired', () => {
    const e = expectError(
      verifyChain(provider, pem('client-expired.chain.pem'), opts({ purpose: 'clientAuth' })),
      'ERR_DTLS_CERT_EXPIRED',
      'certificate_expired',
    );
    expect(e.message).toMatch(/expired/);
    // Inside the leaf's window (2020) the root (valid from 2025) is not yet valid: every certificate is checked.
    expectError(
      verifyChain(provider, pem('client-expired.chain.pem'), opts({ purpose: 'clientAuth', now: new Date('2020-06-01T00:00:00Z') })),
      'ERR_DTLS_CERT_NOT_YET_VALID',
      'bad_certificate',
    );
  });

  it('rejects a certificate issued by an untrusted CA (wrong issuer) with unknown_ca', () => {
    expectError(verifyChain(provider, pem('client-wrong-ca.chain.pem'), opts({ purpose: 'clientAuth' })), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expectError(verifyChain(provider, pem('client-wrong-ca.crt.pem'), opts({ purpose: 'clientAuth' })), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });

  it('rejects a self-signed leaf that is not a trust anchor with unknown_ca, accepts it when pinned', () => {
    const chain = pem('client-selfsigned.crt.pem');
    const e = expectError(verifyChain(provider, chain, opts({ purpose: 'clientAuth' })), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expect(e.message).toMatch(/self-signed/);
    expectOk(verifyChain(provider, chain, opts({ purpose: 'clientAuth', ca: chain })), 1);
  });

  it('rejects a server certificate used as a client certificate (wrong EKU)', () => {
    expectError(
      verifyChain(provider, pem('server-ecdsa-p256.chain.pem'), opts({ purpose: 'clientAuth' })),
      'ERR_DTLS_CERT_BAD_EKU',
      'unsupported_certificate',
    );
  });

  it('rejects a host name the certificate does not carry (name mismatch)', () => {
    for (const host of ['example.com', '127.0.0.2', '::2', 'localhost.localdomain']) {
      expectError(verifyChain(provider, pem('server-ecdsa-p256.chain.pem'), opts({ host })), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    }
  });

  it('rejects a chain when the trust store holds only the other root', () => {
    const ecdsaRoot = pem('ca-ecdsa.crt.pem');
    expectError(verifyChain(provider, pem('server-rsa2048.chain.pem'), opts({ ca: ecdsaRoot })), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });
});

describe('verifyChain with generated chains', () => {
  const p = defaultProvider();
  const root = makeRoot(p);
  const inter = makeIntermediate(p, root);
  const leaf = makeLeaf(p, inter);
  const base: VerifyChainOptions = { ca: [root.der], purpose: 'serverAuth' };

  it('accepts root → intermediate → leaf, in any order, with extra unrelated certificates and the root included', () => {
    const unrelated = makeRoot(p, 'Unrelated Root', testKey('p256', 9));
    expectOk(verifyChain(p, [leaf.der, inter.der], base), 3);
    expectOk(verifyChain(p, [leaf.der, inter.der, root.der], base), 3);
    expectOk(verifyChain(p, [leaf.der, unrelated.der, root.der, inter.der], base), 3);
    // The chain returned is leaf first, anchor last.
    const r = verifyChain(p, [leaf.der, inter.der], { ...base, host: 'localhost' });
    if (!r.ok) throw r.error;
    expect(r.chain.map((c) => c.subject['CN'])).toEqual(['localhost', 'Test Intermediate', 'Test Root']);
  });

  it('accepts an intermediate as the trust anchor', () => {
    expectOk(verifyChain(p, [leaf.der], { ...base, ca: [inter.der] }), 2);
  });

  it('accepts parsed certificates as well as DER', () => {
    expectOk(verifyChain(p, [parseCertificate(leaf.der), inter.der], { ...base, ca: [parseCertificate(root.der)] }), 3);
  });

  it('rejects an expired leaf', () => {
    const expired = makeLeaf(p, inter, { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    expectError(verifyChain(p, [expired.der, inter.der], base), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
  });

  it('rejects an expired intermediate', () => {
    const oldInter = makeIntermediate(p, root, 'Old Intermediate', { notAfter: new Date(Date.now() - DAY) });
    const l = makeLeaf(p, oldInter);
    expectError(verifyChain(p, [l.der, oldInter.der], base), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
  });

  it('rejects a not-yet-valid leaf with bad_certificate', () => {
    const future = makeLeaf(p, inter, { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) });
    const e = expectError(verifyChain(p, [future.der, inter.der], base), 'ERR_DTLS_CERT_NOT_YET_VALID', 'bad_certificate');
    expect(e.message).toMatch(/not yet valid/);
    // `now` moves the check.
    expectOk(verifyChain(p, [future.der, inter.der], { ...base, now: new Date(Date.now() + 2 * DAY) }));
  });

  it('rejects an expired trust anchor', () => {
    const oldRoot = makeRoot(p, 'Old Root', testKey('p256', 4), { notAfter: new Date(Date.now() - DAY) });
    const l = makeLeaf(p, oldRoot);
    expectError(verifyChain(p, [l.der], { ...base, ca: [oldRoot.der] }), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
  });

  it('rejects a chain with a missing intermediate with unknown_ca', () => {
    const e = expectError(verifyChain(p, [leaf.der], base), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expect(e.message).toMatch(/Test Intermediate/);
  });

  it('rejects a chain signed by an untrusted issuer (wrong issuer) with unknown_ca', () => {
    const otherRoot = makeRoot(p, 'Other Root', testKey('p256', 5));
    expectError(verifyChain(p, [leaf.der, inter.der, root.der], { ...base, ca: [otherRoot.der] }), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expectError(verifyChain(p, [leaf.der, inter.der], { ...base, ca: [] }), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });

  it('rejects an intermediate without CA:TRUE', () => {
    const notCa = makeIntermediate(p, root, 'Not A CA', { ca: false });
    const l = makeLeaf(p, notCa);
    expectError(verifyChain(p, [l.der, notCa.der], base), 'ERR_DTLS_CERT_NOT_CA', 'bad_certificate');
    // No basicConstraints at all is not a CA either.
    const noBc = makeIntermediate(p, root, 'No BC', { ca: undefined });
    const l2 = makeLeaf(p, noBc);
    expectError(verifyChain(p, [l2.der, noBc.der], base), 'ERR_DTLS_CERT_NOT_CA', 'bad_certificate');
  });

  it('rejects an intermediate whose keyUsage lacks keyCertSign', () => {
    const noSign = makeIntermediate(p, root, 'No CertSign', { keyUsage: ['digitalSignature', 'cRLSign'] });
    const l = makeLeaf(p, noSign);
    const e = expectError(verifyChain(p, [l.der, noSign.der], base), 'ERR_DTLS_CERT_NOT_CA', 'bad_certificate');
    expect(e.message).toMatch(/keyCertSign/);
  });

  it('rejects a leaf whose issuer is itself an end-entity certificate', () => {
    const l = makeLeaf(p, leaf, { subject: { CN: 'grandchild' } });
    expectError(verifyChain(p, [l.der, leaf.der, inter.der], base), 'ERR_DTLS_CERT_NOT_CA', 'bad_certificate');
  });

  it('honours pathLenConstraint', () => {
    const root0 = makeRoot(p, 'PathLen0 Root', testKey('p256', 6), { pathLen: 0 });
    const i0 = makeIntermediate(p, root0, 'Under PathLen0');
    const l0 = makeLeaf(p, i0);
    expectError(verifyChain(p, [l0.der, i0.der], { ...base, ca: [root0.der] }), 'ERR_DTLS_CERT_PATH_LENGTH', 'bad_certificate');
    // pathLen 0 still allows issuing leaves directly.
    expectOk(verifyChain(p, [makeLeaf(p, root0).der], { ...base, ca: [root0.der] }), 2);
    const root1 = makeRoot(p, 'PathLen1 Root', testKey('p256', 7), { pathLen: 1 });
    const i1 = makeIntermediate(p, root1, 'Under PathLen1');
    expectOk(verifyChain(p, [makeLeaf(p, i1).der, i1.der], { ...base, ca: [root1.der] }), 3);
  });

  it('rejects a leaf with the wrong EKU (clientAuth only, verified as a server)', () => {
    const clientOnly = makeLeaf(p, inter, { eku: ['1.3.6.1.5.5.7.3.2'] });
    expectError(verifyChain(p, [clientOnly.der, inter.der], base), 'ERR_DTLS_CERT_BAD_EKU', 'unsupported_certificate');
    expectOk(verifyChain(p, [clientOnly.der, inter.der], { ...base, purpose: 'clientAuth' }));
    const codeSigning = makeLeaf(p, inter, { eku: ['1.3.6.1.5.5.7.3.3'] });
    expectError(verifyChain(p, [codeSigning.der, inter.der], { ...base, purpose: 'clientAuth' }), 'ERR_DTLS_CERT_BAD_EKU', 'unsupported_certificate');
  });

  it('accepts anyExtendedKeyUsage and a leaf without EKU', () => {
    expectOk(verifyChain(p, [makeLeaf(p, inter, { eku: ['2.5.29.37.0'] }).der, inter.der], base));
    expectOk(verifyChain(p, [makeLeaf(p, inter, { eku: undefined }).der, inter.der], base));
  });

  it('rejects an intermediate whose EKU excludes the purpose', () => {
    const clientCa = makeIntermediate(p, root, 'Client-only CA', { eku: ['1.3.6.1.5.5.7.3.2'] });
    const l = makeLeaf(p, clientCa);
    expectError(verifyChain(p, [l.der, clientCa.der], base), 'ERR_DTLS_CERT_BAD_EKU', 'unsupported_certificate');
    expectOk(verifyChain(p, [l.der, clientCa.der], { ...base, purpose: 'clientAuth' }));
  });

  it('rejects a leaf whose keyUsage lacks digitalSignature', () => {
    const kex = makeLeaf(p, inter, { keyUsage: ['keyEncipherment'] });
    expectError(verifyChain(p, [kex.der, inter.der], base), 'ERR_DTLS_CERT_BAD_KEY_USAGE', 'unsupported_certificate');
  });

  it('rejects a name mismatch', () => {
    const e = expectError(verifyChain(p, [leaf.der, inter.der], { ...base, host: 'www.example.com' }), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    expect(e.message).toMatch(/www\.example\.com/);
  });

  it('matches IP SANs, v4 and v6 (normalized), only against iPAddress names', () => {
    const l = makeLeaf(p, inter, { san: ['10.1.2.3', '2001:db8::a:1', 'host.example'] });
    const chain = [l.der, inter.der];
    for (const host of ['10.1.2.3', '2001:db8::a:1', '2001:DB8:0:0:0:0:A:1', '2001:0db8:0000::000a:0001', '[2001:db8::a:1]', 'host.example']) {
      expectOk(verifyChain(p, chain, { ...base, host }));
    }
    for (const host of ['10.1.2.4', '2001:db8::a:2', '::ffff:10.1.2.3', '010.1.2.3']) {
      expectError(verifyChain(p, chain, { ...base, host }), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    }
    // An IP literal is never matched against a dNSName or the CN.
    const dnsIp = makeLeaf(p, inter, { subject: { CN: '10.9.9.9' }, san: ['10.9.9.9.example', 'localhost'] });
    expectError(verifyChain(p, [dnsIp.der, inter.der], { ...base, host: '10.9.9.9' }), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    const cnIp = makeLeaf(p, inter, { subject: { CN: '10.9.9.9' }, san: undefined });
    expectError(verifyChain(p, [cnIp.der, inter.der], { ...base, host: '10.9.9.9' }), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
  });

  it('uses the CN only when there is no subjectAltName', () => {
    const cnOnly = makeLeaf(p, inter, { subject: { CN: 'cn.example' }, san: undefined });
    expectOk(verifyChain(p, [cnOnly.der, inter.der], { ...base, host: 'cn.example' }));
    const withSan = makeLeaf(p, inter, { subject: { CN: 'cn.example' }, san: ['san.example'] });
    expectError(verifyChain(p, [withSan.der, inter.der], { ...base, host: 'cn.example' }), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    expectOk(verifyChain(p, [withSan.der, inter.der], { ...base, host: 'san.example' }));
  });

  it('rejects a bad signature with bad_certificate', () => {
    const forged = makeLeaf(p, inter, { corruptSignature: true });
    expectError(verifyChain(p, [forged.der, inter.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
    // Same issuer name, different key.
    const impostor = makeIntermediate(p, root, 'Test Intermediate', { key: testKey('p256', 8) });
    const l = makeLeaf(p, impostor);
    expectError(verifyChain(p, [l.der, inter.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
    // ...while the right intermediate among the wrong ones still works.
    expectOk(verifyChain(p, [l.der, inter.der, impostor.der], base), 3);
  });

  it('reports a self-signed leaf named like a trusted root as untrusted, not as a bad signature', () => {
    const fake = makeCert(p, { subject: { O: 'x509 tests', CN: 'Test Root' }, key: testKey('p256', 13), ca: false, san: ['localhost'] });
    expectError(verifyChain(p, [fake.der], base), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });

  it('rejects a bad signature on the intermediate', () => {
    const badInter = makeIntermediate(p, root, 'Test Intermediate', { corruptSignature: true });
    expectError(verifyChain(p, [leaf.der, badInter.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
  });

  it('verifies RSA, RSA-PSS, P-384, Ed25519 and SHA-1 signatures', () => {
    for (const [kind, sigAlg] of [
      ['rsa2048', 'rsa-sha256'],
      ['rsa2048', 'rsa-pss-sha256'],
      ['rsa2048', 'rsa-sha1'],
      ['p384', 'ecdsa-sha384'],
      ['p384', 'ecdsa-sha256'],
      ['p256', 'ecdsa-sha1'],
      ['ed25519', 'ed25519'],
    ] as const) {
      const r = makeRoot(p, `Root ${kind} ${sigAlg}`, testKey(kind, 1));
      const l = makeLeaf(p, r, { sigAlg });
      for (const prov of [nodeProvider, nobleProvider]) {
        expectOk(verifyChain(prov, [l.der], { ...base, ca: [r.der] }), 2);
      }
      const bad = makeLeaf(p, r, { sigAlg, corruptSignature: true });
      expectError(verifyChain(p, [bad.der], { ...base, ca: [r.der] }), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
    }
  });

  it('maps signature algorithms to TLS SignatureSchemes', () => {
    const r = makeRoot(p, 'Scheme Root', testKey('rsa2048', 1));
    const pss = parseCertificate(makeLeaf(p, r, { sigAlg: 'rsa-pss-sha256' }).der);
    expect(signatureSchemeFor(pss, parseCertificate(r.der).publicKey)).toBe(SignatureScheme.rsa_pss_rsae_sha256);
    const ec = parseCertificate(leaf.der);
    expect(signatureSchemeFor(ec, parseCertificate(inter.der).publicKey)).toBe(SignatureScheme.ecdsa_secp256r1_sha256);
    // An ECDSA signature cannot come from an RSA key.
    expect(signatureSchemeFor(ec, parseCertificate(r.der).publicKey)).toBeUndefined();
    expect(verifyCertificateSignature(p, ec, parseCertificate(inter.der))).toBe(true);
    expect(verifyCertificateSignature(p, ec, parseCertificate(root.der))).toBe(false);
  });

  it('rejects an unknown critical extension, ignores an unknown non-critical one', () => {
    const value = Uint8Array.of(0x05, 0x00);
    const crit = makeLeaf(p, inter, { extra: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value }] });
    expectError(verifyChain(p, [crit.der, inter.der], base), 'ERR_DTLS_CERT_UNHANDLED_CRITICAL_EXTENSION', 'unsupported_certificate');
    const nonCrit = makeLeaf(p, inter, { extra: [{ oid: '1.3.6.1.4.1.99999.1', critical: false, value }] });
    expectOk(verifyChain(p, [nonCrit.der, inter.der], base));
  });

  it('enforces dNSName and iPAddress name constraints', () => {
    const ncRoot = makeRoot(p, 'Constrained Root', testKey('p256', 10), {
      nameConstraints: { permitted: ['example.com', '10.0.0.0/8'], excluded: ['bad.example.com'] },
    });
    const ok = makeLeaf(p, ncRoot, { san: ['www.example.com', '10.1.1.1'] });
    expectOk(verifyChain(p, [ok.der], { ...base, ca: [ncRoot.der] }));
    for (const san of [['www.example.org'], ['x.bad.example.com'], ['www.example.com', '192.168.1.1'], ['notexample.com']]) {
      const l = makeLeaf(p, ncRoot, { san });
      expectError(verifyChain(p, [l.der], { ...base, ca: [ncRoot.der] }), 'ERR_DTLS_CERT_NAME_CONSTRAINTS', 'bad_certificate');
    }
    // A CN used as host name is checked too when there is no SAN.
    const cnOnly = makeLeaf(p, ncRoot, { subject: { CN: 'www.example.org' }, san: undefined });
    expectError(verifyChain(p, [cnOnly.der], { ...base, ca: [ncRoot.der] }), 'ERR_DTLS_CERT_NAME_CONSTRAINTS', 'bad_certificate');
  });

  it('bounds the path length and does not loop', () => {
    // A long chain of intermediates: 12 certificates > maxDepth 10.
    let issuer = root;
    const chain: Uint8Array[] = [];
    for (let i = 0; i < 11; i++) {
      issuer = makeIntermediate(p, issuer, `Level ${i}`, { key: testKey('p256', 2) });
      chain.unshift(issuer.der);
    }
    const l = makeLeaf(p, issuer);
    expectError(verifyChain(p, [l.der, ...chain], base), 'ERR_DTLS_CERT_CHAIN_TOO_LONG', 'bad_certificate');
    expectOk(verifyChain(p, [l.der, ...chain], { ...base, maxDepth: 13 }), 13);
    // Two CAs that cross-certify each other, no anchor: terminates with unknown_ca.
    const kA = testKey('p256', 11);
    const kB = testKey('p256', 12);
    const a = makeCert(p, { subject: { CN: 'Loop A' }, issuer: { subject: dn({ CN: 'Loop B' }), key: kB }, key: kA, ca: true });
    const b = makeCert(p, { subject: { CN: 'Loop B' }, issuer: { subject: dn({ CN: 'Loop A' }), key: kA }, key: kB, ca: true });
    const la = makeLeaf(p, a);
    expectError(verifyChain(p, [la.der, a.der, b.der], base), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });

  it('reports an empty chain and a malformed certificate', () => {
    expectError(verifyChain(p, [], base), 'ERR_DTLS_CERT_MISSING', 'handshake_failure');
    expectError(verifyChain(p, [Uint8Array.of(0x30, 0x03, 1, 2, 3)], base), 'ERR_DTLS_BAD_CERTIFICATE', 'bad_certificate');
    expectError(verifyChain(p, [leaf.der, Uint8Array.of(1, 2, 3)], base), 'ERR_DTLS_BAD_CERTIFICATE', 'bad_certificate');
    expectError(verifyChain(p, new Array<Uint8Array>(33).fill(leaf.der), base), 'ERR_DTLS_CERT_CHAIN_TOO_LONG', 'bad_certificate');
    // Duplicates of the same certificate are harmless.
    expectOk(verifyChain(p, [leaf.der, inter.der, inter.der, leaf.der, root.der, root.der], base), 3);
  });

  it('throws KeyError for a malformed trust anchor (local configuration)', () => {
    expect(() => verifyChain(p, [leaf.der], { ...base, ca: [Uint8Array.of(0x30, 0x00)] })).toThrow(/invalid trust anchor/);
    expect(() => verifyChain(p, [leaf.der], { ...base, now: new Date(Number.NaN) })).toThrow(TypeError);
  });

  it('exports every code it returns', () => {
    expect(Object.values(CertificateErrorCode)).toEqual(
      expect.arrayContaining([
        'ERR_DTLS_CERT_EXPIRED',
        'ERR_DTLS_CERT_NOT_YET_VALID',
        'ERR_DTLS_CERT_UNTRUSTED',
        'ERR_DTLS_CERT_NOT_CA',
        'ERR_DTLS_CERT_BAD_EKU',
        'ERR_DTLS_CERT_BAD_SIGNATURE',
        'ERR_DTLS_CERT_NAME_MISMATCH',
      ]),
    );
  });
});

describe('checkHostname (RFC 6125)', () => {
  const p = defaultProvider();
  const root = makeRoot(p);
  const cert = (san: string[] | undefined, cn = 'cn.example') => parseCertificate(makeLeaf(p, root, { san, subject: { CN: cn } }).der);

  it('matches DNS names case-insensitively, ignoring a trailing dot', () => {
    const c = cert(['Www.Example.COM']);
    expect(checkHostname(c, 'www.example.com')).toBe(true);
    expect(checkHostname(c, 'WWW.EXAMPLE.COM.')).toBe(true);
    expect(checkHostname(c, 'example.com')).toBe(false);
    expect(checkHostname(c, 'www.example.com.evil')).toBe(false);
  });

  it('accepts only a whole leftmost-label wildcard matching exactly one label', () => {
    const c = cert(['*.example.com']);
    expect(checkHostname(c, 'a.example.com')).toBe(true);
    expect(checkHostname(c, 'A.EXAMPLE.com')).toBe(true);
    expect(checkHostname(c, 'example.com')).toBe(false);
    expect(checkHostname(c, 'a.b.example.com')).toBe(false);
    expect(checkHostname(c, '.example.com')).toBe(false);
    expect(matchDnsName('*.com', 'example.com')).toBe(false);
    expect(matchDnsName('f*.example.com', 'foo.example.com')).toBe(false);
    expect(matchDnsName('*oo.example.com', 'foo.example.com')).toBe(false);
    expect(matchDnsName('www.*.example.com', 'www.a.example.com')).toBe(false);
    expect(matchDnsName('*.*.example.com', 'a.b.example.com')).toBe(false);
    expect(matchDnsName('*.example.com', '*.example.com')).toBe(false);
  });

  it('falls back to the CN only without a SAN extension, and never for IPs', () => {
    expect(checkHostname(cert(undefined, 'cn.example'), 'cn.example')).toBe(true);
    expect(checkHostname(cert(undefined, '*.cn.example'), 'a.cn.example')).toBe(true);
    expect(checkHostname(cert(['other.example'], 'cn.example'), 'cn.example')).toBe(false);
    expect(checkHostname(cert(undefined, '127.0.0.1'), '127.0.0.1')).toBe(false);
  });

  it('matches IPv4 and IPv6 literals against iPAddress SANs only', () => {
    const c = cert(['192.0.2.1', 'fe80::1:abcd', 'localhost']);
    expect(checkHostname(c, '192.0.2.1')).toBe(true);
    expect(checkHostname(c, 'FE80:0:0:0:0:0:1:ABCD')).toBe(true);
    expect(checkHostname(c, '[fe80::1:abcd]')).toBe(true);
    expect(checkHostname(c, 'fe80::1:abcd%eth0')).toBe(false);
    expect(checkHostname(c, '192.0.2.01')).toBe(false);
    expect(checkHostname(c, '::ffff:192.0.2.1')).toBe(false);
  });

  it('rejects host names with invalid characters', () => {
    const c = cert(['localhost']);
    for (const h of ['', 'local host', 'localhost/', 'lo\u0000calhost', 'lócalhost', '*.localhost']) expect(checkHostname(c, h)).toBe(false);
  });
});
