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
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i, mt = lastT;
        if (l < n && t[l]! < mt) { m = l; mt = t[l]!; }
        if (r < n && t[r]! < mt) { m = r; mt = t[r]!; }
        if (m === i) break;
        t[i] = t[m]!;
        it[i] = it[m]!;
        i = m;
      }
      t[i] = lastT;
      it[i] = lastI;
    }
    return top;
  }

  clear(): void {
    this.times.length = 0;
    this.items.length = 0;
  }
}
