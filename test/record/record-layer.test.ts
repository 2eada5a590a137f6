import { createCipheriv, getCiphers } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { AeadAlg } from '../../src/crypto/provider.js';
import { describe, expect, it } from 'vitest';
import { nativeProvider } from '../crypto/helpers.js';
import { type AeadProtection, type CipherSuite, suiteById } from '../../src/crypto/suites.js';
import { ContentType, DTLS1_0, DTLS1_2, MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from '../../src/record/content-type.js';
import { type DirectionKeys, type RecordProtection, additionalData, aeadNonce, createProtection } from '../../src/record/protection.js';
import { type OpenedRecord, RecordLayer } from '../../src/record/record-layer.js';
import { type DtlsRecord, parseDatagram } from '../../src/record/record.js';
import { concat, counting, hex, toHex } from '../codec/hex.js';

const te = new TextEncoder();

function suite(id: number): CipherSuite {
  const s = suiteById(id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
}
function aead(s: CipherSuite): AeadProtection {
  if (s.protection.kind !== 'aead') throw new Error('not AEAD');
  return s.protection;
}

const GCM128 = suite(0xc02b);
const GCM256 = suite(0xc02c);
const CHACHA = suite(0xcca9);
const CCM = suite(0xc0ac);
const CCM8 = suite(0xc0ae);

function keysFor(s: CipherSuite): DirectionKeys {
  const p = aead(s);
  return { macKey: new Uint8Array(0), encKey: counting(p.keyLength, 0x40), iv: counting(p.fixedIvLength, 0xa0) };
}

function protection(s: CipherSuite): RecordProtection {
  return createProtection(nativeProvider, s, keysFor(s));
}

/** A sender and a receiver, both in epoch 1 with the same keys. */
function pairInEpoch1(s: CipherSuite = GCM128): { tx: RecordLayer; rx: RecordLayer } {
  const tx = new RecordLayer();
  const rx = new RecordLayer();
  tx.activateWrite(protection(s));
  rx.activateRead(protection(s));
  return { tx, rx };
}

/** The single record of a sealed datagram. */
function one(bytes: Uint8Array | null): DtlsRecord {
  expect(bytes).not.toBeNull();
  const { records, dropped } = parseDatagram(bytes!);
  expect(dropped).toBeUndefined();
  expect(records).toHaveLength(1);
  return records[0]!;
}

function opened(res: OpenedRecord | string): OpenedRecord {
  if (typeof res === 'string') throw new Error(`dropped: ${res}`);
  return res;
}

/** A record with some fields changed (the bytes are copied). */
function withFields(r: DtlsRecord, f: Partial<Pick<DtlsRecord, 'type' | 'version' | 'epoch' | 'seq' | 'fragment'>>): DtlsRecord {
  return { ...r, fragment: r.fragment.slice(), ...f };
}

function flipLast(b: Uint8Array): Uint8Array {
  const c = b.slice();
  c[c.length - 1]! ^= 0x01;
  return c;
}

interface OracleCipher {
  setAAD(aad: Uint8Array, options?: { plaintextLength: number }): unknown;
  update(data: Uint8Array): Buffer;
  final(): Buffer;
  getAuthTag(): Buffer;
}

/**
 * The same AEAD computed with node:crypto directly, as an oracle; where the
 * runtime's node:crypto lacks the cipher (AES-CCM on Bun and Deno,
 * ChaCha20-Poly1305 on Bun), with the pure provider's AEAD.
 */
function oracleSeal(alg: string, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array, tagLength: number): Uint8Array {
  if (!getCiphers().includes(alg)) {
    const name = (alg.includes('ccm') && tagLength === 8 ? `${alg}8` : alg) as AeadAlg;
    return nobleProvider.createAead(name, key).seal(nonce, ad, pt);
  }
  const make = createCipheriv as unknown as (a: string, k: Uint8Array, n: Uint8Array, o: object) => OracleCipher;
  const c = make(alg, key, nonce, { authTagLength: tagLength });
  if (alg.includes('ccm')) c.setAAD(ad, { plaintextLength: pt.length });
  else c.setAAD(ad);
  return concat(c.update(pt), c.final(), c.getAuthTag());
}

describe('AEAD nonce and additional data', () => {
  it('S-10 additionalData is epoch ‖ seq ‖ type ‖ version ‖ length', () => {
    expect(toHex(additionalData(1, 2 ** 48 - 1, 23, DTLS1_2, 0x1234))).toBe('0001' + 'ffffffffffff' + '17' + 'fefd' + '1234');
    expect(toHex(additionalData(0xabcd, 2 ** 32, 22, DTLS1_0, 0))).toBe('abcd' + '000100000000' + '16' + 'feff' + '0000');
    expect(toHex(additionalData(0, 0, 21, DTLS1_2, 2))).toBe('0000' + '000000000000' + '15' + 'fefd' + '0002');
  });

  it('S-10 the GCM/CCM nonce is the 4-byte salt followed by epoch ‖ seq', () => {
    const iv = hex('a0a1a2a3');
    expect(toHex(aeadNonce(aead(GCM128), iv, 1, 2 ** 32 + 5))).toBe('a0a1a2a3' + '0001' + '000100000005');
    expect(toHex(aeadNonce(aead(CCM8), iv, 0xffff, 2 ** 48 - 1))).toBe('a0a1a2a3' + 'ffff' + 'ffffffffffff');
    expect(toHex(aeadNonce(aead(GCM256), iv, 0, 0))).toBe('a0a1a2a3' + '0000000000000000');
  });

  it('S-10 the ChaCha20-Poly1305 nonce is the 12-byte IV XOR the left-padded epoch ‖ seq', () => {
    const iv = hex('000102030405060708090a0b');
    // 00000000 0102 030405060708 XOR 00010203 0405 060708090a0b
    expect(toHex(aeadNonce(aead(CHACHA), iv, 0x0102, 0x030405060708))).toBe('00010203' + '0507' + '05030d0f0d03');
    expect(toHex(aeadNonce(aead(CHACHA), iv, 0, 0))).toBe(toHex(iv));
    expect(toHex(aeadNonce(aead(CHACHA), hex('ff'.repeat(12)), 1, 2 ** 32))).toBe('ffffffff' + 'fffe' + 'fffeffffffff');
  });

  it('does not change the IV it is given', () => {
    const iv = hex('000102030405060708090a0b');
    aeadNonce(aead(CHACHA), iv, 7, 9);
    expect(toHex(iv)).toBe('000102030405060708090a0b');
  });
});

describe('AEAD record protection', () => {
  const pt = te.encode('GET /.well-known/core');

  it.each([
    ['AES-128-GCM', GCM128],
    ['AES-256-GCM', GCM256],
    ['AES-128-CCM', CCM],
    ['AES-128-CCM_8', CCM8],
  ])('S-10 %s seals as explicit nonce (epoch ‖ seq) ‖ AEAD(salt ‖ epoch ‖ seq, AAD, plaintext)', (_n, s) => {
    const p = aead(s);
    const k = keysFor(s);
    const seq = 2 ** 32 + 0x1234;
    const fragment = protection(s).seal(ContentType.application_data, DTLS1_2, 1, seq, pt);
    const explicit = hex('0001 000100001234');
    const nonce = concat(hex('a0a1a2a3'), explicit);
    const ad = hex('0001 000100001234 17 fefd 0015');
    const expected = oracleSeal(p.alg.replace('ccm8', 'ccm'), k.encKey, nonce, ad, pt, p.tagLength);
    expect(toHex(fragment)).toBe(toHex(concat(explicit, expected)));
    expect(fragment.length).toBe(8 + pt.length + p.tagLength);
  });

  it('S-10 ChaCha20-Poly1305 seals with no explicit nonce, using IV XOR epoch ‖ seq', () => {
    const k = keysFor(CHACHA);
    const fragment = protection(CHACHA).seal(ContentType.application_data, DTLS1_2, 1, 5, pt);
    // a0..ab XOR 00000000 0001 000000000005
    const nonce = hex('a0a1a2a3 a4a4 a6a7a8a9aaae');
    const expected = oracleSeal('chacha20-poly1305', k.encKey, nonce, hex('0001 000000000005 17 fefd 0015'), pt, 16);
    expect(toHex(fragment)).toBe(toHex(expected));
  });

  it.each([['GCM', GCM128], ['CCM_8', CCM8], ['ChaCha20', CHACHA]])('%s open() returns null, never throws, on short or garbage input', (_n, s) => {
    const p = protection(s);
    for (const len of [0, 1, 7, 8, 15, 16, 23, 24, 40]) {
      expect(p.open(23, DTLS1_2, 1, 0, new Uint8Array(len))).toBeNull();
    }
  });

  it('wipe() forgets the IV, so later records no longer open', () => {
    const tx = protection(GCM128);
    const rx = protection(GCM128);
    const f = tx.seal(23, DTLS1_2, 1, 0, pt);
    expect(rx.open(23, DTLS1_2, 1, 0, f)).toEqual(pt);
    rx.wipe();
    expect(rx.open(23, DTLS1_2, 1, 0, f)).toBeNull();
  });
});

describe('RecordLayer', () => {
  const data = te.encode('hello, world');

  it.each([['AES-128-GCM', GCM128], ['AES-256-GCM', GCM256], ['AES-128-CCM', CCM], ['AES-128-CCM_8', CCM8], ['ChaCha20-Poly1305', CHACHA]])(
    'seals and opens application data with %s',
    (_n, s) => {
      const { tx, rx } = pairInEpoch1(s);
      for (let i = 0; i < 3; i++) {
        const rec = one(tx.seal(ContentType.application_data, data));
        expect([rec.type, rec.version, rec.epoch, rec.seq]).toEqual([23, DTLS1_2, 1, i]);
        expect(rec.fragment.length).toBe(data.length + tx.overhead() - RECORD_HEADER_LENGTH);
        const got = opened(rx.open(rec));
        expect(got).toEqual({ type: 23, epoch: 1, seq: i, data });
      }
      expect(tx.nextWriteSeq()).toBe(3);
    },
  );

  it('frames an epoch-0 record in plaintext with the header in front', () => {
    const l = new RecordLayer();
    expect(toHex(l.seal(ContentType.handshake, hex('0e000000000100000000000000'))!))
      .toBe('16fefd' + '0000' + '000000000000' + '000d' + '0e000000000100000000000000');
    expect(toHex(l.seal(ContentType.handshake, hex('01'), 0, DTLS1_0)!).slice(0, 26)).toBe('16feff' + '0000' + '000000000001' + '0001');
  });

  it('reports the overhead of each epoch', () => {
    const l = new RecordLayer();
    expect(l.overhead()).toBe(13);
    l.activateWrite(protection(GCM128));
    expect(l.overhead()).toBe(13 + 8 + 16);
    expect(l.overhead(0)).toBe(13);
    const c = new RecordLayer();
    c.activateWrite(protection(CHACHA));
    expect(c.overhead()).toBe(13 + 16);
    const c8 = new RecordLayer();
    c8.activateWrite(protection(CCM8));
    expect(c8.overhead()).toBe(13 + 8 + 8);
  });

  it('keeps separate sequence numbers per write epoch, each starting at 0 (S-06)', () => {
    const l = new RecordLayer();
    l.seal(22, data);
    l.seal(22, data);
    l.activateWrite(protection(GCM128));
    expect(one(l.seal(22, data)).seq).toBe(0);
    expect(one(l.seal(22, data, 0)).seq).toBe(2);
    expect(l.nextWriteSeq(0)).toBe(3);
    expect(l.nextWriteSeq(1)).toBe(1);
    expect(l.currentWriteEpoch).toBe(1);
  });

  it('a forced sequence number does not advance the counter', () => {
    const l = new RecordLayer();
    expect(one(l.seal(22, data, 0, DTLS1_2, 42)).seq).toBe(42);
    expect(l.nextWriteSeq()).toBe(0);
  });

  it('refuses to seal in an epoch it has no keys for', () => {
    expect(() => new RecordLayer().seal(23, data, 1)).toThrow(/no write state for epoch 1/);
  });

  it('S-05 drops a replayed record as replay', () => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    opened(rx.open(rec));
    expect(rx.open(rec)).toBe('replay');
    expect(rx.badRecords).toBe(0);
  });

  it('REC-05 drops a record with a corrupted tag as bad mac and counts it', () => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    expect(rx.open(withFields(rec, { fragment: flipLast(rec.fragment) }))).toBe('bad mac');
    expect(rx.badRecords).toBe(1);
  });

  it('S-05 a forged record with a fresh sequence number does not block the genuine one', () => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    expect(rx.open(withFields(rec, { fragment: flipLast(rec.fragment) }))).toBe('bad mac');
    expect(opened(rx.open(rec)).data).toEqual(data);
  });

  it('S-05 a forged record far ahead does not move the window', () => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    const forged = withFields(rec, { seq: 1_000_000 });
    expect(rx.open(forged)).toBe('bad mac');
    expect(rx.open(withFields(rec, { seq: 2 ** 48 - 1, fragment: new Uint8Array(40) }))).toBe('bad mac');
    expect(opened(rx.open(rec)).seq).toBe(0);
    for (let i = 1; i < 5; i++) expect(opened(rx.open(one(tx.seal(23, data)))).seq).toBe(i);
    expect(rx.badRecords).toBe(2);
  });

  it.each([
    ['type', { type: ContentType.handshake }],
    ['sequence number', { seq: 1 }],
  ] as const)('S-10 drops a record whose header %s was changed, because the AAD covers it', (_n, change) => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    expect(rx.open(withFields(rec, change))).toBe('bad mac');
  });

  it('S-10 drops a GCM record whose explicit nonce was changed', () => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    const f = rec.fragment.slice();
    f[7]! ^= 0x01;
    expect(rx.open(withFields(rec, { fragment: f }))).toBe('bad mac');
    expect(opened(rx.open(rec)).seq).toBe(0);
  });

  it('delivers records that arrive out of order within the window', () => {
    const { tx, rx } = pairInEpoch1(CHACHA);
    const recs = Array.from({ length: 5 }, () => one(tx.seal(23, data)));
    for (const i of [4, 0, 2, 1, 3]) expect(opened(rx.open(recs[i]!)).seq).toBe(i);
    for (const r of recs) expect(rx.open(r)).toBe('replay');
  });

  it('drops a protected record whose plaintext exceeds 2^14 as too long, without consuming its number', () => {
    const { tx, rx } = pairInEpoch1();
    const big = one(tx.seal(23, new Uint8Array(MAX_PLAINTEXT + 1)));
    expect(rx.open(big)).toBe('too long');
    const ok = one(tx.seal(23, new Uint8Array(MAX_PLAINTEXT), 1, DTLS1_2, 0));
    expect(opened(rx.open(ok)).data.length).toBe(MAX_PLAINTEXT);
  });

  it('drops an epoch-0 record longer than 2^14 as too long', () => {
    const rx = new RecordLayer();
    const rec = one(new RecordLayer().seal(22, new Uint8Array(MAX_PLAINTEXT + 1)));
    expect(rx.open(rec)).toBe('too long');
  });

  describe('versions (S-04, REC-08)', () => {
    it.each<[string, number, number]>([
      ['0x0303 (TLS 1.2)', 0x0303, ContentType.application_data],
      ['0x0000', 0x0000, ContentType.application_data],
      ['0xfeff (DTLS 1.0) after 1.2 keys are in use', DTLS1_0, ContentType.application_data],
      ['0xfefc', 0xfefc, ContentType.application_data],
      ['0xfeff (DTLS 1.0) on an epoch-1 handshake record', DTLS1_0, ContentType.handshake],
    ])('REC-08 drops an epoch-1 record with version %s', (_n, version, type) => {
      const { tx, rx } = pairInEpoch1();
      // Sealed with that version in the AAD, so only the version check can stop it.
      const rec = one(tx.seal(type, data, 1, version));
      expect(rx.open(rec)).toBe('bad version');
      expect(opened(rx.open(one(tx.seal(23, data, 1, DTLS1_2, 0)))).seq).toBe(0);
    });

    it.each([
      ['0x0303', ContentType.handshake, 0x0303],
      ['0x0000', ContentType.handshake, 0x0000],
      ['0xfeff on a ChangeCipherSpec', ContentType.change_cipher_spec, DTLS1_0],
      ['0xfeff on an alert', ContentType.alert, DTLS1_0],
      ['0xfeff on application data', ContentType.application_data, DTLS1_0],
    ])('REC-08 drops an epoch-0 record with version %s', (_n, type, version) => {
      const rx = new RecordLayer();
      expect(rx.open(one(new RecordLayer().seal(type, hex('01'), 0, version)))).toBe('bad version');
    });

    it('S-04 accepts version 0xfeff on an epoch-0 handshake record (initial ClientHello)', () => {
      const rx = new RecordLayer();
      const got = opened(rx.open(one(new RecordLayer().seal(ContentType.handshake, hex('01'), 0, DTLS1_0))));
      expect(got.data).toEqual(hex('01'));
    });

    it('a bad-version record does not consume its sequence number', () => {
      const rx = new RecordLayer();
      const tx = new RecordLayer();
      expect(rx.open(one(tx.seal(22, hex('01'), 0, 0x0303, 7)))).toBe('bad version');
      expect(opened(rx.open(one(tx.seal(22, hex('01'), 0, DTLS1_2, 7)))).seq).toBe(7);
    });
  });

  describe('epochs (S-07, REC-11)', () => {
    it('reports the next epoch as future before its keys are installed', () => {
      const rx = new RecordLayer();
      const { tx } = pairInEpoch1();
      expect(rx.open(one(tx.seal(23, data)))).toBe('future epoch');
      expect(rx.canRead(1)).toBe(false);
    });

    it.each([['0xffff', 0xffff], ['current + 2', 3], ['a very large epoch', 0x8000]])(
      'REC-11 drops a record of epoch %s as unknown epoch',
      (_n, epoch) => {
        const { tx, rx } = pairInEpoch1();
        const rec = one(tx.seal(23, data));
        expect(rx.open(withFields(rec, { epoch }))).toBe('unknown epoch');
        expect(rx.badRecords).toBe(0);
        // no window change: the genuine record with the same number still opens
        expect(opened(rx.open(rec)).seq).toBe(0);
      },
    );

    it('REC-11 drops epoch 0xffff even in a layer still at epoch 0', () => {
      const rx = new RecordLayer();
      const rec = one(new RecordLayer().seal(22, hex('01')));
      expect(rx.open(withFields(rec, { epoch: 0xffff }))).toBe('unknown epoch');
      expect(rx.open(withFields(rec, { epoch: 2 }))).toBe('unknown epoch');
    });

    it('S-07 a next-epoch record is reported as future, never opened with the current keys', () => {
      const { tx, rx } = pairInEpoch1();
      tx.activateWrite(protection(GCM128)); // epoch 2 with the same keys
      const rec = one(tx.seal(23, data));
      expect(rec.epoch).toBe(2);
      expect(rx.open(rec)).toBe('future epoch');
      rx.activateRead(protection(GCM128));
      expect(opened(rx.open(rec)).epoch).toBe(2);
    });

    it('keeps one replay window per epoch', () => {
      const { tx, rx } = pairInEpoch1();
      const plain = new RecordLayer();
      expect(opened(rx.open(one(plain.seal(22, hex('01'))))).seq).toBe(0);
      expect(opened(rx.open(one(tx.seal(23, data)))).seq).toBe(0);
      expect(rx.currentReadEpoch).toBe(1);
    });

    it('S-08 drops records of a retired epoch as unknown epoch', () => {
      const { rx } = pairInEpoch1();
      rx.retireEpoch(0);
      expect(rx.canRead(0)).toBe(false);
      expect(rx.open(one(new RecordLayer().seal(22, hex('01'))))).toBe('unknown epoch');
    });

    it('never retires the current read epoch', () => {
      const { rx } = pairInEpoch1();
      rx.retireEpoch(1);
      expect(rx.canRead(1)).toBe(true);
    });
  });

  describe('sequence exhaustion (S-06, REC-12)', () => {
    it('REC-12 sends 2^48-3 and 2^48-2, then refuses to seal instead of wrapping', () => {
      const { tx, rx } = pairInEpoch1();
      tx.setNextWriteSeq(2 ** 48 - 3);
      const out = Array.from({ length: 5 }, () => tx.seal(23, data));
      expect(out.map((o) => o !== null)).toEqual([true, true, false, false, false]);
      expect(out.slice(0, 2).map((o) => toHex(o!.subarray(5, 11)))).toEqual(['fffffffffffd', 'fffffffffffe']);
      expect(out.slice(0, 2).map((o) => opened(rx.open(one(o))).seq)).toEqual([2 ** 48 - 3, 2 ** 48 - 2]);
      expect(tx.nextWriteSeq()).toBe(2 ** 48 - 1);
    });

    it('S-06 returns null at sequence 2^48-1 and never reuses 0 in the epoch', () => {
      const { tx } = pairInEpoch1();
      tx.setNextWriteSeq(2 ** 48 - 1);
      expect(tx.seal(23, data)).toBeNull();
      expect(tx.seal(23, data)).toBeNull();
      expect(tx.nextWriteSeq()).toBe(2 ** 48 - 1);
      expect(tx.seal(23, data, 1, DTLS1_2, 2 ** 48 - 1)).toBeNull();
    });

    it('S-06 also stops in epoch 0', () => {
      const l = new RecordLayer();
      l.setNextWriteSeq(2 ** 48 - 2);
      expect(one(l.seal(22, data)).seq).toBe(2 ** 48 - 2);
      expect(l.seal(22, data)).toBeNull();
    });

    it('a receiver accepts the highest legal sequence number, 2^48-2, across the 2^32 boundary', () => {
      const { tx, rx } = pairInEpoch1(CHACHA);
      for (const seq of [2 ** 32 - 1, 2 ** 32, 2 ** 48 - 2]) {
        expect(opened(rx.open(one(tx.seal(23, data, 1, DTLS1_2, seq)))).seq).toBe(seq);
      }
      expect(rx.open(one(tx.seal(23, data, 1, DTLS1_2, 2 ** 32)))).toBe('replay');
    });
  });

  it('opens nothing after wipe()', () => {
    const { tx, rx } = pairInEpoch1();
    const rec = one(tx.seal(23, data));
    rx.wipe();
    expect(rx.open(rec)).toBe('bad mac');
  });
});

