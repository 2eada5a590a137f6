import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import type { KeyExchangeKind } from './server-key-exchange.js';

/**
 * ClientKeyExchange:
 * - ECDHE (RFC 8422 §5.7): `ECPoint ecdh_Yc` (`opaque point <1..2^8-1>`);
 * - PSK (RFC 4279 §2): `opaque psk_identity<0..2^16-1>`;
 * - ECDHE_PSK (RFC 5489 §2): the identity, then the ECPoint.
 */
export interface ClientKeyExchange {
  readonly pskIdentity?: Uint8Array;
  readonly publicKey?: Uint8Array;
}

export function decodeClientKeyExchange(r: Reader, kx: KeyExchangeKind): ClientKeyExchange {
  let pskIdentity: Uint8Array | undefined;
  let publicKey: Uint8Array | undefined;
  if (kx !== 'ECDHE') pskIdentity = copyBytes(r.vec16(0, 0xffff, 'psk_identity'));
  if (kx !== 'PSK') publicKey = copyBytes(r.vec8(1, 255, 'ecdh_Yc'));
  r.end('ClientKeyExchange');
  return { ...(pskIdentity && { pskIdentity }), ...(publicKey && { publicKey }) };
}

export function encodeClientKeyExchange(w: Writer, m: ClientKeyExchange): void {
  if (m.pskIdentity) w.opaque16(m.pskIdentity);
  if (m.publicKey) w.opaque8(m.publicKey);
}
