/**
 * X.509 support: PEM, private-key loading, certificate and CRL decoding,
 * self-signed certificates and synchronous chain validation.
 */
export { pemDecode, pemEncode, certificatesFromPem, crlsFromPem, type PemBlock } from './pem.js';
export {
  loadPrivateKey,
  spkiOfCertificate,
  spkiOfPrivateKey,
  keyMatchesCertificate,
  defaultSchemeFor,
  ecPrivateKeyToPkcs8,
  type LoadedPrivateKey,
} from './keys.js';
export {
  parseCertificate,
  toPeerCertificate,
  formatCertificateTime,
  nameKey,
  type ParsedCertificate,
  type PeerCertificate,
  type DistinguishedName,
  type NameAttribute,
  type X509Name,
  type GeneralName,
  type KeyUsageFlags,
  type CertificatePublicKey,
  type CertificateExtension,
  type NameConstraints,
} from './certificate.js';
export { parseCrl, loadCrl, type ParsedCrl, type RevokedEntry } from './crl.js';
export { createSelfSigned, generateP256Pkcs8, type SelfSignedOptions, type SelfSigned } from './selfsigned.js';
export {
  verifyChain,
  checkHostname,
  matchDnsName,
  isValidDnsName,
  signatureSchemeFor,
  verifyCertificateSignature,
  CertificateErrorCode,
  type CertificatePurpose,
  type VerifyChainOptions,
  type VerifyChainResult,
} from './verify.js';
export { parseIpAddress, isIpAddress, formatIpAddress, formatIpAddressNode } from './ip.js';
