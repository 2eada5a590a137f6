/**
 * Growable writer. Length prefixes are back-patched: `w.vec16(() => ...)`
 * writes the body, then its length in front of it.
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = Math.max(16, this.buf.length * 2);
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  /** 48-bit unsigned (number below 2^48). */
  u48(v: number): this {
    const hi = Math.floor(v / 0x1_0000_0000);
    const lo = v - hi * 0x1_0000_0000;
    this.u16(hi);
    this.ensure(4);
    this.buf[this.pos++] = (lo >>> 24) & 0xff;
    this.buf[this.pos++] = (lo >>> 16) & 0xff;
    this.buf[this.pos++] = (lo >>> 8) & 0xff;
    this.buf[this.pos++] = lo & 0xff;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  private vec(lenBytes: number, body: (w: this) => void): this {
    this.ensure(lenBytes);
    const at = this.pos;
    this.pos += lenBytes;
    body(this);
    const n = this.pos - at - lenBytes;
    const max = 2 ** (8 * lenBytes) - 1;
    if (n > max) throw new RangeError(`vector of ${n} bytes exceeds ${max}`);
    for (let i = lenBytes - 1; i >= 0; i--) this.buf[at + (lenBytes - 1 - i)] = (n >>> (8 * i)) & 0xff;
    return this;
  }
  vec8(body: (w: this) => void): this {
    return this.vec(1, body);
  }
  vec16(body: (w: this) => void): this {
    return this.vec(2, body);
  }
  vec24(body: (w: this) => void): this {
    return this.vec(3, body);
  }
  /** Length-prefixed opaque bytes. */
  opaque8(b: Uint8Array): this {
    return this.vec8((w) => w.bytes(b));
  }
  opaque16(b: Uint8Array): this {
    return this.vec16((w) => w.bytes(b));
  }
  opaque24(b: Uint8Array): this {
    return this.vec24((w) => w.bytes(b));
  }

  /**
   * The bytes written: the buffer itself when it is exactly full (an
   * exact-size writer: no copy; a later write reallocates, so the result
   * never changes), else a copy.
   */
  finish(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}

/** Encode with a fresh writer. */
export function encode(f: (w: Writer) => void, size = 256): Uint8Array {
  const w = new Writer(size);
  f(w);
  return w.finish();
}
