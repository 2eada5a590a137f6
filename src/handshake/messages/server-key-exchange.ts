import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';

/** ECCurveType named_curve (RFC 8422 §5.4). */
export const NAMED_CURVE = 3;

/**
 * ServerECDHParams (RFC 8422 §5.4):
 * ```
 * struct { ECCurveType curve_type; NamedCurve namedcurve; } ECParameters;
 * struct { ECParameters curve_params; ECPoint public; } ServerECDHParams;  // opaque point <1..2^8-1>
 * ```
 */
export interface EcdhParams {
  readonly namedGroup: number;
  readonly publicKey: Uint8Array;
}

/**
 * ServerKeyExchange for ECDHE_ECDSA / ECDHE_RSA (RFC 8422 §5.4), PSK
 * (RFC 4279 §2: `opaque psk_identity_hint<0..2^16-1>`) and ECDHE_PSK
 * (RFC 5489 §2: hint then ServerECDHParams, unsigned).
 */
export interface ServerKeyExchange {
  readonly pskIdentityHint?: Uint8Array;
  readonly ecdh?: EcdhParams;
  /** The signed bytes' signature: `SignatureAndHashAlgorithm` + `opaque signature<0..2^16-1>`. */
  readonly signature?: { readonly scheme: number; readonly signature: Uint8Array };
}

export type KeyExchangeKind = 'ECDHE' | 'PSK' | 'ECDHE_PSK';

function decodeEcdhParams(r: Reader): EcdhParams {
  const curveType = r.u8('curve_type');
  if (curveType !== NAMED_CURVE) throw new DecodeError(`curve_type ${curveType} is not named_curve`);
  const namedGroup = r.u16('namedcurve');
  const publicKey = copyBytes(r.vec8(1, 255, 'ECPoint'));
  return { namedGroup, publicKey };
}

export function encodeEcdhParams(w: Writer, p: EcdhParams): void {
  w.u8(NAMED_CURVE).u16(p.namedGroup).opaque8(p.publicKey);
}

export function decodeServerKeyExchange(r: Reader, kx: KeyExchangeKind): ServerKeyExchange {
  if (kx === 'PSK') {
    const pskIdentityHint = copyBytes(r.vec16(0, 0xffff, 'psk_identity_hint'));
    r.end('ServerKeyExchange');
    return { pskIdentityHint };
  }
  if (kx === 'ECDHE_PSK') {
    const pskIdentityHint = copyBytes(r.vec16(0, 0xffff, 'psk_identity_hint'));
    const ecdh = decodeEcdhParams(r);
    r.end('ServerKeyExchange');
    return { pskIdentityHint, ecdh };
  }
  const ecdh = decodeEcdhParams(r);
  const scheme = r.u16('signature_algorithm');
  const signature = copyBytes(r.vec16(0, 0xffff, 'signature'));
  r.end('ServerKeyExchange');
  return { ecdh, signature: { scheme, signature } };
}

export function encodeServerKeyExchange(w: Writer, m: ServerKeyExchange): void {
  if (m.pskIdentityHint) w.opaque16(m.pskIdentityHint);
  if (m.ecdh) encodeEcdhParams(w, m.ecdh);
  if (m.signature) w.u16(m.signature.scheme).opaque16(m.signature.signature);
}
