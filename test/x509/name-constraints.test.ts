/**
 * Name constraints (src/x509/name-constraints.ts) case by case, on parsed
 * certificates the test builds: checkNameConstraints directly (what each form
 * of name and constraint decides, and names the SAN rules of the profile
 * would refuse first in verifyChain), and through verifyChain where the path
 * matters. The rule table of helpers/cases.ts covers the common cases; these
 * are the edges mutation testing found unguarded (docs/mutation.md, "x509").
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { WorkBudget, defaultBudget } from '../../src/x509/budget.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { checkNameConstraints, uriHost } from '../../src/x509/name-constraints.js';
import { verifyChain } from '../../src/x509/verify.js';
import { ctx, ctxPrim, seq } from './helpers/der.js';
import { expectError, expectOk } from './helpers/expect.js';
import { type CertSpec, type NameEntry, type TestCert, issuerOf, makeCert, makeIntermediate, makeLeaf, makeRoot, testKey } from './helpers/pki.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const root = makeRoot('NC Unit Root', testKey('p256', 170));
const ca = (permitted?: NameEntry[], excluded?: NameEntry[], extra: Partial<CertSpec> = {}): TestCert =>
  makeIntermediate(root, 'NC Unit CA', { key: testKey('p256', 171), nameConstraints: { value: { ...(permitted && { permitted }), ...(excluded && { excluded }) } }, ...extra });
const leafOf = (issuer: TestCert, extra: Partial<CertSpec> = {}): TestCert => makeLeaf(issuer, { key: testKey('p256', 172), ...extra });
const withSan = (issuer: TestCert, san: NameEntry[], extra: Partial<CertSpec> = {}): TestCert => leafOf(issuer, { san: { value: san }, ...extra });
/** The failure of [leaf, ...cas] (leaf first), or undefined. */
const check = (...path: TestCert[]) => checkNameConstraints(path.map((c) => parseCertificate(c.der)), defaultBudget());
const reason = (...path: TestCert[]): string | undefined => check(...path)?.reason;

describe('checkNameConstraints: names the profile would refuse first', () => {
  const dnsCa = ca(['example.com']);
  it('a malformed dNSName, iPAddress or rfc822Name SAN cannot be checked', () => {
    expect(reason(withSan(dnsCa, [{ dns: 'bad_name.example.com' }]), dnsCa)).toBe('malformed dNSName "bad_name.example.com" cannot be checked against name constraints');
    expect(reason(withSan(dnsCa, [{ ip: Uint8Array.of(1, 2, 3, 4, 5) }]), dnsCa)).toBe('iPAddress of 5 bytes cannot be checked against name constraints');
    expect(reason(withSan(dnsCa, [{ email: '@example.com' }]), dnsCa)).toBe('malformed rfc822Name "@example.com" cannot be checked against name constraints');
    expect(reason(withSan(dnsCa, [{ email: 'example.com' }]), dnsCa)).toMatch(/^malformed rfc822Name/);
    expect(reason(withSan(dnsCa, [{ email: 'a@bad_domain' }]), dnsCa)).toMatch(/^malformed rfc822Name/);
    expect(check(withSan(dnsCa, [{ email: 'a@b.example' }]), dnsCa)).toBeUndefined();
  });

  it('a malformed emailAddress in the subject (no SAN) cannot be checked', () => {
    const f = check(leafOf(dnsCa, { san: null, subject: [['CN', 'www.example.com'], ['emailAddress', 'no-at-sign']] }), dnsCa);
    expect(f).toEqual({ depth: 0, caDepth: 1, reason: 'malformed emailAddress "no-at-sign" in the subject cannot be checked against name constraints' });
  });
});

