/**
 * Edges of signing and verifying that the mutation run of the
 * authentication group found untested (docs/mutation.md): private scalars
 * out of range, the library's refusal kept as the cause, Ed25519's strict
 * (RFC 8032) verification against ZIP-215, a signing failure, schemeInfo.
 * Both providers, unless the case is one library's.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { SignatureScheme as S } from '../../src/crypto/provider.js';
import { schemeInfo } from '../../src/crypto/schemes.js';
import { KeyError } from '../../src/errors.js';
import { fixtureKey, hex, providers, toHex, utf8 } from './helpers.js';

const ORDER = {
  prime256v1: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
  secp384r1: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
  secp521r1: '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
} as const;

const CURVE = { prime256v1: p256, secp384r1: p384, secp521r1: p521 } as const;

/**
 * A PKCS#8 EC key of `curve` whose private scalar is replaced by `d` (hex, the curve's length).
 * `withPublic`: the embedded public key becomes d·G too (BoringSSL, under Bun and Deno, refuses
 * a key whose public key does not match its scalar; OpenSSL does not check).
 */
function withScalar(curve: keyof typeof ORDER, d: string, withPublic = false): Uint8Array {
  const der = new Uint8Array(generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ format: 'der', type: 'pkcs8' }));
  const n = d.length / 2;
  // ECPrivateKey: INTEGER 1, OCTET STRING d.
  const at = Buffer.from(der).indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, n]));
  expect(at).toBeGreaterThan(0);
  der.set(hex(d), at + 5);
  if (withPublic) {
    // [1] BIT STRING (04 ‖ X ‖ Y) ends the structure.
    const point = CURVE[curve].getPublicKey(hex(d), false);
    expect(der[der.length - point.length]).toBe(0x04);
    der.set(point, der.length - point.length);
  }
  return der;
}

const minus1 = (h: string): string => (BigInt(`0x${h}`) - 1n).toString(16).padStart(h.length, '0');

// node-sign.ts itself, not the probed default (which falls back to noble for what node:crypto fails to do).
describe.each([nodeProvider, nobleProvider])('ECDSA private scalars ($name provider)', (p) => {
  it.each(Object.keys(ORDER) as (keyof typeof ORDER)[])('%s: a scalar of 0, of n or above is refused at import (KeyError); n − 1 is a key', (curve) => {
    const n = ORDER[curve];
    for (const d of ['00'.repeat(n.length / 2), n, 'ff'.repeat(n.length / 2)]) {
      expect(() => p.importSigningKey(withScalar(curve, d))).toThrow(KeyError);
    }
    const key = p.importSigningKey(withScalar(curve, minus1(n), true));
    expect(key.kind).toBe('ecdsa');
    const scheme = { prime256v1: S.ecdsa_secp256r1_sha256, secp384r1: S.ecdsa_secp384r1_sha384, secp521r1: S.ecdsa_secp521r1_sha512 }[curve];
    expect(key.sign(scheme, utf8('m')).length).toBeGreaterThan(8);
  });
});

describe.each(providers)('what an imported key says of itself ($name provider)', (p) => {
  it.each([['server-rsa2048', 'rsa', undefined, 2048], ['server-ecdsa-p384', 'ecdsa', 'P-384', undefined], ['server-ed25519', 'ed25519', undefined, undefined]] as const)(
    '%s: kind, curve and bits, signing and verifying key alike', (file, kind, curve, bits) => {
      const { pkcs8, spki } = fixtureKey(file);
      for (const key of [p.importSigningKey(pkcs8), p.importVerifyingKey(spki)]) {
        expect([key.kind, key.curve, key.bits]).toEqual([kind, curve, bits]);
      }
    });
});

