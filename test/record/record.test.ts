import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { DecodeError } from '../../src/errors.js';
import { ContentType, DTLS1_0, DTLS1_2, MAX_CIPHERTEXT, RECORD_HEADER_LENGTH, contentTypeName } from '../../src/record/content-type.js';
import { encodeRecord, parseDatagram, recordHeaderLength, writeRecordHeader, writeU48 } from '../../src/record/record.js';
import { concat, hex, toHex } from '../codec/hex.js';

/** A record header + body as hex, for building datagrams by hand. */
function rec(type: string, version: string, epoch: string, seq: string, body: string, length?: number): string {
  const n = length ?? body.replace(/\s+/g, '').length / 2;
  return `${type} ${version} ${epoch} ${seq} ${n.toString(16).padStart(4, '0')} ${body}`;
}

// A ClientHello-sized handshake record, a ChangeCipherSpec and an encrypted Finished, as flight 5 packs them.
const HS = rec('16', 'fefd', '0000', '000000000002', '10 000021 0002 000000 000021' + '20' + '11'.repeat(32));
const CCS = rec('14', 'fefd', '0000', '000000000003', '01');
const FIN = rec('16', 'fefd', '0001', '000000000000', '0001000000000000' + 'ab'.repeat(12 + 12 + 16));

