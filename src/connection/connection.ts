/**
 * One DTLS association, sans-IO: datagrams and the current time go in,
 * datagrams, application data, events and the next deadline come out. It
 * never touches a socket or reads a clock.
 *
 * What it owns: the phases (handshake, established, closed), the dispatch of
 * opened records by content type, handshake reassembly, application data,
 * alerts, the deadlines of the handshake and of idleness, asynchronous
 * suspension, and the output queues. What it delegates, each to one module:
 * record framing and protection (`src/record/record-layer.ts`), our flights
 * and their retransmission ({@link FlightSender}), DTLS 1.2's change of epoch
 * ({@link ChangeCipherSpecGate}), return routability ({@link PathValidator}),
 * the key schedule and the handshake messages (the attached
 * {@link HandshakeMachine}).
 *
 * @module
 */
import {
  AlertDescription, type AlertName, AlertReceivedError, ClosedError, DtlsError, HandshakeError,
  HandshakeTimeoutError, UnexpectedMessageError, alertFor, toDtlsError,
} from '../errors.js';
import type { HandshakeDriver, HandshakeMachine } from '../handshake/driver.js';
import type { EpochKeys, SessionSecrets } from '../handshake/key-schedule12.js';
import { type HandshakeMessage, Reassembler } from '../handshake/reassembler.js';
import { HandshakeType, HandshakeTypes } from '../handshake/registry.js';
import { Transcript } from '../handshake/transcript.js';
import { ContentType, MAX_PLAINTEXT } from '../record/content-type.js';
import { parseDatagram } from '../record/record.js';
import { type DropReason, type OpenedRecord, RecordLayer } from '../record/record-layer.js';
import type { DtlsRecord } from '../record/record.js';
import { alertTrace, channels, recordTrace, trace, tracingRecords } from '../trace.js';
import { ChangeCipherSpecGate } from './ccs-gate.js';
import { FlightSender } from './flight-sender.js';
import { IntegrityGuard } from './integrity.js';
import { Activity, type ConnectionEvent, ConnectionOutput } from './output.js';
import { PathValidator } from './path.js';
import { Suspension, keepRecord } from './suspension.js';
import type { ConnectionSettings } from './settings.js';

export { Activity, type ConnectionEvent, type ConnectionSink } from './output.js';

type Phase = 'handshake' | 'established' | 'closed';

/** One DTLS association: see the module comment. */
export class Connection extends ConnectionOutput implements HandshakeDriver {
  readonly transcript = new Transcript();
  readonly records: RecordLayer;
  readonly flights: FlightSender;
  private readonly reasm: Reassembler;
  private readonly ccs = new ChangeCipherSpecGate();
  private readonly path = new PathValidator();
  private machine!: HandshakeMachine;
  private phase: Phase = 'handshake';
  private nextSendSeq = 0;
  /** Records of the next epoch, kept until it is installed (S-07, DOS-09). */
  private futureRecords: DtlsRecord[] = [];
  /** Application data that arrived before the peer's Finished verified: delivered once it has (S-09). */
  private earlyData: Uint8Array[] = [];
  private readonly suspension: Suspension<DtlsRecord>;
  private readonly handshakeDeadline: number;
  private lastReceived: number;
  /** Read by src/persist, which saves what they hold. */
  secrets: SessionSecrets | undefined;
  readonly integrity: IntegrityGuard;
  /** Current time (ms) as last given by the owner. */
  now: number;
  /** The error the connection closed with (undefined for a clean close or while open). */
  closeError: DtlsError | undefined;
  /** Counters of dropped records, by reason. */
  readonly drops: Record<string, number> = {};
  /** How this association is named in traces (`server 10.0.0.2:5000`). */
  traceLabel: string;

