/**
 * SubjectPublicKeyInfo decoding (RFC 5280 §4.1.2.7; RFC 3279, RFC 5480,
 * RFC 4055, RFC 8410): what the key is and how strong, without importing it.
 */
import type * as asn1js from 'asn1js';
import type { EcCurve, KeyKind } from '../crypto/provider.js';
import { bitString, decodeDer, integerBytes, oid, seq } from './asn1.js';
import { fail } from './malformed.js';
import { CURVE_BITS, CURVE_BY_OID, OID } from './oids.js';
import { toBytes } from './util.js';

/** The subject public key. */
export interface CertificatePublicKey {
  /** Dotted OID of the key algorithm. */
  readonly algorithm: string;
  /** What the key verifies; `unknown` for algorithms/curves we do not support. */
  readonly kind: KeyKind | 'unknown';
  readonly curve?: EcCurve;
  /** For id-ecPublicKey: the named curve's OID, also for curves we do not support (`undefined` for explicit parameters). */
  readonly namedCurve?: string;
  /** RSA modulus bits, EC order bits (256/384/521), 253 for Ed25519 (OpenSSL's values). */
  readonly bits?: number;
  /** The subjectPublicKey BIT STRING contents (EC point, Ed25519 key, PKCS#1 RSAPublicKey). */
  readonly raw: Uint8Array;
  /** RSA keys: modulus and public exponent, big-endian without leading zero bytes. */
  readonly rsa?: { readonly modulus: Uint8Array; readonly exponent: Uint8Array };
}

function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return toBytes(b.subarray(i));
}

/** Number of significant bits of a big-endian unsigned integer. */
export function bitLength(b: Uint8Array): number {
  let i = 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: b[b.length] is undefined, not 0, and ends the loop as well
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** Decode a SubjectPublicKeyInfo node. Throws {@link Malformed} when its structure (or an RSA key inside) is broken. */
export function decodePublicKey(node: asn1js.AsnType | undefined): CertificatePublicKey {
  const parts = seq(node);
  const alg = seq(parts?.[0]);
  const algorithm = oid(alg?.[0]);
  const key = bitString(parts?.[1]);
  if (parts?.length !== 2 || alg === undefined || alg.length > 2 || algorithm === undefined || key === undefined) {
    fail('malformed subjectPublicKeyInfo');
  }
  if (key.unusedBits !== 0) fail('subjectPublicKey has unused bits');
  const raw = toBytes(key.bytes);
  const params = alg[1];
  switch (algorithm) {
    case OID.ecPublicKey: {
      const namedCurve = oid(params);
      // Stryker disable next-line ConditionalExpression: CURVE_BY_OID.get(undefined) is undefined too
      const curve = namedCurve === undefined ? undefined : CURVE_BY_OID.get(namedCurve);
      if (curve === undefined) return { algorithm, kind: 'unknown', raw, ...(namedCurve !== undefined && { namedCurve }) };
      return { algorithm, kind: 'ecdsa', curve, namedCurve: namedCurve!, bits: CURVE_BITS[curve], raw };
    }
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      const rsa = seq(decodeDer(raw));
      const n = integerBytes(rsa?.[0]);
      const e = integerBytes(rsa?.[1]);
      if (rsa?.length !== 2 || n === undefined || e === undefined || (n[0]! & 0x80) !== 0 || (e[0]! & 0x80) !== 0) {
        fail('malformed RSA public key');
      }
      return { algorithm, kind: 'rsa', bits: bitLength(n), raw, rsa: { modulus: stripLeadingZeros(n), exponent: stripLeadingZeros(e) } };
    }
    case OID.ed25519:
      if (params !== undefined || raw.length !== 32) fail('malformed Ed25519 public key');
      return { algorithm, kind: 'ed25519', bits: 253, raw };
    default:
      return { algorithm, kind: 'unknown', raw };
  }
}
