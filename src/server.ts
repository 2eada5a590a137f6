import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { CryptoProvider } from './crypto/provider.js';
import { EndpointRunner } from './endpoint/runner.js';
import { type ServerAssociation, ServerEndpoint, type ServerEndpointEvent } from './endpoint/server-endpoint.js';
import { ClosedError, DtlsError, resolvingOptions } from './errors.js';
import { UdpSender, isIcmpSoftError } from './udp-sender.js';
import { type LoadOptions, loadAssociations, saveAssociations } from './persist/index.js';
import type { Negotiated } from './handshake/server-handshake.js';
import { type ServerOptions, checkBoolean, seedCompatible } from './options.js';
import { resolveServerConfig } from './config.js';
import { ClusterRouter, type ClusterStats, parseViaAddress } from './cluster/router.js';
import { type AnyNegotiated, type CipherInfo, certChainPem, checkChain, cipherInfo, messageBuffer, peerCertificate } from './peer-info.js';
import type { PeerCertificate } from './x509/certificate.js';

/**
 * Remote address of a peer, as openssl-dtls reports it.
 *
 * @example
 * ```ts
 * import type { Peer } from 'puredtls';
 *
 * declare const peer: Peer;
 * const { address, port } = peer.address(); // { address: '::ffff:127.0.0.1', port: 51234 }
 * ```
 */
export interface RemoteInfo {
  /** The IP address (IPv4 clients of a `udp6` socket appear as `::ffff:a.b.c.d`). */
  readonly address: string;
  /** The UDP port. */
  readonly port: number;
  /** In a cluster: the node the client talks to, when not this one. */
  readonly via?: number;
}

/**
 * Events of {@link Peer}.
 *
 * @example
 * ```ts
 * import type { Peer } from 'puredtls';
 *
 * declare const peer: Peer;
 * peer.on('message', (msg) => peer.send(msg));
 * peer.on('close', () => console.log('gone', peer.address()));
 * ```
 */
export interface PeerEvents {
  /** One application message (the payload of one DTLS record). */
  message: [message: Buffer];
  /** The association closed: close_notify either way, an idle timeout, a fatal error, or `server.close()`. */
  close: [];
  /**
   * The association failed: a fatal alert from the peer
   * (`ERR_DTLS_ALERT_RECEIVED`) or sent to it, too many records failing
   * authentication, a crypto failure. Emitted only when listened to (as
   * openssl-dtls code often has no listener); the server's `error(err, info)`
   * reports it too, and `close` follows. An idle timeout just closes.
   */
  error: [err: DtlsError];
}

/**
 * An established DTLS association on a {@link Server}: the openssl-dtls `Peer`.
 * The server's `secureConnection` event hands it over.
 *
 * @example
 * ```ts
 * import type { Server } from 'puredtls';
 *
 * declare const server: Server;
 * server.on('secureConnection', (peer) => {
 *   console.log(peer.address(), peer.getCipher()?.name, peer.getPeerCertificate().subject?.CN);
 *   peer.on('message', (msg) => peer.send(msg)); // echo
 *   peer.on('close', () => console.log('closed'));
 * });
 * ```
 */
export class Peer extends EventEmitter<PeerEvents> {
  /** @internal */
  constructor(private readonly server: Server, private readonly assoc: ServerAssociation) {
    super();
  }

  /**
   * The peer's address and port. In a cluster, a client whose records reach
   * this server through another node (its CID names this one) has that node's
   * id as `via`, and the address and port that node sees.
   */
  address(): RemoteInfo {
    const via = this.server.cluster !== undefined ? parseViaAddress(this.assoc.address) : undefined;
    if (via !== undefined) return { address: via.address, port: this.assoc.port, via: via.via };
    return { address: this.assoc.address, port: this.assoc.port };
  }

  /** The peer's certificate chain as PEM, leaf first; an empty Buffer when none was presented. */
  getCertChain(): Buffer {
    return certChainPem(this.assoc.negotiated);
  }

  /** The peer's certificate, as Node's `tlsSocket.getPeerCertificate()` gives it (`{}` when none). */
  getPeerCertificate(detailed = false): PeerCertificate | Record<string, never> {
    return peerCertificate(this.assoc.negotiated, detailed, this.server.provider);
  }

  /** The negotiated cipher suite. */
  getCipher(): CipherInfo | undefined {
    return cipherInfo(this.assoc.negotiated);
  }

