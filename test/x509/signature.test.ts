/**
 * src/x509/signature.ts unit by unit: which TLS SignatureScheme an X.509
 * signatureAlgorithm maps to (RSASSA-PSS parameters field by field), which
 * algorithms and keys are refused, that verification never throws, and that
 * a validation verifies each (signed object, issuer) pair and imports each
 * key once, spending one signature from the budget per verification.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { type CryptoProvider, SignatureScheme, type VerifyingKey } from '../../src/crypto/provider.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import type { CertificatePublicKey } from '../../src/x509/public-key.js';
import { SignatureChecks, keyProblem, signatureSchemeFor, verifySignature, weakAlgorithm } from '../../src/x509/signature.js';
import { ctx, ctxPrim, int, nul, oid, seq, tlv } from './helpers/der.js';
import { makeLeaf, makeRoot, testKey } from './helpers/pki.js';

const RSA_ENC = '1.2.840.113549.1.1.1';
const PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const H = { sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3', md5: '1.2.840.113549.2.5' };
const LEN = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

const key = (k: Partial<CertificatePublicKey>): CertificatePublicKey => ({ algorithm: RSA_ENC, kind: 'rsa', raw: new Uint8Array(0), ...k });
const rsaKey = key({});
const pssKey = key({ algorithm: PSS });
const ecKey = key({ algorithm: '1.2.840.10045.2.1', kind: 'ecdsa' });
const edKey = key({ algorithm: '1.3.101.112', kind: 'ed25519' });

const hashAlg = (h: string, params: Uint8Array[] = [nul()]): Uint8Array => seq(oid(h), ...params);
/** RSASSA-PSS-params: hash, MGF1 hash, salt, trailer; `undefined` leaves a field out (its default). */
function pssParams(o: { hash?: Uint8Array; mgf?: Uint8Array; salt?: number; trailer?: number } = {}): Uint8Array {
  return seq(
    ...(o.hash ? [ctx(0, o.hash)] : []),
    ...(o.mgf ? [ctx(1, o.mgf)] : []),
    ...(o.salt !== undefined ? [ctx(2, int(o.salt))] : []),
    ...(o.trailer !== undefined ? [ctx(3, int(o.trailer))] : []),
  );
}
const mgf = (h: string): Uint8Array => seq(oid(MGF1), hashAlg(h));
const pss = (h: keyof typeof LEN, extra: { mgfHash?: string; salt?: number; trailer?: number } = {}): Uint8Array =>
  pssParams({ hash: hashAlg(H[h]), mgf: mgf(extra.mgfHash ?? H[h]), salt: extra.salt ?? LEN[h], ...(extra.trailer !== undefined && { trailer: extra.trailer }) });
const scheme = (alg: string, params: Uint8Array | undefined, k: CertificatePublicKey = rsaKey) => signatureSchemeFor({ signatureAlgorithm: alg, signatureAlgorithmParams: params }, k);

