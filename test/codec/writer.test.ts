import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer, allocOut, encode } from '../../src/codec/writer.js';
import { counting, hex, toHex } from './hex.js';
import { scriptArgs } from '../helpers/runtime.js';

describe('Writer integers', () => {
  it('writes u8, u16, u24 and u48 big-endian', () => {
    const w = new Writer();
    w.u8(0xab).u16(0x1234).u24(0x56789a).u48(0x010203040506);
    expect(w.length).toBe(12);
    expect(toHex(w.finish())).toBe('ab123456789a010203040506');
  });

  it('keeps only the low bits of a value too wide for its field', () => {
    expect(toHex(encode((w) => w.u8(0x1ff).u16(0x12345).u24(0x1234567)))).toBe('ff' + '2345' + '234567');
  });

  it.each([
    [0, '000000000000'],
    [2 ** 31, '000080000000'],
    [2 ** 32 - 1, '0000ffffffff'],
    [2 ** 32, '000100000000'],
    [2 ** 32 + 1, '000100000001'],
    [2 ** 47, '800000000000'],
    [2 ** 48 - 2, 'fffffffffffe'],
    [2 ** 48 - 1, 'ffffffffffff'],
  ])('writes u48 %d as %s without 32-bit truncation (S-64)', (v, h) => {
    expect(toHex(encode((w) => w.u48(v)))).toBe(h);
  });
});

describe('Writer vectors', () => {
  it('back-patches the length of a vec8, vec16 and vec24 in front of its body', () => {
    const out = encode((w) => {
      w.vec8((w) => w.u8(1).u8(2));
      w.vec16((w) => w.u16(0xc02b).u16(0xc02f).u16(0xcca9));
      w.vec24((w) => w.bytes(hex('aabbccdd')));
    });
    expect(toHex(out)).toBe('02 0102 | 0006 c02bc02fcca9 | 000004 aabbccdd'.replace(/[\s|]/g, ''));
  });

  it('writes an empty vector as its zero length alone', () => {
    expect(toHex(encode((w) => w.vec8(() => {}).vec16(() => {}).vec24(() => {})))).toBe('00' + '0000' + '000000');
  });

  it('back-patches nested vectors, innermost first', () => {
    // An extensions block holding one supported_groups extension.
    const out = encode((w) => w.vec16((w) => w.u16(10).vec16((w) => w.vec16((w) => w.u16(29).u16(23)))));
    expect(toHex(out)).toBe('000a' + '000a' + '0006' + '0004' + '001d0017');
  });

  it('opaque8, opaque16 and opaque24 write length-prefixed bytes', () => {
    const b = hex('cafe');
    expect(toHex(encode((w) => w.opaque8(b).opaque16(b).opaque24(b)))).toBe('02cafe' + '0002cafe' + '000002cafe');
  });

  it.each([
    ['vec8', 255, (w: Writer, b: Uint8Array) => w.opaque8(b), 1],
    ['vec16', 0xffff, (w: Writer, b: Uint8Array) => w.opaque16(b), 2],
  ] as const)('accepts a %s of exactly its largest length', (_n, max, write, prefix) => {
    const out = encode((w) => write(w, new Uint8Array(max).fill(7)));
    expect(out.length).toBe(prefix + max);
    expect(out.subarray(0, prefix).every((x) => x === 0xff)).toBe(true);
  });

  it.each([
    ['vec8', 256, (w: Writer, b: Uint8Array) => w.opaque8(b), /vector of 256 bytes exceeds 255/],
    ['vec16', 0x10000, (w: Writer, b: Uint8Array) => w.opaque16(b), /vector of 65536 bytes exceeds 65535/],
    ['vec24', 0x1000000, (w: Writer, b: Uint8Array) => w.opaque24(b), /vector of 16777216 bytes exceeds 16777215/],
  ] as const)('throws RangeError on a %s one byte too long', (_n, len, write, message) => {
    expect(() => write(new Writer(), new Uint8Array(len))).toThrow(RangeError);
    expect(() => write(new Writer(), new Uint8Array(len))).toThrow(message);
  });

  it('throws RangeError when a body callback overflows its vec8', () => {
    expect(() => new Writer().vec8((w) => {
      for (let i = 0; i < 128; i++) w.u16(i);
    })).toThrow(RangeError);
  });

  it('round-trips random vectors through the Reader', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 255 }), fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }),
      (a, b, c) => {
        const r = new Reader(encode((w) => w.opaque8(a).opaque16(b).opaque24(c)));
        expect(r.vec8(0, 255)).toEqual(a);
        expect(r.vec16(0, 0xffff)).toEqual(b);
        expect(r.vec24(0, 0xffffff)).toEqual(c);
        r.end();
      },
    ), { numRuns: 300 });
  });
});

