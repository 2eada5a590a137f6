/**
 * The path-validation cases, one per rule of docs/x509.md: certificates the
 * test generates, the verdict and error code puredtls must give, and, where
 * `openssl verify -x509_strict` gives the other verdict, why (with the RFC
 * clause; docs/x509.md lists the same cases). Used by the OpenSSL agreement
 * test and to build the small limbo-format suite the runner test reads.
 */
import type { CertificatePurpose } from '../../../src/x509/verify.js';
import { ctxPrim, generalizedTime, oid, seq, utcTime } from './der.js';
import {
  EKU, type CertSpec, type NameEntry, type TestCert, type TestCrl, issuerOf, makeCert, makeCrl, makeIntermediate, makeLeaf, makeRoot, nameDer, testKey,
} from './pki.js';

/** A known disagreement with `openssl verify -x509_strict`. */
export interface OpensslDifference {
  /** Why puredtls decides otherwise, with the clause it follows. */
  readonly why: string;
  /** OpenSSL flags under which OpenSSL agrees with puredtls (e.g. a security level). */
  readonly agreesWith?: readonly string[];
}

export interface X509Case {
  readonly id: string;
  /** The section of docs/x509.md the case belongs to. */
  readonly rule: string;
  readonly trusted: readonly TestCert[];
  readonly intermediates: readonly TestCert[];
  readonly leaf: TestCert;
  readonly purpose: CertificatePurpose;
  readonly host?: string;
  readonly now: Date;
  readonly crls?: readonly TestCrl[];
  readonly allowSha1?: boolean;
  /** `'ok'`, or the code verifyChain must fail with (`'load'`: the CRL is refused when loaded). */
  readonly expect: string;
  readonly openssl?: OpensslDifference;
}

export const NOW = new Date('2030-06-01T00:00:00Z');

const R = makeRoot('Case Root', testKey('p256', 40));
const I = makeIntermediate(R, 'Case Intermediate', { key: testKey('p256', 41) });
const L = makeLeaf(I, { key: testKey('p256', 42) });

/** A leaf under `I` with `extra`, checked for `localhost` unless `host` says otherwise. */
const leaf = (extra: Partial<CertSpec> = {}): TestCert => makeLeaf(I, { key: testKey('p256', 42), ...extra });
/** An intermediate under `R` with `extra`. */
const inter = (cn: string, extra: Partial<CertSpec> = {}): TestCert => makeIntermediate(R, cn, { key: testKey('p256', 43), ...extra });
const leafOf = (issuer: TestCert, extra: Partial<CertSpec> = {}): TestCert => makeLeaf(issuer, { key: testKey('p256', 42), ...extra });
const ENC = new TextEncoder();

interface Spec {
  id: string;
  rule: string;
  trusted?: TestCert[];
  intermediates?: TestCert[];
  leaf: TestCert;
  purpose?: CertificatePurpose;
  host?: string | null;
  now?: Date;
  crls?: TestCrl[];
  allowSha1?: boolean;
  expect: string;
  openssl?: OpensslDifference;
}

const cases: X509Case[] = [];
function add(s: Spec): void {
  cases.push({
    id: s.id,
    rule: s.rule,
    trusted: s.trusted ?? [R],
    intermediates: s.intermediates ?? [I],
    leaf: s.leaf,
    purpose: s.purpose ?? 'serverAuth',
    ...(s.host !== null && { host: s.host ?? 'localhost' }),
    now: s.now ?? NOW,
    ...(s.crls && { crls: s.crls }),
    ...(s.allowSha1 && { allowSha1: true }),
    expect: s.expect,
    ...(s.openssl && { openssl: s.openssl }),
  });
}

