/**
 * The record layer of one DTLS 1.3 association (RFC 9147 §4): epoch 0's
 * DTLSPlaintext records, the protected epochs (2: handshake, 3 and up:
 * application data, one per KeyUpdate) with their replay windows, record
 * number encryption, connection IDs, and the record numbers an ACK needs.
 * The 1.3 sibling of `src/record/record-layer.ts`, with the same calls where
 * the association needs the same thing.
 *
 * @module
 */
import { equalBytes } from '../codec/bytes.js';
import { DtlsError } from '../errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { ContentType, DTLS1_2 } from '../record/content-type.js';
import { ReplayWindow } from '../record/replay-window.js';
import { channels, recordTrace, trace } from '../trace.js';
import { ReceiveEpoch13, SendEpoch13 } from './epoch.js';
import { trafficKeys, keyScheduleParams } from './key-schedule.js';
import { RecordProtection13 } from './protection.js';
import { type ParsedDatagram13, type Record13, encodePlaintextRecord13, parseDatagram13 } from './record.js';
import { reconstructEpoch } from './record-number.js';
import type { Suite13 } from './suites.js';

/** Epoch-0 records further than this ahead of the highest seen are dropped (a spoofed one must not move the window far). */
const EPOCH0_MAX_JUMP = 4096;
/** Bytes of a DTLSPlaintext header. */
const PLAINTEXT_HEADER = 13;

/** Why `open` dropped a record that failed authentication with its epoch's integrity limit reached (the association must close). */
export const INTEGRITY_LIMIT_REACHED = 'integrity limit reached';

/** A record that passed the epoch, authentication and replay checks. */
export interface OpenedRecord13 {
  readonly type: number;
  readonly epoch: number;
  readonly seq: number;
  readonly data: Uint8Array;
}

/** One DTLS 1.3 association's records: see the module comment. */
export class RecordLayer13 {
  private readonly read = new Map<number, ReceiveEpoch13>();
  private readonly write = new Map<number, SendEpoch13>();
  private readonly epoch0 = new ReplayWindow(64);
  private epoch0Next = 0;
  private readEpoch = 0;
  private writeEpoch = 0;
  private cid: { ours: Uint8Array; peers: Uint8Array } | undefined;
  /** ChaCha20 mask counter order of this peer: unknown until a protected record of it opened (see `RecordProtection13.counterOrder`). */
  private counterOrder: 'unknown' | 'le' | 'be' = 'unknown';
  /** Records that failed authentication since the association began. */
  badRecords = 0;

  /**
   * S-41 after a dropped record: `maxBadRecords` over the association when
   * set (> 0), else the suite's integrity limit of the key (RFC 9147 §4.5.3).
   */
  tooManyBadRecords(reason: string, maxBadRecords: number): boolean {
    if (reason !== 'record failed authentication' && reason !== INTEGRITY_LIMIT_REACHED) return false;
    return maxBadRecords > 0 ? this.badRecords >= maxBadRecords : reason === INTEGRITY_LIMIT_REACHED;
  }
  /** Highest (epoch, seq) that authenticated, for address updates (RFC 9147 §9). */
  private newest: [number, number] = [-1, -1];
  /** Set when the last record opened was newer than every one before. */
  newestSeen = false;

  constructor(private readonly provider: CryptoProvider, private readonly replayWindowSize = 64, private readonly traceLabel?: () => string) {}

  get currentReadEpoch(): number {
    return this.readEpoch;
  }
  get currentWriteEpoch(): number {
    return this.writeEpoch;
  }
  /** Length of the CID the peer puts in records to us (0 when none). */
  get ourCidLength(): number {
    return this.cid?.ours.length ?? 0;
  }

  /** Use connection IDs in protected records (RFC 9147 §9). */
  setConnectionIds(ours: Uint8Array, peers: Uint8Array): void {
    this.cid = { ours, peers };
  }

  /** The connection IDs in use (src/persist saves them), if any. */
  get connectionIds(): { readonly ours: Uint8Array; readonly peers: Uint8Array } | undefined {
    return this.cid;
  }

  /** The replay window of a protected read epoch (src/persist saves and restores it). */
  readWindow(epoch = this.readEpoch): ReplayWindow | undefined {
    return this.read.get(epoch)?.replay;
  }

  /** The ChaCha20 mask counter order learnt from the peer (src/persist keeps it). */
  get maskCounterOrder(): 'unknown' | 'le' | 'be' {
    return this.counterOrder;
  }

