/**
 * One DTLS 1.3 association (RFC 9147), sans-IO: the sibling of
 * `src/connection/connection.ts` for the unified record format. It shares the
 * output queues, the flight sender (here with acknowledgements, §7), the
 * suspension for asynchronous callbacks and the reassembler; what differs is
 * its own: records and epochs (`RecordLayer13`), ACKs in and out (§7),
 * post-handshake messages, KeyUpdate (§8) and the AEAD limits (§4.5.3).
 *
 * @module
 */
import { encode } from '../codec/writer.js';
import { FlightSender } from '../connection/flight-sender.js';
import { Activity, type ConnectionEvent, ConnectionOutput } from '../connection/output.js';
import type { ConnectionSettings } from '../connection/settings.js';
import { Suspension } from '../connection/suspension.js';
import {
  AlertDescription, type AlertName, AlertReceivedError, ClosedError, DtlsError, HandshakeError,
  HandshakeTimeoutError, UnexpectedMessageError, alertFor, toDtlsError,
} from '../errors.js';
import type { SessionSecrets } from '../handshake/key-schedule12.js';
import { type HandshakeMessage, Reassembler } from '../handshake/reassembler.js';
import { HandshakeType, HandshakeTypes } from '../handshake/registry.js';
import { ContentType, MAX_PLAINTEXT } from '../record/content-type.js';
import { alertTrace, channels, recordTrace, trace } from '../trace.js';
import type { HandshakeDriver13, HandshakeMachine13 } from './driver.js';
import { VersionFallback } from './handshake/client13.js';
import { AckSchedule, readAck } from './ack-schedule.js';
import { KeyUpdateRequest, encodeKeyUpdate } from './messages/key-update.js';
import type { PlaintextRecord13, Record13 } from './record.js';
import { type OpenedRecord13, RecordLayer13 } from './record-layer13.js';
import type { Suite13 } from './suites.js';
import { TrafficSecrets } from './traffic-secrets.js';

export { Activity, type ConnectionEvent } from '../connection/output.js';

/** `confirming`: a client that sent a certificate, done, until the server acknowledges its Finished. */
type Phase = 'handshake' | 'confirming' | 'established' | 'closed';

/** A copy of a record to keep past its datagram. */
function keepRecord13(rec: Record13): Record13 {
  return rec.kind === 'plaintext'
    ? { ...rec, fragment: rec.fragment.slice(), raw: new Uint8Array(0) }
    : { ...rec, header: rec.header.slice(), encryptedRecord: rec.encryptedRecord.slice(), raw: new Uint8Array(0), ...(rec.cid && { cid: rec.cid.slice() }) };
}

/** One DTLS 1.3 association: see the module comment. */
export class Connection13 extends ConnectionOutput implements HandshakeDriver13 {
  readonly records: RecordLayer13;
  readonly flights: FlightSender;
  readonly reasm: Reassembler; // src/persist reads next_receive_seq (as nextSendSeq, traffic, secrets)
  private readonly suspension: Suspension<Record13>;
  private machine!: HandshakeMachine13;
  private phase: Phase = 'handshake';
  nextSendSeq = 0;
  /** Records of an epoch whose keys are not installed yet (S-07). */
  private futureRecords: Record13[] = [];
  /** Application data that arrived before the handshake completed (S-09). */
  private earlyData: Uint8Array[] = [];
  /** Handshake records received and not yet acknowledged, and when the ACK is due (§7). */
  private readonly acks = new AckSchedule();
  readonly traffic = new TrafficSecrets();
  /** Our KeyUpdate waiting for its ACK (§8: the new keys are used only then), or one to send once the current flight is acknowledged. */
  keyUpdate: 'none' | 'queued' | 'sent' = 'none';
  private keyUpdateRequested = false;
  /** Read epochs to forget once a record of a newer one authenticated (§8). */
  private retireBelow = 0;
  private readonly handshakeDeadline: number;
  private lastReceived: number;
  secrets: SessionSecrets | undefined;
  now: number;
  closeError: DtlsError | undefined;
  readonly drops: Record<string, number> = {};
  traceLabel: string;
  /** A DTLS 1.2 server answered our ClientHello (the client machine says how to go on): the endpoint continues as 1.2. */
  fallback: VersionFallback | undefined;

