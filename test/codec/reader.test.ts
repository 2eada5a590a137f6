import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader, copyBytes } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { DecodeError } from '../../src/errors.js';
import { hex, toHex } from './hex.js';

/** Run `f` and return the DecodeError it throws (fails the test otherwise). */
function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError, nothing was thrown');
}

describe('Reader integers', () => {
  it('reads u8, u16, u24 and u48 big-endian and advances the offset', () => {
    const r = new Reader(hex('ab | 1234 | 56789a | 0102030405 06'));
    expect(r.remaining).toBe(12);
    expect(r.u8()).toBe(0xab);
    expect(r.offset).toBe(1);
    expect(r.u16()).toBe(0x1234);
    expect(r.offset).toBe(3);
    expect(r.u24()).toBe(0x56789a);
    expect(r.offset).toBe(6);
    expect(r.u48()).toBe(0x010203040506);
    expect(r.offset).toBe(12);
    expect(r.remaining).toBe(0);
  });

  it('reads the largest value of each width without going negative', () => {
    const r = new Reader(hex('ff ffff ffffff ffffffffffff'));
    expect(r.u8()).toBe(0xff);
    expect(r.u16()).toBe(0xffff);
    expect(r.u24()).toBe(0xffffff);
    expect(r.u48()).toBe(2 ** 48 - 1);
  });

  it.each([
    ['000000000000', 0],
    ['000000000001', 1],
    ['00007fffffff', 2 ** 31 - 1],
    ['000080000000', 2 ** 31],
    ['0000ffffffff', 2 ** 32 - 1],
    ['000100000000', 2 ** 32],
    ['000100000001', 2 ** 32 + 1],
    ['00ffffffffff', 2 ** 40 - 1],
    ['7fffffffffff', 2 ** 47 - 1],
    ['800000000000', 2 ** 47],
    ['800080000000', 2 ** 47 + 2 ** 31],
    ['fffffffffffe', 2 ** 48 - 2],
    ['ffffffffffff', 2 ** 48 - 1],
  ])('reads u48 %s exactly as %d (S-64)', (h, v) => {
    expect(new Reader(hex(h)).u48()).toBe(v);
  });

  it('reads every u48 up to 2^48-1 exactly as the writer wrote it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (v) => {
      const bytes = new Writer(6).u48(v).finish();
      expect(bytes.length).toBe(6);
      expect(new Reader(bytes).u48()).toBe(v);
      // The same value as a BigInt, big-endian.
      expect(BigInt(`0x${toHex(bytes)}`)).toBe(BigInt(v));
    }), { numRuns: 1000 });
  });

  it.each([
    ['u8', 0, (r: Reader) => r.u8('content_type')],
    ['u16', 1, (r: Reader) => r.u16('content_type')],
    ['u24', 2, (r: Reader) => r.u24('content_type')],
    ['u48', 5, (r: Reader) => r.u48('content_type')],
  ] as const)('rejects a short %s with a DecodeError naming the field', (_name, have, read) => {
    const err = decodeError(() => read(new Reader(new Uint8Array(have))));
    expect(err.message).toContain('content_type');
    expect(err.code).toBe('ERR_DTLS_DECODE');
    expect(err.alert).toBe('decode_error');
  });

  it('names the method when no field name is given', () => {
    expect(decodeError(() => new Reader(new Uint8Array(1)).u16()).message).toMatch(/^u16: need 2 bytes, 1 left/);
    expect(decodeError(() => new Reader(new Uint8Array(2)).u24()).message).toMatch(/^u24: need 3 bytes, 2 left/);
    expect(decodeError(() => new Reader(new Uint8Array(0)).u8()).message).toMatch(/^u8: need 1 bytes, 0 left/);
    expect(decodeError(() => new Reader(new Uint8Array(5)).u48()).message).toMatch(/^u48: need 6 bytes, 5 left/);
  });

  it('does not advance when a read fails', () => {
    const r = new Reader(hex('0102'));
    r.u8();
    expect(() => r.u16()).toThrow(DecodeError);
    expect(r.offset).toBe(1);
    expect(r.u8()).toBe(2);
  });
});

describe('Reader bytes and rest', () => {
  it('returns n bytes that alias the input', () => {
    const buf = hex('0102030405');
    const r = new Reader(buf);
    r.u8();
    const b = r.bytes(3, 'random');
    expect(toHex(b)).toBe('020304');
    buf[1] = 0xee;
    expect(b[0]).toBe(0xee);
    expect(r.remaining).toBe(1);
  });

  it('copyBytes returns bytes that no longer alias the input (S-66)', () => {
    const buf = hex('0102030405');
    const kept = copyBytes(new Reader(buf).bytes(3));
    buf.fill(0);
    expect(toHex(kept)).toBe('010203');
    expect(kept.buffer).not.toBe(buf.buffer);
  });

  it('reads zero bytes at the end of the input', () => {
    const r = new Reader(hex('01'));
    r.u8();
    expect(r.bytes(0).length).toBe(0);
    expect(r.remaining).toBe(0);
  });

  it('rejects bytes past the end, naming the field, instead of clamping (S-63)', () => {
    const r = new Reader(hex('010203'));
    const err = decodeError(() => r.bytes(4, 'random'));
    expect(err.message).toBe('random: need 4 bytes, 3 left');
    expect(r.offset).toBe(0);
  });

  it('rest() returns everything left and empties the reader', () => {
    const r = new Reader(hex('aabbcc'));
    r.u8();
    expect(toHex(r.rest())).toBe('bbcc');
    expect(r.remaining).toBe(0);
    expect(r.rest().length).toBe(0);
  });

  it('honours a start and end window over a larger buffer', () => {
    const r = new Reader(hex('00 1122 33'), 1, 3);
    expect(r.offset).toBe(1);
    expect(r.remaining).toBe(2);
    expect(r.u16()).toBe(0x1122);
    expect(() => r.u8('past window')).toThrow(/past window/);
    r.end();
  });
});

