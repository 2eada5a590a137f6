/**
 * SubjectPublicKeyInfo decoding (src/x509/public-key.ts) from DER: each key
 * algorithm's kind, curve and strength, RSA moduli and exponents, and each
 * malformed encoding refused with its message.
 */
import { describe, expect, it } from 'vitest';
import { decodeDer } from '../../src/x509/asn1.js';
import { Malformed } from '../../src/x509/malformed.js';
import { bitLength, decodePublicKey } from '../../src/x509/public-key.js';
import { bits, ctx, int, nul, octets, oid, seq, tlv } from './helpers/der.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const EC = '1.2.840.10045.2.1';
const RSA = '1.2.840.113549.1.1.1';
const PSS = '1.2.840.113549.1.1.10';
const ED = '1.3.101.112';
const spki = (alg: Uint8Array, key: Uint8Array, unused = 0): Uint8Array => seq(alg, bits(key, unused));
const decode = (der: Uint8Array) => decodePublicKey(decodeDer(der));
const refused = (der: Uint8Array, message: string) => expect(() => decode(der)).toThrow(new Malformed(message));
const point = new Uint8Array(65).fill(4);

describe('decodePublicKey', () => {
  it('EC keys: the named curve, supported or not', () => {
    expect(decode(spki(seq(oid(EC), oid('1.2.840.10045.3.1.7')), point))).toEqual({ algorithm: EC, kind: 'ecdsa', curve: 'P-256', namedCurve: '1.2.840.10045.3.1.7', bits: 256, raw: point });
    expect(decode(spki(seq(oid(EC), oid('1.3.132.0.34')), point))).toMatchObject({ kind: 'ecdsa', curve: 'P-384', bits: 384 });
    expect(decode(spki(seq(oid(EC), oid('1.3.132.0.35')), point))).toMatchObject({ kind: 'ecdsa', curve: 'P-521', bits: 521 });
    expect(decode(spki(seq(oid(EC), oid('1.3.132.0.10')), point))).toEqual({ algorithm: EC, kind: 'unknown', namedCurve: '1.3.132.0.10', raw: point });
    expect(decode(spki(seq(oid(EC), seq(int(1))), point))).toStrictEqual({ algorithm: EC, kind: 'unknown', raw: point }); // explicit parameters
    expect(decode(spki(seq(oid(EC)), point))).toStrictEqual({ algorithm: EC, kind: 'unknown', raw: point });
  });

  it('RSA keys: modulus bits, leading zeros stripped', () => {
    const n = new Uint8Array(257).fill(0xab);
    n[0] = 0;
    const k = decode(spki(seq(oid(RSA), nul()), seq(int(n), int(65537))));
    expect(k).toMatchObject({ algorithm: RSA, kind: 'rsa', bits: 2048 });
    expect(k.rsa?.modulus).toEqual(n.subarray(1));
    expect(k.rsa?.exponent).toEqual(b(1, 0, 1));
    expect(k.raw).toEqual(seq(int(n), int(65537)));
    const p = decode(spki(seq(oid(PSS)), seq(int(b(0x00, 0x00, 0x81)), int(3))));
    expect(p).toMatchObject({ algorithm: PSS, kind: 'rsa', bits: 8 });
    expect(p.rsa).toEqual({ modulus: b(0x81), exponent: b(3) });
    expect(decode(spki(seq(oid(RSA), nul()), seq(int(0), int(0)))).rsa).toEqual({ modulus: b(0), exponent: b(0) });
    expect(decode(spki(seq(oid(RSA), nul()), seq(int(b(0, 0)), int(1)))).rsa?.modulus).toEqual(b(0));
  });

  it('refuses a broken RSA key', () => {
    const alg = seq(oid(RSA), nul());
    refused(spki(alg, seq(int(5))), 'malformed RSA public key');
    refused(spki(alg, seq(int(5), int(3), int(1))), 'malformed RSA public key');
    refused(spki(alg, seq(int(-5), int(3))), 'malformed RSA public key');
    refused(spki(alg, seq(int(5), int(-3))), 'malformed RSA public key');
    refused(spki(alg, seq(octets(b(5)), int(3))), 'malformed RSA public key');
    refused(spki(alg, seq(int(5), octets(b(3)))), 'malformed RSA public key');
    refused(spki(alg, int(5)), 'malformed RSA public key');
    refused(spki(alg, b(0x30, 0x80, 0, 0)), 'malformed RSA public key');
    refused(spki(seq(oid(PSS)), seq(int(5))), 'malformed RSA public key');
  });

  it('Ed25519 keys: 32 bytes, no parameters', () => {
    const raw = new Uint8Array(32).fill(9);
    expect(decode(spki(seq(oid(ED)), raw))).toEqual({ algorithm: ED, kind: 'ed25519', bits: 253, raw });
    refused(spki(seq(oid(ED), nul()), raw), 'malformed Ed25519 public key');
    refused(spki(seq(oid(ED)), raw.subarray(1)), 'malformed Ed25519 public key');
    refused(spki(seq(oid(ED)), new Uint8Array(33)), 'malformed Ed25519 public key');
  });

  it('other algorithms are unknown', () => {
    expect(decode(spki(seq(oid('1.3.101.113')), b(1, 2)))).toEqual({ algorithm: '1.3.101.113', kind: 'unknown', raw: b(1, 2) });
  });

  it('refuses a malformed SubjectPublicKeyInfo', () => {
    const alg = seq(oid(ED));
    const key = new Uint8Array(32);
    refused(seq(alg), 'malformed subjectPublicKeyInfo');
    refused(seq(alg, bits(key), nul()), 'malformed subjectPublicKeyInfo');
    refused(seq(oid(ED), bits(key)), 'malformed subjectPublicKeyInfo');
    refused(seq(seq(oid(ED), nul(), nul()), bits(key)), 'malformed subjectPublicKeyInfo');
    refused(seq(seq(), bits(key)), 'malformed subjectPublicKeyInfo');
    refused(seq(seq(nul()), bits(key)), 'malformed subjectPublicKeyInfo');
    refused(seq(alg, octets(key)), 'malformed subjectPublicKeyInfo');
    refused(ctx(0, alg, bits(key)), 'malformed subjectPublicKeyInfo');
    refused(tlv(0x31, alg, bits(key)), 'malformed subjectPublicKeyInfo');
    expect(() => decodePublicKey(undefined)).toThrow(new Malformed('malformed subjectPublicKeyInfo'));
    refused(spki(alg, b(...key.subarray(1), 0x80), 7), 'subjectPublicKey has unused bits');
  });

  it('copies the key bytes', () => {
    const der = spki(seq(oid(ED)), new Uint8Array(32).fill(1));
    const k = decode(der);
    der[der.length - 1] = 2;
    expect(k.raw).toEqual(new Uint8Array(32).fill(1));
  });
});

describe('bitLength', () => {
  it('counts the significant bits', () => {
    expect(bitLength(b())).toBe(0);
    expect(bitLength(b(0, 0))).toBe(0);
    expect(bitLength(b(1))).toBe(1);
    expect(bitLength(b(0, 1))).toBe(1);
    expect(bitLength(b(0x80))).toBe(8);
    expect(bitLength(b(0, 0x80, 0))).toBe(16);
    expect(bitLength(b(0x7f, 0xff))).toBe(15);
  });
});
