import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReceiveEpoch13, SendEpoch13 } from '../../src/dtls13/epoch.js';
import { keyScheduleParams, trafficKeys } from '../../src/dtls13/key-schedule.js';
import {
  RecordProtection13, decodeInnerPlaintext, encodeInnerPlaintext, recordNonce13,
} from '../../src/dtls13/protection.js';
import { type CiphertextRecord13, encodeUnifiedHeader, parseDatagram13 } from '../../src/dtls13/record.js';
import { SUITES_13, type Suite13 } from '../../src/dtls13/suites.js';
import { DtlsError } from '../../src/errors.js';
import { ContentType } from '../../src/record/content-type.js';
import { concat, counting, hex, toHex } from '../codec/hex.js';
import { providers } from '../crypto/helpers.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';

const SECRET = counting(48, 0x40);
const keysFor = (p: CryptoProvider, s: Suite13) => trafficKeys(keyScheduleParams(p, s.hash), SECRET.subarray(0, s.hash === 'sha256' ? 32 : 48), s.keyLength);
const CID = hex('c0ffee');

/** The one ciphertext record of a datagram. */
function only(datagram: Uint8Array, cidLength = 0): CiphertextRecord13 {
  const { records, dropped } = parseDatagram13(datagram, cidLength);
  expect(dropped).toBeUndefined();
  expect(records).toHaveLength(1);
  return records[0] as CiphertextRecord13;
}

/** The mask computed with node:crypto directly (RFC 9147 §4.2.3), independent of the providers. */
function referenceMask(s: Suite13, sn: Uint8Array, sample: Uint8Array): Uint8Array {
  if (s.mask === 'chacha20') return new Uint8Array(createCipheriv('chacha20', sn, sample).update(new Uint8Array(16)));
  return new Uint8Array(createCipheriv(s.mask, sn, null).setAutoPadding(false).update(sample));
}

describe('recordNonce13 (RFC 8446 §5.3, RFC 9147 §4)', () => {
  it('XORs the 64-bit sequence number, left-padded, into the IV — no epoch', () => {
    const iv = hex('5d313eb2671276ee13000b30');
    expect(toHex(recordNonce13(iv, 0))).toBe('5d313eb2671276ee13000b30');
    expect(toHex(recordNonce13(iv, 1))).toBe('5d313eb2671276ee13000b31');
    // 76 ee 13 00 0b 30 XOR 01 02 03 04 05 06
    expect(toHex(recordNonce13(iv, 0x0102_0304_0506))).toBe('5d313eb2671277ec10040e36');
  });

  it('refuses a sequence number past 2^48 - 1', () => {
    expect(() => recordNonce13(new Uint8Array(12), 2 ** 48)).toThrow(RangeError);
  });
});

describe('DTLSInnerPlaintext (RFC 8446 §5.2, §5.4)', () => {
  it('is content ‖ type ‖ zeros, and the type is the last non-zero byte', () => {
    const inner = encodeInnerPlaintext(23, hex('0000ab00'), 3);
    expect(toHex(inner)).toBe('0000ab0017000000');
    expect(decodeInnerPlaintext(inner)).toEqual({ kind: 'ok', type: 23, content: hex('0000ab00') });
  });

  it('is fatal unexpected_message when all zero', () => {
    expect(decodeInnerPlaintext(new Uint8Array(5))).toMatchObject({ kind: 'fatal', alert: 'unexpected_message' });
    expect(decodeInnerPlaintext(new Uint8Array(0))).toMatchObject({ kind: 'fatal', alert: 'unexpected_message' });
  });

  it('is fatal unexpected_message for a type that cannot be inside a DTLSCiphertext', () => {
    for (const t of [20, 24, 25, 99]) expect(decodeInnerPlaintext(hex('01' + t.toString(16).padStart(2, '0')))).toMatchObject({ kind: 'fatal', alert: 'unexpected_message' });
    for (const t of [21, 22, 23, 26]) expect(decodeInnerPlaintext(Uint8Array.of(t)).kind).toBe('ok');
  });

  it('is fatal record_overflow above 2^14 + 1 bytes', () => {
    const big = new Uint8Array(2 ** 14 + 2);
    big[0] = 23;
    expect(decodeInnerPlaintext(big)).toMatchObject({ kind: 'fatal', alert: 'record_overflow' });
  });
});

