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
      const curve = details.namedCurve === undefined ? undefined : curveNames[details.namedCurve];
      if (curve === undefined) throw new KeyError(`unsupported EC curve ${details.namedCurve ?? '(unnamed)'}`);
      return { kind: 'ecdsa', curve };
    }
    case 'rsa':
      return details.modulusLength === undefined ? { kind: 'rsa' } : { kind: 'rsa', bits: details.modulusLength };
    case 'ed25519':
      return { kind: 'ed25519' };
    case 'rsa-pss':
      throw new KeyError('RSA-PSS keys (id-RSASSA-PSS) are not supported; use an rsaEncryption key');
    default:
      throw new KeyError(`unsupported key type ${type ?? '(unknown)'}`);
  }
}

/** The options of `crypto.sign` / `crypto.verify` for a scheme. */
function signOptions(c: NodeCrypto, key: KeyObject, info: SchemeInfo) {
  if (info.kind === 'ecdsa') return { key, dsaEncoding: 'der' as const };
  if (info.rsaPadding === 'pss') {
    return { key, padding: c.constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[info.hash ?? 'sha256'] };
  }
  if (info.rsaPadding === 'pkcs1') return { key, padding: c.constants.RSA_PKCS1_PADDING };
  return { key };
}

const der = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * A {@link SigningKey} over node:crypto: the PKCS#8 DER is imported once into
 * a KeyObject. Used by the node provider for every kind and by the noble
 * provider for RSA.
 */
export function nodeSigningKey(pkcs8: Uint8Array): SigningKey {
  const c = requireNodeCrypto();
  parsePkcs8(pkcs8); // the same strict structural checks as the noble provider
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
      if (info === undefined) return false;
      try {
        return c.verify(info.hash, data, signOptions(c, key, info), signature);
      } catch {
        return false;
      }
    },
  };
}
