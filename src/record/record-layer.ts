import { equalBytes } from '../codec/bytes.js';
import { ContentType, DTLS1_0, DTLS1_2, MAX_PLAINTEXT, MAX_SEQUENCE, RECORD_HEADER_LENGTH } from './content-type.js';
import type { RecordProtection } from './protection.js';
import { type DtlsRecord, writeRecordHeader } from './record.js';
import { ReplayWindow } from './replay-window.js';
import { channels, recordTrace, trace } from '../trace.js';

/** Why a record was dropped, for counters and the `puredtls:record:dropped` channel. */
export type DropReason =
  | 'bad version'
  | 'unknown epoch'
  | 'future epoch'
  | 'replay'
  | 'bad mac'
  | 'too long'
  | 'seq exhausted'
  | 'implausible sequence'
  | 'unexpected type'
  | 'unexpected cid record'
  | 'unknown cid'
  | 'record without cid'
  | 'bad inner plaintext';

/**
 * Epoch 0 has no authentication, so a spoofed record could move its replay
 * window far ahead and make every genuine record look old. Epoch-0 records
 * further than this ahead of the highest seen are dropped instead.
 */
export const EPOCH0_MAX_JUMP = 4096;

interface ReadEpoch {
  readonly epoch: number;
  readonly protection: RecordProtection | null;
  readonly window: ReplayWindow;
}

interface WriteEpoch {
  readonly epoch: number;
  readonly protection: RecordProtection | null;
  nextSeq: number;
}

const CID_TYPE = ContentType.tls12_cid;


/** A record that passed version, epoch, replay and authentication checks. */
export interface OpenedRecord {
  readonly type: number;
  readonly epoch: number;
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * The record layer of one association (RFC 6347 §4.1): epochs, 48-bit
 * sequence numbers, the replay window per epoch (checked before decryption,
 * updated after authentication, S-05), and record protection.
 */
export class RecordLayer {
  private readonly read = new Map<number, ReadEpoch>();
  private readonly write = new Map<number, WriteEpoch>();
  private readEpoch = 0;
  private writeEpoch = 0;
  /** The state of the current read epoch (the fast path's, without a map lookup). */
  private current: ReadEpoch | undefined;
  /** Records that failed authentication since the connection began. */
  badRecords = 0;
  /**
   * Connection IDs (RFC 9146): `ours` is what the peer puts in records to us,
   * `peers` what we put in records to it. They apply from epoch 1.
   */
  private cid: { ours: Uint8Array; peers: Uint8Array } | undefined;
  /** Highest (epoch, seq) that authenticated (for address updates, RFC 9146 §6); two fields, so no 2^48-scale double is boxed per record. */
  private newestEpoch = -1;
  private newestSeq = -1;
  /** Set when the last record opened was newer than every one before (read and cleared by the owner). */
  newestSeen = false;

  /**
   * @param traceLabel how the association is named on the `puredtls:record:out`
   *   channel; without it, sealed records are not published there.
   */
  constructor(private readonly replayWindowSize = 64, private readonly traceLabel?: () => string) {
    this.read.set(0, { epoch: 0, protection: null, window: new ReplayWindow(replayWindowSize) });
    this.write.set(0, { epoch: 0, protection: null, nextSeq: 0 });
  }

  get currentReadEpoch(): number {
    return this.readEpoch;
  }
  get currentWriteEpoch(): number {
    return this.writeEpoch;
  }

  /** Next write sequence number of an epoch (for tests and the data MTU). */
  nextWriteSeq(epoch = this.writeEpoch): number {
    return this.write.get(epoch)?.nextSeq ?? 0;
  }

  /** Force the next write sequence of the current epoch (REC-12 tests; a restored association's jump ahead, src/persist). */
  setNextWriteSeq(seq: number): void {
    this.write.get(this.writeEpoch)!.nextSeq = seq;
  }

  /** Use connection IDs from epoch 1 on. */
  setConnectionIds(ours: Uint8Array, peers: Uint8Array): void {
    this.cid = { ours, peers };
  }

  /** The connection IDs in use (src/persist saves them), if any. */
  get connectionIds(): { readonly ours: Uint8Array; readonly peers: Uint8Array } | undefined {
    return this.cid;
  }

  /** The replay window of a read epoch (src/persist saves and restores it). */
  readWindow(epoch = this.readEpoch): ReplayWindow | undefined {
    return this.read.get(epoch)?.window;
  }

  /** Length of the CID the peer puts in its records (to frame them), 0 when none. */
  get ourCidLength(): number {
    return this.cid?.ours.length ?? 0;
  }

  /** Install the next read epoch (on receiving ChangeCipherSpec). */
  activateRead(protection: RecordProtection): void {
    this.readEpoch += 1;
    this.current = { epoch: this.readEpoch, protection, window: new ReplayWindow(this.replayWindowSize) };
    this.read.set(this.readEpoch, this.current);
  }

  /** Install the next write epoch (when sending ChangeCipherSpec). */
  activateWrite(protection: RecordProtection): void {
    this.writeEpoch += 1;
    this.write.set(this.writeEpoch, { epoch: this.writeEpoch, protection, nextSeq: 0 });
  }

