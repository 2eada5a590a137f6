/**
 * Run one handshake and capture it: the project's client talks to the
 * server through the project's UDP proxy (no impairment; its inject hook
 * only records each datagram, both ways, with its time), keeps the client's
 * key log, sends one message, waits for its echo, and closes.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as dgram from 'node:dgram';
import { connect, type ConnectOptions } from '../client.js';
import type { DtlsError } from '../errors.js';
import { createServer } from '../server.js';
import { startUdpProxy } from '../proxy/udp-proxy.js';
import { createSelfSigned } from '../x509/selfsigned.js';
import type { Captured } from './annotate.js';

export interface CaptureOptions {
  /** The server; omitted with `self`. */
  readonly host?: string;
  readonly port?: number;
  /** Run the project's own server on 127.0.0.1 and illustrate a handshake with it. */
  readonly self?: boolean;
  readonly servername?: string;
  /** CA certificates (PEM) to verify the server with; without them the certificate is not verified (and the page says so). */
  readonly ca?: Uint8Array;
  readonly psk?: { readonly identity: string; readonly key: Uint8Array };
  readonly ciphers?: string;
  readonly mtu?: number;
  /** The application message sent after the handshake. */
  readonly message?: string;
  /** Give up after this many ms. Default 15 000. */
  readonly timeout?: number;
  readonly crypto?: 'node' | 'noble';
}

export interface Capture {
  readonly title: string;
  readonly startedAt: string;
  readonly captured: Captured[];
  readonly keylog: string[];
  readonly notes: string[];
}

/** Wait for `event` on `emitter`, or `ms`, whichever comes first. */
function eventOrTimeout(emitter: NodeJS.EventEmitter, event: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      resolve(false);
    }, ms);
    const on = () => {
      clearTimeout(timer);
      resolve(true);
    };
    emitter.once(event, on);
  });
}

export async function captureHandshake(o: CaptureOptions): Promise<Capture> {
  const notes: string[] = [];
  const startedAt = new Date().toISOString();
  const timeout = o.timeout ?? 15_000;
  let host = o.host ?? '127.0.0.1';
  let port = o.port ?? 0;
  let title = `puredtls client → ${host}:${port}`;
  let stopServer: (() => Promise<void>) | undefined;
  let ca = o.ca;
  let servername = o.servername;
  if (o.self) {
    const own = o.psk ? undefined : createSelfSigned(undefined, { commonName: 'localhost' });
    const server = createServer({
      socket: dgram.createSocket('udp4'),
      ...(own ? { key: own.keyPem, cert: own.certPem } : {}),
      ...(o.psk ? { pskCallback: (id: string) => (id === o.psk!.identity ? o.psk!.key : null), pskIdentityHint: 'puredtls illustrate' } : {}),
      ...(o.ciphers ? { ciphers: o.ciphers } : {}),
      ...(o.mtu ? { mtu: o.mtu } : {}),
      ...(o.crypto ? { crypto: o.crypto } : {}),
    });
    server.on('error', () => { /* shown on the page through the client's view */ });
    server.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    host = '127.0.0.1';
    port = (server.address() as { port: number }).port;
    stopServer = () => new Promise<void>((r) => server.close(() => r()));
    title = `puredtls client → puredtls server (--self${o.psk ? ', PSK' : ', self-signed ECDSA certificate'})`;
    if (own) {
      ca = Buffer.from(own.certPem);
      servername = 'localhost';
    }
  }
  const captured: Captured[] = [];
  const proxy = await startUdpProxy({
    listen: { host: isIP(host) === 6 ? '::1' : '127.0.0.1', port: 0 }, target: { host, port },
    inject: (dg) => {
      captured.push({ from: dg.direction === 'clientToServer' ? 'client' : 'server', at: performance.now(), data: dg.data });
      return undefined;
    },
  });
  const keylog: string[] = [];
  try {
    const opts: ConnectOptions = {
      host: proxy.address().address, port: proxy.address().port, handshakeTimeout: timeout,
      ...(servername !== undefined ? { servername } : isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : { rejectUnauthorized: false }),
      ...(o.psk ? { psk: o.psk } : {}), ...(o.ciphers ? { ciphers: o.ciphers } : {}), ...(o.mtu ? { mtu: o.mtu } : {}),
      ...(o.crypto ? { crypto: o.crypto } : {}),
    };
    if (!ca && !o.psk) notes.push('The server certificate was not verified (no --ca).');
    const client = connect(opts);
    client.on('keylog', (line) => keylog.push(line.toString()));
    let failure: DtlsError | undefined;
    client.on('error', (e) => { failure = e; });
    const connected = await Promise.race([eventOrTimeout(client, 'secureConnect', timeout), eventOrTimeout(client, 'close', timeout).then(() => false)]);
    if (connected) {
      const echoed = eventOrTimeout(client, 'message', 2_000);
      client.send(o.message ?? 'hello from puredtls illustrate');
      if (!(await echoed)) notes.push('The server did not echo the message within 2 s.');
      const closed = eventOrTimeout(client, 'close', 2_000);
      client.end();
      await closed;
      // The server's close_notify (or its last resend) may still be on its way.
      await new Promise((r) => setTimeout(r, 150));
    } else {
      notes.push(`The handshake did not complete${failure ? `: ${failure.code} ${failure.message}` : ''}.`);
      try {
        client.end();
      } catch {
        // already closed
      }
    }
  } finally {
    await proxy.close();
    await stopServer?.();
  }
  return { title, startedAt, captured, keylog, notes };
}
