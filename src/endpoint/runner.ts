/**
 * The one adapter between an {@link Endpoint} and the world: datagrams in,
 * the endpoint's output out to a transport and a handler, the next deadline
 * to a timer. `createServer`, `connect` and the testing nodes of the
 * in-memory network all drive their endpoint through it; what differs is
 * only where datagrams go, where events go and who keeps time.
 *
 * @module
 */
import { Activity } from '../connection/connection.js';
import type { Association, Endpoint, EndpointEvent, EndpointSink } from './endpoint.js';

/** Where an endpoint's datagrams go. */
export interface DatagramTransport {
  send(datagram: Uint8Array, address: string, port: number): void;
}

/** Where application data and events go. */
export interface EndpointHandler<A extends Association> {
  deliver(assoc: A, data: Uint8Array): void;
  event(event: EndpointEvent<A>): void;
}

/** Drives one endpoint: see the module comment. */
export class EndpointRunner<A extends Association> implements EndpointSink<A> {
  constructor(
    readonly endpoint: Endpoint<A>,
    private readonly transport: DatagramTransport,
    private readonly handler: EndpointHandler<A>,
    /** The current time, ms. */
    private readonly clock: () => number,
    /** Told the next deadline after every change (absent where the owner polls `nextTimeout`). */
    private readonly onDeadline?: (at: number | undefined) => void,
  ) {}

  /** A datagram from address:port. Never throws (but a handler may). */
  datagram(data: Uint8Array, address: string, port: number): void {
    const a = this.endpoint.receive(data, address, port, this.clock());
    if (a === Activity.delivered) this.endpoint.poll(this);
    else if (a !== 0) this.flush();
    else this.onDeadline?.(this.endpoint.nextTimeout());
  }

  /** A deadline passed. */
  timeout(): void {
    this.endpoint.handleTimeout(this.clock());
    this.flush();
  }

  /** Send application data on an association. */
  send(assoc: A, data: Uint8Array): void {
    try {
      this.endpoint.send(assoc, data, this.clock());
    } finally {
      this.flush();
    }
  }

  /** close_notify, then close. */
  end(assoc: A): void {
    this.endpoint.close(assoc, this.clock());
    this.flush();
  }

  /** An asynchronous callback of `assoc` settled. */
  resume(assoc: A): void {
    this.endpoint.resume(assoc, this.clock());
    this.flush();
  }

  /** Hand everything over and re-arm the timer. */
  flush(): void {
    this.endpoint.poll(this);
    this.onDeadline?.(this.endpoint.nextTimeout());
  }

  transmit(datagram: Uint8Array, address: string, port: number): void {
    this.transport.send(datagram, address, port);
  }

  deliver(assoc: A, data: Uint8Array): void {
    this.handler.deliver(assoc, data);
  }

  event(event: EndpointEvent<A>): void {
    this.handler.event(event);
  }
}
