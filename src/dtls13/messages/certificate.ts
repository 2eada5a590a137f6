import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import type { Extension } from '../../handshake/extensions.js';
import { decodeExtensionBlock, encodeExtensionBlock } from './extension-block.js';

/**
 * One entry of a TLS 1.3 Certificate (RFC 8446 §4.4.2):
 * ```
 * struct {
 *   select (certificate_type) {
 *     case RawPublicKey: opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;   // RFC 7250
 *     case X509:         opaque cert_data<1..2^24-1>;
 *   };
 *   Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 * ```
 * Both forms have the same bytes on the wire; the negotiated certificate
 * type (server_certificate_type / client_certificate_type) says which `data` is.
 */
export interface CertificateEntry {
  /** DER: a certificate (X509) or a SubjectPublicKeyInfo (RawPublicKey). */
  readonly data: Uint8Array;
  readonly extensions: readonly Extension[];
}

/**
 * Certificate of TLS 1.3 (RFC 8446 §4.4.2):
 * ```
 * struct {
 *   opaque certificate_request_context<0..2^8-1>;
 *   CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;
 * ```
 * The sender's certificate comes first; a client without a certificate
 * sends an empty list. With RawPublicKey the list holds one entry.
 */
export interface Certificate13 {
  readonly certificateRequestContext: Uint8Array;
  readonly certificateList: readonly CertificateEntry[];
}

/** Decode a TLS 1.3 Certificate (RFC 8446 §4.4.2): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeCertificate13(r: Reader): Certificate13 {
  const certificateRequestContext = copyBytes(r.vec8(0, 255, 'certificate_request_context'));
  const list = r.subVec24(0, 0xffffff, 'certificate_list');
  r.end('Certificate');
  const certificateList: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const data = copyBytes(list.vec24(1, 0xffffff, 'cert_data'));
    const extensions = decodeExtensionBlock(list, 0, 0xffff, 'CertificateEntry extensions');
    certificateList.push({ data, extensions });
  }
  return { certificateRequestContext, certificateList };
}

/** Encode a TLS 1.3 Certificate (RFC 8446 §4.4.2). */
export function encodeCertificate13(w: Writer, m: Certificate13): void {
  w.opaque8(m.certificateRequestContext);
  w.vec24((w) => m.certificateList.forEach((e) => {
    w.opaque24(e.data);
    encodeExtensionBlock(w, e.extensions);
  }));
}

/** A Certificate carrying X.509 certificates (DER, sender's first) without entry extensions. */
export function x509Certificate13(certificates: readonly Uint8Array[], context: Uint8Array = new Uint8Array(0)): Certificate13 {
  return { certificateRequestContext: context, certificateList: certificates.map((data) => ({ data, extensions: [] })) };
}

/** A Certificate carrying a raw public key (RFC 7250 §3, SubjectPublicKeyInfo DER), or none when `spki` is undefined. */
export function rawPublicKeyCertificate13(spki: Uint8Array | undefined, context: Uint8Array = new Uint8Array(0)): Certificate13 {
  return { certificateRequestContext: context, certificateList: spki ? [{ data: spki, extensions: [] }] : [] };
}
