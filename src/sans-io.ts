/**
 * `puredtls/sans-io`: DTLS with no sockets and no timers, over any datagram
 * transport. Datagrams and the current time go in; datagrams to send,
 * events (handshake done, application data, close) and the next deadline
 * come out. `createServer` and `connect` are this core driven by `node:dgram`
 * and `setTimeout`; with it, the same server and client run over Deno's or
 * Bun's own UDP, a socket shared with STUN and SRTP (RFC 7983), a tunnel, a
 * simulator. docs/sans-io.md shows the loop and three complete programs.
 *
 * - {@link SansIoServer}: many clients, with the stateless cookie exchange,
 *   limits and one timer, the options of `createServer`.
 * - {@link SansIoClient}: one connection to one server, the options of
 *   `connect`.
 * - {@link SansIoSession}: one association, as events name it: its address,
 *   what was negotiated, keying material.
 *
 * Every call takes `now`, in milliseconds from any clock that does not go
 * back (`Date.now()`, `performance.now()`); the cores keep no time of their
 * own. `receive` never throws, whatever the datagram.
 *
 * @example A server over any transport
 * ```ts
 * import { SansIoServer } from 'puredtls/sans-io';
 *
 * declare const key: string, cert: string;
 * declare function sendTo(data: Uint8Array, address: string, port: number): void;
 * const server = new SansIoServer({ key, cert });
 *
 * function flush(now: number): void {
 *   for (const d of server.takeDatagrams()) sendTo(d.data, d.address, d.port);
 *   for (const ev of server.takeEvents()) {
 *     if (ev.type === 'data') server.send(ev.session, ev.data, now); // echo
 *   }
 *   for (const d of server.takeDatagrams()) sendTo(d.data, d.address, d.port); // what the echo sent
 *   // then wake up at server.nextTimeout() and call server.handleTimeout(now), flush(now)
 * }
 * // for every datagram that arrives:
 * const onDatagram = (data: Uint8Array, address: string, port: number) => {
 *   server.receive(data, address, port, Date.now());
 *   flush(Date.now());
 * };
 * ```
 *
 * @module puredtls/sans-io
 */
import { clientHandshakeConfig, resolveClientConfig, resolveServerConfig } from './config.js';
import type { CryptoProvider } from './crypto/provider.js';
import { type ClientAssociation, ClientEndpoint } from './endpoint/client-endpoint.js';
import type { Association, Endpoint, EndpointEvent, EndpointSink } from './endpoint/endpoint.js';
import { type ServerAssociation, ServerEndpoint } from './endpoint/server-endpoint.js';
import { type LoadOptions, loadAssociations, saveAssociations } from './persist/index.js';
import { ClosedError, type DtlsError } from './errors.js';
import { encodeClientSession } from './handshake/session.js';
import type { ConnectOptions } from './client.js';
import type { ServerOptions } from './options.js';
import { type AnyNegotiated, type CipherInfo, checkServerChain, cipherInfo, peerCertificate } from './peer-info.js';
import type { PeerCertificate } from './x509/certificate.js';

// The errors, createSelfSigned and the types they share with 'puredtls'.
export * from './shared-exports.js';

/**
 * An address and port, as the cores take and give them.
 *
 * @example
 * ```ts
 * import { SansIoClient, type SansIoAddress } from 'puredtls/sans-io';
 *
 * const server: SansIoAddress = { address: '2001:db8::1', port: 5684 };
 * const client = new SansIoClient({ psk: { identity: 'device-1', key: new Uint8Array(16).fill(7) } }, server, Date.now());
 * ```
 */
export interface SansIoAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * A datagram to send: `data` to `address`:`port`.
 *
 * @example
 * ```ts
 * import type { Datagram, SansIoServer } from 'puredtls/sans-io';
 *
 * declare const server: SansIoServer;
 * declare const socket: { send(data: Uint8Array, port: number, address: string): void };
 * const out: Datagram[] = server.takeDatagrams();
 * for (const { data, address, port } of out) socket.send(data, port, address);
 * ```
 */
export interface Datagram extends SansIoAddress {
  readonly data: Uint8Array;
}

