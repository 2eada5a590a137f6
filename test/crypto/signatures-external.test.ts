/**
 * Signatures checked against node:crypto outside our code. RSA, with the
 * parameters the RFCs fix: rsa_pkcs1_* is RSASSA-PKCS1-v1_5 over the scheme's
 * hash (deterministic: our signature is node's, byte for byte), rsa_pss_rsae_*
 * is RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash
 * (RFC 8446 §4.2.3). Both providers sign RSA through node:crypto, so a
 * signature that only our own verifier checks could be wrong in the same way
 * on both sides; here the other side is node:crypto with explicit parameters,
 * and signatures node:crypto makes with them must verify with our keys.
 * ECDSA: a high-S signature (s > n/2, which OpenSSL and others make) is
 * valid (RFC 5246 and X9.62 have no low-S rule) and both providers accept it.
 */
import { constants, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureScheme as S } from '../../src/crypto/provider.js';
import { fixtureKey, hex, providers, toHex, utf8 } from './helpers.js';

const MSG = utf8('client_random || server_random || ServerECDHParams');
const { pkcs8, spki } = fixtureKey('server-rsa2048');
const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });

const PKCS1 = [[S.rsa_pkcs1_sha1, 'sha1'], [S.rsa_pkcs1_sha256, 'sha256'], [S.rsa_pkcs1_sha384, 'sha384'], [S.rsa_pkcs1_sha512, 'sha512']] as const;
const PSS = [[S.rsa_pss_rsae_sha256, 'sha256', 32], [S.rsa_pss_rsae_sha384, 'sha384', 48], [S.rsa_pss_rsae_sha512, 'sha512', 64]] as const;
const hex4 = (s: number) => s.toString(16).padStart(4, '0');

describe.each(providers)('RSA signatures against node:crypto ($name)', (p) => {
  const key = p.importSigningKey(pkcs8);
  const verifier = p.importVerifyingKey(spki);

  it.each(PKCS1.map(([s, h]) => [hex4(s), s, h] as const))('0x%s is PKCS#1 v1.5 over %s: node:crypto\'s signature, byte for byte', (_x, scheme, hash) => {
    const want = nodeSign(hash, MSG, { key: priv, padding: constants.RSA_PKCS1_PADDING });
    expect(toHex(key.sign(scheme, MSG))).toBe(toHex(want));
    expect(verifier.verify(scheme, MSG, want)).toBe(true);
  });

  it.each(PSS.map(([s, h, n]) => [hex4(s), s, h, n] as const))('0x%s is PSS over %s with a %i-byte salt', (_x, scheme, hash, saltLength) => {
    const sig = key.sign(scheme, MSG);
    const pss = (salt: number) => ({ key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt });
    expect(nodeVerify(hash, MSG, pss(saltLength), sig)).toBe(true);
    // Another salt length, another hash or PKCS#1 v1.5 do not verify it: the parameters are the RFC's, not just self-consistent.
    expect(nodeVerify(hash, MSG, pss(saltLength === 32 ? 48 : 32), sig)).toBe(false);
    expect(nodeVerify(hash === 'sha256' ? 'sha384' : 'sha256', MSG, pss(saltLength), sig)).toBe(false);
    expect(nodeVerify(hash, MSG, { key: pub, padding: constants.RSA_PKCS1_PADDING }, sig)).toBe(false);
    // And what node:crypto signs with those parameters verifies with our key; with another salt length it does not.
    const theirs = (salt: number) => nodeSign(hash, MSG, { key: priv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt });
    expect(verifier.verify(scheme, MSG, theirs(saltLength))).toBe(true);
    expect(verifier.verify(scheme, MSG, theirs(saltLength === 32 ? 48 : 32))).toBe(false);
  });
});

/** DER Ecdsa-Sig-Value → (r, s) and back (minimal INTEGERs). */
function derToRs(sig: Uint8Array): [bigint, bigint] {
  let p = 2;
  const int = (): bigint => {
    const n = sig[p + 1]!;
    const v = BigInt(`0x${toHex(sig.subarray(p + 2, p + 2 + n))}`);
    p += 2 + n;
    return v;
  };
  expect(sig[0]).toBe(0x30);
  expect(sig[1]).toBe(sig.length - 2);
  return [int(), int()];
}
function rsToDer(r: bigint, s: bigint): Uint8Array {
  const int = (v: bigint): number[] => {
    let h = v.toString(16);
    if (h.length % 2) h = `0${h}`;
    const b = [...hex(h)];
    if (b[0]! & 0x80) b.unshift(0);
    return [0x02, b.length, ...b];
  };
  const body = [...int(r), ...int(s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}

describe.each(providers)('ECDSA high-S signatures ($name)', (p) => {
  const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'); // P-256's order
  const k = fixtureKey('server-ecdsa-p256');
  const ours = p.importSigningKey(k.pkcs8);
  const verifier = p.importVerifyingKey(k.spki);
  const ecPub = createPublicKey({ key: Buffer.from(k.spki), format: 'der', type: 'spki' });

  it('(r, n − s) verifies as (r, s) does, here and in node:crypto', () => {
    const sig = ours.sign(S.ecdsa_secp256r1_sha256, MSG);
    const [r, s] = derToRs(sig);
    const high = rsToDer(r, s > N / 2n ? s : N - s);
    const low = rsToDer(r, s > N / 2n ? N - s : s);
    for (const v of [high, low]) {
      expect(nodeVerify('sha256', MSG, { key: ecPub, dsaEncoding: 'der' }, v)).toBe(true);
      expect(verifier.verify(S.ecdsa_secp256r1_sha256, MSG, v)).toBe(true);
    }
    expect(verifier.verify(S.ecdsa_secp256r1_sha256, MSG, rsToDer(r, (s + 1n) % N))).toBe(false);
  });
});

describe('public keys that are not points are refused when imported (KeyError), not at the first verify', () => {
  it.each(providers.map((p) => [p.name, p] as const))('P-256, a point off the curve (%s)', (_n, p) => {
    const bad = fixtureKey('server-ecdsa-p256').spki.slice();
    bad[bad.length - 1]! ^= 1; // y no longer matches x
    expect(() => p.importVerifyingKey(bad)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_INVALID_KEY' }));
  });

  it('Ed25519, an encoding with no point (y = 2 has no x on the curve; noble provider)', () => {
    const noble = providers.find((p) => p.name === 'noble')!;
    const spki = hex(`302a300506032b6570032100${'02'.padEnd(64, '0')}`);
    expect(() => noble.importVerifyingKey(spki)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_INVALID_KEY' }));
  });
});
