/**
 * Record protection checked against node:crypto computed here, independently
 * of src/record/protection.ts and src/record/cbc.ts: the tls12_cid additional
 * data (RFC 9146 §5) byte by byte, the GCM explicit nonce, AEADs without the
 * optional sealTo/openAt, malformed CBC records that authenticate, and the
 * bounds of the AEAD wrappers (what the mutation run of the protection group
 * left alive, docs/mutation.md).
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aeadSpec, nonceOk } from '../../src/crypto/aead-spec.js';
import { aesCcm } from '../../src/crypto/ccm.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { Aead, CryptoProvider } from '../../src/crypto/provider.js';
import { type CipherSuite, suiteById } from '../../src/crypto/suites.js';
import { createCbcProtection } from '../../src/record/cbc.js';
import { ContentType, DTLS1_2 } from '../../src/record/content-type.js';
import { cidAdditionalData, createProtection, type DirectionKeys } from '../../src/record/protection.js';
import { concat, counting, hex, toHex } from '../codec/hex.js';
import { nativeProvider } from '../crypto/helpers.js';

const providers: [string, CryptoProvider][] = [['node', nativeProvider], ['noble', nobleProvider]];

function suite(id: number): CipherSuite {
  const s = suiteById(id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
}
const GCM128 = suite(0xc02b);
const CHACHA = suite(0xcca9);
const CBC_SHA256 = suite(0xc027);

const gcmKeys: DirectionKeys = { macKey: new Uint8Array(0), encKey: counting(16, 0x40), iv: hex('a0a1a2a3') };
const chachaKeys: DirectionKeys = { macKey: new Uint8Array(0), encKey: counting(32, 0x10), iv: counting(12, 0x70) };
const cbcKeys: DirectionKeys = { macKey: counting(32, 0x90), encKey: counting(16, 0x30), iv: new Uint8Array(0) };

/** AES-128-GCM by node:crypto: ciphertext ‖ tag. */
function gcmSeal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-gcm', key, nonce);
  c.setAAD(ad);
  return concat(c.update(pt), c.final(), c.getAuthTag());
}

/** A provider whose AEADs have only `seal` and `open` (the optional sealTo/openAt absent). */
function withoutOffsets(p: CryptoProvider): CryptoProvider {
  return {
    ...p,
    createAead(alg, key): Aead {
      const a = p.createAead(alg, key);
      return { keyLength: a.keyLength, tagLength: a.tagLength, seal: (n, ad, pt) => a.seal(n, ad, pt), open: (n, ad, ct) => a.open(n, ad, ct) };
    },
  };
}

describe('tls12_cid additional data (RFC 9146 §5), byte by byte', () => {
  it('cidAdditionalData is 8 × ff ‖ 25 ‖ cid_length ‖ 25 ‖ version ‖ epoch ‖ seq ‖ cid ‖ length', () => {
    const cid = hex('c1c2c3c4c5');
    expect(toHex(cidAdditionalData(0x0102, 0x030405060708, DTLS1_2, cid, 0x0a0b))).toBe(
      'ffffffffffffffff' + '19' + '05' + '19' + 'fefd' + '0102' + '030405060708' + 'c1c2c3c4c5' + '0a0b',
    );
    expect(toHex(cidAdditionalData(0, 0, DTLS1_2, new Uint8Array(0), 0))).toBe('ffffffffffffffff' + '19' + '00' + '19' + 'fefd' + '0000' + '000000000000' + '0000');
  });

  it.each(providers)('%s: a GCM record with a CID is sealed over exactly that additional data, and opened only with the same CID', (_n, provider) => {
    const pt = counting(37, 1);
    const cid = hex('0badcafe');
    const tx = createProtection(provider, GCM128, gcmKeys);
    const rx = createProtection(provider, GCM128, gcmKeys);
    // Two CID lengths one after the other: the shared scratch buffer follows the length.
    for (const [c, epoch, seq] of [[cid, 1, 5], [hex('01'), 2, 2 ** 40 + 3], [cid, 3, 7]] as const) {
      const sealed = tx.seal(ContentType.application_data, DTLS1_2, epoch, seq, pt, c);
      const explicit = concat(hex(epoch.toString(16).padStart(4, '0')), hex(seq.toString(16).padStart(12, '0')));
      expect(toHex(sealed.subarray(0, 8))).toBe(toHex(explicit));
      const ad = cidAdditionalData(epoch, seq, DTLS1_2, c, pt.length);
      expect(toHex(sealed.subarray(8))).toBe(toHex(gcmSeal(gcmKeys.encKey, concat(gcmKeys.iv, explicit), ad, pt)));
      expect(toHex(rx.open(ContentType.application_data, DTLS1_2, epoch, seq, sealed, c)!)).toBe(toHex(pt));
      expect(rx.open(ContentType.application_data, DTLS1_2, epoch, seq, sealed, hex('0badcaff'))).toBeNull();
      expect(rx.open(ContentType.application_data, DTLS1_2, epoch, seq, sealed)).toBeNull();
    }
  });
});

