/**
 * DTLS endpoints as {@link NetNode}s: a puredtls server and client running
 * on the {@link VirtualNetwork}, with the same options as `createServer` and
 * `connect` but no sockets and no timers.
 *
 * @example
 * ```ts
 * import { VirtualNetwork, DtlsServerNode, DtlsClientNode } from 'puredtls/testing';
 *
 * declare const key: string, cert: string, ca: string; // PEM
 * const net = new VirtualNetwork({ seed: 1, impairments: { drop: 0.1 } });
 * const server = new DtlsServerNode({ key, cert });
 * const client = new DtlsClientNode({ ca, servername: 'localhost' }, { address: '10.0.0.1', port: 4433 });
 * net.attach({ address: '10.0.0.1', port: 4433 }, server, { role: 'server' });
 * net.attach({ address: '10.0.0.2', port: 5000 }, client, { role: 'client' });
 * net.run({ until: () => client.established });
 * ```
 * @module
 */
import { clientHandshakeConfig, resolveClientConfig, resolveServerConfig } from '../config.js';
import type { Connection, ConnectionEvent } from '../connection/connection.js';
import { ClientAssociation, ClientEndpoint, type ClientMachineFactory } from '../endpoint/client-endpoint.js';
import type { Association, AssociationCore, Endpoint, EndpointEvent } from '../endpoint/endpoint.js';
import type { Client13Handshake } from '../dtls13/handshake/client13.js';
import { EndpointRunner } from '../endpoint/runner.js';
import { type ServerAssociation, ServerEndpoint, type ServerEndpointConfig } from '../endpoint/server-endpoint.js';
import type { DtlsError } from '../errors.js';
import type { ClientHandshake } from '../handshake/client-handshake.js';
import type { ServerOptions } from '../options.js';
import type { ConnectOptions } from '../client.js';
import type { NetAddress, NetNode, OutgoingDatagram } from './network.js';

/**
 * What both testing nodes share: the datagrams an endpoint sends (taken by
 * the network), its timer (polled by the network) and the clock the network
 * gives it.
 */
abstract class EndpointNode<A extends Association> implements NetNode {
  protected out: OutgoingDatagram[] = [];
  protected abstract runner: EndpointRunner<A>;

  protected constructor(protected now: number) {}

  /** The endpoint the node drives. */
  abstract readonly endpoint: Endpoint<A>;

  abstract receive(data: Uint8Array, from: NetAddress, now: number): void;

  onTimeout(now: number): void {
    this.now = now;
    this.runner.timeout();
  }

  nextTimeout(): number | undefined {
    return this.endpoint.nextTimeout();
  }

  takeOutgoing(): OutgoingDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

/**
 * A puredtls server endpoint on the virtual network: the sans-IO core of
 * `createServer`, with the same {@link ServerOptions} but no socket
 * and no timers. It echoes every message back (unless `echo` is false), and
 * keeps its events in `events` and the messages it received in `received`.
 *
 * @example A handshake, then one message each way
 * ```ts
 * import { createSelfSigned } from 'puredtls';
 * import { DtlsClientNode, DtlsServerNode, VirtualNetwork } from 'puredtls/testing';
 *
 * const { keyPem, certPem } = createSelfSigned();
 * const serverAddr = { address: '10.0.0.1', port: 4433 };
 * const net = new VirtualNetwork({ seed: 1 });
 * const server = new DtlsServerNode({ key: keyPem, cert: certPem });
 * const client = new DtlsClientNode({ ca: certPem }, serverAddr, net.now);
 * net.attach(serverAddr, server, { role: 'server' });
 * const c = net.attach({ address: '10.0.0.2', port: 5000 }, client, { role: 'client' });
 * c.act((node, now) => node.send(new TextEncoder().encode('ping'), now)); // sent once established
 * net.run({ until: () => client.received.length > 0 });
 * server.established;                    // 1
 * server.received.get('10.0.0.2:5000'); // [the 'ping' bytes], echoed to the client
 * server.errors;                         // [] (the errors of failed handshakes)
 * ```
 *
 * @example An asynchronous callback: run, settle, run again
 * ```ts
 * import { DtlsClientNode, DtlsServerNode, VirtualNetwork } from 'puredtls/testing';
 *
 * declare function lookUpKey(identity: string): Promise<Uint8Array | null>;
 * declare const key: Uint8Array;
 * const serverAddr = { address: '10.0.0.1', port: 4433 };
 * const net = new VirtualNetwork();
 * const server = new DtlsServerNode({ pskCallback: (identity) => lookUpKey(identity) });
 * const client = new DtlsClientNode({ psk: { identity: 'device-1', key } }, serverAddr, net.now);
 * net.attach(serverAddr, server, { role: 'server' });
 * net.attach({ address: '10.0.0.2', port: 5000 }, client, { role: 'client' });
 * net.run({ until: () => server.waiting });
 * await server.settle(net.now); // the callback's Promise settles; the handshake goes on
 * net.run({ until: () => client.established || client.closed });
 * ```
 */
export class DtlsServerNode extends EndpointNode<ServerAssociation> {
  private ep: ServerEndpoint;
  /** Every event, in order (application data as `data` events). */
  readonly events: EndpointEvent<ServerAssociation>[] = [];
  /** Asynchronous callbacks in flight: `await node.settle()` then run the network again. */
  private waits: { assoc: ServerAssociation; settled: Promise<void> }[] = [];
  /** Application messages received, per `address:port`. */
  readonly received = new Map<string, Uint8Array[]>();
  protected runner: EndpointRunner<ServerAssociation>;
  /** Echo every message back (default true). */
  echo = true;

