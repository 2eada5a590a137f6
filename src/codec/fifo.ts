/**
 * A first-in first-out queue that keeps its storage: once drained it starts
 * over at slot 0 without shrinking, so a steady flow of items allocates
 * nothing. Consumed slots are cleared (no item is kept alive by the queue).
 * Safe to push to while it is being drained.
 */
export class Fifo<T> {
  private readonly items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(item: T): void {
    this.items[this.tail++] = item;
  }

  /** The newest item, kept; `undefined` when empty. */
  get last(): T | undefined {
    return this.head === this.tail ? undefined : this.items[this.tail - 1];
  }

  /** Replace the newest item (the queue must not be empty). */
  replaceLast(item: T): void {
    if (this.head === this.tail) throw new RangeError('replaceLast on an empty queue');
    this.items[this.tail - 1] = item;
  }

  /** The oldest item, removed; `undefined` when empty. */
  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.tail) this.head = this.tail = 0;
    return item;
  }

  /** Every item, oldest first, removed. */
  drain(): T[] {
    const out: T[] = [];
    for (let x = this.shift(); x !== undefined; x = this.shift()) out.push(x);
    return out;
  }
}
