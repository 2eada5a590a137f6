import { toHex } from './codec/bytes.js';
import { Reader } from './codec/reader.js';
import { Writer } from './codec/writer.js';
import { constantTimeEqual } from './crypto/ct.js';
import { keyBlock, prf } from './crypto/prf.js';
import type { CryptoProvider } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import {
  AlertDescription, type AlertName, AlertReceivedError, ClosedError, DecodeError, DtlsError, HandshakeError,
  HandshakeTimeoutError, UnexpectedMessageError, alertFor,
} from './errors.js';
import type { HandshakeDriver, HandshakeMachine } from './handshake/driver.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment, encodeHandshakeFragment } from './handshake/header.js';
import { DEFAULT_REASSEMBLY_LIMITS, type HandshakeMessage, Reassembler, type ReassemblyLimits } from './handshake/reassembler.js';
import { HandshakeType, HandshakeTypes } from './handshake/registry.js';
import { RetransmitTimer } from './handshake/retransmit.js';
import { Transcript } from './handshake/transcript.js';
import { alertTrace, channels, recordTrace, trace, tracingRecords } from './trace.js';
import { ContentType, MAX_PLAINTEXT } from './record/content-type.js';
import { type RecordProtection, createProtection, keyBlockLayout } from './record/protection.js';
import { parseDatagram } from './record/record.js';
import { type DropReason, type OpenedRecord, RecordLayer } from './record/record-layer.js';
import type { DtlsRecord } from './record/record.js';

/** Timing and resource settings of one association. */
export interface ConnectionSettings {
  readonly provider: CryptoProvider;
  /** Largest datagram we send. */
  readonly mtu: number;
  readonly handshakeTimeout: number;
  readonly connectionTimeout: number;
  readonly retransmitInitial: number;
  readonly retransmitMax: number;
  readonly maxRetransmits: number;
  readonly reassembly: ReassemblyLimits;
  readonly replayWindow: number;
  /** Records from the next epoch buffered before it is installed (S-07, DOS-09). */
  readonly maxFutureRecords: number;
  /** Close after this many records fail authentication (0: never; S-41). */
  readonly maxBadRecords: number;
  /** How long the sender of the last flight keeps it to answer retransmissions (2×MSL, S-31). */
  readonly lastFlightLifetime: number;
}

export const DEFAULT_SETTINGS: Omit<ConnectionSettings, 'provider'> = Object.freeze({
  mtu: 1452,
  handshakeTimeout: 30_000,
  connectionTimeout: 600_000,
  retransmitInitial: 1000,
  retransmitMax: 60_000,
  maxRetransmits: 10,
  reassembly: DEFAULT_REASSEMBLY_LIMITS,
  replayWindow: 64,
  maxFutureRecords: 32,
  maxBadRecords: 0,
  lastFlightLifetime: 240_000,
});

/** What a connection reports to its owner. */
export type ConnectionEvent =
  | { readonly type: 'secure' }
  | { readonly type: 'data'; readonly data: Uint8Array }
  | { readonly type: 'drop'; readonly reason: string; readonly epoch?: number; readonly seq?: number }
  | { readonly type: 'alert'; readonly direction: 'sent' | 'received'; readonly level: number; readonly description: number }
  | { readonly type: 'close'; readonly error?: DtlsError }
  /** A path_response answered our path_challenge: the candidate address is reachable (RFC 9853). */
  | { readonly type: 'pathValidated' }
  /** An NSS key-log line (`CLIENT_RANDOM <client random> <master secret>`, hex) for Wireshark. */
  | { readonly type: 'keylog'; readonly line: string }
  /** The handshake waits for an asynchronous callback: call `resume(now)` once `settled` resolves (it never rejects). */
  | { readonly type: 'wait'; readonly settled: Promise<void> };

type FlightEntry =
  | { readonly kind: 'handshake'; readonly msgType: number; readonly messageSeq: number; readonly body: Uint8Array; readonly epoch: number }
  | { readonly kind: 'ccs'; readonly epoch: number };

type Phase = 'handshake' | 'established' | 'closed';

/**
 * One DTLS association, sans-IO: datagrams and the current time go in,
 * datagrams, events and the next deadline come out. It never touches a
 * socket or reads a clock.
 */
export class Connection implements HandshakeDriver {
  readonly transcript = new Transcript();
  readonly records: RecordLayer;
  private readonly reasm: Reassembler;
  private readonly timer: RetransmitTimer;
  private machine!: HandshakeMachine;
  private phase: Phase = 'handshake';
  private out: Uint8Array[] = [];
  private events: ConnectionEvent[] = [];
  private nextSendSeq = 0;
  /** The flight being prepared, then the last flight sent (kept for retransmission). */
  private preparing: FlightEntry[] = [];
  private flight: FlightEntry[] = [];
  private flightIsLast = false;
  private flightExpires: number | undefined;
  /**
   * S-30's rate limit: until when a retransmission from the peer gets no
   * answer. An eighth of the initial timer after our flight first goes out
   * (a copy of the peer's previous flight crossing it is no news), half of it
   * after we resent the flight early or to answer the peer (the peer's copy
   * may be its answer to ours: answering that again would ping-pong).
   */
  private quietUntil = -Infinity;
  private pendingRead: RecordProtection | undefined;
  private pendingWrite: RecordProtection | undefined;
  private futureRecords: DtlsRecord[] = [];
  private earlyData: Uint8Array[] = [];
  private waiting: Waiting | undefined;
  /** Records received while waiting for an asynchronous callback. */
  private held: DtlsRecord[] = [];
  private readonly handshakeDeadline: number;
  private lastReceived: number;
  /** Current time (ms) as last given by the owner. */
  now: number;
  /** Counters of dropped records, by reason. */
  readonly drops: Record<string, number> = {};
  /** How this association is named in traces (`server 10.0.0.2:5000`). */
  traceLabel: string;

