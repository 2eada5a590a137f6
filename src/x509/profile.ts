/**
 * The certificate profile rules checked on each certificate of a path, by
 * the role it plays there (RFC 5280 §4; the CA/Browser Forum rules that hold
 * for any PKI): the end-entity certificate, an intermediate CA, the trust
 * anchor. See docs/x509.md for the list and the choices made for anchors.
 */
import { constantTimeEqual } from '../crypto/ct.js';
import type { ParsedCertificate } from './certificate.js';
import { CertificateErrorCode as C, certError } from './codes.js';
import type { CertificateError } from '../errors.js';
import { isValidDnsName } from './hostname.js';
import { namesOfType } from './general-names.js';
import { describeName } from './names.js';
import { keyProblem } from './signature.js';


/** Where a certificate sits in a path. */
export type Role =
  /** The end-entity certificate (also when it is itself a trust anchor: a pinned certificate). */
  | 'leaf'
  /** A CA between the end entity and the anchor. */
  | 'intermediate'
  /** The trust anchor, as the issuer of the certificate below it. */
  | 'anchor';

/** How much of the profile a trust anchor must meet. */
export interface AnchorPolicy {
  /**
   * `true`: anchors from `ca` meet the CA profile like intermediates
   * (basicConstraints critical, keyUsage, subjectKeyIdentifier, RFC 5280
   * encodings). `false` (Node's bundled roots): an anchor is a trusted name
   * and key; only CA:TRUE, keyCertSign (when keyUsage is present), its key
   * and critical extensions are checked.
   */
  readonly strict: boolean;
}

/** Why `issuer` cannot be the issuer `cert`'s authorityKeyIdentifier names, or `undefined` when it can. */
export function akiMismatch(cert: ParsedCertificate, issuer: ParsedCertificate): string | undefined {
  const aki = cert.authorityKeyIdentifier;
  if (aki === undefined) return undefined;
  if (aki.keyIdentifier !== undefined && issuer.subjectKeyIdentifier !== undefined && !constantTimeEqual(aki.keyIdentifier, issuer.subjectKeyIdentifier)) {
    return 'keyIdentifier differs from its subjectKeyIdentifier';
  }
  if (aki.serial !== undefined && !constantTimeEqual(aki.serial, issuer.serial)) return 'authorityCertSerialNumber differs from its serial number';
  const dirs = namesOfType(aki.issuer, 'dirName');
  if (aki.issuer !== undefined && !dirs.some((d) => d.name.key === issuer.issuer.key)) return "authorityCertIssuer is not its issuer's name";
  return undefined;
}

/** The RFC 5280 form rules a SAN entry must meet, or `undefined`. */
function invalidSan(c: ParsedCertificate): string | undefined {
  // Stryker disable next-line ArrayDeclaration: an entry of no GeneralName type matches none of the cases
  for (const n of c.subjectAltName ?? []) {
    if (n.type === 'dns' && !isValidDnsName(n.value, true)) return `invalid dNSName "${n.value}" (RFC 5280 §4.2.1.6, RFC 6125 §6.4.3)`;
    if (n.type === 'ip' && n.bytes.length !== 4 && n.bytes.length !== 16) return `iPAddress of ${n.bytes.length} bytes (RFC 5280 §4.2.1.6)`;
    if (n.type === 'email') {
      const at = n.value.indexOf('@');
      // A second '@' would be in the domain, which isValidDnsName refuses.
      if (at <= 0 || !isValidDnsName(n.value.slice(at + 1))) return `invalid rfc822Name "${n.value}" (RFC 5280 §4.2.1.6)`;
    }
  }
  return undefined;
}