describe.each(providers)('the library\'s refusal is kept as the cause ($name provider)', (p) => {
  it('a P-256 public key off the curve: KeyError with a cause', () => {
    const bad = fixtureKey('server-ecdsa-p256').spki.slice();
    bad[bad.length - 1]! ^= 1;
    let e: unknown;
    try {
      p.importVerifyingKey(bad);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KeyError);
    expect((e as Error).cause).toBeInstanceOf(Error);
  });

  it('an RSA key whose inner structure node:crypto refuses (the strict parser only recognises RSA): KeyError with a cause', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    // The RSAPrivateKey / RSAPublicKey SEQUENCE tag, made a SET.
    expect([pkcs8[26], spki[22]]).toEqual([0x30, 0x30]);
    pkcs8[26] = 0x31;
    spki[22] = 0x31;
    for (const f of [() => p.importSigningKey(pkcs8), () => p.importVerifyingKey(spki)]) {
      let e: unknown;
      try {
        f();
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(KeyError);
      expect((e as Error).cause).toBeInstanceOf(Error);
    }
  });

  it('signing fails (a 512-bit RSA key cannot hold a PSS-SHA512 signature): ERR_DTLS_CRYPTO, internal_error, with the cause', () => {
    const pkcs8 = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ format: 'der', type: 'pkcs8' }));
    const key = p.importSigningKey(pkcs8);
    let e: unknown;
    try {
      key.sign(S.rsa_pss_rsae_sha512, utf8('m'));
    } catch (x) {
      e = x;
    }
    expect(e).toMatchObject({ code: 'ERR_DTLS_CRYPTO', alert: 'internal_error' });
    expect((e as Error).cause).toBeInstanceOf(Error);
    // The same key signs what fits it.
    expect(key.sign(S.rsa_pkcs1_sha256, utf8('m')).length).toBe(64);
  });
});

describe('Ed25519 is verified as RFC 8032 says, not ZIP-215', () => {
  it('an Ed25519 public key with no point (y = 2): KeyError with the library\'s error as cause (the noble provider checks the point at import)', () => {
    let e: unknown;
    try {
      nobleProvider.importVerifyingKey(hex(`302a300506032b6570032100${'02'.padEnd(64, '0')}`));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KeyError);
    expect((e as Error).cause).toBeInstanceOf(Error);
  });

  // L, the order of the base point.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const le = (b: Uint8Array): bigint => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
  const le32 = (v: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

  it('a signature whose R is the identity encoded non-canonically (y = p + 1) verifies under ZIP-215 and is refused by both providers', () => {
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'); // RFC 8032 §7.1 TEST 1
    const { scalar, pointBytes: pub } = ed25519.utils.getExtendedPublicKey(seed);
    const msg = utf8('non-canonical R');
    // y = p + 1 = 2^255 − 18, sign bit 0: the identity (0, 1), not reduced mod p.
    const R = le32(2n ** 255n - 18n);
    const k = le(createHash('sha512').update(R).update(pub).update(msg).digest()) % L;
    const sig = new Uint8Array([...R, ...le32((k * scalar) % L)]);
    // [S]B = [k]A = R + [k]A: the equation holds; only the encoding of R is not canonical.
    expect(ed25519.verify(sig, msg, pub, { zip215: true })).toBe(true);
    const spki = hex(`302a300506032b6570032100${toHex(pub)}`);
    for (const p of providers) expect(p.importVerifyingKey(spki).verify(S.ed25519, msg, sig)).toBe(false);
  });
});

describe('schemeInfo', () => {
  it('describes the schemes we implement and nothing else', () => {
    expect(schemeInfo(S.rsa_pss_rsae_sha384)).toEqual({ scheme: S.rsa_pss_rsae_sha384, kind: 'rsa', hash: 'sha384', rsaPadding: 'pss' });
    expect(schemeInfo(S.ecdsa_secp256r1_sha256)).toEqual({ scheme: S.ecdsa_secp256r1_sha256, kind: 'ecdsa', hash: 'sha256' });
    expect(schemeInfo(S.ed25519)).toEqual({ scheme: S.ed25519, kind: 'ed25519', hash: null });
    expect(schemeInfo(S.rsa_pss_pss_sha256)).toBeUndefined();
    expect(schemeInfo(0x0000)).toBeUndefined();
  });
});
