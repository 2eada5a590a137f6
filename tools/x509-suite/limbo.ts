/**
 * Runs puredtls's `verifyChain` on every case of an x509-limbo suite (the
 * C2SP/x509-limbo JSON format, schema version 1) and classifies each:
 *
 * - `pass`: puredtls reaches the expected verdict;
 * - `explained`: it does not, by design: a chain accepted under a documented
 *   rule (the CN as name without SAN, a CA certificate as end entity...),
 *   or a CRL refused when loaded that the suite expects to be ignored (see
 *   docs/x509.md); the reason names the rule;
 * - `fail`: it does not, and no documented rule says why: puredtls's error;
 * - `n/a`: the case asks for something puredtls does not do (another
 *   extended key usage than serverAuth/clientAuth, key usages other than
 *   digitalSignature, signature algorithm constraints, a feature tag such as
 *   `pedantic-public-suffix-wildcard` or `has-mldsa`), with the reason.
 *
 * Mapping: validation_kind SERVER verifies a server (purpose serverAuth,
 * expected_peer_name as the host), CLIENT a client (clientAuth; client peer
 * names are not checked, as in a DTLS server); validation_time is `now`;
 * max_chain_depth (intermediates) becomes maxDepth = max_chain_depth + 2
 * (leaf and anchor included); crls are the `crls` option (a CRL refused when
 * loaded is a failed validation).
 */
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { type ParsedCertificate, parseCertificate } from '../../src/x509/certificate.js';
import { cnHostNames, checkHostname } from '../../src/x509/hostname.js';
import { formatIpAddress } from '../../src/x509/ip.js';
import { attributeValues } from '../../src/x509/names.js';
import { OID } from '../../src/x509/oids.js';
import { certificatesFromPem, crlsFromPem } from '../../src/x509/pem.js';
import { type CertificatePurpose, verifyChain } from '../../src/x509/verify.js';
import { verdictOf } from './verdict.js';

/** One testcase, as the limbo schema defines it (fields we read). */
export interface LimboTestcase {
  id: string;
  description?: string;
  conflicts_with?: string[];
  features?: string[];
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time?: string | null;
  signature_algorithms?: string[];
  key_usage?: string[];
  extended_key_usage?: string[];
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name?: { kind: 'DNS' | 'IP' | 'RFC822'; value: string } | null;
  expected_peer_names?: { kind: string; value: string }[] | null;
  max_chain_depth?: number | null;
  crls?: string[];
}

/** A limbo suite file. */
export interface LimboSuite {
  version: number;
  testcases: LimboTestcase[];
}

export type Status = 'pass' | 'explained' | 'fail' | 'n/a';

export interface CaseResult {
  readonly id: string;
  readonly expected: 'SUCCESS' | 'FAILURE';
  readonly actual: 'SUCCESS' | 'FAILURE' | 'SKIPPED';
  readonly status: Status;
  /** Why it was skipped, puredtls's error, or the rule that accepted it. */
  readonly reason: string;
}

/** Feature tags whose cases do not apply to puredtls, and why. */
const SKIPPED_FEATURES: Record<string, string> = {
  'pedantic-public-suffix-wildcard': 'no public suffix list: wildcards over public suffixes are not refused',
  'pedantic-webpki-eku': 'the CA/Browser Forum extKeyUsage rules for Web PKI subscribers are not applied to every PKI',
  'pedantic-serial-number': 'only negative serial numbers are refused (zero and long serials are accepted)',
  'no-cert-policies': 'puredtls processes certificate policies',
  'has-mldsa': 'ML-DSA signatures are not supported',
};

const EKU: Record<string, CertificatePurpose | undefined> = { serverAuth: 'serverAuth', clientAuth: 'clientAuth' };

function notApplicable(tc: LimboTestcase): string | undefined {
  for (const f of tc.features ?? []) if (SKIPPED_FEATURES[f] !== undefined) return `feature ${f}: ${SKIPPED_FEATURES[f]}`;
  const ekus = (tc.extended_key_usage ?? []).filter((e) => e !== 'anyExtendedKeyUsage');
  const other = ekus.filter((e) => EKU[e] === undefined);
  if (other.length > 0) return `extended key usage ${other.join(', ')}: only serverAuth and clientAuth are checked`;
  const ku = (tc.key_usage ?? []).filter((k) => k !== 'digitalSignature');
  if (ku.length > 0) return `key usage ${ku.join(', ')}: the end entity is checked for digitalSignature only`;
  if ((tc.signature_algorithms ?? []).length > 0) return 'signature algorithm constraints are not configurable';
  if (tc.validation_kind === 'SERVER' && tc.expected_peer_name?.kind === 'RFC822') return 'e-mail peer names are not checked';
  return undefined;
}

function purposeOf(tc: LimboTestcase): CertificatePurpose {
  const ekus = (tc.extended_key_usage ?? []).map((e) => EKU[e]).filter((p): p is CertificatePurpose => p !== undefined);
  if (ekus.length === 1) return ekus[0]!;
  return tc.validation_kind === 'SERVER' ? 'serverAuth' : 'clientAuth';
}

