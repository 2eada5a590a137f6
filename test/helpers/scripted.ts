import { resolveServerConfig } from '../../src/config.js';
import { Connection } from '../../src/connection/connection.js';
import type { SigningKey } from '../../src/crypto/provider.js';
import { concatBytes } from '../../src/codec/bytes.js';
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import { decodeServerHello } from '../../src/handshake/messages/server-hello.js';
import { decodeServerKeyExchange, encodeEcdhParams, encodeServerKeyExchange } from '../../src/handshake/messages/server-key-exchange.js';
import { HandshakeType } from '../../src/handshake/registry.js';
import { ServerHandshake, type ServerHandshakeConfig } from '../../src/handshake/server-handshake.js';
import { intercept } from './intercept.js';
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

/**
 * A server whose ServerKeyExchange signature is replaced: `f` gets the
 * server's key, the scheme it chose and the signed bytes (client_random ‖
 * server_random ‖ ECDH parameters) and returns the signature to send, or
 * none.
 */
export function serverSigningWith(f: (key: SigningKey, scheme: number, signed: Uint8Array) => { signature?: { scheme: number; signature: Uint8Array } }): (d: Connection, c: ServerHandshakeConfig) => ServerHandshake {
  return (d: Connection, c: ServerHandshakeConfig) => {
    let serverRandom: Uint8Array | undefined;
    return new ServerHandshake(intercept(d, {
      message: (type, body, out) => {
        if (type === HandshakeType.server_hello) serverRandom = decodeServerHello(new Reader(body)).random;
        if (type !== HandshakeType.server_key_exchange) return body;
        const ske = decodeServerKeyExchange(new Reader(body), 'ECDHE');
        // The transcript starts with the ClientHello: header (12 bytes), version (2), random (32).
        const clientRandom = out.transcript().subarray(14, 46);
        const signed = concatBytes(clientRandom, serverRandom!, encode((w) => encodeEcdhParams(w, ske.ecdh!)));
        return encode((w) => encodeServerKeyExchange(w, { ecdh: ske.ecdh!, ...f(c.signingKey!, ske.signature!.scheme, signed) }));
      },
    }), c);
  };
}
