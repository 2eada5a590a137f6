import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOid, DerReader } from '../../src/crypto/der.js';
import { parsePkcs8, parseSpki } from '../../src/crypto/der-keys.js';
import { KeyError } from '../../src/errors.js';
import { fixtureKey, hex, toHex } from './helpers.js';

const b64url = (s: string | undefined): string => toHex(new Uint8Array(Buffer.from(s ?? '', 'base64url')));

describe('der-keys', () => {
  it.each([
    ['server-ecdsa-p256', 'P-256'], ['server-ecdsa-p384', 'P-384'], ['ca-ecdsa', 'P-256'], ['client-ecdsa', 'P-256'],
  ])('EC key %s: curve, scalar and point match node:crypto', (file, curve) => {
    const { pkcs8, spki } = fixtureKey(file);
    const jwk = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    const priv = parsePkcs8(pkcs8);
    const pub = parseSpki(spki);
    expect(priv.kind).toBe('ecdsa');
    expect(pub.kind).toBe('ecdsa');
    if (priv.kind !== 'ecdsa' || pub.kind !== 'ecdsa') return;
    expect(priv.curve).toBe(curve);
    expect(pub.curve).toBe(curve);
    expect(toHex(priv.scalar)).toBe(b64url(jwk.d));
    expect(toHex(pub.point)).toBe('04' + b64url(jwk.x) + b64url(jwk.y));
  });

  it('Ed25519 seed and public key match node:crypto', () => {
    const { pkcs8, spki } = fixtureKey('server-ed25519');
    const jwk = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    const priv = parsePkcs8(pkcs8);
    const pub = parseSpki(spki);
    expect(priv.kind === 'ed25519' && toHex(priv.seed)).toBe(b64url(jwk.d));
    expect(pub.kind === 'ed25519' && toHex(pub.key)).toBe(b64url(jwk.x));
  });

  it('recognizes RSA keys', () => {
    const { pkcs8, spki } = fixtureKey('server-rsa2048');
    expect(parsePkcs8(pkcs8)).toEqual({ kind: 'rsa' });
    expect(parseSpki(spki)).toEqual({ kind: 'rsa' });
  });

  it('decodes OIDs', () => {
    expect(decodeOid(hex('2a8648ce3d030107'))).toBe('1.2.840.10045.3.1.7');
    expect(decodeOid(hex('2b81040022'))).toBe('1.3.132.0.34');
    expect(decodeOid(hex('2b6570'))).toBe('1.3.101.112');
    expect(() => decodeOid(hex('2a86'))).toThrow(KeyError);
    expect(() => decodeOid(hex('2a8048'))).toThrow(KeyError);
  });

  it('rejects non-DER lengths', () => {
    expect(() => new DerReader(hex('3080')).next('x')).toThrow(/indefinite/);
    expect(() => new DerReader(hex('30810100')).next('x')).toThrow(/non-minimal/);
    expect(() => new DerReader(hex('3005020100')).next('x')).toThrow(/exceeds/);
    expect(() => new DerReader(hex('1f0100')).next('x')).toThrow(/high tag/);
  });

  it('every truncation of a valid key throws KeyError', () => {
    for (const file of ['server-ecdsa-p384', 'server-ed25519', 'server-rsa2048']) {
      const { pkcs8, spki } = fixtureKey(file);
      for (let n = 0; n < pkcs8.length; n += n < 80 ? 1 : 37) expect(() => parsePkcs8(pkcs8.subarray(0, n))).toThrow(KeyError);
      for (let n = 0; n < spki.length; n += n < 80 ? 1 : 37) expect(() => parseSpki(spki.subarray(0, n))).toThrow(KeyError);
    }
  });

  it('property: arbitrary bytes and mutated keys only ever throw KeyError', () => {
    const { pkcs8, spki } = fixtureKey('server-ecdsa-p256');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(255), (junk, pos, val) => {
      const mutated = pkcs8.slice();
      mutated[pos % mutated.length] = val;
      const mutatedSpki = spki.slice();
      mutatedSpki[pos % mutatedSpki.length] = val;
      for (const run of [() => parsePkcs8(junk), () => parseSpki(junk), () => parsePkcs8(mutated), () => parseSpki(mutatedSpki)]) {
        try {
          run();
        } catch (e) {
          expect(e).toBeInstanceOf(KeyError);
        }
      }
    }), { numRuns: 500 });
  });
});