  constructor(
    readonly role: 'client' | 'server',
    readonly settings: ConnectionSettings,
    now: number,
  ) {
    super();
    this.now = now;
    this.lastReceived = now;
    this.handshakeDeadline = now + settings.handshakeTimeout;
    this.records = new RecordLayer(settings.replayWindow, () => this.traceLabel);
    this.reasm = new Reassembler(settings.reassembly);
    this.suspension = new Suspension<DtlsRecord>(settings.maxFutureRecords, keepRecord);
    this.integrity = new IntegrityGuard(settings.maxBadRecords, settings.retransmitInitial);
    this.traceLabel = role;
    this.flights = new FlightSender(settings, {
      overhead: (epoch) => this.records.overhead(epoch),
      seal: (type, data, epoch) => this.sealOrThrow(type, data, epoch),
      nextSeq: (epoch) => this.records.nextWriteSeq(epoch),
    }, (d) => this.transmit(d), () => this.traceLabel);
  }

  get provider(): ConnectionSettings['provider'] {
    return this.settings.provider;
  }

  /** Attach the state machine (done once by the endpoint that made the connection). */
  attach(machine: HandshakeMachine): void {
    this.machine = machine;
  }

  get isEstablished(): boolean {
    return this.phase === 'established';
  }
  get isClosed(): boolean {
    return this.phase === 'closed';
  }
  get handshakeState(): string {
    return this.machine?.stateName ?? 'none';
  }
  /** The retransmission timer value now (ms), for tests and traces. */
  get retransmitTimeout(): number {
    return this.flights.timeout;
  }
  /** Largest application message `send` accepts. */
  get maxMessageSize(): number {
    return MAX_PLAINTEXT;
  }
  /** Whether the peer supports the return routability check (RFC 9853). */
  get returnRoutability(): boolean {
    return this.path.enabled;
  }

  /** Absolute time of the next deadline, or undefined. */
  nextTimeout(): number | undefined {
    if (this.phase === 'closed') return undefined;
    const f = this.flights.deadline;
    const own = this.phase === 'handshake' ? this.handshakeDeadline : this.lastReceived + this.settings.connectionTimeout;
    return f !== undefined && f < own ? f : own;
  }

  // --- input -------------------------------------------------------------------

  /**
   * A datagram from the peer. Never throws: bad input is dropped (a `drop`
   * event) or ends the handshake with an alert. Returns the {@link Activity}
   * bits of what it produced. The common datagram of an established
   * association, one application_data record of the current epoch, takes an
   * allocation-free path inside.
   */
  receive(data: Uint8Array, now: number): number {
    this.activity = 0;
    if (this.phase === 'closed') return 0;
    this.now = now;
    if (this.phase === 'established' && !this.suspension.active && !tracingRecords()) {
      let r: Uint8Array | null | undefined;
      // The crypto provider threw: fatal, as in handleRecord.
      try { r = this.records.openApplicationData(data); } catch (err) { this.fail(err); return this.activity; }
      if (r !== undefined) {
        if (r === null) {
          this.onDropAt(this.records.lastDrop, this.records.currentReadEpoch, this.records.lastSeq, undefined);
        } else {
          this.lastReceived = now;
          if (this.records.newestSeen) this.activity |= Activity.newest;
          this.deliverData(r);
        }
        return this.activity;
      }
    }
    // RFC 7983 §7: DTLS records start with 20..63; STUN (0..3), ZRTP, TURN and RTP/RTCP never reach the parser.
    if (data.length === 0 || data[0]! < 20 || data[0]! > 63) {
      this.drop('not DTLS (RFC 7983)');
      return this.activity;
    }
    const parsed = parseDatagram(data, this.records.ourCidLength);
    for (const rec of parsed.records) {
      this.handleRecord(rec);
      if (this.isClosed) return this.activity;
    }
    if (parsed.dropped) this.drop(parsed.dropped);
    return this.activity;
  }

  /** A record already split from a datagram (the server endpoint's verified ClientHello). */
  receiveRecord(rec: DtlsRecord, now: number): number {
    this.activity = 0;
    this.now = now;
    this.handleRecord(rec);
    return this.activity;
  }

  private handleRecord(rec: DtlsRecord): void {
    if (this.phase === 'closed') return;
    if (this.suspension.active) {
      if (!this.suspension.hold(rec)) this.drop('held queue full', rec.epoch, rec.seq);
      return;
    }
    try {
      const opened = this.records.open(rec);
      if (typeof opened === 'string') {
        this.onDropAt(opened, rec.epoch, rec.seq, rec);
        return;
      }
      this.lastReceived = this.now;
      if (this.records.newestSeen && opened.epoch > 0) this.activity |= Activity.newest;
      trace(channels.recordIn, () => recordTrace(this.traceLabel, opened.type, opened.epoch, opened.seq, opened.data));
      this.dispatch(opened);
    } catch (err) {
      this.fail(err);
    }
  }

