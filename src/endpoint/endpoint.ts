/**
 * What the sans-IO endpoints share: the association record, the events, the
 * sink that takes their output, and the output queue behind `poll`. The
 * server endpoint serves many associations behind a stateless front door;
 * the client endpoint holds one. Both take datagrams, time and application
 * data in through one call each, and give datagrams, delivered data and
 * events out through `poll`.
 *
 * @module
 */
import { Activity, type Connection, type ConnectionEvent, type ConnectionSink } from '../connection/connection.js';
import { Connection13 } from '../dtls13/connection13.js';
import type { Negotiated13 } from '../dtls13/driver.js';
import { suiteView13 } from '../dtls13/suites.js';
import { Fifo } from '../codec/fifo.js';
import type { DtlsError } from '../errors.js';
import type { Negotiated } from '../handshake/server-handshake.js';

/** The protocol versions an endpoint speaks: 12 (DTLS 1.2), 13 (DTLS 1.3). */
export interface VersionRange {
  readonly min: 12 | 13;
  readonly max: 12 | 13;
}

/** A handshake machine (DTLS 1.2 or 1.3) that says what it negotiated. */
export interface NegotiatingMachine {
  readonly negotiated: Negotiated | Negotiated13 | undefined;
}

/**
 * What either version negotiated, in 1.2's shape: a 1.3 handshake adds
 * `protocol`, `suite13` and `pskMode`, and its `suite` is a view of the 1.3
 * suite (`extendedMasterSecret` true: 1.3's key schedule binds the transcript).
 */
export type NegotiatedView = Negotiated & {
  readonly protocol?: 'DTLSv1.3';
  readonly suite13?: Negotiated13['suite13'];
  readonly pskMode?: Negotiated13['pskMode'];
};

/** DTLS 1.3 negotiations as `NegotiatedView` (one view per negotiation object). */
const views = new WeakMap<Negotiated13, NegotiatedView>();

/** RSA-PSS and RSA PKCS#1 signature schemes (0x04xx-0x06xx, 0x08xx RSA-PSS). */
function isRsaScheme(scheme: number): boolean {
  return (scheme >= 0x0401 && scheme <= 0x0601 && (scheme & 0xff) === 0x01) || (scheme >= 0x0804 && scheme <= 0x0806) || (scheme >= 0x0809 && scheme <= 0x080b);
}

/** The sans-IO core of an association: a DTLS 1.2 `Connection` or a DTLS 1.3 `Connection13`. */
export type AssociationCore = Connection | Connection13;

/** One association, as an endpoint tracks it. */
export class Association<M extends NegotiatingMachine = NegotiatingMachine> {
  established = false;
  /** Restored from a saved state (`loadAssociations`), not handshaken by this endpoint. */
  restored = false;
  /** Application-level handle (a `Peer` or a client connection), set by the adapter. */
  handle: unknown;
  constructor(
    public address: string,
    public port: number,
    public conn: AssociationCore,
    public machine: M,
  ) {}

  /**
   * What the handshake negotiated, in one shape for both versions: a DTLS 1.3
   * handshake's facts with `suite` as a view of its 1.3 suite (`protocol` and
   * `suite13` tell 1.3 apart).
   */
  get negotiated(): NegotiatedView | undefined {
    const n = this.machine.negotiated;
    if (!n || !('suite13' in n)) return n;
    let view = views.get(n);
    if (!view) {
      const kx = n.pskMode === 'psk_ke' ? 'PSK' : n.pskMode === 'psk_dhe_ke' ? 'ECDHE_PSK' : 'ECDHE';
      const auth = n.pskMode !== undefined ? 'PSK' : n.signatureScheme !== undefined && isRsaScheme(n.signatureScheme) ? 'RSA' : 'ECDSA';
      view = { ...n, suite: suiteView13(n.suite13, kx, auth), extendedMasterSecret: true, encryptThenMac: false } as NegotiatedView;
      views.set(n, view);
    }
    return view;
  }

