/**
 * Runs puredtls's `verifyChain` on NIST's Public Key Interoperability Test
 * Suite (PKITS, the 2011 edition: RSA 2048 / SHA-256 certificates valid
 * 2010–2030), as Debian's `python3-cryptography-vectors` package ships it
 * (`cryptography_vectors/x509/PKITS_data/{certs,crls}`, DER files).
 *
 * One case per end-entity certificate (`*EE.crt`). Its expected verdict is
 * the one PKITS gives with the default settings of its §3 (initial policy
 * set any-policy, no explicit policy required, mappings and anyPolicy not
 * inhibited — puredtls's own defaults): `Valid…` and `Invalid…` names say
 * it; the policy tests whose names say neither are in
 * {@link DEFAULT_SETTINGS_RESULT}. The path offered to `verifyChain` is the
 * end entity followed by every PKITS certificate reachable from it by
 * issuer name (as a client fetching from the test's directory would find
 * them), the anchor is the Trust Anchor Root Certificate, and the CRLs are
 * those whose issuer is on that set (a CRL refused when loaded is a failed
 * validation). The validation time is fixed in 2024 and the purpose is
 * clientAuth with no host (PKITS certificates have neither extendedKeyUsage
 * nor names to match).
 *
 * Where puredtls decides otherwise on purpose, {@link EXPLAINED} says why
 * (docs/x509.md sums them up). The run succeeds when every case reaches
 * PKITS's verdict or is explained, and no explained case agrees any more
 * (so the list stays true).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { type ParsedCertificate, parseCertificate } from '../../src/x509/certificate.js';
import { decodeDer, seq } from '../../src/x509/asn1.js';
import { decodeName } from '../../src/x509/names.js';
import { verifyChain } from '../../src/x509/verify.js';
import { verdictOf } from './verdict.js';

/** The PKITS tests whose names say neither Valid nor Invalid: their verdict with the default settings (PKITS §4.8, §4.12). */
export const DEFAULT_SETTINGS_RESULT: Readonly<Record<string, 'SUCCESS' | 'FAILURE'>> = {
  AllCertificatesNoPoliciesTest2: 'SUCCESS', // 4.8.2
  DifferentPoliciesTest3: 'SUCCESS', // 4.8.3
  DifferentPoliciesTest4: 'FAILURE', // 4.8.4
  DifferentPoliciesTest5: 'FAILURE', // 4.8.5
  OverlappingPoliciesTest6: 'SUCCESS', // 4.8.6
  DifferentPoliciesTest7: 'FAILURE', // 4.8.7
  DifferentPoliciesTest8: 'FAILURE', // 4.8.8
  DifferentPoliciesTest9: 'FAILURE', // 4.8.9
  AllCertificatesSamePoliciesTest10: 'SUCCESS', // 4.8.10
  AllCertificatesanyPolicyTest11: 'SUCCESS', // 4.8.11
  DifferentPoliciesTest12: 'FAILURE', // 4.8.12
  AllCertificatesSamePoliciesTest13: 'SUCCESS', // 4.8.13
  AnyPolicyTest14: 'SUCCESS', // 4.8.14
  UserNoticeQualifierTest15: 'SUCCESS', // 4.8.15
  UserNoticeQualifierTest16: 'SUCCESS', // 4.8.16
  UserNoticeQualifierTest17: 'SUCCESS', // 4.8.17
  UserNoticeQualifierTest18: 'SUCCESS', // 4.8.18
  UserNoticeQualifierTest19: 'SUCCESS', // 4.8.19
  CPSPointerQualifierTest20: 'SUCCESS', // 4.8.20
  inhibitAnyPolicyTest3: 'SUCCESS', // 4.12.3
};

