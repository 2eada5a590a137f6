import { KeyError } from '../errors.js';
import { DerReader, Tag } from './der.js';
import type { EcCurve } from './provider.js';

/** Algorithm and curve OIDs found in PKCS#8 and SubjectPublicKeyInfo. */
export const Oid = Object.freeze({
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ed25519: '1.3.101.112',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
} as const);

/** Byte length of a scalar / field element of each curve. */
export const CURVE_BYTES: Readonly<Record<EcCurve, number>> = Object.freeze({ 'P-256': 32, 'P-384': 48, 'P-521': 66 });

const curveByOid = new Map<string, EcCurve>([[Oid.p256, 'P-256'], [Oid.p384, 'P-384'], [Oid.p521, 'P-521']]);

/** What a PKCS#8 private key holds, as far as the providers need it. */
export type PrivateKeyInfo =
  | { readonly kind: 'ecdsa'; readonly curve: EcCurve; readonly scalar: Uint8Array }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array }
  | { readonly kind: 'rsa' };

/** What a SubjectPublicKeyInfo holds. */
export type PublicKeyInfo =
  | { readonly kind: 'ecdsa'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly key: Uint8Array }
  | { readonly kind: 'rsa' };

interface AlgorithmId {
  readonly oid: string;
  /** The parameters when they are an OID (named curve), else `undefined`. */
  readonly paramOid?: string;
}

function algorithmId(r: DerReader, what: string): AlgorithmId {
  const seq = r.sequence(what);
  const oid = seq.oid(`${what} algorithm`);
  let paramOid: string | undefined;
  if (!seq.done) {
    if (seq.peekTag() === Tag.OID) paramOid = seq.oid(`${what} parameters`);
    else seq.next(`${what} parameters`);
  }
  seq.finish(what);
  return paramOid === undefined ? { oid } : { oid, paramOid };
}

function curveOf(oid: string | undefined, what: string): EcCurve {
  const c = oid === undefined ? undefined : curveByOid.get(oid);
  if (c === undefined) throw new KeyError(`${what}: unsupported or missing named curve ${oid ?? '(none)'}`);
  return c;
}

function rejectOther(oid: string, what: string): never {
  if (oid === Oid.rsassaPss) throw new KeyError(`${what}: RSA-PSS keys (id-RSASSA-PSS) are not supported; use an rsaEncryption key`);
  throw new KeyError(`${what}: unsupported key algorithm ${oid}`);
}

/** Left-pad (or strip leading zeros of) a big-endian scalar to exactly `n` bytes. */
function fixedLength(v: Uint8Array, n: number, what: string): Uint8Array {
  let start = 0;
  while (v.length - start > n && v[start] === 0) start++;
  if (v.length - start > n) throw new KeyError(`${what}: scalar longer than ${n} bytes`);
  const out = new Uint8Array(n);
  out.set(v.subarray(start), n - (v.length - start));
  return out;
}

/** SEC 1 ECPrivateKey inside a PKCS#8 privateKey OCTET STRING. */
function ecPrivateKey(body: Uint8Array, algCurve: string | undefined): PrivateKeyInfo {
  const what = 'ECPrivateKey';
  const outer = new DerReader(body);
  const r = outer.sequence(what);
  outer.finish(what);
  if (r.smallInteger(`${what} version`) !== 1) throw new KeyError(`${what}: version must be 1`);
  const d = r.octetString(`${what} privateKey`);
  let innerCurve: string | undefined;
  while (!r.done) {
    const t = r.next(`${what} field`);
    if (t.tag === 0xa0) {
      const p = new DerReader(t.value);
      innerCurve = p.oid(`${what} parameters`);
      p.finish(`${what} parameters`);
    }
  }
  if (algCurve !== undefined && innerCurve !== undefined && algCurve !== innerCurve) {
    throw new KeyError(`${what}: curve in the algorithm and in the key differ`);
  }
  const curve = curveOf(algCurve ?? innerCurve, what);
  return { kind: 'ecdsa', curve, scalar: fixedLength(d, CURVE_BYTES[curve], what) };
}

/**
 * Parse a PKCS#8 `PrivateKeyInfo` (RFC 5208 / 5958): EC keys on P-256/P-384/
 * P-521 (SEC 1 `ECPrivateKey` inside), Ed25519 (RFC 8410 seed), RSA (only
 * recognized; the RSA maths is node:crypto's). Throws {@link KeyError}.
 */
export function parsePkcs8(der: Uint8Array): PrivateKeyInfo {
  const what = 'PKCS#8';
  const top = new DerReader(der);
  const r = top.sequence(what);
  top.finish(what);
  const version = r.smallInteger(`${what} version`);
  if (version !== 0 && version !== 1) throw new KeyError(`${what}: unsupported version ${version}`);
  const alg = algorithmId(r, `${what} algorithm`);
  const body = r.octetString(`${what} privateKey`);
  while (!r.done) r.next(`${what} optional field`);
  switch (alg.oid) {
    case Oid.ecPublicKey:
      return ecPrivateKey(body, alg.paramOid);
    case Oid.ed25519: {
      const inner = new DerReader(body);
      const seed = inner.octetString(`${what} Ed25519 key`);
      inner.finish(`${what} Ed25519 key`);
      if (seed.length !== 32) throw new KeyError(`${what}: Ed25519 key must be 32 bytes`);
      return { kind: 'ed25519', seed: seed.slice() };
    }
    case Oid.rsaEncryption:
      return { kind: 'rsa' };
    default:
      return rejectOther(alg.oid, what);
  }
}

/**
 * Parse a `SubjectPublicKeyInfo` (RFC 5280): EC points (as encoded, not yet
 * validated), Ed25519 keys, RSA (recognized only). Throws {@link KeyError}.
 */
export function parseSpki(der: Uint8Array): PublicKeyInfo {
  const what = 'SubjectPublicKeyInfo';
  const top = new DerReader(der);
  const r = top.sequence(what);
  top.finish(what);
  const alg = algorithmId(r, `${what} algorithm`);
  const key = r.bitString(`${what} subjectPublicKey`);
  r.finish(what);
  switch (alg.oid) {
    case Oid.ecPublicKey:
      return { kind: 'ecdsa', curve: curveOf(alg.paramOid, what), point: key.slice() };
    case Oid.ed25519:
      if (key.length !== 32) throw new KeyError(`${what}: Ed25519 key must be 32 bytes`);
      return { kind: 'ed25519', key: key.slice() };
    case Oid.rsaEncryption:
      return { kind: 'rsa' };
    default:
      return rejectOther(alg.oid, what);
  }
}