  /** The protocol version of the association. */
  get protocol(): 'DTLSv1.2' | 'DTLSv1.3' {
    return this.conn instanceof Connection13 ? 'DTLSv1.3' : 'DTLSv1.2';
  }
}

/** What an endpoint reports (application data goes to {@link EndpointSink.deliver}). */
export type EndpointEvent<A extends Association = Association> =
  /** A server's client passed the cookie exchange: its handshake started. */
  | { readonly type: 'connection'; readonly assoc: A }
  | { readonly type: 'secure'; readonly assoc: A }
  /** Application data, as `takeEvents` reports it. */
  | { readonly type: 'data'; readonly assoc: A; readonly data: Uint8Array }
  | { readonly type: 'close'; readonly assoc: A; readonly error?: DtlsError; readonly wasEstablished: boolean }
  | { readonly type: 'drop'; readonly address: string; readonly port: number; readonly reason: string; readonly epoch?: number; readonly seq?: number }
  /** A resumable DTLS 1.3 session arrived after the handshake (a NewSessionTicket): the client's `session` event. */
  | { readonly type: 'ticket'; readonly assoc: A; readonly session: Uint8Array }
  /** An alert an association sent or received. */
  | { readonly type: 'alert'; readonly assoc: A; readonly direction: 'sent' | 'received'; readonly level: number; readonly description: number }
  /** The peer's address changed (Connection ID migration, RFC 9146 §6). */
  | { readonly type: 'migrate'; readonly assoc: A; readonly from: { address: string; port: number } }
  | { readonly type: 'keylog'; readonly assoc: A; readonly line: string }
  /** An association waits for an asynchronous callback: call `resume(assoc, now)` once `settled` resolves. */
  | { readonly type: 'wait'; readonly assoc: A; readonly settled: Promise<void> };

/**
 * The endpoint event of a connection event both roles report the same way
 * (wait, keylog, drop, alert); `undefined` for the others, which each
 * endpoint handles itself.
 */
export function commonEndpointEvent<A extends Association>(assoc: A, ev: ConnectionEvent): EndpointEvent<A> | undefined {
  switch (ev.type) {
    case 'wait':
      return { type: 'wait', assoc, settled: ev.settled };
    case 'keylog':
      // The line is built only when read (see Connection.secretsReady).
      return {
        type: 'keylog',
        assoc,
        get line() {
          return ev.line;
        },
      };
    case 'drop':
      return { type: 'drop', address: assoc.address, port: assoc.port, reason: ev.reason, ...(ev.epoch !== undefined && { epoch: ev.epoch }), ...(ev.seq !== undefined && { seq: ev.seq }) };
    case 'alert':
      return { type: 'alert', assoc, direction: ev.direction, level: ev.level, description: ev.description };
    case 'ticket':
      return { type: 'ticket', assoc, session: ev.session };
    default:
      return undefined;
  }
}

/** Where an endpoint's `poll` hands over its output, in order. */
export interface EndpointSink<A extends Association = Association> {
  transmit(datagram: Uint8Array, address: string, port: number): void;
  /** One record's application data for `assoc` (a new array the sink owns). */
  deliver(assoc: A, data: Uint8Array): void;
  event(event: EndpointEvent<A>): void;
}

/** The sans-IO endpoint interface both roles implement. */
export interface Endpoint<A extends Association = Association> {
  /** A datagram from address:port. Never throws. Returns the {@link Activity} bits of what it produced. */
  receive(datagram: Uint8Array, address: string, port: number, now: number): number;
  /** Send application data on an association (throws `ERR_DTLS_CLOSED` and the like). */
  send(assoc: A, data: Uint8Array, now: number): void;
  /** close_notify, then close. */
  close(assoc: A, now: number): void;
  /** Fire every deadline up to `now`. */
  handleTimeout(now: number): void;
  /** An asynchronous callback of `assoc` settled: continue its handshake. */
  resume(assoc: A, now: number): void;
  /** Absolute time of the next deadline, or undefined. */
  nextTimeout(): number | undefined;
  /** Hand over datagrams, application data and events. */
  poll(sink: EndpointSink<A>): void;
}

