import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CiphertextRecord13, encodePlaintextRecord13, encodeUnifiedHeader, isUnifiedHeader, parseDatagram13,
} from '../../src/dtls13/record.js';
import { concat, counting, hex, toHex } from '../codec/hex.js';

/** ACK (26) in epoch 0, then a full unified header (C=1, S=1, L=1, epoch 3), then a minimal one (S=0, L=0, epoch 2). */
const CID = hex('c1d2');
const DATAGRAM = hex([
  '1a fefd 0000 000000000007 0002 0000', //        DTLSPlaintext: ack, epoch 0, seq 7, 2 bytes
  '3f c1d2 1234 0011', //                          001 1 1 1 11: CID c1d2, seq 0x1234, length 17
  '000102030405060708090a0b0c0d0e0f10', //          encrypted_record (17 bytes)
  '32 c1d2 ab', //                                  001 1 0 0 10: CID, 8-bit seq 0xab, no length, epoch 2
  '101112131415161718191a1b1c1d1e1f', //            encrypted_record: the rest of the datagram
].join(' '));

describe('parseDatagram13 (RFC 9147 §4)', () => {
  it('splits a datagram into a plaintext ACK, a full unified header and a minimal one without length', () => {
    const { records, dropped } = parseDatagram13(DATAGRAM, 2);
    expect(dropped).toBeUndefined();
    expect(records.map((r) => r.kind)).toEqual(['plaintext', 'ciphertext', 'ciphertext']);
    const [a, b, c] = records as [Extract<typeof records[0], { kind: 'plaintext' }>, CiphertextRecord13, CiphertextRecord13];
    expect([a.type, a.version, a.epoch, a.seq, toHex(a.fragment)]).toEqual([26, 0xfefd, 0, 7, '0000']);
    expect([b.epochBits, toHex(b.cid!), b.seqLength, b.lengthPresent, b.seqOffset, toHex(b.header)]).toEqual([3, 'c1d2', 2, true, 3, '3fc1d212340011']);
    expect(toHex(b.encryptedRecord)).toBe(toHex(counting(17)));
    expect([c.epochBits, c.seqLength, c.lengthPresent, toHex(c.header)]).toEqual([2, 1, false, '32c1d2ab']);
    expect(toHex(c.encryptedRecord)).toBe(toHex(counting(16, 0x10)));
    expect(toHex(concat(...records.map((r) => r.raw)))).toBe(toHex(DATAGRAM));
  });

  it('a record without the L bit runs to the end of the datagram, whatever follows', () => {
    const d = hex('20 05 1a fefd 0000 000000000000 0001 00');
    const { records } = parseDatagram13(d);
    expect(records).toHaveLength(1);
    expect(toHex((records[0] as CiphertextRecord13).encryptedRecord)).toBe('1afefd0000000000000000000100');
  });

  it('reads alert, handshake and ack as DTLSPlaintext and 0x20..0x3f as DTLSCiphertext (§4.1)', () => {
    for (const t of [21, 22, 26]) expect(parseDatagram13(encodePlaintextRecord13(t, 1, hex('01')), 0).records[0]!.kind).toBe('plaintext');
    for (let b = 0; b < 256; b++) expect(isUnifiedHeader(b)).toBe(b >= 0x20 && b <= 0x3f);
  });

  it.each([
    ['change_cipher_spec', '14 fefd 0000 000000000000 0001 01', 'not a DTLS 1.3 record (first byte 20)'],
    ['plaintext application data', '17 fefd 0000 000000000000 0001 01', 'not a DTLS 1.3 record (first byte 23)'],
    ['a DTLS 1.2 tls12_cid record', '19 fefd 0001 000000000000 0001 01', 'not a DTLS 1.3 record (first byte 25)'],
    ['a first byte 0x40', '40 00 00', 'not a DTLS 1.3 record (first byte 64)'],
  ])('drops %s', (_, bytes, reason) => {
    expect(parseDatagram13(hex(bytes))).toEqual({ records: [], dropped: reason });
  });

  it('drops a plaintext record of another epoch than 0', () => {
    expect(parseDatagram13(hex('16 fefd 0002 000000000000 0001 01')).dropped).toBe('plaintext record in epoch 2');
  });

  it('drops a truncated plaintext header and keeps the records before it', () => {
    const ok = encodePlaintextRecord13(22, 0, hex('01'));
    const res = parseDatagram13(concat(ok, hex('16 fefd 0000 0000')));
    expect(res.records).toHaveLength(1);
    expect(res.dropped).toBe('truncated record header');
  });

  it.each([
    ['a missing 16-bit sequence number', '28 aa', 0],
    ['a missing length', '2c aabb 00', 0],
    ['a short CID', '30 c1', 2],
  ])('drops a unified header with %s', (_, bytes, cidLength) => {
    expect(parseDatagram13(hex(bytes), cidLength).dropped).toBe('truncated record header');
  });

  it('drops a record whose length runs past the datagram', () => {
    expect(parseDatagram13(hex('24 01 0011 000102'), 0).dropped).toBe('record length past end of datagram');
  });

  it('drops zero-length records, plaintext and ciphertext', () => {
    expect(parseDatagram13(hex('16 fefd 0000 000000000000 0000')).dropped).toBe('zero-length record');
    expect(parseDatagram13(hex('24 01 0000')).dropped).toBe('zero-length record');
    expect(parseDatagram13(hex('20 01')).dropped).toBe('zero-length record');
  });

  it('drops records above 2^14 + 256 (ciphertext) and 2^14 (plaintext)', () => {
    const big = new Uint8Array(2 ** 14 + 257);
    expect(parseDatagram13(concat(hex('24 01 4101'), big)).dropped).toBe('record length above 2^14+256');
    expect(parseDatagram13(concat(hex('20 01'), big)).dropped).toBe('record length above 2^14+256');
    expect(parseDatagram13(concat(hex('24 01 4100'), big.subarray(1))).dropped).toBeUndefined();
    expect(parseDatagram13(concat(hex('16 fefd 0000 000000000000 4001'), big)).dropped).toBe('record length above 2^14');
  });

  it('drops a record with a CID when none was negotiated (§9.1)', () => {
    expect(parseDatagram13(hex('34 c1d2 01 0001 00'), 0).dropped).toBe('record with a CID, none negotiated');
  });

  it('drops a record without the CID when one was negotiated (§4)', () => {
    expect(parseDatagram13(hex('24 01 0001 00'), 2).dropped).toBe('record without the negotiated CID');
  });

  it('drops the rest of a datagram whose later record has another CID (§4)', () => {
    const res = parseDatagram13(hex('34 c1d2 01 0001 00  34 c1d3 02 0001 00'), 2);
    expect(res.records).toHaveLength(1);
    expect(res.dropped).toBe('CID differs from the first record of the datagram');
  });

  it('never throws, and the records tile the datagram up to where it stopped', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 4 }), (d, cidLength) => {
      const res = parseDatagram13(d, cidLength);
      const used = concat(...res.records.map((r) => r.raw));
      expect(toHex(d.subarray(0, used.length))).toBe(toHex(used));
      if (res.dropped === undefined) expect(used.length).toBe(d.length);
      for (const r of res.records) {
        if (r.kind === 'ciphertext') expect(toHex(r.raw)).toBe(toHex(concat(r.header, r.encryptedRecord)));
      }
    }), { numRuns: 2000 });
  });
});