  /** The protocol version: 'DTLSv1.2' or 'DTLSv1.3'. */
  getProtocol(): 'DTLSv1.2' | 'DTLSv1.3' {
    return this.assoc.protocol;
  }

  /** Whether the client's certificate verified against `ca` (true when none was requested). */
  get authorized(): boolean {
    return this.assoc.negotiated?.authorized ?? false;
  }

  /** Why the client's certificate did not verify. */
  get authorizationError(): DtlsError | undefined {
    return this.assoc.negotiated?.authorizationError;
  }

  /** The PSK identity the client used, with a PSK suite. */
  get pskIdentity(): string | undefined {
    return this.assoc.negotiated?.pskIdentity;
  }

  /** The SNI name the client asked for. */
  get servername(): string | undefined {
    return this.assoc.negotiated?.servername;
  }

  /** The ALPN protocol agreed on, or false (as Node's tls). */
  get alpnProtocol(): string | false {
    return this.assoc.negotiated?.alpnProtocol ?? false;
  }

  /** The DTLS-SRTP profile agreed on (RFC 5764), e.g. 'SRTP_AES128_CM_SHA1_80'. */
  get srtpProfile(): string | undefined {
    return this.assoc.negotiated?.srtpProfile;
  }

  /** The peer's raw public key (SubjectPublicKeyInfo, DER) when it authenticated with one (RFC 7250). */
  getPeerRawPublicKey(): Buffer | undefined {
    const k = this.assoc.negotiated?.peerRawPublicKey;
    return k && Buffer.from(k);
  }

  /** Whether this connection resumed a session. */
  isSessionReused(): boolean {
    return this.assoc.negotiated?.resumed ?? false;
  }

  /** Keying material (RFC 5705), e.g. for DTLS-SRTP (label 'EXTRACTOR-dtls_srtp'). */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    return Buffer.from(this.assoc.conn.exportKeyingMaterial(length, label, context));
  }

  /** Details of the negotiation (suite, group, EMS). */
  get negotiated(): Readonly<AnyNegotiated> | undefined {
    return this.assoc.negotiated;
  }

  /** Send one message (one record). Throws `ERR_DTLS_CLOSED` after close. */
  send(message: Buffer | Uint8Array | string): void {
    const data = typeof message === 'string' ? Buffer.from(message) : message;
    if (!(data instanceof Uint8Array)) throw new TypeError('message must be a Buffer, Uint8Array or string');
    this.server._send(this.assoc, data);
  }

  /** Send close_notify and close. */
  end(): void {
    this.server._end(this.assoc);
  }

  /** Whether the association is closed. */
  get closed(): boolean {
    return this.assoc.conn.isClosed;
  }

  /** Whether this peer was restored by `loadAssociations` (no handshake with this process). */
  get restored(): boolean {
    return this.assoc.restored;
  }
}

/**
 * `createServer` options: {@link ServerOptions}, plus how the server makes its own socket.
 *
 * @example One of several processes serving one port (docs/scaling.md)
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createServer, type NodeServerOptions } from 'puredtls';
 *
 * const options: NodeServerOptions = {
 *   key: readFileSync('server.key'), cert: readFileSync('server.crt'),
 *   reusePort: true,
 *   // the same in every process, so any of them accepts the others' cookies and tickets
 *   cookieSecret: readFileSync('cookie.secret'), ticketKeys: readFileSync('ticket.keys'),
 * };
 * createServer(options).bind(4433);
 * ```
 */
export interface NodeServerOptions extends ServerOptions {
  /**
   * Make the server's own socket with `reusePort` (SO_REUSEPORT), so that several
   * processes can bind the same port and the kernel spreads clients among them by
   * address and port: one server per core (docs/scaling.md). Give them all the same
   * `cookieSecret` and `ticketKeys`. Needs a Node with dgram `reusePort` (22.12+,
   * 23.1+) on a platform with SO_REUSEPORT (Linux); older Node ignores it, and the
   * second bind fails with EADDRINUSE. Not with `socket`: set it on that socket.
   * Default false.
   */
  reusePort?: boolean;
  /**
   * Associations saved by another server's {@link Server.saveAssociations}, to
   * continue without a handshake: `blob` and the `key` it was saved with
   * (≥ 32 bytes), and `maxAge` (ms, default 5 minutes). `createServer` throws
   * the `DtlsError` of {@link Server.loadAssociations} when the blob is
   * refused (nothing is loaded). The restored peers' `secureConnection`
   * events come on the next tick, once listeners are on.
   */
  associations?: { readonly blob: Uint8Array; readonly key: Uint8Array } & LoadOptions;
}

