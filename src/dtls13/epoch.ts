/**
 * The state of one epoch in one direction (RFC 9147 §4.2.2, §4.5.1, §4.5.3):
 * what a receiver needs to turn a {@link CiphertextRecord13} into content —
 * sequence number reconstruction, anti-replay after deprotection, the count
 * of failed decryptions against the integrity limit — and what a sender
 * needs — the next sequence number and the confidentiality limit.
 */
import { DtlsError } from '../errors.js';
import type { AlertName } from '../errors.js';
import { ReplayWindow } from '../record/replay-window.js';
import { type RecordProtection13, type SealOptions, decodeInnerPlaintext } from './protection.js';
import type { CiphertextRecord13 } from './record.js';
import { MAX_SEQ_13, reconstructSequenceNumber } from './record-number.js';

/** What became of a received record: its content, a quiet drop (RFC 9147 §4.5.2), or a fatal error from an authenticated record. */
export type OpenResult13 =
  | { readonly kind: 'record'; readonly epoch: number; readonly seq: number; readonly type: number; readonly content: Uint8Array }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'fatal'; readonly alert: AlertName; readonly reason: string };

/** Receiving state of one epoch. */
export class ReceiveEpoch13 {
  /** The anti-replay window of this epoch (RFC 9147 §4.5.1: one per epoch, starting empty). */
  readonly replay: ReplayWindow;
  private failures = 0;

  constructor(readonly epoch: number, readonly protection: RecordProtection13, windowSize = 64) {
    if (!Number.isInteger(epoch) || epoch < 2) throw new RangeError(`epoch ${epoch} is not a protected DTLS 1.3 epoch`);
    this.replay = new ReplayWindow(windowSize);
  }

  /** One plus the highest sequence number deprotected so far (0 before any): the reference of §4.2.2. */
  get expectedNext(): number {
    return this.replay.highest + 1;
  }

  /** Records of this epoch that failed authentication (RFC 9147 §4.5.3 counts them per key). */
  get failedDecryptions(): number {
    return this.failures;
  }

  /**
   * The integrity limit of the suite is reached (RFC 9147 §4.5.3): the
   * connection must close, or — when a KeyUpdate with update_requested is
   * under way — this epoch's keys be dropped.
   */
  get integrityLimitReached(): boolean {
    return this.failures >= this.protection.suite.limits.integrity;
  }

  /**
   * Deprotect a record whose epoch bits chose this epoch. Order per RFC 9147:
   * unmask the sequence number (§4.2.3; shorter than 16 bytes: dropped),
   * reconstruct it (§4.2.2), open (failures are counted), then the replay
   * check (§4.5.1: "SHOULD happen after deprotecting the record"), then strip
   * the padding. Never throws.
   */
  open(rec: CiphertextRecord13): OpenResult13 {
    const bits = this.protection.sequenceBits(rec);
    if (bits === undefined) return { kind: 'dropped', reason: 'ciphertext shorter than 16 bytes' };
    const seq = reconstructSequenceNumber(this.expectedNext, rec.seqLength === 1 ? 8 : 16, bits);
    const inner = this.protection.open(rec, seq);
    if (inner === null) {
      this.failures++;
      return { kind: 'dropped', reason: 'record failed authentication' };
    }
    if (!this.replay.check(seq)) {
      inner.fill(0);
      return { kind: 'dropped', reason: 'replayed or too old record' };
    }
    this.replay.accept(seq);
    const decoded = decodeInnerPlaintext(inner);
    if (decoded.kind === 'fatal') return decoded;
    return { kind: 'record', epoch: this.epoch, seq, type: decoded.type, content: decoded.content };
  }

  /** Forget the keys. */
  wipe(): void {
    this.protection.wipe();
  }
}

/** Sending state of one epoch. */
export class SendEpoch13 {
  private next = 0;

  constructor(readonly epoch: number, readonly protection: RecordProtection13) {
    if (!Number.isInteger(epoch) || epoch < 2) throw new RangeError(`epoch ${epoch} is not a protected DTLS 1.3 epoch`);
  }

  /** The sequence number the next record gets (also the number of records sealed). */
  get nextSeq(): number {
    return this.next;
  }

  /**
   * Continue at `seq` (never back): a restored association jumps ahead of every
   * number the saved one may have used. The numbers skipped count against the
   * confidentiality limit, as if sealed (a KeyUpdate comes that much sooner).
   */
  skipTo(seq: number): void {
    if (seq > this.next) this.next = seq;
  }

  /** The suite's confidentiality limit (RFC 9147 §4.5.3) on records sealed with this key. */
  get limit(): number {
    return Math.min(this.protection.suite.limits.confidentiality, MAX_SEQ_13 + 1);
  }

  /** No record may be sealed any more: a KeyUpdate (a new epoch) or closing is required (RFC 9147 §4.5.3, §4.2.1). */
  get exhausted(): boolean {
    return this.next >= this.limit;
  }

  /**
   * Whether `fraction` of the limit is used: the point to start a KeyUpdate,
   * which needs an ACK before the new keys are used (RFC 9147 §8), so well
   * before {@link exhausted}.
   */
  nearLimit(fraction = 0.75): boolean {
    return this.next >= Math.floor(this.limit * fraction);
  }

  /**
   * Seal the next record. Throws `DtlsError` `ERR_DTLS_AEAD_LIMIT` once the
   * limit is reached: "Implementations SHOULD NOT protect more records than
   * allowed by the limit" (RFC 9147 §4.5.3) and MUST NOT let the sequence
   * number wrap (§4.2.1).
   */
  seal(type: number, content: Uint8Array, opts?: SealOptions): Uint8Array {
    if (this.exhausted) {
      throw new DtlsError('ERR_DTLS_AEAD_LIMIT', `epoch ${this.epoch}: ${this.next} records sealed, the key's limit`, 'internal_error');
    }
    const out = this.protection.seal(type, content, this.epoch, this.next, opts);
    this.next++;
    return out;
  }

  /** Forget the keys. */
  wipe(): void {
    this.protection.wipe();
  }
}
