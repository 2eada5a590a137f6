import { equalBytes, toHex as hexOf } from '../codec/bytes.js';
import { Activity, Connection, type ConnectionEvent } from '../connection/connection.js';
import type { ConnectionSettings } from '../connection/settings.js';
import { Connection13 } from '../dtls13/connection13.js';
import type { HelloRetryState, Server13Config } from '../dtls13/driver.js';
import { chooseHelloRetry, clientHello1Hash, legacySessionIdEcho } from '../dtls13/handshake/negotiate13.js';
import { Server13Handshake } from '../dtls13/handshake/server13.js';
import { AlertDescription, DecodeError, DtlsError, toDtlsError } from '../errors.js';
import type { ClientHello } from '../handshake/messages/client-hello.js';
import { CookieFactory } from '../handshake/cookie.js';
import { ServerHandshake, type ServerHandshakeConfig } from '../handshake/server-handshake.js';
import type { TicketKeys } from '../handshake/session.js';
import { ContentType } from '../record/content-type.js';
import { channels, recordTrace, trace, tracingRecords } from '../trace.js';
import { Association, type Endpoint, type VersionRange, type EndpointEvent, EndpointQueue, type EndpointSink, commonEndpointEvent } from './endpoint.js';
import { type PeekedHello, helloVerifyRequest, isCookielessHello, peekClientHello } from './front-door.js';
import { cookieOf, helloRetryRequestRecord, makeRetryCookie, offersDtls13, openRetryCookie, plaintextAlert } from './front-door13.js';
import { DeadlineQueue } from './timer-heap.js';
import type { RestoredMachine } from './restored-machine.js';

/** Limits of the server endpoint (S-65, DOS-07). */
export interface EndpointLimits {
  /** Half-open (post-cookie) handshakes in total; the oldest is evicted beyond it. */
  readonly maxHandshakes: number;
  /** Half-open handshakes per source address. */
  readonly maxHandshakesPerAddress: number;
  /** Established connections in total; new handshakes are refused beyond it. */
  readonly maxConnections: number;
  /**
   * First (cookieless) ClientHellos answered per second, in total, with a
   * burst of a tenth of that; beyond it they are dropped unread (0: no limit).
   */
  readonly maxHelloRate: number;
}

export const DEFAULT_ENDPOINT_LIMITS: EndpointLimits = Object.freeze({
  maxHandshakes: 1000,
  maxHandshakesPerAddress: 100,
  maxConnections: 100_000,
  maxHelloRate: 2_000,
});

export interface ServerEndpointConfig {
  readonly settings: ConnectionSettings;
  /** The handshakes' configuration (DTLS 1.3 off when its `suites13` is empty). */
  readonly handshake: Server13Config;
  /** The protocol versions served (default both: 1.2 and 1.3 peers on one socket). */
  readonly versions?: VersionRange;
  /** Master secret for cookies (share it between workers so any accepts any cookie). */
  readonly cookieSecret: Uint8Array;
  /** Run the cookie exchange (S-11). Turn off only for paths verified otherwise. */
  readonly cookieExchange: boolean;
  readonly limits: EndpointLimits;
  /** Length of our Connection IDs (0: CIDs off). Records of type tls12_cid are routed by it. */
  readonly cidLength?: number;
}

/** One association of the server, as the endpoint tracks it. */
export class ServerAssociation extends Association<ServerHandshake | Server13Handshake | RestoredMachine> {
  /** A new address seen with a newer authenticated record, waiting for its return routability check. */
  pendingPath: { address: string; port: number; at: number } | undefined;
  /** Our CID (hex), when CIDs are in use. */
  cidKey: string | undefined;
  /** When its next deadline is in the timer heap. */
  scheduled: number | undefined;
  constructor(
    public key: string,
    address: string,
    port: number,
    conn: Connection | Connection13,
    machine: ServerHandshake | Server13Handshake | RestoredMachine,
    readonly clientRandom: Uint8Array,
    readonly started: number,
  ) {
    super(address, port, conn, machine);
  }
}

