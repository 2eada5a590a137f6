import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../src/record/replay-window.js';

/** A window that has received (and authenticated) `seen`, in order. */
function windowAfter(seen: readonly number[], size = 64): ReplayWindow {
  const w = new ReplayWindow(size);
  for (const s of seen) {
    expect(w.check(s)).toBe(true);
    w.accept(s);
  }
  return w;
}

const fmt = (v: number) => `0x${v.toString(16)}`;

describe('ReplayWindow table: (window, seq) → accept | reject', () => {
  // The window state is the list of sequence numbers already received.
  const rows: [string, number[], number, boolean][] = [
    ['a fresh window accepts 0', [], 0, true],
    ['a fresh window accepts any first number', [], 2 ** 48 - 1, true],
    ['accepts the next number', [0], 1, true],
    ['drops a replay of the highest', [0, 1], 1, false],
    ['accepts a number skipped earlier (0, 2, 1)', [0, 2], 1, true],
    ['drops a replay inside the window', [0, 1, 2, 3], 2, false],
    ['accepts the oldest number still inside the window', [100], 37, true],
    ['drops the first number left of the window', [100], 36, false],
    ['drops a number far left of the window', [1_000_000], 3, false],
    ['accepts a large forward jump', [5], 5 + 1_000_000, true],
    ['accepts 0x10000 after 0xffff', [0xffff], 0x10000, true],
    ['accepts 0xffff after 0x10000', [0x10000], 0xffff, true],
    ['drops 0xffff replayed after 0x10000', [0xffff, 0x10000], 0xffff, false],
    ['accepts 0x1000000 after 0xffffff', [0xffffff], 0x1000000, true],
    ['accepts 0xffffff after 0x1000000', [0x1000000], 0xffffff, true],
    ['drops 0xffffff replayed after 0x1000000', [0xffffff, 0x1000000], 0xffffff, false],
    ['drops 0xffffc0, one left of the window at 0x1000000', [0x1000000], 0xffffc0, false],
    ['accepts 2^32 after 2^32-1', [2 ** 32 - 1], 2 ** 32, true],
    ['accepts 2^32-1 after 2^32', [2 ** 32], 2 ** 32 - 1, true],
    ['drops 2^32-1 replayed after 2^32 (no 32-bit wrap, S-64)', [2 ** 32 - 1, 2 ** 32], 2 ** 32 - 1, false],
    ['drops 0 after 2^32 (it is not 2^32 mod 2^32)', [0, 2 ** 32], 0, false],
    ['accepts 2^48-1 after 2^48-2', [2 ** 48 - 2], 2 ** 48 - 1, true],
    ['drops 2^48-1 replayed', [2 ** 48 - 2, 2 ** 48 - 1], 2 ** 48 - 1, false],
    ['accepts 2^48-64, the oldest in the window at 2^48-1', [2 ** 48 - 1], 2 ** 48 - 64, true],
    ['drops 2^48-65, just left of the window at 2^48-1', [2 ** 48 - 1], 2 ** 48 - 65, false],
    ['drops a number whose ring slot is free but that is left of the window', [0, 64], 0, false],
    ['accepts a number whose ring slot was used a lap earlier', [0, 63, 64], 1, true],
    // 0..63 fill every ring slot; 100 slides the window by 37: the slots of 64..99 must be cleared.
    ['accepts a number in a gap the window slid over, whose slot a number a lap earlier had used', [...Array(64).keys(), 100], 70, true],
    ['accepts the first number of such a gap', [...Array(64).keys(), 100], 64, true],
    ['accepts the last number of such a gap', [...Array(64).keys(), 100], 99, true],
  ];

  it.each(rows)('%s', (_name, seen, seq, fresh) => {
    expect(windowAfter(seen).check(seq)).toBe(fresh);
  });
});

