import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';

/**
 * CertificateRequest (RFC 5246 §7.4.4):
 * ```
 * struct {
 *   ClientCertificateType certificate_types<1..2^8-1>;
 *   SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
 *   DistinguishedName certificate_authorities<0..2^16-1>;   // opaque DistinguishedName<1..2^16-1>
 * } CertificateRequest;
 * ```
 */
export interface CertificateRequest {
  readonly certificateTypes: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  readonly certificateAuthorities: readonly Uint8Array[];
}

export function decodeCertificateRequest(r: Reader): CertificateRequest {
  const certificateTypes = r.vec8Numbers(1, 255, 'certificate_types');
  const sa = r.subVec16(2, 0xfffe, 'supported_signature_algorithms');
  if (sa.remaining % 2 !== 0) throw new DecodeError('supported_signature_algorithms: odd length');
  const signatureAlgorithms: number[] = [];
  while (sa.remaining > 0) signatureAlgorithms.push(sa.u16());
  const ca = r.subVec16(0, 0xffff, 'certificate_authorities');
  const certificateAuthorities: Uint8Array[] = [];
  while (ca.remaining > 0) certificateAuthorities.push(copyBytes(ca.vec16(1, 0xffff, 'DistinguishedName')));
  r.end('CertificateRequest');
  return { certificateTypes, signatureAlgorithms, certificateAuthorities };
}

export function encodeCertificateRequest(w: Writer, m: CertificateRequest): void {
  w.vec8((w) => m.certificateTypes.forEach((t) => w.u8(t)));
  w.vec16((w) => m.signatureAlgorithms.forEach((s) => w.u16(s)));
  w.vec16((w) => m.certificateAuthorities.forEach((dn) => w.opaque16(dn)));
}