  constructor(
    readonly role: 'client' | 'server',
    readonly settings: ConnectionSettings,
    now: number,
  ) {
    this.now = now;
    this.lastReceived = now;
    this.handshakeDeadline = now + settings.handshakeTimeout;
    this.records = new RecordLayer(settings.replayWindow);
    this.reasm = new Reassembler(settings.reassembly);
    this.timer = new RetransmitTimer(settings.retransmitInitial, settings.retransmitMax);
    this.traceLabel = role;
  }

  get provider(): CryptoProvider {
    return this.settings.provider;
  }

  /** Attach the state machine (done once by the server or client wrapper). */
  attach(machine: HandshakeMachine): void {
    this.machine = machine;
  }

  get isEstablished(): boolean {
    return this.phase === 'established';
  }
  /** The error the connection closed with (undefined for a clean close or while open). */
  closeError: DtlsError | undefined;

  get isClosed(): boolean {
    return this.phase === 'closed';
  }
  get handshakeState(): string {
    return this.machine?.stateName ?? 'none';
  }
  /** The retransmission timer value now (ms), for tests and traces. */
  get retransmitTimeout(): number {
    return this.timer.current;
  }

  // --- output --------------------------------------------------------------

  /** Datagrams to send to the peer, in order. */
  takeTransmits(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  takeEvents(): ConnectionEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Absolute time of the next deadline, or undefined. */
  nextTimeout(): number | undefined {
    if (this.phase === 'closed') return undefined;
    let t: number | undefined;
    const take = (v: number | undefined) => {
      if (v !== undefined && (t === undefined || v < t)) t = v;
    };
    if (this.phase === 'handshake') {
      take(this.handshakeDeadline);
      take(this.timer.deadline);
      take(this.partialAt);
    } else {
      take(this.lastReceived + this.settings.connectionTimeout);
      take(this.flightExpires);
    }
    return t;
  }

  // --- input ---------------------------------------------------------------

  /** A datagram from the peer. Never throws: bad input is dropped or ends the handshake with an alert. */
  handleDatagram(data: Uint8Array, now: number): void {
    if (this.phase === 'closed') return;
    this.now = now;
    // RFC 7983 §7: DTLS records start with 20..63; STUN (0..3), ZRTP, TURN and RTP/RTCP never reach the parser.
    if (data.length === 0 || data[0]! < 20 || data[0]! > 63) return this.drop('not DTLS (RFC 7983)');
    const parsed = parseDatagram(data, this.records.ourCidLength);
    for (const rec of parsed.records) {
      this.handleRecord(rec);
      if (this.isClosed) return;
    }
    if (parsed.dropped) this.drop(parsed.dropped);
  }

  /**
   * The allocation-free receive path of an established connection: when
   * `data` is exactly one application_data record of the current epoch (what
   * every DTLS stack sends for application data) and nothing is queued or
   * traced, open it and return the plaintext (a new array the caller owns,
   * a `Buffer` with node:crypto) instead of queuing a `data` event.
   *
   * Returns `undefined` when the datagram is not of that shape, or was
   * dropped (replay, bad MAC: the drop is counted and may close the
   * connection, as in {@link handleDatagram}); then the caller proceeds as
   * after `handleDatagram` (a not-handled datagram must go to it).
   * {@link fastHandled} tells the two apart without allocating.
   */
  receiveApplicationData(data: Uint8Array, now: number): Uint8Array | undefined {
    this.fastHandled = false;
    if (this.phase !== 'established' || this.waiting || this.events.length > 0 || this.out.length > 0 || tracingRecords()) return undefined;
    const r = this.records.openApplicationData(data);
    if (r === undefined) return undefined;
    this.fastHandled = true;
    this.now = now;
    if (r === null) {
      this.onDropAt(this.records.lastDrop, this.records.currentReadEpoch, this.records.lastSeq, undefined);
      return undefined;
    }
    this.lastReceived = now;
    if (this.records.newestSeen) this.sawNewest = true;
    return r;
  }

  /** Whether the last {@link receiveApplicationData} consumed its datagram (delivered or dropped). */
  fastHandled = false;

  /**
   * The allocation-free send path: seal `data` as one application_data
   * record and return the datagram for the caller to send right away, when
   * the connection is established with nothing queued or traced. Returns
   * `undefined` otherwise: call {@link send}, which queues it.
   */
  sealApplicationData(data: Uint8Array, now: number): Uint8Array | undefined {
    if (this.phase !== 'established' || this.out.length > 0 || this.events.length > 0 || data.length > MAX_PLAINTEXT || tracingRecords()) return undefined;
    this.now = now;
    return this.records.seal(ContentType.application_data, data) ?? undefined;
  }

  /** Process a record already split from a datagram (the server endpoint uses this for the verified ClientHello). */
  handleRecord(rec: DtlsRecord): void {
    if (this.phase === 'closed') return;
    if (this.waiting) {
      if (this.held.length < this.settings.maxFutureRecords) this.held.push({ ...rec, fragment: rec.fragment.slice(), raw: new Uint8Array(0) });
      else this.drop('held queue full', rec.epoch, rec.seq);
      return;
    }
    try {
      const opened = this.records.open(rec);
      if (typeof opened === 'string') {
        this.onDrop(opened, rec);
        return;
      }
      this.lastReceived = this.now;
      if (this.records.newestSeen && opened.epoch > 0) this.sawNewest = true;
      trace(channels.recordIn, () => recordTrace(this.traceLabel, opened.type, opened.epoch, opened.seq, opened.data));
      this.dispatch(opened);
    } catch (err) {
      this.fail(err);
    }
  }

  private onDrop(reason: DropReason, rec: DtlsRecord): void {
    this.onDropAt(reason, rec.epoch, rec.seq, rec);
  }

  private onDropAt(reason: DropReason, epoch: number, seq: number, rec: DtlsRecord | undefined): void {
    if (rec && reason === 'future epoch' && this.phase === 'handshake') {
      // S-07/DOS-09: keep a few next-epoch records (e.g. Finished ahead of a delayed CCS), each once.
      if (this.futureRecords.length < this.settings.maxFutureRecords
        && !this.futureRecords.some((r) => r.epoch === rec.epoch && r.seq === rec.seq)) {
        this.futureRecords.push({ ...rec, fragment: rec.fragment.slice(), raw: new Uint8Array(0) });
        return;
      }
    }
    this.drop(reason, epoch, seq);
    if (reason === 'bad mac' && this.phase === 'handshake' && epoch === this.records.currentReadEpoch && epoch > 0) {
      // The peer's Finished flight does not authenticate under the keys we derived.
      // Once is a corrupted datagram; twice (its retransmission too) means the keys
      // differ — a wrong or unknown PSK: fail fast with decrypt_error (same for both).
      // A burst (a flood, or buffered records replayed at the CCS) counts once: the
      // second failure must come a retransmission later.
      if (this.firstBadAt === undefined) this.firstBadAt = this.now;
      else if (this.now - this.firstBadAt >= this.settings.retransmitInitial / 2) {
        this.fail(new HandshakeError('ERR_DTLS_BAD_FINISHED', 'the peer\'s Finished flight does not authenticate: the keys differ (wrong pre-shared key?)', 'decrypt_error'));
        return;
      }
    }
    const limit = this.badRecordLimit;
    if (reason === 'bad mac' && limit > 0 && this.records.badRecords >= limit) {
      this.fail(new DtlsError('ERR_DTLS_TOO_MANY_BAD_RECORDS', `${this.records.badRecords} records failed authentication`, 'bad_record_mac'));
    }
  }

  private drop(reason: string, epoch?: number, seq?: number): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
    trace(channels.dropped, () => ({ connection: this.traceLabel, reason, epoch, seq }));
    this.events.push({ type: 'drop', reason, ...(epoch !== undefined && { epoch }), ...(seq !== undefined && { seq }) });
  }

