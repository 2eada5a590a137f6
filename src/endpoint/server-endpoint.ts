import { equalBytes, toHex as hexOf } from '../codec/bytes.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { Connection, type ConnectionSettings } from '../connection.js';
import { DecodeError, DtlsError } from '../errors.js';
import { CookieFactory } from '../handshake/cookie.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment, encodeHandshakeFragment } from '../handshake/header.js';
import { type HelloPrefix, decodeClientHello, decodeHelloPrefix } from '../handshake/messages/client-hello.js';
import { encodeHelloVerifyRequest } from '../handshake/messages/hello-verify-request.js';
import { HandshakeType } from '../handshake/registry.js';
import { type Negotiated, ServerHandshake, type ServerHandshakeConfig } from '../handshake/server-handshake.js';
import { ContentType, DTLS1_0, DTLS1_2 } from '../record/content-type.js';
import { type DtlsRecord, encodeRecord, parseDatagram } from '../record/record.js';
import { TimerHeap } from './timer-heap.js';
import type { TicketKeys } from '../handshake/session.js';
import { channels, recordTrace, trace, tracingRecords } from '../trace.js';

/** Limits of the server endpoint (S-65, DOS-07). */
export interface EndpointLimits {
  /** Half-open (post-cookie) handshakes in total; the oldest is evicted beyond it. */
  readonly maxHandshakes: number;
  /** Half-open handshakes per source address. */
  readonly maxHandshakesPerAddress: number;
  /** Established connections in total; new handshakes are refused beyond it. */
  readonly maxConnections: number;
}

export const DEFAULT_ENDPOINT_LIMITS: EndpointLimits = Object.freeze({
  maxHandshakes: 1000,
  maxHandshakesPerAddress: 100,
  maxConnections: 100_000,
});

export interface ServerEndpointConfig {
  readonly settings: ConnectionSettings;
  readonly handshake: ServerHandshakeConfig;
  /** Master secret for cookies (share it between workers so any accepts any cookie). */
  readonly cookieSecret: Uint8Array;
  /** Run the cookie exchange (S-11). Turn off only for paths verified otherwise. */
  readonly cookieExchange: boolean;
  readonly limits: EndpointLimits;
  /** Length of our Connection IDs (0: CIDs off). Records of type tls12_cid are routed by it. */
  readonly cidLength?: number;
}

/** One association of the server, as the endpoint tracks it. */
export class ServerAssociation {
  established = false;
  /** A new address seen with a newer authenticated record, waiting for its return routability check. */
  pendingPath: { address: string; port: number } | undefined;
  /** Our CID (hex), when CIDs are in use. */
  cidKey: string | undefined;
  /** Application-level handle (the Peer), set by the adapter. */
  handle: unknown;
  scheduled: number | undefined;
  constructor(
    public key: string,
    public address: string,
    public port: number,
    readonly conn: Connection,
    readonly machine: ServerHandshake,
    readonly clientRandom: Uint8Array,
    readonly started: number,
  ) {}

  get negotiated(): Negotiated | undefined {
    return this.machine.negotiated;
  }
}

export type EndpointEvent =
  | { readonly type: 'connection'; readonly assoc: ServerAssociation }
  | { readonly type: 'secure'; readonly assoc: ServerAssociation }
  | { readonly type: 'data'; readonly assoc: ServerAssociation; readonly data: Uint8Array }
  | { readonly type: 'close'; readonly assoc: ServerAssociation; readonly error?: DtlsError; readonly wasEstablished: boolean }
  | { readonly type: 'drop'; readonly address: string; readonly port: number; readonly reason: string }
  /** The peer's address changed (Connection ID migration, RFC 9146 §6). */
  | { readonly type: 'migrate'; readonly assoc: ServerAssociation; readonly from: { address: string; port: number } }
  | { readonly type: 'keylog'; readonly assoc: ServerAssociation; readonly line: string }
  /** An association waits for an asynchronous callback: call `resume(assoc, now)` once `settled` resolves. */
  | { readonly type: 'wait'; readonly assoc: ServerAssociation; readonly settled: Promise<void> };

