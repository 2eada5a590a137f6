/**
 * Fuzz target: the Certificate decoder. Input: a Certificate body.
 * It throws only DecodeError; what it decodes re-encodes to the same bytes
 * and value. Each certificate in it then goes through the X.509 parser the
 * handshake uses (`parseCertificate`: throws only CertificateError
 * ERR_DTLS_BAD_CERTIFICATE) and `toPeerCertificate` (never throws).
 */
import { CertificateError } from '../../src/errors.js';
import { decodeCertificate, encodeCertificate } from '../../src/handshake/messages/certificate.js';
import { parseCertificate, toPeerCertificate } from '../../src/x509/certificate.js';
import { check, roundTrip } from './lib/oracle.js';

export function fuzz(buf: Buffer): void {
  const msg = roundTrip(buf, decodeCertificate, encodeCertificate);
  if (!msg) return;
  const parsed = [];
  for (const der of msg.certificates) {
    try {
      parsed.push(parseCertificate(der));
    } catch (e) {
      if (!(e instanceof CertificateError)) throw e;
      check(e.code === 'ERR_DTLS_BAD_CERTIFICATE', `parseCertificate threw ${e.code}`);
    }
  }
  if (parsed.length > 0) toPeerCertificate(parsed[0]!, parsed.slice(1));
}