describe('checkNameConstraints: dNSName', () => {
  it('the empty constraint covers every name: permits all, or excludes all', () => {
    const all = ca([{ dns: '' }]);
    expect(check(withSan(all, ['a.example', 'b.example.org']), all)).toBeUndefined();
    const none = ca(undefined, [{ dns: '' }]);
    expect(reason(withSan(none, ['a.example']), none)).toBe('dNSName "a.example" is in an excluded subtree');
  });

  it('a wildcard SAN is excluded by its own base and by a name it matches, not by an unrelated one', () => {
    const x = ca(undefined, ['example.com']);
    expect(reason(withSan(x, ['*.example.com']), x)).toBe('dNSName "*.example.com" is in an excluded subtree');
    const child = ca(undefined, ['bar.example.com']);
    expect(reason(withSan(child, ['*.example.com']), child)).toMatch(/excluded/);
    const other = ca(undefined, ['other.org', 'x.other.example.com']);
    expect(check(withSan(other, ['*.example.com']), other)).toBeUndefined();
  });

  it('the subject CN of a leaf without SAN counts lowercased; an IP-like or invalid CN is no dNSName', () => {
    const c = ca(['example.com']);
    expect(check(leafOf(c, { san: null, subject: { CN: 'Www.Example.COM' } }), c)).toBeUndefined();
    expect(check(leafOf(c, { san: null, subject: { CN: '10.0.0.1' } }), c)).toBeUndefined();
    expect(check(leafOf(c, { san: null, subject: { CN: 'bad_name.org' } }), c)).toBeUndefined();
    expect(reason(leafOf(c, { san: null, subject: { CN: 'www.example.org' } }), c)).toBe('dNSName "www.example.org" is outside the permitted subtrees');
  });

  it("an intermediate's CN is not a dNSName", () => {
    const top = makeRoot('NC Top', testKey('p256', 173), { nameConstraints: { value: { permitted: ['example.com'] } } });
    const mid = makeIntermediate(top, 'x', { key: testKey('p256', 174), subject: { CN: 'ca.example.org' } });
    expect(check(leafOf(mid, { san: { value: ['www.example.com'] } }), mid, top)).toBeUndefined();
  });
});

describe('checkNameConstraints: iPAddress', () => {
  it('an IPv4-mapped IPv6 name is checked as IPv4 too; other IPv6 names are not', () => {
    const x = ca(undefined, ['10.0.0.0/8']);
    expect(reason(withSan(x, ['::ffff:10.1.2.3']), x)).toBe('iPAddress 10.1.2.3 is in an excluded subtree');
    for (const name of ['::fffe:a01:203', '::feff:a01:203', '1::ffff:a01:203', '0:0:0:1:0:ffff:a01:203', '::a01:203']) {
      expect(check(withSan(x, [name]), x), name).toBeUndefined();
    }
    expect(reason(withSan(x, ['10.1.2.3']), x)).toBe('iPAddress 10.1.2.3 is in an excluded subtree');
  });

  it('an IPv6 constraint never covers an IPv4 name, nor the reverse, even with a zero mask', () => {
    const v6all = ca(['::/0']);
    expect(reason(withSan(v6all, ['10.1.2.3']), v6all)).toBe('iPAddress 10.1.2.3 is outside the permitted subtrees');
    expect(check(withSan(v6all, ['2001:db8::1']), v6all)).toBeUndefined();
    const v4all = ca(['0.0.0.0/0']);
    expect(reason(withSan(v4all, ['2001:db8::1']), v4all)).toMatch(/^iPAddress 32,1,13,184,.* is outside the permitted subtrees$/);
    expect(check(withSan(v4all, ['192.0.2.1']), v4all)).toBeUndefined();
  });

  it('refuses a constraint whose mask is not contiguous, in permitted or excluded', () => {
    const holey = ca([{ ip: Uint8Array.of(10, 0, 0, 0, 255, 0, 255, 0) }]);
    expect(check(withSan(holey, ['10.0.0.1']), holey)).toEqual({ depth: 1, caDepth: 1, reason: 'iPAddress constraint with a non-contiguous mask' });
    const holey2 = ca(undefined, [{ ip: Uint8Array.of(10, 0, 0, 0, 0xfe, 0x80, 0, 0) }]);
    expect(reason(withSan(holey2, ['192.0.2.1']), holey2)).toBe('iPAddress constraint with a non-contiguous mask');
    const ok = ca([{ ip: Uint8Array.of(10, 0, 0, 0, 0xff, 0xff, 0xfe, 0) }]);
    expect(check(withSan(ok, ['10.0.1.1']), ok)).toBeUndefined();
    expect(reason(withSan(ok, ['10.0.2.1']), ok)).toMatch(/outside/);
  });
});

describe('checkNameConstraints: directoryName', () => {
  it('a constraint equal to the whole subject covers it; the empty subject is no directoryName', () => {
    const subject = { O: 'x509 tests', CN: 'dir leaf' };
    const exact = ca([{ dirName: subject }]);
    expect(check(leafOf(exact, { subject }), exact)).toBeUndefined();
    expect(reason(leafOf(exact, { subject: { O: 'x509 tests', CN: 'other leaf' } }), exact)).toBe('a directoryName is outside the permitted subtrees');
    expect(reason(leafOf(exact, { subject: { O: 'x509 tests' } }), exact)).toMatch(/outside/);
    expect(check(leafOf(exact, { subject: [], san: { value: ['localhost'], critical: true } }), exact)).toBeUndefined();
  });
});