export interface Outgoing {
  readonly address: string;
  readonly port: number;
  readonly data: Uint8Array;
}

/** Counters of the stateless path. */
export interface EndpointStats {
  helloVerifyRequests: number;
  dropped: number;
  handshakesStarted: number;
  evicted: number;
}

/**
 * The server side, sans-IO: many associations keyed by address and port,
 * the stateless cookie exchange in front of them (nothing is allocated for a
 * client before its cookie verifies, S-12), limits, and one timer heap.
 */
export class ServerEndpoint {
  private readonly assocs = new Map<string, ServerAssociation>();
  private readonly byCid = new Map<string, ServerAssociation>();
  private readonly handshaking = new Set<ServerAssociation>();
  private readonly perAddress = new Map<string, number>();
  private readonly timers = new TimerHeap<ServerAssociation>();
  private readonly cookies: CookieFactory;
  private out: Outgoing[] = [];
  private events: EndpointEvent[] = [];
  readonly stats: EndpointStats = { helloVerifyRequests: 0, dropped: 0, handshakesStarted: 0, evicted: 0 };

  constructor(private readonly cfg: ServerEndpointConfig) {
    this.cookies = new CookieFactory(cfg.settings.provider, cfg.cookieSecret);
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
    return this.assocs.get(keyOf(address, port));
  }

  takeTransmits(): Outgoing[] {
    const o = this.out;
    this.out = [];
    return o;
  }
  takeEvents(): EndpointEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  nextTimeout(): number | undefined {
    return this.timers.peek();
  }

  /**
   * Associations by address, then port: the same map as `assocs`, looked up
   * without building the `address|port` key string (the per-datagram fast path).
   */
  private readonly byAddress = new Map<string, Map<number, ServerAssociation>>();

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

  /** The association the last {@link receiveApplicationData} delivered for. */
  lastAssociation: ServerAssociation | undefined;

  /**
   * The allocation-free receive path (see `Connection.receiveApplicationData`):
   * the plaintext of a datagram that is one application_data record for an
   * established association at this address, with {@link lastAssociation}
   * set to it. `undefined` otherwise: call {@link handleDatagram} unless
   * {@link fastHandled} (the record was dropped; take the events). Never throws.
   */
  receiveApplicationData(data: Uint8Array, address: string, port: number, now: number): Uint8Array | undefined {
    this.fastHandled = false;
    const assoc = this.byAddress.get(address)?.get(port);
    if (assoc === undefined || !assoc.established) return undefined;
    try {
      const pt = assoc.conn.receiveApplicationData(data, now);
      if (pt !== undefined) {
        this.lastAssociation = assoc;
        return pt;
      }
      if (assoc.conn.fastHandled) {
        this.fastHandled = true;
        this.collect(assoc, now);
      }
    } catch (err) {
      this.fastHandled = true;
      this.dropped(address, port, `internal: ${(err as Error)?.message ?? err}`);
    }
    return undefined;
  }

  /** Whether the last {@link receiveApplicationData} consumed its datagram without data to deliver. */
  fastHandled = false;

  /**
   * The allocation-free send path: the datagram carrying `data` for an
   * established association, to send right away, or `undefined` (then call
   * {@link send}).
   */
  sealApplicationData(assoc: ServerAssociation, data: Uint8Array, now: number): Uint8Array | undefined {
    return assoc.conn.sealApplicationData(data, now);
  }

  /** A datagram from address:port. Never throws. */
  handleDatagram(data: Uint8Array, address: string, port: number, now: number): void {
    try {
      this.route(data, address, port, now);
    } catch (err) {
      // Defence in depth: nothing may escape the socket handler (S-62).
      this.dropped(address, port, `internal: ${(err as Error)?.message ?? err}`);
    }
  }

