/**
 * Scratch buffers for writers of unknown size. A Uint8Array of more than 64
 * bytes lives outside V8's heap: allocating one costs 1.5–4 µs (Node 20 and
 * 24), some 30× a small one, and adds to the collector's work. A writer
 * without a size hint borrows one of these, and `finish()` copies out just the
 * bytes written and returns it, so a message costs one allocation, not two.
 * Nested writers (an encoder that encodes a part first) borrow different ones.
 */
const scratchFree: Uint8Array[] = [];
const SCRATCH_SIZE = 2048;
/** Larger scratch buffers (grown by a long message) are not kept. */
const SCRATCH_KEEP_MAX = 16 * 1024;
const SCRATCH_POOL_MAX = 8;

/**
 * Growable writer. Length prefixes are back-patched: `w.vec16(() => ...)`
 * writes the body, then its length in front of it.
 *
 * `new Writer(n)` writes into a buffer of `n` bytes (exact size: `finish()`
 * returns that buffer, no copy); `new Writer(buf)` into a buffer the caller
 * owns (e.g. from {@link allocOut}); `new Writer()` into a borrowed scratch
 * buffer, copied out by `finish()`.
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;
  private scratch: boolean;
  constructor(initial?: number | Uint8Array) {
    if (initial === undefined) {
      this.buf = scratchFree.pop() ?? new Uint8Array(SCRATCH_SIZE);
      this.scratch = true;
    } else {
      this.buf = typeof initial === 'number' ? new Uint8Array(initial) : initial;
      this.scratch = false;
    }
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
    if (!this.scratch) return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
    // Copy out, return the scratch buffer, and go on (if written to again) from the copy.
    const out = this.buf.slice(0, this.pos);
    if (this.buf.length <= SCRATCH_KEEP_MAX && scratchFree.length < SCRATCH_POOL_MAX) scratchFree.push(this.buf);
    this.buf = out;
    this.scratch = false;
    return out;
  }
}

/** Encode with a scratch writer (or one of `size` bytes when the exact size is known). */
export function encode(f: (w: Writer) => void, size?: number): Uint8Array {
  const w = new Writer(size);
  f(w);
  return w.finish();
}

/**
 * Output slabs: bytes handed to the network (a datagram built by the stateless
 * front door, a record) are cut from 8 KiB slabs, as Node's `Buffer` pool
 * does, instead of each being a buffer of its own (see the scratch buffers
 * above for why). A slice keeps its slab alive as long as it is referenced,
 * so this is for bytes that are sent and dropped, not for long-lived state.
 */
const SLAB_SIZE = 8192;
/** Above this a buffer gets its own allocation (a slab would hold few). */
const SLAB_MAX = 1024;
let slab = new Uint8Array(0);
let slabPos = 0;

/** `n` zeroed bytes for output, cut from a slab when small. */
export function allocOut(n: number): Uint8Array {
  if (n <= 64 || n > SLAB_MAX) return new Uint8Array(n);
  if (slabPos + n > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabPos = 0;
  }
  const out = slab.subarray(slabPos, slabPos + n);
  // Keep each slice 8-byte aligned, as an allocation would be.
  slabPos += (n + 7) & ~7;
  return out;
}