describe('REC-01 a stream of sequence numbers, delivered or dropped in order', () => {
  // [seq, delivered?] applied to one window; delivered records are accepted.
  const stream: [number, boolean][] = [
    [1, true], [3, true], [2, true], [0, true], [2, false],
    [0xffff, true], [0x10000, true], [0xfffe, true], [0xffff, false],
    [0xffc1, true], [0xffc0, false], [3, false],
    [0xffffff, true], [0x1000000, true], [0xfffffe, true], [0x1000000, false],
    [0xffffc1, true], [0xffffc0, false], [0x10000, false],
    [2 ** 32 - 1, true], [2 ** 32, true], [2 ** 32 - 2, true], [2 ** 32 - 1, false],
    [2 ** 48 - 2, true], [2 ** 48 - 1, true], [2 ** 48 - 65, false], [2 ** 48 - 64, true], [2 ** 48 - 64, false],
    [2 ** 32, false],
  ];

  it('delivers exactly the fresh in-window and right-of-window numbers', () => {
    const w = new ReplayWindow();
    const got = stream.map(([seq]) => {
      const ok = w.check(seq);
      if (ok) w.accept(seq);
      return [fmt(seq), ok];
    });
    expect(got).toEqual(stream.map(([seq, ok]) => [fmt(seq), ok]));
    expect(w.highest).toBe(2 ** 48 - 1);
  });
});

describe('REC-02 Mbed TLS "SSL DTLS replay" cases with a 64-wide window', () => {
  const B = 0xabcd12340000;
  const cases: [string, number[], number, boolean][] = [
    ['initial state, seqnum 0', [], 0, true],
    ['0 seen, 1 arriving', [0], 1, true],
    ['0 seen, 0 replayed', [0], 0, false],
    ['0-1 seen, 2 arriving', [0, 1], 2, true],
    ['0-1 seen, 1 replayed', [0, 1], 1, false],
    ['0-1 seen, 0 replayed', [0, 1], 0, false],
    ['new', [B, B + 1, B + 3], B + 4, true],
    ['way new', [B, B + 1, B + 3], B + 0x10000, true],
    ['delayed', [B, B + 1, B + 3], B + 2, true],
    ['last replayed', [B, B + 1, B + 3], B + 3, false],
    ['older replayed', [B, B + 1, B + 3], B + 1, false],
    ['most recent in window, replayed', [B, B + 2, B + 3], B + 2, false],
    ['oldest in window, replayed', [B, B + 1, B + 0x40], B + 1, false],
    ['oldest in window, not replayed', [B, B + 2, B + 0x40], B + 1, true],
    ['just out of the window', [B, B + 1, B + 0x41], B + 1, false],
    ['way out of the window', [B, B + 1, B + 0x41], B - 0x10000, false],
    ['big jump then replay', [B, B + 0x100], B + 0x100, false],
    ['big jump then new', [B, B + 0x100], B + 0x101, true],
    ['big jump then just delayed', [B, B + 0x100], B + 0xff, true],
  ];

  it.each(cases)('REC-02 %s', (_name, seen, seq, fresh) => {
    expect(windowAfter(seen).check(seq)).toBe(fresh);
  });
});

describe('ReplayWindow check and accept', () => {
  it('S-05 check() alone never changes the window', () => {
    const w = windowAfter([10]);
    for (let i = 0; i < 3; i++) {
      expect(w.check(500)).toBe(true);
      expect(w.check(9)).toBe(true);
    }
    expect(w.highest).toBe(10);
    expect(w.check(10)).toBe(false);
  });

  it('starts with no highest number', () => {
    expect(new ReplayWindow().highest).toBe(-1);
  });

  it('accept() of a number left of the window changes nothing', () => {
    const w = windowAfter([200]);
    w.accept(100);
    expect(w.highest).toBe(200);
    // Not even the number that shares its ring slot (164): every number of the window is still fresh.
    for (let s = 137; s < 200; s++) expect(w.check(s), `check(${s})`).toBe(true);
    expect(w.check(200)).toBe(false);
  });

  it('accept() of an older in-window number marks only that number', () => {
    const w = windowAfter([200]);
    w.accept(150);
    expect(w.highest).toBe(200);
    expect(w.check(150)).toBe(false);
    expect(w.check(151)).toBe(true);
    expect(w.check(149)).toBe(true);
  });

  it('a jump of exactly the window size forgets every earlier mark', () => {
    const w = windowAfter([0, 1, 2, 3]);
    w.accept(64 + 3);
    for (const s of [4, 5, 66]) expect(w.check(s)).toBe(true);
    for (const s of [0, 1, 2, 3]) expect(w.check(s)).toBe(false);
  });

  it('a jump one short of the window size keeps the highest old mark', () => {
    const w = windowAfter([0, 1, 2, 3]);
    w.accept(3 + 63);
    expect(w.check(3)).toBe(false);
    expect(w.check(4)).toBe(true);
    expect(w.check(2)).toBe(false);
  });

  it.each([32, 100, 1024])('works with a window of %d', (size) => {
    const w = windowAfter([size * 3], size);
    expect(w.check(size * 2 + 1)).toBe(true);
    expect(w.check(size * 2)).toBe(false);
    expect(w.size).toBe(size);
  });
});

