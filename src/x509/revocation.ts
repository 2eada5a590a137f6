/**
 * Revocation checking with CRLs (RFC 5280 §6.3), for every certificate of a
 * path whose issuer has a CRL among those configured: a CRL whose issuer name
 * is the certificate's issuer is a candidate; it is usable when the issuer's
 * key verifies its signature (and the algorithm is not too weak), the
 * issuer's keyUsage (if present) has cRLSign, its authorityKeyIdentifier (if
 * present) names the issuer's key, thisUpdate ≤ now ≤ nextUpdate, and its
 * issuingDistributionPoint covers the certificate (user or CA certificates;
 * a distribution point URI byte-identical to one in the certificate's
 * cRLDistributionPoints, whose fullName holds only URIs). The certificate is
 * revoked when any usable candidate lists its serial number, whatever the
 * revocation date. The CRL may be signed by any certificate of the path that
 * bears the issuer's name (the issuer, or the same CA under its previous or
 * next key through a self-issued certificate: RFC 5280 §6.3.3 (f) asks for a
 * CRL issuer of the certificate's issuer name on a path to the same anchor).
 * When an issuer has candidates and none is usable, the
 * status is unknown and the path fails (fail closed) with the reason of the
 * first candidate. The trust anchor itself is not checked.
 */
import { constantTimeEqual } from '../crypto/ct.js';
import type { ParsedCertificate } from './certificate.js';
import { CertificateErrorCode as C, certError } from './codes.js';
import { CRL_REASONS, type ParsedCrl, serialKey } from './crl.js';
import type { CertificateError } from '../errors.js';
import { describeName } from './names.js';
import { type SignatureChecks, weakAlgorithm } from './signature.js';
import { formatCertificateTime } from './time.js';

/** What revocation checking needs from the validation in progress. */
export interface RevocationContext {
  readonly allowSha1: boolean;
  /** The validation time, whole seconds. */
  readonly now: number;
  readonly signatures: SignatureChecks;
}

/** Whether `crl`'s issuingDistributionPoint covers `cert` (always, without one). */
function inScope(crl: ParsedCrl, cert: ParsedCertificate): string | undefined {
  const idp = crl.issuingDistributionPoint;
  if (idp === undefined) return undefined;
  const isCa = cert.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return 'the CRL covers only end-entity certificates';
  if (idp.onlyContainsCACerts && !isCa) return 'the CRL covers only CA certificates';
  const idpUris = idp.name?.fullName;
  if (idpUris === undefined) return undefined;
  const enc = new TextEncoder();
  // Stryker disable next-line ArrayDeclaration: an entry that is no distribution point has no name and is skipped
  for (const dp of cert.crlDistributionPoints ?? []) {
    const names = dp.name?.fullName;
    if (names === undefined || names.some((n) => n.type !== 'uri')) continue;
    for (const n of names) {
      // Stryker disable next-line ConditionalExpression: every name here is a URI (checked above), and loadCrl refuses an issuingDistributionPoint with other names
      if (n.type === 'uri' && idpUris.some((u) => u.type === 'uri' && constantTimeEqual(enc.encode(u.value), enc.encode(n.value)))) return undefined;
    }
  }
  return "the CRL's issuingDistributionPoint is not one of the certificate's cRLDistributionPoints";
}

/** Why `crl` cannot decide about `cert` (issued by `issuer`), or `undefined` when it can. */
function unusable(crl: ParsedCrl, cert: ParsedCertificate, issuer: ParsedCertificate, ctx: RevocationContext): CertificateError | undefined {
  const who = `the CRL of "${describeName(crl.issuer)}"`;
  const weak = weakAlgorithm(crl, ctx.allowSha1);
  if (weak !== undefined) return certError(C.CRL_BAD_SIGNATURE, `${who} is signed with ${weak}`);
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.cRLSign) {
    return certError(C.CRL_INVALID, `${who} is not usable: the issuer's keyUsage lacks cRLSign (RFC 5280 §6.3.3 (f))`);
  }
  const kid = crl.authorityKeyIdentifier?.keyIdentifier;
  if (kid !== undefined && issuer.subjectKeyIdentifier !== undefined && !constantTimeEqual(kid, issuer.subjectKeyIdentifier)) {
    return certError(C.CRL_BAD_SIGNATURE, `${who} names another key of its issuer (authorityKeyIdentifier)`);
  }
  if (!ctx.signatures.verify(crl, issuer)) return certError(C.CRL_BAD_SIGNATURE, `${who} is not signed by the issuer's key`);
  if (ctx.now < Math.floor(crl.thisUpdate.getTime() / 1000) * 1000) {
    return certError(C.CRL_NOT_YET_VALID, `${who} is not yet valid (thisUpdate ${formatCertificateTime(crl.thisUpdate)})`);
  }
  if (crl.nextUpdate === undefined || ctx.now > crl.nextUpdate.getTime()) {
    return certError(C.CRL_EXPIRED, `${who} has expired (nextUpdate ${crl.nextUpdate ? formatCertificateTime(crl.nextUpdate) : 'absent'})`);
  }
  const scope = inScope(crl, cert);
  if (scope !== undefined) return certError(C.CRL_INVALID, `${who} does not cover the certificate: ${scope}`);
  return undefined;
}

/**
 * Check the revocation status of each certificate of `path` (leaf first,
 * anchor last) against `crls`. Returns the first failure: revoked
 * (`ERR_DTLS_CERT_REVOKED`), or no usable CRL for an issuer that has some.
 */
export function checkRevocation(path: readonly ParsedCertificate[], crls: readonly ParsedCrl[], ctx: RevocationContext): CertificateError | undefined {
  // Stryker disable next-line ConditionalExpression: without CRLs the loop below finds no candidate; this only skips the work
  if (crls.length === 0) return undefined;
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    let failure: CertificateError | undefined;
    let decided = false;
    // The CRL signers: the issuer first, then the other certificates of the path above it with its name (key rollover).
    const signers = [issuer, ...path.slice(i + 2).filter((c) => c.subject.key === issuer.subject.key)];
    for (const crl of crls) {
      if (crl.issuer.key !== issuer.subject.key) continue;
      const problems = signers.map((signer) => unusable(crl, cert, signer, ctx));
      const why = problems.includes(undefined) ? undefined : problems[0];
      if (why !== undefined) {
        failure ??= why;
        continue;
      }
      decided = true;
      const entry = crl.entries.get(serialKey(cert.serial));
      if (entry !== undefined) {
        const reason = entry.reason === undefined ? '' : `, reason ${CRL_REASONS[entry.reason] ?? entry.reason}`;
        return certError(
          C.REVOKED,
          `certificate at depth ${i} (${describeName(cert.subject)}) was revoked by its issuer on ${formatCertificateTime(entry.revocationDate)}${reason}`,
        );
      }
    }
    if (!decided && failure !== undefined) {
      return certError(failure.code as (typeof C)[keyof typeof C], `revocation status of the certificate at depth ${i} (${describeName(cert.subject)}) is unknown: ${failure.message}`);
    }
  }
  return undefined;
}