  private dispatch(rec: OpenedRecord): void {
    switch (rec.type) {
      case ContentType.handshake:
        return this.onHandshakeRecord(rec);
      case ContentType.change_cipher_spec:
        return this.onChangeCipherSpec(rec);
      case ContentType.alert:
        return this.onAlert(rec);
      case ContentType.application_data:
        return this.onApplicationData(rec);
      case ContentType.return_routability_check:
        return this.onReturnRoutability(rec);
      case ContentType.heartbeat:
        // S-53: Heartbeat is not implemented; its records are dropped in any epoch.
        return this.drop('heartbeat', rec.epoch, rec.seq);
      default:
        // REC-07: unknown types in epoch 0 are dropped; authenticated ones are fatal.
        if (rec.epoch === 0) return this.drop('unknown content type', rec.epoch, rec.seq);
        throw new DtlsError('ERR_DTLS_UNEXPECTED_RECORD', `unexpected record type ${rec.type}`, 'unexpected_message');
    }
  }

  private onHandshakeRecord(rec: OpenedRecord): void {
    if (this.phase === 'established' && rec.epoch === 0) {
      // The peer retransmits the epoch-0 part of its last flight: ours was lost.
      // Never processed, only a (rate-limited) signal to resend our last flight.
      if (this.flightIsLast && this.flight.length > 0) this.onPeerRetransmission();
      return this.drop('old epoch handshake', rec.epoch, rec.seq);
    }
    const r = new Reader(rec.data);
    let sawOld = false;
    while (r.remaining > 0) {
      if (r.remaining < HANDSHAKE_HEADER_LENGTH) {
        // FRAG-08: a header split across records is rejected.
        this.drop('truncated handshake header', rec.epoch, rec.seq);
        break;
      }
      let frag;
      try {
        frag = decodeHandshakeFragment(r);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.drop('bad handshake fragment', rec.epoch, rec.seq);
        break;
      }
      if (frag.msgType === HandshakeType.hello_request) {
        // S-44: HelloRequest is ignored (renegotiation is refused, S-43).
        continue;
      }
      const res = this.reasm.add(frag, rec.epoch);
      if (res === 'old') sawOld = true;
      else if (res === 'dropped') this.drop('handshake fragment outside limits', rec.epoch, rec.seq);
      else this.notePeerFlight();
    }
    if (sawOld) this.onPeerRetransmission();
    this.processMessages();
  }

