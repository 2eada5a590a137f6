/**
 * The retransmission timer of RFC 6347 §4.2.4.1 as a pure object: 1 s at
 * first, doubled on every expiry up to 60 s (S-29). Time is an argument.
 */
export class RetransmitTimer {
  private value: number;
  private due: number | undefined;
  /** Expiries since the last progress. */
  retries = 0;

  constructor(readonly initial = 1000, readonly max = 60_000) {
    this.value = initial;
  }

  /** Current timer value in ms. */
  get current(): number {
    return this.value;
  }

  /** Absolute deadline, or undefined when stopped. */
  get deadline(): number | undefined {
    return this.due;
  }

  /** Arm the timer for a flight just sent. */
  start(now: number): void {
    this.due = now + this.value;
  }

  /** The timer fired: back off (double, capped) and re-arm. */
  backoff(now: number): void {
    this.value = Math.min(this.value * 2, this.max);
    this.retries += 1;
    this.due = now + this.value;
  }

  /** Stop waiting (the peer's next flight arrived, or we sent the last one). */
  stop(): void {
    this.due = undefined;
  }

  /** The exchange completed without loss: back to the initial value. */
  reset(): void {
    this.value = this.initial;
    this.retries = 0;
  }

  /** Progress after a loss: keep the backed-off value (RFC 6347 §4.2.4.1), clear the retry count. */
  progress(): void {
    if (this.retries === 0) this.value = this.initial;
    this.retries = 0;
  }
}