describe('RecordLayer bookkeeping and edge cases', () => {
  const data = te.encode('payload');

  it('reports sequence 0 and a bare header for an epoch it has no write state for', () => {
    const l = new RecordLayer();
    expect(l.nextWriteSeq(5)).toBe(0);
    expect(l.overhead(5)).toBe(RECORD_HEADER_LENGTH);
  });

  it('opens a plaintext alert in epoch 0 (a peer may refuse the handshake before keys exist)', () => {
    const got = opened(new RecordLayer().open(one(new RecordLayer().seal(ContentType.alert, Uint8Array.of(2, 40)))));
    expect([got.type, got.epoch]).toEqual([ContentType.alert, 0]);
  });

  it('opens an epoch-0 record of exactly 2^14 bytes', () => {
    const rec = one(new RecordLayer().seal(ContentType.handshake, new Uint8Array(MAX_PLAINTEXT)));
    expect(opened(new RecordLayer().open(rec)).data.length).toBe(MAX_PLAINTEXT);
  });

  it('drops an epoch-0 record more than 4096 ahead of the highest seen as implausible, and takes one exactly 4096 ahead', () => {
    const tx = new RecordLayer();
    const fresh = new RecordLayer();
    expect(fresh.open(one(tx.seal(22, hex('01'), 0, DTLS1_2, 4097)))).toBe('implausible sequence');
    expect(opened(fresh.open(one(tx.seal(22, hex('01'), 0, DTLS1_2, 4096)))).seq).toBe(4096);
    const rx = new RecordLayer();
    expect(opened(rx.open(one(tx.seal(22, hex('01'), 0, DTLS1_2, 10)))).seq).toBe(10);
    expect(rx.open(one(tx.seal(22, hex('01'), 0, DTLS1_2, 10 + 4097)))).toBe('implausible sequence');
    expect(opened(rx.open(one(tx.seal(22, hex('01'), 0, DTLS1_2, 10 + 4096)))).seq).toBe(10 + 4096);
  });

  it('flags each record newer than every one before (for address updates, RFC 9146 §6), across epochs', () => {
    const { tx, rx } = pairInEpoch1();
    const plain = new RecordLayer();
    const steps: [DtlsRecord, boolean][] = [
      [one(plain.seal(22, hex('01'), 0, DTLS1_2, 5)), true],
      [one(plain.seal(22, hex('01'), 0, DTLS1_2, 3)), false],
      [one(plain.seal(22, hex('01'), 0, DTLS1_2, 6)), true],
      [one(tx.seal(23, data, 1, DTLS1_2, 2)), true],
      [one(plain.seal(22, hex('01'), 0, DTLS1_2, 9)), false],
      [one(tx.seal(23, data, 1, DTLS1_2, 1)), false],
      [one(tx.seal(23, data, 1, DTLS1_2, 3)), true],
    ];
    expect(rx.newestSeen).toBe(false);
    for (const [rec, newest] of steps) {
      opened(rx.open(rec));
      expect(rx.newestSeen, `epoch ${rec.epoch} seq ${rec.seq}`).toBe(newest);
    }
  });

  it('S-64 writes a 48-bit sequence number above 2^32 into the header byte for byte', () => {
    const { tx } = pairInEpoch1();
    tx.setNextWriteSeq(2 ** 40 + 2 ** 32 + 0x01020305);
    expect(toHex(tx.seal(23, data)!.subarray(5, 11))).toBe('010101020305');
  });

  describe('connection IDs (S-59, S-61, RFC 9146)', () => {
    const OURS = Uint8Array.of(9, 9, 9);
    const PEERS = Uint8Array.of(7, 7);
    /** A sender whose records carry `cid`, and a receiver that expects `ours` (both in epoch 1). */
    function cidPair(cid: Uint8Array, ours: Uint8Array | undefined) {
      const { tx, rx } = pairInEpoch1();
      tx.setConnectionIds(PEERS, cid);
      if (ours) rx.setConnectionIds(ours, PEERS);
      return { tx, rx };
    }
    const cidRecord = (bytes: Uint8Array, cidLength: number) => {
      const { records } = parseDatagram(bytes, cidLength);
      expect(records).toHaveLength(1);
      return records[0]!;
    };

    it('opens a tls12_cid record with exactly our CID, the inner type restored', () => {
      const { tx, rx } = cidPair(OURS, OURS);
      const bytes = tx.seal(ContentType.application_data, data)!;
      expect(bytes[0]).toBe(ContentType.tls12_cid);
      const got = opened(rx.open(cidRecord(bytes, 3)));
      expect([got.type, Buffer.from(got.data).toString()]).toEqual([ContentType.application_data, 'payload']);
    });

    it('refuses a tls12_cid record before CIDs were negotiated, in epoch 0, or with another CID', () => {
      const bytes = cidPair(OURS, OURS).tx.seal(ContentType.application_data, data)!;
      expect(new RecordLayer().open(cidRecord(bytes, 3))).toBe('unexpected cid record');
      const inEpoch0 = bytes.slice();
      inEpoch0[4] = 0;
      expect(cidPair(OURS, OURS).rx.open(cidRecord(inEpoch0, 3))).toBe('unexpected cid record');
      const other = cidPair(Uint8Array.of(9, 9, 8), OURS);
      expect(other.rx.open(cidRecord(other.tx.seal(ContentType.application_data, data)!, 3))).toBe('unknown cid');
    });

    it('refuses a tls12_cid record when the CID we asked for is empty, and takes plain records then', () => {
      const { tx, rx } = cidPair(OURS, new Uint8Array(0));
      expect(rx.open(cidRecord(tx.seal(ContentType.application_data, data)!, 3))).toBe('unexpected cid record');
      const plain = pairInEpoch1().tx;
      expect(opened(rx.open(one(plain.seal(ContentType.application_data, data)))).type).toBe(ContentType.application_data);
    });

    it('refuses a plain epoch-1 record once a CID of ours is in use, but not a plain epoch-0 one', () => {
      const { rx } = cidPair(OURS, OURS);
      expect(rx.open(one(pairInEpoch1().tx.seal(ContentType.application_data, data)))).toBe('record without cid');
      expect(opened(rx.open(one(new RecordLayer().seal(ContentType.handshake, hex('01'))))).epoch).toBe(0);
    });

    it('S-61 opens an empty inner plaintext (the type is its only non-zero byte) and refuses one of zeros only', () => {
      const { tx, rx } = cidPair(OURS, OURS);
      const empty = opened(rx.open(cidRecord(tx.seal(ContentType.application_data, new Uint8Array(0))!, 3)));
      expect([empty.type, empty.data.length]).toEqual([ContentType.application_data, 0]);
      // A record whose inner plaintext is all zeros (type 0, not a content type).
      const zeros = tx.seal(0, new Uint8Array(0))!;
      expect(rx.open(cidRecord(zeros, 3))).toBe('bad inner plaintext');
    });

    it('seals epoch-0 records plain even with CIDs set, and counts the CID in the overhead of epoch 1 only', () => {
      const { tx } = cidPair(OURS, OURS);
      const plain = one(tx.seal(ContentType.handshake, hex('01'), 0));
      expect([plain.type, plain.epoch]).toEqual([ContentType.handshake, 0]);
      expect(tx.overhead(0)).toBe(RECORD_HEADER_LENGTH);
      expect(tx.overhead(1)).toBe(RECORD_HEADER_LENGTH + 8 + 16 + OURS.length + 1);
      expect(cidPair(new Uint8Array(0), OURS).tx.overhead(1)).toBe(RECORD_HEADER_LENGTH + 8 + 16);
    });

    it('frames the same records through a protection without sealTo (seal and copy), with and without a CID', () => {
      /** The same AEAD protection, seen through seal/open only. */
      const sealOnly = (): RecordProtection => {
        const p = protection(GCM128);
        return { maxExpansion: p.maxExpansion, seal: p.seal.bind(p), open: p.open.bind(p), wipe: p.wipe.bind(p) };
      };
      for (const cid of [OURS, undefined]) {
        const fast = new RecordLayer();
        const slow = new RecordLayer();
        fast.activateWrite(protection(GCM128));
        slow.activateWrite(sealOnly());
        if (cid) {
          fast.setConnectionIds(PEERS, cid);
          slow.setConnectionIds(PEERS, cid);
        }
        for (const d of [data, new Uint8Array(0)]) expect(toHex(slow.seal(23, d)!), `cid ${cid !== undefined}`).toBe(toHex(fast.seal(23, d)!));
      }
    });
  });
});