describe('parseDatagram', () => {
  it('S-01 parses a datagram holding one record', () => {
    const data = hex(HS);
    const { records, dropped } = parseDatagram(data);
    expect(dropped).toBeUndefined();
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r.type).toBe(ContentType.handshake);
    expect(r.version).toBe(DTLS1_2);
    expect(r.epoch).toBe(0);
    expect(r.seq).toBe(2);
    expect(r.fragment.length).toBe(45);
    expect(r.fragment[0]).toBe(0x10);
    expect(r.raw).toEqual(data);
  });

  it('S-26 parses a datagram holding two records', () => {
    const { records, dropped } = parseDatagram(hex(HS + CCS));
    expect(dropped).toBeUndefined();
    expect(records.map((r) => [r.type, r.epoch, r.seq, r.fragment.length])).toEqual([
      [22, 0, 2, 45],
      [20, 0, 3, 1],
    ]);
  });

  it('S-26 parses a datagram holding three records across two epochs', () => {
    const data = hex(HS + CCS + FIN);
    const { records, dropped } = parseDatagram(data);
    expect(dropped).toBeUndefined();
    expect(records).toHaveLength(3);
    expect(records[2]!.epoch).toBe(1);
    expect(records[2]!.seq).toBe(0);
    expect(records[2]!.fragment.length).toBe(48);
    // raw slices are contiguous and cover the datagram exactly
    expect(concat(...records.map((r) => r.raw))).toEqual(data);
    expect(toHex(records[1]!.raw)).toBe(CCS.replace(/\s+/g, ''));
  });

  it('returns fragments that alias the datagram (S-66: callers copy what they keep)', () => {
    const data = hex(CCS);
    const { records } = parseDatagram(data);
    data[RECORD_HEADER_LENGTH] = 0x02;
    expect(records[0]!.fragment[0]).toBe(0x02);
  });

  it('reads 48-bit sequence numbers across the 32-bit boundary exactly (S-64)', () => {
    const seqs = ['0000ffffffff', '000100000000', 'fffffffffffe', 'ffffffffffff'];
    // one-byte bodies: zero-length records are dropped (REC-06)
    const { records } = parseDatagram(hex(seqs.map((s) => rec('17', 'fefd', 'ffff', s, '00')).join('')));
    expect(records.map((r) => r.seq)).toEqual([2 ** 32 - 1, 2 ** 32, 2 ** 48 - 2, 2 ** 48 - 1]);
    expect(records.every((r) => r.epoch === 0xffff)).toBe(true);
  });

  it('keeps the version and type as sent, for the record layer to judge', () => {
    const { records } = parseDatagram(hex(rec('63', '0303', '0000', '000000000000', '00') + rec('00', '0000', '0000', '000000000001', '00')));
    expect(records.map((r) => [r.type, r.version])).toEqual([[99, 0x0303], [0, 0]]);
  });

  it('accepts a record of exactly 2^14+2048 bytes', () => {
    const body = new Uint8Array(MAX_CIPHERTEXT);
    const { records, dropped } = parseDatagram(encodeRecord(23, DTLS1_2, 1, 0, body));
    expect(dropped).toBeUndefined();
    expect(records[0]!.fragment.length).toBe(MAX_CIPHERTEXT);
  });

  it('REC-06 yields no records and throws nothing for an empty datagram', () => {
    expect(parseDatagram(new Uint8Array(0))).toEqual({ records: [] });
  });

  it.each([1, 5, 12])('REC-06 drops a %d-byte datagram, shorter than a record header', (n) => {
    const { records, dropped } = parseDatagram(hex(HS).subarray(0, n));
    expect(records).toEqual([]);
    expect(dropped).toBe('truncated record header');
  });

  it('REC-06 drops a header-only tail after a good record, keeping the good record', () => {
    const { records, dropped } = parseDatagram(hex(CCS + HS).subarray(0, 14 + 12));
    expect(records).toHaveLength(1);
    expect(dropped).toBe('truncated record header');
  });

  it('S-02 REC-06 drops a record whose length runs one byte past the datagram, and the rest of it', () => {
    const { records, dropped } = parseDatagram(hex(rec('16', 'fefd', '0000', '000000000000', 'aabb', 3)));
    expect(records).toEqual([]);
    expect(dropped).toBe('record length past end of datagram');
  });

  it('S-02 REC-06 keeps the records before a bad length and drops everything from it on', () => {
    const bad = rec('16', 'fefd', '0000', '000000000004', 'aabb', 0x100);
    const { records, dropped } = parseDatagram(hex(HS + CCS + bad + FIN));
    expect(records.map((r) => r.seq)).toEqual([2, 3]);
    expect(dropped).toBe('record length past end of datagram');
  });

  it('S-02 REC-06 drops a record longer than 2^14+2048 even when the bytes are there, and the rest', () => {
    const long = new Uint8Array(RECORD_HEADER_LENGTH + MAX_CIPHERTEXT + 1 + 14);
    long.set(hex('17 fefd 0001 000000000007'), 0);
    long[11] = (MAX_CIPHERTEXT + 1) >>> 8;
    long[12] = (MAX_CIPHERTEXT + 1) & 0xff;
    long.set(hex(CCS), RECORD_HEADER_LENGTH + MAX_CIPHERTEXT + 1);
    const { records, dropped } = parseDatagram(concat(hex(CCS), long));
    expect(records).toHaveLength(1);
    expect(dropped).toBe('record length above 2^14+2048');
  });

  it('S-02 drops a length of 0xffff before looking for the bytes', () => {
    const { records, dropped } = parseDatagram(hex(rec('17', 'fefd', '0001', '000000000000', '', 0xffff)));
    expect(records).toEqual([]);
    expect(dropped).toBe('record length above 2^14+2048');
  });

  it('REC-06 drops a zero-length record and the rest of the datagram', () => {
    const empty = rec('16', 'fefd', '0000', '000000000005', '');
    const { records, dropped } = parseDatagram(hex(CCS + empty + HS));
    expect(records.map((r) => r.seq)).toEqual([3]);
    expect(dropped).toBe('zero-length record');
  });

  it('REC-06 drops a datagram that is one zero-length record', () => {
    expect(parseDatagram(encodeRecord(23, DTLS1_2, 1, 0, new Uint8Array(0)))).toEqual({ records: [], dropped: 'zero-length record' });
  });

  it('never throws, and the records it returns tile a prefix of the datagram', () => {
    const recordish = fc.tuple(
      fc.constantFrom(20, 21, 22, 23, 0, 99),
      fc.constantFrom(DTLS1_2, DTLS1_0, 0x0303),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 2 ** 48 - 1 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: -3, max: 3 }),
    ).map(([t, v, e, s, body, skew]) => {
      const out = encodeRecord(t, v, e, s, body);
      const n = Math.max(0, body.length + skew);
      out[11] = n >>> 8;
      out[12] = n & 0xff;
      return out;
    });
    const datagram = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.array(recordish, { maxLength: 4 }).map((rs) => concat(...rs)),
    );
    fc.assert(fc.property(datagram, (data) => {
      const { records, dropped } = parseDatagram(data);
      let off = 0;
      for (const r of records) {
        expect(r.raw.byteOffset - data.byteOffset).toBe(off);
        expect(r.raw.length).toBe(RECORD_HEADER_LENGTH + r.fragment.length);
        expect(r.fragment.length).toBeLessThanOrEqual(MAX_CIPHERTEXT);
        off += r.raw.length;
      }
      if (dropped === undefined) expect(off).toBe(data.length);
      else expect(off).toBeLessThan(data.length);
    }), { numRuns: 1000 });
  });
});