/**
 * Events of {@link Server}: openssl-dtls's, plus `listening`, `keylog` and `close`.
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { DtlsError, type Server } from 'puredtls';
 *
 * declare const server: Server;
 * server.on('connection', ({ address, port }) => console.log('handshake from', address, port));
 * server.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
 * server.on('error', (err, info) => console.error(info ?? 'socket', err instanceof DtlsError ? err.code : '', err.message));
 * server.on('keylog', (line) => fs.appendFileSync('keys.log', line));
 * ```
 */
export interface ServerEvents {
  /** A client's cookie verified and its handshake started. */
  connection: [info: RemoteInfo];
  /** An NSS key-log line for a connection (Wireshark's SSLKEYLOGFILE format). */
  keylog: [line: Buffer, info: RemoteInfo];
  /**
   * A handshake or an established association failed (a {@link DtlsError},
   * with the client's address), or the socket failed (Node's error, with its
   * `code` such as `EADDRINUSE`; no `info`).
   */
  error: [err: DtlsError | NodeJS.ErrnoException, info?: RemoteInfo];
  /** A handshake completed: the new {@link Peer}. */
  secureConnection: [peer: Peer];
  /** The socket is bound. */
  listening: [];
  /** The server and its socket are closed. */
  close: [];
}

/**
 * A DTLS server on one UDP socket: the openssl-dtls `Server`.
 *
 * @example
 * ```ts
 * import { createServer } from 'puredtls';
 *
 * declare const key: Buffer, cert: Buffer;
 * const srv = createServer({ key, cert });
 * srv.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
 * srv.bind(4433);
 * ```
 */
export class Server extends EventEmitter<ServerEvents> {
  /** The UDP socket: the `socket` option, or the server's own. */
  readonly socket: dgram.Socket;
  private readonly sender: UdpSender;
  /** @internal */
  readonly endpoint: ServerEndpoint;
  private readonly runner: EndpointRunner<ServerAssociation>;
  /** The crypto provider in use (the `crypto` option). */
  readonly provider: CryptoProvider;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private closing = false;
  /** The cluster node, with the `cluster` option (docs/scaling.md, "A cluster"). @internal */
  readonly cluster: ClusterRouter | undefined;
  /** The node-to-node socket, with the `cluster` option. */
  private channelSender: UdpSender | undefined;

  constructor(options: NodeServerOptions) {
    super();
    options = seedCompatible(options, 'server');
    const { config, provider, cluster } = resolveServerConfig(options);
    const reusePort = resolvingOptions(() => {
      if (options.socket !== undefined && !(options.socket instanceof dgram.Socket)) {
        throw new TypeError('The "socket" option must be a dgram.Socket');
      }
      const reuse = checkBoolean('reusePort', options.reusePort, false);
      if (reuse && options.socket !== undefined) throw new TypeError('The "reusePort" option is for the server\'s own socket: set it on "socket"');
      return reuse;
    });
    this.provider = provider;
    this.endpoint = new ServerEndpoint(config);
    // reusePort is in Node's dgram since 22.12 / 23.1 (not in @types/node 20's SocketOptions).
    const socketOptions: dgram.SocketOptions & { reusePort?: boolean } = { type: 'udp6', reusePort };
    this.socket = options.socket ?? dgram.createSocket(socketOptions);
    this.sender = new UdpSender(this.socket);
    if (cluster !== undefined) this.cluster = this.startCluster(cluster, provider);
    const router = this.cluster;
    this.runner = new EndpointRunner(this.endpoint, {
      send: router !== undefined ? (data, address, port) => router.transmit(data, address, port, now()) : (data, address, port) => this.sender.send(data, port, address),
    }, {
      deliver: (assoc, data) => (assoc.handle as Peer | undefined)?.emit('message', messageBuffer(data)),
      event: (ev) => this.onEvent(ev),
    }, now, (t) => this.arm(t));
    this.socket.on('message', router !== undefined ? (msg, rinfo) => {
      if (!this.closing && !router.inbound(msg, rinfo.address, rinfo.port, now())) this.runner.datagram(msg, rinfo.address, rinfo.port);
    } : (msg, rinfo) => {
      if (!this.closing) this.runner.datagram(msg, rinfo.address, rinfo.port);
    });
    this.socket.on('error', (err) => {
      // A client that went away (ICMP port unreachable, on Bun) is no server failure.
      if (!isIcmpSoftError(err)) this.emit('error', err);
    });
    this.socket.on('listening', () => this.emit('listening'));
    const saved = options.associations;
    if (saved !== undefined) {
      if (typeof saved !== 'object' || saved === null) throw new TypeError('The "associations" option must be { blob, key }');
      loadAssociations(this.endpoint, saved.blob, saved.key, now(), saved);
      process.nextTick(() => {
        if (!this.closing) this.runner.flush();
      });
    }
  }