/**
 * What a core reports, in order. Application data is a `data` event. A
 * `wait` event means a callback of yours (`pskCallback`, `SNICallback`, a
 * client `psk` function) returned a Promise: once `settled` resolves, call
 * `resume(session, now)`.
 *
 * @example
 * ```ts
 * import type { SansIoEvent, SansIoServer } from 'puredtls/sans-io';
 *
 * declare const server: SansIoServer;
 * function handle(ev: SansIoEvent): void {
 *   switch (ev.type) {
 *     case 'secure':
 *       console.log(`${ev.session.address}:${ev.session.port} connected (${ev.session.getCipher()?.name})`);
 *       break;
 *     case 'data':
 *       server.send(ev.session, ev.data, Date.now()); // echo
 *       break;
 *     case 'wait':
 *       void ev.settled.then(() => server.resume(ev.session, Date.now()));
 *       break;
 *     case 'close':
 *       if (ev.error) console.error(ev.error.code, ev.error.message);
 *       break;
 *   }
 * }
 * server.takeEvents().forEach(handle);
 * ```
 */
export type SansIoEvent =
  /** Server: a client's cookie verified and its handshake started. */
  | { readonly type: 'connection'; readonly session: SansIoSession }
  /** The handshake completed. */
  | { readonly type: 'secure'; readonly session: SansIoSession }
  /** One record of application data. */
  | { readonly type: 'data'; readonly session: SansIoSession; readonly data: Uint8Array }
  /**
   * The association ended: `error` says why when it failed (a handshake that
   * failed or timed out, a fatal alert, an idle timeout: `ERR_DTLS_IDLE_TIMEOUT`);
   * none after close_notify either way.
   */
  | { readonly type: 'close'; readonly session: SansIoSession; readonly error?: DtlsError; readonly wasEstablished: boolean }
  /** A callback returned a Promise: `resume(session, now)` once `settled` resolves. */
  | { readonly type: 'wait'; readonly session: SansIoSession; readonly settled: Promise<void> }
  /**
   * Client, DTLS 1.3: a session ticket arrived after the handshake; `resumption` is what
   * the `session` option of a later client takes (also `getSession()`).
   */
  | { readonly type: 'ticket'; readonly session: SansIoSession; readonly resumption: Uint8Array }
  /** NSS key-log lines (Wireshark's SSLKEYLOGFILE format), each ending in a newline; built when read. */
  | { readonly type: 'keylog'; readonly session: SansIoSession; readonly line: string }
  /** A datagram was dropped (malformed, unauthenticated, no association...): diagnostics only. */
  | { readonly type: 'drop'; readonly address: string; readonly port: number; readonly reason: string };

/**
 * One association (a client of a {@link SansIoServer}, or the connection of
 * a {@link SansIoClient}): the handle events carry and `send`/`close` take.
 *
 * @example DTLS-SRTP keys once the handshake completed (RFC 5764 §4.2)
 * ```ts
 * import type { SansIoSession } from 'puredtls/sans-io';
 *
 * declare const session: SansIoSession;
 * if (session.established && session.negotiated?.srtpProfile === 'SRTP_AEAD_AES_128_GCM') {
 *   const keys = session.exportKeyingMaterial(2 * (16 + 12), 'EXTRACTOR-dtls_srtp');
 *   console.log(`${keys.length} bytes of SRTP master keys and salts`);
 * }
 * ```
 */
export class SansIoSession {
  /** @internal */
  constructor(
    /** @internal */
    readonly assoc: Association,
    private readonly provider: CryptoProvider,
  ) {}

  /** The peer's address (it follows a client that moved, with Connection IDs). */
  get address(): string {
    return this.assoc.address;
  }
  /** The peer's port. */
  get port(): number {
    return this.assoc.port;
  }
  /** Whether the handshake completed. */
  get established(): boolean {
    return this.assoc.established;
  }
  /** Whether the association is closed. */
  get closed(): boolean {
    return this.assoc.conn.isClosed;
  }
  /** Whether it was continued from saved associations (`loadAssociations`), with no handshake here. */
  get restored(): boolean {
    return this.assoc.restored;
  }
  /** What the handshake settled: suite, group, peer certificates, PSK identity, ALPN, SNI... */
  get negotiated(): Readonly<AnyNegotiated> | undefined {
    return this.assoc.negotiated;
  }
  /** The protocol version: 'DTLSv1.2' or 'DTLSv1.3'. */
  get protocol(): 'DTLSv1.2' | 'DTLSv1.3' {
    return this.assoc.protocol;
  }
  /** The negotiated cipher suite, as Node's `getCipher()`. */
  getCipher(): CipherInfo | undefined {
    return cipherInfo(this.assoc.negotiated);
  }
  /** The peer's certificate, as Node's `getPeerCertificate()` (`{}` when none). */
  getPeerCertificate(detailed = false): PeerCertificate | Record<string, never> {
    return peerCertificate(this.assoc.negotiated, detailed, this.provider);
  }
  /** Keying material (RFC 5705), e.g. DTLS-SRTP keys (label `EXTRACTOR-dtls_srtp`), once established. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    return this.assoc.conn.exportKeyingMaterial(length, label, context);
  }
}

/** What both cores share: the calls in, and the queues out. */
abstract class SansIoCore<A extends Association> implements EndpointSink<A> {
  private datagrams: Datagram[] = [];
  private events: SansIoEvent[] = [];