describe('writeRecordHeader and encodeRecord', () => {
  it('writes the 13-byte header at an offset', () => {
    const out = new Uint8Array(16).fill(0xee);
    writeRecordHeader(out, 2, ContentType.application_data, DTLS1_2, 0x0102, 0x030405060708, 0x090a);
    expect(toHex(out)).toBe('eeee' + '17 fefd 0102 030405060708 090a'.replace(/\s+/g, '') + 'ee');
  });

  it('encodes a ChangeCipherSpec record byte for byte', () => {
    expect(toHex(encodeRecord(ContentType.change_cipher_spec, DTLS1_2, 0, 3, hex('01')))).toBe('14fefd00000000000000030001' + '01');
  });

  it('encodes an epoch-0 DTLS 1.0 handshake record (HelloVerifyRequest framing)', () => {
    const body = hex('03 000003 0000 000000 000003 feff00');
    expect(toHex(encodeRecord(ContentType.handshake, DTLS1_0, 0, 0, body)))
      .toBe('16feff000000000000000000' + '0f' + toHex(body));
  });

  it('S-64 writes sequence numbers at the 2^32 and 2^48-1 boundaries', () => {
    const hdr = (seq: number) => toHex(encodeRecord(23, DTLS1_2, 1, seq, new Uint8Array(0)).subarray(5, 11));
    expect(hdr(2 ** 32 - 1)).toBe('0000ffffffff');
    expect(hdr(2 ** 32)).toBe('000100000000');
    expect(hdr(2 ** 32 + 0x80)).toBe('000100000080');
    expect(hdr(2 ** 47 + 2 ** 31)).toBe('800080000000');
    expect(hdr(2 ** 48 - 1)).toBe('ffffffffffff');
  });

  it('encodes records that parseDatagram reads back field for field', () => {
    // tls12_cid (25) has a different header; it has its own test below.
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 255 }).filter((t) => t !== 25), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 1, maxLength: 100 }),
      (type, version, epoch, seq, body) => {
        const data = encodeRecord(type, version, epoch, seq, body);
        const { records, dropped } = parseDatagram(data);
        expect(dropped).toBeUndefined();
        expect(records).toHaveLength(1);
        const r = records[0]!;
        expect([r.type, r.version, r.epoch, r.seq]).toEqual([type, version, epoch, seq]);
        expect(r.fragment).toEqual(body);
      },
    ), { numRuns: 500 });
  });

  it('refuses a fragment longer than 2^14+2048', () => {
    expect(() => encodeRecord(23, DTLS1_2, 1, 0, new Uint8Array(MAX_CIPHERTEXT + 1))).toThrow(DecodeError);
  });
});