  /**
   * The cluster node's channel: a UDP socket bound to this node's address in
   * `cluster.nodes`, taking the other nodes' frames (forwarded client records,
   * and replies to send to our clients).
   */
  private startCluster(cfg: NonNullable<ReturnType<typeof resolveServerConfig>['cluster']>, provider: CryptoProvider): ClusterRouter {
    const self = cfg.nodes.get(cfg.nodeId)!;
    const socket = dgram.createSocket({ type: self.address.includes(':') ? 'udp6' : 'udp4' });
    const channel = new UdpSender(socket);
    this.channelSender = channel;
    const router = new ClusterRouter(cfg, provider, {
      toClient: (data, address, port) => this.sender.send(data, port, address),
      toNode: (frame, address, port) => channel.send(frame, port, address),
    }, now());
    socket.on('message', (msg) => {
      if (!this.closing) router.frame(msg, now(), (data, address, port) => this.runner.datagram(data, address, port));
    });
    socket.on('error', (err) => {
      if (!isIcmpSoftError(err)) this.emit('error', err);
    });
    socket.bind(self.port, self.address);
    return router;
  }

  /** Counters of the cluster node (forwarded records, replies, frames dropped); undefined without `cluster`. */
  get clusterStats(): Readonly<ClusterStats> | undefined {
    return this.cluster?.stats;
  }

  /**
   * Save every established association into an encrypted, authenticated blob
   * (AES-256-GCM under a key derived from `key`, ≥ 32 bytes) for a new server
   * to continue without a handshake ({@link loadAssociations}, or the
   * `associations` option), e.g. on SIGTERM before a restart. The saved
   * associations leave this server at once, without a word to their peers
   * (no close_notify): their `Peer`s emit `close`, and nothing more is sent
   * under their keys. Handshakes in progress are not saved; neither is a DTLS
   * 1.3 association whose KeyUpdate awaits its ACK (both stay). Load the blob
   * once, in one server. See docs/scaling.md, "Restarts".
   */
  saveAssociations(key: Uint8Array): Buffer {
    const { blob } = saveAssociations(this.endpoint, key, now());
    this.runner.flush();
    return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  }

  /**
   * Continue the associations of a blob from {@link saveAssociations}: the
   * clients' next records are delivered without a handshake. Each restored
   * peer is reported by `secureConnection` at once (its `restored` is true;
   * there is no `connection` event, as no handshake starts): add the
   * listeners first. Returns how many were loaded. All or nothing: throws a
   * `DtlsError` and loads none when the blob is malformed
   * (`ERR_DTLS_STATE_MALFORMED`), of another format version
   * (`ERR_DTLS_STATE_VERSION`), altered or sealed with another key
   * (`ERR_DTLS_STATE_AUTH`), older than `maxAge` (`ERR_DTLS_STATE_EXPIRED`),
   * or does not fit this server (`ERR_DTLS_STATE_INCOMPATIBLE`,
   * `ERR_DTLS_STATE_CONFLICT`).
   */
  loadAssociations(blob: Uint8Array, key: Uint8Array, options: LoadOptions = {}): number {
    if (this.closing) throw new ClosedError('the server is closed');
    const n = loadAssociations(this.endpoint, blob, key, now(), options).length;
    this.runner.flush();
    return n;
  }

  /** Proxy of the socket's `bind()`. */
  bind(port?: number | dgram.BindOptions, address?: string | (() => void), callback?: () => void): this;
  bind(...args: unknown[]): this {
    (this.socket.bind as (...a: unknown[]) => void)(...args);
    return this;
  }

  /** The socket's address. */
  address(): AddressInfo {
    return this.socket.address();
  }

  /**
   * The session ticket keys (RFC 5077), 48 bytes each, concatenated: the first
   * encrypts new tickets, every one decrypts (Node's `getTicketKeys`).
   */
  getTicketKeys(): Buffer {
    const t = this.endpoint.ticketKeys;
    if (!t) throw new DtlsError('ERR_DTLS_NO_TICKETS', 'session tickets are off (sessionTickets: false)');
    return Buffer.concat(t.get());
  }