  constructor(readonly role: 'client' | 'server', readonly settings: ConnectionSettings, now: number) {
    super();
    this.now = now;
    this.lastReceived = now;
    this.handshakeDeadline = now + settings.handshakeTimeout;
    this.traceLabel = role;
    this.records = new RecordLayer13(settings.provider, settings.replayWindow, () => this.traceLabel);
    this.reasm = new Reassembler(settings.reassembly);
    this.suspension = new Suspension<Record13>(settings.maxFutureRecords, keepRecord13);
    this.flights = new FlightSender(settings, {
      overhead: (epoch) => this.records.overhead(epoch),
      seal: (type, data, epoch) => this.sealOrThrow(type, data, epoch),
      nextSeq: (epoch) => this.records.nextWriteSeq(epoch),
    }, (d) => this.transmit(d), () => this.traceLabel, true);
  }

  get provider(): ConnectionSettings['provider'] {
    return this.settings.provider;
  }
  attach(machine: HandshakeMachine13): void {
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
  get retransmitTimeout(): number {
    return this.flights.timeout;
  }
  get maxMessageSize(): number {
    return MAX_PLAINTEXT;
  }
  /** Return routability checks are not negotiated for DTLS 1.3 here: addresses move on a newer authenticated record (§9). */
  get returnRoutability(): boolean {
    return false;
  }
  makePathChallenge(): Uint8Array | undefined {
    return undefined;
  }

  nextTimeout(): number | undefined {
    if (this.phase === 'closed') return undefined;
    let t = this.phase !== 'established' ? this.handshakeDeadline : this.lastReceived + this.settings.connectionTimeout;
    const f = this.flights.deadline;
    if (f !== undefined && f < t) t = f;
    if (this.acks.due !== undefined && this.acks.due < t) t = this.acks.due;
    return t;
  }

  /** A datagram from the peer. Never throws. Returns the Activity bits of what it produced. */
  receive(data: Uint8Array, now: number): number {
    this.activity = 0;
    if (this.phase === 'closed') return 0;
    this.now = now;
    let parsed = this.records.parse(data);
    for (let i = 0; i < parsed.records.length; i++) {
      const rec = parsed.records[i]!;
      const end = rec.raw.byteOffset - data.byteOffset + rec.raw.length;
      const cidLength = this.records.ourCidLength;
      this.handleRecord(rec);
      if (this.isClosed || this.fallback !== undefined) return this.activity;
      if (this.records.ourCidLength !== cidLength) {
        // The ServerHello just negotiated CIDs: the records after it carry ours (§9), parse the rest anew.
        parsed = this.records.parse(data.subarray(end));
        i = -1;
      }
    }
    if (parsed.dropped) this.drop(parsed.dropped);
    this.maybeAck();
    return this.activity;
  }

  /** The verified ClientHello the server endpoint's front door already split off. */
  receiveRecord(rec: PlaintextRecord13, now: number): number {
    this.activity = 0;
    this.now = now;
    this.handleRecord(rec);
    this.maybeAck();
    return this.activity;
  }

  private handleRecord(rec: Record13): void {
    if (this.phase === 'closed') return;
    if (this.suspension.active) {
      if (!this.suspension.hold(rec)) this.drop('held queue full');
      return;
    }
    try {
      const opened = this.records.open(rec);
      if (typeof opened === 'string') return this.onDropped(opened, rec);
      this.lastReceived = this.now;
      if (this.records.newestSeen && opened.epoch > 0) this.activity |= Activity.newest;
      if (opened.epoch > 2 && this.retireBelow > 0 && opened.epoch >= this.retireBelow) {
        for (const e of this.records.readableEpochs) if (e > 2 && e < this.retireBelow) this.records.retireRead(e);
        this.retireBelow = 0;
      }
      trace(channels.recordIn, () => recordTrace(this.traceLabel, opened.type, opened.epoch, opened.seq, opened.data));
      this.dispatch(opened);
    } catch (err) {
      if (this.fallback !== undefined) return;
      this.fail(err);
    }
  }

  private onDropped(reason: string, rec: Record13): void {
    if (reason === 'unknown epoch' && this.phase === 'handshake' && rec.kind === 'ciphertext'
      && this.futureRecords.length < this.settings.maxFutureRecords) {
      // S-07: a protected record ahead of its keys (the ServerHello lost, its flight's rest arrived).
      this.futureRecords.push(keepRecord13(rec));
      return;
    }
    this.drop(reason);
    if (this.records.tooManyBadRecords(reason, this.settings.maxBadRecords)) {
      this.fail(new DtlsError('ERR_DTLS_TOO_MANY_BAD_RECORDS', `${this.records.badRecords} records failed authentication`, 'bad_record_mac'));
    }
  }

  private drop(reason: string, epoch?: number, seq?: number): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
    trace(channels.dropped, () => ({ connection: this.traceLabel, reason, epoch, seq }));
    this.emit({ type: 'drop', reason, ...(epoch !== undefined && { epoch }), ...(seq !== undefined && { seq }) });
  }