/** The CA role: what an issuing certificate must be (RFC 5280 §4.2.1.2, §4.2.1.3, §4.2.1.9, §4.1.2.6). */
function caProblem(c: ParsedCertificate, at: string, strict: boolean): CertificateError | undefined {
  if (c.version !== 3) return certError(C.NOT_CA, `issuer ${at} is a version ${c.version} certificate, which cannot be a CA`);
  const bc = c.basicConstraints;
  if (bc === undefined || !bc.ca) return certError(C.NOT_CA, `issuer ${at} is not a CA (basicConstraints CA:TRUE missing)`);
  if (c.keyUsage !== undefined && !c.keyUsage.keyCertSign) return certError(C.NOT_CA, `issuer ${at} has keyUsage without keyCertSign`);
  if (!strict) return undefined;
  if (!bc.critical) return certError(C.PROFILE, `issuer ${at}: basicConstraints is not critical (RFC 5280 §4.2.1.9)`);
  if (c.keyUsage === undefined) return certError(C.PROFILE, `issuer ${at} has no keyUsage extension (RFC 5280 §4.2.1.3)`);
  if (c.subject.rdns.length === 0) return certError(C.PROFILE, `issuer ${at} has an empty subject (RFC 5280 §4.1.2.6)`);
  return undefined;
}

/**
 * The first profile rule `c` breaks in `role` at `depth` (0 = leaf), or
 * `undefined`. `anchor` applies to a certificate that is a trust anchor
 * (the `anchor` role, or a pinned leaf).
 */
export function certificateProblem(c: ParsedCertificate, role: Role, depth: number, isAnchor: boolean, anchors: AnchorPolicy): CertificateError | undefined {
  const at = `at depth ${depth} (${describeName(c.subject)})`;
  const strict = !isAnchor || anchors.strict;
  if (c.unhandledCriticalExtensions.length > 0) {
    return certError(C.UNHANDLED_CRITICAL_EXTENSION, `certificate ${at} has unsupported critical extension ${c.unhandledCriticalExtensions.join(', ')}`);
  }
  if (strict && c.profileProblems.length > 0) return certError(C.PROFILE, `certificate ${at}: ${c.profileProblems[0]!}`);
  const weak = keyProblem(c.publicKey);
  if (weak !== undefined) return certError(C.WEAK_KEY, `certificate ${at} has a refused key: ${weak}`);
  const bc = c.basicConstraints;
  if (role === 'intermediate' || role === 'anchor') {
    const e = caProblem(c, at, strict);
    if (e !== undefined) return e;
  }
  if (c.keyUsage?.keyCertSign && bc?.ca !== true) {
    return certError(C.PROFILE, `certificate ${at} asserts keyCertSign without basicConstraints CA:TRUE (RFC 5280 §4.2.1.3)`);
  }
  if (bc?.pathLen !== undefined && (!bc.ca || (c.keyUsage !== undefined && !c.keyUsage.keyCertSign))) {
    return certError(C.PROFILE, `certificate ${at} has a pathLenConstraint without CA:TRUE and keyCertSign (RFC 5280 §4.2.1.9)`);
  }
  if (c.nameConstraints !== undefined && bc?.ca !== true) {
    return certError(C.PROFILE, `certificate ${at} is not a CA but has nameConstraints (RFC 5280 §4.2.1.10)`);
  }
  if (!strict) return undefined;
  if (bc?.ca === true && c.subjectKeyIdentifier === undefined) {
    return certError(C.PROFILE, `CA certificate ${at} has no subjectKeyIdentifier (RFC 5280 §4.2.1.2)`);
  }
  if (isAnchor) {
    if (!c.signatureAlgorithmsMatch) return certError(C.PROFILE, `certificate ${at}: the two signature algorithm fields differ (RFC 5280 §4.1.1.2)`);
    const mismatch = c.selfIssued ? akiMismatch(c, c) : undefined;
    if (mismatch !== undefined) return certError(C.PROFILE, `self-issued certificate ${at} does not name itself in its authorityKeyIdentifier: ${mismatch}`);
  } else if (c.version === 3 && !c.selfIssued && c.authorityKeyIdentifier?.keyIdentifier === undefined) {
    return certError(C.PROFILE, `certificate ${at} has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1)`);
  }
  const bad = role === 'anchor' ? undefined : invalidSan(c);
  if (bad !== undefined) return certError(C.INVALID_NAME, `certificate ${at} has an ${bad}`);
  return undefined;
}
