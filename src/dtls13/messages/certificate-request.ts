import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import type { Extension } from '../../handshake/extensions.js';
import { decodeExtensionBlock, encodeExtensionBlock } from './extension-block.js';

/**
 * CertificateRequest of TLS 1.3 (RFC 8446 §4.3.2):
 * ```
 * struct {
 *   opaque certificate_request_context<0..2^8-1>;
 *   Extension extensions<2..2^16-1>;
 * } CertificateRequest;
 * ```
 * The context is empty in the main handshake; signature_algorithms MUST be
 * among the extensions (the handshake checks: missing_extension).
 */
export interface CertificateRequest13 {
  readonly certificateRequestContext: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** Decode a TLS 1.3 CertificateRequest (RFC 8446 §4.3.2): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeCertificateRequest13(r: Reader): CertificateRequest13 {
  const certificateRequestContext = copyBytes(r.vec8(0, 255, 'certificate_request_context'));
  const extensions = decodeExtensionBlock(r, 2);
  r.end('CertificateRequest');
  return { certificateRequestContext, extensions };
}

/** Encode a TLS 1.3 CertificateRequest (RFC 8446 §4.3.2). */
export function encodeCertificateRequest13(w: Writer, m: CertificateRequest13): void {
  w.opaque8(m.certificateRequestContext);
  encodeExtensionBlock(w, m.extensions);
}
