/**
 * The sending half of the handshake's reliability (RFC 6347 §4.2.4): our
 * flights, their retransmission, and their fragmentation into datagrams.
 *
 * ```
 *                +-----------+
 *                | PREPARING | <------------------------------------+
 *                +-----------+                                      |
 *                      | send(last = false)                         |
 *                      v                                            |
 *   timer expired +---------+  the peer's next flight complete:     |
 *   (backoff,     | WAITING |  our answer starts a new flight -------+
 *   resend) +---> |         |
 *           +---- +---------+ <- the peer resent a flight we answered:
 *                      |          resend (rate-limited: QUIET)
 *                      |       <- part of the peer's next flight came:
 *                      |          EARLY resend a quarter timer later, once
 *   send(last = true)  v
 *                +----------+  the peer resent its flight: resend (QUIET)
 *                | FINISHED |  kept for `lastFlightLifetime` (2×MSL, S-31),
 *                +----------+  then dropped
 * ```
 *
 * The states, the retransmission timer's value and everything a
 * retransmission rule reads live here, and nowhere else. Time is an argument;
 * nothing here reads a clock or sends: datagrams go to the `emit` callback.
 * DTLS 1.3 (RFC 9147 §5.8) will add acknowledgements as another input of the
 * same machine (resend only what was not acknowledged).
 *
 * @module
 */
import { Writer } from '../codec/writer.js';
import { concatBytes } from '../codec/bytes.js';
import { HANDSHAKE_HEADER_LENGTH, encodeHandshakeFragment } from '../handshake/header.js';
import { HandshakeTypes } from '../handshake/registry.js';
import { RetransmitTimer } from '../handshake/retransmit.js';
import { ContentType } from '../record/content-type.js';
import { channels, trace } from '../trace.js';

/** One message of a flight, or its ChangeCipherSpec, in the epoch it is sent in. */
export type FlightEntry =
  | { readonly kind: 'handshake'; readonly msgType: number; readonly messageSeq: number; readonly body: Uint8Array; readonly epoch: number }
  | { readonly kind: 'ccs'; readonly epoch: number };

/** How flights become records: the record layer of the association. */
export interface RecordSealer {
  /** Bytes a record of `epoch` adds to its content (header and protection). */
  overhead(epoch: number): number;
  /** One protected record; throws when the epoch's sequence numbers are exhausted. */
  seal(type: number, data: Uint8Array, epoch: number): Uint8Array;
  /** The sequence number the next record of `epoch` gets (DTLS 1.3: what an ACK names). */
  nextSeq(epoch: number): number;
}

/** A record number (RFC 9147 §4: epoch and sequence number), as an ACK lists them. */
export interface RecordNumber {
  readonly epoch: number;
  readonly seq: number;
}

/** Which bytes of which message of the flight a record carried. */
interface Piece {
  readonly entry: number;
  readonly offset: number;
  readonly length: number;
}

/**
 * DTLS 1.3's acknowledgement state of the current flight (RFC 9147 §7): what
 * each record we sent carried, and which byte ranges of each message the
 * peer acknowledged. A retransmission carries only what is not.
 */
class AckState {
  private readonly sent = new Map<string, Piece[]>();
  /** Acknowledged [start, end) ranges per flight entry, sorted and merged. */
  private readonly acked = new Map<number, [number, number][]>();

  record(rn: RecordNumber, pieces: Piece[]): void {
    this.sent.set(`${rn.epoch}/${rn.seq}`, pieces);
  }

  /** Mark what the records carried as received; unknown record numbers are ignored. Returns whether anything new was marked. */
  acknowledge(records: readonly RecordNumber[]): boolean {
    let any = false;
    for (const rn of records) {
      const pieces = this.sent.get(`${rn.epoch}/${rn.seq}`);
      if (!pieces) continue;
      this.sent.delete(`${rn.epoch}/${rn.seq}`);
      for (const p of pieces) any = this.add(p.entry, p.offset, p.offset + p.length) || any;
    }
    return any;
  }

