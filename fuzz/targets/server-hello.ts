/**
 * Fuzz target: the ServerHello decoder. Input: a ServerHello body.
 * It throws only DecodeError; what it decodes re-encodes to the same value
 * and to the same bytes (except an empty extensions block, which the
 * encoder omits), and the typed extension helpers throw only DecodeError.
 */
import { decodeServerHello, encodeServerHello } from '../../src/handshake/messages/server-hello.js';
import { emptyExtensionsBlockOmitted, roundTrip } from './lib/oracle.js';
import { decodeKnownExtensions } from './lib/extensions.js';

export function fuzz(buf: Buffer): void {
  const hello = roundTrip(buf, decodeServerHello, encodeServerHello, emptyExtensionsBlockOmitted);
  if (hello) decodeKnownExtensions(hello.extensions);
}
