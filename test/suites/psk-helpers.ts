/**
 * Shared pieces of the suite, PSK and integrity tests: the test PSK, a
 * PSK server on a real UDP socket, and forged records.
 */
import * as dgram from 'node:dgram';
import { type ClientConnection, type Peer, type Server, type ServerOptions, createServer } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

/** The interop PSK (test/fixtures/pki/psk-identity.txt, psk-key.hex). */
export const PSK_IDENTITY = pki('psk-identity.txt').toString('latin1').trim();
export const PSK_KEY_HEX = pki('psk-key.hex').toString('latin1').trim();
export const PSK_KEY = Buffer.from(PSK_KEY_HEX, 'hex');

/** A pskCallback that knows only the test identity. */
export function knownPsk(identity: string): Buffer | null {
  return identity === PSK_IDENTITY ? PSK_KEY : null;
}

export interface PskServer {
  server: Server;
  port: number;
  peers: Peer[];
  /** Everything the server emitted as 'error'. */
  errors: Error[];
  /** Resolves with the n-th (0-based) 'error', waiting up to `timeoutMs`. */
  error(n?: number, timeoutMs?: number): Promise<Error>;
  close(): Promise<void>;
}

/** `createServer` on 127.0.0.1 (udp4), a free port; every Peer echoes. No certificate unless given. */
export async function startPskServer(o: ServerOptions): Promise<PskServer> {
  const server = createServer({ ...o, socket: dgram.createSocket('udp4') });
  const peers: Peer[] = [];
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  server.on('secureConnection', (peer) => {
    peers.push(peer);
    peer.on('message', (m) => {
      if (!peer.closed) peer.send(m);
    });
  });
  server.on('error', (err) => {
    errors.push(err);
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.bind(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    server,
    port: server.address().port,
    peers,
    errors,
    error: (n = 0, timeoutMs = 5_000) => new Promise<Error>((resolve, reject) => {
      const check = () => {
        const e = errors[n];
        if (e === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(e);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no server 'error' #${n} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    }),
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

/** Send `text` and resolve with the first message received back. */
export function echoOnce(c: ClientConnection, text: string, timeoutMs = 3_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      c.off('message', onMessage);
      reject(new Error(`no echo of ${JSON.stringify(text)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: Buffer) => {
      clearTimeout(timer);
      c.off('message', onMessage);
      resolve(m.toString('latin1'));
    };
    c.on('message', onMessage);
    c.send(text);
  });
}

/**
 * A DTLS 1.2 record with a valid header and a garbage body: content type
 * `type` (default application_data), `epoch`, 48-bit `seq`, `bodyLength`
 * pseudo-random bytes (deterministic in `seq`).
 */
export function forgedRecord(seq: number, o: { epoch?: number; type?: number; bodyLength?: number } = {}): Uint8Array {
  const len = o.bodyLength ?? 48;
  const rec = new Uint8Array(13 + len);
  const epoch = o.epoch ?? 1;
  rec[0] = o.type ?? 23;
  rec[1] = 0xfe;
  rec[2] = 0xfd;
  rec[3] = epoch >>> 8;
  rec[4] = epoch & 0xff;
  let s = seq;
  for (let i = 10; i >= 5; i--) {
    rec[i] = s % 256;
    s = Math.floor(s / 256);
  }
  rec[11] = len >>> 8;
  rec[12] = len & 0xff;
  let x = (seq * 2654435761) >>> 0 || 1;
  for (let i = 13; i < rec.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    rec[i] = x & 0xff;
  }
  return rec;
}

/** Wait until the current macrotask queue has drained a few times (lets late rejections surface). */
export function ticks(n = 3): Promise<void> {
  return n <= 0 ? Promise.resolve() : new Promise<void>((r) => setImmediate(() => void ticks(n - 1).then(r)));
}