describe('AEAD record protection against node:crypto', () => {
  it.each(providers)('%s: GCM without a CID: explicit nonce epoch ‖ seq, ciphertext and tag as node:crypto computes them', (_n, provider) => {
    const pt = counting(20, 9);
    const sealed = createProtection(provider, GCM128, gcmKeys).seal(ContentType.handshake, DTLS1_2, 1, 0x0102030405, pt);
    const explicit = hex('0001' + '000102030405');
    const ad = hex('0001' + '000102030405' + '16' + 'fefd' + '0014');
    expect(toHex(sealed)).toBe(toHex(concat(explicit, gcmSeal(gcmKeys.encKey, concat(gcmKeys.iv, explicit), ad, pt))));
  });

  it.each(providers)('%s: GCM opens with the explicit nonce the record carries, whatever the epoch and sequence number', (_n, provider) => {
    const pt = counting(16, 3);
    const explicit = hex('8877665544332211');
    const ad = hex('0001' + '000000000009' + '17' + 'fefd' + '0010');
    const record = concat(explicit, gcmSeal(gcmKeys.encKey, concat(gcmKeys.iv, explicit), ad, pt));
    expect(toHex(createProtection(provider, GCM128, gcmKeys).open(ContentType.application_data, DTLS1_2, 1, 9, record)!)).toBe(toHex(pt));
  });

  it.each(providers)('%s: an AEAD record of exactly explicit nonce and tag opens to an empty plaintext; one byte less is refused', (_n, provider) => {
    for (const [s, keys] of [[GCM128, gcmKeys], [CHACHA, chachaKeys]] as const) {
      const p = createProtection(provider, s, keys);
      const sealed = p.seal(ContentType.application_data, DTLS1_2, 1, 1, new Uint8Array(0));
      expect(sealed.length).toBe(p.maxExpansion);
      expect(p.open(ContentType.application_data, DTLS1_2, 1, 1, sealed)).toEqual(new Uint8Array(0));
      expect(p.open(ContentType.application_data, DTLS1_2, 1, 1, sealed.subarray(1))).toBeNull();
      expect(p.open(ContentType.application_data, DTLS1_2, 1, 1, new Uint8Array(0))).toBeNull();
    }
  });

  it.each(providers)('%s: an AEAD without sealTo/openAt seals and opens the same records (GCM and ChaCha20, with and without a CID)', (_n, provider) => {
    const plain = withoutOffsets(provider);
    for (const [s, keys] of [[GCM128, gcmKeys], [CHACHA, chachaKeys]] as const) {
      for (const cid of [undefined, hex('aabb')]) {
        const pt = counting(33, 4);
        const a = createProtection(provider, s, keys).seal(ContentType.application_data, DTLS1_2, 2, 77, pt, cid);
        const b = createProtection(plain, s, keys).seal(ContentType.application_data, DTLS1_2, 2, 77, pt, cid);
        expect(toHex(b)).toBe(toHex(a));
        const out = new Uint8Array(a.length + 5);
        createProtection(plain, s, keys).sealTo!(out, 5, ContentType.application_data, DTLS1_2, 2, 77, pt, cid);
        expect(toHex(out.subarray(5))).toBe(toHex(a));
        const framed = concat(hex('0102'), a, hex('0304'));
        expect(toHex(createProtection(plain, s, keys).openAt!(ContentType.application_data, DTLS1_2, 2, 77, framed, 2, a.length, cid)!)).toBe(toHex(pt));
      }
    }
  });
});