  protected constructor(
    protected readonly endpoint: Endpoint<A>,
    /** The crypto provider in use (the `crypto` option). */
    readonly provider: CryptoProvider,
  ) {}

  /** A datagram from `address`:`port`. Never throws; what it produced waits in the queues. */
  receive(datagram: Uint8Array, address: string, port: number, now: number): void {
    if (this.endpoint.receive(datagram, address, port, now) !== 0) this.endpoint.poll(this);
  }

  /** Call when `nextTimeout()` has come: retransmissions, handshake and idle timeouts. */
  handleTimeout(now: number): void {
    this.endpoint.handleTimeout(now);
    this.endpoint.poll(this);
  }

  /** When to call `handleTimeout` next (same clock as `now`), or undefined when nothing is due. */
  nextTimeout(): number | undefined {
    return this.endpoint.nextTimeout();
  }

  /** Send one message (one record) on `session`. Throws `ClosedError` once it is closed. */
  send(session: SansIoSession, data: Uint8Array, now: number): void {
    if (session instanceof SansIoSession && session.closed) throw new ClosedError();
    const assoc = this.own(session);
    try {
      this.endpoint.send(assoc, data, now);
    } finally {
      this.endpoint.poll(this);
    }
  }

  /** Send close_notify and close `session` (its `close` event follows); nothing when it is closed. */
  close(session: SansIoSession, now: number): void {
    if (session instanceof SansIoSession && session.closed) return;
    this.endpoint.close(this.own(session), now);
    this.endpoint.poll(this);
  }

  /** Continue a handshake after a `wait` event's promise settled (nothing when it closed meanwhile). */
  resume(session: SansIoSession, now: number): void {
    if (session instanceof SansIoSession && session.closed) return;
    this.endpoint.resume(this.own(session), now);
    this.endpoint.poll(this);
  }

  /** The datagrams to send, in order (the queue is emptied). */
  takeDatagrams(): Datagram[] {
    const d = this.datagrams;
    this.datagrams = [];
    return d;
  }

  /** The events, in order (the queue is emptied). */
  takeEvents(): SansIoEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** The session of an association, made on first sight. */
  protected sessionOf(assoc: A): SansIoSession {
    if (assoc.handle instanceof SansIoSession) return assoc.handle;
    const s = new SansIoSession(assoc, this.provider);
    assoc.handle = s;
    return s;
  }

  private own(session: SansIoSession): A {
    if (!(session instanceof SansIoSession) || session.assoc.handle !== session || !this.owns(session.assoc)) {
      throw new TypeError('not a session of this core');
    }
    return session.assoc as A;
  }

  /** Whether `assoc` is one of this core's associations. */
  protected abstract owns(assoc: Association): boolean;

  /** A DTLS 1.3 session ticket for the client (the server gets none). */
  protected ticket(_resumption: Uint8Array): void {}

  /** @internal */
  transmit(data: Uint8Array, address: string, port: number): void {
    this.datagrams.push({ address, port, data });
  }

  /** @internal */
  deliver(assoc: A, data: Uint8Array): void {
    this.events.push({ type: 'data', session: this.sessionOf(assoc), data });
  }

