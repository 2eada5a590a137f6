/**
 * Fuzz target: the CertificateRequest decoder. Input: a message body.
 * It throws only DecodeError; what it decodes re-encodes to the same bytes
 * and decodes to the same value.
 */
import { decodeCertificateRequest, encodeCertificateRequest } from '../../src/handshake/messages/certificate-request.js';
import { roundTrip } from './lib/oracle.js';

export function fuzz(buf: Buffer): void {
  roundTrip(buf, decodeCertificateRequest, encodeCertificateRequest);
}