// ---------------------------------------------------------------------------
// Baseline and path building
{
  const rule = 'path building';
  add({ id: 'valid-chain', rule, leaf: L, expect: 'ok' });
  add({ id: 'missing-intermediate', rule, intermediates: [], leaf: L, expect: 'ERR_DTLS_CERT_UNTRUSTED' });
  const other = makeRoot('Unrelated Root', testKey('p256', 44));
  add({ id: 'extra-and-misordered-certificates', rule, intermediates: [other, R, I, other], leaf: L, expect: 'ok' });
  // Cross-signed intermediate: the same CA (name and key) under an untrusted and a trusted root.
  const oldRoot = makeRoot('Old Root', testKey('p256', 45));
  const crossOld = makeIntermediate(oldRoot, 'Cross CA', { key: testKey('p256', 46) });
  const crossNew = makeIntermediate(R, 'Cross CA', { key: testKey('p256', 46) });
  add({
    id: 'cross-signed-intermediate', rule, intermediates: [crossOld, crossNew], leaf: leafOf(crossOld), expect: 'ok',
    openssl: { why: 'a valid path exists through the intermediate cross-signed by the trusted root, so the chain is valid (RFC 5280 §6, RFC 4158 §2.4 path building); OpenSSL takes the first candidate issuer the peer sent and does not go back to the other' },
  });
  add({ id: 'cross-signed-intermediate-trusted-one-first', rule, intermediates: [crossNew, crossOld], leaf: leafOf(crossOld), expect: 'ok' });
  // A root and its re-issue (same name and key), the first one expired.
  const rootOld = makeRoot('Reissued Root', testKey('p256', 47), { notAfter: new Date('2029-01-01T00:00:00Z') });
  const rootNew = makeRoot('Reissued Root', testKey('p256', 47));
  add({ id: 'root-and-its-reissue', rule, trusted: [rootOld, rootNew], intermediates: [], leaf: leafOf(rootNew), expect: 'ok' });
  // "Chain of pain": an expired cross-certificate of a trusted root, sent along.
  const crossExpired = makeCert({ subject: { O: 'x509 tests', CN: 'Case Root' }, issuer: issuerOf(other), key: testKey('p256', 40), notAfter: new Date('2029-01-01T00:00:00Z'),
    basicConstraints: { ca: true }, keyUsage: { value: ['keyCertSign', 'cRLSign'] }, ski: { value: 'auto' }, aki: { value: 'auto' } });
  add({ id: 'expired-cross-certificate-of-trusted-root', rule, trusted: [R, other], intermediates: [I, crossExpired], leaf: L, expect: 'ok' });
  // An expired intermediate next to a valid one (same name and key).
  const iExpired = inter('Twin CA', { notAfter: new Date('2029-01-01T00:00:00Z') });
  const iValid = inter('Twin CA');
  add({ id: 'expired-intermediate-with-valid-twin', rule, intermediates: [iExpired, iValid], leaf: leafOf(iValid), expect: 'ok' });
  // Two CAs signing each other, no anchor.
  const kA = testKey('p256', 48);
  const kB = testKey('p256', 49);
  const caExt = { basicConstraints: { ca: true }, keyUsage: { value: ['keyCertSign'] }, ski: { value: 'auto' as const }, aki: { value: 'auto' as const } };
  const a = makeCert({ subject: { CN: 'Loop A' }, issuer: { subject: nameDer({ CN: 'Loop B' }), key: kB }, key: kA, ...caExt });
  const b = makeCert({ subject: { CN: 'Loop B' }, issuer: { subject: nameDer({ CN: 'Loop A' }), key: kA }, key: kB, ...caExt });
  add({ id: 'intermediate-cycle', rule, intermediates: [a, b], leaf: leafOf(a), expect: 'ERR_DTLS_CERT_UNTRUSTED' });
  const self = makeCert({ subject: { CN: 'localhost' }, key: testKey('p256', 50), basicConstraints: { ca: false }, keyUsage: { value: ['digitalSignature'] },
    san: { value: ['localhost'] }, ski: { value: 'auto' } });
  add({ id: 'self-signed-leaf-untrusted', rule, intermediates: [], leaf: self, expect: 'ERR_DTLS_CERT_UNTRUSTED' });
  add({ id: 'self-signed-leaf-pinned', rule, trusted: [self], intermediates: [], leaf: self, expect: 'ok' });
  add({ id: 'bad-signature-intermediate', rule, intermediates: [inter('Case Intermediate', { key: testKey('p256', 41), corruptSignature: true })], leaf: L, expect: 'ERR_DTLS_CERT_BAD_SIGNATURE' });
  add({ id: 'bad-signature-leaf', rule, leaf: leaf({ corruptSignature: true }), expect: 'ERR_DTLS_CERT_BAD_SIGNATURE' });
  add({
    id: 'intermediate-as-trust-anchor', rule, trusted: [I], intermediates: [], leaf: L, expect: 'ok',
    openssl: { why: 'a certificate in `ca` is a trust anchor whether or not it is self-signed (RFC 5280 §6.1.1 (d): the anchor is any trusted name and key); OpenSSL needs -partial_chain for that', agreesWith: ['-partial_chain'] },
  });
  add({ id: 'expired-leaf', rule: 'validity', leaf: leaf({ notAfter: new Date('2030-05-01T00:00:00Z') }), expect: 'ERR_DTLS_CERT_EXPIRED' });
  add({ id: 'expired-root', rule: 'validity', trusted: [makeRoot('Case Root', testKey('p256', 40), { notAfter: new Date('2030-05-01T00:00:00Z') })], leaf: L, expect: 'ERR_DTLS_CERT_EXPIRED' });
  add({ id: 'not-yet-valid-intermediate', rule: 'validity', intermediates: [inter('Case Intermediate', { key: testKey('p256', 41), notBefore: new Date('2030-07-01T00:00:00Z') })], leaf: L, expect: 'ERR_DTLS_CERT_NOT_YET_VALID' });
}