  private add(entry: number, start: number, end: number): boolean {
    const list = this.acked.get(entry) ?? [];
    const before = JSON.stringify(list);
    list.push([start, end]);
    list.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of list) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.acked.set(entry, merged);
    return JSON.stringify(merged) !== before;
  }

  /** The byte ranges of a `length`-byte message not yet acknowledged (a zero-length message: one empty range until acknowledged). */
  missing(entry: number, length: number): [number, number][] {
    const ranges = this.acked.get(entry) ?? [];
    if (length === 0) return ranges.length > 0 ? [] : [[0, 0]];
    const out: [number, number][] = [];
    let at = 0;
    for (const [a, b] of ranges) {
      if (a > at) out.push([at, a]);
      at = Math.max(at, b);
    }
    if (at < length) out.push([at, length]);
    return out;
  }
}

/** The settings the flight sender reads. */
export interface FlightSettings {
  readonly mtu: number;
  readonly retransmitInitial: number;
  readonly retransmitMax: number;
  readonly maxRetransmits: number;
  /** How long the sender of the last flight keeps it to answer retransmissions (2×MSL, S-31). */
  readonly lastFlightLifetime: number;
}

/**
 * The early resend of a flight when the peer's answer arrives only in part:
 * not yet scheduled for this flight, due at a time, or already used.
 */
type EarlyResend = { readonly at: number } | 'unused' | 'used';

/** The states of RFC 6347 §4.2.4 (SENDING is the instant of `transmit`). */
export type SenderState =
  /** Our turn: the next flight is being prepared; nothing of ours is outstanding. */
  | { readonly name: 'PREPARING' }
  /** Our flight is out and we wait for the peer's: the timer runs until `due`. */
  | { readonly name: 'WAITING'; readonly flight: readonly FlightEntry[]; readonly due: number; readonly early: EarlyResend; readonly quietUntil: number }
  /** We sent the last flight: resent only when the peer resends its own, until `keepUntil`. */
  | { readonly name: 'FINISHED'; readonly flight: readonly FlightEntry[]; readonly keepUntil: number; readonly quietUntil: number };

/** What a timeout did. */
export type TimeoutResult = 'none' | 'resent' | 'gave up' | 'expired';

const CCS_BODY = Uint8Array.of(1);

/**
 * Our flights and their retransmission: see the module comment for the
 * state machine. Owned by one association.
 */
export class FlightSender {
  private st: SenderState = { name: 'PREPARING' };
  /** The flight being prepared (the next one). */
  private next: FlightEntry[] = [];
  private readonly timer: RetransmitTimer;

  /** DTLS 1.3: what the peer acknowledged of the current flight (undefined for DTLS 1.2, which has no ACK). */
  private acks: AckState | undefined;

  constructor(
    private readonly settings: FlightSettings,
    private readonly sealer: RecordSealer,
    private readonly emit: (datagram: Uint8Array) => void,
    /** How the association is named in traces. */
    private readonly label: () => string,
    /** Track record numbers for ACKs and resend only what is not acknowledged (DTLS 1.3, RFC 9147 §7). */
    private readonly acknowledged = false,
  ) {
    this.timer = new RetransmitTimer(settings.retransmitInitial, settings.retransmitMax);
  }

  get state(): SenderState {
    return this.st;
  }

  /** The retransmission timer value now (ms). */
  get timeout(): number {
    return this.timer.current;
  }

  /** Whether we sent the handshake's last flight and still keep it. */
  get holdsLastFlight(): boolean {
    return this.st.name === 'FINISHED';
  }

  /** The next deadline of the sender: the timer, the early resend or the end of FINISHED. */
  get deadline(): number | undefined {
    const s = this.st;
    if (s.name === 'WAITING') return typeof s.early === 'object' && s.early.at < s.due ? s.early.at : s.due;
    if (s.name === 'FINISHED') return s.keepUntil;
    return undefined;
  }

