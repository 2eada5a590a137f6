/**
 * Private-key loading: PKCS#8, SEC1 (`EC PRIVATE KEY`) and PKCS#1
 * (`RSA PRIVATE KEY`) in PEM, or PKCS#8 DER, all normalized to unencrypted
 * PKCS#8 DER — the one form {@link CryptoProvider.importSigningKey} takes —
 * byte-identical to what OpenSSL (and Node's `KeyObject.export({ type:
 * 'pkcs8', format: 'der' })`) produces for the same key.
 *
 * Errors: every failure throws {@link KeyError} (`ERR_DTLS_INVALID_KEY`).
 */
import * as asn1js from 'asn1js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { KeyError } from '../errors.js';
import { SignatureScheme } from '../crypto/provider.js';
import type { CryptoProvider, EcCurve, KeyKind } from '../crypto/provider.js';
import {
  bitString,
  children,
  decodeDer,
  encode,
  integerBytes,
  isContext,
  octetString,
  oid,
  seq,
  smallInteger,
} from './asn1.js';
import { parseCertificate } from './certificate.js';
import { pemDecode } from './pem.js';
import { CURVE_BY_OID, CURVE_BYTES, OID, OID_BY_CURVE } from './oids.js';
import { toBytes } from './util.js';

/** A private key normalized to PKCS#8. */
export interface LoadedPrivateKey {
  /** What the key signs with. */
  kind: KeyKind;
  /** The curve of an ECDSA key. */
  curve?: EcCurve;
  /** RSA modulus size in bits. */
  bits?: number;
  /** Unencrypted PKCS#8 `PrivateKeyInfo` DER. */
  pkcs8: Uint8Array;
}

const KEY_LABELS = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

const ENCRYPTED_MESSAGE =
  'encrypted private keys are not supported; decrypt it first (e.g. `openssl pkey -in key.pem -out plain.pem`)';

/** Bit length of an unsigned big-endian integer (leading zero bytes ignored). */
function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** Validate a PKCS#1 `RSAPrivateKey` and return its modulus size in bits. */
function rsaPrivateKeyBits(der: Uint8Array): number | undefined {
  const items = seq(decodeDer(der));
  if (items === undefined || items.length < 9) return undefined;
  const version = smallInteger(items[0]);
  if (version !== 0 && version !== 1) return undefined;
  if (version === 0 && items.length !== 9) return undefined;
  for (let i = 1; i < 9; i++) {
    const v = integerBytes(items[i]);
    if (v === undefined || (v[0]! & 0x80) !== 0) return undefined;
  }
  const bits = bitLength(integerBytes(items[1])!);
  return bits >= 512 ? bits : undefined;
}

interface EcPrivate {
  priv: Uint8Array;
  curve?: EcCurve;
  publicKey?: Uint8Array;
}

/** Decode an RFC 5915 `ECPrivateKey` (SEC1). */
function parseEcPrivateKey(der: Uint8Array): EcPrivate {
  const items = seq(decodeDer(der));
  if (items === undefined || items.length < 2 || items.length > 4 || smallInteger(items[0]) !== 1) {
    throw new KeyError('malformed EC private key (SEC1 ECPrivateKey)');
  }
  const priv = octetString(items[1]);
  if (priv === undefined || priv.length === 0) throw new KeyError('malformed EC private key: bad privateKey field');
  const out: EcPrivate = { priv };
  for (const item of items.slice(2)) {
    if (isContext(item, 0)) {
      const params = children(item);
      const curveOid = params?.length === 1 ? oid(params[0]) : undefined;
      if (curveOid === undefined) {
        throw new KeyError('EC private key uses explicit curve parameters; only named curves are supported');
      }
      const curve = CURVE_BY_OID.get(curveOid);
      if (curve === undefined) throw new KeyError(`unsupported EC curve ${curveOid} (supported: P-256, P-384, P-521)`);
      out.curve = curve;
    } else if (isContext(item, 1)) {
      const inner = children(item);
      const bits = inner?.length === 1 ? bitString(inner[0]) : undefined;
      if (bits === undefined || bits.unusedBits !== 0) throw new KeyError('malformed EC private key: bad publicKey field');
      out.publicKey = bits.bytes;
    } else {
      throw new KeyError('malformed EC private key: unexpected field');
    }
  }
  return out;
}

function nobleCurve(curve: EcCurve): typeof p256 {
  return curve === 'P-256' ? p256 : curve === 'P-384' ? p384 : p521;
}