/** Cases where puredtls reaches the other verdict on purpose, and the rule it follows (docs/x509.md). */
export const EXPLAINED: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      [
        'policyConstraints or inhibitAnyPolicy not critical: refused (RFC 5280 §4.2.1.11, §4.2.1.14: conforming CAs MUST mark them critical)',
        [
          'AllCertificatesSamePoliciesTest10', 'AllCertificatesSamePoliciesTest13', 'AllCertificatesanyPolicyTest11', 'AnyPolicyTest14',
          'OverlappingPoliciesTest6', 'UserNoticeQualifierTest18', 'ValidPolicyMappingTest1', 'ValidPolicyMappingTest3', 'ValidPolicyMappingTest5',
          'ValidPolicyMappingTest6', 'ValidPolicyMappingTest9', 'ValidPolicyMappingTest11', 'ValidPolicyMappingTest12', 'ValidPolicyMappingTest13',
          'ValidPolicyMappingTest14', 'ValidSelfIssuedinhibitAnyPolicyTest7', 'ValidSelfIssuedinhibitAnyPolicyTest9', 'ValidinhibitAnyPolicyTest2',
          'inhibitAnyPolicyTest3',
        ],
      ],
      ['basicConstraints not critical in a CA: refused (RFC 5280 §4.2.1.9: MUST be critical in CA certificates whose key verifies certificates)', ['ValidbasicConstraintsNotCriticalTest4']],
      ['a GeneralizedTime before 2050: refused (RFC 5280 §4.1.2.5: dates through 2049 MUST be UTCTime)', ['ValidGeneralizedTimenotBeforeDateTest4']],
      ['DSA with SHA-1: refused (weak key and signature; no DTLS 1.2 scheme puredtls offers uses DSA)', ['ValidDSASignaturesTest4', 'ValidDSAParameterInheritanceTest5']],
      [
        'revocation is checked for the certificates whose issuer has a CRL in `crl`; a certificate whose issuer has none (or whose CRL is indirect) is not checked, where PKITS requires a status for every certificate',
        ['InvalidMissingCRLTest1', 'InvalidBadCRLIssuerNameTest5', 'InvalidWrongCRLTest6', 'InvalidIDPwithindirectCRLTest26', 'InvalidcRLIssuerTest27', 'InvalidcRLIssuerTest31', 'InvalidcRLIssuerTest32'],
      ],
      [
        'a CRL whose issuingDistributionPoint names other than URIs (a directoryName, nameRelativeToCRLIssuer) is refused when loaded: only URI distribution points are matched',
        ['ValidBasicSelfIssuedCRLSigningKeyTest6', 'ValidBasicSelfIssuedNewWithOldTest3', 'ValidBasicSelfIssuedNewWithOldTest4', 'ValiddistributionPointTest1', 'ValiddistributionPointTest4', 'ValiddistributionPointTest5', 'ValiddistributionPointTest7'],
      ],
      ['indirect CRLs (indirectCRL, cRLIssuer) are refused when loaded', ['ValidIDPwithindirectCRLTest22', 'ValidcRLIssuerTest28', 'ValidcRLIssuerTest29']],
      ['delta CRLs (and removeFromCRL) are refused when loaded', ['ValiddeltaCRLTest2', 'ValiddeltaCRLTest5', 'ValiddeltaCRLTest7', 'ValiddeltaCRLTest8']],
      ['a CRL for only some reasons (onlySomeReasons) is refused when loaded: it cannot decide alone', ['ValidonlySomeReasonsTest18', 'ValidonlySomeReasonsTest19']],
      ['a CRL signed by a separate CRL-signing certificate (another key, not on the path) is not used: only the certificates of the path with the issuer\'s name sign CRLs', ['ValidSeparateCertificateandCRLKeysTest19']],
    ] as const
  ).flatMap(([why, ids]) => ids.map((id) => [id, why])),
);

export interface PkitsCase {
  /** The end-entity file name without `EE.crt`, e.g. `InvalidCASignatureTest2`. */
  readonly id: string;
  readonly expected: 'SUCCESS' | 'FAILURE';
  readonly chain: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
}

export interface PkitsData {
  readonly anchor: Uint8Array;
  readonly cases: readonly PkitsCase[];
}

export type Status = 'pass' | 'explained' | 'fail';

export interface PkitsResult {
  readonly id: string;
  readonly expected: 'SUCCESS' | 'FAILURE';
  readonly actual: 'SUCCESS' | 'FAILURE';
  readonly status: Status;
  /** puredtls's error, and for an explained case the reason. */
  readonly reason: string;
}

/** The validation time: inside every PKITS validity period that is meant to be valid. */
export const PKITS_TIME = new Date('2024-01-01T00:00:00Z');
const ANCHOR_FILE = 'TrustAnchorRootCertificate.crt';

function expectedOf(id: string): 'SUCCESS' | 'FAILURE' | undefined {
  if (id.startsWith('Valid')) return 'SUCCESS';
  if (id.startsWith('Invalid')) return 'FAILURE';
  return DEFAULT_SETTINGS_RESULT[id];
}

function tryParse(der: Uint8Array): ParsedCertificate | undefined {
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}

/**
 * The issuer name of a CRL, read from its TBSCertList alone: PKITS holds
 * CRLs that puredtls refuses (a corrupted signature...), and those must
 * still be offered for their issuer.
 */
function issuerKeyOfCrl(der: Uint8Array): string | undefined {
  try {
    const tbs = seq(seq(decodeDer(der))?.[0]);
    if (tbs === undefined) return undefined;
    // version is optional: the issuer follows the signature AlgorithmIdentifier (a SEQUENCE).
    const at = seq(tbs[0]) === undefined ? 2 : 1;
    return decodeName(tbs[at], 'CRL issuer').key;
  } catch {
    return undefined;
  }
}