describe('checkNameConstraints: rfc822Name', () => {
  it('a mailbox constraint: the local part exactly, the domain in any case', () => {
    const box = ca([{ email: 'Boss@Other.Example' }]);
    expect(check(withSan(box, [{ email: 'Boss@other.example' }]), box)).toBeUndefined();
    expect(reason(withSan(box, [{ email: 'boss@other.example' }]), box)).toBe('rfc822Name "boss@other.example" is outside the permitted subtrees');
    expect(reason(withSan(box, [{ email: 'Boss@other.example.org' }]), box)).toMatch(/outside/);
  });

  it('a host constraint is that host only; a domain constraint the hosts below it, in any case', () => {
    const host = ca([{ email: 'Example.COM' }]);
    expect(check(withSan(host, [{ email: 'a@EXAMPLE.com' }]), host)).toBeUndefined();
    expect(reason(withSan(host, [{ email: 'a@sub.example.com' }]), host)).toMatch(/outside/);
    const domain = ca(undefined, [{ email: '.Example.COM' }]);
    expect(reason(withSan(domain, [{ email: 'a@sub.example.com' }]), domain)).toBe('rfc822Name "a@sub.example.com" is in an excluded subtree');
    expect(check(withSan(domain, [{ email: 'a@example.com' }]), domain)).toBeUndefined();
  });

  it("the subject's emailAddress counts only without a SAN", () => {
    const c = ca([{ email: 'example.com' }]);
    const subject = [['CN', 'mail leaf'], ['emailAddress', 'a@evil.example']] as const;
    expect(check(leafOf(c, { subject, san: { value: [{ email: 'a@example.com' }] } }), c)).toBeUndefined();
    expect(reason(leafOf(c, { subject, san: null }), c)).toBe('rfc822Name "a@evil.example" is outside the permitted subtrees');
  });

  it('refuses malformed rfc822Name and URI constraints', () => {
    for (const bad of [{ email: 'a@' }, { email: '@example.com' }, { email: '.' }, { email: 'bad_domain' }, { email: '..example.com' }]) {
      const c = ca([bad]);
      expect(reason(withSan(c, ['localhost']), c), bad.email).toBe(`malformed rfc822Name constraint "${bad.email}"`);
    }
    for (const bad of [{ uri: 'https://example.com/' }, { uri: '.' }, { uri: '..example.com' }, { uri: '' }]) {
      const c = ca(undefined, [bad]);
      expect(reason(withSan(c, ['localhost']), c), bad.uri).toBe(`malformed URI constraint "${bad.uri}"`);
    }
    for (const bad of [{ dns: '.example.com' }, { dns: '*.example.com' }, { dns: 'a..b' }]) {
      const c = ca([bad]);
      expect(check(withSan(c, ['localhost']), c), bad.dns).toEqual({ depth: 1, caDepth: 1, reason: `malformed dNSName constraint "${bad.dns}"` });
    }
    const v4 = ca([{ ip: Uint8Array.of(127, 0, 0, 1) }]);
    expect(reason(withSan(v4, ['127.0.0.1']), v4)).toBe('iPAddress constraint of 4 bytes');
    // A host constraint whose first character is not a period keeps it.
    const host = ca([{ email: 'a.b' }, { uri: 'a.b' }]);
    expect(check(withSan(host, ['localhost', { email: 'x@a.b' }, { uri: 'coap://a.b/' }]), host)).toBeUndefined();
    const good = ca([{ email: '.example.com' }, { email: 'a@example.com' }, { uri: '.example.com' }, { uri: 'Host.Example.com' }]);
    expect(check(withSan(good, ['localhost', { uri: 'https://HOST.example.com/' }]), good)).toBeUndefined();
  });
});

describe('checkNameConstraints: uniformResourceIdentifier', () => {
  it('reads the host of scheme://host[:port]', () => {
    expect(uriHost('https://a.example.com/x')).toBe('a.example.com');
    expect(uriHost('coap://User@A.Example.com:5684/x')).toBe('a.example.com');
    expect(uriHost('coap://a.example.com:/x')).toBe('a.example.com');
    expect(uriHost('urn:https://a.example.com/')).toBeUndefined();
    expect(uriHost(' https://a.example.com/')).toBeUndefined();
    expect(uriHost('https://a.example.com:x/')).toBeUndefined();
    expect(uriHost('https://a.example.com:80:90/')).toBeUndefined();
    expect(uriHost('https://[::1]/')).toBeUndefined();
    expect(uriHost('https:///path')).toBeUndefined();
  });

  it('a host constraint is that host only, a domain one the hosts below it; names the host', () => {
    const exact = ca([{ uri: 'a.example.com' }]);
    expect(check(withSan(exact, ['localhost', { uri: 'https://a.example.com/' }]), exact)).toBeUndefined();
    expect(reason(withSan(exact, ['localhost', { uri: 'https://xa.example.com/' }]), exact)).toBe('URI host "xa.example.com" is outside the permitted subtrees');
    expect(reason(withSan(exact, ['localhost', { uri: 'https://b.a.example.com/' }]), exact)).toMatch(/outside/);
    const x = ca(undefined, [{ uri: '.Example.com' }]);
    expect(reason(withSan(x, ['localhost', { uri: 'https://a.example.com/' }]), x)).toBe('URI host "a.example.com" is in an excluded subtree');
    expect(check(withSan(x, ['localhost', { uri: 'https://example.com/' }]), x)).toBeUndefined();
  });

  it('a URI whose host is not one is outside every subtree', () => {
    const c = ca([{ uri: 'a.example.comx' }]);
    expect(reason(withSan(c, ['localhost', { uri: 'coap://a.example.com:x/' }]), c)).toBe('a URI without a host name is outside the permitted subtrees');
    expect(check(withSan(c, ['localhost', { uri: 'coap://a.example.comx/' }]), c)).toBeUndefined();
  });
});