/** Left-pad (or strip leading zeros of) a scalar to the curve's size. */
function fixedScalar(priv: Uint8Array, curve: EcCurve): Uint8Array {
  const n = CURVE_BYTES[curve];
  let s = priv;
  while (s.length > n && s[0] === 0) s = s.subarray(1);
  if (s.length > n) throw new KeyError(`EC private key is too long for ${curve}`);
  const out = new Uint8Array(n);
  out.set(s, n - s.length);
  return out;
}

/** Uncompressed public point of an EC private scalar (via @noble/curves). */
function ecPublicPoint(curve: EcCurve, priv: Uint8Array): Uint8Array {
  try {
    return nobleCurve(curve).getPublicKey(priv, false);
  } catch (err) {
    throw new KeyError(`invalid ${curve} private key`, { cause: err });
  }
}

/**
 * PKCS#8 DER of an EC key, in OpenSSL's layout: algorithm
 * `id-ecPublicKey` + named curve, and an inner `ECPrivateKey` with version 1,
 * the fixed-size scalar, no parameters and the uncompressed public point.
 *
 * @param publicKey Uncompressed point; computed from `priv` when omitted.
 */
export function ecPrivateKeyToPkcs8(curve: EcCurve, priv: Uint8Array, publicKey?: Uint8Array): Uint8Array {
  const scalar = fixedScalar(priv, curve);
  const pub = publicKey ?? ecPublicPoint(curve, scalar);
  const inner = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      new asn1js.OctetString({ valueHex: scalar }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.BitString({ valueHex: pub })] }),
    ],
  });
  return pkcs8Of(
    new asn1js.Sequence({
      value: [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID_BY_CURVE[curve] })],
    }),
    encode(inner),
  );
}

function pkcs8Of(algorithm: asn1js.Sequence, privateKey: Uint8Array): Uint8Array {
  return encode(
    new asn1js.Sequence({
      value: [new asn1js.Integer({ value: 0 }), algorithm, new asn1js.OctetString({ valueHex: privateKey })],
    }),
  );
}

/** Wrap a PKCS#1 `RSAPrivateKey` into PKCS#8 (rsaEncryption, NULL parameters). */
function rsaPkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return pkcs8Of(
    new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.rsaEncryption }), new asn1js.Null()] }),
    pkcs1,
  );
}

/** Convert a SEC1 `ECPrivateKey` into PKCS#8, keeping its curve. */
function sec1ToPkcs8(der: Uint8Array): LoadedPrivateKey {
  const ec = parseEcPrivateKey(der);
  if (ec.curve === undefined) throw new KeyError('EC private key has no curve parameters');
  return { kind: 'ecdsa', curve: ec.curve, pkcs8: ecPrivateKeyToPkcs8(ec.curve, ec.priv, ec.publicKey) };
}

function pkcs1ToLoaded(der: Uint8Array): LoadedPrivateKey {
  const bits = rsaPrivateKeyBits(der);
  if (bits === undefined) throw new KeyError('malformed RSA private key (PKCS#1 RSAPrivateKey)');
  return { kind: 'rsa', bits, pkcs8: rsaPkcs1ToPkcs8(toBytes(der)) };
}

function isEncryptedPkcs8(der: Uint8Array): boolean {
  const items = seq(decodeDer(der));
  return items !== undefined && items.length === 2 && seq(items[0]) !== undefined && octetString(items[1]) !== undefined;
}

interface Pkcs8Parts {
  algorithm: string;
  params: asn1js.AsnType | undefined;
  privateKey: Uint8Array;
}

function pkcs8Parts(der: Uint8Array): Pkcs8Parts | undefined {
  const items = seq(decodeDer(der));
  if (items === undefined || items.length < 3 || items.length > 5) return undefined;
  const version = smallInteger(items[0]);
  if (version !== 0 && version !== 1) return undefined;
  const alg = seq(items[1]);
  const algorithm = alg !== undefined && alg.length >= 1 && alg.length <= 2 ? oid(alg[0]) : undefined;
  const privateKey = octetString(items[2]);
  if (algorithm === undefined || privateKey === undefined) return undefined;
  for (const extra of items.slice(3)) if (!isContext(extra, 0) && !isContext(extra, 1)) return undefined;
  return { algorithm, params: alg![1], privateKey };
}

