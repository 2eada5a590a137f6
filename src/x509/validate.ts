/**
 * Validation of one complete candidate path (RFC 5280 §6.1 with the profile
 * of `profile.ts`): each certificate's profile by role, validity times,
 * pathLenConstraint, name constraints, policy constraints, the end entity's
 * keyUsage and the extKeyUsage of the whole path, the host name, and
 * revocation. Signatures were checked while the path was built.
 */
import type { WorkBudget } from './budget.js';
import type { ParsedCertificate } from './certificate.js';
import { CertificateErrorCode as C, certError } from './codes.js';
import type { CertificateError } from '../errors.js';
import { checkHostname, presentedNames } from './hostname.js';
import { checkNameConstraints } from './name-constraints.js';
import { describeName } from './names.js';
import { OID } from './oids.js';
import { policyFailure } from './policy.js';
import { type AnchorPolicy, certificateProblem } from './profile.js';
import { type RevocationContext, checkRevocation } from './revocation.js';
import type { ParsedCrl } from './crl.js';
import { formatCertificateTime } from './time.js';

/** What the end-entity certificate is checked for. */
export type CertificatePurpose = 'serverAuth' | 'clientAuth';

const PURPOSE_OID: Record<CertificatePurpose, string> = { serverAuth: OID.serverAuth, clientAuth: OID.clientAuth };

/** What one validation needs besides the path. */
export interface ValidationContext extends RevocationContext {
  readonly budget: WorkBudget;
  readonly purpose: CertificatePurpose;
  readonly host: string | undefined;
  readonly anchors: AnchorPolicy;
  readonly crls: readonly ParsedCrl[];
}

const at = (c: ParsedCertificate, i: number): string => `at depth ${i} (${describeName(c.subject)})`;

function timeProblem(path: readonly ParsedCertificate[], now: number): CertificateError | undefined {
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (now < c.validFrom.getTime()) {
      return certError(C.NOT_YET_VALID, `certificate ${at(c, i)} is not yet valid (notBefore ${formatCertificateTime(c.validFrom)})`);
    }
    if (now > c.validTo.getTime()) {
      return certError(C.EXPIRED, `certificate ${at(c, i)} has expired (notAfter ${formatCertificateTime(c.validTo)})`);
    }
  }
  return undefined;
}

/** pathLenConstraint: counts the non-self-issued intermediates below each CA (the end entity never counts). */
function pathLengthProblem(path: readonly ParsedCertificate[]): CertificateError | undefined {
  let intermediates = 0;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // Stryker disable next-line OptionalChaining: certificateProblem refused every CA (i ≥ 1) without basicConstraints before this runs
    const max = c.basicConstraints?.pathLen;
    // Stryker disable next-line ConditionalExpression: with max undefined, intermediates > undefined is false anyway
    if (max !== undefined && intermediates > max) {
      return certError(C.PATH_LENGTH, `path length constraint ${max} of certificate ${at(c, i)} exceeded`);
    }
    if (!c.selfIssued) intermediates++;
  }
  return undefined;
}

function purposeProblem(path: readonly ParsedCertificate[], purpose: CertificatePurpose): CertificateError | undefined {
  const leaf = path[0]!;
  if (leaf.keyUsage !== undefined && !leaf.keyUsage.digitalSignature) {
    return certError(C.BAD_KEY_USAGE, `certificate (${describeName(leaf.subject)}) keyUsage does not allow digitalSignature`);
  }
  const want = PURPOSE_OID[purpose];
  for (let i = 0; i < path.length; i++) {
    const eku = path[i]!.extKeyUsage;
    if (eku !== undefined && !eku.includes(want) && !eku.includes(OID.anyExtendedKeyUsage)) {
      return certError(C.BAD_EKU, `certificate ${at(path[i]!, i)} extendedKeyUsage does not allow ${purpose}`);
    }
  }
  return undefined;
}

/**
 * The first rule `path` (leaf first, anchor last; signatures already
 * verified) breaks, or `undefined` when it is valid.
 *
 * @throws {TooComplex} when the work budget runs out.
 */
export function validatePath(path: readonly ParsedCertificate[], ctx: ValidationContext): CertificateError | undefined {
  const n = path.length;
  for (let i = 0; i < n; i++) {
    const role = i === 0 ? 'leaf' : i === n - 1 ? 'anchor' : 'intermediate';
    const e = certificateProblem(path[i]!, role, i, i === n - 1, ctx.anchors);
    if (e !== undefined) return e;
  }
  const e = timeProblem(path, ctx.now) ?? pathLengthProblem(path);
  if (e !== undefined) return e;
  const nc = checkNameConstraints(path, ctx.budget);
  if (nc !== undefined) {
    return certError(C.NAME_CONSTRAINTS, `certificate ${at(path[nc.depth]!, nc.depth)} violates the name constraints of depth ${nc.caDepth}: ${nc.reason}`);
  }
  const policy = policyFailure(path);
  if (policy !== undefined) return certError(C.POLICY, policy);
  const purpose = purposeProblem(path, ctx.purpose);
  if (purpose !== undefined) return purpose;
  if (ctx.host !== undefined && !checkHostname(path[0]!, ctx.host)) {
    return certError(C.NAME_MISMATCH, `host "${ctx.host}" does not match the certificate (${presentedNames(path[0]!)})`);
  }
  return checkRevocation(path, ctx.crls, ctx);
}
