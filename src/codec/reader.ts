import { DecodeError } from '../errors.js';

/**
 * Bounds-checked reader over wire bytes. Every read checks the remaining
 * length first (S-63: `subarray` clamps silently, we never rely on it) and
 * throws {@link DecodeError} naming the field.
 */
export class Reader {
  private pos: number;
  private readonly limit: number;
  constructor(private readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.limit = end;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.limit - this.pos;
  }

  /** Current offset into the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.limit - this.pos) {
      throw new DecodeError(`${what}: need ${n} bytes, ${this.limit - this.pos} left`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const b = this.buf, p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const b = this.buf, p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  /** 48-bit unsigned integer as a JavaScript number (exact below 2^53). */
  u48(what = 'u48'): number {
    this.need(6, what);
    const b = this.buf, p = this.pos;
    this.pos = p + 6;
    const hi = (b[p]! << 8) | b[p + 1]!;
    const lo = ((b[p + 2]! << 24) >>> 0) + (b[p + 3]! << 16) + (b[p + 4]! << 8) + b[p + 5]!;
    // A small integer stays one (no boxed double) when the high part is zero.
    return hi === 0 ? lo : hi * 0x1_0000_0000 + lo;
  }

  /** `n` bytes, aliasing the input (copy what you keep). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The rest of the input. */
  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }

  private vec(lenBytes: 1 | 2 | 3, min: number, max: number, what: string): Uint8Array {
    const n = lenBytes === 1 ? this.u8(what) : lenBytes === 2 ? this.u16(what) : this.u24(what);
    if (n < min || n > max) throw new DecodeError(`${what}: length ${n} outside ${min}..${max}`);
    return this.bytes(n, what);
  }

  /** `opaque x<min..max>` with a 1-byte length. */
  vec8(min: number, max: number, what = 'vec8'): Uint8Array {
    return this.vec(1, min, max, what);
  }
  /** `uint8 x<min..max>` as numbers (a loop: `Array.from` on a Uint8Array is ten times slower). */
  vec8Numbers(min: number, max: number, what = 'vec8'): number[] {
    const b = this.vec(1, min, max, what);
    const out: number[] = [];
    for (let i = 0; i < b.length; i++) out.push(b[i]!);
    return out;
  }
  /** `opaque x<min..max>` with a 2-byte length. */
  vec16(min: number, max: number, what = 'vec16'): Uint8Array {
    return this.vec(2, min, max, what);
  }
  /** `opaque x<min..max>` with a 3-byte length. */
  vec24(min: number, max: number, what = 'vec24'): Uint8Array {
    return this.vec(3, min, max, what);
  }

  /** A sub-reader over the next `len` bytes; this reader skips them. */
  sub(len: number, what = 'sub'): Reader {
    this.need(len, what);
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  /** Sub-reader over a length-prefixed vector. */
  subVec8(min: number, max: number, what: string): Reader {
    const n = this.u8(what);
    if (n < min || n > max) throw new DecodeError(`${what}: length ${n} outside ${min}..${max}`);
    return this.sub(n, what);
  }
  subVec16(min: number, max: number, what: string): Reader {
    const n = this.u16(what);
    if (n < min || n > max) throw new DecodeError(`${what}: length ${n} outside ${min}..${max}`);
    return this.sub(n, what);
  }
  subVec24(min: number, max: number, what: string): Reader {
    const n = this.u24(what);
    if (n < min || n > max) throw new DecodeError(`${what}: length ${n} outside ${min}..${max}`);
    return this.sub(n, what);
  }

  /** Throws unless every byte was read. */
  end(what = 'message'): void {
    if (this.pos !== this.limit) throw new DecodeError(`${what}: ${this.limit - this.pos} trailing bytes`);
  }
}

/**
 * Copy bytes so they no longer alias a datagram (S-66). Always a plain
 * Uint8Array (a Buffer's `slice` would be a view, and wiping it would wipe
 * the original).
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