  constructor(options: ServerOptions | ServerEndpointConfig) {
    super(0);
    const config = 'handshake' in options && 'settings' in options ? options as ServerEndpointConfig : resolveServerConfig(options as ServerOptions).config;
    this.ep = new ServerEndpoint(config);
    this.runner = this.makeRunner();
  }

  /** The sans-IO server endpoint. */
  get endpoint(): ServerEndpoint {
    return this.ep;
  }

  /**
   * Start over with a fresh endpoint of the given (resolved) configuration:
   * no associations, events, messages or datagrams kept (fuzzing reuses
   * nodes this way, resolving options once).
   */
  reset(config: ServerEndpointConfig): void {
    this.ep = new ServerEndpoint(config);
    this.runner = this.makeRunner();
    this.events.length = 0;
    this.received.clear();
    this.waits = [];
    this.out = [];
    this.echo = true;
  }

  private makeRunner(): EndpointRunner<ServerAssociation> {
    return new EndpointRunner(this.ep, { send: (data, address, port) => this.out.push({ to: { address, port }, data }) }, {
      deliver: (assoc, data) => this.onData(assoc, data),
      event: (ev) => {
        this.events.push(ev);
        if (ev.type === 'wait') this.waits.push({ assoc: ev.assoc, settled: ev.settled });
      },
    }, () => this.now);
  }

  /** Established associations. */
  get established(): number {
    return this.events.filter((e) => e.type === 'secure').length;
  }

  /** Errors of failed handshakes. */
  get errors(): DtlsError[] {
    return this.events.flatMap((e) => (e.type === 'close' && e.error ? [e.error] : []));
  }

  /** Whether a handshake waits for an asynchronous callback. */
  get waiting(): boolean {
    return this.waits.length > 0;
  }

  /** Wait for the pending callbacks and continue their handshakes (at the network's current time). */
  async settle(now = this.now): Promise<void> {
    while (this.waits.length > 0) {
      const w = this.waits.shift()!;
      await w.settled;
      this.now = now;
      this.runner.resume(w.assoc);
    }
  }

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.now = now;
    this.runner.datagram(data, from.address, from.port);
  }

  private onData(assoc: ServerAssociation, data: Uint8Array): void {
    // A plain Uint8Array view (node:crypto hands out Buffers).
    const d = data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.events.push({ type: 'data', assoc, data: d });
    const k = `${assoc.address}:${assoc.port}`;
    const list = this.received.get(k) ?? [];
    list.push(d);
    this.received.set(k, list);
    if (this.echo && !assoc.conn.isClosed) this.runner.send(assoc, d);
  }

  /** Take what the endpoint queued outside `receive` and `onTimeout` (after calling it directly). */
  flush(): void {
    this.runner.flush();
  }
}