describe('writeU48', () => {
  it.each([
    [0, '000000000000'],
    [0xffffffff, '0000ffffffff'],
    [2 ** 32, '000100000000'],
    [2 ** 32 + 1, '000100000001'],
    [2 ** 40 + 2 ** 31, '010080000000'],
    [2 ** 48 - 2, 'fffffffffffe'],
    [2 ** 48 - 1, 'ffffffffffff'],
  ])('S-64 writes %d as %s', (v, h) => {
    const out = new Uint8Array(8);
    writeU48(out, 1, v);
    expect(toHex(out)).toBe(`00${h}00`);
  });

  it('S-64 agrees with Reader.u48 over the whole 48-bit range', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (v) => {
      const out = new Uint8Array(6);
      writeU48(out, 0, v);
      expect(new Reader(out).u48()).toBe(v);
    }), { numRuns: 1000 });
  });
});

describe('content types', () => {
  it('names known content types and numbers unknown ones', () => {
    expect(contentTypeName(22)).toBe('handshake');
    expect(contentTypeName(25)).toBe('tls12_cid');
    expect(contentTypeName(99)).toBe('content_type(99)');
  });

  it('uses the DTLS version numbers, which count down', () => {
    expect(DTLS1_2).toBe(0xfefd);
    expect(DTLS1_0).toBe(0xfeff);
  });
});

describe('tls12_cid records (RFC 9146 §4)', () => {
  const cidRecord = Uint8Array.from([25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 7, 0xaa, 0xbb, 0xcc, 0, 3, 1, 2, 3]);

  it('reads the CID between the sequence number and the length when its length is known', () => {
    const { records, dropped } = parseDatagram(cidRecord, 3);
    expect(dropped).toBeUndefined();
    expect(records[0]!.cid).toEqual(Uint8Array.from([0xaa, 0xbb, 0xcc]));
    expect(records[0]!.seq).toBe(7);
    expect(records[0]!.fragment).toEqual(Uint8Array.from([1, 2, 3]));
    expect(records[0]!.raw).toEqual(cidRecord);
  });

  it('drops a tls12_cid record when no CID was negotiated (its length is unknown)', () => {
    const { records, dropped } = parseDatagram(cidRecord);
    expect(records).toHaveLength(0);
    expect(dropped).toMatch(/cid/);
  });

  it('with a CID length, only tls12_cid records have the longer header: other types keep 13 bytes', () => {
    expect(recordHeaderLength(ContentType.tls12_cid, 3)).toBe(16);
    expect(recordHeaderLength(ContentType.handshake, 3)).toBe(RECORD_HEADER_LENGTH);
    // A 15-byte handshake record (2-byte fragment) reads whole with a CID length of 8.
    const { records, dropped } = parseDatagram(encodeRecord(ContentType.handshake, DTLS1_2, 0, 4, Uint8Array.of(7, 8)), 8);
    expect(dropped).toBeUndefined();
    expect(records.map((r) => [r.type, r.seq, toHex(r.fragment)])).toEqual([[ContentType.handshake, 4, '0708']]);
  });

  it('a tail shorter than a record header is truncated, whatever type its first byte names', () => {
    expect(parseDatagram(Uint8Array.of(25, 0xfe, 0xfd)).dropped).toBe('truncated record header');
    expect(parseDatagram(Uint8Array.of(22, 0xfe, 0xfd)).dropped).toBe('truncated record header');
  });

  it('drops a truncated tls12_cid header', () => {
    expect(parseDatagram(cidRecord.subarray(0, 15), 3).dropped).toBe('truncated record header');
  });

  it('reads a whole tls12_cid header with a zero length, then drops the record as empty (REC-06)', () => {
    const header = cidRecord.slice(0, 16);
    header[14] = 0;
    header[15] = 0;
    expect(parseDatagram(header, 3).dropped).toBe('zero-length record');
  });
});

