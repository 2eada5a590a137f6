/**
 * The client side, sans-IO: one association with one server, the same
 * interface as the server endpoint ({@link Endpoint}). It sends its
 * ClientHello when made, ignores datagrams from anyone but the server, and
 * queues application data sent before the handshake completed.
 *
 * @module
 */
import { Activity, Connection, type ConnectionEvent } from '../connection/connection.js';
import { Connection13 } from '../dtls13/connection13.js';
import type { Client13Config } from '../dtls13/driver.js';
import { Client13Handshake, VersionFallback } from '../dtls13/handshake/client13.js';
import type { ConnectionSettings } from '../connection/settings.js';
import { ClosedError, DtlsError } from '../errors.js';
import { ClientHandshake, type ClientHandshakeConfig } from '../handshake/client-handshake.js';
import type { ClientSession } from '../handshake/session.js';
import { Association, type AssociationCore, type Endpoint, type EndpointEvent, EndpointQueue, type EndpointSink, commonEndpointEvent } from './endpoint.js';
import { formatHostPort } from './server-endpoint.js';

/** The client's one association (DTLS 1.2 or 1.3: the machine changes if a 1.2 server answers a 1.3 offer). */
export class ClientAssociation extends Association<ClientHandshake | Client13Handshake> {}

/** What the client endpoint reports. */
export type ClientEndpointEvent = EndpointEvent<ClientAssociation>;

/** Builds the client's handshake machine (tests pass one that misbehaves on purpose). */
export type ClientMachineFactory = (driver: Connection, config: ClientHandshakeConfig) => ClientHandshake;

/** Messages queued before the handshake completes, at most. */
export const MAX_QUEUED_BEFORE_HANDSHAKE = 64;

const isClientAssociation = (x: unknown): x is ClientAssociation => x instanceof ClientAssociation;

/** One client association: see the module comment. */
export class ClientEndpoint implements Endpoint<ClientAssociation> {
  readonly assoc: ClientAssociation;
  private readonly queue: EndpointQueue<ClientAssociation>;
  private queued: Uint8Array[] = [];

  /**
   * @param machine a DTLS 1.2 machine to use instead of the genuine one (tests
   *   script misbehaving clients this way); it pins the association to 1.2.
   */
  constructor(
    private readonly settings: ConnectionSettings,
    private readonly config: Client13Config | ClientHandshakeConfig,
    server: { readonly address: string; readonly port: number },
    now: number,
    machine?: ClientMachineFactory,
  ) {
    this.queue = new EndpointQueue((assoc, ev) => this.onConnectionEvent(assoc, ev));
    const label = `client ${formatHostPort(server.address, server.port)}`;
    if (!machine && 'suites13' in config && config.suites13.length > 0) {
      const conn = new Connection13('client', settings, now);
      conn.traceLabel = label;
      this.assoc = new ClientAssociation(server.address, server.port, conn, new Client13Handshake(conn, config));
      conn.attach(this.assoc.machine as Client13Handshake);
    } else {
      const conn = new Connection('client', settings, now);
      conn.traceLabel = label;
      this.assoc = new ClientAssociation(server.address, server.port, conn, (machine ?? ((d, c) => new ClientHandshake(d, c)))(conn, config));
      conn.attach(this.assoc.machine as ClientHandshake);
    }
    this.queue.collect(this.assoc);
  }

  /** The association's sans-IO core (a 1.2 `Connection` or a 1.3 `Connection13`). */
  get conn(): AssociationCore {
    return this.assoc.conn;
  }
  get established(): boolean {
    return this.assoc.conn.isEstablished;
  }
  get closed(): boolean {
    return this.assoc.conn.isClosed;
  }
  /** The DTLS 1.2 session this connection established or resumed, for `getSession()` (1.3 sessions come as `ticket` events). */
  get session(): ClientSession | undefined {
    const m = this.assoc.machine;
    return m instanceof ClientHandshake ? m.session : undefined;
  }

