import { describe, expect, it } from 'vitest';
import { Prng, seedToUint32 } from '../../src/testing/prng.js';

const take = (p: Prng, n: number): number[] => Array.from({ length: n }, () => p.uint32());

describe('Prng', () => {
  it('is pinned: the sequence for a seed never changes across versions', () => {
    expect(take(new Prng(42), 3)).toEqual(PINNED_42);
    expect(take(new Prng('hello'), 2)).toEqual(PINNED_HELLO);
  });

  it('same seed → same sequence; different seeds → different sequences', () => {
    expect(take(new Prng(7), 100)).toEqual(take(new Prng(7), 100));
    expect(take(new Prng(7), 10)).not.toEqual(take(new Prng(8), 10));
    expect(take(new Prng('a'), 10)).not.toEqual(take(new Prng('b'), 10));
    expect(take(new Prng(2 ** 40), 5)).not.toEqual(take(new Prng(0), 5));
    expect(take(new Prng(-1), 5)).not.toEqual(take(new Prng(1), 5));
    expect(() => new Prng(NaN)).toThrow(RangeError);
    expect(() => new Prng(Infinity)).toThrow(RangeError);
    expect(seedToUint32(123)).toBe(seedToUint32(123));
  });

  it('next() is in [0, 1) and roughly uniform', () => {
    const p = new Prng(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = p.next();
      if (!(x >= 0 && x < 1)) throw new Error(`out of range: ${x}`);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it('int(n) stays in range and hits every value; range() and pick()', () => {
    const p = new Prng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const x = p.int(7);
      expect(Number.isInteger(x) && x >= 0 && x < 7).toBe(true);
      seen.add(x);
    }
    expect(seen.size).toBe(7);
    expect(p.int(1)).toBe(0);
    expect(() => p.int(0)).toThrow(RangeError);
    expect(() => p.int(2.5)).toThrow(RangeError);
    for (let i = 0; i < 100; i++) {
      const r = p.range(5, 6);
      expect(r >= 5 && r < 6).toBe(true);
    }
    expect(['x', 'y']).toContain(p.pick(['x', 'y']));
    expect(() => p.pick([])).toThrow(RangeError);
    expect(p.bytes(7)).toHaveLength(7);
  });

  it('chance(p) matches p, and chance(0)/chance(1) consume nothing', () => {
    const p = new Prng(5);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (p.chance(0.25)) hits++;
    expect(Math.abs(hits / 20_000 - 0.25)).toBeLessThan(0.015);
    const a = new Prng(9);
    const b = new Prng(9);
    expect(a.chance(0)).toBe(false);
    expect(a.chance(1)).toBe(true);
    expect(a.chance(-3)).toBe(false);
    expect(a.uint32()).toBe(b.uint32());
  });

  it('fork() is stable and independent; clone() continues identically', () => {
    const p = new Prng(11);
    const f1 = take(p.fork('x'), 5);
    take(p, 50);
    expect(take(p.fork('x'), 5)).toEqual(f1);
    expect(take(p.fork('y'), 5)).not.toEqual(f1);
    const c = p.clone();
    expect(take(c, 20)).toEqual(take(p, 20));
  });
});

const PINNED_42: number[] = [1996830696, 1488117281, 3110337292];
const PINNED_HELLO: number[] = [2908061105, 1621638150];
