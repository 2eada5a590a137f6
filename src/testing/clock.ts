/**
 * Virtual time for deterministic tests.
 *
 * A {@link VirtualClock} only moves when told to; it never reads the wall
 * clock and never sets real timers. {@link VirtualNetwork} owns one and moves
 * it from event to event. Hand {@link VirtualClock.read} to code that wants a
 * `() => number` time source (e.g. for certificate validity checks).
 *
 * @example
 * ```ts
 * import { VirtualClock } from 'puredtls/testing';
 *
 * const clock = new VirtualClock(1_000);
 * clock.advanceBy(250);
 * clock.now; // 1250
 * const now: () => number = clock.read;
 * ```
 *
 * @module
 */

/**
 * A monotonic clock that only moves when told to. Times are milliseconds. It
 * never reads the wall clock and never sets real timers; a
 * {@link VirtualNetwork} owns one ({@link VirtualNetwork.clock}).
 *
 * @example
 * ```ts
 * import { VirtualClock } from 'puredtls/testing';
 *
 * const clock = new VirtualClock(1_000);
 * clock.advanceBy(250);
 * clock.now; // 1250
 * clock.advanceTo(2_000);
 * const now: () => number = clock.read; // a bound time source to inject
 * ```
 */
export class VirtualClock {
  private t: number;

  /** @param start - initial time in ms (default 0). */
  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`VirtualClock: start must be finite, got ${start}`);
    this.t = start;
  }

  /** Current virtual time in ms. */
  get now(): number {
    return this.t;
  }

  /** A bound `() => now`, convenient as an injectable time source. */
  readonly read = (): number => this.t;

  /**
   * Move to absolute time `time`. Moving backwards throws (virtual time is
   * monotonic); moving to the current time is a no-op.
   */
  advanceTo(time: number): void {
    if (Number.isNaN(time) || time < this.t) {
      throw new RangeError(`VirtualClock: cannot move back from ${this.t} to ${time}`);
    }
    if (!Number.isFinite(time)) throw new RangeError(`VirtualClock: time must be finite, got ${time}`);
    this.t = time;
  }

  /** Move forward by `ms` (≥ 0). */
  advanceBy(ms: number): void {
    this.advanceTo(this.t + ms);
  }
}

/**
 * Min-heap ordered by `(time, priority, seq)`: earlier first, then lower
 * priority, then insertion order. Internal to the testing kit.
 * @internal
 */
export class EventHeap<T extends { time: number; prio: number; seq: number }> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as T, a[p] as T)) break;
      [a[i], a[p]] = [a[p] as T, a[i] as T];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as T, a[m] as T)) m = l;
        if (r < a.length && less(a[r] as T, a[m] as T)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as T, a[i] as T];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }
}

function less(x: { time: number; prio: number; seq: number }, y: { time: number; prio: number; seq: number }): boolean {
  if (x.time !== y.time) return x.time < y.time;
  if (x.prio !== y.prio) return x.prio < y.prio;
  return x.seq < y.seq;
}