  /** A datagram; anything not from the server is ignored. Never throws. */
  receive(data: Uint8Array, address: string, port: number, now: number): number {
    this.queue.activity = 0;
    const a = this.assoc;
    if (port !== a.port || !sameAddress(address, a.address)) return 0;
    try {
      const conn = a.conn;
      if (conn.receive(data, now) !== 0) this.queue.collect(a);
      if (conn instanceof Connection13 && conn.fallback) this.fallBackTo12(conn, conn.fallback, data, now);
    } catch (err) {
      // Defence in depth: nothing may escape the socket handler (S-62).
      this.queue.event({ type: 'drop', address, port, reason: `internal: ${(err as Error)?.message ?? err}` });
    }
    return this.queue.activity & ~Activity.newest;
  }

  /**
   * A DTLS 1.2 server answered our ClientHello (which offered 1.2 too): the
   * association goes on as 1.2, from the hello already sent (RFC 8446 §4.1.3
   * makes the 1.2 machine check the downgrade sentinel), with the same
   * datagram fed to it.
   */
  private fallBackTo12(conn13: Connection13, f: VersionFallback, data: Uint8Array, now: number): void {
    const conn = new Connection('client', this.settings, now);
    conn.traceLabel = conn13.traceLabel;
    const machine = new ClientHandshake(conn, this.config, { hello: f.hello, messageSeq: f.messageSeq });
    conn.attach(machine);
    conn.setMessageSeqs(f.messageSeq + 1, f.message.messageSeq);
    conn.records.setNextWriteSeq(conn13.records.nextWriteSeq(0));
    this.assoc.conn = conn;
    this.assoc.machine = machine;
    if (conn.receive(data, now) !== 0) this.queue.collect(this.assoc);
  }

  /** Send application data; before the handshake completed it is queued (at most 64 messages). */
  send(assoc: ClientAssociation, data: Uint8Array, now: number): void {
    const conn = assoc.conn;
    if (conn.isClosed) throw new ClosedError();
    if (!conn.isEstablished) {
      if (this.queued.length >= MAX_QUEUED_BEFORE_HANDSHAKE) throw new DtlsError('ERR_DTLS_QUEUE_FULL', 'too many messages queued before the handshake completed');
      this.queued.push(Uint8Array.from(data));
      return;
    }
    try {
      conn.send(data, now);
    } finally {
      this.queue.collect(assoc);
    }
  }

  close(assoc: ClientAssociation, now: number): void {
    assoc.conn.close(now);
    this.queue.collect(assoc);
  }

  /** Close without sending anything, reporting `error`. */
  destroy(error?: DtlsError): void {
    this.assoc.conn.destroy(error);
    this.queue.collect(this.assoc);
  }

  handleTimeout(now: number): void {
    const t = this.assoc.conn.nextTimeout();
    if (t === undefined || now < t) return;
    this.assoc.conn.handleTimeout(now);
    this.queue.collect(this.assoc);
  }

  resume(assoc: ClientAssociation, now: number): void {
    assoc.conn.resume(now);
    this.queue.collect(assoc);
  }

  nextTimeout(): number | undefined {
    return this.assoc.conn.nextTimeout();
  }

  poll(sink: EndpointSink<ClientAssociation>): void {
    this.queue.poll(sink, isClientAssociation);
  }
  takeTransmits(): { address: string; port: number; data: Uint8Array }[] {
    return this.queue.takeTransmits();
  }
  takeEvents(): ClientEndpointEvent[] {
    return this.queue.takeEvents(isClientAssociation);
  }

  private onConnectionEvent(assoc: ClientAssociation, ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'secure': {
        assoc.established = true;
        this.queue.event({ type: 'secure', assoc });
        // Messages queued before the handshake completed go out now, in order.
        const q = this.queued;
        this.queued = [];
        for (const d of q) assoc.conn.send(d, assoc.conn.now);
        return;
      }
      case 'data':
        return this.queue.deliver(assoc, ev.data);
      case 'close':
        this.queued = [];
        return this.queue.event({ type: 'close', assoc, wasEstablished: assoc.established, ...(ev.error && { error: ev.error }) });
      default: {
        const e = commonEndpointEvent(assoc, ev);
        if (e) this.queue.event(e);
        return;
      }
    }
  }
}

/** The same IP address, an IPv4 one also in its IPv4-mapped IPv6 form. */
export function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const strip = (s: string) => (s.startsWith('::ffff:') ? s.slice(7) : s);
  return strip(a) === strip(b);
}