  /** Half the initial timer (at most 500 ms): the shortest time between two answers to the peer (S-30). */
  private get resendGap(): number {
    return Math.min(this.settings.retransmitInitial, 1000) / 2;
  }

  /** When to resend our flight early because the peer's arrived only in part (see {@link notePeerFlight}). */
  private partialAt: number | undefined;
  /** The early resend was used for the current flight. */
  private partialUsed = false;

  /**
   * Part of the peer's next flight arrived while we wait for it. Its other
   * datagrams were sent in the same burst: if the flight is still incomplete
   * a quarter of the initial timer later, some of them were lost, and we
   * resend our flight then, once per flight, instead of waiting out the
   * whole timer. The peer answers it like any retransmission of ours (S-30),
   * resending its flight, of which we keep what already arrived. The
   * timer is neither restarted nor backed off by it. DTLS 1.2 has no ACK
   * (RFC 9147 §7 adds them for this); an early resend is its nearest
   * equivalent.
   */
  private notePeerFlight(): void {
    if (this.partialUsed || this.partialAt !== undefined || this.timer.deadline === undefined || this.flight.length === 0) return;
    this.partialAt = this.now + this.settings.retransmitInitial / 4;
  }

  /** Deliver complete in-order messages to the state machine, iteratively (S-44). */
  private processMessages(): void {
    for (let msg = this.reasm.peek(); msg && !this.waiting; msg = this.reasm.peek()) {
      if (this.phase !== 'handshake') {
        this.reasm.pop();
        // S-43: a new handshake (renegotiation) is refused with a warning; any other
        // handshake message after the handshake is fatal (SM-05: an extra Finished).
        if (msg.msgType === HandshakeType.client_hello && this.role === 'server') {
          this.sendAlert(1, AlertDescription.no_renegotiation);
          continue;
        }
        throw new UnexpectedMessageError([], HandshakeTypes.nameOf(msg.msgType));
      }
      if (msg.epoch === 0 && !this.machine.accepts.includes(msg.msgType) && !this.machine.peerMessageTypes.includes(msg.msgType)) {
        // S-34: a message the peer's role never sends (spoofed or reflected) is not
        // authenticated: drop it and keep its message_seq open for the genuine one.
        // One the peer could send, out of order, is a fatal unexpected_message.
        this.reasm.discardNext();
        this.drop(`unexpected ${HandshakeTypes.nameOf(msg.msgType)}`, msg.epoch);
        continue;
      }
      this.reasm.pop();
      this.timer.progress();
      trace(channels.message, () => ({
        connection: this.traceLabel, direction: 'in', message: HandshakeTypes.nameOf(msg.msgType), messageSeq: msg.messageSeq, length: msg.body.length, epoch: msg.epoch,
      }));
      this.handleMessage(msg);
      if (this.isClosed) return;
      if (this.earlyCcs && this.machine.expectsChangeCipherSpec && this.pendingRead !== undefined && !this.reasm.hasFuture) {
        this.applyChangeCipherSpec();
        if (this.isClosed) return;
      }
    }
  }

  private handleMessage(msg: HandshakeMessage): void {
    if (msg.epoch !== this.records.currentReadEpoch) {
      // S-38: messages buffered in one epoch are never processed after a key change.
      throw new HandshakeError('ERR_DTLS_EPOCH_MISMATCH', 'handshake message from a stale epoch', 'unexpected_message');
    }
    this.machine.handleMessage(msg);
  }

  /**
   * The peer resent a flight we already processed: it lost ours, so resend it
   * (S-30), rate-limited by {@link quietUntil}: not within an eighth of the
   * initial timer of the flight's first transmission, nor within half of it
   * of our last answer or early resend (the peer's copy may be its answer to
   * that: answering it again would ping-pong). The limit also bounds what
   * spoofed epoch-0 records can make us send.
   */
  private onPeerRetransmission(): void {
    if (this.flight.length === 0) return;
    if (this.now < this.quietUntil) return;
    this.quietUntil = this.now + this.resendGap;
    trace(channels.retransmit, () => ({ connection: this.traceLabel, reason: 'peer retransmitted its flight' }));
    this.transmitFlight();
    // The flight just went out: don't let the timer send it again right away.
    if (this.timer.deadline !== undefined) this.timer.start(this.now);
  }

  private onChangeCipherSpec(rec: OpenedRecord): void {
    // After the handshake an unauthenticated (epoch-0) CCS is someone else's or stale:
    // dropped before anything else, so a spoofed one cannot end the association.
    if (this.phase !== 'handshake' && rec.epoch === 0) return this.drop('change_cipher_spec after the handshake', rec.epoch, rec.seq);
    // S-33: the body is exactly one byte, 0x01 (SM-07: anything else is fatal).
    if (rec.data.length !== 1 || rec.data[0] !== 1) {
      throw new DtlsError('ERR_DTLS_BAD_CCS', 'malformed ChangeCipherSpec', 'decode_error');
    }
    if (this.phase === 'handshake' && !this.machine.expectsChangeCipherSpec && this.pendingRead !== undefined
      && rec.epoch === this.records.currentReadEpoch) {
      // The keys exist but messages before the CCS are still missing (a reordered
      // or partly lost flight): remember it; it takes effect once they are in (S-35).
      this.earlyCcs = true;
      return;
    }
    if (this.phase !== 'handshake' || !this.machine.expectsChangeCipherSpec || this.pendingRead === undefined
      || this.reasm.hasFuture || rec.epoch !== this.records.currentReadEpoch) {
      // SM-02: a CCS out of place is dropped while unauthenticated (it may be a reordered retransmission).
      if (rec.epoch === 0) return this.drop('unexpected change_cipher_spec', rec.epoch, rec.seq);
      throw new DtlsError('ERR_DTLS_UNEXPECTED_CCS', 'unexpected ChangeCipherSpec', 'unexpected_message');
    }
    this.applyChangeCipherSpec();
  }

