/**
 * DTLS servers for the scan tests, each configured so that what a scan must
 * report is known in advance: `openssl s_server` (three ways), `gnutls-serv
 * --udp`, wolfSSL's example server (DTLS 1.2, and 1.2 + 1.3) and the
 * project's own server. Processes are bounded and stopped by
 * {@link stopAllPeers}; readiness comes from each server's own output, or,
 * for wolfSSL's example server (which prints nothing when bound), from its
 * first answer to a ClientHello.
 */
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { defaultProvider } from '../../src/crypto/index.js';
import { createServer, type Server } from '../../src/index.js';
import type { ServerOptions } from '../../src/options.js';
import { exchangeHello } from '../../src/scan/exchange.js';
import { Budget } from '../../src/scan/transport.js';
import { PeerProcess, freeUdpPort, pki, pkiPath, startGnutlsServer } from '../interop/peers.js';

export { HAS_GNUTLS_SERV, HAS_OPENSSL, pki, pkiPath, stopAllPeers } from '../interop/peers.js';

export interface RunningServer {
  readonly port: number;
  readonly stop: () => Promise<void>;
}

/** `openssl s_server -dtls1_2` on 127.0.0.1 and a free port with `args`; ready at its ACCEPT line. */
export async function startOpenssl(args: readonly string[], timeoutMs = 240_000): Promise<RunningServer> {
  const p = new PeerProcess('openssl', ['s_server', '-dtls1_2', '-accept', '127.0.0.1:0', ...args], timeoutMs);
  const m = await p.waitFor('stdout', /^ACCEPT (?:\S+):(\d+)$/m, 10_000);
  return { port: Number(m[1]), stop: async () => { await p.stop(); } };
}

/** `gnutls-serv --udp --echo` with an ECDSA P-256 certificate, DTLS 1.2. */
export async function startGnutls(timeoutMs = 240_000): Promise<RunningServer> {
  const s = await startGnutlsServer({ timeoutMs });
  return { port: s.port, stop: async () => { await s.proc.stop(); } };
}

let wolfDir: string | null | undefined;
/** The wolfSSL build (tools/peers/wolfssl.sh, cached in ~/.cache/puredtls-peers), or null when it cannot be built. */
export function wolfsslDir(): string | null {
  if (wolfDir !== undefined) return wolfDir;
  const r = spawnSync('bash', [new URL('../../tools/peers/wolfssl.sh', import.meta.url).pathname], { encoding: 'utf8', timeout: 900_000 });
  wolfDir = r.status === 0 ? r.stdout.trim() : null;
  return wolfDir;
}

/**
 * Wait until a server answers a ClientHello (for servers that print nothing
 * once bound): each attempt waits for an answer, up to `timeoutMs` in all.
 */
export async function untilAnswers(port: number, timeoutMs = 10_000): Promise<void> {
  const budget = new Budget(1000, 100, performance.now() + timeoutMs);
  const ctx = { target: { host: '127.0.0.1', address: '127.0.0.1', family: 4 as const, port }, budget,
    provider: defaultProvider(), replyTimeout: 200, log: () => {} };
  while (budget.remaining() > 0) {
    const ex = await exchangeHello(ctx, { suites: [0xc02b, 0xc02f] }, { helloOnly: true });
    if (ex.outcome !== 'silence') return;
  }
  throw new Error(`no DTLS answer on port ${port} within ${timeoutMs} ms`);
}

/**
 * wolfSSL's example server: `-v 3` DTLS 1.2, `-v d` DTLS 1.0–1.3 (the
 * downgrade method), `-v 4` DTLS 1.3 only. `-i -x` keeps it serving after a
 * failed handshake; `-d` asks no client certificate.
 */
export async function startWolfssl(version: '3' | '4' | 'd', extra: readonly string[] = [], timeoutMs = 240_000): Promise<RunningServer> {
  const dir = wolfsslDir();
  if (!dir) throw new Error('wolfSSL could not be built (tools/peers/wolfssl.sh)');
  const port = await freeUdpPort();
  const p = new PeerProcess('env', [`LD_LIBRARY_PATH=${dir}/lib`, 'sh', '-c', `cd "${dir}" && exec bin/server -u -v ${version} -p ${port} -i -x -d `
    + `-c "${pkiPath('server-ecdsa-p256.chain.pem')}" -k "${pkiPath('server-ecdsa-p256.key.pem')}" -A "${pkiPath('ca-bundle.pem')}" ${extra.join(' ')}`], timeoutMs);
  try {
    await untilAnswers(port);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return { port, stop: async () => { await p.stop(); } };
}

/** The project's own server, in this process, on 127.0.0.1. */
export async function startOwn(opts: ServerOptions): Promise<RunningServer & { server: Server }> {
  const server = createServer({ socket: dgram.createSocket('udp4'), ...opts });
  server.on('error', () => { /* failed handshakes are what a scan provokes */ });
  server.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return { server, port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export const CA_BUNDLE = pki('ca-bundle.pem');
