/**
 * Edges of verifyChain, the checks of one path and host-name matching that
 * the rule tables do not reach (found by mutation testing, docs/mutation.md
 * "x509"): the bounds of the input (32 certificates, maxDepth), duplicate
 * certificates in the peer's chain, the decoded-anchor cache, what an
 * exception inside validation becomes, the role of the anchor in the SAN
 * rules, the messages that name the certificate at fault, host-name syntax
 * limits and the names a mismatch message presents.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { CertificateError, DtlsError, KeyError } from '../../src/errors.js';
import { type ParsedCertificate, parseCertificate } from '../../src/x509/certificate.js';
import { isValidDnsName, matchDnsName, presentedNames } from '../../src/x509/hostname.js';
import { verifyChain, type VerifyChainOptions } from '../../src/x509/verify.js';
import { expectError, expectOk } from './helpers/expect.js';
import { EKU, makeIntermediate, makeLeaf, makeRoot, testKey } from './helpers/pki.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const PROVIDERS = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][];

describe('isValidDnsName and matchDnsName limits', () => {
  const label63 = 'a'.repeat(63);
  // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters.
  const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`;

  it('accepts 253 characters and refuses 254 or none', () => {
    expect(name253).toHaveLength(253);
    expect(isValidDnsName(name253)).toBe(true);
    expect(isValidDnsName(`${name253}c`)).toBe(false);
    expect(isValidDnsName(`c${name253}`, true)).toBe(false);
    expect(isValidDnsName('')).toBe(false);
    expect(isValidDnsName('', true)).toBe(false);
  });

  it('a wildcard needs a label after it', () => {
    expect(isValidDnsName('*', true)).toBe(false);
    expect(isValidDnsName('*.', true)).toBe(false);
    expect(isValidDnsName('*.a', true)).toBe(true);
    expect(isValidDnsName('*.a', false)).toBe(false);
  });

  it('a wildcard matches exactly one label before the rest', () => {
    expect(matchDnsName('*.example.com', 'a.example.com')).toBe(true);
    expect(matchDnsName('*.example.com', 'example.com')).toBe(false);
    expect(matchDnsName('*.example.com', 'com')).toBe(false);
    expect(matchDnsName('*.example.com', 'aexample.com')).toBe(false);
  });
});

describe('presentedNames (the names a NAME_MISMATCH message lists)', () => {
  const root = makeRoot('Names Root', testKey('p256', 150));

  it('lists dNSName and iPAddress SANs as text and other forms by their type', () => {
    const c = parseCertificate(makeLeaf(root, { san: { value: ['a.example', '10.0.0.1', '2001:db8::1', { email: 'x@example.com' }, { uri: 'https://u.example/' }] } }).der);
    expect(presentedNames(c)).toBe('DNS:a.example, IP:10.0.0.1, IP:2001:db8::1, email, uri');
  });

  it('names an iPAddress of the wrong length <invalid>', () => {
    const c = parseCertificate(makeLeaf(root, { san: { value: [{ ip: Uint8Array.of(1, 2, 3, 4, 5) }, 'b.example'] } }).der);
    expect(presentedNames(c)).toBe('IP:<invalid>, DNS:b.example');
  });

  it('lists the subject CNs without a SAN extension', () => {
    const c = parseCertificate(makeLeaf(root, { san: null, subject: [['CN', 'one.example'], ['CN', 'two.example']] }).der);
    expect(presentedNames(c)).toBe('CN=one.example, two.example');
  });
});

describe.each(PROVIDERS)('verifyChain edges (%s provider)', (_name, p) => {
  const root = makeRoot('Edges Root', testKey('p256', 151));
  const inter = makeIntermediate(root, 'Edges Intermediate', { key: testKey('p256', 152) });
  const leaf = makeLeaf(inter, { key: testKey('p256', 153) });
  const base: VerifyChainOptions = { ca: [root.der], purpose: 'serverAuth', now: NOW };

  it('accepts exactly 32 certificates from the peer, refuses 33 naming both numbers', () => {
    const chain = [leaf.der, inter.der, ...new Array<Uint8Array>(30).fill(root.der)];
    expectOk(verifyChain(p, chain, base), 3);
    const e = expectError(verifyChain(p, [...chain, root.der], base), 'ERR_DTLS_CERT_CHAIN_TOO_LONG', 'bad_certificate');
    expect(e.message).toMatch(/33 certificates \(at most 32/);
    expect(expectError(verifyChain(p, [], base), 'ERR_DTLS_CERT_MISSING').message).toMatch(/no certificate/);
  });

  it('maxDepth counts the anchor: 2 is too short for root → intermediate → leaf, 3 is enough', () => {
    const e = expectError(verifyChain(p, [leaf.der, inter.der], { ...base, maxDepth: 2 }), 'ERR_DTLS_CERT_CHAIN_TOO_LONG', 'bad_certificate');
    expect(e.message).toMatch(/within 2 certificates/);
    expectOk(verifyChain(p, [leaf.der, inter.der], { ...base, maxDepth: 3 }), 3);
    expectOk(verifyChain(p, [leaf.der, inter.der], { ...base, maxDepth: 1000 }), 3);
  });

  it('drops repeated copies of the same certificate before searching (else they multiply the signatures to verify)', () => {
    // 15 copies of each of two intermediates, and a host name no path can satisfy: every
    // path is tried. Deduplicated, that is 3 signatures; as 30 candidates, 15 + 15 × 15.
    const i2 = makeIntermediate(root, 'Dup Upper', { key: testKey('p256', 154) });
    const i1 = makeIntermediate(i2, 'Dup Lower', { key: testKey('p256', 155) });
    const l = makeLeaf(i1, { key: testKey('p256', 153) });
    const chain = [l.der, ...new Array<Uint8Array>(15).fill(i1.der), ...new Array<Uint8Array>(15).fill(i2.der)];
    expectError(verifyChain(p, chain, { ...base, host: 'elsewhere.example' }), 'ERR_DTLS_CERT_NAME_MISMATCH');
    expectOk(verifyChain(p, chain, base), 4);
  });

  it('decodes a DER trust anchor once: two calls return the same anchor object', () => {
    // A buffer of its own: decoded for the first time in this test.
    const opts = { ...base, ca: [root.der.slice()] };
    const a = verifyChain(p, [leaf.der, inter.der], opts);
    const b = verifyChain(p, [leaf.der, inter.der], opts);
    if (!a.ok || !b.ok) throw new Error('expected both to verify');
    expect(b.chain[2]).toBe(a.chain[2]);
    expect(b.chain[1]).not.toBe(a.chain[1]); // the peer's certificates are decoded each time
  });

  it('a malformed trust anchor is a KeyError caused by the decoding error', () => {
    let caught: unknown;
    try {
      verifyChain(p, [leaf.der], { ...base, ca: [Uint8Array.of(0x30, 0x00)] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KeyError);
    expect((caught as KeyError).cause).toBeInstanceOf(CertificateError);
  });

  it('turns an exception inside validation into a failed result, never a throw', () => {
    const parsed = parseCertificate(leaf.der);
    const throwing = (e: Error): ParsedCertificate => ({ ...parsed, get publicKey(): never { throw e; } }) as ParsedCertificate;
    // A DtlsError keeps its code and alert (bad_certificate when it has none).
    let r = verifyChain(p, [throwing(new DtlsError('ERR_TEST_THROWN', 'thrown inside')), inter.der], base);
    let e = expectError(r, 'ERR_TEST_THROWN', 'bad_certificate');
    expect(e.message).toBe('thrown inside');
    r = verifyChain(p, [throwing(new DtlsError('ERR_TEST_THROWN', 'thrown inside', 'decode_error')), inter.der], base);
    expectError(r, 'ERR_TEST_THROWN', 'decode_error');
    // A CertificateError is the result as thrown.
    const thrown = new CertificateError('ERR_DTLS_CERT_PROFILE', 'thrown as is', 'unsupported_certificate');
    r = verifyChain(p, [throwing(thrown), inter.der], base);
    expect(r.ok ? undefined : r.error).toBe(thrown);
    // Anything else is ERR_DTLS_BAD_CERTIFICATE, with its message.
    r = verifyChain(p, [throwing(new TypeError('not a certificate')), inter.der], base);
    e = expectError(r, 'ERR_DTLS_BAD_CERTIFICATE', 'bad_certificate');
    expect(e.message).toMatch(/certificate verification failed: not a certificate/);
  });

  it('holds intermediates to the SAN rules, not the trust anchor', () => {
    const badSan = { san: { value: [{ dns: 'bad_name.example' }] } };
    const anchor = makeRoot('SAN Root', testKey('p256', 156), badSan);
    const l = makeLeaf(anchor, { key: testKey('p256', 153) });
    expectOk(verifyChain(p, [l.der], { ...base, ca: [anchor.der] }), 2);
    const i = makeIntermediate(root, 'SAN Intermediate', { key: testKey('p256', 157), ...badSan });
    const e = expectError(verifyChain(p, [makeLeaf(i, { key: testKey('p256', 153) }).der, i.der], base), 'ERR_DTLS_CERT_INVALID_NAME');
    expect(e.message).toMatch(/^certificate at depth 1 \(.*SAN Intermediate.*\) has an invalid dNSName "bad_name\.example"/);
    // The leaf is held to them too.
    const e2 = expectError(verifyChain(p, [makeLeaf(inter, { key: testKey('p256', 153), ...badSan }).der, inter.der], base), 'ERR_DTLS_CERT_INVALID_NAME');
    expect(e2.message).toMatch(/^certificate at depth 0 /);
  });

  it('names the certificate at fault in path-length, key-usage, EKU, expiry and name-constraint failures', () => {
    const capped = makeIntermediate(root, 'Capped CA', { key: testKey('p256', 158), basicConstraints: { ca: true, pathLen: 0 } });
    const below = makeIntermediate(capped, 'Below CA', { key: testKey('p256', 159) });
    let e = expectError(verifyChain(p, [makeLeaf(below, { key: testKey('p256', 153) }).der, below.der, capped.der], base), 'ERR_DTLS_CERT_PATH_LENGTH');
    expect(e.message).toMatch(/^path length constraint 0 of certificate at depth 2 \(.*Capped CA.*\) exceeded$/);

    e = expectError(verifyChain(p, [makeLeaf(inter, { key: testKey('p256', 153), keyUsage: { value: ['keyEncipherment'] } }).der, inter.der], base), 'ERR_DTLS_CERT_BAD_KEY_USAGE');
    expect(e.message).toMatch(/^certificate \(.*localhost.*\) keyUsage does not allow digitalSignature$/);

    const ekuCa = makeIntermediate(root, 'EKU CA', { key: testKey('p256', 160), eku: { value: [EKU.clientAuth] } });
    e = expectError(verifyChain(p, [makeLeaf(ekuCa, { key: testKey('p256', 153) }).der, ekuCa.der], base), 'ERR_DTLS_CERT_BAD_EKU');
    expect(e.message).toMatch(/^certificate at depth 1 \(.*EKU CA.*\) extendedKeyUsage does not allow serverAuth$/);

    const old = makeIntermediate(root, 'Old CA', { key: testKey('p256', 161), notAfter: new Date('2030-01-01T00:00:00Z') });
    e = expectError(verifyChain(p, [makeLeaf(old, { key: testKey('p256', 153) }).der, old.der], base), 'ERR_DTLS_CERT_EXPIRED');
    expect(e.message).toMatch(/^certificate at depth 1 \(.*Old CA.*\) has expired \(notAfter /);

    const nc = makeIntermediate(root, 'NC CA', { key: testKey('p256', 162), nameConstraints: { value: { permitted: ['example.com'] } } });
    e = expectError(verifyChain(p, [makeLeaf(nc, { key: testKey('p256', 153) }).der, nc.der], base), 'ERR_DTLS_CERT_NAME_CONSTRAINTS');
    expect(e.message).toMatch(/^certificate at depth 0 \(.*localhost.*\) violates the name constraints of depth 1: dNSName "localhost" is outside the permitted subtrees$/);

    e = expectError(verifyChain(p, [leaf.der, inter.der], { ...base, host: 'other.example' }), 'ERR_DTLS_CERT_NAME_MISMATCH');
    expect(e.message).toBe('host "other.example" does not match the certificate (DNS:localhost, IP:127.0.0.1, IP:::1)');
  });
});