describe('checkNameConstraints: forms it does not evaluate', () => {
  const x400 = ctx(3, seq());
  const edi = ctx(5, ctx(1, Uint8Array.of(0x0c, 1, 0x61)));
  const rid = ctxPrim(8, Uint8Array.of(0x2b, 6, 1));
  for (const [form, raw] of [['x400', x400], ['ediParty', edi], ['registeredId', rid]] as const) {
    it(`refuses a ${form} name below a ${form} constraint, not otherwise`, () => {
      const c = ca(undefined, [{ raw }]);
      expect(reason(withSan(c, ['localhost', { raw }]), c)).toBe(`a ${form} name is constrained by a name form that is not evaluated`);
      expect(check(withSan(c, ['localhost']), c)).toBeUndefined();
      const p = ca([{ raw }]);
      expect(reason(withSan(p, ['localhost', { raw }]), p)).toMatch(/not evaluated/);
    });
  }
  it('a dNSName constraint does not refuse an x400 name', () => {
    const c = ca(['localhost']);
    expect(check(withSan(c, ['localhost', { raw: x400 }]), c)).toBeUndefined();
  });
});

describe('checkNameConstraints: the path', () => {
  it('checks a self-issued leaf, skips a self-issued intermediate', () => {
    const c = ca(['example.com']);
    // The leaf bears its issuer's name: self-issued, and still the end entity.
    const selfIssuedLeaf = makeCert({
      subject: { O: 'x509 tests', CN: 'NC Unit CA' }, issuer: issuerOf(c), key: testKey('p256', 172), basicConstraints: { ca: false },
      keyUsage: { value: ['digitalSignature'] }, san: { value: ['www.example.org'] }, aki: { value: 'auto' },
    });
    expect(check(selfIssuedLeaf, c)).toEqual({ depth: 0, caDepth: 1, reason: 'dNSName "www.example.org" is outside the permitted subtrees' });
  });

  it('reports the depth of the certificate and of the constraining CA', () => {
    const c = ca(['example.com']);
    const mid = makeIntermediate(c, 'Mid CA', { key: testKey('p256', 175), san: { value: ['ca.example.org'] } });
    expect(check(leafOf(mid, { san: { value: ['www.example.com'] } }), mid, c)).toEqual({ depth: 1, caDepth: 2, reason: 'dNSName "ca.example.org" is outside the permitted subtrees' });
    expect(check(leafOf(mid, { san: { value: ['www.example.net'] } }), mid, c)?.depth).toBe(0);
  });

  it('spends names × constraints from the budget, for each CA', () => {
    const c = ca(['example.com', 'example.org'], ['bad.example.com']);
    const l = withSan(c, ['a.example.com', 'b.example.com']);
    const path = [l, c].map((x) => parseCertificate(x.der));
    expect(checkNameConstraints(path, new WorkBudget(0, 0, 6))).toBeUndefined();
    expect(() => checkNameConstraints(path, new WorkBudget(0, 0, 5))).toThrow(/name constraint comparisons/);
  });
});

describe.each([
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][])('name constraints through verifyChain (%s provider)', (_name, p) => {
  it('an IP-like CN of a leaf without SAN is not held to dNSName constraints', () => {
    const c = ca(['example.com']);
    expectOk(verifyChain(p, [leafOf(c, { san: null, subject: { CN: '10.0.0.1' } }).der, c.der], { ca: [root.der], purpose: 'serverAuth', now: NOW }), 3);
    expectError(verifyChain(p, [leafOf(c, { san: null, subject: { CN: 'www.example.org' } }).der, c.der], { ca: [root.der], purpose: 'serverAuth', now: NOW }), 'ERR_DTLS_CERT_NAME_CONSTRAINTS');
  });
});