  private onDropAt(reason: DropReason, epoch: number, seq: number, rec: DtlsRecord | undefined): void {
    if (rec && reason === 'future epoch' && this.phase === 'handshake') {
      // S-07/DOS-09: keep a few next-epoch records (e.g. Finished ahead of a delayed CCS), each once.
      if (this.futureRecords.length < this.settings.maxFutureRecords
        && !this.futureRecords.some((r) => r.epoch === rec.epoch && r.seq === rec.seq)) {
        this.futureRecords.push(keepRecord(rec));
        return;
      }
    }
    this.drop(reason, epoch, seq);
    if (reason !== 'bad mac') return;
    const peerFlight = this.phase === 'handshake' && epoch === this.records.currentReadEpoch && epoch > 0;
    const error = this.integrity.onBadRecord(this.now, peerFlight, this.records.badRecords);
    if (error) this.fail(error);
  }

  private drop(reason: string, epoch?: number, seq?: number): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
    trace(channels.dropped, () => ({ connection: this.traceLabel, reason, epoch, seq }));
    this.emit({ type: 'drop', reason, ...(epoch !== undefined && { epoch }), ...(seq !== undefined && { seq }) });
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
      if (this.flights.holdsLastFlight) this.flights.peerRetransmitted(this.now);
      return this.drop('old epoch handshake', rec.epoch, rec.seq);
    }
    const got = this.reasm.addRecord(rec.data, rec.epoch);
    for (const reason of got.drops) this.drop(reason, rec.epoch, rec.seq);
    if (got.buffered) this.flights.peerFlightPartial(this.now);
    if (got.old) this.flights.peerRetransmitted(this.now);
    this.processMessages();
  }

  /** Deliver complete in-order messages to the state machine, iteratively (S-44). */
  private processMessages(): void {
    for (let msg = this.reasm.peek(); msg && !this.suspension.active; msg = this.reasm.peek()) {
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
      this.flights.progress();
      trace(channels.message, () => ({
        connection: this.traceLabel, direction: 'in', message: HandshakeTypes.nameOf(msg.msgType), messageSeq: msg.messageSeq, length: msg.body.length, epoch: msg.epoch,
      }));
      this.handleMessage(msg);
      if (this.isClosed) return;
      if (this.ccs.readyToApply(this.ccsContext())) {
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

  private ccsContext() {
    return {
      handshaking: this.phase === 'handshake',
      expected: this.phase === 'handshake' && this.machine.expectsChangeCipherSpec,
      messagesMissing: this.reasm.hasFuture,
      readEpoch: this.records.currentReadEpoch,
    };
  }

  private onChangeCipherSpec(rec: OpenedRecord): void {
    switch (this.ccs.onRecord(rec.epoch, rec.data, this.ccsContext())) {
      case 'drop-late':
        return this.drop('change_cipher_spec after the handshake', rec.epoch, rec.seq);
      case 'drop':
        return this.drop('unexpected change_cipher_spec', rec.epoch, rec.seq);
      case 'remember':
        return;
      case 'apply':
        return this.applyChangeCipherSpec();
    }
  }

  private applyChangeCipherSpec(): void {
    this.machine.handleChangeCipherSpec();
    this.records.activateRead(this.ccs.takeRead());
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
    this.emit({ type: 'alert', direction: 'received', level, description });
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
    this.deliverData(rec.data.slice());
  }

  private onReturnRoutability(rec: OpenedRecord): void {
    const v = rec.epoch === 0 || this.phase !== 'established' ? { kind: 'drop' as const } : this.path.onMessage(rec.data);
    if (v.kind === 'drop') return this.drop('unexpected return_routability_check', rec.epoch, rec.seq);
    if (v.kind === 'validated') return this.emit({ type: 'pathValidated' });
    if (v.kind === 'respond') {
      const out = this.records.seal(ContentType.return_routability_check, v.body);
      if (out) this.transmit(out);
    }
  }

  /**
   * A path_challenge (RFC 9853 §5) to send to a candidate address of the peer;
   * a matching path_response yields a 'pathValidated' event.
   */
  makePathChallenge(): Uint8Array | undefined {
    if (!this.path.enabled || this.phase !== 'established') return undefined;
    return this.records.seal(ContentType.return_routability_check, this.path.challenge(this.provider)) ?? undefined;
  }

  /** Virtual or real time advanced: fire retransmission, handshake and idle deadlines. */
  handleTimeout(now: number): number {
    this.activity = 0;
    if (this.phase === 'closed') return 0;
    this.now = now;
    try {
      if (this.phase === 'handshake' && now >= this.handshakeDeadline) {
        this.closeWith(new HandshakeTimeoutError(this.settings.handshakeTimeout));
        return this.activity;
      }
      const r = this.flights.onTimeout(now);
      if (r === 'gave up') {
        this.closeWith(new HandshakeTimeoutError(this.settings.handshakeTimeout));
        return this.activity;
      }
      // Epoch 0 stays readable while we keep our last flight, to notice the peer
      // retransmitting its flight; it is retired when that flight expires.
      if (r === 'expired') this.records.retireEpoch(0);
      if (this.phase === 'established' && now >= this.lastReceived + this.settings.connectionTimeout) {
        this.sendAlert(1, AlertDescription.close_notify);
        this.closeWith(new DtlsError('ERR_DTLS_IDLE_TIMEOUT', `no data received for ${this.settings.connectionTimeout} ms`));
      }
    } catch (err) {
      this.fail(err);
    }
    return this.activity;
  }

  // --- application API -----------------------------------------------------------

  /** Send application data (one record). Throws when not established or too large. */
  send(data: Uint8Array, now: number): number {
    this.activity = 0;
    this.now = now;
    if (this.phase !== 'established') throw new ClosedError(this.phase === 'closed' ? 'connection is closed' : 'handshake not complete');
    if (data.length > MAX_PLAINTEXT) {
      throw new DtlsError('ERR_DTLS_MESSAGE_TOO_LONG', `message of ${data.length} bytes exceeds ${MAX_PLAINTEXT}`);
    }
    let rec: Uint8Array | null;
    // The crypto provider threw: the connection fails (its close event says why).
    try { rec = this.records.seal(ContentType.application_data, data, this.records.currentWriteEpoch); } catch (err) { this.fail(err); return this.activity; }
    if (rec === null) {
      // S-06: never wrap the sequence number.
      this.sendAlert(1, AlertDescription.close_notify);
      this.closeWith(new DtlsError('ERR_DTLS_SEQUENCE_EXHAUSTED', 'record sequence numbers exhausted'));
      throw new ClosedError('record sequence numbers exhausted');
    }
    this.transmit(rec);
    return this.activity;
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

  /** Keying material (RFC 5705 / RFC 8446 §7.5), once the handshake completed. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    if (!this.secrets || this.phase !== 'established') throw new ClosedError('no keying material: the handshake is not complete');
    return this.secrets.exportKeyingMaterial(length, label, context);
  }

  // --- HandshakeDriver -----------------------------------------------------------

  sendMessage(msgType: number, body: Uint8Array): void {
    const messageSeq = this.queueMessage(msgType, body);
    this.transcript.add(msgType, messageSeq, body);
  }

  sendUntracked(msgType: number, body: Uint8Array): number {
    return this.queueMessage(msgType, body);
  }

  private queueMessage(msgType: number, body: Uint8Array): number {
    const messageSeq = this.nextSendSeq++;
    const epoch = this.records.currentWriteEpoch;
    trace(channels.message, () => ({
      connection: this.traceLabel, direction: 'out', message: HandshakeTypes.nameOf(msgType), messageSeq, length: body.length, epoch,
    }));
    this.flights.queue({ kind: 'handshake', msgType, messageSeq, body, epoch });
    return messageSeq;
  }

  /** The server starts its message_seq after the HelloVerifyRequest it sent statelessly. */
  setMessageSeqs(nextSend: number, nextReceive: number): void {
    this.nextSendSeq = nextSend;
    this.reasm.reset(nextReceive);
  }

  suspend<T>(work: Promise<T>, resume: (value: T) => void): void {
    this.emit({ type: 'wait', settled: this.suspension.suspend(work, resume) });
  }

  /** An asynchronous callback settled: continue the handshake, then the input held meanwhile. */
  resume(now: number): number {
    this.activity = 0;
    if (this.phase === 'closed') return 0;
    this.now = now;
    try {
      if (!this.suspension.resume()) return 0;
      this.processMessages();
    } catch (err) {
      this.fail(err);
      return this.activity;
    }
    for (const r of this.suspension.takeHeld()) {
      this.handleRecord(r);
      if (this.isClosed) break;
    }
    return this.activity;
  }

  installPendingKeys(keys: EpochKeys): void {
    this.integrity.setSuiteLimit(keys.integrityLimit);
    this.ccs.install(keys);
  }

  sendChangeCipherSpec(): void {
    const write = this.ccs.takeWrite();
    this.flights.queue({ kind: 'ccs', epoch: this.records.currentWriteEpoch });
    this.records.activateWrite(write);
  }

  flushFlight(last: boolean): void {
    this.flights.send(last, this.now);
  }

  secretsReady(secrets: SessionSecrets): void {
    this.secrets?.wipe();
    this.secrets = secrets;
    // The key-log lines are built only if someone reads them (a 'keylog' listener).
    const lines = secrets.keylogLines();
    this.emit({
      type: 'keylog',
      get line() {
        return lines().join('');
      },
    });
  }

  setConnectionIds(ours: Uint8Array, peers: Uint8Array, rrc: boolean): void {
    this.records.setConnectionIds(ours, peers);
    this.path.enabled = rrc;
  }

  complete(): void {
    // SM-05: the peer's flight ends with its Finished; anything buffered beyond it is an extra message.
    if (this.reasm.bufferedBytes > 0 || this.reasm.hasFuture) {
      throw new UnexpectedMessageError([], 'handshake message after Finished');
    }
    this.phase = 'established';
    this.flights.handshakeComplete();
    this.reasm.clear();
    this.transcript.clear();
    this.futureRecords = [];
    if (!this.flights.holdsLastFlight) this.records.retireEpoch(0);
    this.machine.wipe();
    this.emit({ type: 'secure' });
    trace(channels.complete, () => ({ connection: this.traceLabel }));
    for (const d of this.earlyData) this.deliverData(d);
    this.earlyData = [];
  }

  // --- sending -----------------------------------------------------------------

  private sealOrThrow(type: number, data: Uint8Array, epoch: number): Uint8Array {
    const rec = this.records.seal(type, data, epoch);
    if (rec === null) throw new DtlsError('ERR_DTLS_SEQUENCE_EXHAUSTED', 'record sequence numbers exhausted');
    return rec;
  }

  private sendAlert(level: number, description: number): void {
    const rec = this.records.seal(ContentType.alert, Uint8Array.of(level, description), this.records.currentWriteEpoch);
    if (rec) this.transmit(rec);
    trace(channels.alertSent, () => alertTrace(this.traceLabel, level, description));
    this.emit({ type: 'alert', direction: 'sent', level, description });
  }

  /** A fatal error: send its alert (S-37: the right one), close, report once. */
  private fail(err: unknown): void {
    if (this.phase === 'closed') return;
    const e = toDtlsError(err);
    const alert: AlertName = alertFor(e);
    // The alert cannot be sealed when the crypto provider itself failed: close without it.
    try { this.sendAlert(2, AlertDescription[alert]); } catch { /* closed below */ }
    this.closeWith(e);
  }

  private closeWith(error: DtlsError | undefined): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeError = error;
    this.flights.discard();
    this.reasm.clear();
    this.transcript.clear();
    this.futureRecords = [];
    this.earlyData = [];
    this.suspension.clear();
    this.machine?.wipe();
    this.ccs.wipe();
    this.records.wipe();
    this.secrets?.wipe();
    this.secrets = undefined;
    this.emit(error ? { type: 'close', error } : { type: 'close' });
  }
}
