import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { SignatureScheme } from '../../src/crypto/provider.js';
import { KeyError } from '../../src/errors.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { attributeValues } from '../../src/x509/names.js';
import { certificatesFromPem } from '../../src/x509/pem.js';
import {
  CertificateErrorCode,
  checkHostname,
  matchDnsName,
  signatureSchemeFor,
  verifyCertificateSignature,
  verifyChain,
  type VerifyChainOptions,
} from '../../src/x509/verify.js';
import { expectError, expectOk } from './helpers/expect.js';
import { EKU, issuerOf, makeCert, makeIntermediate, makeLeaf, makeRoot, nameDer, testKey } from './helpers/pki.js';

const PKI = 'test/fixtures/pki/';
const pem = (f: string): Uint8Array[] => certificatesFromPem(readFileSync(PKI + f));
const bundle = pem('ca-bundle.pem');
const PROVIDERS = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][];
const NOW = new Date('2030-06-01T00:00:00Z');
const cn = (c: ReturnType<typeof parseCertificate>): string | undefined => attributeValues(c.subject, '2.5.4.3')[0];

describe.each(PROVIDERS)('verifyChain with the fixture PKI (%s provider)', (_name, provider) => {
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
    if (r.ok) expect(cn(r.chain[0]!)).toBe(name);
  });

  it('rejects an expired client certificate with certificate_expired', () => {
    const e = expectError(verifyChain(provider, pem('client-expired.chain.pem'), opts({ purpose: 'clientAuth' })), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
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
    expectError(verifyChain(provider, pem('server-ecdsa-p256.chain.pem'), opts({ purpose: 'clientAuth' })), 'ERR_DTLS_CERT_BAD_EKU', 'unsupported_certificate');
  });

  it('rejects a host name the certificate does not carry (name mismatch)', () => {
    for (const host of ['example.com', '127.0.0.2', '::2', 'localhost.localdomain']) {
      expectError(verifyChain(provider, pem('server-ecdsa-p256.chain.pem'), opts({ host })), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    }
  });

  it('rejects a chain when the trust store holds only the other root', () => {
    expectError(verifyChain(provider, pem('server-rsa2048.chain.pem'), opts({ ca: pem('ca-ecdsa.crt.pem') })), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });
});

describe.each(PROVIDERS)('verifyChain with generated chains (%s provider)', (_name, p) => {
  const root = makeRoot();
  const inter = makeIntermediate(root);
  const leaf = makeLeaf(inter);
  const base: VerifyChainOptions = { ca: [root.der], purpose: 'serverAuth', now: NOW };

  it('accepts root → intermediate → leaf, in any order, with extra unrelated certificates and the root included', () => {
    const unrelated = makeRoot('Unrelated Root', testKey('p256', 9));
    expectOk(verifyChain(p, [leaf.der, inter.der], base), 3);
    expectOk(verifyChain(p, [leaf.der, inter.der, root.der], base), 3);
    expectOk(verifyChain(p, [leaf.der, unrelated.der, root.der, inter.der], base), 3);
    const r = verifyChain(p, [leaf.der, inter.der], { ...base, host: 'localhost' });
    if (!r.ok) throw r.error;
    expect(r.chain.map(cn)).toEqual(['localhost', 'Test Intermediate', 'Test Root']);
  });

  it('accepts an intermediate as the trust anchor', () => {
    expectOk(verifyChain(p, [leaf.der], { ...base, ca: [inter.der] }), 2);
  });

  it('accepts parsed certificates as well as DER', () => {
    expectOk(verifyChain(p, [parseCertificate(leaf.der), inter.der], { ...base, ca: [parseCertificate(root.der)] }), 3);
  });

  it('rejects an expired leaf, intermediate or anchor, and a not-yet-valid leaf', () => {
    const expired = makeLeaf(inter, { notAfter: new Date('2030-05-01T00:00:00Z') });
    expectError(verifyChain(p, [expired.der, inter.der], base), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
    const oldInter = makeIntermediate(root, 'Old Intermediate', { notAfter: new Date('2030-05-01T00:00:00Z') });
    expectError(verifyChain(p, [makeLeaf(oldInter).der, oldInter.der], base), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
    const oldRoot = makeRoot('Old Root', testKey('p256', 4), { notAfter: new Date('2030-05-01T00:00:00Z') });
    expectError(verifyChain(p, [makeLeaf(oldRoot).der], { ...base, ca: [oldRoot.der] }), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
    const future = makeLeaf(inter, { notBefore: new Date('2030-07-01T00:00:00Z') });
    const e = expectError(verifyChain(p, [future.der, inter.der], base), 'ERR_DTLS_CERT_NOT_YET_VALID', 'bad_certificate');
    expect(e.message).toMatch(/not yet valid/);
    expectOk(verifyChain(p, [future.der, inter.der], { ...base, now: new Date('2030-08-01T00:00:00Z') }));
  });

  it('compares validity in whole seconds: notBefore and notAfter are inclusive', () => {
    const nb = new Date('2030-06-01T00:00:01Z');
    const na = new Date('2030-06-02T00:00:00Z');
    const l = makeLeaf(inter, { notBefore: nb, notAfter: na });
    expectOk(verifyChain(p, [l.der, inter.der], { ...base, now: nb }));
    expectOk(verifyChain(p, [l.der, inter.der], { ...base, now: new Date(na.getTime() + 999) }));
    expectError(verifyChain(p, [l.der, inter.der], { ...base, now: new Date(nb.getTime() - 1) }), 'ERR_DTLS_CERT_NOT_YET_VALID', 'bad_certificate');
    expectError(verifyChain(p, [l.der, inter.der], { ...base, now: new Date(na.getTime() + 1000) }), 'ERR_DTLS_CERT_EXPIRED', 'certificate_expired');
  });

  it('rejects a chain with a missing intermediate, or signed by an untrusted issuer, with unknown_ca', () => {
    const e = expectError(verifyChain(p, [leaf.der], base), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expect(e.message).toMatch(/Test Intermediate/);
    const otherRoot = makeRoot('Other Root', testKey('p256', 5));
    expectError(verifyChain(p, [leaf.der, inter.der, root.der], { ...base, ca: [otherRoot.der] }), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
    expectError(verifyChain(p, [leaf.der, inter.der], { ...base, ca: [] }), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });

  it('rejects a leaf whose issuer is itself an end-entity certificate', () => {
    const l = makeLeaf(leaf, { subject: { CN: 'grandchild' } });
    expectError(verifyChain(p, [l.der, leaf.der, inter.der], base), 'ERR_DTLS_CERT_NOT_CA', 'bad_certificate');
  });

  it('rejects a leaf with the wrong EKU, accepts anyExtendedKeyUsage and no EKU', () => {
    const clientOnly = makeLeaf(inter, { eku: { value: [EKU.clientAuth] } });
    expectError(verifyChain(p, [clientOnly.der, inter.der], base), 'ERR_DTLS_CERT_BAD_EKU', 'unsupported_certificate');
    expectOk(verifyChain(p, [clientOnly.der, inter.der], { ...base, purpose: 'clientAuth' }));
    const codeSigning = makeLeaf(inter, { eku: { value: [EKU.codeSigning] } });
    expectError(verifyChain(p, [codeSigning.der, inter.der], { ...base, purpose: 'clientAuth' }), 'ERR_DTLS_CERT_BAD_EKU', 'unsupported_certificate');
    expectOk(verifyChain(p, [makeLeaf(inter, { eku: { value: [EKU.any] } }).der, inter.der], base));
    expectOk(verifyChain(p, [makeLeaf(inter, { eku: null }).der, inter.der], base));
  });

  it('rejects a name mismatch', () => {
    const e = expectError(verifyChain(p, [leaf.der, inter.der], { ...base, host: 'www.example.com' }), 'ERR_DTLS_CERT_NAME_MISMATCH', 'bad_certificate');
    expect(e.message).toMatch(/www\.example\.com/);
  });

  it('rejects a bad signature with bad_certificate, and finds the right issuer among impostors', () => {
    expectError(verifyChain(p, [makeLeaf(inter, { corruptSignature: true }).der, inter.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
    // Same issuer name, another key (and no SKI to tell them apart): the signature decides.
    const impostor = makeIntermediate(root, 'Test Intermediate', { key: testKey('p256', 8), ski: null });
    expectError(verifyChain(p, [leaf.der, impostor.der], base), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
    expectOk(verifyChain(p, [leaf.der, impostor.der, inter.der], base), 3);
    expectError(verifyChain(p, [makeIntermediate(root, 'Test Intermediate', { corruptSignature: true }).der], { ...base, ca: [root.der] }), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
  });

  it('reports a self-signed leaf named like a trusted root as untrusted, not as a bad signature', () => {
    const fake = makeCert({ subject: { O: 'x509 tests', CN: 'Test Root' }, key: testKey('p256', 13), basicConstraints: { ca: false }, san: { value: ['localhost'] } });
    expectError(verifyChain(p, [fake.der], base), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
  });

  it('verifies RSA, RSA-PSS, P-384, P-521 and Ed25519 signatures; SHA-1 only with allowSha1Certificates', () => {
    for (const [kind, sigAlg] of [
      ['rsa2048', 'rsa-sha256'],
      ['rsa2048', 'rsa-pss-sha256'],
      ['p384', 'ecdsa-sha384'],
      ['p384', 'ecdsa-sha256'],
      ['p521', 'ecdsa-sha512'],
      ['ed25519', 'ed25519'],
    ] as const) {
      const r = makeRoot(`Root ${kind} ${sigAlg}`, testKey(kind, 1));
      expectOk(verifyChain(p, [makeLeaf(r, { sigAlg }).der], { ...base, ca: [r.der] }), 2);
      expectError(verifyChain(p, [makeLeaf(r, { sigAlg, corruptSignature: true }).der], { ...base, ca: [r.der] }), 'ERR_DTLS_CERT_BAD_SIGNATURE', 'bad_certificate');
    }
    for (const [kind, sigAlg] of [['rsa2048', 'rsa-sha1'], ['p256', 'ecdsa-sha1']] as const) {
      const r = makeRoot(`Root ${kind} ${sigAlg}`, testKey(kind, 1));
      const l = makeLeaf(r, { sigAlg });
      const e = expectError(verifyChain(p, [l.der], { ...base, ca: [r.der] }), 'ERR_DTLS_CERT_WEAK_SIGNATURE', 'bad_certificate');
      expect(e.message).toMatch(/SHA-1/);
      expectOk(verifyChain(p, [l.der], { ...base, ca: [r.der], allowSha1Certificates: true }), 2);
    }
  });

  it('maps signature algorithms to TLS SignatureSchemes', () => {
    const r = makeRoot('Scheme Root', testKey('rsa2048', 1));
    const pss = parseCertificate(makeLeaf(r, { sigAlg: 'rsa-pss-sha256' }).der);
    expect(signatureSchemeFor(pss, parseCertificate(r.der).publicKey)).toBe(SignatureScheme.rsa_pss_rsae_sha256);
    const ec = parseCertificate(leaf.der);
    expect(signatureSchemeFor(ec, parseCertificate(inter.der).publicKey)).toBe(SignatureScheme.ecdsa_secp256r1_sha256);
    expect(signatureSchemeFor(ec, parseCertificate(r.der).publicKey)).toBeUndefined();
    expect(verifyCertificateSignature(p, ec, parseCertificate(inter.der))).toBe(true);
    expect(verifyCertificateSignature(p, ec, parseCertificate(root.der))).toBe(false);
  });

  it('bounds the path length and does not loop', () => {
    let issuer = root;
    const chain: Uint8Array[] = [];
    for (let i = 0; i < 11; i++) {
      issuer = makeIntermediate(issuer, `Level ${i}`, { key: testKey('p256', 20 + i) });
      chain.unshift(issuer.der);
    }
    const l = makeLeaf(issuer);
    expectError(verifyChain(p, [l.der, ...chain], base), 'ERR_DTLS_CERT_CHAIN_TOO_LONG', 'bad_certificate');
    expectOk(verifyChain(p, [l.der, ...chain], { ...base, maxDepth: 13 }), 13);
    // Two CAs that cross-certify each other, no anchor: terminates with unknown_ca.
    const kA = testKey('p256', 11);
    const kB = testKey('p256', 12);
    const ca = { basicConstraints: { ca: true }, keyUsage: { value: ['keyCertSign'] }, ski: { value: 'auto' as const }, aki: { value: 'auto' as const } };
    const a = makeCert({ subject: { CN: 'Loop A' }, issuer: { subject: nameDer({ CN: 'Loop B' }), key: kB }, key: kA, ...ca });
    const b = makeCert({ subject: { CN: 'Loop B' }, issuer: { subject: nameDer({ CN: 'Loop A' }), key: kA }, key: kB, ...ca });
    expectError(verifyChain(p, [makeLeaf(a).der, a.der, b.der], base), 'ERR_DTLS_CERT_UNTRUSTED', 'unknown_ca');
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
    expect(() => verifyChain(p, [leaf.der], { ...base, ca: [Uint8Array.of(0x30, 0x00)] })).toThrow(KeyError);
    expect(() => verifyChain(p, [leaf.der], { ...base, now: new Date(Number.NaN) })).toThrow(TypeError);
  });
});

describe('CertificateErrorCode', () => {
  it('lists every code with its ERR_DTLS_ value', () => {
    for (const [k, v] of Object.entries(CertificateErrorCode)) expect(v, k).toMatch(/^ERR_DTLS_[A-Z_]+$/);
    expect(Object.values(CertificateErrorCode)).toEqual(expect.arrayContaining(['ERR_DTLS_CERT_REVOKED', 'ERR_DTLS_CERT_NAME_CONSTRAINTS', 'ERR_DTLS_CRL_EXPIRED']));
  });
});

describe('checkHostname (RFC 6125)', () => {
  const root = makeRoot();
  const cert = (san: string[] | undefined, name = 'cn.example') => parseCertificate(makeLeaf(root, { san: san === undefined ? null : { value: san }, subject: { CN: name } }).der);

  it('matches DNS names case-insensitively, ignoring a trailing dot on the host', () => {
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
    expect(matchDnsName('xn--*-1b3c148a.example.com', 'xn--bliss-1b3c148a.example.com')).toBe(false);
  });

  it('falls back to the CN only without a SAN extension, and never for IPs', () => {
    expect(checkHostname(cert(undefined, 'cn.example'), 'cn.example')).toBe(true);
    expect(checkHostname(cert(undefined, '*.cn.example'), 'a.cn.example')).toBe(true);
    expect(checkHostname(cert(['other.example'], 'cn.example'), 'cn.example')).toBe(false);
    expect(checkHostname(cert(['10.0.0.1'], 'cn.example'), 'cn.example')).toBe(false);
    expect(checkHostname(cert(undefined, '127.0.0.1'), '127.0.0.1')).toBe(false);
    expect(checkHostname(cert(undefined, 'bad_name.example'), 'bad_name.example')).toBe(false);
  });

  it('matches IPv4 and IPv6 literals against iPAddress SANs only, in binary', () => {
    const c = cert(['192.0.2.1', 'fe80::1:abcd', 'localhost', '10.9.9.9.example']);
    expect(checkHostname(c, '192.0.2.1')).toBe(true);
    expect(checkHostname(c, 'FE80:0:0:0:0:0:1:ABCD')).toBe(true);
    expect(checkHostname(c, '[fe80::1:abcd]')).toBe(true);
    expect(checkHostname(c, 'fe80::1:abcd%eth0')).toBe(false);
    expect(checkHostname(c, '192.0.2.01')).toBe(false);
    expect(checkHostname(c, '::ffff:192.0.2.1')).toBe(false);
    expect(checkHostname(c, '10.9.9.9')).toBe(false);
  });

  it('rejects host names with invalid characters', () => {
    const c = cert(['localhost']);
    for (const h of ['', 'local host', 'localhost/', 'lo\u0000calhost', 'lócalhost', '*.localhost']) expect(checkHostname(c, h)).toBe(false);
  });
});
