/**
 * Path building (RFC 4158, bounded): depth-first from the end-entity
 * certificate towards a trust anchor, over the anchors and the certificates
 * the peer sent (any order, extras ignored). A candidate issuer must have the
 * certificate's issuer name as subject (RFC 5280 §7.1 comparison), must not
 * contradict its authorityKeyIdentifier (keyIdentifier against the
 * candidate's subjectKeyIdentifier, issuer name and serial when given), and
 * its key must verify the signature with an algorithm strong enough. Anchors
 * are tried first, then candidates whose subjectKeyIdentifier matches; a
 * path never holds the same certificate, or the same name and key, twice.
 * Each complete path is validated; the first valid one wins, else the
 * search goes on (cross-signed intermediates, a root and its re-issue,
 * an expired intermediate next to a valid one).
 */
import { constantTimeEqual } from '../crypto/ct.js';
import type { WorkBudget } from './budget.js';
import type { ParsedCertificate } from './certificate.js';
import { CertificateErrorCode as C, certError } from './codes.js';
import type { CertificateError } from '../errors.js';
import { describeName } from './names.js';
import { akiMismatch } from './profile.js';
import { type SignatureChecks, weakAlgorithm } from './signature.js';

/** What the search needs. */
export interface BuildContext {
  readonly allowSha1: boolean;
  readonly maxDepth: number;
  readonly budget: WorkBudget;
  readonly signatures: SignatureChecks;
  /** Validate a complete path (leaf first, anchor last). */
  readonly validate: (path: readonly ParsedCertificate[]) => CertificateError | undefined;
}

function rank(cert: ParsedCertificate, issuer: ParsedCertificate, isAnchor: (c: ParsedCertificate) => boolean): number {
  const kid = cert.authorityKeyIdentifier?.keyIdentifier;
  const keyMatch = kid !== undefined && issuer.subjectKeyIdentifier !== undefined;
  return (isAnchor(issuer) ? 0 : 2) + (keyMatch ? 0 : 1);
}

/** The search's outcome: a valid path, or the most telling reason none was found. */
export type BuildResult = { path: ParsedCertificate[] } | { error: CertificateError };

/**
 * Find a valid path from `leaf` to one of the anchors in `pool` (the others
 * are untrusted candidates).
 *
 * @throws {TooComplex} when the budget runs out.
 */
export function buildPath(leaf: ParsedCertificate, pool: readonly ParsedCertificate[], anchors: ReadonlySet<ParsedCertificate>, ctx: BuildContext): BuildResult {
  const isAnchor = (c: ParsedCertificate): boolean => anchors.has(c);
  const sigOk = (c: ParsedCertificate, issuer: ParsedCertificate): boolean => ctx.signatures.verify(c, issuer);
  let firstFailure: CertificateError | undefined;
  let weak: string | undefined;
  let badSignature: string | undefined;
  let aki: string | undefined;
  let tooLong = false;
  let selfSignedTop: ParsedCertificate | undefined;

  const search = (path: ParsedCertificate[]): ParsedCertificate[] | undefined => {
    const cur = path[path.length - 1]!;
    if (isAnchor(cur)) {
      const e = ctx.validate(path);
      if (e === undefined) return path;
      firstFailure ??= e;
      return undefined;
    }
    if (path.length >= ctx.maxDepth) {
      tooLong = true;
      return undefined;
    }
    const candidates = pool.filter(
      // The same certificate has the same name and key.
      (p) => p.subject.key === cur.issuer.key && !path.some((q) => q.subject.key === p.subject.key && constantTimeEqual(q.spki, p.spki)),
    );
    candidates.sort((a, b) => rank(cur, a, isAnchor) - rank(cur, b, isAnchor));
    let wrongKey: ParsedCertificate | undefined;
    const depth = path.length - 1;
    for (const cand of candidates) {
      ctx.budget.step();
      const mismatch = akiMismatch(cur, cand);
      if (mismatch !== undefined) {
        aki ??= `the authorityKeyIdentifier of the certificate at depth ${depth} (${describeName(cur.subject)}) does not name the key of ${describeName(cand.subject)}: ${mismatch}`;
        continue;
      }
      const w = weakAlgorithm(cur, ctx.allowSha1);
      if (w !== undefined) {
        weak ??= `certificate at depth ${depth} (${describeName(cur.subject)}) is signed with ${w}`;
        continue;
      }
      if (!sigOk(cur, cand)) {
        wrongKey ??= cand;
        continue;
      }
      const found = search([...path, cand]);
      if (found !== undefined) return found;
    }
    // A self-signed certificate that is not an anchor is "untrusted", even
    // when an anchor bears the same name (with another key).
    if (cur.selfIssued && sigOk(cur, cur)) selfSignedTop ??= cur;
    else if (wrongKey !== undefined) {
      badSignature ??= `signature of certificate at depth ${depth} (${describeName(cur.subject)}) does not verify with the key of ${describeName(wrongKey.subject)}`;
    }
    return undefined;
  };
  const found = search([leaf]);
  if (found !== undefined) return { path: found };
  if (firstFailure !== undefined) return { error: firstFailure };
  if (weak !== undefined) return { error: certError(C.WEAK_SIGNATURE, weak) };
  if (badSignature !== undefined) return { error: certError(C.BAD_SIGNATURE, badSignature) };
  if (aki !== undefined) return { error: certError(C.UNTRUSTED, `no issuer found: ${aki}`) };
  if (tooLong) return { error: certError(C.CHAIN_TOO_LONG, `no trust anchor within ${ctx.maxDepth} certificates`) };
  let message: string;
  if (selfSignedTop === leaf) message = `self-signed certificate (${describeName(leaf.subject)}) is not trusted`;
  else if (selfSignedTop !== undefined) message = `self-signed certificate in chain (${describeName(selfSignedTop.subject)}) is not trusted`;
  else message = `unable to get issuer certificate "${describeName(topIssuer(leaf, pool))}": unknown CA or missing intermediate`;
  return { error: certError(C.UNTRUSTED, message) };
}

/** Issuer name of the topmost certificate we could chain to (for the message). */
function topIssuer(leaf: ParsedCertificate, pool: readonly ParsedCertificate[]): ParsedCertificate['issuer'] {
  let cur = leaf;
  const visited = new Set<ParsedCertificate>();
  for (;;) {
    visited.add(cur);
    const next = pool.find((p) => p.subject.key === cur.issuer.key && !visited.has(p));
    if (next === undefined) return cur.issuer;
    cur = next;
  }
}