  /**
   * The MTU to fragment to: the configured one, backed off after repeated
   * timeouts with no answer (S-27, RFC 6347 §4.1.1.1) in case the path's MTU is
   * smaller: to 1,232 bytes (IPv6's minimum MTU less headers) after two, and to
   * 548 (IPv4's 576 less headers) after four.
   */
  get mtu(): number {
    const r = this.timer.retries;
    const mtu = this.settings.mtu;
    if (r >= 4) return Math.min(mtu, 548);
    if (r >= 2) return Math.min(mtu, 1232);
    return mtu;
  }

  /** Half the initial timer (at most 500 ms): the shortest time between two answers to the peer (S-30). */
  private get resendGap(): number {
    return Math.min(this.settings.retransmitInitial, 1000) / 2;
  }

  /** Add a message (or ChangeCipherSpec) to the flight being prepared. */
  queue(entry: FlightEntry): void {
    this.next.push(entry);
  }

  /**
   * SENDING: the prepared flight is complete; transmit it. A `last` flight
   * (RFC 6347 §4.2.4: the sender of the last flight) is not retransmitted by
   * timer, only when the peer resends its own. A copy of the peer's previous
   * flight crossing ours is no news for an eighth of the initial timer.
   */
  send(last: boolean, now: number): void {
    const flight = this.next;
    this.next = [];
    trace(channels.flight, () => ({
      connection: this.label(), last,
      messages: flight.map((e) => (e.kind === 'ccs' ? 'change_cipher_spec' : HandshakeTypes.nameOf(e.msgType))),
    }));
    const quietUntil = now + this.resendGap / 4;
    this.acks = this.acknowledged ? new AckState() : undefined;
    this.st = last
      ? { name: 'FINISHED', flight, keepUntil: now + this.settings.lastFlightLifetime, quietUntil }
      : { name: 'WAITING', flight, due: now + this.timer.current, early: 'unused', quietUntil };
    this.transmit(flight);
  }

  /** A message of the peer's flight was processed: progress (RFC 6347 §4.2.4.1 keeps a backed-off value). */
  progress(): void {
    this.timer.progress();
  }

  /**
   * Part of the peer's next flight arrived while we wait for it. Its other
   * datagrams were sent in the same burst: if the flight is still incomplete
   * a quarter of the initial timer later, some of them were lost, and we
   * resend our flight then, once per flight, instead of waiting out the whole
   * timer. The peer answers it like any retransmission of ours (S-30),
   * resending its flight, of which we keep what already arrived. The timer
   * is neither restarted nor backed off by it. DTLS 1.2 has no ACK (RFC 9147
   * §7 adds them for this); an early resend is its nearest equivalent.
   */
  peerFlightPartial(now: number): void {
    const s = this.st;
    if (s.name !== 'WAITING' || s.early !== 'unused') return;
    this.st = { ...s, early: { at: now + this.settings.retransmitInitial / 4 } };
  }

  /**
   * The peer resent a flight we already processed: it lost ours, so resend it
   * (S-30), rate-limited: not within an eighth of the initial timer of the
   * flight's first transmission, nor within half of it of our last answer or
   * early resend (the peer's copy may be its answer to that: answering it
   * again would ping-pong). The limit also bounds what spoofed epoch-0
   * records can make us send.
   */
  peerRetransmitted(now: number): void {
    this.resend(now, 'peer retransmitted its flight');
  }

  /** Resend the flight (what is not acknowledged of it) now, unless within the quiet time: see {@link peerRetransmitted}. */
  private resend(now: number, reason: string): void {
    const s = this.st;
    if (s.name === 'PREPARING' || now < s.quietUntil) return;
    trace(channels.retransmit, () => ({ connection: this.label(), reason }));
    // The flight goes out now: the timer does not send it again right away.
    this.st = s.name === 'WAITING'
      ? { ...s, quietUntil: now + this.resendGap, due: now + this.timer.current }
      : { ...s, quietUntil: now + this.resendGap };
    this.transmit(s.flight);
  }

