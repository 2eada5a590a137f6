/**
 * A min-heap of (deadline, item) with lazy deletion: the owner re-checks an
 * item's real deadline when it pops, so moving a deadline later costs
 * nothing, and an earlier one costs one push.
 */
export class TimerHeap<T> {
  private readonly times: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.times.length;
  }

  /** Earliest deadline, or undefined. */
  peek(): number | undefined {
    return this.times[0];
  }

  push(time: number, item: T): void {
    const t = this.times, it = this.items;
    let i = t.length;
    t.push(time);
    it.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent]! <= time) break;
      t[i] = t[parent]!;
      it[i] = it[parent]!;
      i = parent;
    }
    t[i] = time;
    it[i] = item;
  }

  /** Remove and return the earliest entry. */
  pop(): { time: number; item: T } | undefined {
    const t = this.times, it = this.items;
    if (t.length === 0) return undefined;
    const top = { time: t[0]!, item: it[0]! };
    const lastT = t.pop()!, lastI = it.pop()!;
    if (t.length > 0) {
      t[0] = lastT;
      it[0] = lastI;
      this.siftDown(0);
    }
    return top;
  }

  /**
   * Keep only the entries `keep` accepts, and restore the heap order
   * (bottom-up: O(n)).
   */
  retain(keep: (time: number, item: T) => boolean): void {
    const t = this.times, it = this.items;
    let n = 0;
    for (let i = 0; i < t.length; i++) {
      if (!keep(t[i]!, it[i]!)) continue;
      t[n] = t[i]!;
      it[n] = it[i]!;
      n++;
    }
    t.length = n;
    it.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  clear(): void {
    this.times.length = 0;
    this.items.length = 0;
  }

  private siftDown(i: number): void {
    const t = this.times, it = this.items;
    const n = t.length;
    const time = t[i]!, item = it[i]!;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i, mt = time;
      if (l < n && t[l]! < mt) { m = l; mt = t[l]!; }
      if (r < n && t[r]! < mt) { m = r; mt = t[r]!; }
      if (m === i) break;
      t[i] = t[m]!;
      it[i] = it[m]!;
      i = m;
    }
    t[i] = time;
    it[i] = item;
  }
}

/** What a {@link DeadlineQueue} schedules: the deadline its entry was queued for. */
export interface Scheduled {
  scheduled: number | undefined;
}

/**
 * The deadlines of many items (a server's associations) in one
 * {@link TimerHeap}: an item has one live entry, for its earliest deadline;
 * a deadline moved earlier gets a new entry and the old one is left to pop
 * (lazy deletion). An entry keeps its item reachable until it pops, and after
 * the handshake an association's deadline is its idle timeout: a server that
 * closes connections quickly would keep each closed association (5 to 7 KB)
 * for `connectionTimeout`, ten minutes by default. So stale entries are
 * counted, and when they are more than half of the heap (and more than 16)
 * it is rebuilt without them: the heap holds at most about twice the live
 * items, at an amortized constant cost per entry.
 */
export class DeadlineQueue<T extends Scheduled> {
  private readonly heap = new TimerHeap<T>();
  private stale = 0;

  /** `live`: whether an item still counts (the owner has not forgotten it). */
  constructor(private readonly live: (item: T) => boolean) {}

  /** Entries in the heap, stale ones included. */
  get size(): number {
    return this.heap.size;
  }

  /** Earliest deadline (possibly a stale entry's), or undefined. */
  peek(): number | undefined {
    return this.heap.peek();
  }

  /** Queue `item` for `time`, unless it is queued for that time or earlier. */
  schedule(item: T, time: number): void {
    if (item.scheduled !== undefined) {
      if (item.scheduled <= time) return;
      this.stale++;
    }
    item.scheduled = time;
    this.heap.push(time, item);
    this.compact();
  }

  /** The item is gone (closed): its entry is stale. */
  forget(item: T): void {
    if (item.scheduled === undefined) return;
    item.scheduled = undefined;
    this.stale++;
    this.compact();
  }

  /** The next live item due at `now`, out of the queue (`scheduled` cleared), or undefined. */
  takeDue(now: number): T | undefined {
    for (let top = this.heap.peek(); top !== undefined && top <= now; top = this.heap.peek()) {
      const { time, item } = this.heap.pop()!;
      if (item.scheduled !== time || !this.live(item)) {
        if (this.stale > 0) this.stale--;
        continue;
      }
      item.scheduled = undefined;
      return item;
    }
    return undefined;
  }

  clear(): void {
    this.heap.clear();
    this.stale = 0;
  }

  private compact(): void {
    if (this.stale <= COMPACT_MIN || this.stale * 2 <= this.heap.size) return;
    this.heap.retain((time, item) => item.scheduled === time && this.live(item));
    this.stale = 0;
  }
}

/** Below this many stale entries the heap is left as it is. */
const COMPACT_MIN = 16;