  private route(data: Uint8Array, address: string, port: number, now: number): void {
    const cidLength = this.cfg.cidLength ?? 0;
    if (cidLength > 0 && data[0] === 25) return this.routeByCid(data, cidLength, address, port, now);
    const key = keyOf(address, port);
    const existing = this.assocs.get(key);
    const hello = peekClientHello(data);
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
    if (this.cfg.cookieExchange && !this.cookies.verify(address, port, hello.hello, now)) {
      // S-14: a missing, invalid or expired cookie gets a fresh HVR, statelessly.
      return this.sendHelloVerifyRequest(hello, data.length, address, port, now);
    }
    // The cookie verified: only now is state allocated. A new handshake from the
    // address of an existing association replaces it (S-18: the cookie proved the address).
    if (existing) this.remove(existing, new DtlsError('ERR_DTLS_REPLACED', 'peer started a new handshake'));
    if (this.assocs.size - this.handshaking.size >= this.cfg.limits.maxConnections) {
      return this.dropped(address, port, 'connection limit');
    }
    if ((this.perAddress.get(address) ?? 0) >= this.cfg.limits.maxHandshakesPerAddress) {
      return this.dropped(address, port, 'per-address handshake limit');
    }
    while (this.handshaking.size >= this.cfg.limits.maxHandshakes) this.evictOldest();
    this.start(key, address, port, hello, now);
  }

  /**
   * A tls12_cid record: find the association by its CID, wherever it comes from
   * (RFC 9146 §6). A corrupted or unknown CID is dropped (S-59). A newer,
   * authenticated record from another address starts a return routability
   * check there; the address moves when its path_response arrives (S-60, RFC
   * 9853). Without RRC support on the peer, the newer record moves it.
   */
  private routeByCid(data: Uint8Array, cidLength: number, address: string, port: number, now: number): void {
    if (data.length < 11 + cidLength) return this.dropped(address, port, 'truncated cid record');
    const assoc = this.byCid.get(hexOf(data.subarray(11, 11 + cidLength)));
    if (!assoc) return this.dropped(address, port, 'unknown cid');
    if (assoc.address === address && assoc.port === port) return this.feed(assoc, data, now);
    assoc.conn.takeNewestFlag();
    assoc.conn.handleDatagram(data, now);
    if (assoc.conn.takeNewestFlag() && !assoc.conn.isClosed) {
      if (assoc.conn.returnRoutability) {
        const challenge = assoc.conn.makePathChallenge();
        if (challenge) {
          assoc.pendingPath = { address, port };
          this.out.push({ address, port, data: challenge });
        }
      } else {
        this.move(assoc, address, port);
      }
    }
    this.collect(assoc, now);
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
    this.events.push({ type: 'migrate', assoc, from });
  }

  private start(key: string, address: string, port: number, hello: PeekedHello, now: number): void {
    const conn = new Connection('server', this.cfg.settings, now);
    conn.traceLabel = `server ${address.includes(':') ? `[${address}]` : address}:${port}`;
    const machine = new ServerHandshake(conn, this.cfg.handshake, { address, port });
    conn.attach(machine);
    conn.setMessageSeqs(hello.messageSeq, hello.messageSeq);
    // RFC 6347 §4.2.1: our epoch-0 records continue from the ClientHello's record
    // sequence number, so they stay above the HelloVerifyRequest we sent statelessly.
    conn.records.setNextWriteSeq(hello.record.seq);
    const assoc = new ServerAssociation(key, address, port, conn, machine, hello.hello.random, now);
    this.assocs.set(key, assoc);
    this.index(assoc);
    this.handshaking.add(assoc);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.stats.handshakesStarted++;
    this.events.push({ type: 'connection', assoc });
    conn.handleRecord(hello.record);
    this.collect(assoc, now);
  }

  private feed(assoc: ServerAssociation, data: Uint8Array, now: number): void {
    assoc.conn.handleDatagram(data, now);
    this.collect(assoc, now);
  }

