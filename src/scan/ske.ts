/**
 * What a ServerKeyExchange tells a scanner, for every key exchange in the
 * catalogue (the stack's own decoder knows only the ECDHE and PSK forms):
 * the group or finite-field prime, the signature scheme, the PSK hint.
 *
 * - ECDHE (RFC 8422 §5.4): `ECParameters curve_params; ECPoint public;`
 * - DHE (RFC 5246 §7.4.3): `opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>;`
 * - PSK hints (RFC 4279 §2, §3, §4; RFC 5489): `opaque psk_identity_hint<0..2^16-1>;` first
 * - signed forms end in `digitally-signed` params: a SignatureAndHashAlgorithm
 *   (DTLS 1.2 only) and `opaque signature<0..2^16-1>`.
 */
import { Reader } from '../codec/reader.js';
import type { IanaSuite } from './iana-suites.js';
import { createHash } from 'node:crypto';
import { FFDHE_FINGERPRINTS } from './ffdhe.js';

export interface KeyExchangeInfo {
  /** ECDHE: the named group. */
  readonly group?: number;
  /** ECDHE: the server's public value. */
  readonly publicKey?: Uint8Array;
  /** DHE: prime size in bits and, when it is one, the RFC 7919 group it is. */
  readonly dhBits?: number;
  readonly dhGroup?: string;
  /** The signature scheme (DTLS 1.2), when signed. */
  readonly scheme?: number;
  readonly signatureLength?: number;
  readonly pskHint?: Uint8Array;
}

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/**
 * Read a ServerKeyExchange for `suite`. Throws `DecodeError` when it does
 * not parse (the caller reports that as malformed).
 */
export function parseServerKeyExchange(body: Uint8Array, suite: IanaSuite, dtls12: boolean): KeyExchangeInfo {
  const r = new Reader(body);
  let info: { -readonly [K in keyof KeyExchangeInfo]: KeyExchangeInfo[K] } = {};
  if (suite.psk) info.pskHint = Uint8Array.from(r.vec16(0, 0xffff, 'psk_identity_hint'));
  if (suite.ecc) {
    const curveType = r.u8('curve_type');
    if (curveType === 3) {
      info.group = r.u16('namedcurve');
      info.publicKey = Uint8Array.from(r.vec8(1, 255, 'ECPoint'));
    } else {
      info.group = -curveType; // explicit curves (1, 2): recorded as a negative marker
      r.rest();
    }
  } else if (suite.ffdh || /^DHE_PSK/.test(suite.kx)) {
    const p = r.vec16(1, 0xffff, 'dh_p');
    r.vec16(1, 0xffff, 'dh_g');
    r.vec16(1, 0xffff, 'dh_Ys');
    info.dhBits = bitLength(p);
    let lead = 0;
    while (lead < p.length - 1 && p[lead] === 0) lead++;
    const digest = createHash('sha256').update(p.subarray(lead)).digest('hex');
    const named = FFDHE_FINGERPRINTS.find((f) => f.sha256 === digest);
    if (named) info.dhGroup = named.name;
  } else if (suite.srp) {
    r.vec16(1, 0xffff, 'srp_N');
    r.vec16(1, 0xffff, 'srp_g');
    r.vec8(0, 255, 'srp_s');
    r.vec16(1, 0xffff, 'srp_B');
  }
  const signed = !suite.anonymous && !/^(PSK|DHE_PSK|ECDHE_PSK|RSA_PSK|SRP_SHA)$/.test(suite.kx);
  if (signed && r.remaining > 0) {
    if (dtls12) info.scheme = r.u16('signature_algorithm');
    info.signatureLength = r.vec16(0, 0xffff, 'signature').length;
  }
  r.end('ServerKeyExchange');
  return info;
}