describe('encodeUnifiedHeader (RFC 9147 §4)', () => {
  it('writes the full form: 001 C S L EE, CID, 16-bit sequence number, length', () => {
    expect(toHex(encodeUnifiedHeader({ epoch: 7, seq: 0x1_2345_6789, seqLength: 2, cid: CID, length: 0x0123 }))).toBe('3fc1d267890123');
  });

  it('writes the minimal form: 8-bit sequence number, no CID, no length', () => {
    expect(toHex(encodeUnifiedHeader({ epoch: 2, seq: 0x1ff, seqLength: 1 }))).toBe('22ff');
  });

  it('refuses an empty CID (sent as C = 0) and lengths out of range', () => {
    expect(() => encodeUnifiedHeader({ epoch: 2, seq: 0, seqLength: 1, cid: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeUnifiedHeader({ epoch: 2, seq: 0, seqLength: 1, length: 0 })).toThrow(RangeError);
    expect(() => encodeUnifiedHeader({ epoch: 2, seq: 0, seqLength: 1, length: 2 ** 14 + 257 })).toThrow(RangeError);
  });

  it('parses back to what was encoded, for every combination of bits', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 2 ** 48 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.constantFrom(1 as const, 2 as const),
      fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 }), { nil: undefined }), fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 40 }),
      (epoch, seq, seqLength, cid, withLength, body) => {
        const header = encodeUnifiedHeader({ epoch, seq, seqLength, ...(cid && { cid }), ...(withLength && { length: body.length }) });
        const { records, dropped } = parseDatagram13(concat(header, body), cid?.length ?? 0);
        expect(dropped).toBeUndefined();
        const r = records[0] as CiphertextRecord13;
        expect([r.epochBits, r.seqLength, r.lengthPresent, toHex(r.header), toHex(r.encryptedRecord)])
          .toEqual([epoch % 4, seqLength, withLength, toHex(header), toHex(body)]);
        const wire = seqLength === 1 ? r.header[r.seqOffset]! : (r.header[r.seqOffset]! << 8) | r.header[r.seqOffset + 1]!;
        expect(wire).toBe(seq % (seqLength === 1 ? 0x100 : 0x10000));
      },
    ), { numRuns: 500 });
  });
});

describe('encodePlaintextRecord13', () => {
  it('writes type, version, epoch 0, the 48-bit sequence number and the length', () => {
    expect(toHex(encodePlaintextRecord13(22, 2 ** 40 + 5, hex('0102'), 0xfeff))).toBe('16feff00000100000000050002' + '0102');
  });

  it('refuses an empty or oversized fragment and a sequence number past 2^48 - 1', () => {
    expect(() => encodePlaintextRecord13(22, 0, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodePlaintextRecord13(22, 0, new Uint8Array(2 ** 14 + 1))).toThrow(RangeError);
    expect(() => encodePlaintextRecord13(22, 2 ** 48, hex('01'))).toThrow(RangeError);
  });
});
