/**
 * The independent-suite runners (tools/x509-suite):
 *
 * - x509-limbo (`npm run x509:limbo`), on a small suite in limbo's JSON
 *   format built here from generated certificates: verdicts, the
 *   not-applicable cases, the reasons given for the failures that are by
 *   design, conflicting pairs, CRLs, validation time, max_chain_depth; and
 *   the command line end to end;
 * - NIST PKITS (`npm run x509:pkits`), on a directory laid out as PKITS's
 *   (certs/*.crt, crls/*.crl, DER) with generated certificates: expected
 *   verdicts from the names and the policy table, the certificates and CRLs
 *   offered per case, documented differences and stale ones.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { type LimboTestcase, formatReport, runLimbo } from '../../tools/x509-suite/limbo.js';
import { PKITS_TIME, formatPkitsReport, loadPkits, runPkits } from '../../tools/x509-suite/pkits.js';
import { makeCrl, makeIntermediate, makeLeaf, makeRoot, testKey } from '../x509/helpers/pki.js';

const root = makeRoot('Limbo Root', testKey('p256', 100));
const inter = makeIntermediate(root, 'Limbo Intermediate', { key: testKey('p256', 101) });
const leaf = makeLeaf(inter, { key: testKey('p256', 102), serial: 0x10201 });

function tc(id: string, o: Partial<LimboTestcase> & { expected_result: 'SUCCESS' | 'FAILURE' }): LimboTestcase {
  return {
    id, description: id, validation_kind: 'SERVER', trusted_certs: [root.pem], untrusted_intermediates: [inter.pem], peer_certificate: leaf.pem,
    signature_algorithms: [], key_usage: [], extended_key_usage: [], expected_peer_name: { kind: 'DNS', value: 'localhost' }, expected_peer_names: [],
    validation_time: '2030-06-01T00:00:00+00:00', ...o,
  };
}

const crl = (extra: Partial<Parameters<typeof makeCrl>[0]> = {}) => makeCrl({ issuer: inter, entries: [{ serial: 0x10201 }], ...extra }).pem;
const suite = {
  version: 1,
  testcases: [
    tc('example::valid', { expected_result: 'SUCCESS' }),
    tc('example::name-mismatch', { expected_result: 'FAILURE', expected_peer_name: { kind: 'DNS', value: 'other.example' } }),
    tc('example::ip-name', { expected_result: 'SUCCESS', expected_peer_name: { kind: 'IP', value: '127.0.0.1' } }),
    tc('example::expired', { expected_result: 'FAILURE', validation_time: '2046-01-01T00:00:00+00:00' }),
    tc('example::cn-only', { expected_result: 'FAILURE', peer_certificate: makeLeaf(inter, { key: testKey('p256', 102), san: null }).pem }),
    tc('example::codesigning', { expected_result: 'SUCCESS', extended_key_usage: ['codeSigning'] }),
    tc('example::public-suffix', { expected_result: 'FAILURE', features: ['pedantic-public-suffix-wildcard'] }),
    tc('example::crl-revoked', { expected_result: 'FAILURE', crls: [crl()] }),
    tc('example::crl-without-number', { expected_result: 'SUCCESS', crls: [crl({ crlNumber: null, entries: [] })] }),
    tc('example::max-depth', { expected_result: 'FAILURE', max_chain_depth: 0 }),
    tc('example::client', { expected_result: 'SUCCESS', validation_kind: 'CLIENT', extended_key_usage: ['clientAuth'], expected_peer_name: null, expected_peer_names: [{ kind: 'DNS', value: 'localhost' }] }),
    tc('rfc5280::ee-without-eku', { expected_result: 'SUCCESS', conflicts_with: ['webpki::ee-without-eku'], peer_certificate: makeLeaf(inter, { key: testKey('p256', 102), eku: null }).pem }),
    tc('webpki::ee-without-eku', { expected_result: 'FAILURE', conflicts_with: ['rfc5280::ee-without-eku'], peer_certificate: makeLeaf(inter, { key: testKey('p256', 102), eku: null }).pem }),
    tc('example::expected-to-fail', { expected_result: 'FAILURE' }),
    tc('example::ca-leaf', { expected_result: 'FAILURE', peer_certificate: makeLeaf(inter, { key: testKey('p256', 102), basicConstraints: { ca: true } }).pem }),
  ],
};

const PROVIDERS = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as const;

describe.each(PROVIDERS)('runLimbo (%s provider)', (_name, provider) => {
  const report = runLimbo(suite, provider);
  const byId = new Map(report.results.map((r) => [r.id, r]));

  it('counts passes, failures and not-applicable cases', () => {
    expect({ passed: report.passed, explained: report.explained, failed: report.failed, na: report.notApplicable }).toEqual({ passed: 8, explained: 4, failed: 1, na: 2 });
    expect(byId.get('example::expected-to-fail')).toMatchObject({ status: 'fail', actual: 'SUCCESS', reason: 'accepted (valid path found)' });
    for (const id of ['example::valid', 'example::name-mismatch', 'example::ip-name', 'example::expired', 'example::crl-revoked', 'example::max-depth', 'example::client', 'rfc5280::ee-without-eku']) {
      expect(byId.get(id)?.status, `${id}: ${byId.get(id)?.reason}`).toBe('pass');
    }
    expect(byId.get('example::crl-revoked')?.reason).toMatch(/ERR_DTLS_CERT_REVOKED/);
    expect(byId.get('example::max-depth')?.reason).toMatch(/ERR_DTLS_CERT_CHAIN_TOO_LONG/);
  });

  it('says why a case does not apply', () => {
    expect(byId.get('example::codesigning')).toMatchObject({ status: 'n/a', actual: 'SKIPPED' });
    expect(byId.get('example::codesigning')?.reason).toMatch(/codeSigning: only serverAuth and clientAuth/);
    expect(byId.get('example::public-suffix')?.reason).toMatch(/pedantic-public-suffix-wildcard/);
  });

  it('names the documented rule behind a chain accepted against the expectation, and CRLs refused when loaded', () => {
    expect(byId.get('example::cn-only')).toMatchObject({ status: 'explained', actual: 'SUCCESS' });
    expect(byId.get('example::cn-only')?.reason).toMatch(/by design: the subject CN/);
    expect(byId.get('example::ca-leaf')?.reason).toMatch(/by design: a CA certificate is a valid end entity/);
    expect(byId.get('example::crl-without-number')).toMatchObject({ status: 'explained', actual: 'FAILURE' });
    expect(byId.get('example::crl-without-number')?.reason).toMatch(/refused when loaded: .*no cRLNumber/);
  });

  it('notes the conflicting reading that passes', () => {
    expect(byId.get('webpki::ee-without-eku')?.status).toBe('explained');
    expect(byId.get('webpki::ee-without-eku')?.reason).toMatch(/\[conflicts with rfc5280::ee-without-eku, which passes\]/);
  });

  it('formats a summary line and one line per failure and skip', () => {
    const text = formatReport(report);
    expect(text.split('\n')[0]).toBe('x509-limbo: 15 cases: 8 passed, 4 differ by design, 1 failed, 2 not applicable (61.5% of the applicable cases pass)');
    expect(text).toMatch(/^FAIL      example::expected-to-fail \(expected FAILURE, got SUCCESS\)/m);
    expect(text).toMatch(/^EXPLAINED example::cn-only \(expected FAILURE, got SUCCESS\): by design/m);
    expect(text).toMatch(/^N\/A +example::codesigning/m);
    expect(text).not.toMatch(/^PASS/m);
    expect(formatReport(report, true)).toMatch(/^PASS +example::valid/m);
  });

  it('refuses what is not a limbo suite', () => {
    expect(() => runLimbo({ testcases: [] }, provider)).toThrow(/not an x509-limbo suite/);
  });
});

describe('npm run x509:limbo (the command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'puredtls-limbo-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the summary and exits 1 when an applicable case fails, 0 when all pass, 2 on a usage error', () => {
    const all = join(dir, 'limbo.json');
    writeFileSync(all, JSON.stringify(suite));
    const r = spawnSync(process.execPath, ['tools/x509-suite.mjs', 'limbo', '--provider', 'noble', all], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout.split('\n')[0], r.stderr).toBe('x509-limbo: 15 cases: 8 passed, 4 differ by design, 1 failed, 2 not applicable (61.5% of the applicable cases pass)');
    expect(r.status).toBe(1);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ version: 1, testcases: suite.testcases.slice(0, 2) }));
    const ok = spawnSync(process.execPath, ['tools/x509-suite.mjs', 'limbo', good], { encoding: 'utf8', timeout: 120_000 });
    expect(ok.stdout.trim(), ok.stderr).toBe('x509-limbo: 2 cases: 2 passed, 0 differ by design, 0 failed, 0 not applicable (100.0% of the applicable cases pass)');
    expect(ok.status).toBe(0);
    expect(spawnSync(process.execPath, ['tools/x509-suite.mjs', 'limbo'], { encoding: 'utf8', timeout: 120_000 }).status).toBe(2);
  });
});

describe('the PKITS runner, on a PKITS-shaped directory of generated certificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'puredtls-pkits-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'certs'));
  mkdirSync(join(dir, 'crls'));
  const ta = makeRoot('Trust Anchor', testKey('p256', 120));
  const good = makeIntermediate(ta, 'Good CA', { key: testKey('p256', 121) });
  const lax = makeIntermediate(ta, 'basicConstraints Not Critical CA', { key: testKey('p256', 122), basicConstraints: { ca: true, critical: false } });
  const validity = { notBefore: new Date('2010-01-01T00:00:00Z'), notAfter: new Date('2030-12-31T00:00:00Z') };
  const ee = (issuer: typeof good, serial: number) => makeLeaf(issuer, { key: testKey('p256', 123), serial, eku: null, san: null, ...validity }).der;
  const files: Record<string, Uint8Array> = {
    'certs/TrustAnchorRootCertificate.crt': ta.der,
    'certs/GoodCACert.crt': good.der,
    'certs/basicConstraintsNotCriticalCACert.crt': lax.der,
    'certs/ValidCertificatePathTest1EE.crt': ee(good, 1),
    'certs/InvalidRevokedEETest3EE.crt': ee(good, 3),
    'certs/DifferentPoliciesTest4EE.crt': ee(good, 4),
    'certs/ValidbasicConstraintsNotCriticalTest4EE.crt': ee(lax, 5),
    'certs/ValidDSASignaturesTest4EE.crt': ee(good, 6),
    'crls/GoodCACRL.crl': makeCrl({ issuer: good, thisUpdate: validity.notBefore, nextUpdate: validity.notAfter, entries: [{ serial: 3 }] }).der,
  };
  for (const [f, der] of Object.entries(files)) writeFileSync(join(dir, f), der);
  const data = loadPkits(dir);
  const byId = new Map(data.cases.map((c) => [c.id, c]));

  it('makes one case per end entity, expected verdict from its name or the default-settings table', () => {
    expect([...byId.keys()].sort()).toEqual(['DifferentPoliciesTest4', 'InvalidRevokedEETest3', 'ValidCertificatePathTest1', 'ValidDSASignaturesTest4', 'ValidbasicConstraintsNotCriticalTest4']);
    expect(byId.get('ValidCertificatePathTest1')?.expected).toBe('SUCCESS');
    expect(byId.get('InvalidRevokedEETest3')?.expected).toBe('FAILURE');
    expect(byId.get('DifferentPoliciesTest4')?.expected).toBe('FAILURE');
  });

  it('offers the CA certificates reachable by issuer name and their CRLs', () => {
    const c = byId.get('ValidCertificatePathTest1')!;
    expect(c.chain).toEqual([files['certs/ValidCertificatePathTest1EE.crt'], good.der]);
    expect(c.crls).toEqual([files['crls/GoodCACRL.crl']]);
    expect(byId.get('ValidbasicConstraintsNotCriticalTest4')!.chain).toEqual([files['certs/ValidbasicConstraintsNotCriticalTest4EE.crt'], lax.der]);
    expect(byId.get('ValidbasicConstraintsNotCriticalTest4')!.crls).toEqual([]);
    expect(PKITS_TIME.getUTCFullYear()).toBe(2024);
  });

  it.each(PROVIDERS)('classifies each case: pass, documented difference, failure, stale documentation (%s provider)', (_name, provider) => {
    const report = runPkits(data, provider);
    const r = new Map(report.results.map((x) => [x.id, x]));
    expect(r.get('ValidCertificatePathTest1')).toMatchObject({ status: 'pass', actual: 'SUCCESS' });
    expect(r.get('InvalidRevokedEETest3')).toMatchObject({ status: 'pass', actual: 'FAILURE' });
    expect(r.get('InvalidRevokedEETest3')?.reason).toMatch(/ERR_DTLS_CERT_REVOKED/);
    expect(r.get('ValidbasicConstraintsNotCriticalTest4')).toMatchObject({ status: 'explained', actual: 'FAILURE' });
    expect(r.get('ValidbasicConstraintsNotCriticalTest4')?.reason).toMatch(/RFC 5280 §4.2.1.9.*ERR_DTLS_CERT_PROFILE/);
    // Verdicts that disagree without an explanation, and explanations that no longer apply, both fail the run.
    expect(r.get('DifferentPoliciesTest4')).toMatchObject({ status: 'fail', actual: 'SUCCESS' });
    expect(r.get('ValidDSASignaturesTest4')).toMatchObject({ status: 'fail', actual: 'SUCCESS' });
    expect(r.get('ValidDSASignaturesTest4')?.reason).toMatch(/listed in EXPLAINED but now agrees/);
    expect({ passed: report.passed, explained: report.explained, failed: report.failed }).toEqual({ passed: 2, explained: 1, failed: 2 });
    expect(formatPkitsReport(report).split('\n')[0]).toBe('PKITS: 5 cases: 2 passed, 1 differ as documented, 2 failed');
  });

  it('refuses a directory that is not PKITS, and an end entity whose verdict is unknown', () => {
    expect(() => loadPkits(join(dir, 'crls', '..', 'nowhere'))).toThrow();
    const other = mkdtempSync(join(tmpdir(), 'puredtls-pkits-test-'));
    mkdirSync(join(other, 'certs'));
    mkdirSync(join(other, 'crls'));
    expect(() => loadPkits(other)).toThrow(/not PKITS/);
    writeFileSync(join(other, 'certs', 'TrustAnchorRootCertificate.crt'), ta.der);
    writeFileSync(join(other, 'certs', 'SomeNewTest1EE.crt'), ee(good, 7));
    expect(() => loadPkits(other)).toThrow(/SomeNewTest1: no expected verdict/);
    rmSync(other, { recursive: true, force: true });
  });
});