describe('ReplayWindow size bounds', () => {
  it('is 64 wide by default', () => {
    expect(new ReplayWindow().size).toBe(64);
  });

  it.each([31, 16, 0, -64, 1025, 64.5, Number.NaN, Number.POSITIVE_INFINITY])('S-05 refuses a window of %d with RangeError', (size) => {
    expect(() => new ReplayWindow(size)).toThrow(RangeError);
  });

  it.each([32, 33, 64, 1024])('accepts a window of %d', (size) => {
    expect(new ReplayWindow(size).size).toBe(size);
  });
});

describe('ReplayWindow against a naive model', () => {
  /** Set of accepted numbers plus the highest: fresh iff not seen and above highest - size. */
  class Model {
    private readonly seen = new Set<number>();
    private highest = -1;
    constructor(private readonly size: number) {}
    fresh(seq: number): boolean {
      return !this.seen.has(seq) && seq > this.highest - this.size;
    }
    accept(seq: number): void {
      this.seen.add(seq);
      if (seq > this.highest) this.highest = seq;
    }
    get max(): number {
      return this.highest;
    }
  }

  const TOP = 2 ** 48 - 1;
  const SPAN = 5000;
  const bases = [0, 0xffff - SPAN / 2, 0xffffff - SPAN / 2, 2 ** 31 - SPAN / 2, 2 ** 32 - SPAN / 2, 2 ** 47 - SPAN / 2, TOP - SPAN];

  // Each step: a small move around a slowly advancing centre (replays, window
  // edges and slides are likely) or a leap anywhere in the span; and whether the
  // record authenticates (forged ones are checked but never accepted, S-05).
  const step = fc.record({
    move: fc.oneof(
      { weight: 4, arbitrary: fc.record({ leap: fc.constant(false), n: fc.integer({ min: -150, max: 150 }) }) },
      { weight: 1, arbitrary: fc.record({ leap: fc.constant(true), n: fc.integer({ min: 0, max: SPAN }) }) },
    ),
    genuine: fc.boolean(),
  });

  it('agrees with a Set-based model on random sequences over the 48-bit range', () => {
    fc.assert(fc.property(
      fc.constantFrom(32, 64, 100, 1024),
      fc.constantFrom(...bases),
      fc.array(step, { minLength: 1, maxLength: 300 }),
      (size, base, steps) => {
        const w = new ReplayWindow(size);
        const m = new Model(size);
        let centre = 0;
        for (const { move, genuine } of steps) {
          centre = Math.min(centre + 3, SPAN);
          const at = move.leap ? move.n : Math.max(0, Math.min(SPAN, centre + move.n));
          const seq = base + at;
          const fresh = w.check(seq);
          expect(fresh, `check(${fmt(seq)}) with highest ${fmt(m.max)}`).toBe(m.fresh(seq));
          if (fresh && genuine) {
            w.accept(seq);
            m.accept(seq);
          }
          expect(w.highest).toBe(m.max);
        }
        // Then every number around the window, not only those the steps happened to check.
        const wrong: string[] = [];
        for (let seq = Math.max(0, m.max - size - 2); seq <= m.max + 2; seq++) {
          if (w.check(seq) !== m.fresh(seq)) wrong.push(fmt(seq));
        }
        expect(wrong, `final checks that disagree, highest ${fmt(m.max)}`).toEqual([]);
      },
    ), { numRuns: 600 });
  });

  it('agrees with the model when numbers jump anywhere in the 48-bit range', () => {
    const anywhere = fc.oneof(
      fc.integer({ min: 0, max: TOP }),
      fc.integer({ min: TOP - 300, max: TOP }),
      fc.integer({ min: 2 ** 32 - 300, max: 2 ** 32 + 300 }),
    );
    fc.assert(fc.property(fc.array(anywhere, { maxLength: 200 }), (seqs) => {
      const w = new ReplayWindow();
      const m = new Model(64);
      for (const seq of seqs) {
        const fresh = w.check(seq);
        expect(fresh).toBe(m.fresh(seq));
        if (fresh) {
          w.accept(seq);
          m.accept(seq);
        }
      }
    }), { numRuns: 500 });
  });
});
