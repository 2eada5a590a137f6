/**
 * DTLS 1.2's change of epoch (RFC 6347 §4.1; S-33, S-35, S-38, SM-02,
 * SM-07): keys the handshake derived wait, pending, until our
 * ChangeCipherSpec switches the write epoch and the peer's switches the read
 * epoch. This module decides what the peer's ChangeCipherSpec means; the
 * association applies it. DTLS 1.3 has no ChangeCipherSpec: its handshake
 * installs each epoch's keys itself.
 *
 * @module
 */
import { DtlsError } from '../errors.js';
import type { EpochKeys } from '../handshake/key-schedule12.js';
import type { RecordProtection } from '../record/protection.js';

/** What to do with the peer's ChangeCipherSpec record. */
export type CcsVerdict =
  /** Switch the read epoch now. */
  | 'apply'
  /** The keys exist but messages before it are still missing: apply once they are in. */
  | 'remember'
  /** Unauthenticated and out of place (a reordered retransmission, or spoofed): drop it. */
  | 'drop'
  /** After the handshake, in epoch 0: someone else's or stale; dropped before its body is read. */
  | 'drop-late';

/** Where the handshake stands when a ChangeCipherSpec arrives. */
export interface CcsContext {
  readonly handshaking: boolean;
  /** The state machine expects ChangeCipherSpec now (all messages before it are in). */
  readonly expected: boolean;
  /** Messages of a later message_seq are buffered: something before the CCS is missing. */
  readonly messagesMissing: boolean;
  readonly readEpoch: number;
}

/** The pending keys of one association and the rules of its ChangeCipherSpec. */
export class ChangeCipherSpecGate {
  private pendingRead: RecordProtection | undefined;
  private pendingWrite: RecordProtection | undefined;
  /** The peer's CCS arrived before the messages it follows (S-35): applied once they are in. */
  private remembered = false;

  /** The handshake derived the next epoch's keys. */
  install(keys: EpochKeys): void {
    this.pendingRead = keys.read;
    this.pendingWrite = keys.write;
  }

  /** Our ChangeCipherSpec goes out: the write keys to switch to. */
  takeWrite(): RecordProtection {
    const w = this.pendingWrite;
    if (!w) throw new DtlsError('ERR_DTLS_INTERNAL', 'ChangeCipherSpec without keys to change to', 'internal_error');
    this.pendingWrite = undefined;
    return w;
  }

  /** The read keys to switch to (after an 'apply' verdict, or {@link readyToApply}). */
  takeRead(): RecordProtection {
    const r = this.pendingRead!;
    this.pendingRead = undefined;
    this.remembered = false;
    return r;
  }

  /** A remembered ChangeCipherSpec can take effect now. */
  readyToApply(c: CcsContext): boolean {
    return this.remembered && c.expected && this.pendingRead !== undefined && !c.messagesMissing;
  }

  /** The peer's ChangeCipherSpec record (its epoch and body). Throws on fatal ones. */
  onRecord(epoch: number, body: Uint8Array, c: CcsContext): CcsVerdict {
    if (!c.handshaking && epoch === 0) return 'drop-late';
    // S-33: the body is exactly one byte, 0x01 (SM-07: anything else is fatal).
    if (body.length !== 1 || body[0] !== 1) throw new DtlsError('ERR_DTLS_BAD_CCS', 'malformed ChangeCipherSpec', 'decode_error');
    const keys = this.pendingRead !== undefined;
    if (c.handshaking && !c.expected && keys && epoch === c.readEpoch) {
      this.remembered = true;
      return 'remember';
    }
    if (!c.handshaking || !c.expected || !keys || c.messagesMissing || epoch !== c.readEpoch) {
      // SM-02: out of place is dropped while unauthenticated (it may be a reordered retransmission).
      if (epoch === 0) return 'drop';
      throw new DtlsError('ERR_DTLS_UNEXPECTED_CCS', 'unexpected ChangeCipherSpec', 'unexpected_message');
    }
    return 'apply';
  }

  wipe(): void {
    this.pendingRead?.wipe();
    this.pendingWrite?.wipe();
    this.pendingRead = this.pendingWrite = undefined;
  }
}