/** What the server endpoint reports. */
export type ServerEndpointEvent = EndpointEvent<ServerAssociation>;

/** A datagram to send, as `takeTransmits` lists them. */
export interface Outgoing {
  readonly address: string;
  readonly port: number;
  readonly data: Uint8Array;
}

/** Counters of the stateless path. */
export interface EndpointStats {
  helloVerifyRequests: number;
  /** DTLS 1.3's stateless HelloRetryRequests (the cookie exchange of 1.3). */
  helloRetryRequests: number;
  dropped: number;
  /** First ClientHellos dropped unread above `maxHelloRate` (also counted in `dropped`). */
  helloRateLimited: number;
  handshakesStarted: number;
  evicted: number;
}

const isServerAssociation = (x: unknown): x is ServerAssociation => x instanceof ServerAssociation;

/**
 * The server side, sans-IO: many associations keyed by address and port,
 * the stateless cookie exchange in front of them (nothing is allocated for a
 * client before its cookie verifies, S-12), limits, and one timer heap.
 */
export class ServerEndpoint implements Endpoint<ServerAssociation> {
  private readonly assocs = new Map<string, ServerAssociation>();
  /**
   * Associations by address, then port: the same map as `assocs`, looked up
   * without building the `address|port` key string (the per-datagram path).
   */
  private readonly byAddress = new Map<string, Map<number, ServerAssociation>>();
  private readonly byCid = new Map<string, ServerAssociation>();
  private readonly handshaking = new Set<ServerAssociation>();
  private readonly perAddress = new Map<string, number>();
  private readonly timers = new DeadlineQueue<ServerAssociation>((a) => this.assocs.get(a.key) === a);
  private readonly cookies: CookieFactory;
  private readonly queue: EndpointQueue<ServerAssociation>;
  readonly stats: EndpointStats = { helloVerifyRequests: 0, helloRetryRequests: 0, dropped: 0, helloRateLimited: 0, handshakesStarted: 0, evicted: 0 };
  /** The hello rate limit's token bucket: tokens left, and when it was last filled (ms). */
  private helloTokens = 0;
  private helloFilledAt = -Infinity;

  constructor(private readonly cfg: ServerEndpointConfig) {
    this.cookies = new CookieFactory(cfg.settings.provider, cfg.cookieSecret);
    this.queue = new EndpointQueue((assoc, ev) => this.onConnectionEvent(assoc, ev));
  }

  /** The ticket keys, when tickets are on. */
  get ticketKeys(): TicketKeys | undefined {
    return this.cfg.handshake.sessions?.tickets;
  }

  /** Number of associations (half-open and established). */
  get size(): number {
    return this.assocs.size;
  }
  get handshakeCount(): number {
    return this.handshaking.size;
  }
  associations(): IterableIterator<ServerAssociation> {
    return this.assocs.values();
  }
  get(address: string, port: number): ServerAssociation | undefined {
    return this.byAddress.get(address)?.get(port);
  }

  poll(sink: EndpointSink<ServerAssociation>): void {
    this.queue.poll(sink, isServerAssociation);
  }
  takeTransmits(): Outgoing[] {
    return this.queue.takeTransmits();
  }
  takeEvents(): ServerEndpointEvent[] {
    return this.queue.takeEvents(isServerAssociation);
  }

  nextTimeout(): number | undefined {
    return this.timers.peek();
  }

  /**
   * A datagram from address:port. Never throws. Returns the {@link Activity}
   * bits of what it produced; `poll` takes it.
   */
  receive(data: Uint8Array, address: string, port: number, now: number): number {
    this.queue.activity = 0;
    try {
      const assoc = this.byAddress.get(address)?.get(port);
      // The common datagram: application data for an established association at its address
      // (1.2's application_data record, or 1.3's unified header without a CID).
      if (assoc !== undefined && assoc.established && (data[0] === ContentType.application_data || (data[0]! & 0xf0) === 0x20)) {
        this.settle(assoc, assoc.conn.receive(data, now));
      } else {
        this.route(data, address, port, now, assoc);
      }
    } catch (err) {
      // Defence in depth: nothing may escape the socket handler (S-62).
      this.dropped(address, port, `internal: ${(err as Error)?.message ?? err}`);
    }
    return this.queue.activity & ~Activity.newest;
  }

