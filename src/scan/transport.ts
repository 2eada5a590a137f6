/**
 * The scanner's only way onto the network: UDP sockets connected to the one
 * target address (so they can neither send elsewhere nor hear anyone else),
 * and one {@link Budget} every socket draws from: a cap on datagrams sent, a
 * pacing rate, and a deadline. A scan therefore sends a bounded number of
 * datagrams at a bounded rate and ends in a bounded time, whatever the
 * server does.
 */
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';

/** The address every probe talks to (resolved once, before the first datagram). */
export interface Target {
  readonly host: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  /** Send every probe from this one socket (see {@link SharedPort}) instead of a fresh port each. */
  readonly shared?: SharedPort;
}

/**
 * One UDP port for a whole scan, for servers that talk only to the port of
 * their first client (`openssl s_server -listen` connects its socket to it).
 * Probes still run one at a time; each {@link ProbeSocket} on it receives
 * while it is the open one.
 */
export class SharedPort {
  current: ProbeSocket | undefined;
  private constructor(readonly socket: dgram.Socket) {}

  static open(address: string, family: 4 | 6, port: number): Promise<SharedPort> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(0, () => {
        s.connect(port, address, () => {
          s.off('error', reject);
          const shared = new SharedPort(s);
          s.on('message', (msg) => shared.current?.deliver(new Uint8Array(msg)));
          s.on('error', (err) => shared.current?.fail(err.message));
          resolve(shared);
        });
      });
    });
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/** Thrown when the budget is spent or the deadline passed: the probe stops, the scan reports it. */
export class BudgetError extends Error {
  override readonly name = 'BudgetError';
}

/** Traffic totals of a scan (or of one probe, by difference). */
export interface Traffic {
  datagramsOut: number;
  bytesOut: number;
  datagramsIn: number;
  bytesIn: number;
}

/**
 * Datagram cap, pacing and deadline shared by every socket of a scan.
 * Pacing is a schedule, not a synchronisation: each datagram leaves no
 * earlier than `1000 / rate` ms after the previous one.
 */
export class Budget {
  readonly traffic: Traffic = { datagramsOut: 0, bytesOut: 0, datagramsIn: 0, bytesIn: 0 };
  private nextSlot = 0;

  constructor(readonly maxDatagrams: number, readonly rate: number, readonly deadline: number) {}

  /** Milliseconds left before the deadline. */
  remaining(): number {
    return this.deadline - performance.now();
  }

  /** Reserve one datagram; waits for its slot. Throws {@link BudgetError} when none is left. */
  async take(): Promise<void> {
    if (this.traffic.datagramsOut >= this.maxDatagrams) throw new BudgetError(`datagram budget of ${this.maxDatagrams} spent`);
    const now = performance.now();
    if (now >= this.deadline) throw new BudgetError('scan time limit reached');
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / this.rate;
    this.traffic.datagramsOut++;
    if (at > now) await sleep(at - now);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** One datagram received, with its arrival time (ms, `performance.now()`). */
export interface Received {
  readonly at: number;
  readonly data: Uint8Array;
}

/**
 * A UDP socket connected to the target. Every datagram received is kept in
 * `received`; {@link waitFor} resolves when a condition over them holds.
 */
export class ProbeSocket {
  readonly received: Received[] = [];
  /** Datagrams and bytes this socket sent and received. */
  readonly traffic: Traffic = { datagramsOut: 0, bytesOut: 0, datagramsIn: 0, bytesIn: 0 };
  /** Times (ms) each datagram left. */
  readonly sentAt: number[] = [];
  /** Set when the network reported an error (e.g. ICMP port unreachable). */
  error: string | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private listener: ((data: Uint8Array) => void) | undefined;

  private constructor(private readonly socket: dgram.Socket, private readonly budget: Budget, private readonly shared?: SharedPort) {
    if (shared) {
      shared.current = this;
      return;
    }
    socket.on('message', (msg) => this.deliver(new Uint8Array(msg)));
    socket.on('error', (err) => this.fail(err.message));
  }

  /** @internal a datagram from the target */
  deliver(data: Uint8Array): void {
    if (this.closed) return;
    this.received.push({ at: performance.now(), data });
    this.traffic.datagramsIn++;
    this.traffic.bytesIn += data.length;
    this.budget.traffic.datagramsIn++;
    this.budget.traffic.bytesIn += data.length;
    this.listener?.(data);
    this.wake?.();
  }

  /** @internal a socket error (e.g. ICMP port unreachable) */
  fail(message: string): void {
    this.error = message;
    this.wake?.();
  }

  /** A new socket on an ephemeral port (or the scan's one port), connected to the target. */
  static open(target: Target, budget: Budget): Promise<ProbeSocket> {
    if (target.shared) return Promise.resolve(new ProbeSocket(target.shared.socket, budget, target.shared));
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(0, () => {
        s.connect(target.port, target.address, () => {
          s.off('error', reject);
          resolve(new ProbeSocket(s, budget));
        });
      });
    });
  }

  /** Hand every datagram to `fn`, in arrival order (with `replay`, those already received first). */
  onDatagram(fn: (data: Uint8Array) => void, replay = true): void {
    this.listener = fn;
    if (replay) for (const r of this.received) fn(r.data);
  }

  /** The local port (the "client address" the server sees). */
  get localPort(): number {
    return this.socket.address().port;
  }

  /** Send one datagram to the target, within the budget. */
  async send(data: Uint8Array): Promise<void> {
    if (this.closed) return;
    await this.budget.take();
    if (this.closed) return;
    this.budget.traffic.bytesOut += data.length;
    this.traffic.datagramsOut++;
    this.traffic.bytesOut += data.length;
    this.sentAt.push(performance.now());
    await new Promise<void>((resolve) => {
      this.socket.send(data, (err) => {
        if (err) this.error = err.message;
        resolve();
      });
    });
  }

  /**
   * Wait until `done()` is true (checked now and after each datagram) or
   * `timeoutMs` passed (never past the scan deadline). Returns `done()`.
   */
  waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    const ms = Math.max(0, Math.min(timeoutMs, this.budget.remaining()));
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(done());
      };
      const timer = setTimeout(finish, ms);
      this.wake = () => {
        if (done() || this.closed) finish();
      };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    if (this.shared) {
      if (this.shared.current === this) this.shared.current = undefined;
      return;
    }
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
