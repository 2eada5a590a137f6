// The loop every transport needs around a puredtls sans-IO core (docs/sans-io.md): give it
// each datagram that arrives, send the datagrams it gives back, hand its events to the
// application, and wake it at its next deadline. The programs beside this file run it over
// Deno's and Bun's own UDP sockets and over a socket that also carries STUN and RTP.
import type { Datagram, SansIoClient, SansIoEvent, SansIoServer, SansIoSession } from 'puredtls/sans-io';

export class Driver {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    readonly core: SansIoServer | SansIoClient,
    /** Put a datagram on the wire. */
    private readonly transmit: (d: Datagram) => void,
    /** What the application does with an event (it may call send and close). */
    private readonly onEvent: (ev: SansIoEvent) => void,
  ) {
    this.flush(); // a client's ClientHello is already waiting
  }

  /** A datagram arrived from address:port. */
  datagram(data: Uint8Array, address: string, port: number): void {
    this.core.receive(data, address, port, Date.now());
    this.flush();
  }

  send(session: SansIoSession, data: Uint8Array): void {
    this.core.send(session, data, Date.now());
    this.flush();
  }

  close(session: SansIoSession): void {
    this.core.close(session, Date.now());
    this.flush();
  }

  /** No more timers: the transport is going away. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Datagrams out first, then events, until both queues are empty; then the timer. */
  private flush(): void {
    for (;;) {
      for (const d of this.core.takeDatagrams()) this.transmit(d);
      const events = this.core.takeEvents();
      if (events.length === 0) break;
      for (const ev of events) {
        // A callback of ours returned a Promise (a PSK lookup...): continue once it settled.
        if (ev.type === 'wait') void ev.settled.then(() => this.resume(ev.session));
        this.onEvent(ev);
      }
    }
    this.arm();
  }

  private resume(session: SansIoSession): void {
    if (this.stopped) return;
    this.core.resume(session, Date.now());
    this.flush();
  }

  private arm(): void {
    clearTimeout(this.timer);
    const at = this.core.nextTimeout();
    if (at === undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.core.handleTimeout(Date.now());
      this.flush();
    }, Math.max(0, at - Date.now()));
  }
}