  private dispatch(rec: OpenedRecord13): void {
    switch (rec.type) {
      case ContentType.handshake:
        return this.onHandshakeRecord(rec);
      case ContentType.ack:
        return this.onAck(rec);
      case ContentType.alert:
        return this.onAlert(rec);
      case ContentType.application_data:
        return this.onApplicationData(rec);
      default:
        if (rec.epoch === 0) return this.drop('unknown content type', rec.epoch, rec.seq);
        throw new DtlsError('ERR_DTLS_UNEXPECTED_RECORD', `unexpected record type ${rec.type}`, 'unexpected_message');
    }
  }

  private onHandshakeRecord(rec: OpenedRecord13): void {
    if (this.phase === 'established' && rec.epoch === 0) {
      // A retransmitted hello after the handshake: our answer (and its ACK) got there long ago.
      return this.drop('old epoch handshake', rec.epoch, rec.seq);
    }
    const got = this.reasm.addRecord(rec.data, rec.epoch);
    for (const reason of got.drops) this.drop(reason, rec.epoch, rec.seq);
    // Every record of the flight counts, the epoch-0 ServerHello too (§7.1: the ACK covers what was received of the flight).
    if (got.drops.length === 0) this.acks.note({ epoch: rec.epoch, seq: rec.seq });
    if (got.old) {
      // The peer resent a flight we processed: it lacks our answer, or our ACK of it (after the handshake, always the ACK).
      if (this.flights.outstanding) {
        if (this.role === 'server' && this.phase === 'handshake') this.records.flipCounterOrder();
        this.flights.peerRetransmitted(this.now);
      }
      if (rec.epoch > 0 && (!this.flights.outstanding || this.phase !== 'handshake')) this.acks.now(this.now);
    }
    this.processMessages();
    if (this.reasm.bufferedBytes > 0 || this.reasm.hasFuture) {
      // Part of a flight: acknowledge what came if the rest has not come a quarter timer later (§7.1).
      this.acks.by(this.now + this.settings.retransmitInitial / 4);
    }
  }

  /** Deliver complete in-order messages: to the state machine during the handshake, to the post-handshake handlers after. */
  private processMessages(): void {
    for (let msg = this.reasm.pop(); msg; msg = this.suspension.active ? undefined : this.reasm.pop()) {
      trace(channels.message, () => ({
        connection: this.traceLabel, direction: 'in', message: HandshakeTypes.nameOf(msg!.msgType), messageSeq: msg!.messageSeq, length: msg!.body.length, epoch: msg!.epoch,
      }));
      if (this.phase === 'handshake') {
        // Any message of the peer's next flight answers ours (§7: an implicit acknowledgement).
        this.flights.acknowledgeAll();
        this.flights.progress();
        try {
          this.machine.handleMessage(msg);
        } catch (e) {
          if (e instanceof VersionFallback) {
            this.fallback = e;
            this.phase = 'closed';
            return;
          }
          throw e;
        }
      } else {
        this.onPostHandshake(msg);
      }
      if (this.isClosed) return;
    }
  }