describe('signatureSchemeFor: RSASSA-PSS parameters', () => {
  it('maps SHA-256/384/512 with MGF1 of the same hash and salt = hash length, to rsae or pss schemes by the issuer key', () => {
    expect(scheme(PSS, pss('sha256'))).toBe(SignatureScheme.rsa_pss_rsae_sha256);
    expect(scheme(PSS, pss('sha384'))).toBe(SignatureScheme.rsa_pss_rsae_sha384);
    expect(scheme(PSS, pss('sha512'))).toBe(SignatureScheme.rsa_pss_rsae_sha512);
    expect(scheme(PSS, pss('sha256'), pssKey)).toBe(SignatureScheme.rsa_pss_pss_sha256);
    expect(scheme(PSS, pss('sha384'), pssKey)).toBe(SignatureScheme.rsa_pss_pss_sha384);
    expect(scheme(PSS, pss('sha512'), pssKey)).toBe(SignatureScheme.rsa_pss_pss_sha512);
    // An explicit trailer of 1, and hash parameters absent rather than NULL.
    expect(scheme(PSS, pss('sha384', { trailer: 1 }))).toBe(SignatureScheme.rsa_pss_rsae_sha384);
    expect(scheme(PSS, pssParams({ hash: hashAlg(H.sha512, []), mgf: seq(oid(MGF1), hashAlg(H.sha512, [])), salt: 64 }))).toBe(SignatureScheme.rsa_pss_rsae_sha512);
  });

  it('refuses defaults (SHA-1), SHA-1, mismatched hashes, another salt or trailer, and non-RSA keys', () => {
    expect(scheme(PSS, undefined)).toBeUndefined();
    expect(scheme(PSS, pssParams())).toBeUndefined(); // every field default: SHA-1
    expect(scheme(PSS, pss('sha1'))).toBeUndefined();
    expect(scheme(PSS, pssParams({ hash: hashAlg(H.sha256), salt: 32 }))).toBeUndefined(); // MGF1 default: SHA-1
    expect(scheme(PSS, pssParams({ mgf: mgf(H.sha256), salt: 32 }))).toBeUndefined(); // hash default: SHA-1
    expect(scheme(PSS, pss('sha256', { mgfHash: H.sha384 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha384', { mgfHash: H.sha256 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha256', { salt: 20 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha512', { salt: 48 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha384', { salt: 64 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha256', { trailer: 2 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha256', { trailer: 0 }))).toBeUndefined();
    expect(scheme(PSS, pss('sha256'), ecKey)).toBeUndefined();
    expect(scheme(PSS, pss('sha256'), edKey)).toBeUndefined();
  });

  it('refuses malformed parameters', () => {
    const h = ctx(0, hashAlg(H.sha256));
    const m = ctx(1, mgf(H.sha256));
    const s = ctx(2, int(32));
    expect(scheme(PSS, seq(h, m, s))).toBe(SignatureScheme.rsa_pss_rsae_sha256);
    expect(scheme(PSS, int(1))).toBeUndefined(); // not a SEQUENCE
    expect(scheme(PSS, seq(m, h, s))).toBeUndefined(); // out of order
    expect(scheme(PSS, seq(h, h, m, s))).toBeUndefined(); // repeated
    expect(scheme(PSS, seq(h, m, s, ctx(4, int(1))))).toBeUndefined(); // no field [4]
    expect(scheme(PSS, seq(seq(hashAlg(H.sha256)), m, s))).toBeUndefined(); // not context-tagged
    expect(scheme(PSS, seq(ctx(0, hashAlg(H.sha256), nul()), m, s))).toBeUndefined(); // two values in [0]
    expect(scheme(PSS, seq(ctx(0), m, s))).toBeUndefined(); // none
    expect(scheme(PSS, seq(ctx(0, hashAlg(H.sha256, [int(0)])), m, s))).toBeUndefined(); // hash parameters neither absent nor NULL
    expect(scheme(PSS, seq(ctx(0, hashAlg(H.sha256, [nul(), nul()])), m, s))).toBeUndefined(); // three parts
    expect(scheme(PSS, seq(ctx(0, seq()), m, s))).toBeUndefined(); // empty AlgorithmIdentifier
    expect(scheme(PSS, seq(ctx(0, seq(nul())), m, s))).toBeUndefined(); // no OID
    expect(scheme(PSS, seq(ctx(0, hashAlg(H.md5)), m, s))).toBeUndefined(); // unknown hash
    expect(scheme(PSS, seq(h, ctx(1, seq(oid(MGF1))), s))).toBeUndefined(); // MGF without its hash
    expect(scheme(PSS, seq(h, ctx(1, seq(oid(H.sha256), hashAlg(H.sha256))), s))).toBeUndefined(); // not MGF1
    expect(scheme(PSS, seq(h, ctx(1, seq(oid(MGF1), hashAlg(H.md5))), s))).toBeUndefined(); // MGF1 with an unknown hash
    expect(scheme(PSS, seq(h, m, ctx(2, nul())))).toBeUndefined(); // salt not an INTEGER
    expect(scheme(PSS, seq(h, m, s, ctx(3, nul())))).toBeUndefined(); // trailer not an INTEGER
    expect(scheme(PSS, seq(ctx(0, int(5)), m, s))).toBeUndefined(); // hash AlgorithmIdentifier not a SEQUENCE
    expect(scheme(PSS, seq(tlv(0x60, hashAlg(H.sha256)), m, s))).toBeUndefined(); // [APPLICATION 0], not context-specific
    expect(scheme(PSS, seq(ctxPrim(0, Uint8Array.of(1)), m, s))).toBeUndefined(); // primitive [0]
    expect(scheme(PSS, seq(ctx(0, hashAlg(H.sha256, [ctxPrim(5, new Uint8Array(0))])), m, s))).toBeUndefined(); // [5], not NULL
    expect(scheme(PSS, seq(h, ctx(1, seq(oid(MGF1), hashAlg(H.sha256), nul())), s))).toBeUndefined(); // MGF with three parts
    expect(scheme(PSS, seq(h, ctx(1, int(5)), s))).toBeUndefined(); // MGF not a SEQUENCE
  });
});

describe('signatureSchemeFor: the other algorithms', () => {
  it('ECDSA needs an EC key and absent parameters; RSA PKCS#1 an rsaEncryption key and NULL or absent parameters', () => {
    expect(scheme('1.2.840.10045.4.3.2', undefined, ecKey)).toBe(SignatureScheme.ecdsa_secp256r1_sha256);
    expect(scheme('1.2.840.10045.4.3.4', undefined, ecKey)).toBe(SignatureScheme.ecdsa_secp521r1_sha512);
    expect(scheme('1.2.840.10045.4.3.2', nul(), ecKey)).toBeUndefined();
    expect(scheme('1.2.840.10045.4.3.2', undefined, rsaKey)).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', nul())).toBe(SignatureScheme.rsa_pkcs1_sha256);
    expect(scheme('1.2.840.113549.1.1.13', undefined)).toBe(SignatureScheme.rsa_pkcs1_sha512);
    expect(scheme('1.2.840.113549.1.1.11', Uint8Array.of(0x04, 0x00))).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', Uint8Array.of(0x05, 0x01, 0x00))).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', Uint8Array.of(0x06, 0x00))).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', Uint8Array.of(0x05, 0x00, 0x00))).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', Uint8Array.of(0x05, 0x01))).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', nul(), pssKey)).toBeUndefined();
    expect(scheme('1.2.840.113549.1.1.11', nul(), ecKey)).toBeUndefined();
  });

  it('Ed25519 needs an Ed25519 key and absent parameters; unknown algorithms map to nothing', () => {
    expect(scheme('1.3.101.112', undefined, edKey)).toBe(SignatureScheme.ed25519);
    expect(scheme('1.3.101.112', nul(), edKey)).toBeUndefined();
    expect(scheme('1.3.101.112', undefined, ecKey)).toBeUndefined();
    expect(scheme('1.3.101.113', undefined, edKey)).toBeUndefined(); // Ed448
    expect(scheme('1.2.3.4', undefined, rsaKey)).toBeUndefined();
    expect(scheme('1.2.3.4', undefined, edKey)).toBeUndefined();
    expect(scheme('1.2.3.4', undefined, ecKey)).toBeUndefined();
  });
});

