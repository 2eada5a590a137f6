/**
 * DTLS endpoints as {@link NetNode}s: a puredtls server and client running
 * on the {@link VirtualNetwork}, with the same options as `createServer` and
 * `connect` but no sockets and no timers.
 *
 * @example
 * ```ts
 * import { VirtualNetwork, DtlsServerNode, DtlsClientNode } from 'puredtls/testing';
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

/** A puredtls server endpoint on the virtual network. Its events are kept in `events`. */
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
    this.endpoint.handleDatagram(data, from.address, from.port, now);
    this.collect();
  }

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
    for (;;) {
      for (const t of this.endpoint.takeTransmits()) this.out.push({ to: { address: t.address, port: t.port }, data: t.data });
      const evs = this.endpoint.takeEvents();
      if (evs.length === 0) return;
      for (const ev of evs) {
        this.events.push(ev);
        if (ev.type === 'wait') this.waits.push({ assoc: ev.assoc, settled: ev.settled });
        if (ev.type === 'data') {
          const k = `${ev.assoc.address}:${ev.assoc.port}`;
          const list = this.received.get(k) ?? [];
          list.push(ev.data);
          this.received.set(k, list);
          if (this.echo && !ev.assoc.conn.isClosed) this.endpoint.send(ev.assoc, ev.data, this.now);
        }
      }
    }
  }
}

/** A puredtls client on the virtual network. */
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
    this.conn.send(data, now);
    this.collect(now);
  }

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    if (from.address !== this.server.address || from.port !== this.server.port) return;
    this.conn.handleDatagram(data, now);
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