  /** Move what a connection produced out, and keep its timer (not needed when it only delivered data). */
  private settle(assoc: ServerAssociation, activity: number): void {
    if (activity !== 0) this.queue.collect(assoc);
    // Data alone only moves the idle deadline later (the heap's entry fires, then
    // reschedules); anything else may have made a deadline earlier (an early resend,
    // or DTLS 1.3's ACK timer after an authenticated record that produced nothing else).
    if ((activity & Activity.delivered) === 0 || (activity & ~(Activity.delivered | Activity.newest)) !== 0) this.schedule(assoc);
  }

  private route(data: Uint8Array, address: string, port: number, now: number, existing: ServerAssociation | undefined): void {
    // DOS-14: a flood of first ClientHellos must not take the CPU that established associations
    // need. Above the rate, they are dropped before anything is decoded or computed for them.
    if (existing === undefined && this.cfg.limits.maxHelloRate > 0 && isCookielessHello(data) && !this.takeHelloToken(now)) {
      this.stats.helloRateLimited++;
      return this.dropped(address, port, 'ClientHello rate limit');
    }
    const cidLength = this.cfg.cidLength ?? 0;
    if (cidLength > 0 && data[0] === ContentType.tls12_cid) return this.routeByCid(data, CID_OFFSET, cidLength, address, port, now);
    // DTLS 1.3's unified header with the C bit: the CID follows the first byte (RFC 9147 §4).
    if (cidLength > 0 && (data[0]! & 0xf0) === 0x30) return this.routeByCid(data, 1, cidLength, address, port, now);
    const hello = peekClientHello(data, this.cfg.settings.reassembly.maxMessage);
    if (hello === undefined) {
      if (existing) return this.feed(existing, data, now);
      return this.dropped(address, port, 'no association');
    }
    if (hello === null) {
      if (existing) return this.feed(existing, data, now);
      return this.dropped(address, port, 'malformed ClientHello, or a later fragment of one before its cookie verified');
    }
    // A retransmitted ClientHello of a handshake in progress goes to it; a late or
    // replayed copy of one that already completed is stale: it never tears the
    // association down (S-18), however valid its cookie still is.
    if (existing && equalBytes(existing.clientRandom, hello.hello.random)) {
      if (!existing.established) return this.feed(existing, data, now);
      return this.dropped(address, port, 'stale ClientHello of an established association');
    }
    // Version negotiation happens here, once (RFC 8446 §4.2.1): a whole ClientHello offering 1.3 takes 1.3's path.
    const whole = hello.body !== undefined ? hello.hello as ClientHello : undefined;
    const versions = this.cfg.versions ?? { min: 12, max: 13 };
    if (whole && versions.max === 13 && this.cfg.handshake.suites13.length > 0 && offersDtls13(whole)) {
      return this.route13(hello, whole, data.length, address, port, now, existing);
    }
    if (versions.min === 13) {
      // 1.2 is off: a hello that cannot lead to 1.3 gets protocol_version, statelessly (RFC 8446 §4.2.1).
      return this.refuse(hello, AlertDescription.protocol_version, address, port, 'the client does not offer DTLS 1.3');
    }
    if (this.cfg.cookieExchange && !this.cookies.verify(address, port, hello.hello, now)) {
      // S-14: a missing, invalid or expired cookie gets a fresh HVR, statelessly.
      return this.sendHelloVerifyRequest(hello, data.length, address, port, now);
    }
    if (!this.admit(address, port, existing)) return;
    this.start(keyOf(address, port), address, port, hello, now);
  }