  /**
   * Rotate the ticket keys without a restart: a Buffer of one or more 48-byte
   * keys (or a list); the first encrypts new tickets, all decrypt. Share the
   * same keys between processes so any accepts any ticket.
   */
  setTicketKeys(keys: Uint8Array | readonly Uint8Array[]): void {
    const t = this.endpoint.ticketKeys;
    if (!t) throw new DtlsError('ERR_DTLS_NO_TICKETS', 'session tickets are off (sessionTickets: false)');
    const list: Uint8Array[] = [];
    if (keys instanceof Uint8Array) {
      if (keys.length === 0 || keys.length % 48 !== 0) throw new RangeError('ticket keys are 48 bytes each');
      for (let i = 0; i < keys.length; i += 48) list.push(keys.subarray(i, i + 48));
    } else {
      list.push(...keys);
    }
    t.set(list);
  }

  /** Number of established peers and handshakes in progress. */
  get connections(): number {
    return this.endpoint.size;
  }

  /** Send close_notify to every peer, close the socket, then call `cb`. */
  close(cb?: () => void): void {
    if (this.closing) {
      if (cb) this.once('close', cb);
      return;
    }
    this.closing = true;
    this.endpoint.closeAll(now());
    this.runner.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (cb) this.once('close', cb);
    // Once the close_notify alerts have left (some through other nodes of a cluster).
    const channel = this.channelSender;
    this.sender.close(() => (channel !== undefined ? channel.close(() => this.emit('close')) : this.emit('close')));
  }

  /** An event of the endpoint, as the Server and its Peers report it. */
  private onEvent(ev: ServerEndpointEvent): void {
    switch (ev.type) {
      case 'connection':
        this.emit('connection', { address: ev.assoc.address, port: ev.assoc.port });
        return;
      case 'secure': {
        const peer = new Peer(this, ev.assoc);
        ev.assoc.handle = peer;
        this.emit('secureConnection', peer);
        return;
      }
      case 'keylog':
        if (this.listenerCount('keylog') > 0) this.emit('keylog', Buffer.from(ev.line), { address: ev.assoc.address, port: ev.assoc.port });
        return;
      case 'wait':
        void ev.settled.then(() => {
          if (!this.closing) this.runner.resume(ev.assoc);
        });
        return;
      case 'close': {
        const peer = ev.assoc.handle as Peer | undefined;
        if (peer) {
          // As openssl-dtls: an established association that fails (a fatal alert
          // either way, too many bad records, a crypto failure) is the peer's
          // `error` and the server's `error(err, info)`, each only when listened
          // to (the seed's examples listen to neither); then `close`.
          const err = ev.error;
          if (err && !this.closing && err.code !== 'ERR_DTLS_IDLE_TIMEOUT' && err.code !== 'ERR_DTLS_REPLACED') {
            if (peer.listenerCount('error') > 0) peer.emit('error', err);
            if (this.listenerCount('error') > 0) this.emit('error', err, { address: ev.assoc.address, port: ev.assoc.port });
          }
          peer.emit('close');
        } else if (ev.error && !this.closing && ev.error.code !== 'ERR_DTLS_REPLACED') {
          this.emit('error', ev.error, { address: ev.assoc.address, port: ev.assoc.port });
        }
        return;
      }
      default:
        return;
    }
  }

  /** The next deadline changed: one timer for the whole endpoint, armed only earlier. */
  private arm(t: number | undefined): void {
    if (this.closing || t === undefined) return;
    if (this.timerAt !== undefined && this.timerAt <= t) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = t;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      if (!this.closing) this.runner.timeout();
    }, Math.max(0, t - now()));
    this.timer.unref();
  }

  /** @internal */
  _send(assoc: ServerAssociation, data: Uint8Array): void {
    if (assoc.conn.isClosed) throw new ClosedError();
    this.runner.send(assoc, data);
  }

  /** @internal */
  _end(assoc: ServerAssociation): void {
    this.runner.end(assoc);
  }
}

/** Milliseconds, monotonic enough for timers, shared with cookie periods. */
export function now(): number {
  return Date.now();
}

/**
 * Create a DTLS server (openssl-dtls compatible).
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { createServer } from 'puredtls';
 *
 * const srv = createServer({ key: fs.readFileSync('key.pem'), cert: fs.readFileSync('cert.pem') });
 * srv.on('secureConnection', (peer) => peer.on('message', (msg) => peer.send(msg)));
 * srv.bind(4433);
 * ```
 */
export function createServer(options: NodeServerOptions): Server {
  return new Server(options);
}