  /** A restored association (src/persist): the peer's counter order as it was learnt. */
  restoreCounterOrder(order: 'unknown' | 'le' | 'be'): void {
    if (order !== 'unknown') this.adoptCounterOrder(order);
  }

  /** A restored association's write epoch continues at `seq` (src/persist: ahead of any number the saved one used). */
  skipWriteSeq(seq: number, epoch = this.writeEpoch): void {
    this.write.get(epoch)?.skipTo(seq);
  }

  /** Next write sequence number of an epoch. */
  nextWriteSeq(epoch = this.writeEpoch): number {
    return epoch === 0 ? this.epoch0Next : this.write.get(epoch)?.nextSeq ?? 0;
  }

  /** Our epoch-0 records continue from `seq` (after a stateless HelloRetryRequest, like 1.2's S-13). */
  setNextPlaintextSeq(seq: number): void {
    this.epoch0Next = seq;
  }

  /** The protection of `epoch` in one direction, from its traffic secret (RFC 8446 §7.3, RFC 9147 §4.2.3). */
  protection(suite: Suite13, secret: Uint8Array): RecordProtection13 {
    const k = keyScheduleParams(this.provider, suite.hash);
    const keys = trafficKeys(k, secret, suite.keyLength);
    const p = new RecordProtection13(this.provider, suite, keys);
    keys.key.fill(0);
    keys.iv.fill(0);
    keys.sn.fill(0);
    if (this.counterOrder === 'be') p.counterOrder = 'be';
    return p;
  }

  /** Accept records of `epoch` (≥ 2) from now on; it becomes the current read epoch if newer. */
  installRead(epoch: number, protection: RecordProtection13): void {
    this.read.get(epoch)?.wipe();
    this.read.set(epoch, new ReceiveEpoch13(epoch, protection, this.replayWindowSize));
    if (epoch > this.readEpoch) this.readEpoch = epoch;
  }

  /** Send in `epoch` (≥ 2) from now on. */
  installWrite(epoch: number, protection: RecordProtection13): void {
    this.write.get(epoch)?.wipe();
    this.write.set(epoch, new SendEpoch13(epoch, protection));
    this.writeEpoch = epoch;
  }

  /** Forget a read epoch (a retired handshake epoch, the epoch before a KeyUpdate once the new one is in use). */
  retireRead(epoch: number): void {
    if (epoch === 0) {
      this.plaintextRetired = true;
      return;
    }
    this.read.get(epoch)?.wipe();
    this.read.delete(epoch);
  }

  /** Forget a write epoch we no longer send in. */
  retireWrite(epoch: number): void {
    this.write.get(epoch)?.wipe();
    this.write.delete(epoch);
  }

  /** Whether `epoch` is readable. */
  canRead(epoch: number): boolean {
    return epoch === 0 ? !this.plaintextRetired : this.read.has(epoch);
  }

  private plaintextRetired = false;

  /** The epochs we can read, for the ACK rule "records of epochs we hold keys for" and tests. */
  get readableEpochs(): number[] {
    return [...this.read.keys()];
  }

  /** Whether the current write epoch's key must be updated soon (RFC 9147 §4.5.3: before its limit). */
  get writeNearLimit(): boolean {
    return this.write.get(this.writeEpoch)?.nearLimit() ?? false;
  }

  /** Split a datagram into records (never throws). */
  parse(datagram: Uint8Array): ParsedDatagram13 {
    return parseDatagram13(datagram, this.ourCidLength);
  }