  /** Move a connection's output and events out, and keep its timer. */
  private collect(assoc: ServerAssociation, now: number): void {
    for (const d of assoc.conn.takeTransmits()) this.out.push({ address: assoc.address, port: assoc.port, data: d });
    for (const ev of assoc.conn.takeEvents()) {
      switch (ev.type) {
        case 'secure': {
          assoc.established = true;
          this.leaveHandshaking(assoc);
          const ids = assoc.negotiated?.connectionIds;
          if (ids && ids.ours.length > 0) {
            assoc.cidKey = hexOf(ids.ours);
            this.byCid.set(assoc.cidKey, assoc);
          }
          this.events.push({ type: 'secure', assoc });
          break;
        }
        case 'pathValidated':
          if (assoc.pendingPath) this.move(assoc, assoc.pendingPath.address, assoc.pendingPath.port);
          break;
        case 'data':
          this.events.push({ type: 'data', assoc, data: ev.data });
          break;
        case 'close':
          this.forget(assoc);
          this.events.push({ type: 'close', assoc, wasEstablished: assoc.established, ...(ev.error && { error: ev.error }) });
          break;
        case 'wait':
          this.events.push({ type: 'wait', assoc, settled: ev.settled });
          break;
        case 'keylog':
          this.events.push({
            type: 'keylog',
            assoc,
            get line() {
              return ev.line;
            },
          });
          break;
        case 'drop':
          this.stats.dropped++;
          this.events.push({ type: 'drop', address: assoc.address, port: assoc.port, reason: ev.reason });
          break;
        default:
          break;
      }
    }
    if (!assoc.conn.isClosed) this.schedule(assoc, now);
  }

  private schedule(assoc: ServerAssociation, _now: number): void {
    const t = assoc.conn.nextTimeout();
    if (t === undefined) return;
    if (assoc.scheduled === undefined || t < assoc.scheduled) {
      assoc.scheduled = t;
      this.timers.push(t, assoc);
    }
  }

  /** Fire every deadline up to `now`. */
  handleTimeout(now: number): void {
    for (let top = this.timers.peek(); top !== undefined && top <= now; top = this.timers.peek()) {
      const { time, item: assoc } = this.timers.pop()!;
      if (assoc.scheduled !== time || this.assocs.get(assoc.key) !== assoc) continue;
      assoc.scheduled = undefined;
      try {
        assoc.conn.handleTimeout(now);
      } catch {
        assoc.conn.destroy(new DtlsError('ERR_DTLS_INTERNAL', 'timer failure'));
      }
      this.collect(assoc, now);
    }
  }

  /** An asynchronous callback of this association settled: continue its handshake. */
  resume(assoc: ServerAssociation, now: number): void {
    if (this.assocs.get(assoc.key) !== assoc) return;
    assoc.conn.resume(now);
    this.collect(assoc, now);
  }

  /** Send application data to an association. */
  send(assoc: ServerAssociation, data: Uint8Array, now: number): void {
    try {
      assoc.conn.send(data, now);
    } finally {
      // Even when send throws (closed, sequence numbers exhausted), the close is collected.
      this.collect(assoc, now);
    }
  }

  /** close_notify and forget. */
  close(assoc: ServerAssociation, now: number): void {
    assoc.conn.close(now);
    this.collect(assoc, now);
  }

  /** Close every association (close_notify to established ones). */
  closeAll(now: number): void {
    for (const a of [...this.assocs.values()]) {
      if (a.established) a.conn.close(now);
      else a.conn.destroy();
      this.collect(a, now);
    }
    this.timers.clear();
  }

  private remove(assoc: ServerAssociation, error: DtlsError): void {
    assoc.conn.destroy(error);
    this.collect(assoc, 0);
  }

  private evictOldest(): void {
    const oldest = this.handshaking.values().next().value;
    if (!oldest) return;
    this.stats.evicted++;
    this.remove(oldest, new DtlsError('ERR_DTLS_EVICTED', 'too many concurrent handshakes'));
  }