  private earlyCcs = false;

  private applyChangeCipherSpec(): void {
    this.earlyCcs = false;
    this.machine.handleChangeCipherSpec();
    this.records.activateRead(this.pendingRead!);
    this.pendingRead = undefined;
    const buffered = this.futureRecords;
    this.futureRecords = [];
    for (const r of buffered) {
      this.handleRecord(r);
      if (this.isClosed) return;
    }
  }

  private onAlert(rec: OpenedRecord): void {
    // S-39: exactly two bytes.
    if (rec.data.length !== 2) {
      if (rec.epoch === 0) return this.drop('malformed alert', rec.epoch, rec.seq);
      throw new DtlsError('ERR_DTLS_BAD_ALERT', 'malformed alert record', 'decode_error');
    }
    if (this.phase === 'established' && rec.epoch === 0) return this.drop('unauthenticated alert', rec.epoch, rec.seq);
    const level = rec.data[0]!, description = rec.data[1]!;
    this.events.push({ type: 'alert', direction: 'received', level, description });
    trace(channels.alertReceived, () => alertTrace(this.traceLabel, level, description));
    if (description === AlertDescription.close_notify) {
      this.sendAlert(1, AlertDescription.close_notify);
      this.closeWith(this.phase === 'handshake' ? new AlertReceivedError(level, description) : undefined);
      return;
    }
    if (level === 2) this.closeWith(new AlertReceivedError(level, description));
  }

  private onApplicationData(rec: OpenedRecord): void {
    // S-08/S-09: never epoch 0, never before the peer's Finished verified.
    if (rec.epoch === 0) return this.drop('plaintext application data', rec.epoch, rec.seq);
    if (this.phase === 'handshake') {
      if (this.earlyData.length < this.settings.maxFutureRecords) this.earlyData.push(rec.data.slice());
      return;
    }
    this.events.push({ type: 'data', data: rec.data.slice() });
  }

  // --- Connection ID and return routability (RFC 9146, RFC 9853) ---------------

  private rrc = false;
  private pathCookie: Uint8Array | undefined;
  private sawNewest = false;

  setConnectionIds(ours: Uint8Array, peers: Uint8Array, rrc: boolean): void {
    this.records.setConnectionIds(ours, peers);
    this.rrc = rrc;
  }

  /** Whether the peer supports the return routability check. */
  get returnRoutability(): boolean {
    return this.rrc;
  }

  /**
   * Did the datagram just handled carry an authenticated record newer than any
   * before (RFC 9146 §6: only such a record may move the peer's address)? Clears the flag.
   */
  takeNewestFlag(): boolean {
    const f = this.sawNewest;
    this.sawNewest = false;
    return f;
  }

  /**
   * A path_challenge (RFC 9853 §5) to send to a candidate address of the peer;
   * a matching path_response yields a 'pathValidated' event.
   */
  makePathChallenge(): Uint8Array | undefined {
    if (!this.rrc || this.phase !== 'established') return undefined;
    this.pathCookie = this.provider.randomBytes(8);
    const body = new Uint8Array(9);
    body[0] = RRC_PATH_CHALLENGE;
    body.set(this.pathCookie, 1);
    return this.records.seal(ContentType.return_routability_check, body) ?? undefined;
  }

  private onReturnRoutability(rec: OpenedRecord): void {
    if (rec.epoch === 0 || !this.rrc || this.phase !== 'established' || rec.data.length !== 9) {
      return this.drop('unexpected return_routability_check', rec.epoch, rec.seq);
    }
    const type = rec.data[0]!;
    const cookie = rec.data.subarray(1);
    if (type === RRC_PATH_CHALLENGE) {
      const body = new Uint8Array(9);
      body[0] = RRC_PATH_RESPONSE;
      body.set(cookie, 1);
      const out = this.records.seal(ContentType.return_routability_check, body);
      if (out) this.out.push(out);
    } else if (type === RRC_PATH_RESPONSE && this.pathCookie && constantTimeEqual(cookie, this.pathCookie)) {
      this.pathCookie = undefined;
      this.events.push({ type: 'pathValidated' });
    }
  }

