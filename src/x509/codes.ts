/**
 * The error codes of certificate path validation and revocation checking,
 * and the alert each one sends (the table of docs/x509.md).
 */
import { type AlertName, CertificateError } from '../errors.js';

/** Stable codes of the {@link CertificateError}s `verifyChain` returns (see docs/x509.md). */
export const CertificateErrorCode = Object.freeze({
  MISSING: 'ERR_DTLS_CERT_MISSING',
  BAD_CERTIFICATE: 'ERR_DTLS_BAD_CERTIFICATE',
  UNTRUSTED: 'ERR_DTLS_CERT_UNTRUSTED',
  BAD_SIGNATURE: 'ERR_DTLS_CERT_BAD_SIGNATURE',
  WEAK_SIGNATURE: 'ERR_DTLS_CERT_WEAK_SIGNATURE',
  WEAK_KEY: 'ERR_DTLS_CERT_WEAK_KEY',
  CHAIN_TOO_LONG: 'ERR_DTLS_CERT_CHAIN_TOO_LONG',
  TOO_COMPLEX: 'ERR_DTLS_CERT_TOO_COMPLEX',
  EXPIRED: 'ERR_DTLS_CERT_EXPIRED',
  NOT_YET_VALID: 'ERR_DTLS_CERT_NOT_YET_VALID',
  PROFILE: 'ERR_DTLS_CERT_PROFILE',
  NOT_CA: 'ERR_DTLS_CERT_NOT_CA',
  PATH_LENGTH: 'ERR_DTLS_CERT_PATH_LENGTH',
  NAME_CONSTRAINTS: 'ERR_DTLS_CERT_NAME_CONSTRAINTS',
  POLICY: 'ERR_DTLS_CERT_POLICY',
  UNHANDLED_CRITICAL_EXTENSION: 'ERR_DTLS_CERT_UNHANDLED_CRITICAL_EXTENSION',
  BAD_KEY_USAGE: 'ERR_DTLS_CERT_BAD_KEY_USAGE',
  BAD_EKU: 'ERR_DTLS_CERT_BAD_EKU',
  INVALID_NAME: 'ERR_DTLS_CERT_INVALID_NAME',
  NAME_MISMATCH: 'ERR_DTLS_CERT_NAME_MISMATCH',
  REVOKED: 'ERR_DTLS_CERT_REVOKED',
  CRL_EXPIRED: 'ERR_DTLS_CRL_EXPIRED',
  CRL_NOT_YET_VALID: 'ERR_DTLS_CRL_NOT_YET_VALID',
  CRL_BAD_SIGNATURE: 'ERR_DTLS_CRL_BAD_SIGNATURE',
  CRL_INVALID: 'ERR_DTLS_CRL_INVALID',
} as const);

/** One of the {@link CertificateErrorCode} values. */
export type CertificateErrorCodeValue = (typeof CertificateErrorCode)[keyof typeof CertificateErrorCode];

const C = CertificateErrorCode;

/** The alert sent for each code. */
const ALERT: Record<CertificateErrorCodeValue, AlertName> = {
  [C.MISSING]: 'handshake_failure',
  [C.BAD_CERTIFICATE]: 'bad_certificate',
  [C.UNTRUSTED]: 'unknown_ca',
  [C.BAD_SIGNATURE]: 'bad_certificate',
  [C.WEAK_SIGNATURE]: 'bad_certificate',
  [C.WEAK_KEY]: 'bad_certificate',
  [C.CHAIN_TOO_LONG]: 'bad_certificate',
  [C.TOO_COMPLEX]: 'bad_certificate',
  [C.EXPIRED]: 'certificate_expired',
  [C.NOT_YET_VALID]: 'bad_certificate',
  [C.PROFILE]: 'bad_certificate',
  [C.NOT_CA]: 'bad_certificate',
  [C.PATH_LENGTH]: 'bad_certificate',
  [C.NAME_CONSTRAINTS]: 'bad_certificate',
  [C.POLICY]: 'bad_certificate',
  [C.UNHANDLED_CRITICAL_EXTENSION]: 'unsupported_certificate',
  [C.BAD_KEY_USAGE]: 'unsupported_certificate',
  [C.BAD_EKU]: 'unsupported_certificate',
  [C.INVALID_NAME]: 'bad_certificate',
  [C.NAME_MISMATCH]: 'bad_certificate',
  [C.REVOKED]: 'certificate_revoked',
  [C.CRL_EXPIRED]: 'certificate_unknown',
  [C.CRL_NOT_YET_VALID]: 'certificate_unknown',
  [C.CRL_BAD_SIGNATURE]: 'certificate_unknown',
  [C.CRL_INVALID]: 'certificate_unknown',
};

/** A {@link CertificateError} with `code` and the alert the table gives it. */
export function certError(code: CertificateErrorCodeValue, message: string): CertificateError {
  return new CertificateError(code, message, ALERT[code]);
}