/**
 * A puredtls client on the virtual network: the sans-IO core of
 * `connect`, with the same options ({@link ConnectOptions} without
 * `host`, `port`, `socket` and `checkServerIdentity`) but no socket and no
 * timers. It sends its ClientHello to `server` when constructed, at time
 * `now`: make it with `net.now`. Messages it receives are kept in `received`.
 *
 * @example
 * ```ts
 * import { DtlsClientNode, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, caPem: string;
 * const serverAddr = { address: '10.0.0.1', port: 4433 };
 * const client = new DtlsClientNode({ ca: caPem, servername: 'localhost', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, serverAddr, net.now);
 * net.attach({ address: '10.0.0.2', port: 5000 }, client, { role: 'client', name: 'client' });
 * net.run({ until: () => client.established || client.closed });
 * if (client.error) console.log(client.error.code, client.error.alert);
 * else console.log(`established at t=${client.establishedAt}`);
 * ```
 */
export class DtlsClientNode extends EndpointNode<ClientAssociation> {
  readonly endpoint: ClientEndpoint;
  readonly events: ConnectionEvent[] = [];
  readonly received: Uint8Array[] = [];
  /** Virtual time the handshake completed. */
  establishedAt: number | undefined;
  protected readonly runner: EndpointRunner<ClientAssociation>;

  /**
   * @param machine builds the handshake state machine: pass one that
   *   misbehaves on purpose to script a client.
   */
  constructor(
    options: Omit<ConnectOptions, 'host' | 'port' | 'socket' | 'checkServerIdentity'>,
    readonly server: NetAddress,
    now = 0,
    machine?: ClientMachineFactory,
  ) {
    super(now);
    const r = resolveClientConfig(options);
    const name = options.servername ?? 'localhost';
    this.endpoint = new ClientEndpoint(r.settings, clientHandshakeConfig(r, options.servername, name), server, now, machine);
    this.runner = new EndpointRunner(this.endpoint, { send: (data) => this.out.push({ to: this.server, data }) }, {
      deliver: (_assoc, data) => {
        const d = data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        this.events.push({ type: 'data', data: d });
        this.received.push(d);
      },
      event: (ev) => {
        if (ev.type === 'secure') this.establishedAt = this.now;
        const e = connectionEvent(ev);
        if (e) this.events.push(e);
      },
    }, () => this.now);
    this.runner.flush();
  }

  /** The association's sans-IO core: a DTLS 1.2 `Connection` or a DTLS 1.3 `Connection13`. */
  get conn(): AssociationCore {
    return this.endpoint.conn;
  }
  /** The handshake state machine (DTLS 1.2 or 1.3). */
  get machine(): ClientHandshake | Client13Handshake {
    return this.endpoint.assoc.machine;
  }
  get established(): boolean {
    return this.endpoint.established;
  }
  get closed(): boolean {
    return this.endpoint.closed;
  }
  /** The error the connection closed with, if any. */
  get error(): DtlsError | undefined {
    return this.conn.closeError;
  }

  /** Send application data (queued until the handshake completes). */
  send(data: Uint8Array, now: number): void {
    this.now = now;
    this.runner.send(this.endpoint.assoc, data);
  }

  /** An asynchronous callback settled: continue the handshake. */
  resume(now: number): void {
    this.now = now;
    this.runner.resume(this.endpoint.assoc);
  }

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    if (from.address !== this.server.address || from.port !== this.server.port) return;
    this.now = now;
    this.runner.datagram(data, from.address, from.port);
  }

}

/** A client endpoint's event as the connection reported it. */
function connectionEvent(ev: EndpointEvent<ClientAssociation>): ConnectionEvent | undefined {
  switch (ev.type) {
    case 'secure':
      return { type: 'secure' };
    case 'close':
      return ev.error ? { type: 'close', error: ev.error } : { type: 'close' };
    case 'keylog':
      return {
        type: 'keylog',
        get line() {
          return ev.line;
        },
      };
    case 'wait':
      return { type: 'wait', settled: ev.settled };
    case 'drop':
      return { type: 'drop', reason: ev.reason, ...(ev.epoch !== undefined && { epoch: ev.epoch }), ...(ev.seq !== undefined && { seq: ev.seq }) };
    case 'alert':
      return { type: 'alert', direction: ev.direction, level: ev.level, description: ev.description };
    case 'ticket':
      return { type: 'ticket', session: ev.session };
    default:
      return undefined;
  }
}