  /** Virtual or real time advanced: fire retransmission, handshake and idle deadlines. */
  handleTimeout(now: number): void {
    if (this.phase === 'closed') return;
    this.now = now;
    try {
      if (this.phase === 'handshake') {
        if (now >= this.handshakeDeadline) {
          this.closeWith(new HandshakeTimeoutError(this.settings.handshakeTimeout));
          return;
        }
        if (this.partialAt !== undefined && now >= this.partialAt) {
          this.partialAt = undefined;
          // Still waiting for the rest of the peer's flight (the timer runs until it completes).
          if (this.timer.deadline !== undefined && this.flight.length > 0) {
            this.partialUsed = true;
            // The peer's answer to this resend is no news: do not answer it in turn.
            this.quietUntil = now + this.resendGap;
            trace(channels.retransmit, () => ({ connection: this.traceLabel, reason: 'the peer\'s flight arrived in part' }));
            this.transmitFlight();
          }
        }
        const due = this.timer.deadline;
        if (due !== undefined && now >= due) {
          if (this.timer.retries >= this.settings.maxRetransmits) {
            this.closeWith(new HandshakeTimeoutError(this.settings.handshakeTimeout));
            return;
          }
          this.timer.backoff(now);
          this.partialAt = undefined;
          trace(channels.retransmit, () => ({ connection: this.traceLabel, reason: 'timeout', attempt: this.timer.retries, timeout: this.timer.current }));
          this.transmitFlight();
        }
        return;
      }
      if (this.flightExpires !== undefined && now >= this.flightExpires) {
        this.flight = [];
        this.flightExpires = undefined;
        this.records.retireEpoch(0);
      }
      if (now >= this.lastReceived + this.settings.connectionTimeout) {
        this.sendAlert(1, AlertDescription.close_notify);
        this.closeWith(new DtlsError('ERR_DTLS_IDLE_TIMEOUT', `no data received for ${this.settings.connectionTimeout} ms`));
      }
    } catch (err) {
      this.fail(err);
    }
  }

  // --- application API ---------------------------------------------------------

  /** Largest application message `send` accepts. */
  get maxMessageSize(): number {
    return MAX_PLAINTEXT;
  }

  /** Send application data (one record). Throws when not established or too large. */
  send(data: Uint8Array, now: number): void {
    this.now = now;
    if (this.phase !== 'established') throw new ClosedError(this.phase === 'closed' ? 'connection is closed' : 'handshake not complete');
    if (data.length > MAX_PLAINTEXT) {
      throw new DtlsError('ERR_DTLS_MESSAGE_TOO_LONG', `message of ${data.length} bytes exceeds ${MAX_PLAINTEXT}`);
    }
    const rec = this.sealTraced(ContentType.application_data, data, this.records.currentWriteEpoch);
    if (rec === null) {
      // S-06: never wrap the sequence number.
      this.sendAlert(1, AlertDescription.close_notify);
      this.closeWith(new DtlsError('ERR_DTLS_SEQUENCE_EXHAUSTED', 'record sequence numbers exhausted'));
      throw new ClosedError('record sequence numbers exhausted');
    }
    this.out.push(rec);
  }

  /** Send close_notify and close. */
  close(now: number): void {
    if (this.phase === 'closed') return;
    this.now = now;
    this.sendAlert(1, AlertDescription.close_notify);
    this.closeWith(undefined);
  }

  /** Close without sending anything (e.g. the server is being destroyed). */
  destroy(error?: DtlsError): void {
    if (this.phase !== 'closed') this.closeWith(error);
  }

  // --- HandshakeDriver ---------------------------------------------------------

  sendMessage(msgType: number, body: Uint8Array): void {
    const messageSeq = this.nextSendSeq++;
    this.traceMessageOut(msgType, messageSeq, body);
    this.transcript.add(msgType, messageSeq, body);
    this.preparing.push({ kind: 'handshake', msgType, messageSeq, body, epoch: this.records.currentWriteEpoch });
  }

  /** Queue a message that is not part of the transcript (HelloVerifyRequest, the first ClientHello). */
  private traceMessageOut(msgType: number, messageSeq: number, body: Uint8Array): void {
    trace(channels.message, () => ({
      connection: this.traceLabel, direction: 'out', message: HandshakeTypes.nameOf(msgType), messageSeq, length: body.length, epoch: this.records.currentWriteEpoch,
    }));
  }

  sendUntracked(msgType: number, body: Uint8Array): number {
    const messageSeq = this.nextSendSeq++;
    this.traceMessageOut(msgType, messageSeq, body);
    this.preparing.push({ kind: 'handshake', msgType, messageSeq, body, epoch: this.records.currentWriteEpoch });
    return messageSeq;
  }

  /** The server starts its message_seq after the HelloVerifyRequest it sent statelessly. */
  setMessageSeqs(nextSend: number, nextReceive: number): void {
    this.nextSendSeq = nextSend;
    this.reasm.reset(nextReceive);
  }

  suspend<T>(work: Promise<T>, resume: (value: T) => void): void {
    const w: Waiting = { resume: resume as (v: unknown) => void };
    this.waiting = w;
    const settled = work.then(
      (value) => { w.result = { ok: true, value }; },
      (error: unknown) => { w.result = { ok: false, error }; },
    );
    this.events.push({ type: 'wait', settled });
  }

  /** An asynchronous callback settled: continue the handshake, then the input held meanwhile. */
  resume(now: number): void {
    const w = this.waiting;
    if (!w || !w.result || this.phase === 'closed') return;
    this.now = now;
    this.waiting = undefined;
    try {
      if (!w.result.ok) {
        const e = w.result.error;
        throw e instanceof DtlsError ? e : new DtlsError('ERR_DTLS_CALLBACK', `callback failed: ${(e as Error)?.message ?? e}`, 'internal_error', { cause: e });
      }
      w.resume(w.result.value);
      this.processMessages();
    } catch (err) {
      this.fail(err);
      return;
    }
    const held = this.held;
    this.held = [];
    for (const r of held) {
      this.handleRecord(r);
      if (this.isClosed) return;
    }
  }