describe.each(providers)('RecordProtection13 ($name)', (p) => {
  describe.each(SUITES_13)('$name', (suite) => {
    const keys = keysFor(p, suite);

    it('seals with AAD = the header with the clear sequence number, then encrypts the sequence number (§4, §4.2.3)', () => {
      const prot = new RecordProtection13(p, suite, keys);
      const seq = 0x1_0203;
      const record = prot.seal(ContentType.application_data, hex('68656c6c6f'), 3, seq, { cid: CID, seqLength: 2 });
      const clearHeader = encodeUnifiedHeader({ epoch: 3, seq, seqLength: 2, cid: CID, length: 5 + 1 + suite.tagLength + prot.minimumPadding(5) });
      const body = record.subarray(clearHeader.length);
      // encrypted_record is the AEAD of the inner plaintext under nonce iv ^ seq and the clear header.
      const inner = encodeInnerPlaintext(ContentType.application_data, hex('68656c6c6f'), prot.minimumPadding(5));
      const expectedBody = p.createAead(suite.aead, keys.key).seal(recordNonce13(keys.iv, seq), clearHeader, inner);
      expect(toHex(body)).toBe(toHex(expectedBody));
      // The header went out with its sequence number bytes XOR the mask of the first 16 ciphertext bytes.
      const mask = referenceMask(suite, keys.sn, body.subarray(0, 16));
      const expectedHeader = clearHeader.slice();
      expectedHeader[4]! ^= mask[0]!;
      expectedHeader[5]! ^= mask[1]!;
      expect(toHex(record.subarray(0, clearHeader.length))).toBe(toHex(expectedHeader));
    });

    it('seals the same bytes when the AEAD has no sealTo (seal, then a copy)', () => {
      const plainAead: CryptoProvider = {
        ...p,
        createAead: (alg, key) => {
          const a = p.createAead(alg, key);
          return { keyLength: a.keyLength, tagLength: a.tagLength, seal: (n, ad, pt) => a.seal(n, ad, pt), open: (n, ad, ct) => a.open(n, ad, ct) };
        },
      };
      for (const content of [new Uint8Array(0), counting(5), counting(1200)]) {
        const opts = { cid: CID, padding: 3 };
        const viaSeal = new RecordProtection13(plainAead, suite, keys).seal(ContentType.application_data, content, 3, 77, opts);
        expect(toHex(viaSeal)).toBe(toHex(new RecordProtection13(p, suite, keys).seal(ContentType.application_data, content, 3, 77, opts)));
        const recv = new ReceiveEpoch13(3, new RecordProtection13(p, suite, keys));
        expect(recv.open(only(viaSeal, CID.length))).toMatchObject({ kind: 'record', seq: 77, type: ContentType.application_data, content });
      }
    });

    it('opens what it sealed, for 8- and 16-bit sequence numbers, with and without CID and length', () => {
      for (const seqLength of [1, 2] as const) {
        for (const cid of [undefined, CID]) {
          for (const includeLength of [true, false]) {
            const send = new SendEpoch13(2, new RecordProtection13(p, suite, keys));
            const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys));
            for (let i = 0; i < 3; i++) {
              const content = counting(i * 7, i);
              const rec = only(send.seal(ContentType.handshake, content, { seqLength, includeLength, ...(cid && { cid }) }), cid?.length ?? 0);
              expect(rec.lengthPresent).toBe(includeLength);
              const r = recv.open(rec);
              expect(r).toEqual({ kind: 'record', epoch: 2, seq: i, type: ContentType.handshake, content });
            }
          }
        }
      }
    });

    it('pads a short record so that its ciphertext has the 16 bytes the mask samples', () => {
      const prot = new RecordProtection13(p, suite, keys);
      const rec = only(prot.seal(ContentType.ack, new Uint8Array(0), 2, 0));
      expect(rec.encryptedRecord.length).toBe(Math.max(16, 1 + suite.tagLength));
      expect(new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys)).open(rec)).toMatchObject({ kind: 'record', type: ContentType.ack, content: new Uint8Array(0) });
    });

    it('drops a record whose ciphertext is shorter than 16 bytes (§4.2.3)', () => {
      const rec = only(concat(hex('2c 0001 000f'), new Uint8Array(15)));
      const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys));
      expect(recv.open(rec)).toEqual({ kind: 'dropped', reason: 'ciphertext shorter than 16 bytes' });
      expect(recv.failedDecryptions).toBe(0);
    });

    it('drops any record with a flipped bit, header included, and counts the failure', () => {
      const sealed = new RecordProtection13(p, suite, keys).seal(ContentType.application_data, counting(20), 2, 5, { cid: CID });
      const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys));
      let failures = 0;
      for (let bit = 0; bit < sealed.length * 8; bit += 5) {
        const bad = sealed.slice();
        bad[bit >>> 3]! ^= 1 << (bit & 7);
        const parsed = parseDatagram13(bad, CID.length);
        if (parsed.records.length !== 1 || parsed.records[0]!.kind !== 'ciphertext' || parsed.records[0]!.epochBits !== 2) continue;
        const r = recv.open(parsed.records[0]!);
        expect(r.kind, `bit ${bit}`).toBe('dropped');
        if (r.kind === 'dropped' && r.reason === 'record failed authentication') failures++;
      }
      expect(recv.failedDecryptions).toBe(failures);
      expect(failures).toBeGreaterThan(10);
      expect(recv.open(only(sealed, CID.length))).toMatchObject({ kind: 'record', seq: 5 });
    });

    it('does not put the epoch in the nonce: the same sequence number in two epochs encrypts alike', () => {
      const prot = new RecordProtection13(p, suite, keys);
      const a = only(prot.seal(ContentType.application_data, counting(32), 2, 9));
      const b = only(prot.seal(ContentType.application_data, counting(32), 3, 9));
      const n = a.encryptedRecord.length - suite.tagLength;
      expect(toHex(a.encryptedRecord.subarray(0, n))).toBe(toHex(b.encryptedRecord.subarray(0, n)));
      expect(toHex(a.encryptedRecord)).not.toBe(toHex(b.encryptedRecord)); // the tag covers the header's epoch bits
    });
  });

  it('reconstructs sequence numbers across 8-bit wraps, in order and reordered within half a window', () => {
    const suite = SUITES_13[0]!;
    const keys = keysFor(p, suite);
    const send = new SendEpoch13(3, new RecordProtection13(p, suite, keys));
    const records = Array.from({ length: 600 }, (_, i) => send.seal(ContentType.application_data, Uint8Array.of(i & 0xff, i >> 8), { seqLength: 1 }));
    const recv = new ReceiveEpoch13(3, new RecordProtection13(p, suite, keys));
    const order = records.map((_, i) => i);
    for (let i = 0; i + 40 < order.length; i += 50) order.splice(i, 40, ...order.slice(i, i + 40).reverse());
    for (const i of order) {
      const r = recv.open(only(records[i]!));
      expect(r).toMatchObject({ kind: 'record', seq: i, content: Uint8Array.of(i & 0xff, i >> 8) });
    }
  });

  it('drops a replayed record after deprotecting it (§4.5.1)', () => {
    const suite = SUITES_13[2]!;
    const keys = keysFor(p, suite);
    const rec = only(new RecordProtection13(p, suite, keys).seal(ContentType.application_data, hex('01'), 2, 0));
    const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys));
    expect(recv.open(rec).kind).toBe('record');
    expect(recv.open(rec)).toEqual({ kind: 'dropped', reason: 'replayed or too old record' });
    expect(recv.failedDecryptions).toBe(0);
  });

  it('reports a fatal alert for an authenticated all-zero inner plaintext', () => {
    const suite = SUITES_13[0]!;
    const keys = keysFor(p, suite);
    // Seal by hand: the protection never produces this.
    const header = encodeUnifiedHeader({ epoch: 2, seq: 0, seqLength: 2, length: 20 + 16 });
    const body = p.createAead(suite.aead, keys.key).seal(recordNonce13(keys.iv, 0), header, new Uint8Array(20));
    const mask = referenceMask(suite, keys.sn, body.subarray(0, 16));
    header[1]! ^= mask[0]!;
    header[2]! ^= mask[1]!;
    const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys));
    expect(recv.open(only(concat(header, body)))).toMatchObject({ kind: 'fatal', alert: 'unexpected_message' });
  });
});

