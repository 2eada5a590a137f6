/**
 * Anti-replay window (RFC 6347 §4.1.2.6), one per epoch. `check(seq)` before
 * decryption; `accept(seq)` only after the record authenticated (S-05).
 *
 * Sequence numbers are 48-bit and handled as JavaScript numbers (exact below
 * 2^53) with no 32-bit bitwise arithmetic on them (S-64). The window is a ring
 * of `size` flags indexed by `seq % size`.
 */
export class ReplayWindow {
  private max = -1;
  private readonly seen: Uint8Array;
  constructor(readonly size = 64) {
    if (!Number.isInteger(size) || size < 32 || size > 1024) throw new RangeError('replay window size must be 32..1024');
    this.seen = new Uint8Array(size);
  }

  /** Highest sequence number accepted so far (-1 when none). */
  get highest(): number {
    return this.max;
  }

  /** May a record with this sequence number be fresh? */
  check(seq: number): boolean {
    if (seq > this.max) return true;
    if (this.max - seq >= this.size) return false;
    return this.seen[seq % this.size] === 0;
  }

  /** Mark `seq` as received (call after authentication). */
  accept(seq: number): void {
    if (seq > this.max) {
      const gap = seq - this.max;
      if (gap >= this.size) {
        this.seen.fill(0);
      } else {
        for (let s = this.max + 1; s < seq; s++) this.seen[s % this.size] = 0;
      }
      this.max = seq;
      this.seen[seq % this.size] = 1;
      return;
    }
    if (this.max - seq < this.size) this.seen[seq % this.size] = 1;
  }
}