/** Validate a PKCS#8 `PrivateKeyInfo` and describe its key. */
function describePkcs8(der: Uint8Array): LoadedPrivateKey {
  const parts = pkcs8Parts(der);
  if (parts === undefined) {
    if (isEncryptedPkcs8(der)) throw new KeyError(ENCRYPTED_MESSAGE);
    throw new KeyError('malformed PKCS#8 private key');
  }
  const pkcs8 = toBytes(der);
  switch (parts.algorithm) {
    case OID.rsaEncryption: {
      if (parts.params !== undefined && !(parts.params instanceof asn1js.Null)) {
        throw new KeyError('malformed PKCS#8 RSA key: parameters must be NULL');
      }
      const bits = rsaPrivateKeyBits(parts.privateKey);
      if (bits === undefined) throw new KeyError('malformed PKCS#8 RSA key');
      return { kind: 'rsa', bits, pkcs8 };
    }
    case OID.ecPublicKey: {
      const curveOid = oid(parts.params);
      if (curveOid === undefined) throw new KeyError('PKCS#8 EC key without a named curve is not supported');
      const curve = CURVE_BY_OID.get(curveOid);
      if (curve === undefined) throw new KeyError(`unsupported EC curve ${curveOid} (supported: P-256, P-384, P-521)`);
      const ec = parseEcPrivateKey(parts.privateKey);
      if (ec.curve !== undefined && ec.curve !== curve) throw new KeyError('PKCS#8 EC key: inconsistent curve parameters');
      fixedScalar(ec.priv, curve);
      return { kind: 'ecdsa', curve, pkcs8 };
    }
    case OID.ed25519: {
      if (parts.params !== undefined) throw new KeyError('malformed PKCS#8 Ed25519 key: unexpected parameters');
      const inner = octetString(decodeDer(parts.privateKey));
      if (inner === undefined || inner.length !== 32) throw new KeyError('malformed PKCS#8 Ed25519 key');
      return { kind: 'ed25519', pkcs8 };
    }
    case OID.rsassaPss:
      throw new KeyError('RSASSA-PSS-restricted keys (id-RSASSA-PSS) are not supported; use an rsaEncryption key');
    default:
      throw new KeyError(`unsupported private key algorithm ${parts.algorithm} (supported: EC P-256/P-384/P-521, RSA, Ed25519)`);
  }
}

/**
 * Load a private key and normalize it to unencrypted PKCS#8 DER.
 *
 * Accepts PEM `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1; converted to
 * PKCS#8 keeping the curve from its parameters, the public point computed when
 * absent), `RSA PRIVATE KEY` (PKCS#1; wrapped into PKCS#8), or DER (PKCS#8,
 * or — tolerated — SEC1 / PKCS#1). In PEM text the first private-key block is
 * used and other blocks (certificates, `EC PARAMETERS`) are skipped.
 * Supported keys: ECDSA P-256/P-384/P-521, RSA (≥ 512 bits), Ed25519.
 *
 * @param pem PEM text, or its bytes (a `Buffer` from `readFileSync`), or DER bytes.
 * @throws {KeyError} for encrypted keys (`ENCRYPTED PRIVATE KEY`, or
 *   `Proc-Type: 4,ENCRYPTED`), no key found, malformed or unsupported keys.
 */
export function loadPrivateKey(pem: string | Uint8Array): LoadedPrivateKey {
  if (typeof pem !== 'string' && !(pem instanceof Uint8Array)) {
    throw new KeyError('private key must be a PEM string, or PEM/DER bytes');
  }
  if (typeof pem !== 'string' && pem[0] === 0x30) {
    const der = toBytes(pem);
    if (pkcs8Parts(der) !== undefined || isEncryptedPkcs8(der)) return describePkcs8(der);
    const items = seq(decodeDer(der));
    if (items !== undefined && smallInteger(items[0]) === 1 && octetString(items[1]) !== undefined) return sec1ToPkcs8(der);
    if (items !== undefined && items.length >= 9) return pkcs1ToLoaded(der);
    throw new KeyError('DER private key is neither PKCS#8, SEC1 nor PKCS#1');
  }
  const blocks = pemDecode(pem);
  const block = blocks.find((b) => KEY_LABELS.has(b.label));
  if (block === undefined) {
    const labels = blocks.map((b) => b.label);
    throw new KeyError(
      labels.length === 0 ? 'no PEM private key found' : `no private key found (PEM blocks: ${labels.join(', ')})`,
    );
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers?.['Proc-Type'] ?? '')) {
    throw new KeyError(ENCRYPTED_MESSAGE);
  }
  if (block.label === 'PRIVATE KEY') return describePkcs8(block.der);
  if (block.label === 'EC PRIVATE KEY') return sec1ToPkcs8(block.der);
  return pkcs1ToLoaded(block.der);
}