describe('RecordLayer.openApplicationData (the allocation-free fast path)', () => {
  const data = (s: string) => te.encode(s);

  it.each([['GCM', GCM128], ['ChaCha20', CHACHA], ['CCM_8', CCM8]] as const)('%s: opens what open() opens, and updates the same window', (_n, s) => {
    const { tx, rx } = pairInEpoch1(s);
    const d = tx.seal(ContentType.application_data, data('hello'))!;
    expect(Buffer.from(rx.openApplicationData(d)!)).toEqual(Buffer.from('hello'));
    // The window saw it: the general path now calls it a replay, and so does the fast one.
    expect(rx.open(one(d))).toBe('replay');
    expect(rx.openApplicationData(d)).toBeNull();
    expect(rx.lastDrop).toBe('replay');
    expect(rx.lastSeq).toBe(0);
  });

  it('counts a forged record as bad mac without touching the window', () => {
    const { tx, rx } = pairInEpoch1();
    const d = tx.seal(ContentType.application_data, data('x'))!;
    const forged = d.slice();
    forged[forged.length - 1]! ^= 1;
    expect(rx.openApplicationData(forged)).toBeNull();
    expect(rx.lastDrop).toBe('bad mac');
    expect(rx.badRecords).toBe(1);
    expect(Buffer.from(rx.openApplicationData(d)!)).toEqual(Buffer.from('x'));
  });

  it('declines (undefined, nothing changed) every datagram that is not one application_data record of the current epoch', () => {
    const { tx, rx } = pairInEpoch1();
    const a = tx.seal(ContentType.application_data, data('a'))!;
    const b = tx.seal(ContentType.application_data, data('b'))!;
    const alert = tx.seal(ContentType.alert, Uint8Array.of(1, 0))!;
    const wrongVersion = a.slice();
    wrongVersion[2] = 0xff; // 0xfeff
    const wrongEpoch = a.slice();
    wrongEpoch[4] = 2;
    for (const d of [concat(a, b), alert, wrongVersion, wrongEpoch, a.subarray(0, 20), a.subarray(0, RECORD_HEADER_LENGTH), new Uint8Array(0)]) {
      expect(rx.openApplicationData(d)).toBeUndefined();
    }
    expect(rx.badRecords).toBe(0);
    // Nothing was consumed: both records still open through the general path.
    const both = parseDatagram(concat(a, b)).records;
    expect(both.map((r) => typeof rx.open(r))).toEqual(['object', 'object']);
  });

  it('declines in epoch 0 and once connection IDs are in use', () => {
    const plain = new RecordLayer();
    expect(plain.openApplicationData(plain.seal(ContentType.application_data, data('x'))!)).toBeUndefined();
    const { tx, rx } = pairInEpoch1();
    rx.setConnectionIds(Uint8Array.of(1, 2), Uint8Array.of(3, 4));
    expect(rx.openApplicationData(tx.seal(ContentType.application_data, data('x'))!)).toBeUndefined();
  });

  it('declines a header-only datagram (length 0) without counting it', () => {
    const { tx, rx } = pairInEpoch1();
    const header = tx.seal(ContentType.application_data, data('x'))!.slice(0, RECORD_HEADER_LENGTH);
    header[11] = 0;
    header[12] = 0;
    expect(rx.openApplicationData(header)).toBeUndefined();
    expect(rx.badRecords).toBe(0);
  });

  it('takes the fast path when the CID we asked for is empty (our records carry none)', () => {
    const { tx, rx } = pairInEpoch1();
    rx.setConnectionIds(new Uint8Array(0), Uint8Array.of(3, 4));
    expect(Buffer.from(rx.openApplicationData(tx.seal(ContentType.application_data, data('x'))!)!)).toEqual(Buffer.from('x'));
  });

  it('drops a record whose plaintext exceeds 2^14 as too long, without consuming its number', () => {
    const { tx, rx } = pairInEpoch1();
    const big = tx.seal(23, new Uint8Array(MAX_PLAINTEXT + 1))!;
    expect(rx.openApplicationData(big)).toBeNull();
    expect(rx.lastDrop).toBe('too long');
    expect(rx.openApplicationData(tx.seal(23, new Uint8Array(MAX_PLAINTEXT), 1, DTLS1_2, 0)!)?.length).toBe(MAX_PLAINTEXT);
  });

  it('declines CBC records (their protection has no in-place open): open() reads them', () => {
    const cbc = suite(0xc023); // ECDHE-ECDSA-AES128-SHA256
    expect(cbc.protection.kind).toBe('cbc');
    const keys: DirectionKeys = { macKey: counting(32, 0x10), encKey: counting(16, 0x80), iv: new Uint8Array(0) };
    const tx = new RecordLayer();
    const rx = new RecordLayer();
    tx.activateWrite(createProtection(nativeProvider, cbc, keys));
    rx.activateRead(createProtection(nativeProvider, cbc, keys));
    const d = tx.seal(ContentType.application_data, data('cbc'))!;
    expect(rx.openApplicationData(d)).toBeUndefined();
    expect(Buffer.from(opened(rx.open(one(d))).data)).toEqual(Buffer.from('cbc'));
  });

  it('S-64 reads a 48-bit sequence number above 2^32 exactly', () => {
    const { tx, rx } = pairInEpoch1();
    tx.setNextWriteSeq(2 ** 40 + 5);
    const d = tx.seal(ContentType.application_data, data('far'))!;
    expect(Buffer.from(rx.openApplicationData(d)!)).toEqual(Buffer.from('far'));
    expect(rx.openApplicationData(d)).toBeNull();
    expect(rx.lastSeq).toBe(2 ** 40 + 5);
  });
});

describe('RecordLayer and the puredtls:record:out channel', () => {
  it('publishes each sealed record under its trace label, and nothing without a label', () => {
    const seen: unknown[] = [];
    const listen = (m: unknown): void => { seen.push(m); };
    subscribe('puredtls:record:out', listen);
    try {
      const labelled = new RecordLayer(64, () => 'server 10.0.0.2:50000');
      labelled.seal(ContentType.handshake, Uint8Array.of(1, 2, 3));
      labelled.activateWrite(protection(GCM128));
      labelled.seal(ContentType.application_data, te.encode('hi'));
      expect(seen).toEqual([
        { connection: 'server 10.0.0.2:50000', epoch: 0, seq: 0, type: 'handshake', length: 3, fragments: [] },
        { connection: 'server 10.0.0.2:50000', epoch: 1, seq: 0, type: 'application_data', length: 2 },
      ]);
      seen.length = 0;
      new RecordLayer().seal(ContentType.application_data, te.encode('quiet'));
      expect(seen).toEqual([]);
    } finally {
      unsubscribe('puredtls:record:out', listen);
    }
  });
});
