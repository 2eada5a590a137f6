import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider, testProvider } from '../../src/crypto/index.js';
import { nativeProvider } from '../crypto/helpers.js';
import type { CryptoProvider, HashAlg } from '../../src/crypto/provider.js';
import { CIPHER_SUITES, type CbcProtection, type CipherSuite, suiteById } from '../../src/crypto/suites.js';
import { createCbcProtection } from '../../src/record/cbc.js';
import type { DirectionKeys, RecordProtection } from '../../src/record/protection.js';

// ---------------------------------------------------------------------------
// Helpers (independent of the implementation: node:crypto only).

const APP = 23;
const HANDSHAKE = 22;
const DTLS12 = 0xfefd;
const DTLS10 = 0xfeff;

const providers: readonly CryptoProvider[] = [nativeProvider, nobleProvider];
const cbcSuites: readonly CipherSuite[] = CIPHER_SUITES.filter((s) => s.protection.kind === 'cbc');
/** One suite per (AES key length, MAC) combination. */
const distinctCbc: readonly CipherSuite[] = [
  ...new Map(cbcSuites.map((s) => [`${cbcOf(s).keyLength}/${cbcOf(s).macAlg}`, s] as const)).values(),
];

function cbcOf(s: CipherSuite): CbcProtection {
  if (s.protection.kind !== 'cbc') throw new Error('not CBC');
  return s.protection;
}
function suite(id: number): CipherSuite {
  const s = suiteById(id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
}

function counting(n: number, start = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function keysFor(s: CipherSuite): DirectionKeys {
  const p = cbcOf(s);
  return { macKey: counting(p.macLength, 0x10), encKey: counting(p.keyLength, 0x80), iv: new Uint8Array(0) };
}

/** seq_num(8) ‖ type ‖ version ‖ length, written independently of the implementation. */
function macHeader(epoch: number, seq: number, type: number, version: number, length: number): Uint8Array {
  const h = new Uint8Array(13);
  h[0] = epoch >> 8;
  h[1] = epoch & 0xff;
  let s = BigInt(seq);
  for (let i = 7; i >= 2; i--) {
    h[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  h[8] = type;
  h[9] = version >> 8;
  h[10] = version & 0xff;
  h[11] = length >> 8;
  h[12] = length & 0xff;
  return h;
}

function nodeHmac(alg: HashAlg, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac(alg, key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function aesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(key.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc', key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

interface Hdr { type: number; version: number; epoch: number; seq: number }
const H: Hdr = { type: APP, version: DTLS12, epoch: 1, seq: 5 };

/** An MtE record built by hand: IV ‖ AES-CBC(data ‖ mac ‖ tail), `mac` defaults to the right one. */
function craftMte(s: CipherSuite, keys: DirectionKeys, iv: Uint8Array, data: Uint8Array, tail: Uint8Array, mac?: Uint8Array): Uint8Array {
  const p = cbcOf(s);
  const m = mac ?? nodeHmac(p.macAlg, keys.macKey, macHeader(H.epoch, H.seq, H.type, H.version, data.length), data);
  const body = concat(data, m, tail);
  if (body.length % 16 !== 0) throw new Error(`crafted MtE body length ${body.length}`);
  return concat(iv, aesCbc(keys.encKey, iv, body));
}

/** An EtM record built by hand: IV ‖ AES-CBC(body) ‖ correct MAC. */
function craftEtm(s: CipherSuite, keys: DirectionKeys, iv: Uint8Array, body: Uint8Array): Uint8Array {
  const p = cbcOf(s);
  const ivCt = concat(iv, aesCbc(keys.encKey, iv, body));
  return concat(ivCt, nodeHmac(p.macAlg, keys.macKey, macHeader(H.epoch, H.seq, H.type, H.version, ivCt.length), ivCt));
}

function padding(p: number): Uint8Array {
  return new Uint8Array(p + 1).fill(p);
}

/** A provider whose randomBytes returns a fixed IV. */
function fixedIvProvider(base: CryptoProvider, iv: Uint8Array): CryptoProvider {
  return { ...base, name: `fixed-iv:${base.name}`, randomBytes: (n: number) => iv.slice(0, n) };
}

/** A provider that records the length of every HMAC input and counts AES key imports. */
function countingProvider(base: CryptoProvider): CryptoProvider & { hmacLengths: number[]; cbcImports: number } {
  const wrapper = {
    ...base,
    name: `counting:${base.name}`,
    hmacLengths: [] as number[],
    cbcImports: 0,
    hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
      wrapper.hmacLengths.push(data.length);
      return base.hmac(alg, key, data);
    },
    createCbc(key: Uint8Array) {
      wrapper.cbcImports++;
      return base.createCbc(key);
    },
  };
  return wrapper;
}

function openH(prot: RecordProtection, fragment: Uint8Array, h: Hdr = H): Uint8Array | null {
  return prot.open(h.type, h.version, h.epoch, h.seq, fragment);
}
function sealH(prot: RecordProtection, plaintext: Uint8Array, h: Hdr = H): Uint8Array {
  return prot.seal(h.type, h.version, h.epoch, h.seq, plaintext);
}

const roundUp16 = (n: number): number => Math.ceil(n / 16) * 16;

const LENGTHS: number[] = (() => {
  const set = new Set<number>();
  for (let i = 0; i <= 100; i++) set.add(i);
  for (const m of [128, 256, 1024, 4096, 16384]) for (const d of [-17, -16, -15, -1, 0, 1]) set.add(m + d);
  set.add(16384);
  return [...set].filter((n) => n >= 0 && n <= 16384).sort((a, b) => a - b);
})();

// ---------------------------------------------------------------------------

describe('CBC suites in the registry', () => {
  it('cover SHA-1, SHA-256, SHA-384 MACs and AES-128/256', () => {
    const kinds = new Set(cbcSuites.map((s) => `${cbcOf(s).keyLength}/${cbcOf(s).macAlg}`));
    expect(kinds).toEqual(new Set(['16/sha1', '32/sha1', '16/sha256', '32/sha384']));
  });
});

describe.each(providers)('CBC record protection ($name)', (provider) => {
  describe.each(cbcSuites.map((s) => [s.openssl, s] as const))('%s', (_name, s) => {
    const p = cbcOf(s);
    describe.each([['MtE', false], ['EtM', true]] as const)('%s', (_mode, etm) => {
      const keys = keysFor(s);

      it('round-trips many plaintext lengths, with the expected fragment length', () => {
        const tx = createCbcProtection(provider, s, keys, etm);
        const rx = createCbcProtection(provider, s, keys, etm);
        expect(tx.maxExpansion).toBe(16 + p.macLength + 16);
        for (const len of LENGTHS) {
          const pt = counting(len, len);
          const frag = sealH(tx, pt);
          const expectedLength = etm ? 16 + roundUp16(len + 1) + p.macLength : 16 + roundUp16(len + p.macLength + 1);
          expect(frag.length).toBe(expectedLength);
          expect(frag.length - len).toBeLessThanOrEqual(tx.maxExpansion);
          const out = openH(rx, frag);
          // Hex, not toEqual: deep equality of 16 KiB typed arrays is slow.
          expect(out === null ? null : toHex(out), `length ${len}`).toBe(toHex(pt));
        }
      });

      it('uses a fresh IV per record and imports the AES key once', () => {
        const cp = countingProvider(provider);
        const prot = createCbcProtection(cp, s, keys, etm);
        const a = sealH(prot, counting(20));
        const b = sealH(prot, counting(20));
        expect(toHex(a.subarray(0, 16))).not.toBe(toHex(b.subarray(0, 16)));
        expect(openH(prot, a)).toEqual(counting(20));
        expect(openH(prot, b)).toEqual(counting(20));
        expect(cp.cbcImports).toBe(1);
      });

      it('rejects any tampered byte', () => {
        const prot = createCbcProtection(provider, s, keys, etm);
        const frag = sealH(prot, counting(37));
        for (let i = 0; i < frag.length; i++) {
          for (const x of [0x01, 0x80]) {
            const t = frag.slice();
            t[i]! ^= x;
            expect(openH(prot, t), `byte ${i} ^ ${x}`).toBeNull();
          }
        }
      });

      it('rejects a wrong seq, epoch, type or version', () => {
        const prot = createCbcProtection(provider, s, keys, etm);
        const h: Hdr = { type: APP, version: DTLS12, epoch: 3, seq: 2 ** 40 + 7 };
        const frag = sealH(prot, counting(50), h);
        expect(openH(prot, frag, h)).toEqual(counting(50));
        expect(openH(prot, frag, { ...h, seq: h.seq + 1 })).toBeNull();
        expect(openH(prot, frag, { ...h, seq: h.seq + 2 ** 32 })).toBeNull();
        expect(openH(prot, frag, { ...h, epoch: 4 })).toBeNull();
        expect(openH(prot, frag, { ...h, epoch: 3 + 256 })).toBeNull();
        expect(openH(prot, frag, { ...h, type: HANDSHAKE })).toBeNull();
        expect(openH(prot, frag, { ...h, version: DTLS10 })).toBeNull();
      });

      it('rejects short and misaligned records without throwing (CRY-02)', () => {
        const prot = createCbcProtection(provider, s, keys, etm);
        const min = etm ? 16 + 16 + p.macLength : 16 + p.macLength + 1;
        for (let len = 0; len < min + 40; len++) {
          const frag = counting(len, 0x33);
          expect(() => openH(prot, frag)).not.toThrow();
          expect(openH(prot, frag), `length ${len}`).toBeNull();
        }
        // A real record, truncated or with bytes appended.
        const frag = sealH(prot, counting(40));
        for (const cut of [1, 15, 16, 17, frag.length - 16, frag.length - 1, frag.length]) {
          expect(openH(prot, frag.subarray(0, frag.length - cut))).toBeNull();
          expect(openH(prot, frag.subarray(cut))).toBeNull();
        }
        expect(openH(prot, concat(frag, new Uint8Array(1)))).toBeNull();
        expect(openH(prot, concat(frag, new Uint8Array(16)))).toBeNull();
      });

      it('open never throws on random fragments (property)', () => {
        const prot = createCbcProtection(provider, s, keys, etm);
        fc.assert(
          fc.property(
            fc.uint8Array({ maxLength: 400 }),
            fc.integer({ min: 0, max: 255 }),
            fc.integer({ min: 0, max: 0xffff }),
            fc.integer({ min: 0, max: 0xffff }),
            fc.integer({ min: 0, max: 2 ** 48 - 1 }),
            (frag, type, version, epoch, seq) => {
              expect(prot.open(type, version, epoch, seq, frag)).toBeNull();
            },
          ),
          { numRuns: 200 },
        );
      });

      it('round-trips random plaintexts and headers (property)', () => {
        const prot = createCbcProtection(provider, s, keys, etm);
        fc.assert(
          fc.property(
            fc.uint8Array({ maxLength: 300 }),
            fc.integer({ min: 0, max: 0xffff }),
            fc.integer({ min: 0, max: 2 ** 48 - 1 }),
            (pt, epoch, seq) => {
              const frag = prot.seal(APP, DTLS12, epoch, seq, pt);
              expect(prot.open(APP, DTLS12, epoch, seq, frag)).toEqual(pt);
            },
          ),
          { numRuns: 50 },
        );
      });

      it('wipe() zeroes its own MAC key copy only', () => {
        const k = keysFor(s);
        const prot = createCbcProtection(provider, s, k, etm);
        const frag = sealH(prot, counting(10));
        prot.wipe();
        expect(k.macKey).toEqual(keysFor(s).macKey);
        expect(openH(prot, frag)).toBeNull();
      });
    });
  });

  describe('hand-computed vectors (node:crypto)', () => {
    const s = suite(0xc013); // ECDHE-RSA-AES128-SHA: AES-128, HMAC-SHA1
    const keys = keysFor(s);
    const iv = counting(16, 0xe0);
    const h: Hdr = { type: APP, version: DTLS12, epoch: 1, seq: 0x0102030405 };
    const pt = new TextEncoder().encode('hello, CBC record layer!'); // 24 bytes

    it('MtE: IV ‖ AES-CBC(plaintext ‖ HMAC ‖ padding)', () => {
      const prot = createCbcProtection(fixedIvProvider(provider, iv), s, keys, false);
      const mac = nodeHmac('sha1', keys.macKey, macHeader(h.epoch, h.seq, h.type, h.version, pt.length), pt);
      // 24 + 20 + 1 = 45 → p = 3.
      const expected = concat(iv, aesCbc(keys.encKey, iv, concat(pt, mac, padding(3))));
      const frag = sealH(prot, pt, h);
      expect(toHex(frag)).toBe(toHex(expected));
      expect(frag.length).toBe(16 + 48);
      expect(openH(prot, expected, h)).toEqual(pt);
    });

    it('EtM: IV ‖ AES-CBC(plaintext ‖ padding) ‖ HMAC(header ‖ IV ‖ ciphertext)', () => {
      const prot = createCbcProtection(fixedIvProvider(provider, iv), s, keys, true);
      // 24 + 1 = 25 → p = 7.
      const ivCt = concat(iv, aesCbc(keys.encKey, iv, concat(pt, padding(7))));
      const mac = nodeHmac('sha1', keys.macKey, macHeader(h.epoch, h.seq, h.type, h.version, ivCt.length), ivCt);
      const expected = concat(ivCt, mac);
      const frag = sealH(prot, pt, h);
      expect(toHex(frag)).toBe(toHex(expected));
      expect(openH(prot, expected, h)).toEqual(pt);
    });

    it('MtE and EtM with AES-256/SHA-384 and a seeded test provider', () => {
      const s384 = suite(0xc028);
      const k = keysFor(s384);
      for (const etm of [false, true]) {
        const seededIv = testProvider(42, provider).randomBytes(16);
        const prot = createCbcProtection(testProvider(42, provider), s384, k, etm);
        const data = counting(33, 0x61);
        let expected: Uint8Array;
        if (etm) {
          const ivCt = concat(seededIv, aesCbc(k.encKey, seededIv, concat(data, padding(14)))); // 33 + 1 + 14 = 48
          expected = concat(ivCt, nodeHmac('sha384', k.macKey, macHeader(h.epoch, h.seq, h.type, h.version, ivCt.length), ivCt));
        } else {
          const mac = nodeHmac('sha384', k.macKey, macHeader(h.epoch, h.seq, h.type, h.version, data.length), data);
          expected = concat(seededIv, aesCbc(k.encKey, seededIv, concat(data, mac, padding(14)))); // 33 + 48 + 1 + 14 = 96
        }
        expect(toHex(sealH(prot, data, h))).toBe(toHex(expected));
      }
    });
  });

  describe.each(distinctCbc.map((x) => [x.openssl, x] as const))('MtE padding edge cases, %s', (_name, s) => {
    const p = cbcOf(s);
    const keys = keysFor(s);
    const iv = counting(16, 0x90);
    const prot = (): RecordProtection => createCbcProtection(provider, s, keys, false);

    /** Data length so that data ‖ MAC ‖ padding(pad) fills whole blocks, `blocks` of them. */
    const dataLenFor = (pad: number, blocks: number): number => blocks * 16 - p.macLength - pad - 1;

    it('accepts p = 0 and p = 15 (minimal padding)', () => {
      for (const pad of [0, 15]) {
        const n = dataLenFor(pad, 6);
        const data = counting(n, 3);
        expect(openH(prot(), craftMte(s, keys, iv, data, padding(pad)))).toEqual(data);
        // The sealer picks the same padding for that length.
        const sealed = sealH(createCbcProtection(fixedIvProvider(provider, iv), s, keys, false), data);
        expect(toHex(sealed)).toBe(toHex(craftMte(s, keys, iv, data, padding(pad))));
      }
    });

    it('accepts longer valid padding, up to 255', () => {
      for (const pad of [16, 31, 100, 255]) {
        const n = dataLenFor(pad, 20);
        const data = counting(n, 5);
        expect(openH(prot(), craftMte(s, keys, iv, data, padding(pad))), `p=${pad}`).toEqual(data);
      }
      // An empty plaintext with all the room taken by padding.
      const pad = 4 * 16 - p.macLength - 1;
      expect(openH(prot(), craftMte(s, keys, iv, new Uint8Array(0), padding(pad)))).toEqual(new Uint8Array(0));
    });

    it('rejects a padding length byte claiming more than the record', () => {
      // 4 blocks = 64 bytes; the last byte says 200 (or 255): more than the record holds.
      for (const claim of [200, 255, 64 - p.macLength]) {
        const data = counting(64 - p.macLength - 1, 7);
        const rec = craftMte(s, keys, iv, data.subarray(0, 64 - p.macLength - 1), Uint8Array.of(claim));
        expect(openH(prot(), rec), `claim ${claim}`).toBeNull();
      }
      // Every byte equal to the length byte, but the length would overlap the MAC.
      const n = 64;
      const body = new Uint8Array(n).fill(n - p.macLength);
      expect(openH(prot(), concat(iv, aesCbc(keys.encKey, iv, body)))).toBeNull();
    });

    it('rejects a wrong byte at any position of the padding, even when the MAC fits a zero-length pad', () => {
      for (const pad of [1, 2, 15, 16, 100, 255]) {
        const n = dataLenFor(pad, 20);
        const data = counting(n, 9);
        expect(openH(prot(), craftMte(s, keys, iv, data, padding(pad))), `p=${pad} intact`).toEqual(data);
        // Every padding byte before the length byte, the first one included.
        for (let where = 0; where < pad; where++) {
          const tail = padding(pad);
          tail[where]! ^= 0x01;
          expect(openH(prot(), craftMte(s, keys, iv, data, tail)), `p=${pad} @${where}`).toBeNull();
        }
      }
      // data' ‖ MAC(data') ‖ X with X a bad padding byte: treated as p = 0, the
      // MAC even verifies — and yet the record must be rejected.
      const data = counting(4 * 16 - p.macLength - 1, 11);
      const rec = craftMte(s, keys, iv, data, Uint8Array.of(5));
      expect(openH(prot(), rec)).toBeNull();
      expect(openH(prot(), craftMte(s, keys, iv, data, Uint8Array.of(0)))).toEqual(data);
    });

    it('rejects a wrong MAC with good padding', () => {
      const data = counting(30, 1);
      const pad = dataLenFor(0, 6) - 30;
      const mac = nodeHmac(p.macAlg, keys.macKey, macHeader(H.epoch, H.seq, H.type, H.version, 30), data);
      mac[mac.length - 1]! ^= 1;
      expect(openH(prot(), craftMte(s, keys, iv, data, padding(pad), mac))).toBeNull();
    });

    it('feeds HMAC the same number of bytes whatever the padding (MAC over the maximal length)', () => {
      for (const blocks of [4, 6, 20, 40]) {
        const n = blocks * 16;
        const records: [string, Uint8Array, boolean][] = [];
        for (const pad of [0, 1, 15, 16, 100, 255]) {
          const len = n - p.macLength - pad - 1;
          if (len < 0) continue;
          const data = counting(len, pad);
          records.push([`valid p=${pad}`, craftMte(s, keys, iv, data, padding(pad)), true]);
          const badMac = nodeHmac(p.macAlg, keys.macKey, data);
          records.push([`bad MAC p=${pad}`, craftMte(s, keys, iv, data, padding(pad), badMac), false]);
          if (pad > 0) {
            const tail = padding(pad);
            tail[0]! ^= 0x40;
            records.push([`inconsistent p=${pad}`, craftMte(s, keys, iv, data, tail), false]);
          }
        }
        const body = new Uint8Array(n).fill(255);
        records.push(['claims 255', concat(iv, aesCbc(keys.encKey, iv, body)), false]);
        records.push(['random', concat(iv, counting(n, 0x5a)), false]);

        const sums = new Set<number>();
        for (const [label, rec, valid] of records) {
          const cp = countingProvider(provider);
          const pr = createCbcProtection(cp, s, keys, false);
          const out = openH(pr, rec);
          expect(out === null, label).toBe(!valid);
          expect(cp.hmacLengths.length, label).toBe(2);
          sums.add(cp.hmacLengths.reduce((a, b) => a + b, 0));
        }
        expect([...sums]).toEqual([13 + n - p.macLength - 1]);
      }
    });
  });

  describe('EtM padding edge cases', () => {
    const s = suite(0xc027); // AES-128, HMAC-SHA256
    const keys = keysFor(s);
    const iv = counting(16, 0x70);
    const prot = (): RecordProtection => createCbcProtection(provider, s, keys, true);

    it('accepts p = 0, p = 15 and long padding', () => {
      for (const [len, pad] of [[15, 0], [0, 15], [32, 15], [16, 255]] as const) {
        const data = counting(len);
        const body = concat(data, padding(pad));
        if (body.length % 16 !== 0) throw new Error('bad vector');
        expect(openH(prot(), craftEtm(s, keys, iv, body)), `len ${len} p=${pad}`).toEqual(data);
      }
    });

    it('rejects an authenticated record with bad padding', () => {
      // Length byte claims more than the record.
      expect(openH(prot(), craftEtm(s, keys, iv, new Uint8Array(32).fill(40)))).toBeNull();
      expect(openH(prot(), craftEtm(s, keys, iv, concat(counting(31), Uint8Array.of(32))))).toBeNull();
      // Inconsistent padding bytes.
      const tail = padding(7);
      tail[2] = 6;
      expect(openH(prot(), craftEtm(s, keys, iv, concat(counting(8), tail)))).toBeNull();
    });

    it('rejects a wrong byte at any position of the padding (p = 1, 2, 15, 16, 255), the first one included', () => {
      for (const pad of [1, 2, 15, 16, 255]) {
        const data = counting(((16 - ((pad + 1) % 16)) % 16) + 16, 3);
        expect(openH(prot(), craftEtm(s, keys, iv, concat(data, padding(pad)))), `p=${pad} intact`).toEqual(data);
        for (let where = 0; where < pad; where++) {
          const tail = padding(pad);
          tail[where]! ^= 0x01;
          expect(openH(prot(), craftEtm(s, keys, iv, concat(data, tail))), `p=${pad} @${where}`).toBeNull();
        }
      }
    });

    it('checks the MAC before decrypting', () => {
      const cp = countingProvider(provider);
      let decrypts = 0;
      const wrapped: CryptoProvider = {
        ...cp,
        createCbc(key) {
          const c = cp.createCbc(key);
          return { keyLength: c.keyLength, encrypt: c.encrypt.bind(c), decrypt: (i, d) => { decrypts++; return c.decrypt(i, d); } };
        },
      };
      const pr = createCbcProtection(wrapped, s, keys, true);
      const frag = sealH(pr, counting(40));
      const bad = frag.slice();
      bad[20]! ^= 1;
      expect(openH(pr, bad)).toBeNull();
      expect(decrypts).toBe(0);
      expect(openH(pr, frag)).toEqual(counting(40));
      expect(decrypts).toBe(1);
    });
  });
});

describe('createCbcProtection', () => {
  it('refuses non-CBC suites and wrong key lengths', () => {
    const s = suite(0xc013);
    const k = keysFor(s);
    expect(() => createCbcProtection(nodeProvider, suite(0xc02b), k, false)).toThrow();
    expect(() => createCbcProtection(nodeProvider, s, { ...k, macKey: new Uint8Array(32) }, false)).toThrow();
    expect(() => createCbcProtection(nodeProvider, s, { ...k, encKey: new Uint8Array(32) }, false)).toThrow();
  });

  it('the two providers interoperate', () => {
    for (const s of cbcSuites) {
      for (const etm of [false, true]) {
        const a = createCbcProtection(nodeProvider, s, keysFor(s), etm);
        const b = createCbcProtection(nobleProvider, s, keysFor(s), etm);
        for (const len of [0, 1, 15, 16, 17, 100]) {
          expect(openH(b, sealH(a, counting(len)))).toEqual(counting(len));
          expect(openH(a, sealH(b, counting(len)))).toEqual(counting(len));
        }
      }
    }
  });
});