describe('AEAD wrappers: bounds and nonces', () => {
  it.each(providers)('%s: openAt refuses a range outside the buffer even where the bytes it would clamp to authenticate', (_n, provider) => {
    const aead = provider.createAead('aes-128-gcm', counting(16));
    const nonce = counting(12, 0x50);
    const ad = hex('abcd');
    const ct = aead.seal(nonce, ad, counting(24, 7));
    const buf = concat(counting(8, 0xe0), ct);
    expect(toHex(aead.openAt!(nonce, ad, buf, 8, ct.length)!)).toBe(toHex(counting(24, 7)));
    // offset + length past the end (a view would clamp to the valid ciphertext).
    expect(aead.openAt!(nonce, ad, buf, 8, ct.length + 5)).toBeNull();
    // A negative offset (a view would count it from the end, onto the valid ciphertext).
    expect(aead.openAt!(nonce, ad, buf, -ct.length, ct.length + buf.length)).toBeNull();
    expect(aead.openAt!(nonce, ad, buf, 8, -1)).toBeNull();
  });

  it('an unknown AEAD is refused with ERR_DTLS_CRYPTO, not a TypeError', () => {
    expect(() => aeadSpec('aes-512-gcm' as never, new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => aeadSpec('toString' as never, new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });

  it('CCM nonces are 7 to 13 bytes; GCM and ChaCha20 nonces 12 exactly', () => {
    const ccm = aeadSpec('aes-128-ccm', new Uint8Array(16));
    expect([6, 7, 8, 12, 13, 14].map((n) => nonceOk(ccm, new Uint8Array(n)))).toEqual([false, true, true, true, true, false]);
    const gcm = aeadSpec('aes-128-gcm', new Uint8Array(16));
    expect([11, 12, 13].map((n) => nonceOk(gcm, new Uint8Array(n)))).toEqual([false, true, false]);
  });

  it('the pure AES-CCM takes the tag lengths of RFC 3610 (4, 6, …, 16) and no other', () => {
    const key = counting(16);
    for (const m of [4, 6, 8, 10, 12, 14, 16]) expect(aesCcm(key, m).seal(counting(12), new Uint8Array(0), counting(3)).length).toBe(3 + m);
    for (const m of [0, 2, 3, 5, 15, 17, 18]) expect(() => aesCcm(key, m)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });

  it('the pure AES-CCM opens nothing under a nonce of a wrong length, and matches node:crypto with 0xff00 bytes of associated data (the 6-byte length form)', () => {
    const key = counting(16, 0x21);
    const ccm = aesCcm(key, 16);
    const nonce = counting(12, 0x31);
    const ct = ccm.seal(nonce, hex('01'), counting(10));
    expect(ccm.open(nonce.subarray(0, 6), hex('01'), ct)).toBeNull();
    expect(ccm.open(concat(nonce, hex('0000')), hex('01'), ct)).toBeNull();
    for (const adLength of [0xfeff, 0xff00, 0x10000]) {
      const ad = counting(adLength, 5);
      const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 16 });
      c.setAAD(ad, { plaintextLength: 10 });
      const want = concat(c.update(counting(10)), c.final(), c.getAuthTag());
      expect(toHex(ccm.seal(nonce, ad, counting(10)))).toBe(toHex(want));
    }
  });

  it.each([['node', nativeProvider], ['noble', nobleProvider]] as const)('%s AES-CBC: keys of 16 or 32 bytes only (not AES-192); IVs of 16 bytes and whole blocks only, both ways (ERR_DTLS_CRYPTO)', (_n, provider) => {
    expect(() => provider.createCbc(new Uint8Array(24))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => provider.createCbc(new Uint8Array(15))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    const cbc = provider.createCbc(counting(16));
    for (const f of [cbc.encrypt, cbc.decrypt]) {
      expect(() => f(new Uint8Array(15), new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
      expect(() => f(new Uint8Array(16), new Uint8Array(17))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    }
  });

  it.each([['node', nativeProvider], ['noble', nobleProvider]] as const)('%s AES-CBC keeps its own copy of the key (the caller may wipe its array)', (_n, provider) => {
    const key = counting(16, 0x30);
    const cbc = provider.createCbc(key);
    const before = cbc.encrypt(counting(16), counting(32, 5));
    key.fill(0);
    expect(toHex(cbc.encrypt(counting(16), counting(32, 5)))).toBe(toHex(before));
    const c = createCipheriv('aes-128-cbc', counting(16, 0x30), counting(16)).setAutoPadding(false);
    expect(toHex(before)).toBe(toHex(concat(c.update(counting(32, 5)), c.final())));
  });

  it('the pure AES-CCM seals only with 7- to 13-byte nonces, and only messages its length field can count (L = 15 − nonce length)', () => {
    const ccm = aesCcm(counting(16), 8);
    for (const n of [6, 14]) expect(() => ccm.seal(new Uint8Array(n), new Uint8Array(0), counting(3))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    // A 13-byte nonce leaves L = 2 bytes of length: 65535 bytes at most.
    expect(ccm.seal(new Uint8Array(13), new Uint8Array(0), new Uint8Array(65535)).length).toBe(65535 + 8);
    expect(() => ccm.seal(new Uint8Array(13), new Uint8Array(0), new Uint8Array(65536))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(ccm.open(new Uint8Array(13), new Uint8Array(0), new Uint8Array(65536 + 8))).toBeNull();
    // A 12-byte nonce (L = 3) takes it, as node:crypto does.
    const c = createCipheriv('aes-128-ccm', counting(16), new Uint8Array(12), { authTagLength: 8 });
    c.setAAD(new Uint8Array(0), { plaintextLength: 65536 });
    expect(toHex(ccm.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(65536)))).toBe(toHex(concat(c.update(new Uint8Array(65536)), c.final(), c.getAuthTag())));
  });

  it('noble AES-CBC refuses an IV that is not 16 bytes when decrypting too (ERR_DTLS_CRYPTO)', () => {
    const cbc = nobleProvider.createCbc(counting(16));
    expect(() => cbc.decrypt(new Uint8Array(15), new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => cbc.decrypt(new Uint8Array(16), new Uint8Array(15))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });
});

describe('CBC records that authenticate but are malformed', () => {
  /** An EtM record: IV ‖ AES-CBC(body) ‖ HMAC-SHA256(header ‖ IV ‖ ciphertext), body taken as is (no padding added). */
  function etmRecord(body: Uint8Array, ivBytes = counting(16, 0xc0), seq = 4): Uint8Array {
    let ct: Uint8Array = new Uint8Array(0);
    if (body.length > 0 && body.length % 16 === 0) {
      const c = createCipheriv('aes-128-cbc', cbcKeys.encKey, ivBytes).setAutoPadding(false);
      ct = concat(c.update(body), c.final());
    } else {
      ct = body; // not a whole number of blocks: random-looking bytes, MACed all the same
    }
    const macd = concat(ivBytes, ct);
    const header = hex('0001' + seq.toString(16).padStart(12, '0') + '17' + 'fefd' + macd.length.toString(16).padStart(4, '0'));
    return concat(macd, createHmac('sha256', cbcKeys.macKey).update(concat(header, macd)).digest());
  }

  it.each(providers)('%s: EtM refuses, without throwing, authenticated records with no ciphertext block or a partial block', (_n, provider) => {
    const p = createProtection(provider, CBC_SHA256, cbcKeys, true);
    const open = (r: Uint8Array): Uint8Array | null => p.open(ContentType.application_data, DTLS1_2, 1, 4, r);
    // The honest control: one block whose padding byte is 15 opens to nothing.
    expect(open(etmRecord(new Uint8Array(16).fill(15)))).toEqual(new Uint8Array(0));
    expect(open(etmRecord(new Uint8Array(0)))).toBeNull();
    expect(open(etmRecord(counting(8)))).toBeNull();
    expect(open(etmRecord(counting(17)))).toBeNull();
    expect(open(etmRecord(counting(31)))).toBeNull();
    // Padding length 16 in a one-block record: more padding than plaintext.
    expect(open(etmRecord(new Uint8Array(16).fill(16)))).toBeNull();
  });

  it.each(providers)('%s: MtE and EtM refuse every short or unaligned fragment, 0 to 80 bytes, without throwing', (_n, provider) => {
    for (const etm of [false, true]) {
      const p = createProtection(provider, CBC_SHA256, cbcKeys, etm);
      for (let n = 0; n <= 80; n++) {
        expect(p.open(ContentType.application_data, DTLS1_2, 1, 4, counting(n, n))).toBeNull();
      }
    }
  });

  it.each(providers)('%s: MtE refuses a one-block record that holds only the IV and a block too short for the MAC, even one that decrypts to valid padding', (_n, provider) => {
    const p = createProtection(provider, CBC_SHA256, cbcKeys, false);
    const iv = counting(16, 0x44);
    // IV ‖ one block decrypting to 16 × 15: valid padding, no room for a 32-byte MAC.
    const c = createCipheriv('aes-128-cbc', cbcKeys.encKey, iv).setAutoPadding(false);
    const record = concat(iv, c.update(new Uint8Array(16).fill(15)), c.final());
    expect(p.open(ContentType.application_data, DTLS1_2, 1, 4, record)).toBeNull();
    // Sanity of the construction: it decrypts as built.
    const d = createDecipheriv('aes-128-cbc', cbcKeys.encKey, iv).setAutoPadding(false);
    expect(toHex(concat(d.update(record.subarray(16)), d.final()))).toBe('0f'.repeat(16));
  });

  it.each(providers)('%s: createProtection without its fourth argument is MAC-then-encrypt', (_n, provider) => {
    const pt = counting(40, 2);
    const sealed = createProtection(provider, CBC_SHA256, cbcKeys).seal(ContentType.application_data, DTLS1_2, 1, 4, pt);
    expect(toHex(createProtection(provider, CBC_SHA256, cbcKeys, false).open(ContentType.application_data, DTLS1_2, 1, 4, sealed)!)).toBe(toHex(pt));
    expect(createProtection(provider, CBC_SHA256, cbcKeys, true).open(ContentType.application_data, DTLS1_2, 1, 4, sealed)).toBeNull();
  });

  it.each(providers)('%s: a provider whose randomBytes returns a short IV makes sealing fail loudly, not send a short IV', (_n, provider) => {
    const short: CryptoProvider = { ...provider, randomBytes: (n: number) => new Uint8Array(Math.max(0, n - 1)) };
    const p = createProtection(short, CBC_SHA256, cbcKeys, false);
    expect(() => p.seal(ContentType.application_data, DTLS1_2, 1, 4, counting(5))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });

  it('createCbcProtection refuses an AEAD suite', () => {
    expect(() => createCbcProtection(nobleProvider, GCM128, cbcKeys, false)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });
});