/**
 * The output queue of an endpoint: datagrams (with their destination), and
 * application data and events in order, each read from its head so that a
 * sink calling back into the endpoint continues the same poll. Nothing is
 * allocated per datagram.
 */
export class EndpointQueue<A extends Association> {
  /** Datagrams as (bytes, address, port) triples. */
  private readonly transmits = new Fifo<Uint8Array | string | number>();
  /** Events, and application data as (association, bytes) pairs. */
  private readonly outputs = new Fifo<A | Uint8Array | EndpointEvent<A>>();
  /** Activity bits since the owner last reset them. */
  activity = 0;
  /** The association whose connection is being polled into this queue. */
  private current: A | undefined;
  private readonly connectionSink: ConnectionSink;

  constructor(private readonly onConnectionEvent: (assoc: A, ev: ConnectionEvent) => void) {
    this.connectionSink = {
      transmit: (d) => this.transmit(d, this.current!.address, this.current!.port),
      deliver: (d) => this.deliver(this.current!, d),
      event: (ev) => this.onConnectionEvent(this.current!, ev),
    };
  }

  transmit(datagram: Uint8Array, address: string, port: number): void {
    this.transmits.push(datagram);
    this.transmits.push(address);
    this.transmits.push(port);
    this.activity |= Activity.transmit;
  }

  deliver(assoc: A, d: Uint8Array): void {
    this.outputs.push(assoc);
    this.outputs.push(d);
    this.activity |= Activity.delivered;
  }

  event(ev: EndpointEvent<A>): void {
    this.outputs.push(ev);
    this.activity |= Activity.event;
  }

  /** Move what an association's connection produced into this queue. */
  collect(assoc: A): void {
    const prev = this.current;
    this.current = assoc;
    try {
      assoc.conn.poll(this.connectionSink);
    } finally {
      this.current = prev;
    }
  }

  get hasOutput(): boolean {
    return this.transmits.size > 0 || this.outputs.size > 0;
  }

  poll(sink: EndpointSink<A>, isAssociation: (x: unknown) => x is A): void {
    for (;;) {
      const d = this.transmits.shift();
      if (d !== undefined) {
        const address = this.transmits.shift() as string;
        sink.transmit(d as Uint8Array, address, this.transmits.shift() as number);
        continue;
      }
      const o = this.outputs.shift();
      if (o === undefined) return;
      if (isAssociation(o)) sink.deliver(o, this.outputs.shift() as Uint8Array);
      else sink.event(o as EndpointEvent<A>);
    }
  }

  /** The queued datagrams, as a list (the datagram half of {@link poll}). */
  takeTransmits(): { address: string; port: number; data: Uint8Array }[] {
    const out: { address: string; port: number; data: Uint8Array }[] = [];
    for (let d = this.transmits.shift(); d !== undefined; d = this.transmits.shift()) {
      const address = this.transmits.shift() as string;
      out.push({ address, port: this.transmits.shift() as number, data: d as Uint8Array });
    }
    return out;
  }

  /** The queued application data (as `data` events) and events, as a list (the other half of {@link poll}). */
  takeEvents(isAssociation: (x: unknown) => x is A): EndpointEvent<A>[] {
    const out: EndpointEvent<A>[] = [];
    for (let o = this.outputs.shift(); o !== undefined; o = this.outputs.shift()) {
      if (isAssociation(o)) out.push({ type: 'data', assoc: o, data: this.outputs.shift() as Uint8Array });
      else out.push(o as EndpointEvent<A>);
    }
    return out;
  }
}