describe('Reader vectors', () => {
  it.each([
    ['vec8', '03 aabbcc ff', (r: Reader) => r.vec8(0, 255, 'cookie')],
    ['vec16', '0003 aabbcc ff', (r: Reader) => r.vec16(0, 0xffff, 'cookie')],
    ['vec24', '000003 aabbcc ff', (r: Reader) => r.vec24(0, 0xffffff, 'cookie')],
  ] as const)('%s reads a length-prefixed body and stops after it', (_n, h, read) => {
    const r = new Reader(hex(h));
    expect(toHex(read(r))).toBe('aabbcc');
    expect(r.u8()).toBe(0xff);
    r.end();
  });

  it.each([
    ['vec8', '00', (r: Reader) => r.vec8(0, 32, 'session_id')],
    ['vec16', '0000', (r: Reader) => r.vec16(0, 32, 'session_id')],
    ['vec24', '000000', (r: Reader) => r.vec24(0, 32, 'session_id')],
  ] as const)('%s reads an empty vector when 0 is allowed', (_n, h, read) => {
    expect(read(new Reader(hex(h))).length).toBe(0);
  });

  it.each([
    ['vec8 below min', '00', (r: Reader) => r.vec8(1, 255, 'compression_methods'), 'compression_methods: length 0 outside 1..255'],
    ['vec8 above max', '21' + '00'.repeat(33), (r: Reader) => r.vec8(0, 32, 'session_id'), 'session_id: length 33 outside 0..32'],
    ['vec16 below min', '0001 00', (r: Reader) => r.vec16(2, 0xfffe, 'cipher_suites'), 'cipher_suites: length 1 outside 2..65534'],
    ['vec16 above max', 'ffff', (r: Reader) => r.vec16(2, 0xfffe, 'cipher_suites'), 'cipher_suites: length 65535 outside 2..65534'],
    ['vec24 below min', '000000', (r: Reader) => r.vec24(1, 0xffffff, 'ASN.1Cert'), 'ASN.1Cert: length 0 outside 1..16777215'],
    ['vec24 above max', '010000', (r: Reader) => r.vec24(0, 0xffff, 'certificate_list'), 'certificate_list: length 65536 outside 0..65535'],
  ] as const)('rejects a %s length with a DecodeError naming the field', (_n, h, read, message) => {
    expect(decodeError(() => read(new Reader(hex(h)))).message).toBe(message);
  });

  it.each([
    ['vec8', '04 aabbcc', (r: Reader) => r.vec8(0, 255, 'cookie')],
    ['vec16', '0004 aabbcc', (r: Reader) => r.vec16(0, 0xffff, 'cookie')],
    ['vec24', '000004 aabbcc', (r: Reader) => r.vec24(0, 0xffffff, 'cookie')],
  ] as const)('rejects a %s whose length runs one byte past the end', (_n, h, read) => {
    expect(decodeError(() => read(new Reader(hex(h)))).message).toBe('cookie: need 4 bytes, 3 left');
  });

  it.each([
    ['vec8', '', (r: Reader) => r.vec8(0, 255, 'cookie')],
    ['vec16', '00', (r: Reader) => r.vec16(0, 0xffff, 'cookie')],
    ['vec24', '0000', (r: Reader) => r.vec24(0, 0xffffff, 'cookie')],
  ] as const)('rejects a %s whose length prefix itself is cut short', (_n, h, read) => {
    expect(decodeError(() => read(new Reader(hex(h)))).message).toMatch(/^cookie: need \d bytes/);
  });
});

