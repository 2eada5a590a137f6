/**
 * Fuzz target: the CertificateVerify decoder. Input: a message body.
 * It throws only DecodeError; what it decodes re-encodes to the same bytes
 * and decodes to the same value.
 */
import { decodeCertificateVerify, encodeCertificateVerify } from '../../src/handshake/messages/certificate-verify.js';
import { roundTrip } from './lib/oracle.js';

export function fuzz(buf: Buffer): void {
  roundTrip(buf, decodeCertificateVerify, encodeCertificateVerify);
}