/**
 * SubjectPublicKeyInfo DER of a loaded private key (EC: the public point
 * stored in the key or computed from it; Ed25519: derived; RSA: modulus and
 * public exponent), in the encoding OpenSSL uses.
 *
 * @throws {KeyError} when the key is malformed.
 */
export function spkiOfPrivateKey(key: LoadedPrivateKey): Uint8Array {
  const parts = pkcs8Parts(key.pkcs8);
  if (parts === undefined) throw new KeyError('malformed PKCS#8 private key');
  const spki = (alg: asn1js.AsnType[], bits: Uint8Array): Uint8Array =>
    encode(new asn1js.Sequence({ value: [new asn1js.Sequence({ value: alg }), new asn1js.BitString({ valueHex: bits })] }));
  if (key.kind === 'ecdsa' && key.curve !== undefined) {
    const ec = parseEcPrivateKey(parts.privateKey);
    const pub = ec.publicKey ?? ecPublicPoint(key.curve, fixedScalar(ec.priv, key.curve));
    return spki(
      [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID_BY_CURVE[key.curve] })],
      pub,
    );
  }
  if (key.kind === 'ed25519') {
    const seed = octetString(decodeDer(parts.privateKey));
    if (seed === undefined || seed.length !== 32) throw new KeyError('malformed PKCS#8 Ed25519 key');
    return spki([new asn1js.ObjectIdentifier({ value: OID.ed25519 })], ed25519.getPublicKey(seed));
  }
  const items = seq(decodeDer(parts.privateKey));
  const n = integerBytes(items?.[1]);
  const e = integerBytes(items?.[2]);
  if (n === undefined || e === undefined) throw new KeyError('malformed RSA private key');
  const rsaPublicKey = encode(
    new asn1js.Sequence({ value: [new asn1js.Integer({ valueHex: n }), new asn1js.Integer({ valueHex: e })] }),
  );
  return spki([new asn1js.ObjectIdentifier({ value: OID.rsaEncryption }), new asn1js.Null()], rsaPublicKey);
}

/**
 * The SubjectPublicKeyInfo DER of a certificate (its exact bytes).
 *
 * @throws {CertificateError} `ERR_DTLS_BAD_CERTIFICATE` when `der` is not a certificate.
 */
export function spkiOfCertificate(der: Uint8Array): Uint8Array {
  return parseCertificate(der).spki;
}

/**
 * The TLS SignatureScheme a key signs with for self-checks: ECDSA with the
 * curve's hash, RSA PKCS#1 v1.5 with SHA-256, or Ed25519.
 */
export function defaultSchemeFor(key: { kind: KeyKind; curve?: EcCurve }): number {
  if (key.kind === 'ed25519') return SignatureScheme.ed25519;
  if (key.kind === 'rsa') return SignatureScheme.rsa_pkcs1_sha256;
  if (key.curve === 'P-384') return SignatureScheme.ecdsa_secp384r1_sha384;
  if (key.curve === 'P-521') return SignatureScheme.ecdsa_secp521r1_sha512;
  return SignatureScheme.ecdsa_secp256r1_sha256;
}

/**
 * Whether `key` is the private key of the certificate `certDer`: signs a
 * fresh random 32-byte challenge with the private key and verifies it with
 * the certificate's public key (so a corrupted key is caught too, not only a
 * mismatched one).
 *
 * @param key A loaded key, or anything {@link loadPrivateKey} accepts.
 * @returns `false` when the key does not belong to the certificate.
 * @throws {KeyError} when the key cannot be loaded or imported;
 *   {@link CertificateError} when `certDer` is not a certificate.
 */
export function keyMatchesCertificate(
  provider: CryptoProvider,
  key: LoadedPrivateKey | string | Uint8Array,
  certDer: Uint8Array,
): boolean {
  const loaded = typeof key === 'string' || key instanceof Uint8Array ? loadPrivateKey(key) : key;
  const cert = parseCertificate(certDer);
  if (cert.publicKey.kind !== loaded.kind || cert.publicKey.curve !== loaded.curve) return false;
  const scheme = defaultSchemeFor(loaded);
  const challenge = provider.randomBytes(32);
  const signature = provider.importSigningKey(loaded.pkcs8).sign(scheme, challenge);
  let verifier;
  try {
    verifier = provider.importVerifyingKey(cert.spki);
  } catch {
    return false;
  }
  return verifier.verify(scheme, challenge, signature);
}