  private forget(assoc: ServerAssociation): void {
    if (this.assocs.get(assoc.key) === assoc) this.assocs.delete(assoc.key);
    this.unindex(assoc);
    if (assoc.cidKey && this.byCid.get(assoc.cidKey) === assoc) this.byCid.delete(assoc.cidKey);
    this.leaveHandshaking(assoc);
  }

  private leaveHandshaking(assoc: ServerAssociation): void {
    if (!this.handshaking.delete(assoc)) return;
    const n = (this.perAddress.get(assoc.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(assoc.address);
    else this.perAddress.set(assoc.address, n);
  }

  private dropped(address: string, port: number, reason: string): void {
    this.stats.dropped++;
    trace(channels.dropped, () => ({ connection: `server ${address}:${port}`, reason }));
    this.events.push({ type: 'drop', address, port, reason });
  }

  /**
   * HelloVerifyRequest (RFC 6347 §4.2.1): server_version 0xfeff, the record
   * sequence number copied from the ClientHello (S-13), never retransmitted,
   * never larger than the ClientHello (amplification ≤ 1×).
   */
  private sendHelloVerifyRequest(h: PeekedHello, helloSize: number, address: string, port: number, now: number): void {
    const cookie = this.cookies.make(address, port, h.hello, now);
    const body = new Writer(3 + cookie.length);
    encodeHelloVerifyRequest(body, { serverVersion: DTLS1_0, cookie });
    const b = body.finish();
    const w = new Writer(HANDSHAKE_HEADER_LENGTH + b.length);
    encodeHandshakeFragment(w, HandshakeType.hello_verify_request, b.length, h.messageSeq, 0, b);
    const rec = encodeRecord(ContentType.handshake, DTLS1_2, 0, h.record.seq, w.finish());
    if (rec.length > helloSize) return this.dropped(address, port, 'HVR would exceed ClientHello');
    this.stats.helloVerifyRequests++;
    if (tracingRecords()) {
      const label = `server ${address.includes(':') ? `[${address}]` : address}:${port} (stateless)`;
      trace(channels.recordIn, () => recordTrace(label, h.record.type, h.record.epoch, h.record.seq, h.record.fragment));
      trace(channels.recordOut, () => recordTrace(label, ContentType.handshake, 0, h.record.seq, w.finish()));
    }
    this.out.push({ address, port, data: rec });
  }
}

interface PeekedHello {
  readonly record: DtlsRecord;
  readonly messageSeq: number;
  readonly hello: HelloPrefix;
}

/**
 * If the datagram starts with an epoch-0 handshake record holding a whole
 * ClientHello, decode it. `undefined`: not a ClientHello; `null`: a
 * malformed or fragmented one (dropped before any state exists).
 */
function peekClientHello(data: Uint8Array): PeekedHello | null | undefined {
  if (data.length < 13 + HANDSHAKE_HEADER_LENGTH || data[0] !== ContentType.handshake || data[3] !== 0 || data[4] !== 0) return undefined;
  if (data[13] !== HandshakeType.client_hello) return undefined;
  const { records } = parseDatagram(data);
  const record = records[0];
  if (!record) return null;
  try {
    const r = new Reader(record.fragment);
    const frag = decodeHandshakeFragment(r);
    // Later fragments of a fragmented ClientHello belong to an association, if any.
    if (frag.fragmentOffset !== 0) return null;
    // A whole ClientHello is decoded completely (SM-26: malformed ones get nothing);
    // the first fragment of one a small MTU split must hold the prefix the cookie
    // covers: version, random, session_id and the cookie itself.
    const hello = frag.body.length === frag.length ? decodeClientHello(new Reader(frag.body)) : decodeHelloPrefix(new Reader(frag.body));
    return { record, messageSeq: frag.messageSeq, hello };
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

function keyOf(address: string, port: number): string {
  return `${address}|${port}`;
}