  /** @internal */
  event(ev: EndpointEvent<A>): void {
    switch (ev.type) {
      case 'connection':
      case 'secure':
        this.events.push({ type: ev.type, session: this.sessionOf(ev.assoc) });
        return;
      case 'close':
        this.events.push({ type: 'close', session: this.sessionOf(ev.assoc), wasEstablished: ev.wasEstablished, ...(ev.error && { error: ev.error }) });
        return;
      case 'wait':
        this.events.push({ type: 'wait', session: this.sessionOf(ev.assoc), settled: ev.settled });
        return;
      case 'keylog': {
        // The line is built only when read (the core's keylog event is lazy too).
        const source = ev;
        this.events.push({
          type: 'keylog',
          session: this.sessionOf(ev.assoc),
          get line() {
            return source.line;
          },
        });
        return;
      }
      case 'drop':
        this.events.push({ type: 'drop', address: ev.address, port: ev.port, reason: ev.reason });
        return;
      case 'ticket':
        this.ticket(ev.session);
        this.events.push({ type: 'ticket', session: this.sessionOf(ev.assoc), resumption: ev.session });
        return;
      default:
        // 'data' comes through deliver; 'alert' and 'migrate' are for the trace
        // and the session's address, not events of this API.
        return;
    }
  }
}

/**
 * {@link SansIoServer} options: those of `createServer`, less the socket.
 *
 * @example
 * ```ts
 * import { SansIoServer, type SansIoServerOptions } from 'puredtls/sans-io';
 *
 * declare function lookUpKey(identity: string): Promise<Uint8Array | null>;
 * const options: SansIoServerOptions = { pskCallback: (identity) => lookUpKey(identity), ciphers: 'PSK-AES128-CCM8' };
 * const server = new SansIoServer(options);
 * ```
 */
export type SansIoServerOptions = Omit<ServerOptions, 'socket'>;

/**
 * A DTLS server with no socket: feed it every datagram that reaches your
 * transport, send what `takeDatagrams` gives, act on `takeEvents`, and call
 * `handleTimeout` at `nextTimeout()`. It answers new clients with a
 * stateless HelloVerifyRequest first (nothing is kept for them before their
 * cookie verifies), as `createServer` does.
 *
 * @example
 * ```ts
 * import { SansIoServer, createSelfSigned } from 'puredtls/sans-io';
 *
 * const { keyPem, certPem } = createSelfSigned();
 * const server = new SansIoServer({ key: keyPem, cert: certPem });
 * declare const hello: Uint8Array; // a ClientHello from 192.0.2.7:5000
 * server.receive(hello, '192.0.2.7', 5000, Date.now());
 * server.takeDatagrams(); // [{ address: '192.0.2.7', port: 5000, data: <HelloVerifyRequest> }]
 * ```
 */
export class SansIoServer extends SansIoCore<ServerAssociation> {
  private readonly server: ServerEndpoint;

  constructor(options: SansIoServerOptions) {
    if ((options as ServerOptions | undefined)?.socket != null) throw Object.assign(new TypeError('The "socket" option is not for a sans-IO server'), { code: 'ERR_DTLS_INVALID_OPTION' });
    // A cluster node needs its node-to-node socket: createServer's.
    if ((options as ServerOptions | undefined)?.cluster != null) throw Object.assign(new TypeError('The "cluster" option is not for a sans-IO server (createServer runs the node-to-node channel)'), { code: 'ERR_DTLS_INVALID_OPTION' });
    const { config, provider } = resolveServerConfig(options);
    const server = new ServerEndpoint(config);
    super(server, provider);
    this.server = server;
  }

  /** The sessions: handshakes in progress and established associations. */
  *sessions(): IterableIterator<SansIoSession> {
    for (const a of this.server.associations()) yield this.sessionOf(a);
  }

  /** The session of a peer address, if there is one. */
  session(address: string, port: number): SansIoSession | undefined {
    const a = this.server.get(address, port);
    return a && this.sessionOf(a);
  }

  /** Number of associations (handshakes in progress and established). */
  get size(): number {
    return this.server.size;
  }

  /** close_notify to every established peer, every handshake dropped: for shutting down. */
  closeAll(now: number): void {
    this.server.closeAll(now);
    this.server.poll(this);
  }

  /**
   * Save the established associations for another server to continue (as
   * `Server.saveAssociations`; docs/scaling.md, "Restarts"): an encrypted,
   * authenticated blob under `key` (≥ 32 bytes). They leave this server
   * without a datagram to their peers (a `close` event each).
   */
  saveAssociations(key: Uint8Array, now: number): Uint8Array {
    const { blob } = saveAssociations(this.server, key, now);
    this.server.poll(this);
    return blob;
  }

