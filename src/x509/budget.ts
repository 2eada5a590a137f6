/**
 * A work bound for one path validation: path-building steps, signature
 * checks and name-constraint comparisons each spend from it, and the
 * validation stops with `ERR_DTLS_CERT_TOO_COMPLEX` when it runs out instead
 * of spending unbounded time on a hostile chain (internal).
 */

/** Thrown when a {@link WorkBudget} is exhausted. */
export class TooComplex extends Error {}

/** Counters of the work one `verifyChain` call may do. */
export class WorkBudget {
  constructor(
    /** Candidate issuers tried while building paths. */
    private steps: number,
    /** Signatures verified (certificates and CRLs). */
    private signatures: number,
    /** Name × constraint comparisons. */
    private comparisons: number,
  ) {}

  /** Spend one path-building step. */
  step(): void {
    if (--this.steps < 0) throw new TooComplex('too many candidate issuers to try');
  }

  /** Spend one signature verification. */
  signature(): void {
    if (--this.signatures < 0) throw new TooComplex('too many signatures to verify');
  }

  /** Spend `n` name-constraint comparisons. */
  compare(n: number): void {
    this.comparisons -= n;
    if (this.comparisons < 0) throw new TooComplex('too many name constraint comparisons (names × constraints)');
  }
}

/** The bounds of one validation (as rustls-webpki's: 100 signatures, 250 000 name comparisons). */
export function defaultBudget(): WorkBudget {
  return new WorkBudget(256, 100, 250_000);
}
