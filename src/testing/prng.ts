/**
 * A small, fast, seeded pseudo-random number generator for tests.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "Small Fast Counting" generator,
 * 128-bit state, passes PractRand to multiple terabytes), seeded through
 * splitmix32 so that nearby seeds (1, 2, 3, ...) give unrelated streams.
 * It is **not** cryptographically secure: use it only to drive simulations.
 *
 * Same seed → same sequence, on every platform and Node version: the
 * arithmetic is pure 32-bit integer math.
 *
 * @example
 * ```ts
 * import { Prng } from 'puredtls/testing';
 *
 * const rng = new Prng(42);
 * rng.next();       // a float in [0, 1)
 * rng.int(6) + 1;   // a die roll, 1..6
 * rng.chance(0.1);  // true about 10% of the time
 * const child = rng.fork('client'); // an independent stream
 * ```
 *
 * @module
 */

/**
 * A seed: a finite number (the integer part, up to 53 bits, is used) or a
 * string. Equal seeds give equal runs.
 *
 * @example
 * ```ts
 * import { Prng, VirtualNetwork, type Seed } from 'puredtls/testing';
 *
 * const seed: Seed = process.env.SEED ?? Date.now(); // print it when a run fails, to replay it
 * const net = new VirtualNetwork({ seed, impairments: { drop: 0.1 } });
 * const rng = new Prng(`${seed}/payloads`);
 * ```
 */
export type Seed = number | string;

/**
 * 32-bit FNV-1a of a string's UTF-16 code units, followed by a murmur3
 * finaliser: an unsigned 32-bit integer. `h` is the starting value (the
 * FNV offset basis by default), so a hash can be chained onto another.
 *
 * @example
 * ```ts
 * import { hashString, Prng } from 'puredtls/testing';
 *
 * const bucket = hashString('10.0.0.2:5000') % 16; // stable on every platform
 * const perClient = new Prng(hashString('client-7', 42)); // hashString(label, parent seed)
 * ```
 */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Reduce a {@link Seed} to a 32-bit integer: a string through
 * {@link hashString}, a number by mixing its integer part (the result for a
 * number is a signed 32-bit value, so it can be negative). Throws a
 * `RangeError` for a number that is not finite.
 *
 * @example
 * ```ts
 * import { hashString, seedToUint32 } from 'puredtls/testing';
 *
 * seedToUint32('soak') === hashString('soak'); // true
 * seedToUint32(42) === seedToUint32(42.9);     // true: only the integer part counts
 * ```
 */
export function seedToUint32(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new RangeError(`Prng seed must be a finite number or a string, got ${String(seed)}`);
  }
  const t = Math.trunc(seed);
  const lo = t >>> 0;
  const hi = Math.floor(t / 0x1_0000_0000) >>> 0;
  return fmix32(lo ^ Math.imul(fmix32(hi ^ 0x9e3779b9), 0x27d4eb2f)) ^ (seed < 0 ? 0x5bd1e995 : 0);
}

/**
 * Seeded pseudo-random number generator (sfc32, seeded through splitmix32 so
 * that nearby seeds give unrelated streams). Same seed, same sequence, on
 * every platform. Not cryptographically secure: only for simulations.
 *
 * @example
 * ```ts
 * import { Prng } from 'puredtls/testing';
 *
 * const rng = new Prng(42);
 * rng.next();       // a float in [0, 1)
 * rng.int(6) + 1;   // a die roll, 1..6
 * rng.chance(0.1);  // true about 10% of the time
 * rng.pick(['a', 'b', 'c']);
 * const payload = rng.bytes(100);
 * const child = rng.fork('client'); // an independent stream, stable for this seed and label
 * ```
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The seed this generator was created with (for failure messages). */
  readonly seed: Seed;

  /**
   * @param seed - a number or a string; equal seeds give equal sequences.
   */
  constructor(seed: Seed) {
    this.seed = seed;
    let s = seedToUint32(seed);
    // splitmix32 expands the 32-bit seed into 128 bits of state.
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float uniformly distributed in [0, 1) (32 bits of randomness). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /**
   * An integer uniformly distributed in [0, n). Unbiased (rejection sampling).
   * @param n - a positive integer ≤ 2^32.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x1_0000_0000) {
      throw new RangeError(`Prng.int(n): n must be an integer in [1, 2^32], got ${n}`);
    }
    if (n === 0x1_0000_0000) return this.uint32();
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    let x: number;
    do x = this.uint32();
    while (x >= limit);
    return x % n;
  }

  /** A float uniformly distributed in [min, max). */
  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /**
   * `true` with probability `p`. `p ≤ 0` is always false and `p ≥ 1` always
   * true; neither consumes randomness, so adding a zero-probability impairment
   * does not shift the stream.
   */
  chance(p: number): boolean {
    if (!(p > 0)) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Prng.pick: empty array');
    return items[this.int(items.length)] as T;
  }

  /** `n` pseudo-random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let w = this.uint32();
      for (let j = i; j < i + 4 && j < n; j++) {
        out[j] = w & 0xff;
        w >>>= 8;
      }
    }
    return out;
  }

  /**
   * An independent generator derived from this one's seed and a label,
   * without consuming from this stream. `fork('x')` is stable: it depends
   * only on the seed and the label, not on how much this generator has been used.
   */
  fork(label: string): Prng {
    return new Prng(hashString(label, seedToUint32(this.seed) ^ 0x811c9dc5));
  }

  /** A copy with the same current state (both continue identically). */
  clone(): Prng {
    const p = Object.create(Prng.prototype) as Prng;
    Object.assign(p, { seed: this.seed, a: this.a, b: this.b, c: this.c, d: this.d });
    return p;
  }
}
