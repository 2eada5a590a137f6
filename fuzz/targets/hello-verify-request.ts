/**
 * Fuzz target: the HelloVerifyRequest decoder. Input: a message body.
 * It throws only DecodeError; what it decodes re-encodes to the same bytes
 * and decodes to the same value.
 */
import { decodeHelloVerifyRequest, encodeHelloVerifyRequest } from '../../src/handshake/messages/hello-verify-request.js';
import { roundTrip } from './lib/oracle.js';

export function fuzz(buf: Buffer): void {
  roundTrip(buf, decodeHelloVerifyRequest, encodeHelloVerifyRequest);
}