  sendChangeCipherSpec(): void {
    if (!this.pendingWrite) throw new Error('no keys to change to');
    this.preparing.push({ kind: 'ccs', epoch: this.records.currentWriteEpoch });
    this.records.activateWrite(this.pendingWrite);
    this.pendingWrite = undefined;
  }

  /**
   * Records that may fail authentication before the connection closes (S-41):
   * `maxBadRecords` when set; otherwise 2^7 for the 8-byte-tag CCM_8 suites
   * (RFC 9147 §4.5.3) and no limit for the others.
   */
  private badRecordLimit = 0;
  private firstBadAt: number | undefined;

  deriveKeys(suite: CipherSuite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, encryptThenMac: boolean): void {
    const p = suite.protection;
    this.badRecordLimit = this.settings.maxBadRecords > 0 ? this.settings.maxBadRecords
      : p.kind === 'aead' && p.tagLength === 8 ? CCM8_INTEGRITY_LIMIT : 0;
    const { macLength, keyLength, ivLength } = keyBlockLayout(suite);
    const kb = keyBlock(this.provider, suite.prfHash, master, serverRandom, clientRandom, 2 * (macLength + keyLength + ivLength));
    let o = 0;
    const take = (n: number) => kb.slice(o, (o += n));
    const clientMac = take(macLength), serverMac = take(macLength);
    const clientKey = take(keyLength), serverKey = take(keyLength);
    const clientIv = take(ivLength), serverIv = take(ivLength);
    kb.fill(0);
    const client = createProtection(this.provider, suite, { macKey: clientMac, encKey: clientKey, iv: clientIv }, encryptThenMac);
    const server = createProtection(this.provider, suite, { macKey: serverMac, encKey: serverKey, iv: serverIv }, encryptThenMac);
    for (const k of [clientMac, serverMac, clientKey, serverKey, clientIv, serverIv]) k.fill(0);
    this.pendingWrite = this.role === 'client' ? client : server;
    this.pendingRead = this.role === 'client' ? server : client;
  }

  flushFlight(last: boolean): void {
    trace(channels.flight, () => ({
      connection: this.traceLabel, last,
      messages: this.preparing.map((e) => (e.kind === 'ccs' ? 'change_cipher_spec' : HandshakeTypes.nameOf(e.msgType))),
    }));
    this.flight = this.preparing;
    this.preparing = [];
    this.flightIsLast = last;
    this.quietUntil = this.now + this.resendGap / 4;
    this.partialAt = undefined;
    this.partialUsed = false;
    this.transmitFlight();
    if (last) {
      this.timer.stop();
      this.flightExpires = this.now + this.settings.lastFlightLifetime;
    } else {
      this.timer.start(this.now);
    }
  }

  private exporter: { prfHash: 'sha256' | 'sha384'; master: Uint8Array; clientRandom: Uint8Array; serverRandom: Uint8Array } | undefined;

  masterSecretReady(suite: CipherSuite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): void {
    this.exporter?.master.fill(0);
    this.exporter = { prfHash: suite.prfHash, master: Uint8Array.from(master), clientRandom: Uint8Array.from(clientRandom), serverRandom: Uint8Array.from(serverRandom) };
    // The NSS key log line is built only if someone reads it (a 'keylog' listener):
    // no hex strings of the master secret otherwise.
    // (Copies: the exporter's are wiped at close, which may come before the event is read.)
    const random = Uint8Array.from(clientRandom);
    const secret = Uint8Array.from(master);
    this.events.push({
      type: 'keylog',
      get line() {
        return `CLIENT_RANDOM ${toHex(random)} ${toHex(secret)}\n`;
      },
    });
  }

  /**
   * Keying material exporter (RFC 5705 §4): PRF(master_secret, label,
   * client_random ‖ server_random [‖ uint16 context length ‖ context]). Used by
   * DTLS-SRTP (RFC 5764). Only once the handshake completed.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    const x = this.exporter;
    if (!x || this.phase !== 'established') throw new ClosedError('no keying material: the handshake is not complete');
    if (!Number.isInteger(length) || length < 1 || length > 65_535) throw new RangeError('length must be 1..65535');
    if (/^(client finished|server finished|master secret|key expansion|extended master secret)$/.test(label)) {
      throw new RangeError(`label "${label}" is reserved (RFC 5705 §4)`);
    }
    const ctx = context ? 2 + context.length : 0;
    if (context && context.length > 0xffff) throw new RangeError('context too long');
    const seed = new Uint8Array(64 + ctx);
    seed.set(x.clientRandom, 0);
    seed.set(x.serverRandom, 32);
    if (context) {
      seed[64] = context.length >>> 8;
      seed[65] = context.length & 0xff;
      seed.set(context, 66);
    }
    return prf(this.provider, x.prfHash, x.master, label, seed, length);
  }

  complete(): void {
    // SM-05: the peer's flight ends with its Finished; anything buffered beyond it is an extra message.
    if (this.reasm.bufferedBytes > 0 || this.reasm.hasFuture) {
      throw new UnexpectedMessageError([], 'handshake message after Finished');
    }
    this.phase = 'established';
    this.timer.stop();
    this.timer.reset();
    this.reasm.clear();
    this.transcript.clear();
    this.futureRecords = [];
    // Epoch 0 stays readable while we keep our last flight, to notice the peer
    // retransmitting its flight; it is retired when that flight expires.
    if (!this.flightIsLast) this.records.retireEpoch(0);
    this.machine.wipe();
    if (!this.flightIsLast) this.flight = [];
    this.events.push({ type: 'secure' });
    trace(channels.complete, () => ({ connection: this.traceLabel }));
    for (const d of this.earlyData) this.events.push({ type: 'data', data: d });
    this.earlyData = [];
  }

  // --- sending ---------------------------------------------------------------

  /** Encode the current flight into datagrams: fragment to the MTU, pack records (S-26, S-27, S-28). */
  /**
   * The MTU to fragment to: the configured one, backed off after repeated
   * timeouts with no answer (S-27, RFC 6347 §4.1.1.1) in case the path's MTU is
   * smaller: to 1,232 bytes (IPv6's minimum MTU less headers) after two, and to
   * 548 (IPv4's 576 less headers) after four.
   */
  get flightMtu(): number {
    const r = this.timer.retries;
    const mtu = this.settings.mtu;
    if (r >= 4) return Math.min(mtu, 548);
    if (r >= 2) return Math.min(mtu, 1232);
    return mtu;
  }