  /**
   * Continue the associations of a blob (as `Server.loadAssociations`): a
   * `secure` event each (its session's `restored` is true), no handshake.
   * All or nothing: throws the `DtlsError` `Server.loadAssociations` names and loads
   * none when the blob is refused. Returns how many were loaded.
   */
  loadAssociations(blob: Uint8Array, key: Uint8Array, now: number, options?: LoadOptions): number {
    const n = loadAssociations(this.server, blob, key, now, options).length;
    this.server.poll(this);
    return n;
  }

  protected owns(assoc: Association): boolean {
    return this.server.get(assoc.address, assoc.port) === assoc;
  }
}

/**
 * {@link SansIoClient} options: those of `connect`, less `host`, `port` and `socket`.
 *
 * @example
 * ```ts
 * import { SansIoClient, type SansIoClientOptions } from 'puredtls/sans-io';
 *
 * declare const caPem: string;
 * const options: SansIoClientOptions = { ca: caPem, servername: 'device.example', ALPNProtocols: ['coap'] };
 * const client = new SansIoClient(options, { address: '192.0.2.1', port: 5684 }, Date.now());
 * ```
 */
export type SansIoClientOptions = Omit<ConnectOptions, 'host' | 'port' | 'socket'>;

/**
 * A DTLS client with no socket. It makes its ClientHello when constructed:
 * send what `takeDatagrams` gives to `server`, feed it what comes back, act
 * on `takeEvents`, call `handleTimeout` at `nextTimeout()`. Messages sent
 * before the handshake completed are queued. The server's certificate is
 * checked against `ca` (Node's bundled roots without one) and the
 * `servername` option, or the server's address when there is none.
 *
 * @example
 * ```ts
 * import { SansIoClient } from 'puredtls/sans-io';
 *
 * declare const caPem: string;
 * const client = new SansIoClient({ ca: caPem, servername: 'localhost' }, { address: '192.0.2.1', port: 4433 }, Date.now());
 * client.send(client.session, new TextEncoder().encode('hello'), Date.now()); // queued until 'secure'
 * client.takeDatagrams(); // [{ address: '192.0.2.1', port: 4433, data: <ClientHello> }]
 * ```
 */
export class SansIoClient extends SansIoCore<ClientAssociation> {
  private readonly client: ClientEndpoint;
  /** The one association. */
  readonly session: SansIoSession;
  /** Whether the server's certificate verified (set during the handshake). */
  authorized = false;
  /** Why it did not (with `rejectUnauthorized: false`). */
  authorizationError: DtlsError | undefined;

  constructor(options: SansIoClientOptions, server: SansIoAddress, now: number) {
    if (options !== null && typeof options === 'object' && (options as ConnectOptions).socket != null) {
      throw Object.assign(new TypeError('The "socket" option is not for a sans-IO client'), { code: 'ERR_DTLS_INVALID_OPTION' });
    }
    const r = resolveClientConfig(options);
    const o = options as ConnectOptions;
    const name = o.servername ?? server.address;
    let self: SansIoClient | undefined;
    const config = clientHandshakeConfig(r, o.servername, name, (chain) => {
      const { check, error } = checkServerChain(r.provider, chain, {
        ca: r.ca, name, rejectUnauthorized: r.rejectUnauthorized, policy: r.chainPolicy, checkServerIdentity: o.checkServerIdentity,
      });
      if (self) {
        self.authorized = error === undefined;
        self.authorizationError = error;
      }
      return check;
    });
    const client = new ClientEndpoint(r.settings, config, server, now);
    super(client, r.provider);
    self = this;
    this.client = client;
    this.session = this.sessionOf(client.assoc);
    client.poll(this);
  }

  /**
   * The session to resume later (the `session` option): with DTLS 1.2 once the
   * handshake completed, with DTLS 1.3 once a ticket came (a `ticket` event).
   */
  getSession(): Uint8Array | undefined {
    if (this.ticket13) return this.ticket13;
    const s = this.client.session;
    return s && encodeClientSession(s);
  }

  private ticket13: Uint8Array | undefined;

  protected override ticket(resumption: Uint8Array): void {
    this.ticket13 = resumption;
  }

  protected owns(assoc: Association): boolean {
    return assoc === this.client.assoc;
  }
}
