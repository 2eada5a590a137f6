/**
 * An association waiting for an asynchronous callback (a PSK lookup, an SNI
 * certificate): the handshake stops, records that arrive meanwhile are held
 * (a bounded number), and once the callback's Promise settled the handshake
 * resumes with its value, then the held records are processed.
 *
 * @module
 */
import { DtlsError } from '../errors.js';
import type { DtlsRecord } from '../record/record.js';

interface Waiting {
  readonly resume: (value: unknown) => void;
  result?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

/**
 * The waiting state of one association; `R` is its record type (DTLS 1.2's
 * `DtlsRecord`, 1.3's `Record13`), `keep` copies one out of its datagram.
 */
export class Suspension<R = DtlsRecord> {
  private waiting: Waiting | undefined;
  private held: R[] = [];

  constructor(private readonly maxHeld: number, private readonly keep: (rec: R) => R) {}

  get active(): boolean {
    return this.waiting !== undefined;
  }

  /** Wait for `work`; returns a Promise that settles (never rejects) when it did. */
  suspend<T>(work: Promise<T>, resume: (value: T) => void): Promise<void> {
    const w: Waiting = { resume: resume as (v: unknown) => void };
    this.waiting = w;
    return work.then(
      (value) => { w.result = { ok: true, value }; },
      (error: unknown) => { w.result = { ok: false, error }; },
    );
  }

  /** Keep a record until the handshake resumes (a copy: the datagram's bytes are not kept); false when full. */
  hold(rec: R): boolean {
    if (this.held.length >= this.maxHeld) return false;
    this.held.push(this.keep(rec));
    return true;
  }

  /**
   * The callback settled: continue with its value (a rejection becomes a
   * `ERR_DTLS_CALLBACK` error, thrown). Returns false while it has not.
   */
  resume(): boolean {
    const w = this.waiting;
    if (!w || !w.result) return false;
    this.waiting = undefined;
    if (!w.result.ok) {
      const e = w.result.error;
      throw e instanceof DtlsError ? e : new DtlsError('ERR_DTLS_CALLBACK', `callback failed: ${(e as Error)?.message ?? e}`, 'internal_error', { cause: e });
    }
    w.resume(w.result.value);
    return true;
  }

  /** The records held meanwhile, in order (and forgotten). */
  takeHeld(): R[] {
    const h = this.held;
    this.held = [];
    return h;
  }

  clear(): void {
    this.waiting = undefined;
    this.held = [];
  }
}

/** A copy of a record to keep past the datagram it came in (a `subarray` aliases it). */
export function keepRecord(rec: DtlsRecord): DtlsRecord {
  return { ...rec, fragment: rec.fragment.slice(), raw: new Uint8Array(0) };
}
