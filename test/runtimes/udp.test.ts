/**
 * Real UDP sockets on loopback, on whichever runtime runs the suite (Node,
 * and Bun and Deno through tools/runtime.sh): what differs between their
 * dgram implementations must not reach the application.
 */
import { createSocket } from 'node:dgram';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, createServer, type Peer, type Server } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function echoServer(): Promise<{ server: Server; port: number; errors: unknown[][] }> {
  const server = createServer({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), socket: createSocket('udp4') });
  cleanup.push(() => server.close());
  const errors: unknown[][] = [];
  server.on('error', (...args) => errors.push(args));
  server.on('secureConnection', (peer: Peer) => peer.on('message', (m) => peer.send(m)));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  return { server, port: server.address().port, errors };
}

const client = (port: number, extra: Record<string, unknown> = {}) =>
  connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', ...extra });

describe('UDP sockets on this runtime', () => {
  // Bun: closing a socket in setImmediate made the next socket of the process
  // lose its first datagram, so every client after the first waited a 1 s
  // retransmission for its HelloVerifyRequest. Without loss, none is needed.
  it('consecutive clients in one process each complete without a retransmission', async () => {
    const { port } = await echoServer();
    const retransmits: unknown[] = [];
    const onRetransmit = (m: unknown) => retransmits.push(m);
    subscribe('puredtls:handshake:retransmit', onRetransmit);
    cleanup.push(() => unsubscribe('puredtls:handshake:retransmit', onRetransmit));
    for (let i = 0; i < 6; i++) {
      const c = await client(port);
      const reply = new Promise<string>((resolve) => c.once('message', (m) => resolve(m.toString())));
      c.send(`client ${i}`);
      expect(await reply).toBe(`client ${i}`);
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.end();
      await closed;
    }
    expect(retransmits).toEqual([]);
  });

  // Bun reports the ICMP port unreachable that answers a datagram to a closed
  // port as a `recvmsg ECONNREFUSED` error of the server's socket.
  it('a client that vanished (ICMP port unreachable) is no server error; the server goes on serving', async () => {
    const { server, port, errors } = await echoServer();
    const own = createSocket('udp4');
    const peerP = new Promise<Peer>((resolve) => server.once('secureConnection', resolve));
    const gone = await client(port, { socket: own });
    const peer = await peerP;
    const ownClosed = new Promise<void>((resolve) => own.close(() => resolve()));
    await ownClosed;
    gone.removeAllListeners();
    peer.send('to a closed port');
    peer.send('and again');
    // A full handshake and echo later, any ICMP answer has long arrived.
    const next = await client(port);
    cleanup.push(() => next.end());
    const reply = new Promise<string>((resolve) => next.once('message', (m) => resolve(m.toString())));
    next.send('still here');
    expect(await reply).toBe('still here');
    expect(errors).toEqual([]);
  });
});
