import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtlsError } from '../../src/errors.js';
import type { AeadAlg } from '../../src/crypto/provider.js';
import { flipBit, hex, providers, toHex, utf8 } from './helpers.js';

interface Vector {
  readonly name: string;
  readonly alg: AeadAlg;
  readonly key: string;
  readonly nonce: string;
  readonly aad: string;
  readonly pt: string;
  readonly ct: string;
  readonly tag: string;
}

const P64 = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const P60 = P64.slice(0, 120);
const K128 = 'feffe9928665731c6d6a8f9467308308';
const GCM_AAD = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';

/** McGrew–Viega GCM spec test cases 2, 3, 4 (AES-128) and 14, 15, 16 (AES-256). */
const gcmVectors: Vector[] = [
  { name: 'GCM TC2', alg: 'aes-128-gcm', key: '00'.repeat(16), nonce: '00'.repeat(12), aad: '', pt: '00'.repeat(16),
    ct: '0388dace60b6a392f328c2b971b2fe78', tag: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { name: 'GCM TC3', alg: 'aes-128-gcm', key: K128, nonce: 'cafebabefacedbaddecaf888', aad: '', pt: P64,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
    tag: '4d5c2af327cd64a62cf35abd2ba6fab4' },
  { name: 'GCM TC4', alg: 'aes-128-gcm', key: K128, nonce: 'cafebabefacedbaddecaf888', aad: GCM_AAD, pt: P60,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47' },
  { name: 'GCM TC14', alg: 'aes-256-gcm', key: '00'.repeat(32), nonce: '00'.repeat(12), aad: '', pt: '00'.repeat(16),
    ct: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: 'GCM TC15', alg: 'aes-256-gcm', key: K128 + K128, nonce: 'cafebabefacedbaddecaf888', aad: '', pt: P64,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  { name: 'GCM TC16', alg: 'aes-256-gcm', key: K128 + K128, nonce: 'cafebabefacedbaddecaf888', aad: GCM_AAD, pt: P60,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
];

/** RFC 8439 §2.8.2. */
const chachaVector: Vector = {
  name: 'RFC 8439 2.8.2', alg: 'chacha20-poly1305',
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '070000004041424344454647', aad: '50515253c0c1c2c3c4c5c6c7',
  pt: toHex(utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")),
  ct: 'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116',
  tag: '1ae10b594f09e26a7e902ecbd0600691',
};

const RFC3610_KEY = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf';
/** RFC 3610 §8 packet vectors #1–#3 (M = 8, L = 2: 13-byte nonce, 8-byte AAD) and a NIST CAVP CCM-VNT AES-256 vector (tag 16). */
const ccmVectors: Vector[] = [
  { name: 'RFC 3610 #1', alg: 'aes-128-ccm8', key: RFC3610_KEY, nonce: '00000003020100a0a1a2a3a4a5', aad: '0001020304050607',
    pt: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e', ct: '588c979a61c663d2f066d0c2c0f989806d5f6b61dac384', tag: '17e8d12cfdf926e0' },
  { name: 'RFC 3610 #2', alg: 'aes-128-ccm8', key: RFC3610_KEY, nonce: '00000004030201a0a1a2a3a4a5', aad: '0001020304050607',
    pt: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', ct: '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b', tag: 'a091d56e10400916' },
  { name: 'RFC 3610 #3', alg: 'aes-128-ccm8', key: RFC3610_KEY, nonce: '00000005040302a0a1a2a3a4a5', aad: '0001020304050607',
    pt: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20', ct: '51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da859657', tag: '4adaa76fbd9fb0c5' },
  { name: 'CAVP VNT AES-256', alg: 'aes-256-ccm', key: '4a75ff2f66dae2935403cce27e829ad8be98185c73f8bc61d3ce950a83007e11',
    nonce: '46eb390b175e75da6193d7edb6', aad: '282f05f734f249c0535ee396282218b7c4913c39b59ad2a03ffaf5b0e9b0f780',
    pt: '205f2a664a8512e18321a91c13ec13b9e6b633228c57cc1e', ct: '58f1584f761983bef4d0060746b5d5ee610ecfda31101a7f',
    tag: '5460e9b7856d60a5ad9803c0762f8176' },
];

const ALL_ALGS: readonly AeadAlg[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305', 'aes-128-ccm', 'aes-256-ccm', 'aes-128-ccm8', 'aes-256-ccm8'];
const keyLen = (alg: AeadAlg): number => (alg.startsWith('aes-128') ? 16 : 32);
const tagLen = (alg: AeadAlg): number => (alg.endsWith('ccm8') ? 8 : 16);

describe.each(providers)('AEAD ($name provider)', (p) => {
  it.each([...gcmVectors, chachaVector, ...ccmVectors])('$name', (v) => {
    const aead = p.createAead(v.alg, hex(v.key));
    expect(aead.keyLength).toBe(hex(v.key).length);
    expect(aead.tagLength).toBe(hex(v.tag).length);
    const sealed = aead.seal(hex(v.nonce), hex(v.aad), hex(v.pt));
    expect(toHex(sealed)).toBe(v.ct + v.tag);
    const opened = aead.open(hex(v.nonce), hex(v.aad), sealed);
    expect(opened).not.toBeNull();
    expect(toHex(opened!)).toBe(v.pt);
    expect(opened!.constructor).toBe(Uint8Array);
  });

  it.each(ALL_ALGS)('%s: tampering anywhere, truncation and short input give null', (alg) => {
    const aead = p.createAead(alg, new Uint8Array(keyLen(alg)).fill(7));
    const nonce = new Uint8Array(12).fill(1);
    const aad = utf8('header-13-byt');
    const sealed = aead.seal(nonce, aad, utf8('some application data'));
    expect(sealed.length).toBe(21 + tagLen(alg));
    for (let bit = 0; bit < sealed.length * 8; bit += 5) expect(aead.open(nonce, aad, flipBit(sealed, bit))).toBeNull();
    expect(aead.open(flipBit(nonce, 3), aad, sealed)).toBeNull();
    expect(aead.open(nonce, flipBit(aad, 9), sealed)).toBeNull();
    for (let n = 0; n < sealed.length; n++) expect(aead.open(nonce, aad, sealed.subarray(0, n))).toBeNull();
    expect(aead.open(new Uint8Array(5), aad, sealed)).toBeNull();
  });

  it.each(ALL_ALGS)('%s: empty plaintext and empty AAD round-trip', (alg) => {
    const aead = p.createAead(alg, new Uint8Array(keyLen(alg)).fill(3));
    const nonce = new Uint8Array(12);
    const sealed = aead.seal(nonce, new Uint8Array(0), new Uint8Array(0));
    expect(sealed.length).toBe(tagLen(alg));
    expect(aead.open(nonce, new Uint8Array(0), sealed)).toEqual(new Uint8Array(0));
  });

  it('rejects bad key and nonce lengths at seal with ERR_DTLS_CRYPTO', () => {
    expect(() => p.createAead('aes-128-gcm', new Uint8Array(32))).toThrow(DtlsError);
    expect(() => p.createAead('chacha20-poly1305', new Uint8Array(16))).toThrow(/32 bytes/);
    const gcm = p.createAead('aes-128-gcm', new Uint8Array(16));
    expect(() => gcm.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });

  it('one key object gives every provider\'s output for 40 records in a row, the key it was made from wiped meanwhile (node imports it after the first records)', () => {
    for (const alg of ALL_ALGS) {
      const key = new Uint8Array(keyLen(alg)).map((_, i) => 200 - i);
      const mine = p.createAead(alg, key);
      key.fill(0); // the caller wipes its copy, as the record layers do
      const expected = new Uint8Array(keyLen(alg)).map((_, i) => 200 - i);
      for (let i = 0; i < 40; i++) {
        const nonce = new Uint8Array(12).fill(i);
        const aad = new Uint8Array(13).fill(i + 1);
        const pt = new Uint8Array(20 + i).fill(i + 2);
        const sealed = mine.seal(nonce, aad, pt);
        for (const q of providers) {
          const other = q.createAead(alg, expected);
          expect(toHex(other.seal(nonce, aad, pt))).toBe(toHex(sealed));
        }
        expect(mine.open(nonce, aad, sealed)).toEqual(pt);
        expect(mine.open(nonce, aad, flipBit(sealed, 7 * i))).toBeNull();
      }
    }
  });

  it('other providers open what this one seals', () => {
    for (const alg of ALL_ALGS) {
      const key = new Uint8Array(keyLen(alg)).map((_, i) => i * 7);
      const nonce = new Uint8Array(12).map((_, i) => i);
      const aad = new Uint8Array(13).fill(0x17);
      const pt = new Uint8Array(300).map((_, i) => i);
      const sealed = p.createAead(alg, key).seal(nonce, aad, pt);
      for (const q of providers) expect(q.createAead(alg, key).open(nonce, aad, sealed)).toEqual(pt);
    }
  });

  it('property: round-trip, and any bit flip or truncation gives null without throwing', () => {
    fc.assert(fc.property(
      fc.constantFrom(...ALL_ALGS),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(),
      fc.nat(),
      (alg, key, nonce, aad, pt, bitSeed, cutSeed) => {
        const aead = p.createAead(alg, key.subarray(0, keyLen(alg)));
        const sealed = aead.seal(nonce, aad, pt);
        expect(aead.open(nonce, aad, sealed)).toEqual(pt);
        expect(aead.open(nonce, aad, flipBit(sealed, bitSeed % (sealed.length * 8)))).toBeNull();
        expect(aead.open(nonce, aad, sealed.subarray(0, cutSeed % sealed.length))).toBeNull();
      }), { numRuns: 150 });
  });

  it('property: open on arbitrary input returns null and never throws', () => {
    fc.assert(fc.property(
      fc.constantFrom(...ALL_ALGS),
      fc.uint8Array({ minLength: 0, maxLength: 16 }),
      fc.uint8Array({ maxLength: 20 }),
      fc.uint8Array({ maxLength: 100 }),
      (alg, nonce, aad, junk) => {
        const aead = p.createAead(alg, new Uint8Array(keyLen(alg)).fill(9));
        expect(aead.open(nonce, aad, junk)).toBeNull();
      }), { numRuns: 200 });
  });
});
