import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * CertificateVerify (RFC 5246 §7.4.8):
 * ```
 * struct { digitally-signed struct { opaque handshake_messages[handshake_messages_length]; } } CertificateVerify;
 * ```
 * i.e. a SignatureAndHashAlgorithm and `opaque signature<0..2^16-1>`.
 */
export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function decodeCertificateVerify(r: Reader): CertificateVerify {
  const scheme = r.u16('signature_algorithm');
  const signature = copyBytes(r.vec16(0, 0xffff, 'signature'));
  r.end('CertificateVerify');
  return { scheme, signature };
}

export function encodeCertificateVerify(w: Writer, m: CertificateVerify): void {
  w.u16(m.scheme).opaque16(m.signature);
}