describe('weakAlgorithm', () => {
  const weak = (alg: string, allowSha1 = false) => weakAlgorithm({ signatureAlgorithm: alg }, allowSha1);
  it('refuses MD2, MD5 and DSA always, SHA-1 unless allowed; says why', () => {
    const sha1 = '(SHA-1 signatures are refused unless allowSha1Certificates is set)';
    expect(weak('1.2.840.113549.1.1.2')).toBe('md2WithRSAEncryption');
    expect(weak('1.2.840.113549.1.1.4', true)).toBe('md5WithRSAEncryption');
    expect(weak('1.2.840.113549.1.1.5')).toBe(`sha1WithRSAEncryption ${sha1}`);
    expect(weak('1.2.840.113549.1.1.5', true)).toBeUndefined();
    expect(weak('1.2.840.10045.4.1')).toBe(`ecdsa-with-SHA1 ${sha1}`);
    expect(weak('1.2.840.10045.4.1', true)).toBeUndefined();
    expect(weak('1.2.840.10040.4.3', true)).toBe(`dsa-with-sha1 ${sha1}`);
    expect(weak('2.16.840.1.101.3.4.3.2', true)).toBe('dsa-with-sha256');
    expect(weak('1.2.840.113549.1.1.11')).toBeUndefined();
    expect(weak('1.2.840.10045.4.3.2', true)).toBeUndefined();
  });
});

