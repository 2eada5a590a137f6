/**
 * The output side of an association: datagrams to send, and application
 * data and events in the order they happened, taken by the owner through
 * `poll`. Allocation-free for a steady flow (FIFOs that keep their storage),
 * and safe against a sink that calls back in (the same poll continues).
 *
 * @module
 */
import { concatBytes } from '../codec/bytes.js';
import { Fifo } from '../codec/fifo.js';
import type { DtlsError } from '../errors.js';

/** What a connection reports to its owner (application data comes separately, see {@link ConnectionSink}). */
export type ConnectionEvent =
  | { readonly type: 'secure' }
  /** Application data, as {@link Connection.takeEvents} reports it (a {@link ConnectionSink} gets it by `deliver`). */
  | { readonly type: 'data'; readonly data: Uint8Array }
  | { readonly type: 'drop'; readonly reason: string; readonly epoch?: number; readonly seq?: number }
  | { readonly type: 'alert'; readonly direction: 'sent' | 'received'; readonly level: number; readonly description: number }
  | { readonly type: 'close'; readonly error?: DtlsError }
  /** A path_response answered our path_challenge: the candidate address is reachable (RFC 9853). */
  | { readonly type: 'pathValidated' }
  /** An NSS key-log line (`CLIENT_RANDOM <client random> <master secret>`, hex) for Wireshark. */
  | { readonly type: 'keylog'; readonly line: string }
  /** A resumable session arrived after the handshake (a DTLS 1.3 NewSessionTicket): the client's `session` event. */
  | { readonly type: 'ticket'; readonly session: Uint8Array }
  /** The handshake waits for an asynchronous callback: call `resume(now)` once `settled` resolves (it never rejects). */
  | { readonly type: 'wait'; readonly settled: Promise<void> };

/** Where {@link Connection.poll} hands over what the connection produced, in order. */
export interface ConnectionSink {
  /** A datagram to send to the peer. */
  transmit(datagram: Uint8Array): void;
  /** One record's application data (a new array the sink owns; a `Buffer` with node:crypto). */
  deliver(data: Uint8Array): void;
  event(event: ConnectionEvent): void;
}

/**
 * What one call did, as bits: {@link Connection.receive} and the endpoints
 * return it, so an owner polls only when there is something to take.
 */
export const Activity = Object.freeze({
  /** Application data was queued. */
  delivered: 1,
  /** Datagrams were queued. */
  transmit: 2,
  /** Events other than application data were queued (including drops). */
  event: 4,
  /** An authenticated record newer than any before arrived: the peer's address may move (RFC 9146 §6). */
  newest: 8,
});

/** The output queues of one association (the base of `Connection`). */
export class ConnectionOutput {
  private readonly transmits = new Fifo<Uint8Array>();
  private readonly outputs = new Fifo<Uint8Array | ConnectionEvent>();
  /** {@link Activity} bits of the current call. */
  protected activity = 0;

  protected transmit(d: Uint8Array): void {
    this.transmits.push(d);
    this.activity |= Activity.transmit;
  }

  /**
   * Send `record` in the datagram this call queued last when both fit in
   * `mtu` bytes, else in a datagram of its own: an ACK rides with the flight
   * sent in the same call (a server's NewSessionTicket after the client's
   * Finished), one datagram instead of two.
   */
  protected transmitWithLast(record: Uint8Array, mtu: number): void {
    const last = (this.activity & Activity.transmit) !== 0 ? this.transmits.last : undefined;
    if (last !== undefined && last.length + record.length <= mtu) this.transmits.replaceLast(concatBytes(last, record));
    else this.transmit(record);
  }

  protected emit(ev: ConnectionEvent): void {
    this.outputs.push(ev);
    this.activity |= Activity.event;
  }

  protected deliverData(d: Uint8Array): void {
    this.outputs.push(d);
    this.activity |= Activity.delivered;
  }

  /** Whether anything waits to be polled. */
  get hasOutput(): boolean {
    return this.transmits.size > 0 || this.outputs.size > 0;
  }

  /**
   * Hand over what the connection produced: datagrams first, then
   * application data and events in the order they happened. A sink may call
   * back into the connection (send, close): what that produces is handed
   * over by the same poll.
   */
  poll(sink: ConnectionSink): void {
    for (;;) {
      const t = this.transmits.shift();
      if (t !== undefined) {
        sink.transmit(t);
        continue;
      }
      const o = this.outputs.shift();
      if (o === undefined) return;
      if (o instanceof Uint8Array) sink.deliver(o);
      else sink.event(o);
    }
  }

  /** Datagrams to send to the peer, in order (the datagram half of {@link poll}). */
  takeTransmits(): Uint8Array[] {
    return this.transmits.drain();
  }

  /** Application data (as `data` events) and events, in order (the other half of {@link poll}). */
  takeEvents(): ConnectionEvent[] {
    return this.outputs.drain().map((o): ConnectionEvent => (o instanceof Uint8Array ? { type: 'data', data: o } : o));
  }
}
