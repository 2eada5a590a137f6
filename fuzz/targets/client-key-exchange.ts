/**
 * Fuzz target: the ClientKeyExchange decoder, for all three key exchange
 * kinds. Input: byte 0 picks the kind (mod 3: ECDHE, PSK, ECDHE_PSK), the
 * rest is the message body. It throws only DecodeError; what it decodes
 * re-encodes to the same bytes and value.
 */
import { decodeClientKeyExchange, encodeClientKeyExchange } from '../../src/handshake/messages/client-key-exchange.js';
import type { KeyExchangeKind } from '../../src/handshake/messages/server-key-exchange.js';
import { roundTrip } from './lib/oracle.js';

const KINDS: readonly KeyExchangeKind[] = ['ECDHE', 'PSK', 'ECDHE_PSK'];

export function fuzz(buf: Buffer): void {
  if (buf.length === 0) return;
  const kx = KINDS[buf[0]! % 3]!;
  roundTrip(buf.subarray(1), (r) => decodeClientKeyExchange(r, kx), encodeClientKeyExchange);
}