  /** A handshake message after the handshake (RFC 8446 §4.6, RFC 9147 §8, §9). Each one is acknowledged. */
  private onPostHandshake(msg: HandshakeMessage): void {
    // The server sends post-handshake messages only once it accepted our Finished.
    if (this.phase === 'confirming') this.established();
    if (msg.epoch < 3) throw new UnexpectedMessageError([], `${HandshakeTypes.nameOf(msg.msgType)} outside an application epoch`);
    switch (msg.msgType) {
      case HandshakeType.key_update:
        this.onKeyUpdate(msg);
        break;
      case HandshakeType.client_hello:
        throw new HandshakeError('ERR_DTLS_RENEGOTIATION', 'a ClientHello after the handshake (DTLS 1.3 has no renegotiation)', 'unexpected_message');
      default:
        this.machine.handlePostHandshake(msg);
    }
    this.acks.now(this.now);
  }

  private onAck(rec: OpenedRecord13): void {
    // An ACK in plaintext after the handshake, or one that does not parse, is ignored (never fatal).
    if (rec.epoch === 0 && this.phase !== 'handshake') return this.drop('plaintext ack after the handshake', rec.epoch, rec.seq);
    const ack = readAck(rec.data, rec.epoch);
    if (!ack) return this.drop('malformed ack', rec.epoch, rec.seq);
    if (ack.laterEpoch) this.drop('ack for a later epoch than its own', rec.epoch, rec.seq);
    const wasKeyUpdate = this.keyUpdate === 'sent';
    if (this.flights.acknowledge(ack.numbers, this.now)) {
      if (this.phase === 'confirming') this.established();
      if (wasKeyUpdate) this.switchWriteKeys();
      this.sendQueuedKeyUpdate();
    }
  }

  private onAlert(rec: OpenedRecord13): void {
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
    // RFC 8446 §6: every alert but close_notify and user_canceled ends the connection.
    if (level === 2 || description !== AlertDescription.user_canceled) this.closeWith(new AlertReceivedError(level, description));
  }

  private onApplicationData(rec: OpenedRecord13): void {
    // S-08/S-09: only in an application epoch, and delivered once the handshake completed.
    if (rec.epoch < 3) return this.drop('application data outside an application epoch', rec.epoch, rec.seq);
    if (this.phase !== 'established') {
      if (this.earlyData.length < this.settings.maxFutureRecords) this.earlyData.push(rec.data.slice());
      return;
    }
    this.deliverData(rec.data.slice());
  }

  // --- ACKs (§7) ------------------------------------------------------------------

  /** Send an ACK now when one is due: the deadline passed, or a flight that needs no answer is complete. */
  private maybeAck(): void {
    if (this.acks.isDue(this.now) && !this.isClosed) this.sendAck();
  }

  private sendAck(): void {
    const epoch = this.records.currentWriteEpoch;
    const body = this.acks.takeBody(this.flights.mtu - this.records.overhead(epoch));
    // After the handshake an ACK answers the messages since the last one, which it forgets (a retransmission
    // comes in a new record, noted anew): a stream of post-handshake messages gets ACKs of constant size,
    // not ones re-listing the last 64 records (a 35-byte KeyUpdate answered by a kilobyte).
    if (this.phase !== 'handshake') this.acks.clear();
    const rec = body && this.records.seal(ContentType.ack, body, epoch);
    if (rec) this.transmitWithLast(rec, this.flights.mtu);
  }

  // --- KeyUpdate (§8) -------------------------------------------------------------

  /** Start a KeyUpdate (now, or once the current flight is acknowledged): new keys for what we send. */
  updateKeys(requestPeerUpdate: boolean): void {
    if (this.phase !== 'established') throw new ClosedError('handshake not complete');
    this.keyUpdateRequested ||= requestPeerUpdate;
    if (this.keyUpdate !== 'none') return;
    this.keyUpdate = 'queued';
    this.sendQueuedKeyUpdate();
  }

  private sendQueuedKeyUpdate(): void {
    if (this.keyUpdate !== 'queued' || this.flights.outstanding || this.phase !== 'established') return;
    const request = this.keyUpdateRequested ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested;
    this.keyUpdateRequested = false;
    this.keyUpdate = 'sent';
    this.sendMessage(HandshakeType.key_update, encode((w) => encodeKeyUpdate(w, { requestUpdate: request })));
    this.flights.send(false, this.now);
  }

