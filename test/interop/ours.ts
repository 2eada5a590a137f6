/**
 * Our side of the interop tests: a real `createServer` on a UDP socket that
 * echoes, and a `connectAsync` round trip.
 */
import * as dgram from 'node:dgram';
import { type ClientConnection, type Peer, type Server, type ServerOptions, createServer } from '../../src/index.js';
import { pki } from './peers.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Peers that completed the handshake, in order. */
  peers: Peer[];
  /** What the server emitted as 'error'. */
  errors: Error[];
  /** Resolves with the first `secureConnection` peer. */
  firstPeer(timeoutMs?: number): Promise<Peer>;
  /** Resolves with the first 'error' (or the next one when none yet). */
  firstError(timeoutMs?: number): Promise<Error>;
  close(): Promise<void>;
}

/** Start `createServer` on 127.0.0.1 and a free port; every peer echoes its messages. */
export async function startOurServer(
  o: Partial<ServerOptions> & { certFile?: string; keyFile?: string } = {},
): Promise<RunningServer> {
  const { certFile = 'server-ecdsa-p256.crt.pem', keyFile = 'server-ecdsa-p256.key.pem', ...rest } = o;
  const server = createServer({ key: pki(keyFile), cert: pki(certFile), ...rest, socket: dgram.createSocket('udp4') });
  const peers: Peer[] = [];
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  const notify = () => { for (const w of [...waiters]) w(); };
  server.on('secureConnection', (peer) => {
    peers.push(peer);
    peer.on('message', (m) => {
      if (!peer.closed) peer.send(m);
    });
    peer.on('error', (err) => errors.push(err));
    notify();
  });
  server.on('error', (err) => {
    errors.push(err);
    notify();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.bind(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const waitFor = <T>(get: () => T | undefined, what: string, timeoutMs: number) => new Promise<T>((resolve, reject) => {
    const check = () => {
      const v = get();
      if (v === undefined) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`our server: no ${what} within ${timeoutMs} ms (errors: ${errors.map(String).join('; ') || 'none'})`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
  let closed: Promise<void> | undefined;
  return {
    server,
    port: server.address().port,
    peers,
    errors,
    firstPeer: (timeoutMs = 5_000) => waitFor(() => peers[0], 'secureConnection', timeoutMs),
    firstError: (timeoutMs = 5_000) => waitFor(() => errors[0], "'error' event", timeoutMs),
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

/** Send `message` and resolve with the first reply that contains it. */
export function echo(c: ClientConnection, message: string, timeoutMs = 5_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let got = '';
    const onMessage = (m: Buffer) => {
      got += m.toString('latin1');
      if (got.includes(message)) {
        done();
        resolve(got);
      }
    };
    const onClose = () => {
      done();
      reject(new Error(`connection closed before the echo of ${JSON.stringify(message)} (got ${JSON.stringify(got)})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no echo of ${JSON.stringify(message)} within ${timeoutMs} ms (got ${JSON.stringify(got)})`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      c.off('message', onMessage);
      c.off('close', onClose);
    };
    c.on('message', onMessage);
    c.on('close', onClose);
    c.send(`${message}\n`);
  });
}

/** `end()` the connection and wait (bounded) for its 'close'. */
export function endAndWait(c: ClientConnection, timeoutMs = 3_000): Promise<void> {
  if (!c.established) {
    c.end();
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    c.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    c.end();
  });
}