  /** A token of the hello rate limit's bucket (rate `maxHelloRate` per second, holding a tenth of a second's worth). */
  private takeHelloToken(now: number): boolean {
    const rate = this.cfg.limits.maxHelloRate;
    const capacity = Math.max(1, rate / 10);
    // A clock that went back (a sans-IO caller's) restarts the count from there.
    if (now < this.helloFilledAt) this.helloFilledAt = now;
    if (now > this.helloFilledAt) {
      this.helloTokens = Math.min(capacity, this.helloTokens + ((now - this.helloFilledAt) * rate) / 1000);
      this.helloFilledAt = now;
    }
    if (this.helloTokens < 1) return false;
    this.helloTokens--;
    return true;
  }

  /**
   * The cookie verified: only now is state allocated, within the limits. A
   * new handshake from the address of an existing association replaces it
   * (S-18: the cookie proved the address).
   */
  private admit(address: string, port: number, existing: ServerAssociation | undefined): boolean {
    if (existing) this.remove(existing, new DtlsError('ERR_DTLS_REPLACED', 'peer started a new handshake'));
    if (this.assocs.size - this.handshaking.size >= this.cfg.limits.maxConnections) {
      this.dropped(address, port, 'connection limit');
      return false;
    }
    if ((this.perAddress.get(address) ?? 0) >= this.cfg.limits.maxHandshakesPerAddress) {
      this.dropped(address, port, 'per-address handshake limit');
      return false;
    }
    while (this.handshaking.size >= this.cfg.limits.maxHandshakes) this.evictOldest();
    return true;
  }

  /**
   * A ClientHello offering DTLS 1.3 (RFC 9147 §5.1): without a valid cookie
   * it gets a HelloRetryRequest with one, statelessly (also when the key
   * share is acceptable: the cookie is the 1.3 cookie exchange); with one,
   * the association starts from what the cookie says.
   */
  private route13(h: PeekedHello, hello: ClientHello, size: number, address: string, port: number, now: number, existing: ServerAssociation | undefined): void {
    const cfg = this.cfg.handshake;
    const cookie = cookieOf(hello);
    const retry = cookie && openRetryCookie(this.cookies, address, port, cookie, now, cfg.suites13, legacySessionIdEcho(hello));
    if (!retry) {
      let choice;
      try {
        choice = chooseHelloRetry(hello, cfg, now);
      } catch (e) {
        if (e instanceof DtlsError) return this.refuse(h, AlertDescription[e.alert ?? 'handshake_failure'], address, port, e.message);
        if (e instanceof DecodeError) return this.refuse(h, AlertDescription.decode_error, address, port, e.message);
        throw e;
      }
      if (!this.cfg.cookieExchange && choice.group === undefined) {
        if (this.admit(address, port, existing)) this.start13(keyOf(address, port), address, port, h, undefined, now);
        return;
      }
      const hash = clientHello1Hash(this.cfg.settings.provider, choice.suite, h.body!);
      const cookie = makeRetryCookie(this.cookies, address, port, choice.suite, choice.group, hash, now);
      const hrr = helloRetryRequestRecord({ ...choice, cookie, echo: legacySessionIdEcho(hello) }, h.messageSeq, h.record.seq, size);
      if (!hrr) return this.dropped(address, port, 'HelloRetryRequest would exceed ClientHello');
      this.stats.helloRetryRequests++;
      if (tracingRecords()) {
        const label = `server ${formatHostPort(address, port)} (stateless)`;
        trace(channels.recordIn, () => recordTrace(label, h.record.type, h.record.epoch, h.record.seq, h.record.fragment));
        trace(channels.recordOut, () => recordTrace(label, ContentType.handshake, 0, h.record.seq, hrr.fragment));
      }
      this.queue.transmit(hrr.record, address, port);
      return;
    }
    if (this.admit(address, port, existing)) this.start13(keyOf(address, port), address, port, h, retry, now);
  }

  /** A hello we cannot answer with a handshake: a fatal alert, statelessly, never larger than the hello. */
  private refuse(h: PeekedHello, description: number, address: string, port: number, reason: string): void {
    this.dropped(address, port, reason);
    this.queue.transmit(plaintextAlert(description, h.record.seq), address, port);
  }