  private transmitFlight(): void {
    const mtu = this.flightMtu;
    let datagram: Uint8Array[] = [];
    let used = 0;
    const flush = () => {
      if (datagram.length === 0) return;
      this.out.push(datagram.length === 1 ? datagram[0]! : concatAll(datagram, used));
      datagram = [];
      used = 0;
    };
    const push = (rec: Uint8Array) => {
      if (used + rec.length > mtu) flush();
      datagram.push(rec);
      used += rec.length;
    };
    for (const e of this.flight) {
      if (e.kind === 'ccs') {
        push(this.sealOrThrow(ContentType.change_cipher_spec, CCS_BODY, e.epoch));
        continue;
      }
      const overhead = this.records.overhead(e.epoch) + HANDSHAKE_HEADER_LENGTH;
      let offset = 0;
      do {
        let room = mtu - used - overhead;
        const left = e.body.length - offset;
        if (room < Math.min(left, 32) && used > 0) {
          flush();
          room = mtu - overhead;
        }
        const n = Math.max(0, Math.min(left, room));
        if (n === 0 && left > 0) throw new RangeError(`mtu ${mtu} too small for a handshake fragment`);
        const w = new Writer(HANDSHAKE_HEADER_LENGTH + n);
        encodeHandshakeFragment(w, e.msgType, e.body.length, e.messageSeq, offset, e.body.subarray(offset, offset + n));
        push(this.sealOrThrow(ContentType.handshake, w.finish(), e.epoch));
        offset += n;
      } while (offset < e.body.length);
    }
    flush();
  }

  /** Seal a record, publishing it on `puredtls:record:out` when traced. */
  private sealTraced(type: number, data: Uint8Array, epoch: number): Uint8Array | null {
    if (channels.recordOut?.hasSubscribers) {
      const seq = this.records.nextWriteSeq(epoch);
      trace(channels.recordOut, () => recordTrace(this.traceLabel, type, epoch, seq, data));
    }
    return this.records.seal(type, data, epoch);
  }

  private sealOrThrow(type: number, data: Uint8Array, epoch: number): Uint8Array {
    const rec = this.sealTraced(type, data, epoch);
    if (rec === null) throw new DtlsError('ERR_DTLS_SEQUENCE_EXHAUSTED', 'record sequence numbers exhausted');
    return rec;
  }

  private sendAlert(level: number, description: number): void {
    const rec = this.sealTraced(ContentType.alert, Uint8Array.of(level, description), this.records.currentWriteEpoch);
    if (rec) this.out.push(rec);
    trace(channels.alertSent, () => alertTrace(this.traceLabel, level, description));
    this.events.push({ type: 'alert', direction: 'sent', level, description });
  }

  /** A fatal error: send its alert (S-37: the right one), close, report once. */
  private fail(err: unknown): void {
    if (this.phase === 'closed') return;
    const e = err instanceof DtlsError ? err : new DtlsError('ERR_DTLS_INTERNAL', String((err as Error)?.message ?? err), 'internal_error', { cause: err });
    const alert: AlertName = alertFor(e);
    this.sendAlert(2, AlertDescription[alert]);
    this.closeWith(e);
  }

  private closeWith(error: DtlsError | undefined): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeError = error;
    this.timer.stop();
    this.reasm.clear();
    this.transcript.clear();
    this.futureRecords = [];
    this.earlyData = [];
    this.held = [];
    this.waiting = undefined;
    this.flight = [];
    this.preparing = [];
    this.machine?.wipe();
    this.records.wipe();
    this.exporter?.master.fill(0);
    this.exporter = undefined;
    this.events.push(error ? { type: 'close', error } : { type: 'close' });
  }
}

const CCS_BODY = Uint8Array.of(1);
const RRC_PATH_CHALLENGE = 0;
const RRC_PATH_RESPONSE = 1;
/** Forgery attempts tolerated on a CCM_8 connection (RFC 9147 §4.5.3). */
export const CCM8_INTEGRITY_LIMIT = 128;

interface Waiting {
  readonly resume: (value: unknown) => void;
  result?: { ok: true; value: unknown } | { ok: false; error: unknown };
}


function concatAll(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
