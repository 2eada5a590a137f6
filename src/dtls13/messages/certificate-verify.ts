/**
 * CertificateVerify of TLS 1.3 (RFC 8446 §4.4.3). Its wire form is DTLS
 * 1.2's (`SignatureScheme algorithm; opaque signature<0..2^16-1>;`), so the
 * codec is reused; what differs is what is signed.
 */
import { concatBytes } from '../../crypto/bytes.js';
import { SignatureScheme } from '../../crypto/provider.js';

export {
  type CertificateVerify, decodeCertificateVerify, encodeCertificateVerify,
} from '../../handshake/messages/certificate-verify.js';

/** The context strings of RFC 8446 §4.4.3. */
export const CertificateVerifyContext = Object.freeze({
  server: 'TLS 1.3, server CertificateVerify',
  client: 'TLS 1.3, client CertificateVerify',
} as const);

/**
 * The content a TLS 1.3 CertificateVerify signs (RFC 8446 §4.4.3): 64 bytes
 * of 0x20, the context string for the signer's side, a 0 byte, then
 * Transcript-Hash(Handshake Context, Certificate). DTLS 1.3 uses the same
 * strings (RFC 9147 changes only the HKDF labels).
 */
export function certificateVerifySignedContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = new TextEncoder().encode(CertificateVerifyContext[side]);
  return concatBytes(new Uint8Array(64).fill(0x20), context, Uint8Array.of(0), transcriptHash);
}

/**
 * Signature schemes a TLS 1.3 CertificateVerify may use (RFC 8446 §4.2.3,
 * §4.4.3): ECDSA with the curve bound to the hash, RSA-PSS (rsae and pss),
 * Ed25519. Not RSA PKCS#1 v1.5 nor SHA-1 ("RSA signatures MUST use an
 * RSASSA-PSS algorithm").
 */
export const TLS13_CERTIFICATE_VERIFY_SCHEMES: readonly number[] = Object.freeze([
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
]);

/** May a TLS 1.3 CertificateVerify use this scheme? */
export function isTls13CertificateVerifyScheme(scheme: number): boolean {
  return TLS13_CERTIFICATE_VERIFY_SCHEMES.includes(scheme);
}