  /** Forget epoch 0 once the handshake is over (S-08): its records are dropped from then on. */
  retireEpoch(epoch: number): void {
    if (epoch >= this.readEpoch) return;
    this.read.delete(epoch);
  }

  /** Is this epoch one we can read now? */
  canRead(epoch: number): boolean {
    return this.read.has(epoch);
  }

  /**
   * Check and open one record. Returns the plaintext record, or a drop reason.
   * `epoch > current` records are reported as 'future epoch' so the caller can
   * buffer them until the epoch is installed (S-07: never decrypted with current keys).
   */
  open(rec: DtlsRecord): OpenedRecord | DropReason {
    if (rec.version !== DTLS1_2) {
      // 0xfeff is acceptable only on the initial ClientHello / HelloVerifyRequest (S-04).
      if (!(rec.version === DTLS1_0 && rec.epoch === 0 && rec.type === ContentType.handshake)) return 'bad version';
    }
    const ours = this.cid?.ours;
    if (rec.type === CID_TYPE) {
      // S-59: only once a CID was negotiated, only with exactly ours, never in epoch 0.
      if (!ours || ours.length === 0 || rec.epoch === 0 || !rec.cid) return 'unexpected cid record';
      if (!equalBytes(rec.cid, ours)) return 'unknown cid';
    } else if (rec.epoch > 0 && ours && ours.length > 0) {
      return 'record without cid';
    }
    const st = this.read.get(rec.epoch);
    if (!st) return rec.epoch > this.readEpoch && rec.epoch <= this.readEpoch + 1 ? 'future epoch' : 'unknown epoch';
    if (!st.window.check(rec.seq)) return 'replay';
    let data: Uint8Array | null;
    if (st.protection === null) {
      // Unprotected records can only be handshake, ChangeCipherSpec or alert: anything
      // else (a stray RTP packet that reads as DTLS, REC-15) must not touch the window.
      if (rec.type !== ContentType.handshake && rec.type !== ContentType.change_cipher_spec && rec.type !== ContentType.alert) {
        return 'unexpected type';
      }
      if (rec.seq - Math.max(st.window.highest, 0) > EPOCH0_MAX_JUMP) return 'implausible sequence';
      if (rec.fragment.length > MAX_PLAINTEXT) return 'too long';
      data = rec.fragment;
    } else {
      data = st.protection.open(rec.type, rec.version, rec.epoch, rec.seq, rec.fragment, rec.cid);
      if (data === null) {
        this.badRecords++;
        return 'bad mac';
      }
    }
    let type = rec.type;
    if (type === CID_TYPE) {
      // S-61: DTLSInnerPlaintext = content ‖ real type ‖ zeros; the real type is never 0.
      let i = data.length - 1;
      while (i >= 0 && data[i] === 0) i--;
      if (i < 0) return 'bad inner plaintext';
      type = data[i]!;
      data = data.subarray(0, i);
    }
    if (data.length > MAX_PLAINTEXT) return 'too long';
    this.accepted(st, rec.epoch, rec.seq);
    return { type, epoch: rec.epoch, seq: rec.seq, data };
  }

  /** Bookkeeping of a record that authenticated: the replay window and the newest record seen. */
  private accepted(st: ReadEpoch, epoch: number, seq: number): void {
    st.window.accept(seq);
    this.newestSeen = epoch > this.newestEpoch || (epoch === this.newestEpoch && seq > this.newestSeq);
    if (this.newestSeen) {
      this.newestEpoch = epoch;
      this.newestSeq = seq;
    }
  }

  /** Why {@link openApplicationData} last returned `null`. */
  lastDrop: DropReason = 'bad mac';
  /** Sequence number of the record {@link openApplicationData} last looked at. */
  lastSeq = 0;

  /**
   * The fast path for the usual datagram of an established association:
   * exactly one application_data record (no CID) of the current read epoch,
   * filling the datagram. The same checks as {@link open} (version, epoch,
   * replay before decryption, authentication, length) without any object
   * made on the way: the result is the plaintext as the AEAD produced it (a
   * new array the caller owns, possibly a `Buffer`).
   *
   * Returns `undefined` when the datagram is not of that shape — nothing was
   * changed, parse it and call {@link open} — and `null` when the record was
   * dropped ({@link lastDrop} says why, {@link lastSeq} which).
   */
  openApplicationData(d: Uint8Array): Uint8Array | null | undefined {
    const epoch = this.readEpoch;
    const st = this.current;
    if (d.length <= RECORD_HEADER_LENGTH || d[0] !== ContentType.application_data || epoch === 0 || st === undefined) return undefined;
    const p = st.protection;
    if (p === null || p.openAt === undefined || (this.cid !== undefined && this.cid.ours.length > 0)) return undefined;
    const length = (d[11]! << 8) | d[12]!;
    if (((d[1]! << 8) | d[2]!) !== DTLS1_2 || ((d[3]! << 8) | d[4]!) !== epoch || length !== d.length - RECORD_HEADER_LENGTH) return undefined;
    // 48-bit sequence number; a small integer (no boxed double) below 2^30.
    const hi = (d[5]! << 8) | d[6]!;
    const lo = ((d[7]! << 24) | (d[8]! << 16) | (d[9]! << 8) | d[10]!) >>> 0;
    const seq = hi === 0 ? lo : hi * 0x1_0000_0000 + lo;
    this.lastSeq = seq;
    if (!st.window.check(seq)) {
      this.lastDrop = 'replay';
      return null;
    }
    const data = p.openAt(ContentType.application_data, DTLS1_2, epoch, seq, d, RECORD_HEADER_LENGTH, length);
    if (data === null) {
      this.badRecords++;
      this.lastDrop = 'bad mac';
      return null;
    }
    if (data.length > MAX_PLAINTEXT) {
      this.lastDrop = 'too long';
      return null;
    }
    this.accepted(st, epoch, seq);
    return data;
  }