  private start13(key: string, address: string, port: number, hello: PeekedHello, retry: HelloRetryState | undefined, now: number): void {
    const conn = new Connection13('server', this.cfg.settings, now);
    conn.traceLabel = `server ${formatHostPort(address, port)}`;
    const machine = new Server13Handshake(conn, this.cfg.handshake, { address, port }, retry);
    conn.attach(machine);
    conn.setMessageSeqs(hello.messageSeq, hello.messageSeq);
    // Our epoch-0 records continue from the ClientHello's record sequence number (above the HelloRetryRequest's).
    conn.records.setNextPlaintextSeq(hello.record.seq);
    const assoc = this.register(key, address, port, conn, machine, hello, now);
    const r = hello.record;
    this.settle(assoc, conn.receiveRecord({ kind: 'plaintext', type: r.type, version: r.version, epoch: 0, seq: r.seq, fragment: r.fragment, raw: r.raw }, now));
    this.schedule(assoc);
  }

  /** A new association, indexed and counted as a handshake in progress. */
  private register(key: string, address: string, port: number, conn: Connection | Connection13, machine: ServerHandshake | Server13Handshake, hello: PeekedHello, now: number): ServerAssociation {
    const assoc = new ServerAssociation(key, address, port, conn, machine, hello.hello.random, now);
    this.assocs.set(key, assoc);
    this.index(assoc);
    this.handshaking.add(assoc);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.stats.handshakesStarted++;
    this.queue.event({ type: 'connection', assoc });
    return assoc;
  }

  /**
   * A tls12_cid record: find the association by its CID, wherever it comes from
   * (RFC 9146 §6). A corrupted or unknown CID is dropped (S-59). A newer,
   * authenticated record from another address starts a return routability
   * check there; the address moves when its path_response arrives (S-60, RFC
   * 9853). Without RRC support on the peer, the newer record moves it.
   */
  private routeByCid(data: Uint8Array, offset: number, cidLength: number, address: string, port: number, now: number): void {
    if (data.length < offset + cidLength + 2) return this.dropped(address, port, 'truncated cid record');
    const assoc = this.byCid.get(hexOf(data.subarray(offset, offset + cidLength)));
    if (!assoc) {
      // CIDs are indexed once the handshake completes; a DTLS 1.3 client's Finished flight already
      // carries ours (negotiated in ServerHello, RFC 9147 §9): its handshake at this address checks it.
      const here = this.byAddress.get(address)?.get(port);
      if (here !== undefined && !here.established) return this.feed(here, data, now);
      return this.dropped(address, port, 'unknown cid');
    }
    if (assoc.address === address && assoc.port === port) return this.feed(assoc, data, now);
    const a = assoc.conn.receive(data, now);
    this.settle(assoc, a);
    // Not when a path_response just moved it here; one challenge (it voids the last) per new address per second.
    if ((a & Activity.newest) !== 0 && !assoc.conn.isClosed && (assoc.address !== address || assoc.port !== port)) {
      if (assoc.conn.returnRoutability) {
        if (assoc.pendingPath?.address === address && assoc.pendingPath.port === port && now - assoc.pendingPath.at < 1000) return;
        const challenge = assoc.conn.makePathChallenge();
        if (challenge) {
          assoc.pendingPath = { address, port, at: now };
          this.queue.transmit(challenge, address, port);
        }
      } else {
        this.move(assoc, address, port);
      }
    }
  }

  private move(assoc: ServerAssociation, address: string, port: number): void {
    const from = { address: assoc.address, port: assoc.port };
    const key = keyOf(address, port);
    const other = this.assocs.get(key);
    if (other && other !== assoc) this.remove(other, new DtlsError('ERR_DTLS_REPLACED', 'another association moved to this address'));
    if (this.assocs.get(assoc.key) === assoc) this.assocs.delete(assoc.key);
    this.unindex(assoc);
    assoc.key = key;
    assoc.address = address;
    assoc.port = port;
    assoc.pendingPath = undefined;
    this.assocs.set(key, assoc);
    this.index(assoc);
    this.queue.event({ type: 'migrate', assoc, from });
  }