// ---------------------------------------------------------------------------
// Name constraints
{
  const rule = 'name constraints';
  const nc = (permitted?: NameEntry[], excluded?: NameEntry[]): TestCert =>
    inter('NC CA', { nameConstraints: { value: { ...(permitted && { permitted }), ...(excluded && { excluded }) } } });
  const under = (ca: TestCert, san: NameEntry[] | null, extra: Partial<CertSpec> = {}): TestCert => leafOf(ca, { san: san === null ? null : { value: san }, ...extra });
  const dnsCa = nc(['example.com'], ['bad.example.com']);
  add({ id: 'nc-dns-permitted', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['www.example.com']), host: 'www.example.com', expect: 'ok' });
  add({ id: 'nc-dns-outside-permitted', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['www.example.org']), host: 'www.example.org', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-dns-label-boundary', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['notexample.com']), host: 'notexample.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-dns-excluded', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['x.bad.example.com']), host: 'x.bad.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-dns-second-san-excluded', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['www.example.com', 'bad.example.com']), host: 'www.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const wildExcl = nc(['example.com'], ['bar.example.com']);
  add({
    id: 'nc-wildcard-san-vs-excluded', rule, intermediates: [wildExcl], leaf: under(wildExcl, ['*.example.com']), host: 'foo.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS',
    openssl: { why: '`*.example.com` matches `bar.example.com`, which is excluded: a wildcard SAN stands for every name it matches (RFC 5280 §4.2.1.10 with RFC 6125 §6.4.3; the bypass of CVE-2025-61727). OpenSSL compares the wildcard as a literal string' },
  });
  const wildPerm = nc(['foo.example.com']);
  add({ id: 'nc-wildcard-san-vs-narrower-permitted', rule, intermediates: [wildPerm], leaf: under(wildPerm, ['*.example.com']), host: 'foo.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const permitOnly = nc(['example.com']);
  add({ id: 'nc-wildcard-san-inside-permitted', rule, intermediates: [permitOnly], leaf: under(permitOnly, ['*.example.com']), host: 'foo.example.com', expect: 'ok' });
  add({ id: 'nc-wildcard-san-over-excluded-child', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['*.example.com']), host: 'foo.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS',
    openssl: { why: '`*.example.com` matches `bad.example.com`, which is excluded (RFC 5280 §4.2.1.10 with RFC 6125 §6.4.3); OpenSSL compares the wildcard as a literal string' } });
  const leading = nc(['.example.com']);
  add({
    id: 'nc-dns-leading-period-constraint', rule, intermediates: [leading], leaf: under(leading, ['foo.example.com']), host: 'foo.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS',
    openssl: { why: 'a dNSName constraint is a host name (RFC 5280 §4.2.1.10); the leading-period form is defined for rfc822Name and URI constraints only. OpenSSL accepts `.example.com` as "subdomains of"' },
  });
  const starConstraint = nc(['*.example.com']);
  add({ id: 'nc-dns-wildcard-constraint', rule, intermediates: [starConstraint], leaf: under(starConstraint, ['foo.example.com']), host: 'foo.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const ipCa = nc(['10.0.0.0/8', '2001:db8::/32'], ['10.9.0.0/16', '::1/128']);
  add({ id: 'nc-ipv4-permitted', rule, intermediates: [ipCa], leaf: under(ipCa, ['10.1.1.1']), host: '10.1.1.1', expect: 'ok' });
  add({ id: 'nc-ipv4-outside-permitted', rule, intermediates: [ipCa], leaf: under(ipCa, ['192.168.1.1']), host: '192.168.1.1', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-ipv4-excluded', rule, intermediates: [ipCa], leaf: under(ipCa, ['10.9.1.1']), host: '10.9.1.1', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-ipv6-permitted', rule, intermediates: [ipCa], leaf: under(ipCa, ['2001:db8::5']), host: '2001:db8::5', expect: 'ok' });
  add({ id: 'nc-ipv6-excluded', rule, intermediates: [ipCa], leaf: under(ipCa, ['::1']), host: '::1', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-ip-other-family-unconstrained', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['192.0.2.1']), host: '192.0.2.1', expect: 'ok' });
  const badIpConstraint = nc([{ ip: Uint8Array.of(127, 0, 0, 1) }]);
  add({ id: 'nc-ip-constraint-wrong-length', rule, intermediates: [badIpConstraint], leaf: under(badIpConstraint, ['127.0.0.1']), host: '127.0.0.1', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-ip-san-wrong-length', rule, intermediates: [ipCa], leaf: under(ipCa, [{ ip: Uint8Array.of(10, 1, 1, 0, 255, 255, 255, 0) }, '10.1.1.1']), host: '10.1.1.1', expect: 'ERR_DTLS_CERT_INVALID_NAME' });
  add({
    id: 'ip-san-wrong-length-unconstrained', rule: 'names', leaf: leaf({ san: { value: ['localhost', { ip: Uint8Array.of(1, 2, 3) }] } }), expect: 'ERR_DTLS_CERT_INVALID_NAME',
    openssl: { why: 'an iPAddress is 4 or 16 octets (RFC 5280 §4.2.1.6); OpenSSL ignores a malformed one it does not need' },
  });
  const dirCa = nc([{ dirName: { O: 'x509 tests' } }]);
  add({ id: 'nc-dirname-permitted', rule, intermediates: [dirCa], leaf: under(dirCa, ['localhost']), expect: 'ok' });
  add({ id: 'nc-dirname-subject-outside', rule, intermediates: [dirCa], leaf: under(dirCa, ['localhost'], { subject: { O: 'Elsewhere', CN: 'localhost' } }), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const dirExcl = nc(undefined, [{ dirName: { O: 'x509 tests', CN: 'localhost' } }]);
  add({ id: 'nc-dirname-excluded', rule, intermediates: [dirExcl], leaf: under(dirExcl, ['localhost']), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-dirname-san-outside', rule, intermediates: [dirCa], leaf: under(dirCa, ['localhost', { dirName: { O: 'Elsewhere' } }]), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const mailCa = nc([{ email: 'example.com' }, { email: '.sub.example.com' }, { email: 'boss@other.example' }]);
  const mail = (addr: string): TestCert => under(mailCa, ['localhost', { email: addr }], { eku: { value: [EKU.clientAuth] } });
  add({ id: 'nc-rfc822-host', rule, intermediates: [mailCa], leaf: mail('a@example.com'), purpose: 'clientAuth', host: null, expect: 'ok' });
  add({ id: 'nc-rfc822-domain', rule, intermediates: [mailCa], leaf: mail('a@x.sub.example.com'), purpose: 'clientAuth', host: null, expect: 'ok' });
  add({ id: 'nc-rfc822-domain-excludes-itself', rule, intermediates: [mailCa], leaf: mail('a@sub.example.com'), purpose: 'clientAuth', host: null, expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-rfc822-mailbox', rule, intermediates: [mailCa], leaf: mail('boss@other.example'), purpose: 'clientAuth', host: null, expect: 'ok' });
  add({ id: 'nc-rfc822-other-mailbox', rule, intermediates: [mailCa], leaf: mail('intern@other.example'), purpose: 'clientAuth', host: null, expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({
    id: 'nc-rfc822-subject-email', rule, intermediates: [mailCa], host: null, purpose: 'clientAuth', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS',
    leaf: under(mailCa, null, { subject: [['CN', 'device'], ['emailAddress', 'a@elsewhere.example']], eku: { value: [EKU.clientAuth] } }),
  });
  const uriCa = nc([{ uri: '.example.com' }, { uri: 'exact.example.org' }]);
  const uri = (u: string): TestCert => under(uriCa, ['localhost', { uri: u }]);
  add({ id: 'nc-uri-domain', rule, intermediates: [uriCa], leaf: uri('https://a.example.com/x'), expect: 'ok' });
  add({ id: 'nc-uri-exact-host', rule, intermediates: [uriCa], leaf: uri('coap://exact.example.org:5684/y'), expect: 'ok' });
  add({
    id: 'nc-uri-host-after-userinfo', rule, intermediates: [uriCa], leaf: uri('coap://user@exact.example.org/y'), expect: 'ok',
    openssl: { why: 'the host of `coap://user@exact.example.org/y` is `exact.example.org` (RFC 3986 §3.2: userinfo "@" host), which the constraint permits (RFC 5280 §4.2.1.10); OpenSSL takes `user@exact.example.org` as the host' },
  });
  add({ id: 'nc-uri-outside', rule, intermediates: [uriCa], leaf: uri('https://example.org/'), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-uri-without-host', rule, intermediates: [uriCa], leaf: uri('urn:uuid:1234'), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const otherOid = '1.3.6.1.4.1.55738.666.3';
  const onCa = nc(['localhost'], [{ otherName: { oid: otherOid, value: Uint8Array.of(5, 0) } }]);
  add({ id: 'nc-othername-constrained-name-present', rule, intermediates: [onCa], leaf: under(onCa, ['localhost', { otherName: { oid: otherOid, value: Uint8Array.of(5, 0) } }]), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-othername-constraint-no-such-name', rule, intermediates: [onCa], leaf: under(onCa, ['localhost']), expect: 'ok' });
  add({
    id: 'nc-in-leaf', rule, leaf: leaf({ nameConstraints: { value: { permitted: ['localhost'] } } }), expect: 'ERR_DTLS_CERT_PROFILE',
    openssl: { why: 'nameConstraints MUST be used only in a CA certificate (RFC 5280 §4.2.1.10); OpenSSL ignores them in an end-entity certificate' },
  });
  add({ id: 'nc-cn-as-name', rule, intermediates: [dnsCa], leaf: under(dnsCa, null, { subject: { CN: 'www.example.org' } }), host: 'www.example.org', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  add({ id: 'nc-cn-ignored-with-san', rule, intermediates: [dnsCa], leaf: under(dnsCa, ['www.example.com'], { subject: { CN: 'www.example.org' } }), host: 'www.example.com', expect: 'ok' });
  const ncRoot = makeRoot('NC Root', testKey('p256', 51), { nameConstraints: { value: { permitted: ['example.com'] } } });
  add({ id: 'nc-on-trust-anchor', rule, trusted: [ncRoot], intermediates: [], leaf: leafOf(ncRoot), expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const i1 = makeIntermediate(ncRoot, 'Under NC Root', { key: testKey('p256', 52), san: { value: ['forbidden.example.org'] } });
  add({ id: 'nc-intermediate-san-checked', rule, trusted: [ncRoot], intermediates: [i1], leaf: leafOf(i1, { san: { value: ['a.example.com'] } }), host: 'a.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const selfIssued = makeCert({ subject: { O: 'x509 tests', CN: 'NC CA' }, issuer: issuerOf(dnsCa), key: testKey('p256', 53), basicConstraints: { ca: true },
    keyUsage: { value: ['keyCertSign'] }, ski: { value: 'auto' }, aki: { value: 'auto' }, san: { value: ['outside.example.org'] } });
  add({ id: 'nc-self-issued-intermediate-exempt', rule, intermediates: [dnsCa, selfIssued], leaf: leafOf(selfIssued, { san: { value: ['www.example.com'] } }), host: 'www.example.com', expect: 'ok' });
  const nonCritical = inter('NC CA', { nameConstraints: { value: { permitted: ['example.com'] }, critical: false } });
  add({ id: 'nc-non-critical-still-enforced', rule, intermediates: [nonCritical], leaf: under(nonCritical, ['www.example.org']), host: 'www.example.org', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  const narrow = makeIntermediate(dnsCa, 'Narrow CA', { key: testKey('p256', 54), nameConstraints: { value: { permitted: ['a.example.com'] } } });
  add({ id: 'nc-intersection-along-path', rule, intermediates: [dnsCa, narrow], leaf: leafOf(narrow, { san: { value: ['b.example.com'] } }), host: 'b.example.com', expect: 'ERR_DTLS_CERT_NAME_CONSTRAINTS' });
  // Work bound: 1100 excluded subtrees × 250 names = 275 000 comparisons > 250 000.
  const many = inter('Busy NC CA', { nameConstraints: { value: { excluded: Array.from({ length: 1100 }, (_, i) => `e${i}.example.net`) } } });
  add({
    id: 'nc-work-bound', rule, intermediates: [many], leaf: under(many, ['localhost', ...Array.from({ length: 249 }, (_, i) => `n${i}.example.com`)]), expect: 'ERR_DTLS_CERT_TOO_COMPLEX',
    openssl: { why: 'names × constraints is bounded at 250 000 comparisons per validation (as rustls-webpki); OpenSSL allows up to 2^20 and accepts this chain' },
  });
}

// ---------------------------------------------------------------------------
// Key identifiers
{
  const rule = 'key identifiers';
  add({ id: 'intermediate-without-ski', rule, intermediates: [inter('No SKI CA', { ski: null })], leaf: leafOf(inter('No SKI CA', { ski: null })), expect: 'ERR_DTLS_CERT_PROFILE' });
  const rootNoSki = makeRoot('No SKI Root', testKey('p256', 55), { ski: null });
  add({ id: 'root-without-ski', rule, trusted: [rootNoSki], intermediates: [], leaf: leafOf(rootNoSki), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({ id: 'leaf-without-aki', rule, leaf: leaf({ aki: null }), expect: 'ERR_DTLS_CERT_PROFILE' });
  const noAki = inter('No AKI CA', { aki: null });
  add({ id: 'intermediate-without-aki', rule, intermediates: [noAki], leaf: leafOf(noAki), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({ id: 'aki-without-keyidentifier', rule, leaf: leaf({ aki: { value: { issuer: { O: 'x509 tests', CN: 'Case Root' }, serial: 1 } } }), expect: 'ERR_DTLS_CERT_UNTRUSTED' });
  add({ id: 'self-signed-root-without-aki', rule, leaf: L, expect: 'ok' });
  add({ id: 'aki-critical', rule, leaf: leaf({ aki: { value: 'auto', critical: true } }), expect: 'ERR_DTLS_CERT_PROFILE' });
  const rootCriticalSki = makeRoot('Critical SKI Root', testKey('p256', 56), { ski: { value: 'auto', critical: true } });
  add({ id: 'ski-critical', rule, trusted: [rootCriticalSki], intermediates: [], leaf: leafOf(rootCriticalSki), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({ id: 'aki-ski-mismatch', rule, leaf: leaf({ aki: { value: { keyId: Uint8Array.of(1, 2, 3, 4) } } }), expect: 'ERR_DTLS_CERT_UNTRUSTED' });
  const rootBadAki = makeRoot('Odd Root', testKey('p256', 57), { aki: { value: { keyId: Uint8Array.of(9, 9, 9) } } });
  add({ id: 'root-aki-not-its-ski', rule, trusted: [rootBadAki], intermediates: [], leaf: leafOf(rootBadAki), expect: 'ERR_DTLS_CERT_PROFILE' });
  const rootAkiOther = makeRoot('AKI Names Other', testKey('p256', 68), { aki: { value: { keyId: testKey('p256', 68).keyId, issuer: { CN: 'myCN' }, serial: 1234 } } });
  add({ id: 'root-aki-names-another-issuer', rule, trusted: [rootAkiOther], intermediates: [], leaf: leafOf(rootAkiOther), expect: 'ERR_DTLS_CERT_PROFILE' });
  const rootAkiEmpty = makeRoot('AKI Empty Root', testKey('p256', 69), { aki: { value: {} } });
  add({
    id: 'root-aki-without-keyidentifier', rule, trusted: [rootAkiEmpty], intermediates: [], leaf: leafOf(rootAkiEmpty), expect: 'ERR_DTLS_CERT_PROFILE',
    openssl: { why: 'an authorityKeyIdentifier MUST carry its keyIdentifier (RFC 5280 §4.2.1.1; a self-signed certificate may omit the whole extension, not the field); OpenSSL does not check' },
  });
  add({ id: 'aki-issuer-serial-mismatch', rule, leaf: leaf({ aki: { value: { keyId: testKey('p256', 41).keyId, issuer: { CN: 'Somebody Else' }, serial: 77 } } }), expect: 'ERR_DTLS_CERT_UNTRUSTED' });
}

// ---------------------------------------------------------------------------
// basicConstraints, keyUsage, extKeyUsage
{
  const rule = 'basicConstraints';
  const noBc = inter('No BC CA', { basicConstraints: null });
  add({ id: 'intermediate-without-basic-constraints', rule, intermediates: [noBc], leaf: leafOf(noBc), expect: 'ERR_DTLS_CERT_NOT_CA' });
  const caFalse = inter('CA False', { basicConstraints: { ca: false } });
  add({ id: 'intermediate-ca-false', rule, intermediates: [caFalse], leaf: leafOf(caFalse), expect: 'ERR_DTLS_CERT_NOT_CA' });
  const bcNonCrit = inter('BC Noncritical CA', { basicConstraints: { ca: true, critical: false } });
  add({ id: 'intermediate-basic-constraints-not-critical', rule, intermediates: [bcNonCrit], leaf: leafOf(bcNonCrit), expect: 'ERR_DTLS_CERT_PROFILE' });
  const rootBcNonCrit = makeRoot('BC Noncritical Root', testKey('p256', 58), { basicConstraints: { ca: true, critical: false } });
  add({ id: 'root-basic-constraints-not-critical', rule, trusted: [rootBcNonCrit], intermediates: [], leaf: leafOf(rootBcNonCrit), expect: 'ERR_DTLS_CERT_PROFILE' });
  const rootNoBc = makeRoot('No BC Root', testKey('p256', 59), { basicConstraints: null });
  add({ id: 'root-without-basic-constraints', rule, trusted: [rootNoBc], intermediates: [], leaf: leafOf(rootNoBc), expect: 'ERR_DTLS_CERT_NOT_CA' });
  const p0 = inter('PathLen0 CA', { basicConstraints: { ca: true, pathLen: 0 } });
  const below = makeIntermediate(p0, 'Below PathLen0', { key: testKey('p256', 60) });
  add({ id: 'pathlen-exceeded', rule, intermediates: [p0, below], leaf: leafOf(below), expect: 'ERR_DTLS_CERT_PATH_LENGTH' });
  add({ id: 'pathlen-0-allows-leaf', rule, intermediates: [p0], leaf: leafOf(p0), expect: 'ok' });
  const caLeaf = makeIntermediate(p0, 'CA In Leaf Position', { key: testKey('p256', 61), basicConstraints: { ca: true, pathLen: 0 },
    keyUsage: { value: ['digitalSignature', 'keyCertSign'] }, san: { value: ['localhost'] }, eku: { value: [EKU.serverAuth] } });
  add({ id: 'pathlen-ignored-in-leaf', rule, intermediates: [p0], leaf: caLeaf, expect: 'ok' });
  const p1 = inter('PathLen1 CA', { basicConstraints: { ca: true, pathLen: 1 } });
  const selfIssuedP1 = makeCert({ subject: { O: 'x509 tests', CN: 'PathLen1 CA' }, issuer: issuerOf(p1), key: testKey('p256', 62), basicConstraints: { ca: true, pathLen: 1 },
    keyUsage: { value: ['keyCertSign'] }, ski: { value: 'auto' }, aki: { value: 'auto' } });
  const below1 = makeIntermediate(selfIssuedP1, 'Below Self-Issued', { key: testKey('p256', 63), basicConstraints: { ca: true, pathLen: 0 } });
  add({ id: 'pathlen-self-issued-not-counted', rule, intermediates: [p1, selfIssuedP1, below1], leaf: leafOf(below1), expect: 'ok' });
  add({ id: 'leaf-ca-true-digital-signature', rule, leaf: leaf({ basicConstraints: { ca: true } }), expect: 'ok' });
  add({ id: 'leaf-keycertsign-without-ca', rule, leaf: leaf({ keyUsage: { value: ['digitalSignature', 'keyCertSign'] } }), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({ id: 'leaf-pathlen-without-ca', rule, leaf: leaf({ basicConstraints: { ca: false, pathLen: 0 } }), expect: 'ERR_DTLS_CERT_PROFILE' });
  const pathLenNoCertSign = inter('PathLen Without CertSign', { basicConstraints: { ca: true, pathLen: 0 }, keyUsage: { value: ['cRLSign'] } });
  add({ id: 'pathlen-without-keycertsign', rule, intermediates: [pathLenNoCertSign], leaf: leafOf(pathLenNoCertSign), expect: 'ERR_DTLS_CERT_NOT_CA' });
  const v1Inter = makeCert({ subject: { CN: 'V1 CA' }, issuer: issuerOf(R), key: testKey('p256', 64), version: 1 });
  add({ id: 'v1-intermediate', rule, intermediates: [v1Inter], leaf: leafOf(v1Inter), expect: 'ERR_DTLS_CERT_NOT_CA' });
  const v1Leaf = makeCert({ subject: { CN: 'localhost' }, issuer: issuerOf(I), key: testKey('p256', 42), version: 1 });
  add({ id: 'v1-leaf', rule, leaf: v1Leaf, expect: 'ok' });
}
{
  const rule = 'keyUsage and extKeyUsage';
  const noKuInter = inter('No KU CA', { keyUsage: null });
  add({ id: 'intermediate-without-key-usage', rule, intermediates: [noKuInter], leaf: leafOf(noKuInter), expect: 'ERR_DTLS_CERT_PROFILE' });
  const noCertSign = inter('No CertSign CA', { keyUsage: { value: ['cRLSign', 'digitalSignature'] } });
  add({ id: 'intermediate-without-keycertsign', rule, intermediates: [noCertSign], leaf: leafOf(noCertSign), expect: 'ERR_DTLS_CERT_NOT_CA' });
  const rootNoKu = makeRoot('No KU Root', testKey('p256', 65), { keyUsage: null });
  add({ id: 'root-without-key-usage', rule, trusted: [rootNoKu], intermediates: [], leaf: leafOf(rootNoKu), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({
    id: 'leaf-key-encipherment-only', rule, leaf: leaf({ keyUsage: { value: ['keyEncipherment'] } }), expect: 'ERR_DTLS_CERT_BAD_KEY_USAGE',
    openssl: { why: 'the end-entity key signs the handshake (ECDHE suites; puredtls has no RSA key transport), so keyUsage must allow digitalSignature (RFC 5246 §7.4.2, RFC 5280 §4.2.1.3); OpenSSL\'s sslserver purpose also accepts keyEncipherment' },
  });
  add({ id: 'leaf-empty-key-usage', rule, leaf: leaf({ keyUsage: { value: [] } }), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({ id: 'leaf-eku-client-only-as-server', rule, leaf: leaf({ eku: { value: [EKU.clientAuth] } }), expect: 'ERR_DTLS_CERT_BAD_EKU' });
  add({ id: 'leaf-eku-server-only-as-client', rule, leaf: leaf({ eku: { value: [EKU.serverAuth] } }), purpose: 'clientAuth', host: null, expect: 'ERR_DTLS_CERT_BAD_EKU' });
  add({
    id: 'leaf-eku-any', rule, leaf: leaf({ eku: { value: [EKU.any] } }), expect: 'ok',
    openssl: { why: 'anyExtendedKeyUsage means the key is not restricted to listed purposes (RFC 5280 §4.2.1.12); OpenSSL\'s sslserver purpose requires serverAuth itself' },
  });
  add({ id: 'leaf-without-eku', rule, leaf: leaf({ eku: null }), expect: 'ok' });
  const clientCa = inter('Client CA', { eku: { value: [EKU.clientAuth] } });
  add({ id: 'intermediate-eku-excludes-purpose', rule, intermediates: [clientCa], leaf: leafOf(clientCa), expect: 'ERR_DTLS_CERT_BAD_EKU' });
  add({ id: 'intermediate-eku-allows-purpose', rule, intermediates: [clientCa], leaf: leafOf(clientCa), purpose: 'clientAuth', host: null, expect: 'ok' });
}

// ---------------------------------------------------------------------------
// Names
{
  const rule = 'names';
  add({ id: 'empty-subject-critical-san', rule, leaf: leaf({ subject: [], san: { value: ['localhost'], critical: true } }), expect: 'ok' });
  add({ id: 'empty-subject-noncritical-san', rule, leaf: leaf({ subject: [] }), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({ id: 'empty-issuer-name', rule, leaf: leaf({ issuerName: [] }), expect: 'ERR_DTLS_CERT_UNTRUSTED' });
  const emptySubjectCa = inter('ignored', { subject: [], san: { value: ['ca.example'], critical: true } });
  add({ id: 'ca-empty-subject', rule, intermediates: [emptySubjectCa], leaf: leafOf(emptySubjectCa), expect: 'ERR_DTLS_CERT_PROFILE' });
  add({
    id: 'dns-san-underscore', rule, leaf: leaf({ san: { value: ['localhost', 'foo_bar.example.com'] } }), expect: 'ERR_DTLS_CERT_INVALID_NAME',
    openssl: { why: 'a dNSName is in preferred name syntax, letters, digits and hyphens (RFC 5280 §4.2.1.6, RFC 1034 §3.5); OpenSSL does not check the SANs it does not match' },
  });
  add({
    id: 'dns-san-empty-label', rule, leaf: leaf({ san: { value: ['localhost', 'a..example.com'] } }), expect: 'ERR_DTLS_CERT_INVALID_NAME',
    openssl: { why: 'an empty label is not a host name (RFC 5280 §4.2.1.6, RFC 1034 §3.5); OpenSSL does not check the SANs it does not match' },
  });
  add({
    id: 'dns-san-partial-wildcard', rule, leaf: leaf({ san: { value: ['f*.example.com'] } }), host: 'foo.example.com', expect: 'ERR_DTLS_CERT_INVALID_NAME',
    openssl: { why: 'a wildcard is the whole left-most label only (RFC 6125 §6.4.3, CA/Browser Forum BR "Wildcard Domain Name"); OpenSSL matches `f*` partial wildcards unless X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS' },
  });
  add({ id: 'dns-san-wildcard', rule, leaf: leaf({ san: { value: ['*.example.com'] } }), host: 'foo.example.com', expect: 'ok' });
  add({ id: 'dns-san-wildcard-two-labels', rule, leaf: leaf({ san: { value: ['*.example.com'] } }), host: 'a.b.example.com', expect: 'ERR_DTLS_CERT_NAME_MISMATCH' });
  add({ id: 'cn-used-without-san', rule, leaf: leaf({ san: null }), expect: 'ok' });
  add({ id: 'cn-ignored-with-dns-san', rule, leaf: leaf({ san: { value: ['other.example'] } }), expect: 'ERR_DTLS_CERT_NAME_MISMATCH' });
  add({
    id: 'cn-ignored-with-ip-san', rule, leaf: leaf({ san: { value: ['192.0.2.7'] } }), expect: 'ERR_DTLS_CERT_NAME_MISMATCH',
    openssl: { why: 'any subjectAltName disables the CN (RFC 6125 §6.4.4: no CN-ID match when other identifier types the client supports are presented; Go and our reading); OpenSSL still uses the CN when there is no dNSName' },
  });
  add({ id: 'cn-never-for-ip', rule, leaf: leaf({ san: null, subject: { CN: '127.0.0.1' } }), host: '127.0.0.1', expect: 'ERR_DTLS_CERT_NAME_MISMATCH' });
  add({ id: 'ip-san-binary-compare', rule, leaf: leaf({ san: { value: [{ ip: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) }] } }), host: '0:0::1', expect: 'ok' });
}

// ---------------------------------------------------------------------------
// Encoding and keys
{
  const rule = 'encoding and keys';
  const raw = (extOid: string, critical: boolean, value: Uint8Array) => ({ oid: extOid, critical, value });
  add({ id: 'unknown-critical-extension', rule, leaf: leaf({ extra: [raw('1.3.6.1.4.1.55738.666.1', true, Uint8Array.of(5, 0))] }), expect: 'ERR_DTLS_CERT_UNHANDLED_CRITICAL_EXTENSION' });
  add({ id: 'unknown-noncritical-extension', rule, leaf: leaf({ extra: [raw('1.3.6.1.4.1.55738.666.1', false, Uint8Array.of(5, 0))] }), expect: 'ok' });
  const rootCrit = makeRoot('Critical Ext Root', testKey('p256', 66), { extra: [raw('1.3.6.1.4.1.55738.666.1', true, Uint8Array.of(5, 0))] });
  add({ id: 'unknown-critical-extension-in-root', rule, trusted: [rootCrit], intermediates: [], leaf: leafOf(rootCrit), expect: 'ERR_DTLS_CERT_UNHANDLED_CRITICAL_EXTENSION' });
  add({ id: 'duplicate-extension', rule, leaf: leaf({ san: null, extra: [raw('2.5.29.17', false, seq(ctxPrim(2, ENC.encode('localhost')))), raw('2.5.29.17', false, seq(ctxPrim(2, ENC.encode('localhost'))))] }), expect: 'ERR_DTLS_BAD_CERTIFICATE' });
  add({
    id: 'critical-authority-info-access', rule, leaf: leaf({ extra: [raw('1.3.6.1.5.5.7.1.1', true, seq(seq(oid('1.3.6.1.5.5.7.48.2'), ctxPrim(6, ENC.encode('http://ca.example/')))))] }),
    expect: 'ERR_DTLS_CERT_PROFILE',
  });
  const level2 = ['-auth_level', '2'];
  const rsa1024Root = makeRoot('RSA Root', testKey('rsa2048', 3));
  add({
    id: 'rsa-1024-leaf', rule, trusted: [rsa1024Root], intermediates: [], leaf: makeLeaf(rsa1024Root, { key: testKey('rsa1024', 1) }), expect: 'ERR_DTLS_CERT_WEAK_KEY',
    openssl: { why: 'RSA keys below 2048 bits are refused (NIST SP 800-131A; CA/Browser Forum BR §6.1.5); `openssl verify` applies no security level by default', agreesWith: level2 },
  });
  add({
    id: 'p192-leaf', rule, leaf: leaf({ key: testKey('p192', 1) }), expect: 'ERR_DTLS_CERT_WEAK_KEY',
    openssl: { why: 'only P-256, P-384 and P-521 are accepted (P-192 gives 96-bit security; CA/Browser Forum BR §6.1.5); `openssl verify` applies no security level by default', agreesWith: level2 },
  });
  add({
    id: 'dsa-leaf', rule, leaf: leaf({ key: testKey('dsa', 1) }), expect: 'ERR_DTLS_CERT_WEAK_KEY',
    openssl: { why: 'DSA keys are refused: no DTLS 1.2 signature scheme puredtls offers uses them (RFC 8422), and the CA/Browser Forum BR §6.1.5 excludes them; OpenSSL accepts a 2048-bit DSA key' },
  });
  const sha1Leaf = leaf({ sigAlg: 'ecdsa-sha1' });
  add({
    id: 'sha1-signature', rule, leaf: sha1Leaf, expect: 'ERR_DTLS_CERT_WEAK_SIGNATURE',
    openssl: { why: 'SHA-1 signatures are refused unless allowSha1Certificates is set (collisions: SHAttered; RFC 9155 deprecates SHA-1 in TLS 1.2); `openssl verify` applies no security level by default', agreesWith: level2 },
  });
  add({ id: 'sha1-signature-allowed', rule, leaf: sha1Leaf, allowSha1: true, expect: 'ok' });
  add({ id: 'rsa-pss-chain', rule, trusted: [rsa1024Root], intermediates: [], leaf: makeLeaf(rsa1024Root, { key: testKey('rsa2048', 4), sigAlg: 'rsa-pss-sha256' }), expect: 'ok' });
  const edRoot = makeRoot('Ed25519 Root', testKey('ed25519', 3));
  add({ id: 'ed25519-chain', rule, trusted: [edRoot], intermediates: [], leaf: makeLeaf(edRoot, { key: testKey('ed25519', 4) }), expect: 'ok' });
  add({ id: 'signature-algorithm-mismatch', rule, leaf: leaf({ innerSigAlg: 'ecdsa-sha384' }), expect: 'ERR_DTLS_CERT_BAD_SIGNATURE' });
  add({
    id: 'generalized-time-before-2050', rule, leaf: leaf({ notAfterRaw: generalizedTime('20400101000000Z') }), expect: 'ERR_DTLS_CERT_PROFILE',
    openssl: { why: 'dates through 2049 MUST be UTCTime (RFC 5280 §4.1.2.5); OpenSSL reads either' },
  });
  add({
    id: 'fractional-seconds', rule, leaf: leaf({ notAfterRaw: generalizedTime('20510101000000.5Z') }), expect: 'ERR_DTLS_CERT_PROFILE',
  });
  add({ id: 'utctime-2049', rule, leaf: leaf({ notAfterRaw: utcTime('491231235959Z') }), expect: 'ok' });
  add({ id: 'generalized-time-2050', rule, leaf: leaf({ notAfterRaw: generalizedTime('20500101000000Z') }), expect: 'ok' });
  add({ id: 'utctime-50-is-1950', rule, leaf: leaf({ notAfterRaw: utcTime('500101000000Z') }), expect: 'ERR_DTLS_CERT_EXPIRED' });
  add({
    id: 'negative-serial', rule, leaf: leaf({ serial: -1234 }), expect: 'ERR_DTLS_CERT_PROFILE',
    openssl: { why: 'the serial number MUST be a positive integer (RFC 5280 §4.1.2.2); OpenSSL accepts a negative one' },
  });
  add({
    id: 'rsa-md5-signature', rule, trusted: [rsa1024Root], intermediates: [], leaf: makeLeaf(rsa1024Root, { key: testKey('rsa2048', 4), sigAlg: 'rsa-md5' }), expect: 'ERR_DTLS_CERT_WEAK_SIGNATURE',
    openssl: { why: 'MD5 signatures are refused (RFC 6151: MD5 is broken for signatures); `openssl verify` applies no security level by default', agreesWith: level2 },
  });
}

// ---------------------------------------------------------------------------
// Revocation (OpenSSL runs with -crl_check_all: every CA gets a CRL)
{
  const rule = 'revocation';
  const rootCrl = makeCrl({ issuer: R });
  const interCrl = (extra: Partial<Parameters<typeof makeCrl>[0]> = {}): TestCrl => makeCrl({ issuer: I, ...extra });
  const revokedLeaf = leaf({ serial: 0x5001 });
  add({ id: 'crl-not-revoked', rule, leaf: L, crls: [rootCrl, interCrl({ entries: [{ serial: 0x77 }] })], expect: 'ok' });
  add({ id: 'crl-revoked-leaf', rule, leaf: revokedLeaf, crls: [rootCrl, interCrl({ entries: [{ serial: 0x5001, reason: 1 }] })], expect: 'ERR_DTLS_CERT_REVOKED' });
  const revokedInter = inter('Case Intermediate', { key: testKey('p256', 41), serial: 0x5002 });
  add({ id: 'crl-revoked-intermediate', rule, intermediates: [revokedInter], leaf: L, crls: [makeCrl({ issuer: R, entries: [{ serial: 0x5002 }] }), interCrl()], expect: 'ERR_DTLS_CERT_REVOKED' });
  add({ id: 'crl-revocation-date-in-future', rule, leaf: revokedLeaf, crls: [rootCrl, interCrl({ entries: [{ serial: 0x5001, date: new Date('2031-01-01T00:00:00Z') }] })], expect: 'ERR_DTLS_CERT_REVOKED' });
  add({ id: 'crl-expired', rule, leaf: L, crls: [rootCrl, interCrl({ thisUpdate: new Date('2030-01-01T00:00:00Z'), nextUpdate: new Date('2030-02-01T00:00:00Z') })], expect: 'ERR_DTLS_CRL_EXPIRED' });
  add({ id: 'crl-not-yet-valid', rule, leaf: L, crls: [rootCrl, interCrl({ thisUpdate: new Date('2030-07-01T00:00:00Z') })], expect: 'ERR_DTLS_CRL_NOT_YET_VALID' });
  add({ id: 'crl-wrong-key', rule, leaf: L, crls: [rootCrl, interCrl({ signer: testKey('p256', 67), aki: null })], expect: 'ERR_DTLS_CRL_BAD_SIGNATURE' });
  const noCrlSign = inter('Case Intermediate', { key: testKey('p256', 41), keyUsage: { value: ['keyCertSign'] } });
  add({ id: 'crl-issuer-without-crlsign', rule, intermediates: [noCrlSign], leaf: L, crls: [rootCrl, makeCrl({ issuer: noCrlSign })], expect: 'ERR_DTLS_CRL_INVALID' });
  add({ id: 'crl-unknown-critical-extension', rule, leaf: L, crls: [rootCrl, interCrl({ extra: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: true, value: Uint8Array.of(5, 0) }] })], expect: 'load' });
  add({
    id: 'crl-without-crl-number', rule, leaf: L, crls: [rootCrl, interCrl({ crlNumber: null })], expect: 'load',
    openssl: { why: 'a CRL MUST carry cRLNumber (RFC 5280 §5.2.3) and is refused when loaded; OpenSSL uses one without' },
  });
  add({
    id: 'crl-without-next-update', rule, leaf: L, crls: [rootCrl, interCrl({ nextUpdate: null })], expect: 'load',
    openssl: { why: 'a CRL MUST carry nextUpdate (RFC 5280 §5.1.2.5), or its freshness cannot be judged; it is refused when loaded. OpenSSL treats it as never stale' },
  });
}

export const X509_CASES: readonly X509Case[] = cases;