  /** Our KeyUpdate was acknowledged: send in the next epoch (§8). */
  private switchWriteKeys(): void {
    this.keyUpdate = 'none';
    this.records.retireWrite(this.traffic.advance('write', this.provider, (e, suite, secret) => this.setWriteSecret(e, suite, secret)) - 1);
  }

  /** The peer's KeyUpdate: read its next epoch (keeping this one until a record of the next authenticates), and update ours when asked. */
  private onKeyUpdate(msg: HandshakeMessage): void {
    const updateRequested = this.traffic.checkKeyUpdate(msg);
    this.retireBelow = this.traffic.advance('read', this.provider, (e, suite, secret) => this.setReadSecret(e, suite, secret));
    if (updateRequested && this.keyUpdate === 'none') this.updateKeys(false);
  }

  /** Virtual or real time advanced: retransmission, the ACK timer, handshake and idle deadlines. */
  handleTimeout(now: number): number {
    this.activity = 0;
    if (this.phase === 'closed') return 0;
    this.now = now;
    try {
      if (this.phase !== 'established' && now >= this.handshakeDeadline) {
        this.closeWith(new HandshakeTimeoutError(this.settings.handshakeTimeout));
        return this.activity;
      }
      const due = this.flights.deadline;
      if (due !== undefined && now >= due && this.role === 'server' && this.phase === 'handshake') this.records.flipCounterOrder();
      if (this.flights.onTimeout(now) === 'gave up') {
        if (this.phase !== 'established') {
          this.closeWith(new HandshakeTimeoutError(this.settings.handshakeTimeout));
          return this.activity;
        }
        // After the handshake a flight's missing ACK is no reason to close: the peer's retransmission asks again.
        this.flights.stopTimer();
      }
      this.maybeAck();
      if (this.phase === 'established' && now >= this.lastReceived + this.settings.connectionTimeout) {
        this.sendAlert(1, AlertDescription.close_notify);
        this.closeWith(new DtlsError('ERR_DTLS_IDLE_TIMEOUT', `no data received for ${this.settings.connectionTimeout} ms`));
      }
    } catch (err) {
      this.fail(err);
    }
    return this.activity;
  }

  // --- application API -------------------------------------------------------------

  /** Send application data (one record). Throws when not established or too large. */
  send(data: Uint8Array, now: number): number {
    this.activity = 0;
    this.now = now;
    if (this.phase !== 'established') throw new ClosedError(this.phase === 'closed' ? 'connection is closed' : 'handshake not complete');
    if (data.length > MAX_PLAINTEXT) throw new DtlsError('ERR_DTLS_MESSAGE_TOO_LONG', `message of ${data.length} bytes exceeds ${MAX_PLAINTEXT}`);
    // §4.5.3: update the key well before its confidentiality limit.
    if (this.records.writeNearLimit && this.keyUpdate === 'none') this.updateKeys(false);
    let rec: Uint8Array | null;
    // The crypto provider threw: the connection fails (its close event says why).
    try { rec = this.records.seal(ContentType.application_data, data); } catch (err) { this.fail(err); return this.activity; }
    if (rec === null) {
      this.sendAlert(1, AlertDescription.close_notify);
      this.closeWith(new DtlsError('ERR_DTLS_AEAD_LIMIT', 'the key reached its usage limit before a KeyUpdate completed'));
      throw new ClosedError('the key reached its usage limit');
    }
    this.transmit(rec);
    return this.activity;
  }

  close(now: number): void {
    if (this.phase === 'closed') return;
    this.now = now;
    this.sendAlert(1, AlertDescription.close_notify);
    this.closeWith(undefined);
  }

