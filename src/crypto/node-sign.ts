import type { KeyObject } from 'node:crypto';
import { DtlsError, KeyError } from '../errors.js';
import { plain } from './bytes.js';
import { parsePkcs8, parseSpki } from './der-keys.js';
import { requireNodeCrypto, type NodeCrypto } from './node-crypto.js';
import type { EcCurve, KeyKind, SigningKey, VerifyingKey } from './provider.js';
import { HASH_LENGTH, requireScheme, schemeForKind, type SchemeInfo } from './schemes.js';

const curveNames: Readonly<Record<string, EcCurve>> = Object.freeze({
  prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521',
});

interface KeyDesc {
  readonly kind: KeyKind;
  readonly curve?: EcCurve;
  readonly bits?: number;
}

/** Kind, curve and size of a node KeyObject; throws `KeyError` for kinds we do not sign with. */
function describe(key: KeyObject): KeyDesc {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'ec': {
      // Stryker disable next-line ConditionalExpression: curveNames has no key "undefined": the lookup gives undefined as well
      const curve = details.namedCurve === undefined ? undefined : curveNames[details.namedCurve];
      // Stryker disable next-line all: unreachable: parsePkcs8/parseSpki (der-keys.ts) refuse every curve but P-256/384/521 first, with the same KeyError
      if (curve === undefined) throw new KeyError(`unsupported EC curve ${details.namedCurve ?? '(unnamed)'}`);
      return { kind: 'ecdsa', curve };
    }
    case 'rsa':
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ObjectLiteral,StringLiteral: node:crypto always reports modulusLength for an RSA key (the branch without it is for runtimes that might not)
      return details.modulusLength === undefined ? { kind: 'rsa' } : { kind: 'rsa', bits: details.modulusLength };
    case 'ed25519':
      return { kind: 'ed25519' };
    // Stryker disable all: unreachable: parsePkcs8/parseSpki refuse id-RSASSA-PSS and every other key type first, with the same KeyError
    case 'rsa-pss':
      throw new KeyError('RSA-PSS keys (id-RSASSA-PSS) are not supported; use an rsaEncryption key');
    default:
      throw new KeyError(`unsupported key type ${type ?? '(unknown)'}`);
    // Stryker restore all
  }
}

/** The options of `crypto.sign` / `crypto.verify` for a scheme. */
function signOptions(c: NodeCrypto, key: KeyObject, info: SchemeInfo) {
  // Stryker disable next-line ConditionalExpression,StringLiteral: without it ECDSA gets { key }, and DER is node:crypto's default dsaEncoding
  if (info.kind === 'ecdsa') return { key, dsaEncoding: 'der' as const };
  if (info.rsaPadding === 'pss') {
    // Stryker disable next-line StringLiteral: unreachable: every RSA scheme has a hash (the fallback is for the type, where Ed25519's is null)
    return { key, padding: c.constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[info.hash ?? 'sha256'] };
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: PKCS#1 v1.5 is node:crypto's default RSA padding, and an Ed25519 key ignores it
  if (info.rsaPadding === 'pkcs1') return { key, padding: c.constants.RSA_PKCS1_PADDING };
  return { key };
}

const der = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The order n of each curve's base point (SEC 2 §2.4.2, §2.5.1, §2.6.1). */
const ORDER: Readonly<Record<EcCurve, bigint>> = Object.freeze({
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  'P-521': 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
});

/** Is the ECDSA private scalar `d` in [1, n − 1]? (node:crypto imports and signs with 0 or ≥ n.) */
function scalarInRange(curve: EcCurve, d: Uint8Array): boolean {
  let v = 0n;
  for (const b of d) v = (v << 8n) | BigInt(b);
  return v > 0n && v < ORDER[curve];
}

/**
 * A {@link SigningKey} over node:crypto: the PKCS#8 DER is imported once into
 * a KeyObject. Used by the node provider for every kind and by the noble
 * provider for RSA.
 */
export function nodeSigningKey(pkcs8: Uint8Array): SigningKey {
  const c = requireNodeCrypto();
  const info = parsePkcs8(pkcs8); // the same strict structural checks as the noble provider
  // node:crypto accepts a scalar of 0 or ≥ n and signs with it; the noble provider refuses it here too.
  if (info.kind === 'ecdsa' && !scalarInRange(info.curve, info.scalar)) throw new KeyError(`${info.curve} private scalar out of range`);
  let key: KeyObject;
  try {
    key = c.createPrivateKey({ key: der(pkcs8), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new KeyError('invalid PKCS#8 private key', { cause: e });
  }
  const desc = describe(key);
  return {
    ...desc,
    sign(scheme, data) {
      const info = requireScheme(desc.kind, scheme);
      try {
        return plain(c.sign(info.hash, data, signOptions(c, key, info)));
      } catch (e) {
        throw new DtlsError('ERR_DTLS_CRYPTO', `signing with scheme 0x${scheme.toString(16)} failed`, 'internal_error', { cause: e });
      }
    },
  };
}

/** A {@link VerifyingKey} over node:crypto from SubjectPublicKeyInfo DER. */
export function nodeVerifyingKey(spki: Uint8Array): VerifyingKey {
  const c = requireNodeCrypto();
  parseSpki(spki);
  let key: KeyObject;
  try {
    key = c.createPublicKey({ key: der(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new KeyError('invalid SubjectPublicKeyInfo', { cause: e });
  }
  const desc = describe(key);
  return {
    ...desc,
    verify(scheme, data, signature) {
      const info = schemeForKind(desc.kind, scheme);
      // Stryker disable next-line ConditionalExpression: without it info.hash throws a TypeError inside the try below, which returns false
      if (info === undefined) return false;
      try {
        return c.verify(info.hash, data, signOptions(c, key, info), signature);
        // Stryker disable all: node:crypto's verify returns false, not throws, for every malformed signature tried (the property test of sign.test.ts, over-long and out-of-range RSA values); kept as a guard
      } catch {
        return false;
      }
      // Stryker restore all
    },
  };
}