describe('Reader sub-readers', () => {
  it('sub() reads only its own bytes and the parent skips them', () => {
    const r = new Reader(hex('0102 0304 05'));
    const s = r.sub(2, 'list');
    expect(r.offset).toBe(2);
    expect(s.remaining).toBe(2);
    expect(s.u16()).toBe(0x0102);
    expect(() => s.u8('item')).toThrow(/item: need 1 bytes, 0 left/);
    s.end('list');
    expect(r.u16()).toBe(0x0304);
    expect(r.u8()).toBe(5);
  });

  it('sub() cannot read the bytes after it even though the buffer continues', () => {
    const r = new Reader(hex('0102 ffffffff'));
    const s = r.sub(2);
    expect(() => s.u24('element')).toThrow(DecodeError);
    expect(() => s.bytes(3, 'element')).toThrow(DecodeError);
    expect(() => s.vec8(0, 255, 'element')).not.toThrow(); // length 1, body 02
    expect(s.remaining).toBe(0);
  });

  it('sub() rejects a length past the end, naming the field', () => {
    const r = new Reader(hex('0102'));
    expect(decodeError(() => r.sub(3, 'extensions')).message).toBe('extensions: need 3 bytes, 2 left');
    expect(r.offset).toBe(0);
  });

  it('a sub-reader end() reports its own trailing bytes', () => {
    const s = new Reader(hex('010203')).sub(3);
    s.u8();
    expect(decodeError(() => s.end('supported_groups')).message).toBe('supported_groups: 2 trailing bytes');
  });

  it.each([
    ['subVec8', '02 aabb cc', (r: Reader) => r.subVec8(0, 255, 'list')],
    ['subVec16', '0002 aabb cc', (r: Reader) => r.subVec16(0, 0xffff, 'list')],
    ['subVec24', '000002 aabb cc', (r: Reader) => r.subVec24(0, 0xffffff, 'list')],
  ] as const)('%s gives a reader over the vector body and skips it in the parent', (_n, h, read) => {
    const r = new Reader(hex(h));
    const s = read(r);
    expect(s.u16()).toBe(0xaabb);
    s.end();
    expect(r.u8()).toBe(0xcc);
    r.end();
  });

  it.each([
    ['subVec8 below min', '00', (r: Reader) => r.subVec8(1, 255, 'list'), 'list: length 0 outside 1..255'],
    ['subVec8 above max', '03 000000', (r: Reader) => r.subVec8(0, 2, 'list'), 'list: length 3 outside 0..2'],
    ['subVec16 below min', '0001 00', (r: Reader) => r.subVec16(2, 0xfffe, 'list'), 'list: length 1 outside 2..65534'],
    ['subVec16 above max', 'ffff', (r: Reader) => r.subVec16(0, 0xfffe, 'list'), 'list: length 65535 outside 0..65534'],
    ['subVec24 below min', '000000', (r: Reader) => r.subVec24(1, 10, 'list'), 'list: length 0 outside 1..10'],
    ['subVec24 above max', '00000b', (r: Reader) => r.subVec24(1, 10, 'list'), 'list: length 11 outside 1..10'],
    ['subVec8 past end', '03 0000', (r: Reader) => r.subVec8(0, 255, 'list'), 'list: need 3 bytes, 2 left'],
    ['subVec16 past end', '0003 0000', (r: Reader) => r.subVec16(0, 0xffff, 'list'), 'list: need 3 bytes, 2 left'],
    ['subVec24 past end', '000003 0000', (r: Reader) => r.subVec24(0, 0xffffff, 'list'), 'list: need 3 bytes, 2 left'],
  ] as const)('rejects a %s with a DecodeError naming the field', (_n, h, read, message) => {
    expect(decodeError(() => read(new Reader(hex(h)))).message).toBe(message);
  });
});

describe('Reader end', () => {
  it('passes when every byte was read', () => {
    const r = new Reader(hex('01'));
    r.u8();
    expect(() => r.end()).not.toThrow();
  });

  it('passes on empty input', () => {
    expect(() => new Reader(new Uint8Array(0)).end()).not.toThrow();
  });

  it('rejects trailing bytes, naming the message and the count', () => {
    const r = new Reader(hex('010203'));
    r.u8();
    expect(decodeError(() => r.end('Finished')).message).toBe('Finished: 2 trailing bytes');
    expect(decodeError(() => new Reader(hex('00')).end()).message).toBe('message: 1 trailing bytes');
  });
});

describe('Reader on arbitrary input', () => {
  type Op = (r: Reader) => unknown;
  const ops: Op[] = [
    (r) => r.u8(), (r) => r.u16(), (r) => r.u24(), (r) => r.u48(),
    (r) => r.bytes(3), (r) => r.vec8(0, 255), (r) => r.vec8(1, 4), (r) => r.vec16(0, 0xffff),
    (r) => r.vec16(2, 0xfffe), (r) => r.vec24(0, 0xffffff), (r) => r.sub(2).u16(),
    (r) => r.subVec8(0, 255, 'x').rest(), (r) => r.subVec16(0, 0xffff, 'x').end('x'), (r) => r.subVec24(1, 100, 'x'),
    (r) => r.end(),
  ];

  it('throws only DecodeError and never moves past the end, whatever the reads', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.integer({ min: 0, max: ops.length - 1 }), { maxLength: 20 }),
      (bytes, seq) => {
        const r = new Reader(bytes);
        for (const i of seq) {
          try {
            ops[i]!(r);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
          expect(r.offset).toBeGreaterThanOrEqual(0);
          expect(r.offset).toBeLessThanOrEqual(bytes.length);
          expect(r.remaining).toBe(bytes.length - r.offset);
        }
      },
    ), { numRuns: 500 });
  });
});