/**
 * Read PKITS from `dir` (which holds `certs/` and `crls/`) and make one case
 * per end-entity certificate.
 *
 * @throws {Error} when the directory is not PKITS or a test's expected verdict is unknown.
 */
export function loadPkits(dir: string): PkitsData {
  const read = (sub: string, ext: string) =>
    readdirSync(join(dir, sub))
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => ({ file: f, der: new Uint8Array(readFileSync(join(dir, sub, f))) }));
  const certs = read('certs', '.crt');
  const anchorFile = certs.find((c) => c.file === ANCHOR_FILE);
  if (anchorFile === undefined) throw new Error(`not PKITS: no certs/${ANCHOR_FILE} in ${dir}`);
  const anchor = tryParse(anchorFile.der)!;
  // CA certificates by subject; a certificate puredtls cannot decode is still offered through its issuer's name, when readable.
  const cas = certs
    .filter((c) => !c.file.endsWith('EE.crt') && c.file !== ANCHOR_FILE)
    .map((c) => ({ der: c.der, parsed: tryParse(c.der) }));
  const crlsByIssuer = new Map<string, Uint8Array[]>();
  for (const c of read('crls', '.crl')) {
    const key = issuerKeyOfCrl(c.der);
    if (key === undefined) continue;
    crlsByIssuer.set(key, [...(crlsByIssuer.get(key) ?? []), c.der]);
  }
  const cases: PkitsCase[] = [];
  for (const ee of certs.filter((c) => c.file.endsWith('EE.crt'))) {
    const id = ee.file.slice(0, -'EE.crt'.length);
    const expected = expectedOf(id);
    if (expected === undefined) throw new Error(`PKITS test ${id}: no expected verdict known`);
    const leaf = tryParse(ee.der);
    // Every CA certificate reachable from the leaf by issuer name.
    const reached: { der: Uint8Array; parsed: ParsedCertificate | undefined }[] = [];
    const issuers = leaf === undefined ? [] : [leaf.issuer.key];
    for (let i = 0; i < issuers.length; i++) {
      for (const ca of cas) {
        if (ca.parsed?.subject.key === issuers[i] && !reached.includes(ca)) {
          reached.push(ca);
          if (!issuers.includes(ca.parsed.issuer.key)) issuers.push(ca.parsed.issuer.key);
        }
      }
    }
    const names = new Set([anchor.subject.key, ...reached.map((c) => c.parsed!.subject.key)]);
    cases.push({
      id, expected,
      chain: [ee.der, ...reached.map((c) => c.der)],
      crls: [...names].flatMap((n) => crlsByIssuer.get(n) ?? []),
    });
  }
  return { anchor: anchorFile.der, cases };
}

/** Evaluate one case. */
export function runPkitsCase(data: PkitsData, c: PkitsCase, provider: CryptoProvider): PkitsResult {
  const verdict = verdictOf(() => verifyChain(provider, c.chain, { ca: [data.anchor], purpose: 'clientAuth', now: PKITS_TIME, crls: c.crls }));
  const actual = verdict.actual;
  let reason = verdict.reason;
  const why = EXPLAINED[c.id];
  const agrees = actual === c.expected;
  const status: Status = agrees ? (why === undefined ? 'pass' : 'fail') : why === undefined ? 'fail' : 'explained';
  if (agrees && why !== undefined) reason = `listed in EXPLAINED but now agrees with PKITS (${reason}): remove it from the list and from docs/x509.md`;
  else if (why !== undefined) reason = `${why} (${reason})`;
  return { id: c.id, expected: c.expected, actual, status, reason };
}

export interface PkitsReport {
  readonly results: readonly PkitsResult[];
  readonly passed: number;
  readonly explained: number;
  readonly failed: number;
}

/** Run every case. */
export function runPkits(data: PkitsData, provider: CryptoProvider): PkitsReport {
  const results = data.cases.map((c) => runPkitsCase(data, c, provider));
  const count = (s: Status) => results.filter((r) => r.status === s).length;
  return { results, passed: count('pass'), explained: count('explained'), failed: count('fail') };
}

/** The report as text: a summary line, then one line per explained and per failed case. */
export function formatPkitsReport(report: PkitsReport, verbose = false): string {
  const lines = [`PKITS: ${report.results.length} cases: ${report.passed} passed, ${report.explained} differ as documented, ${report.failed} failed`];
  for (const status of ['fail', 'explained', ...(verbose ? ['pass'] : [])] as Status[]) {
    for (const r of report.results.filter((x) => x.status === status)) {
      lines.push(`${status.toUpperCase().padEnd(9)} ${r.id} (expected ${r.expected}, got ${r.actual}): ${r.reason}`);
    }
  }
  return lines.join('\n');
}
