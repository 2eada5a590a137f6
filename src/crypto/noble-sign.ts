import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { KeyError } from '../errors.js';
import { parsePkcs8, parseSpki } from './der-keys.js';
import { nodeCrypto } from './node-crypto.js';
import { nodeSigningKey, nodeVerifyingKey } from './node-sign.js';
import { nobleHash } from './noble-hash.js';
import type { EcCurve, SigningKey, VerifyingKey } from './provider.js';
import { requireScheme, schemeForKind } from './schemes.js';

const curves = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const satisfies Record<EcCurve, unknown>;

// Stryker disable all: unreachable where the tests run: Node.js, Deno and Bun all have node:crypto
const needNode = (): never => {
  throw new KeyError('RSA keys need node:crypto, which this runtime does not have');
};
// Stryker restore all

// Stryker disable all: noble's ECDSA verify returns false, not throws, for every malformed signature the property test of sign.test.ts sends; kept as a guard
/** `f()`, or false when it throws. */
function orFalse(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}
// Stryker restore all

/**
 * A {@link SigningKey} over @noble/curves (ECDSA P-256/P-384/P-521 with
 * RFC 6979 nonces, Ed25519). RSA keys go to node:crypto when present
 * (the same code as the node provider), else `KeyError`.
 */
export function nobleSigningKey(pkcs8: Uint8Array): SigningKey {
  const info = parsePkcs8(pkcs8);
  switch (info.kind) {
    case 'rsa':
      return nodeCrypto() ? nodeSigningKey(pkcs8) : needNode();
    case 'ed25519': {
      const seed = info.seed;
      return {
        kind: 'ed25519',
        sign(scheme, data) {
          requireScheme('ed25519', scheme);
          return ed25519.sign(data, seed);
        },
      };
    }
    case 'ecdsa': {
      const curve = curves[info.curve];
      const d = info.scalar;
      if (!curve.utils.isValidSecretKey(d)) throw new KeyError(`${info.curve} private scalar out of range`);
      return {
        kind: 'ecdsa',
        curve: info.curve,
        sign(scheme, data) {
          const s = requireScheme('ecdsa', scheme);
          // TLS 1.2 pairs any hash with any curve: hash here, the curve truncates (FIPS 186-4 §6.4).
          // Stryker disable next-line StringLiteral: unreachable: every ECDSA scheme has a hash (the fallback is for the type, where Ed25519's is null)
          return curve.sign(nobleHash(s.hash ?? 'sha256', data), d, { prehash: false, format: 'der' });
        },
      };
    }
  }
}

/** A {@link VerifyingKey} over @noble/curves; RSA as in {@link nobleSigningKey}. */
export function nobleVerifyingKey(spki: Uint8Array): VerifyingKey {
  const info = parseSpki(spki);
  switch (info.kind) {
    case 'rsa':
      return nodeCrypto() ? nodeVerifyingKey(spki) : needNode();
    case 'ed25519': {
      const pub = info.key;
      try {
        ed25519.Point.fromBytes(pub);
      } catch (e) {
        throw new KeyError('Ed25519 public key is not a valid point', { cause: e });
      }
      return {
        kind: 'ed25519',
        verify(scheme, data, signature) {
          if (schemeForKind('ed25519', scheme) === undefined) return false;
          try {
            return ed25519.verify(signature, data, pub, { zip215: false });
          } catch {
            return false;
          }
        },
      };
    }
    case 'ecdsa': {
      const curve = curves[info.curve];
      const point = info.point;
      try {
        curve.Point.fromBytes(point).assertValidity();
      } catch (e) {
        throw new KeyError(`${info.curve} public key is not a valid point`, { cause: e });
      }
      return {
        kind: 'ecdsa',
        curve: info.curve,
        verify(scheme, data, signature) {
          const s = schemeForKind('ecdsa', scheme);
          // Stryker disable next-line ConditionalExpression: without it s.hash throws a TypeError inside the try below, which returns false
          if (s === undefined) return false;
          // lowS: false — OpenSSL and others emit high-S signatures.
          // Stryker disable next-line StringLiteral: unreachable: every ECDSA scheme has a hash
          return orFalse(() => curve.verify(signature, nobleHash(s.hash ?? 'sha256', data), point,
            { prehash: false, format: 'der', lowS: false }));
        },
      };
    }
  }
}
