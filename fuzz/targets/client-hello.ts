/**
 * Fuzz target: the ClientHello decoder. Input: a ClientHello body.
 * It throws only DecodeError; what it decodes re-encodes to the same value
 * and to the same bytes (except an empty extensions block, which the
 * encoder omits), and the typed extension helpers the server applies to it
 * throw only DecodeError.
 */
import { decodeClientHello, encodeClientHello } from '../../src/handshake/messages/client-hello.js';
import { emptyExtensionsBlockOmitted, roundTrip } from './lib/oracle.js';
import { decodeKnownExtensions } from './lib/extensions.js';

export function fuzz(buf: Buffer): void {
  const hello = roundTrip(buf, decodeClientHello, encodeClientHello, emptyExtensionsBlockOmitted);
  if (hello) decodeKnownExtensions(hello.extensions);
}