/** The documented rule under which puredtls accepts a chain the suite expects to fail, if one applies. */
function acceptedBecause(leaf: ParsedCertificate | undefined, host: string | undefined): string | undefined {
  if (leaf === undefined) return undefined;
  if (host !== undefined && leaf.subjectAltName === undefined && cnHostNames(leaf).length > 0 && checkHostname(leaf, host)) {
    return 'by design: the subject CN names a certificate without subjectAltName (as Node\'s checkServerIdentity)';
  }
  if (leaf.basicConstraints?.ca === true) return 'by design: a CA certificate is a valid end entity when its keyUsage allows digitalSignature';
  if (leaf.version === 1) return 'by design: version 1 end-entity certificates are accepted (RFC 5280)';
  if (leaf.subjectAltNameCritical === true && leaf.subject.rdns.length > 0) return 'by design: a critical subjectAltName next to a subject is accepted (RFC 5280 §4.2.1.6 says SHOULD NOT)';
  const sans = new Set((leaf.subjectAltName ?? []).map((n) => (n.type === 'dns' ? n.value : n.type === 'ip' ? formatIpAddress(n.bytes) : undefined)));
  if (leaf.subjectAltName !== undefined && attributeValues(leaf.subject, OID.commonName).some((cn) => !sans.has(cn))) {
    return 'by design: the CA/Browser Forum rule that the subject CN repeats a SAN is not applied (the CN is not used when there is a SAN)';
  }
  return undefined;
}

/** The peer certificate decoded, when puredtls can decode it (to name the rule behind an acceptance). */
function leafOf(pem: string): ParsedCertificate | undefined {
  try {
    return parseCertificate(certificatesFromPem(pem)[0]!);
  } catch {
    return undefined;
  }
}

/** Evaluate one case. */
export function runCase(tc: LimboTestcase, provider: CryptoProvider): CaseResult {
  const base = { id: tc.id, expected: tc.expected_result };
  const skip = notApplicable(tc);
  if (skip !== undefined) return { ...base, actual: 'SKIPPED', status: 'n/a', reason: skip };
  const host = tc.validation_kind === 'SERVER' && tc.expected_peer_name != null ? tc.expected_peer_name.value : undefined;
  const leaf = leafOf(tc.peer_certificate);
  const { actual, reason } = verdictOf(() =>
    verifyChain(provider, [...certificatesFromPem(tc.peer_certificate), ...tc.untrusted_intermediates.flatMap((p) => certificatesFromPem(p))], {
      ca: tc.trusted_certs.flatMap((p) => certificatesFromPem(p)),
      purpose: purposeOf(tc),
      ...(host !== undefined && { host }),
      ...(tc.validation_time != null && { now: new Date(tc.validation_time) }),
      ...(tc.max_chain_depth != null && { maxDepth: tc.max_chain_depth + 2 }),
      ...(tc.crls !== undefined && tc.crls.length > 0 && { crls: tc.crls.flatMap((p) => crlsFromPem(p)) }),
    }),
  );
  if (actual === tc.expected_result) return { ...base, actual, status: 'pass', reason };
  const byDesign =
    actual === 'SUCCESS'
      ? acceptedBecause(leaf, host)
      : reason.startsWith('refused when loaded') && (tc.crls ?? []).length > 0
        ? `by design: a CRL that breaks RFC 5280 is refused when loaded, not ignored (${reason})`
        : undefined;
  if (byDesign !== undefined) return { ...base, actual, status: 'explained', reason: byDesign };
  return { ...base, actual, status: 'fail', reason: actual === 'SUCCESS' ? 'accepted (valid path found)' : reason };
}

/** The summary of a run. */
export interface LimboReport {
  readonly results: readonly CaseResult[];
  readonly passed: number;
  /** Cases decided otherwise by design (documented). */
  readonly explained: number;
  readonly failed: number;
  readonly notApplicable: number;
}

/**
 * Run every case of `suite`. A failing case whose `conflicts_with` partner
 * passes is a difference by design (the suite holds both readings of one
 * rule, and one of the two must fail).
 *
 * @throws {TypeError} when `suite` is not a limbo suite of schema version 1.
 */
export function runLimbo(suite: unknown, provider: CryptoProvider): LimboReport {
  const s = suite as Partial<LimboSuite> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.testcases)) {
    throw new TypeError('not an x509-limbo suite: expected { "version": 1, "testcases": [...] }');
  }
  const results = s.testcases.map((tc) => runCase(tc, provider));
  const byId = new Map(results.map((r) => [r.id, r]));
  const annotated = results.map((r, i) => {
    const partner = (s.testcases![i]!.conflicts_with ?? []).map((id) => byId.get(id)).find((p) => p?.status === 'pass');
    if (partner === undefined || (r.status !== 'fail' && r.status !== 'explained')) return r;
    // The suite holds both readings of one rule: one of the pair must fail.
    return { ...r, status: 'explained' as const, reason: `${r.reason} [conflicts with ${partner.id}, which passes]` };
  });
  return {
    results: annotated,
    passed: annotated.filter((r) => r.status === 'pass').length,
    explained: annotated.filter((r) => r.status === 'explained').length,
    failed: annotated.filter((r) => r.status === 'fail').length,
    notApplicable: annotated.filter((r) => r.status === 'n/a').length,
  };
}

/** The report as text: a summary line, then every failure, difference by design and not-applicable case with its reason. */
export function formatReport(report: LimboReport, verbose = false): string {
  const lines: string[] = [];
  const applicable = report.passed + report.explained + report.failed;
  lines.push(
    `x509-limbo: ${report.results.length} cases: ${report.passed} passed, ${report.explained} differ by design, ${report.failed} failed, ${report.notApplicable} not applicable` +
      (applicable > 0 ? ` (${((100 * report.passed) / applicable).toFixed(1)}% of the applicable cases pass)` : ''),
  );
  for (const status of ['fail', 'explained', 'n/a', ...(verbose ? ['pass'] : [])] as Status[]) {
    for (const r of report.results.filter((x) => x.status === status)) {
      lines.push(`${status.toUpperCase().padEnd(9)} ${r.id} (expected ${r.expected}, got ${r.actual}): ${r.reason}`);
    }
  }
  return lines.join('\n');
}