describe('keyProblem', () => {
  const rsa = (bits: number | undefined, exponent: number[] | undefined) =>
    keyProblem(key({ ...(bits !== undefined && { bits }), ...(exponent && { rsa: { modulus: new Uint8Array(0), exponent: Uint8Array.from(exponent) } }) }));
  it('RSA: 2048 to 16384 bits, an odd exponent of at least 3', () => {
    expect(rsa(2048, [1, 0, 1])).toBeUndefined();
    expect(rsa(16384, [3])).toBeUndefined();
    expect(rsa(2047, [1, 0, 1])).toBe('RSA key of 2047 bits (at least 2048 are required)');
    expect(rsa(undefined, [1, 0, 1])).toBe('RSA key of 0 bits (at least 2048 are required)');
    expect(rsa(16385, [1, 0, 1])).toBe('RSA key of 16385 bits (at most 16384 are supported)');
    for (const e of [[1], [2], [0], [1, 0], [1, 0, 0]]) expect(rsa(2048, e), String(e)).toBe('RSA key with an invalid public exponent');
    expect(rsa(2048, undefined)).toBe('RSA key with an invalid public exponent');
    expect(rsa(2048, [5])).toBeUndefined();
    expect(rsa(2048, [1, 1])).toBeUndefined();
  });

  it('accepts EC and Ed25519 keys; names what else it refuses', () => {
    expect(keyProblem(ecKey)).toBeUndefined();
    expect(keyProblem(edKey)).toBeUndefined();
    expect(keyProblem(key({ kind: 'unknown', algorithm: '1.2.840.10045.2.1' }))).toBe('EC key with explicit curve parameters');
    expect(keyProblem(key({ kind: 'unknown', algorithm: '1.2.840.10045.2.1', namedCurve: '1.2.840.10045.3.1.1' })))
      .toBe('EC key on curve 1.2.840.10045.3.1.1 (only P-256, P-384 and P-521 are accepted)');
    expect(keyProblem(key({ kind: 'unknown', algorithm: '1.2.840.10040.4.1' }))).toBe('DSA key');
    expect(keyProblem(key({ kind: 'unknown', algorithm: '1.3.101.113' }))).toBe('key of unsupported algorithm 1.3.101.113');
  });
});

describe.each([
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][])('verifySignature and SignatureChecks (%s provider)', (_name, p) => {
  const root = makeRoot('Sig Root', testKey('p256', 180));
  const other = makeRoot('Sig Other', testKey('p256', 181));
  const leaf = parseCertificate(makeLeaf(root, { key: testKey('p256', 182) }).der);
  const leaf2 = parseCertificate(makeLeaf(root, { key: testKey('p256', 183) }).der);
  const issuer = parseCertificate(root.der);
  const wrong = parseCertificate(other.der);

  it('is false, never a throw, when the key cannot be imported or verify throws', () => {
    expect(verifySignature(p, leaf, issuer)).toBe(true);
    expect(verifySignature(p, leaf, wrong)).toBe(false);
    expect(verifySignature(p, leaf, { spki: Uint8Array.of(0x30, 0x00), publicKey: issuer.publicKey })).toBe(false);
    const throwing: VerifyingKey = { ...p.importVerifyingKey(issuer.spki), verify: () => { throw new Error('boom'); } };
    expect(verifySignature(p, leaf, issuer, throwing)).toBe(false);
    expect(verifySignature(p, leaf, issuer, null)).toBe(false);
    expect(verifySignature(p, { ...leaf, signatureAlgorithmsMatch: false }, issuer)).toBe(false);
    expect(verifySignature(p, { ...leaf, signatureAlgorithm: '1.2.3.4' }, issuer)).toBe(false);
  });

  it('verifies each (object, issuer) pair once and imports each key once, spending one signature per verification', () => {
    let spent = 0;
    let imports = 0;
    const counting = { ...p, importVerifyingKey: (spki: Uint8Array) => { imports++; return p.importVerifyingKey(spki); } } as CryptoProvider;
    const checks = new SignatureChecks(counting, { signature: () => { spent++; } });
    expect(checks.verify(leaf, issuer)).toBe(true);
    expect(checks.verify(leaf, issuer)).toBe(true);
    expect([spent, imports]).toEqual([1, 1]);
    expect(checks.verify(leaf2, issuer)).toBe(true);
    expect([spent, imports]).toEqual([2, 1]);
    expect(checks.verify(leaf, wrong)).toBe(false);
    expect(checks.verify(leaf, wrong)).toBe(false);
    expect([spent, imports]).toEqual([3, 2]);
    // A key that cannot be imported is tried once, and verifies nothing.
    const bad = { spki: Uint8Array.of(0x30, 0x00), publicKey: issuer.publicKey };
    expect(checks.verify(leaf, bad)).toBe(false);
    expect(checks.verify(leaf2, bad)).toBe(false);
    expect([spent, imports]).toEqual([5, 3]);
  });
});