  /**
   * The handshake completed. The sender of the last flight keeps it
   * (FINISHED) to answer the peer's retransmissions; otherwise our flight is
   * obsolete. The timer returns to its initial value.
   */
  handshakeComplete(keepWaiting = false): void {
    if (this.st.name === 'WAITING' && keepWaiting) return;
    this.timer.reset();
    if (this.st.name !== 'FINISHED') this.st = { name: 'PREPARING' };
    this.next = [];
  }

  /**
   * An ACK (RFC 9147 §7): mark what the listed records carried as received.
   * Records we never sent, or of another flight, are ignored. Returns true
   * when the whole flight is now acknowledged (it is done: PREPARING). An
   * ACK that acknowledges something new but leaves gaps makes us resend
   * what is missing now (§7.3: "SHOULD retransmit the unacknowledged
   * messages or fragments"), rate-limited like an answer to the peer's
   * retransmission.
   */
  acknowledge(records: readonly RecordNumber[], now: number): boolean {
    const s = this.st;
    if (s.name !== 'WAITING' || !this.acks) return false;
    if (!this.acks.acknowledge(records)) return false;
    this.timer.progress();
    const acks = this.acks;
    const done = s.flight.every((e, i) => e.kind === 'ccs' || acks.missing(i, e.body.length).length === 0);
    if (done) this.flightDone();
    else this.resend(now, 'the peer acknowledged part of the flight');
    return done;
  }

  /** The peer's next flight arrived: ours was received whole (RFC 9147 §7: an implicit acknowledgement). */
  acknowledgeAll(): void {
    if (this.st.name === 'WAITING') this.flightDone();
  }

  private flightDone(): void {
    this.timer.reset();
    this.st = { name: 'PREPARING' };
    this.acks = undefined;
  }

  /** Whether a flight of ours is outstanding (sent, not yet acknowledged or answered). */
  get outstanding(): boolean {
    return this.st.name === 'WAITING';
  }

  /**
   * Time passed: the early resend, the timer (backoff and resend, or give up
   * after `maxRetransmits`), or the end of FINISHED.
   */
  onTimeout(now: number): TimeoutResult {
    const s = this.st;
    if (s.name === 'FINISHED') {
      if (now < s.keepUntil) return 'none';
      this.st = { name: 'PREPARING' };
      return 'expired';
    }
    if (s.name !== 'WAITING') return 'none';
    let result: TimeoutResult = 'none';
    let early = s.early;
    let quietUntil = s.quietUntil;
    if (typeof early === 'object' && now >= early.at) {
      early = 'used';
      // The peer's answer to this resend is no news: do not answer it in turn.
      quietUntil = now + this.resendGap;
      trace(channels.retransmit, () => ({ connection: this.label(), reason: 'the peer\'s flight arrived in part' }));
      this.transmit(s.flight);
      result = 'resent';
    }
    let due = s.due;
    if (now >= due) {
      if (this.timer.retries >= this.settings.maxRetransmits) return 'gave up';
      this.timer.backoff(now);
      due = now + this.timer.current;
      if (typeof early === 'object') early = 'unused';
      trace(channels.retransmit, () => ({ connection: this.label(), reason: 'timeout', attempt: this.timer.retries, timeout: this.timer.current }));
      this.transmit(s.flight);
      result = 'resent';
    }
    this.st = { name: 'WAITING', flight: s.flight, due, early, quietUntil };
    return result;
  }

  /**
   * Stop the timer but keep the flight, still resent when the peer's
   * retransmission shows it lacks it: a DTLS 1.3 association that gave up
   * waiting for the ACK of a flight sent after its handshake completed.
   */
  stopTimer(): void {
    if (this.st.name === 'WAITING') this.st = { ...this.st, due: Infinity, early: 'used' };
  }