  /**
   * Check and open one record: epoch 0's replay window and types, or the
   * protected epoch its bits choose, with its replay window and
   * authentication. Returns the record, or why it was dropped; throws
   * `ERR_DTLS_BAD_RECORD` for an authenticated record that breaks a rule.
   */
  open(rec: Record13): OpenedRecord13 | string {
    if (rec.kind === 'plaintext') {
      if (this.plaintextRetired) return 'epoch 0 retired';
      if (rec.version !== DTLS1_2 && !(rec.version === 0xfeff && rec.type === ContentType.handshake)) return 'bad version';
      if (!this.epoch0.check(rec.seq)) return 'replay';
      if (rec.seq - Math.max(this.epoch0.highest, 0) > EPOCH0_MAX_JUMP) return 'implausible sequence';
      this.epoch0.accept(rec.seq);
      return { type: rec.type, epoch: 0, seq: rec.seq, data: rec.fragment };
    }
    if (this.cid && this.cid.ours.length > 0 && (!rec.cid || !equalBytes(rec.cid, this.cid.ours))) return 'unknown cid';
    const epoch = reconstructEpoch(rec.epochBits, this.readEpoch, this.readableEpochs);
    if (epoch === undefined) return rec.epochBits === 1 ? 'epoch 1 (0-RTT) refused' : 'unknown epoch';
    const st = this.read.get(epoch)!;
    let r = st.open(rec);
    if (r.kind === 'dropped' && r.reason === 'record failed authentication' && this.counterOrder === 'unknown' && st.protection.counterOrderMatters) {
      // wolfSSL before 5.6.4 read the ChaCha20 mask's counter big-endian: try that order once.
      st.protection.counterOrder = 'be';
      r = st.open(rec);
      if (r.kind === 'record') this.adoptCounterOrder('be');
      else st.protection.counterOrder = 'le';
    }
    if (r.kind === 'dropped') {
      if (r.reason === 'record failed authentication') {
        this.badRecords++;
        // RFC 9147 §4.5.3: past the suite's integrity limit for this key (2^7 for CCM_8), the association closes.
        if (st.integrityLimitReached) return INTEGRITY_LIMIT_REACHED;
      }
      return r.reason;
    }
    // An authenticated record the peer should never have sent: fatal, with the alert its rule names.
    if (r.kind === 'fatal') throw new DtlsError('ERR_DTLS_BAD_RECORD', r.reason, r.alert);
    if (this.counterOrder === 'unknown' && st.protection.counterOrderMatters) this.adoptCounterOrder('le');
    this.newestSeen = epoch > this.newest[0] || (epoch === this.newest[0] && r.seq > this.newest[1]);
    if (this.newestSeen) this.newest = [epoch, r.seq];
    return { type: r.type, epoch, seq: r.seq, data: r.content };
  }

  /** The peer's ChaCha20 counter order is known: use it both ways, in every epoch from now on. */
  private adoptCounterOrder(order: 'le' | 'be'): void {
    this.counterOrder = order;
    for (const e of this.read.values()) e.protection.counterOrder = order;
    for (const e of this.write.values()) e.protection.counterOrder = order;
  }

  /** Whether the peer's ChaCha20 counter order is still unknown (a server may try the other order on retransmission). */
  get counterOrderUnknown(): boolean {
    return this.counterOrder === 'unknown' && [...this.write.values()].some((e) => e.protection.counterOrderMatters);
  }

  /** Before the peer's order is known: send the next records in the other order (wolfSSL before 5.6.4, see above). */
  flipCounterOrder(): void {
    if (!this.counterOrderUnknown) return;
    for (const e of this.write.values()) e.protection.counterOrder = e.protection.counterOrder === 'le' ? 'be' : 'le';
  }

  /** Bytes a record of `epoch` adds to its content (header, tag, inner content type, the mask's minimum). */
  overhead(epoch = this.writeEpoch): number {
    if (epoch === 0) return PLAINTEXT_HEADER;
    const p = this.write.get(epoch)?.protection;
    const cid = this.cid?.peers.length ?? 0;
    return 1 + cid + 2 + 2 + 1 + (p ? p.suite.tagLength : 16);
  }

  /**
   * Protect and frame one record in `epoch` (default: the current write
   * epoch): a 16-bit sequence number and a length field (records may be
   * packed). Returns the record and its sequence number, or null when the
   * epoch's key may seal no more (RFC 9147 §4.5.3: a KeyUpdate or closing is
   * due).
   */
  seal(type: number, data: Uint8Array, epoch = this.writeEpoch): Uint8Array | null {
    if (epoch === 0) {
      const seq = this.epoch0Next++;
      this.traceOut(type, data, 0, seq);
      return encodePlaintextRecord13(type, seq, data);
    }
    const st = this.write.get(epoch);
    if (!st) throw new Error(`no write state for epoch ${epoch}`);
    if (st.exhausted) return null;
    const seq = st.nextSeq;
    this.traceOut(type, data, epoch, seq);
    const peers = this.cid?.peers;
    return st.seal(type, data, { seqLength: 2, includeLength: true, ...(peers && peers.length > 0 && { cid: peers }) });
  }

  private traceOut(type: number, data: Uint8Array, epoch: number, seq: number): void {
    if (this.traceLabel === undefined || !channels.recordOut?.hasSubscribers) return;
    trace(channels.recordOut, () => recordTrace(this.traceLabel!(), type, epoch, seq, data));
  }

  /** Wipe every key. */
  wipe(): void {
    for (const e of this.read.values()) e.wipe();
    for (const e of this.write.values()) e.wipe();
    this.read.clear();
    this.write.clear();
  }
}
