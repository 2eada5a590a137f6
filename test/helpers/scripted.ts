import { resolveServerConfig } from '../../src/config.js';
import { Connection } from '../../src/connection/connection.js';
import type { SigningKey } from '../../src/crypto/provider.js';
import { ServerHandshake, type ServerHandshakeConfig } from '../../src/handshake/server-handshake.js';
import type { ServerOptions } from '../../src/options.js';
import type { NetAddress, NetNode, OutgoingDatagram } from '../../src/testing/network.js';

/**
 * A server without the cookie exchange whose handshake machine is scripted:
 * a subclass of ServerHandshake that misbehaves on purpose.
 */
export class ScriptedServerNode implements NetNode {
  conn: Connection | undefined;
  private out: OutgoingDatagram[] = [];
  private peer: NetAddress | undefined;
  private readonly cfg;

  constructor(options: ServerOptions, private readonly machine: (d: Connection, c: ServerHandshakeConfig) => ServerHandshake) {
    this.cfg = resolveServerConfig(options).config;
  }

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    if (!this.conn) {
      this.peer = from;
      this.conn = new Connection('server', this.cfg.settings, now);
      this.conn.attach(this.machine(this.conn, this.cfg.handshake));
    }
    this.conn.receive(data, now);
    this.collect();
  }
  onTimeout(now: number): void {
    this.conn?.handleTimeout(now);
    this.collect();
  }
  nextTimeout(): number | undefined {
    return this.conn?.nextTimeout();
  }
  takeOutgoing(): OutgoingDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }
  private collect(): void {
    if (!this.conn || !this.peer) return;
    for (const d of this.conn.takeTransmits()) this.out.push({ to: this.peer, data: d });
    this.conn.takeEvents();
  }
}

/** A server whose ServerKeyExchange signature is replaced. */
export function serverSigningWith(f: (key: SigningKey, scheme: number, signed: Uint8Array) => { signature?: { scheme: number; signature: Uint8Array } }): (d: Connection, c: ServerHandshakeConfig) => ServerHandshake {
  return (d: Connection, c: ServerHandshakeConfig) =>
    new (class extends ServerHandshake {
      protected override signKeyExchange(key: SigningKey, scheme: number, signed: Uint8Array) {
        return f(key, scheme, signed);
      }
    })(d, c);
}