  private start(key: string, address: string, port: number, hello: PeekedHello, now: number): void {
    const conn = new Connection('server', this.cfg.settings, now);
    conn.traceLabel = `server ${formatHostPort(address, port)}`;
    const machine = new ServerHandshake(conn, this.cfg.handshake, { address, port });
    conn.attach(machine);
    conn.setMessageSeqs(hello.messageSeq, hello.messageSeq);
    // RFC 6347 §4.2.1: our epoch-0 records continue from the ClientHello's record
    // sequence number, so they stay above the HelloVerifyRequest we sent statelessly.
    conn.records.setNextWriteSeq(hello.record.seq);
    const assoc = this.register(key, address, port, conn, machine, hello, now);
    this.settle(assoc, conn.receiveRecord(hello.record, now));
    this.schedule(assoc);
  }

  private feed(assoc: ServerAssociation, data: Uint8Array, now: number): void {
    this.settle(assoc, assoc.conn.receive(data, now));
  }

  /** A connection's event, as the endpoint reports it. */
  private onConnectionEvent(assoc: ServerAssociation, ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'secure': {
        assoc.established = true;
        this.leaveHandshaking(assoc);
        // The machine's own facts: `assoc.negotiated` would build DTLS 1.3's view for one field.
        const ids = assoc.machine.negotiated?.connectionIds;
        if (ids && ids.ours.length > 0) {
          assoc.cidKey = hexOf(ids.ours);
          this.byCid.set(assoc.cidKey, assoc);
        }
        return this.queue.event({ type: 'secure', assoc });
      }
      case 'pathValidated':
        if (assoc.pendingPath) this.move(assoc, assoc.pendingPath.address, assoc.pendingPath.port);
        return;
      case 'data':
        return this.queue.deliver(assoc, ev.data);
      case 'close':
        this.forget(assoc);
        return this.queue.event({ type: 'close', assoc, wasEstablished: assoc.established, ...(ev.error && { error: ev.error }) });
      default: {
        const e = commonEndpointEvent(assoc, ev);
        if (e?.type === 'drop') this.stats.dropped++;
        if (e) this.queue.event(e);
        return;
      }
    }
  }

  private schedule(assoc: ServerAssociation): void {
    if (assoc.conn.isClosed) return;
    const t = assoc.conn.nextTimeout();
    if (t !== undefined) this.timers.schedule(assoc, t);
  }

  /** Fire every deadline up to `now`. */
  handleTimeout(now: number): void {
    for (let assoc = this.timers.takeDue(now); assoc !== undefined; assoc = this.timers.takeDue(now)) {
      try {
        assoc.conn.handleTimeout(now);
      } catch (err) {
        assoc.conn.destroy(toDtlsError(err));
      }
      this.queue.collect(assoc);
      this.schedule(assoc);
    }
  }

  /** An asynchronous callback of this association settled: continue its handshake. */
  resume(assoc: ServerAssociation, now: number): void {
    if (this.assocs.get(assoc.key) !== assoc) return;
    assoc.conn.resume(now);
    this.queue.collect(assoc);
    this.schedule(assoc);
  }

  /** Send application data to an association. */
  send(assoc: ServerAssociation, data: Uint8Array, now: number): void {
    try {
      assoc.conn.send(data, now);
    } finally {
      // Even when send throws (closed, sequence numbers exhausted), the close is collected.
      this.queue.collect(assoc);
    }
  }

  /** close_notify and forget. */
  close(assoc: ServerAssociation, now: number): void {
    assoc.conn.close(now);
    this.queue.collect(assoc);
  }

  // --- the hook of src/persist (saveAssociations / loadAssociations) ---------------

  /** The configuration (src/persist restores associations with its settings and checks its CID length). */
  get config(): ServerEndpointConfig {
    return this.cfg;
  }
  /** The association with our CID (hex), if any. */
  byConnectionId(cidHex: string): ServerAssociation | undefined {
    return this.byCid.get(cidHex);
  }

  /** An association restored by src/persist (its connection completed, unpolled): indexed, then its `secure` event taken as a handshake's (no `connection`). */
  adopt(assoc: ServerAssociation): void {
    this.assocs.set(assoc.key, assoc);
    this.index(assoc);
    this.queue.collect(assoc);
    this.schedule(assoc);
  }

  /** An association src/persist saved: taken out without a word to the peer (no close_notify), its keys wiped, a `close` event. */
  release(assoc: ServerAssociation): void {
    assoc.conn.destroy();
    this.queue.collect(assoc);
  }

  /** Close every association (close_notify to established ones). */
  closeAll(now: number): void {
    for (const a of [...this.assocs.values()]) {
      if (a.established) a.conn.close(now);
      else a.conn.destroy();
      this.queue.collect(a);
    }
    this.timers.clear();
  }

  private remove(assoc: ServerAssociation, error: DtlsError): void {
    assoc.conn.destroy(error);
    this.queue.collect(assoc);
  }

  private evictOldest(): void {
    const oldest = this.handshaking.values().next().value;
    if (!oldest) return;
    this.stats.evicted++;
    this.remove(oldest, new DtlsError('ERR_DTLS_EVICTED', 'too many concurrent handshakes'));
  }

  private index(assoc: ServerAssociation): void {
    let ports = this.byAddress.get(assoc.address);
    if (!ports) this.byAddress.set(assoc.address, (ports = new Map()));
    ports.set(assoc.port, assoc);
  }

  private unindex(assoc: ServerAssociation): void {
    const ports = this.byAddress.get(assoc.address);
    if (!ports || ports.get(assoc.port) !== assoc) return;
    ports.delete(assoc.port);
    if (ports.size === 0) this.byAddress.delete(assoc.address);
  }

  private forget(assoc: ServerAssociation): void {
    if (this.assocs.get(assoc.key) === assoc) this.assocs.delete(assoc.key);
    this.unindex(assoc);
    if (assoc.cidKey && this.byCid.get(assoc.cidKey) === assoc) this.byCid.delete(assoc.cidKey);
    this.leaveHandshaking(assoc);
    this.timers.forget(assoc);
  }

  private leaveHandshaking(assoc: ServerAssociation): void {
    if (!this.handshaking.delete(assoc)) return;
    const n = (this.perAddress.get(assoc.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(assoc.address);
    else this.perAddress.set(assoc.address, n);
  }

  private dropped(address: string, port: number, reason: string): void {
    this.stats.dropped++;
    trace(channels.dropped, () => ({ connection: `server ${formatHostPort(address, port)}`, reason }));
    this.queue.event({ type: 'drop', address, port, reason });
  }

  private sendHelloVerifyRequest(h: PeekedHello, helloSize: number, address: string, port: number, now: number): void {
    const hvr = helloVerifyRequest(h, this.cookies.make(address, port, h.hello, now), helloSize);
    if (!hvr) return this.dropped(address, port, 'HVR would exceed ClientHello');
    this.stats.helloVerifyRequests++;
    if (tracingRecords()) {
      const label = `server ${formatHostPort(address, port)} (stateless)`;
      trace(channels.recordIn, () => recordTrace(label, h.record.type, h.record.epoch, h.record.seq, h.record.fragment));
      trace(channels.recordOut, () => recordTrace(label, ContentType.handshake, 0, h.record.seq, hvr.fragment));
    }
    this.queue.transmit(hvr.record, address, port);
  }
}

/** Where the CID starts in a tls12_cid record: after type, version, epoch and sequence number (RFC 9146 §4). */
const CID_OFFSET = 11;

export function keyOf(address: string, port: number): string {
  return `${address}|${port}`;
}

/** `10.0.0.2:5000`, `[::1]:5000`. */
export function formatHostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
export type { EndpointEvent } from './endpoint.js';