  /** Forget every flight (the association closed). */
  discard(): void {
    this.st = { name: 'PREPARING' };
    this.next = [];
  }

  /**
   * Encode a flight into datagrams: fragment to the MTU, pack records (S-26,
   * S-27, S-28). DTLS 1.3 (acknowledged flights) also packs consecutive
   * handshake fragments of one epoch into one record (RFC 9147 §5.5 allows
   * several handshake messages per record): an encrypted flight of
   * EncryptedExtensions, Certificate, CertificateVerify and Finished is one
   * record to seal and open, not four. An ACK names the record, and the
   * pieces it carried are marked received together.
   */
  private transmit(flight: readonly FlightEntry[]): void {
    const mtu = this.mtu;
    const packs = this.acks !== undefined;
    let datagram: Uint8Array[] = [];
    let used = 0;
    const flush = () => {
      if (datagram.length === 0) return;
      this.emit(datagram.length === 1 ? datagram[0]! : concatBytes(...datagram));
      datagram = [];
      used = 0;
    };
    let pieces: Piece[] = [];
    // The open record's fragments (1.3), already counted in `used` with the record's overhead.
    let open: Uint8Array[] = [];
    let openEpoch = -1;
    let openBytes = 0;
    const record = (epoch: number, type: number, data: Uint8Array) => {
      if (this.acks) this.acks.record({ epoch, seq: this.sealer.nextSeq(epoch) }, pieces);
      const rec = this.sealer.seal(type, data, epoch);
      pieces = [];
      return rec;
    };
    const closeRecord = () => {
      if (open.length === 0) return;
      const rec = record(openEpoch, ContentType.handshake, open.length === 1 ? open[0]! : concatBytes(...open));
      used += rec.length - openBytes;
      datagram.push(rec);
      open = [];
      openBytes = 0;
    };
    const push = (rec: Uint8Array) => {
      if (used + rec.length > mtu) flush();
      datagram.push(rec);
      used += rec.length;
    };
    for (let i = 0; i < flight.length; i++) {
      const e = flight[i]!;
      if (e.kind === 'ccs') {
        closeRecord();
        push(record(e.epoch, ContentType.change_cipher_spec, CCS_BODY));
        continue;
      }
      const recordOverhead = this.sealer.overhead(e.epoch);
      for (const [start, end] of this.acks ? this.acks.missing(i, e.body.length) : [[0, e.body.length]] as const) {
        let offset = start;
        do {
          if (open.length > 0 && openEpoch !== e.epoch) closeRecord();
          // A fragment joins the open record (its handshake header only) or opens a record.
          let overhead = HANDSHAKE_HEADER_LENGTH + (open.length > 0 ? 0 : recordOverhead);
          let room = mtu - used - overhead;
          const left = end - offset;
          if (room < Math.min(left, 32) && used > 0) {
            closeRecord();
            flush();
            overhead = HANDSHAKE_HEADER_LENGTH + recordOverhead;
            room = mtu - overhead;
          }
          const n = Math.max(0, Math.min(left, room));
          if (n === 0 && left > 0) throw new RangeError(`mtu ${mtu} too small for a handshake fragment`);
          const w = new Writer(HANDSHAKE_HEADER_LENGTH + n);
          encodeHandshakeFragment(w, e.msgType, e.body.length, e.messageSeq, offset, e.body.subarray(offset, offset + n));
          pieces.push({ entry: i, offset, length: n });
          const fragment = w.finish();
          if (packs) {
            if (open.length === 0) {
              openEpoch = e.epoch;
              openBytes = recordOverhead;
              used += recordOverhead;
            }
            open.push(fragment);
            openBytes += fragment.length;
            used += fragment.length;
          } else {
            push(record(e.epoch, ContentType.handshake, fragment));
          }
          offset += n;
        } while (offset < end);
      }
    }
    closeRecord();
    flush();
  }
}