  /** Bytes a record of `epoch` adds to its plaintext (header + protection). */
  overhead(epoch = this.writeEpoch): number {
    const p = this.write.get(epoch)?.protection;
    const cid = epoch > 0 && this.cid && this.cid.peers.length > 0 ? this.cid.peers.length + 1 : 0;
    return RECORD_HEADER_LENGTH + (p ? p.maxExpansion : 0) + cid;
  }

  /**
   * Protect and frame one record in `epoch` (default: the current write
   * epoch). Returns null when the epoch's sequence numbers are exhausted
   * (S-06: the caller must close).
   */
  seal(type: number, data: Uint8Array, epoch = this.writeEpoch, version = DTLS1_2, forceSeq?: number): Uint8Array | null {
    const st = this.write.get(epoch);
    if (!st) throw new Error(`no write state for epoch ${epoch}`);
    const seq = forceSeq ?? st.nextSeq;
    if (seq >= MAX_SEQUENCE) return null;
    if (forceSeq === undefined) st.nextSeq = seq + 1;
    if (this.traceLabel !== undefined && channels.recordOut?.hasSubscribers) this.traceOut(type, data, epoch, seq);
    const p = st.protection;
    const peers = this.cid?.peers;
    if (epoch > 0 && peers && peers.length > 0 && p) {
      // RFC 9146 §4: tls12_cid record, the real type inside (no padding). The
      // inner plaintext is written where its ciphertext goes and sealed in place.
      const n = data.length + 1;
      const at = RECORD_HEADER_LENGTH + peers.length;
      if (p.sealTo && p.sealedLength) {
        const length = p.sealedLength(n);
        const out = new Uint8Array(at + length);
        // The inner plaintext sits at the end of the record, clear of the explicit
        // nonce that sealTo writes first; the AEAD reads it all before it writes.
        const ptAt = at + length - n;
        out.set(data, ptAt);
        out[ptAt + data.length] = type;
        p.sealTo(out, at, CID_TYPE, version, epoch, seq, out.subarray(ptAt, ptAt + n), peers);
        this.writeCidHeader(out, version, epoch, seq, peers, length);
        return out;
      }
      const inner = new Uint8Array(n);
      inner.set(data);
      inner[data.length] = type;
      const fragment = p.seal(CID_TYPE, version, epoch, seq, inner, peers);
      const out = new Uint8Array(at + fragment.length);
      this.writeCidHeader(out, version, epoch, seq, peers, fragment.length);
      out.set(fragment, at);
      return out;
    }
    if (p && p.sealTo && p.sealedLength) {
      // One buffer per record: header, then the protection writes the fragment after it.
      const length = p.sealedLength(data.length);
      const out = new Uint8Array(RECORD_HEADER_LENGTH + length);
      writeRecordHeader(out, 0, type, version, epoch, seq, length);
      p.sealTo(out, RECORD_HEADER_LENGTH, type, version, epoch, seq, data);
      return out;
    }
    const fragment = p ? p.seal(type, version, epoch, seq, data) : data;
    const out = new Uint8Array(RECORD_HEADER_LENGTH + fragment.length);
    writeRecordHeader(out, 0, type, version, epoch, seq, fragment.length);
    out.set(fragment, RECORD_HEADER_LENGTH);
    return out;
  }

  /** Apart from {@link seal}: a closure there would make every call allocate its context. */
  private traceOut(type: number, data: Uint8Array, epoch: number, seq: number): void {
    trace(channels.recordOut, () => recordTrace(this.traceLabel!(), type, epoch, seq, data));
  }

  private writeCidHeader(out: Uint8Array, version: number, epoch: number, seq: number, peers: Uint8Array, length: number): void {
    writeRecordHeader(out, 0, CID_TYPE, version, epoch, seq, 0);
    out.set(peers, 11);
    out[11 + peers.length] = length >>> 8;
    out[12 + peers.length] = length & 0xff;
  }

  /** Wipe every key. */
  wipe(): void {
    for (const e of this.read.values()) e.protection?.wipe();
    for (const e of this.write.values()) e.protection?.wipe();
  }
}
