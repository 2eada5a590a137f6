import * as dgram from 'node:dgram';
import { lookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { CryptoProvider } from './crypto/provider.js';
import { type ClientPskOption, clientHandshakeConfig, resolveClientConfig } from './config.js';
import { ClosedError, DtlsError, resolvingOptions } from './errors.js';
import { type ClientAssociation, type ClientEndpointEvent, ClientEndpoint, MAX_QUEUED_BEFORE_HANDSHAKE } from './endpoint/client-endpoint.js';
import { EndpointRunner } from './endpoint/runner.js';
import type { ServerChainCheck } from './handshake/client-handshake.js';
import { encodeClientSession } from './handshake/session.js';
import type { Negotiated } from './handshake/server-handshake.js';
import { type CommonOptions, checkInt, seedCompatible } from './options.js';
import { UdpSender, isIcmpSoftError } from './udp-sender.js';
import { type AnyNegotiated, type ChainPolicy, type CipherInfo, certChainPem, checkServerChain, cipherInfo, messageBuffer, peerCertificate } from './peer-info.js';
import type { RemoteInfo } from './server.js';
import { now } from './server.js';
import type { PeerCertificate } from './x509/certificate.js';

/**
 * `connect` and `connectAsync` options: the server, how to verify it, and the
 * options shared with the server ({@link CommonOptions}).
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { connectAsync, type ConnectOptions } from 'puredtls';
 *
 * const options: ConnectOptions = {
 *   host: 'device.example', port: 5684,
 *   ca: fs.readFileSync('ca.pem'),                           // verify the server against this CA
 *   key: fs.readFileSync('client.key'), cert: fs.readFileSync('client.crt'), // when the server asks
 *   ciphers: 'ECDHE-ECDSA-AES128-CCM8',
 * };
 * const client = await connectAsync(options);
 * ```
 */
export interface ConnectOptions extends CommonOptions {
  /** Server host name or address. Default 'localhost'. */
  host?: string;
  /** Server port. */
  port: number;
  /** A UDP socket to use instead of a new one (it is not closed by `end()`). */
  socket?: dgram.Socket;
  /** Name for SNI and certificate matching. Default: `host` when it is a name. */
  servername?: string;
  /** Fail the handshake when the server's certificate does not verify. Default true. */
  rejectUnauthorized?: boolean;
  /** Pre-shared key for the PSK suites: `{ identity, key }` or a callback of the server's hint (may return a Promise). */
  psk?: ClientPskOption;
  /** A session to resume: the Buffer `getSession()` (or the `session` event) gave for an earlier connection. */
  session?: Uint8Array;
  /** Ask the server for session tickets (RFC 5077). Default true. */
  sessionTickets?: boolean;
  /** Replace the host name check: return an Error to reject. */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * Events of {@link ClientConnection}.
 *
 * @example
 * ```ts
 * import { connect } from 'puredtls';
 *
 * declare const ca: Buffer;
 * const client = connect({ host: 'localhost', port: 4433, ca });
 * client.on('secureConnect', () => client.send('hello'));
 * client.on('message', (msg) => console.log(msg.toString()));
 * client.on('error', (err) => console.error(err.code, err.message));
 * client.on('close', () => console.log('closed'));
 * ```
 */
export interface ClientEvents {
  /** The handshake completed; messages queued before it are sent now. */
  secureConnect: [];
  /** A resumable session: pass it as `connect({ session })` later. */
  session: [session: Buffer];
  /** An NSS key-log line (Wireshark's SSLKEYLOGFILE format). */
  keylog: [line: Buffer];
  /** One application message (the payload of one DTLS record). */
  message: [message: Buffer];
  /** The connection closed (after `error` when it failed). */
  close: [];
  /** The handshake or the connection failed; `close` follows. */
  error: [err: DtlsError];
}

/**
 * The client side of a DTLS association, with the same interface as a
 * server's {@link Peer} plus `secureConnect`. Made by {@link connect} and
 * {@link connectAsync}.
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { connectAsync } from 'puredtls';
 *
 * const client = await connectAsync({ host: 'localhost', port: 4433, ca: fs.readFileSync('ca.pem') });
 * console.log(client.getCipher()?.name, client.getPeerCertificate().subject?.CN);
 * client.on('message', (msg) => {
 *   console.log(msg.toString());
 *   client.end();
 * });
 * client.send('hello');
 * ```
 */
export class ClientConnection extends EventEmitter<ClientEvents> {
  private endpoint: ClientEndpoint | undefined;
  private runner: EndpointRunner<ClientAssociation> | undefined;
  private socket: dgram.Socket | undefined;
  private sender: UdpSender | undefined;
  private ownSocket = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  /** Messages sent before the socket and endpoint exist (the address lookup). */
  private early: Uint8Array[] = [];
  private ended = false;
  private closedEmitted = false;
  /** The crypto provider in use (the `crypto` option). */
  readonly provider: CryptoProvider;
  /** Whether the server's certificate verified. */
  authorized = false;
  /** Why it did not (with `rejectUnauthorized: false`). */
  authorizationError: DtlsError | undefined;
  private readonly onSocketMessage = (msg: Buffer, rinfo: dgram.RemoteInfo) => this.runner?.datagram(msg, rinfo.address, rinfo.port);

  private readonly options: ConnectOptions;

  constructor(options: ConnectOptions) {
    super();
    const checked = resolvingOptions(() => checkClientOptions(options));
    options = checked.options;
    this.options = options;
    const { port, host } = checked;
    const resolved = resolveClientConfig(options);
    this.provider = resolved.provider;
    const servername = options.servername ?? (isIP(host) ? undefined : host);
    const nameToCheck = servername ?? host;
    const hsConfig = clientHandshakeConfig(resolved, servername, nameToCheck,
      (chain) => this.checkServer(chain, resolved.ca, nameToCheck, resolved.rejectUnauthorized, resolved.chainPolicy));

    const start = (address: string, family: 4 | 6) => {
      const socket = options.socket ?? dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      this.socket = socket;
      this.ownSocket = options.socket === undefined;
      const sender = new UdpSender(socket);
      this.sender = sender;
      socket.on('message', this.onSocketMessage);
      if (this.ownSocket) {
        socket.on('error', (err) => {
          // ICMP unreachable (reported on Bun) is a soft error: the handshake retransmits and times out as elsewhere.
          if (!isIcmpSoftError(err)) this.fail(new DtlsError('ERR_DTLS_SOCKET', err.message, undefined, { cause: err }));
        });
      }
      const endpoint = new ClientEndpoint(resolved.settings, hsConfig, { address, port }, now());
      this.endpoint = endpoint;
      this.runner = new EndpointRunner(endpoint, {
        send: (data, addr, p) => sender.send(data, p, addr),
      }, {
        deliver: (_assoc, data) => this.emit('message', messageBuffer(data)),
        event: (ev) => this.onEvent(ev),
      }, now, (t) => this.arm(t));
      for (const d of this.early) endpoint.send(endpoint.assoc, d, now());
      this.early = [];
      this.runner.flush();
    };
    const family = isIP(host);
    if (family !== 0) {
      queueMicrotask(() => start(host, family as 4 | 6));
    } else {
      lookup(host, (err, address, fam) => {
        if (err) return this.fail(new DtlsError('ERR_DTLS_LOOKUP', `cannot resolve ${host}: ${err.message}`, undefined, { cause: err }));
        start(address, fam === 6 ? 6 : 4);
      });
    }
  }

  private checkServer(chain: readonly Uint8Array[], ca: Uint8Array[] | undefined, name: string, rejectUnauthorized: boolean, policy: ChainPolicy): ServerChainCheck {
    const { check, error } = checkServerChain(this.provider, chain, { ca, name, rejectUnauthorized, policy, checkServerIdentity: this.options.checkServerIdentity });
    this.authorized = error === undefined;
    this.authorizationError = error;
    return check;
  }

  private onEvent(ev: ClientEndpointEvent): void {
    switch (ev.type) {
      case 'secure': {
        this.authorized = this.negotiated?.authorized ?? false;
        this.authorizationError ??= this.negotiated?.authorizationError;
        this.emit('secureConnect');
        const s = this.getSession();
        if (s) this.emit('session', s);
        return;
      }
      case 'keylog':
        if (this.listenerCount('keylog') > 0) this.emit('keylog', Buffer.from(ev.line));
        return;
      case 'ticket':
        // DTLS 1.3: the server's NewSessionTicket, after the handshake.
        this.ticket13 = Buffer.from(ev.session);
        this.emit('session', this.ticket13);
        return;
      case 'close':
        return this.finish(ev.error);
      case 'wait':
        void ev.settled.then(() => this.runner?.resume(ev.assoc));
        return;
      default:
        return;
    }
  }

  /**
   * The next deadline changed. A timer already due no later than `t` stays
   * (when it fires, the endpoint handles what is due, which may be nothing,
   * and the deadline is re-armed): the idle deadline moves with every record,
   * and re-creating a Node timer for each would cost a Timeout and its async
   * resource per record. Once established the timer does not keep the process
   * alive.
   */
  private arm(t: number | undefined): void {
    if (t !== undefined && !this.closedEmitted && this.timer && this.timerAt !== undefined && this.timerAt <= t) {
      if (this.endpoint?.established && this.timer.hasRef()) this.timer.unref();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = t;
    if (t === undefined || this.closedEmitted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.runner?.timeout();
    }, Math.max(0, t - now()));
    if (this.endpoint?.established) this.timer.unref();
  }

  private fail(err: DtlsError): void {
    if (this.endpoint && !this.endpoint.closed) {
      this.endpoint.destroy(err);
      this.runner!.flush();
    } else {
      this.finish(err);
    }
  }

  private finish(error: DtlsError | undefined): void {
    if (this.closedEmitted) return;
    this.closedEmitted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.off('message', this.onSocketMessage);
    // Once our last datagram (close_notify) has left.
    if (this.ownSocket) this.sender?.close();
    if (error && !(this.ended && error.code === 'ERR_DTLS_ALERT_RECEIVED')) this.emit('error', error);
    this.emit('close');
  }

  /** The server's address and port. */
  address(): RemoteInfo {
    const a = this.endpoint?.assoc;
    return a ? { address: a.address, port: a.port } : { address: this.options.host ?? 'localhost', port: this.options.port };
  }

  /** The server's certificate chain as PEM, leaf first. */
  getCertChain(): Buffer {
    return certChainPem(this.negotiated);
  }

  /** The server's certificate, as Node's `tlsSocket.getPeerCertificate()`. */
  getPeerCertificate(detailed = false): PeerCertificate | Record<string, never> {
    return peerCertificate(this.negotiated, detailed, this.provider);
  }

  /** The negotiated cipher suite, once the handshake completed. */
  getCipher(): CipherInfo | undefined {
    return cipherInfo(this.negotiated);
  }

  /** The protocol version: 'DTLSv1.2' or 'DTLSv1.3' (before the handshake completed: what is being tried). */
  getProtocol(): 'DTLSv1.2' | 'DTLSv1.3' {
    return this.endpoint?.assoc.protocol ?? 'DTLSv1.2';
  }

  /** Details of the negotiation (suite, group, EMS ...), once the handshake completed. */
  get negotiated(): AnyNegotiated | undefined {
    return this.endpoint?.assoc.negotiated;
  }

  /** The session to resume later (`connect({ session })`), once the handshake completed. */
  getSession(): Buffer | undefined {
    if (this.ticket13) return this.ticket13;
    const s = this.endpoint?.session;
    return s && Buffer.from(encodeClientSession(s));
  }

  /** The last DTLS 1.3 session ticket (1.3 sessions come after the handshake). */
  private ticket13: Buffer | undefined;

  /** The ALPN protocol agreed on, or false (as Node's tls). */
  get alpnProtocol(): string | false {
    return this.negotiated?.alpnProtocol ?? false;
  }

  /** The DTLS-SRTP profile agreed on (RFC 5764), e.g. 'SRTP_AES128_CM_SHA1_80'. */
  get srtpProfile(): string | undefined {
    return this.negotiated?.srtpProfile;
  }

  /** The peer's raw public key (SubjectPublicKeyInfo, DER) when it authenticated with one (RFC 7250). */
  getPeerRawPublicKey(): Buffer | undefined {
    const k = this.negotiated?.peerRawPublicKey;
    return k && Buffer.from(k);
  }

  /** Whether this connection resumed a session. */
  isSessionReused(): boolean {
    return this.negotiated?.resumed ?? false;
  }

  /**
   * Keying material (RFC 5705), e.g. for DTLS-SRTP (label 'EXTRACTOR-dtls_srtp').
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    if (!this.endpoint) throw new ClosedError('not connected');
    return Buffer.from(this.endpoint.conn.exportKeyingMaterial(length, label, context));
  }

  /** The PSK identity used, with a PSK suite. */
  get pskIdentity(): string | undefined {
    return this.negotiated?.pskIdentity;
  }

  /** Whether the handshake completed and the connection is open. */
  get established(): boolean {
    return this.endpoint?.established ?? false;
  }

  /** Send one message; before `secureConnect` it is queued. */
  send(message: Buffer | Uint8Array | string): void {
    const data = typeof message === 'string' ? Buffer.from(message) : message;
    if (!(data instanceof Uint8Array)) throw new TypeError('message must be a Buffer, Uint8Array or string');
    if (this.ended || this.endpoint?.closed) throw new ClosedError();
    if (!this.endpoint || !this.runner) {
      if (this.early.length >= MAX_QUEUED_BEFORE_HANDSHAKE) throw new DtlsError('ERR_DTLS_QUEUE_FULL', 'too many messages queued before the handshake completed');
      this.early.push(Uint8Array.from(data));
      return;
    }
    this.runner.send(this.endpoint.assoc, data);
  }

  /** Send close_notify and close. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.endpoint || !this.runner) {
      this.finish(undefined);
      return;
    }
    this.runner.end(this.endpoint.assoc);
  }
}


/**
 * Connect to a DTLS server.
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { connect } from 'puredtls';
 *
 * const c = connect({ host: 'localhost', port: 4433, ca: fs.readFileSync('ca.pem') });
 * c.on('secureConnect', () => c.send('hello'));
 * c.on('message', (m) => console.log(m.toString()));
 * ```
 */
export function connect(options: ConnectOptions, onSecureConnect?: () => void): ClientConnection {
  const c = new ClientConnection(options);
  if (onSecureConnect) c.once('secureConnect', onSecureConnect);
  return c;
}

/**
 * Connect and wait for the handshake: resolves with the connection once
 * `secureConnect` fires, rejects with the handshake's error.
 *
 * @example
 * ```ts
 * import { connectAsync } from 'puredtls';
 *
 * declare const ca: Buffer;
 * const c = await connectAsync({ host: 'localhost', port: 4433, ca });
 * ```
 */
export function connectAsync(options: ConnectOptions): Promise<ClientConnection> {
  return new Promise((resolve, reject) => {
    const c = new ClientConnection(options);
    const onError = (err: DtlsError) => {
      c.off('secureConnect', onSecure);
      reject(err);
    };
    const onClose = () => {
      c.off('secureConnect', onSecure);
      reject(new ClosedError('connection closed before the handshake completed'));
    };
    const onSecure = () => {
      c.off('error', onError);
      c.off('close', onClose);
      resolve(c);
    };
    c.once('secureConnect', onSecure);
    c.once('error', onError);
    c.once('close', onClose);
  });
}

/** The options only `connect` has, checked (openssl-dtls's `null` and falsy values read first). */
function checkClientOptions(given: ConnectOptions): { options: ConnectOptions; port: number; host: string } {
  if (given === null || typeof given !== 'object') throw new TypeError('connect options must be an object');
  const options = seedCompatible(given, 'client');
  const port = checkInt('port', options.port, -1, 1, 65_535);
  if (port < 0) throw new TypeError('The "port" option is required');
  const host = options.host ?? 'localhost';
  if (typeof host !== 'string') throw new TypeError('The "host" option must be a string');
  if (options.servername !== undefined && typeof options.servername !== 'string') throw new TypeError('The "servername" option must be a string');
  if (options.checkServerIdentity !== undefined && typeof options.checkServerIdentity !== 'function') {
    throw new TypeError('The "checkServerIdentity" option must be a function');
  }
  if (options.socket !== undefined && !(options.socket instanceof dgram.Socket)) throw new TypeError('The "socket" option must be a dgram.Socket');
  return { options, port, host };
}
