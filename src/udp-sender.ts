/** What UdpSender needs of a `dgram.Socket` (this module does no I/O of its own). */
interface Socket {
  send(msg: Uint8Array, port: number, address: string, callback: (err: Error | null) => void): void;
  close(callback?: () => void): void;
}

/**
 * Datagrams out of one `dgram` socket, and the socket's close once the last of
 * them has left.
 *
 * - dgram sends after a tick (even to an IP address it runs a lookup first),
 *   so a socket closed right after `send` would lose the datagram: the close
 *   waits for the callback of the last send instead of a fixed `setImmediate`.
 * - On Bun, an ICMP "port unreachable" pending on the socket (a peer that went
 *   away, e.g. a client that closed right after its close_notify) fails the
 *   next `send` with ECONNREFUSED and that datagram is never sent: it was the
 *   next client's HelloVerifyRequest, which then waited for a 1 s
 *   retransmission. A datagram whose send fails with such a soft error is sent
 *   once more (the error was the earlier datagram's).
 */
export class UdpSender {
  /** In-flight sends, three entries each (data, port, address): callbacks come in order. */
  private readonly pending: (Uint8Array | number | string)[] = [];
  private closing: (() => void) | undefined;
  private closed = false;
  private readonly sent = (err: Error | null): void => {
    const data = this.pending.shift() as Uint8Array;
    const port = this.pending.shift() as number;
    const address = this.pending.shift() as string;
    if (err && isIcmpSoftError(err) && !this.closed) this.send(data, port, address, false);
    if (this.pending.length === 0 && this.closing) this.closeNow();
  };
  private readonly sentOnce = (): void => {
    this.pending.shift();
    this.pending.shift();
    this.pending.shift();
    if (this.pending.length === 0 && this.closing) this.closeNow();
  };

  constructor(readonly socket: Socket) {}

  /** Send one datagram; lost, as UDP allows, when the socket is closed or unbound. */
  send(data: Uint8Array, port: number, address: string, retry = true): void {
    if (this.closed) return;
    try {
      this.socket.send(data, port, address, retry ? this.sent : this.sentOnce);
      this.pending.push(data, port, address);
    } catch {
      // closed or not bound: the datagram is lost
    }
  }

  /** Close the socket once what was sent has left, then call `done`. */
  close(done?: () => void): void {
    if (this.closing || this.closed) return;
    this.closing = done ?? noop;
    if (this.pending.length === 0) this.closeNow();
  }

  private closeNow(): void {
    const done = this.closing ?? noop;
    this.closing = undefined;
    this.closed = true;
    try {
      this.socket.close(done);
    } catch {
      done(); // already closed
    }
  }
}

function noop(): void {}

const SOFT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

/**
 * Whether a socket error is an ICMP echo of an earlier datagram — port or host
 * unreachable — rather than a failure of the socket. Bun reports a peer that
 * went away as `recvmsg ECONNREFUSED` on the socket (Node on Linux does not
 * report them). ICMP is unauthenticated and says nothing about which peer: it
 * is ignored, as a soft error (RFC 1122 §4.2.3.9); the association it
 * concerns ends by its own timers.
 */
export function isIcmpSoftError(err: unknown): boolean {
  return SOFT.has((err as { code?: unknown } | null)?.code as string);
}
