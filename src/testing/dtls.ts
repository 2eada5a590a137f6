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
import { Connection, type ConnectionEvent } from '../connection.js';
import { type EndpointEvent, type ServerAssociation, ServerEndpoint } from '../endpoint/server-endpoint.js';
import type { DtlsError } from '../errors.js';
import { ClientHandshake, type ClientHandshakeConfig } from '../handshake/client-handshake.js';
import type { ServerOptions } from '../options.js';
import type { ConnectOptions } from '../client.js';
import type { NetAddress, NetNode, OutgoingDatagram } from './network.js';

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
export class DtlsServerNode implements NetNode {
  readonly endpoint: ServerEndpoint;
  /** Every event, in order. */
  readonly events: EndpointEvent[] = [];
  /** Asynchronous callbacks in flight: `await node.settle()` then run the network again. */
  private waits: { assoc: ServerAssociation; settled: Promise<void> }[] = [];
  /** Application messages received, per `address:port`. */
  readonly received = new Map<string, Uint8Array[]>();
  private out: OutgoingDatagram[] = [];
  /** Echo every message back (default true). */
  echo = true;
  private now = 0;

  constructor(options: ServerOptions) {
    this.endpoint = new ServerEndpoint(resolveServerConfig(options).config);
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
      this.endpoint.resume(w.assoc, now);
      this.collect();
    }
  }

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.now = now;
    // As the Node `Server` does: application data of an established peer takes
    // the endpoint's fast path; everything else goes through handleDatagram.
    const fast = this.endpoint.receiveApplicationData(data, from.address, from.port, now);
    if (fast !== undefined) {
      this.onData(this.endpoint.lastAssociation!, new Uint8Array(fast.buffer, fast.byteOffset, fast.byteLength));
      return;
    }
    if (!this.endpoint.fastHandled) this.endpoint.handleDatagram(data, from.address, from.port, now);
    this.collect();
  }

  private onData(assoc: ServerAssociation, data: Uint8Array): void {
    this.events.push({ type: 'data', assoc, data });
    const k = `${assoc.address}:${assoc.port}`;
    const list = this.received.get(k) ?? [];
    list.push(data);
    this.received.set(k, list);
    if (this.echo && !assoc.conn.isClosed) {
      const datagram = this.endpoint.sealApplicationData(assoc, data, this.now);
      if (datagram !== undefined) this.out.push({ to: { address: assoc.address, port: assoc.port }, data: datagram });
      else this.endpoint.send(assoc, data, this.now);
      if (!this.collecting) this.collect();
    }
  }

  private collecting = false;

  onTimeout(now: number): void {
    this.now = now;
    this.endpoint.handleTimeout(now);
    this.collect();
  }

  nextTimeout(): number | undefined {
    return this.endpoint.nextTimeout();
  }

  takeOutgoing(): OutgoingDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private collect(): void {
    this.collecting = true;
    try {
      this.collectAll();
    } finally {
      this.collecting = false;
    }
  }

  private collectAll(): void {
    for (;;) {
      for (const t of this.endpoint.takeTransmits()) this.out.push({ to: { address: t.address, port: t.port }, data: t.data });
      const evs = this.endpoint.takeEvents();
      if (evs.length === 0) return;
      for (const ev of evs) {
        if (ev.type === 'data') {
          this.onData(ev.assoc, ev.data);
          continue;
        }
        this.events.push(ev);
        if (ev.type === 'wait') this.waits.push({ assoc: ev.assoc, settled: ev.settled });
      }
    }
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
export class DtlsClientNode implements NetNode {
  readonly conn: Connection;
  readonly machine: ClientHandshake;
  readonly events: ConnectionEvent[] = [];
  readonly received: Uint8Array[] = [];
  /** Virtual time the handshake completed. */
  establishedAt: number | undefined;
  private out: OutgoingDatagram[] = [];
  private pending: Uint8Array[] = [];

  /**
   * @param machine builds the handshake state machine: pass a subclass of
   *   `ClientHandshake` to script a misbehaving client.
   */
  constructor(
    options: Omit<ConnectOptions, 'host' | 'port' | 'socket' | 'checkServerIdentity'>,
    readonly server: NetAddress,
    now = 0,
    machine: (driver: Connection, config: ClientHandshakeConfig) => ClientHandshake = (d, c) => new ClientHandshake(d, c),
  ) {
    const r = resolveClientConfig(options);
    const name = options.servername ?? 'localhost';
    this.conn = new Connection('client', r.settings, now);
    this.machine = machine(this.conn, clientHandshakeConfig(r, options.servername, name));
    this.conn.attach(this.machine);
    this.collect(now);
  }

  get established(): boolean {
    return this.conn.isEstablished;
  }
  get closed(): boolean {
    return this.conn.isClosed;
  }
  /** The error the connection closed with, if any. */
  get error(): DtlsError | undefined {
    return this.conn.closeError;
  }

  /** Send application data once established (queued before). */
  send(data: Uint8Array, now: number): void {
    if (!this.conn.isEstablished) {
      this.pending.push(data);
      return;
    }
    // As the Node client does: the fast path when nothing is queued, else send().
    const datagram = this.conn.sealApplicationData(data, now);
    if (datagram !== undefined) {
      this.out.push({ to: this.server, data: datagram });
      return;
    }
    this.conn.send(data, now);
    this.collect(now);
  }

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    if (from.address !== this.server.address || from.port !== this.server.port) return;
    const fast = this.conn.receiveApplicationData(data, now);
    if (fast !== undefined) {
      const d = new Uint8Array(fast.buffer, fast.byteOffset, fast.byteLength);
      this.events.push({ type: 'data', data: d });
      this.received.push(d);
      return;
    }
    if (!this.conn.fastHandled) this.conn.handleDatagram(data, now);
    this.collect(now);
  }

  onTimeout(now: number): void {
    this.conn.handleTimeout(now);
    this.collect(now);
  }

  nextTimeout(): number | undefined {
    return this.conn.nextTimeout();
  }

  takeOutgoing(): OutgoingDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private collect(now: number): void {
    for (const d of this.conn.takeTransmits()) this.out.push({ to: this.server, data: d });
    for (const ev of this.conn.takeEvents()) {
      this.events.push(ev);
      if (ev.type === 'secure') {
        this.establishedAt = now;
        const p = this.pending;
        this.pending = [];
        for (const d of p) this.conn.send(d, now);
      }
      if (ev.type === 'data') this.received.push(ev.data);
    }
    for (const d of this.conn.takeTransmits()) this.out.push({ to: this.server, data: d });
  }
}