  destroy(error?: DtlsError): void {
    if (this.phase !== 'closed') this.closeWith(error);
  }

  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    if (!this.secrets || this.phase !== 'established') throw new ClosedError('no keying material: the handshake is not complete');
    return this.secrets.exportKeyingMaterial(length, label, context);
  }

  // --- HandshakeDriver13 -------------------------------------------------------------

  sendMessage(msgType: number, body: Uint8Array): void {
    const messageSeq = this.nextSendSeq++;
    const epoch = this.records.currentWriteEpoch;
    trace(channels.message, () => ({ connection: this.traceLabel, direction: 'out', message: HandshakeTypes.nameOf(msgType), messageSeq, length: body.length, epoch }));
    this.flights.queue({ kind: 'handshake', msgType, messageSeq, body, epoch });
  }

  flushFlight(): void {
    // During the handshake our flight answers the peer's: that acknowledges it (§7).
    if (this.phase === 'handshake') this.acks.clear();
    this.flights.send(false, this.now);
  }

  /** The server starts its message_seq after the HelloRetryRequest it sent statelessly. */
  setMessageSeqs(nextSend: number, nextReceive: number): void {
    this.nextSendSeq = nextSend;
    this.reasm.reset(nextReceive);
  }

  setReadSecret(epoch: number, suite: Suite13, secret: Uint8Array): void {
    this.records.installRead(epoch, this.records.protection(suite, secret));
    this.traffic.keep('read', epoch, suite, secret);
    const buffered = this.futureRecords;
    this.futureRecords = [];
    for (const r of buffered) {
      this.handleRecord(r);
      if (this.isClosed) return;
    }
  }

  setWriteSecret(epoch: number, suite: Suite13, secret: Uint8Array): void {
    this.records.installWrite(epoch, this.records.protection(suite, secret));
    this.traffic.keep('write', epoch, suite, secret);
  }

  suspend<T>(work: Promise<T>, resume: (value: T) => void): void {
    this.emit({ type: 'wait', settled: this.suspension.suspend(work, resume) });
  }

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
    this.maybeAck();
    return this.activity;
  }

  secretsReady(secrets: SessionSecrets): void {
    this.secrets?.wipe();
    this.secrets = secrets;
    const lines = secrets.keylogLines();
    this.emit({
      type: 'keylog',
      get line() {
        return lines().join('');
      },
    });
  }

  setConnectionIds(ours: Uint8Array, peers: Uint8Array): void {
    this.records.setConnectionIds(ours, peers);
  }

  sessionTicket(session: Uint8Array): void {
    this.emit({ type: 'ticket', session });
  }

  complete(awaitAck = false): void {
    // The client's last flight (its Finished) stays until the server acknowledges it (§5.8.4, §7).
    this.flights.handshakeComplete(this.role === 'client');
    this.futureRecords = [];
    // The client's final flight needs an explicit ACK (it has no answer).
    if (this.role === 'server') this.acks.now(this.now);
    else this.acks.clear();
    // The server may still refuse the certificate we sent: established once it acknowledged our Finished.
    if (awaitAck) this.phase = 'confirming';
    else this.established();
  }

  private established(): void {
    this.phase = 'established';
    this.emit({ type: 'secure' });
    trace(channels.complete, () => ({ connection: this.traceLabel }));
    for (const d of this.earlyData) this.deliverData(d);
    this.earlyData = [];
  }

  // --- sending ---------------------------------------------------------------------

  private sealOrThrow(type: number, data: Uint8Array, epoch: number): Uint8Array {
    const rec = this.records.seal(type, data, epoch);
    if (rec === null) throw new DtlsError('ERR_DTLS_AEAD_LIMIT', 'the key reached its usage limit');
    return rec;
  }

  private sendAlert(level: number, description: number): void {
    try {
      const rec = this.records.seal(ContentType.alert, Uint8Array.of(level, description));
      if (rec) this.transmit(rec);
    } catch {
      // No write state (closing before any key): the alert is not sent.
    }
    trace(channels.alertSent, () => alertTrace(this.traceLabel, level, description));
    this.emit({ type: 'alert', direction: 'sent', level, description });
  }

  private fail(err: unknown): void {
    if (this.phase === 'closed') return;
    const e = toDtlsError(err);
    const alert: AlertName = alertFor(e);
    // sendAlert swallows a provider that cannot seal it: close without the alert.
    this.sendAlert(2, AlertDescription[alert]);
    this.closeWith(e);
  }

  private closeWith(error: DtlsError | undefined): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeError = error;
    this.flights.discard();
    this.reasm.clear();
    this.futureRecords = [];
    this.earlyData = [];
    this.acks.clear();
    this.suspension.clear();
    this.machine?.wipe();
    this.records.wipe();
    this.traffic.wipe();
    this.secrets?.wipe();
    this.secrets = undefined;
    this.emit(error ? { type: 'close', error } : { type: 'close' });
  }
}

export type { ConnectionEvent as Connection13Event };
