/**
 * Fuzz target: the Finished decoder. Input: a message body.
 * It throws only DecodeError; what it decodes re-encodes to the same bytes
 * and decodes to the same value.
 */
import { decodeFinished, encodeFinished } from '../../src/handshake/messages/finished.js';
import { roundTrip } from './lib/oracle.js';

export function fuzz(buf: Buffer): void {
  roundTrip(buf, decodeFinished, encodeFinished);
}
