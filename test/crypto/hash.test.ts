import { describe, expect, it } from 'vitest';
import type { HashAlg } from '../../src/crypto/provider.js';
import { DtlsError } from '../../src/errors.js';
import { hex, providers, toHex, utf8 } from './helpers.js';

const ABC: Record<HashAlg, string> = {
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
};

/** RFC 4231 test cases 1 and 2. */
const HMAC: { name: string; key: Uint8Array; data: Uint8Array; out: Partial<Record<HashAlg, string>> }[] = [
  { name: 'RFC 4231 case 1', key: new Uint8Array(20).fill(0x0b), data: utf8('Hi There'), out: {
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha384: 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    sha512: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  } },
  { name: 'RFC 4231 case 2', key: utf8('Jefe'), data: utf8('what do ya want for nothing?'), out: {
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  } },
];

/** NIST SP 800-38A F.2.1 / F.2.5 (CBC-AES128/256 encrypt). */
const CBC_PT = '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const CBC = [
  { key: '2b7e151628aed2a6abf7158809cf4f3c',
    ct: '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7' },
  { key: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
    ct: 'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b' },
];
const CBC_IV = '000102030405060708090a0b0c0d0e0f';

describe.each(providers)('hashes, HMAC, CBC ($name provider)', (p) => {
  it.each(Object.keys(ABC) as HashAlg[])('%s("abc")', (alg) => {
    expect(toHex(p.hash(alg, utf8('abc')))).toBe(ABC[alg]);
  });

  for (const v of HMAC) {
    for (const [alg, out] of Object.entries(v.out) as [HashAlg, string][]) {
      it(`HMAC-${alg} ${v.name}`, () => {
        const mac = p.hmac(alg, v.key, v.data);
        expect(toHex(mac)).toBe(out);
        expect(mac.constructor).toBe(Uint8Array);
      });
    }
  }

  it('HMAC agrees with the keyed form and with @noble for every key and message length around the block and buffer sizes, call after call', () => {
    const ref = providers[providers.length - 1]!;
    const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    for (const alg of ['sha256', 'sha384'] as HashAlg[]) {
      for (const kn of [0, 1, 32, 64, 65, 128, 129, 200]) {
        for (const dn of [0, 1, 63, 64, 100, 448, 449, 600, 3000, 5]) {
          const key = bytes(kn, kn);
          const data = bytes(dn, dn + 1);
          const want = toHex(ref.hmac(alg, key, data));
          expect(toHex(p.hmac(alg, key, data))).toBe(want);
          expect(toHex(p.hmacKey(alg, key)(data))).toBe(want);
        }
      }
    }
  });

  it('hash agrees with @noble for every algorithm and message lengths 0 to 3,000, as a plain Uint8Array of the digest length (the node provider reads node\'s digest as a latin1 string)', () => {
    const ref = providers[providers.length - 1]!;
    const LENGTH: Record<HashAlg, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
    for (const alg of Object.keys(LENGTH) as HashAlg[]) {
      for (const n of [0, 1, 55, 56, 64, 111, 112, 128, 1000, 3000]) {
        // Every byte value, the high ones included (a string decoded as UTF-8 would change them).
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n) & 0xff);
        const out = p.hash(alg, data);
        expect(out.constructor).toBe(Uint8Array);
        expect(out.length).toBe(LENGTH[alg]);
        expect(toHex(out)).toBe(toHex(ref.hash(alg, data)));
      }
    }
  });

  it('unknown hash throws ERR_DTLS_CRYPTO', () => {
    expect(() => p.hash('md5' as HashAlg, new Uint8Array(1))).toThrow(DtlsError);
    expect(() => p.hmac('sha3' as HashAlg, new Uint8Array(1), new Uint8Array(1))).toThrow(DtlsError);
  });

  it.each(CBC)('AES-CBC SP 800-38A, key $key', (v) => {
    const c = p.createCbc(hex(v.key));
    expect(c.keyLength).toBe(hex(v.key).length);
    expect(toHex(c.encrypt(hex(CBC_IV), hex(CBC_PT)))).toBe(v.ct);
    expect(toHex(c.decrypt(hex(CBC_IV), hex(v.ct)))).toBe(CBC_PT);
    expect(toHex(c.encrypt(hex(CBC_IV), new Uint8Array(0)))).toBe('');
  });

  it('AES-CBC refuses partial blocks, bad IVs and bad keys', () => {
    expect(() => p.createCbc(new Uint8Array(24))).toThrow(DtlsError);
    const c = p.createCbc(new Uint8Array(16));
    expect(() => c.encrypt(new Uint8Array(16), new Uint8Array(15))).toThrow(DtlsError);
    expect(() => c.decrypt(new Uint8Array(12), new Uint8Array(16))).toThrow(DtlsError);
  });

  it('randomBytes gives the asked length and differs between calls', () => {
    const a = p.randomBytes(32);
    const b = p.randomBytes(32);
    expect(a.length).toBe(32);
    expect(a.constructor).toBe(Uint8Array);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(p.randomBytes(0).length).toBe(0);
  });
});