describe('AEAD limits (RFC 9147 §4.5.3)', () => {
  const p = providers[0]!;

  it('lists the confidentiality and integrity limits of each suite', () => {
    expect(Object.fromEntries(SUITES_13.map((s) => [s.name, [s.limits.confidentiality, s.limits.integrity]]))).toEqual({
      TLS_AES_128_GCM_SHA256: [23726566, 2 ** 36],
      TLS_AES_256_GCM_SHA384: [23726566, 2 ** 36],
      TLS_CHACHA20_POLY1305_SHA256: [2 ** 48 - 1, 2 ** 36],
      TLS_AES_128_CCM_SHA256: [2 ** 23, 11863283],
      TLS_AES_128_CCM_8_SHA256: [2 ** 23, 128],
    });
  });

  it('CCM_8: the integrity limit is reached after 2^7 failed decryptions', () => {
    const suite = SUITES_13[4]!;
    const keys = keysFor(p, suite);
    const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keys));
    const forged = only(concat(hex('2c 0000 0018'), counting(24)));
    for (let i = 0; i < 127; i++) recv.open(forged);
    expect(recv.integrityLimitReached).toBe(false);
    recv.open(forged);
    expect(recv.failedDecryptions).toBe(128);
    expect(recv.integrityLimitReached).toBe(true);
  });

  it('a sender stops at the confidentiality limit and says when to update keys', () => {
    const base = SUITES_13[0]!;
    const small: Suite13 = { ...base, limits: { ...base.limits, confidentiality: 4 } };
    const send = new SendEpoch13(3, new RecordProtection13(p, small, keysFor(p, base)));
    for (let i = 0; i < 4; i++) {
      expect(send.nearLimit()).toBe(i >= 3);
      send.seal(ContentType.application_data, hex('00'));
    }
    expect(send.exhausted).toBe(true);
    expect(() => send.seal(ContentType.application_data, hex('00'))).toThrow(DtlsError);
    expect(send.nextSeq).toBe(4);
  });

  it('epoch state refuses epochs 0 and 1 (plaintext and 0-RTT)', () => {
    const suite = SUITES_13[0]!;
    const prot = new RecordProtection13(p, suite, keysFor(p, suite));
    expect(() => new ReceiveEpoch13(1, prot)).toThrow(RangeError);
    expect(() => new SendEpoch13(0, prot)).toThrow(RangeError);
  });
});

describe('ReceiveEpoch13.open never throws', () => {
  it('on any bytes framed as a record of the epoch', () => {
    const p = providers[1]!;
    const suite = SUITES_13[2]!;
    const recv = new ReceiveEpoch13(2, new RecordProtection13(p, suite, keysFor(p, suite)));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (d) => {
      for (const r of parseDatagram13(d).records) if (r.kind === 'ciphertext') expect(['dropped', 'record', 'fatal']).toContain(recv.open(r).kind);
    }), { numRuns: 500 });
  });
});

describe('the replay window with DTLS 1.3 sequence numbers (RFC 9147 §4.5.1)', () => {
  it('holds 48-bit sequence numbers per epoch, up to 2^48 - 1', async () => {
    const { ReplayWindow } = await import('../../src/record/replay-window.js');
    const w = new ReplayWindow(64);
    const top = 2 ** 48 - 1;
    for (const s of [top - 100, top - 1, top]) {
      expect(w.check(s)).toBe(true);
      w.accept(s);
      expect(w.check(s)).toBe(false);
    }
    expect(w.check(top - 2)).toBe(true);
    expect(w.check(top - 64)).toBe(false); // left of the window
    expect(w.highest).toBe(top);
  });
});
