import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * Certificate (RFC 5246 §7.4.2):
 * ```
 * opaque ASN.1Cert<1..2^24-1>;
 * struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
 * ```
 */
export interface CertificateMessage {
  /** DER certificates, sender's first. */
  readonly certificates: readonly Uint8Array[];
}

export function decodeCertificate(r: Reader): CertificateMessage {
  const list = r.subVec24(0, 0xffffff, 'certificate_list');
  r.end('Certificate');
  const certificates: Uint8Array[] = [];
  while (list.remaining > 0) certificates.push(copyBytes(list.vec24(1, 0xffffff, 'ASN.1Cert')));
  return { certificates };
}

export function encodeCertificate(w: Writer, m: CertificateMessage): void {
  w.vec24((w) => m.certificates.forEach((c) => w.opaque24(c)));
}

/**
 * Certificate with a raw public key (RFC 7250 §3):
 * `opaque ASN.1_subjectPublicKeyInfo<1..2^24-1>` (empty when the client has none).
 */
export function decodeRawPublicKeyCertificate(r: Reader): Uint8Array {
  const spki = copyBytes(r.vec24(0, 0xffffff, 'ASN.1_subjectPublicKeyInfo'));
  r.end('Certificate');
  return spki;
}

export function encodeRawPublicKeyCertificate(w: Writer, spki: Uint8Array): void {
  w.opaque24(spki);
}