describe('Writer growth and finish', () => {
  it('grows from a tiny initial size and keeps what it wrote', () => {
    const w = new Writer(1);
    for (let i = 0; i < 10_000; i++) w.u8(i);
    const out = w.finish();
    expect(out.length).toBe(10_000);
    for (let i = 0; i < 10_000; i++) expect(out[i]).toBe(i & 0xff);
  });

  it('grows in the middle of a vector and still back-patches the right place', () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => i * 7);
    const w = new Writer(4).u8(0xee);
    w.vec16((w) => w.bytes(body));
    w.u8(0xdd);
    const out = w.finish();
    expect(out.length).toBe(1 + 2 + 1000 + 1);
    expect(toHex(out.subarray(0, 3))).toBe('ee03e8');
    expect(out.subarray(3, 1003)).toEqual(body);
    expect(out[1003]).toBe(0xdd);
  });

  it('grows by more than double when one write needs it', () => {
    const w = new Writer(2).u8(1);
    w.bytes(new Uint8Array(100).fill(9));
    expect(w.length).toBe(101);
    expect(w.finish()[100]).toBe(9);
  });

  it('finish() returns a copy that later writes do not change', () => {
    const w = new Writer(8).u16(0x0102);
    const first = w.finish();
    w.u16(0x0304);
    expect(toHex(first)).toBe('0102');
    expect(toHex(w.finish())).toBe('01020304');
    first[0] = 0xff;
    expect(toHex(w.finish())).toBe('01020304');
  });

  it('encode() builds with a fresh writer of any starting size', () => {
    expect(toHex(encode((w) => w.u24(0x010203), 1))).toBe('010203');
    expect(toHex(encode((w) => w.u24(0x010203)))).toBe('010203');
  });

  // Writer.ensure doubles the buffer; from an initial size of 0 that once stayed
  // 0 forever and the first write spun. Run in a child process so a regression
  // fails the test instead of stalling the suite.
  it('grows from an initial size of 0 instead of looping forever', () => {
    const src = readFileSync(new URL('../../src/codec/writer.ts', import.meta.url), 'utf8');
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const script = `${js}\nconst out = encode((w) => w.u8(1).u16(0x0203), 0);\nprocess.stdout.write(Array.from(out).join(','));\n`;
    const dir = mkdtempSync(join(tmpdir(), 'puredtls-writer-'));
    const file = join(dir, 'writer.mjs');
    writeFileSync(file, script);
    const res = spawnSync(process.execPath, scriptArgs(file), { timeout: 10_000, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(res.signal, 'new Writer(0) hangs on its first write').toBeNull();
    expect(res.stdout).toBe('1,2,3');
  });
});

describe('Writer buffers', () => {
  it('a writer without a size copies out exactly what it wrote; writing on afterwards never changes that result', () => {
    const w = new Writer();
    w.u16(0x0102).bytes(counting(300));
    const first = w.finish();
    expect(first).toHaveLength(302);
    expect(first.buffer.byteLength).toBe(302);
    w.u8(0xff);
    expect(first).toHaveLength(302);
    expect(w.finish()).toEqual(Uint8Array.of(...first, 0xff));
  });

  it('nested writers (one encoding a part for another) do not share a buffer', () => {
    const outer = new Writer();
    outer.u8(1);
    const inner = encode((w) => w.bytes(counting(100)));
    outer.opaque16(inner).u8(2);
    const again = encode((w) => w.bytes(new Uint8Array(100).fill(9)));
    expect(outer.finish()).toEqual(Uint8Array.of(1, 0, 100, ...counting(100), 2));
    expect(inner).toEqual(counting(100));
    expect(again).toEqual(new Uint8Array(100).fill(9));
  });

  it('a long message grows the scratch buffer and comes out whole', () => {
    const big = counting(40_000);
    const out = encode((w) => w.opaque24(big));
    expect(out.subarray(0, 3)).toEqual(Uint8Array.of(0, 0x9c, 0x40));
    expect(out.subarray(3)).toEqual(big);
  });

  it('new Writer(buf) writes into that buffer and finish() returns it when full', () => {
    const buf = new Uint8Array(3);
    const w = new Writer(buf);
    w.u8(7).u16(0x0809);
    expect(w.finish()).toBe(buf);
    expect(buf).toEqual(Uint8Array.of(7, 8, 9));
  });
});

describe('allocOut', () => {
  it('hands out zeroed, non-overlapping slices of the requested sizes', () => {
    const sizes = [65, 100, 1000, 3, 200, 1024, 1025, 64, 900, 777, 300, 8000];
    const bufs = sizes.map((n, i) => {
      const b = allocOut(n);
      expect(b).toHaveLength(n);
      expect(b.every((x) => x === 0)).toBe(true);
      b.fill(i + 1);
      return b;
    });
    bufs.forEach((b, i) => expect(b.every((x) => x === i + 1)).toBe(true));
  });
});
