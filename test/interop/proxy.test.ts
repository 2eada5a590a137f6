/**
 * The UDP impairment proxy (src/proxy/udp-proxy.ts) on real sockets: each
 * impairment, per-client upstream sockets, bounds and cleanup, the
 * `puredtls proxy` command line, and a puredtls handshake through it.
 * The long runs against openssl and gnutls under 20% loss are
 * test/slow/proxy-interop.test.ts.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectAsync } from '../../src/index.js';
import { parseDelay, parseHostPort, proxyOptionsFromArgs } from '../../src/cli/proxy-command.js';
import { type UdpProxy, type UdpProxyOptions, startUdpProxy } from '../../src/proxy/index.js';
import { echo, endAndWait, startOurServer } from './ours.js';
import { pki } from './peers.js';

const LOCAL = '127.0.0.1';

/** A UDP socket that records what it receives (and from where). */
interface Sink {
  socket: dgram.Socket;
  port: number;
  got: { data: Buffer; port: number }[];
  /** Resolves once `n` datagrams arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sockets: Sink[] = [];
const proxies: UdpProxy[] = [];

async function sink(echoBack = false): Promise<Sink> {
  const socket = dgram.createSocket('udp4');
  const got: Sink['got'] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data, rinfo) => {
    got.push({ data, port: rinfo.port });
    if (echoBack) socket.send(data, rinfo.port, rinfo.address);
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve) => socket.bind(0, LOCAL, resolve));
  let closed: Promise<void> | undefined;
  const s: Sink = {
    socket, port: socket.address().port, got,
    waitFor: (n, timeoutMs = 2_000) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (got.length < n) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`got ${got.length} datagrams, expected ${n}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    }),
    close: () => (closed ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  };
  sockets.push(s);
  return s;
}

async function proxyTo(target: Sink | number, o: Partial<UdpProxyOptions> = {}): Promise<UdpProxy> {
  const p = await startUdpProxy({
    listen: { host: LOCAL, port: 0 }, target: { host: LOCAL, port: typeof target === 'number' ? target : target.port }, ...o,
  });
  proxies.push(p);
  return p;
}

function sendAll(from: Sink, port: number, datagrams: Uint8Array[]): void {
  for (const d of datagrams) from.socket.send(d, port, LOCAL);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dg = (i: number, size = 20) => Buffer.alloc(size, i);

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});

describe('startUdpProxy', () => {
  it('forwards datagrams both ways unchanged, through one upstream socket per client', async () => {
    const server = await sink(true);
    const proxy = await proxyTo(server);
    const port = proxy.address().port;
    const a = await sink();
    const b = await sink();
    sendAll(a, port, [dg(1), dg(2)]);
    sendAll(b, port, [dg(3)]);
    await a.waitFor(2);
    await b.waitFor(1);
    expect(a.got.map((g) => g.data)).toEqual([dg(1), dg(2)]);
    expect(b.got.map((g) => g.data)).toEqual([dg(3)]);
    // Replies come from the proxy's listening port; the target saw two distinct source ports.
    expect(new Set([...a.got, ...b.got].map((g) => g.port))).toEqual(new Set([port]));
    const fromA = server.got.filter((g) => g.data[0] !== 3).map((g) => g.port);
    const fromB = server.got.filter((g) => g.data[0] === 3).map((g) => g.port);
    expect(new Set(fromA).size).toBe(1);
    expect(fromB[0]).not.toBe(fromA[0]);
    expect(proxy.stats).toMatchObject({ clients: 2, sessions: 2 });
    expect(proxy.stats.clientToServer).toMatchObject({ received: 3, forwarded: 3, dropped: 0 });
    expect(proxy.stats.serverToClient).toMatchObject({ received: 3, forwarded: 3 });
  });

  it('drops everything with drop 1 and counts it', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { drop: 1 });
    const c = await sink();
    sendAll(c, proxy.address().port, [dg(1), dg(2), dg(3)]);
    await sleep(100);
    expect(server.got).toHaveLength(0);
    expect(proxy.stats.clientToServer).toMatchObject({ received: 3, dropped: 3, forwarded: 0 });
  });

  it('takes the same drop decisions for the same seed, and others for another seed', async () => {
    const run = async (seed: number) => {
      const server = await sink();
      const proxy = await proxyTo(server, { seed, drop: 0.5 });
      const c = await sink();
      for (let i = 0; i < 40; i++) {
        c.socket.send(dg(i), proxy.address().port, LOCAL);
        await sleep(1); // keep the order
      }
      await sleep(100);
      return server.got.map((g) => g.data[0]);
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(5);
    expect(a.length).toBeLessThan(35);
    expect(c).not.toEqual(a);
  });

  it('delivers every datagram twice with duplicate 1', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { duplicate: 1 });
    const c = await sink();
    sendAll(c, proxy.address().port, [dg(1), dg(2)]);
    await server.waitFor(4);
    expect(server.got.map((g) => g.data[0]).sort()).toEqual([1, 1, 2, 2]);
    expect(proxy.stats.clientToServer.duplicated).toBe(2);
  });

  it('drops datagrams above the MTU, or cuts them with truncate', async () => {
    const server = await sink();
    const p1 = await proxyTo(server, { mtu: 50 });
    const c = await sink();
    sendAll(c, p1.address().port, [dg(1, 60), dg(2, 50)]);
    await server.waitFor(1);
    await sleep(50);
    expect(server.got.map((g) => g.data)).toEqual([dg(2, 50)]);
    expect(p1.stats.clientToServer.dropped).toBe(1);
    const p2 = await proxyTo(server, { mtu: 50, truncate: true });
    sendAll(c, p2.address().port, [dg(3, 60)]);
    await server.waitFor(2);
    expect(server.got[1]!.data).toEqual(dg(3, 50));
    expect(p2.stats.clientToServer.truncated).toBe(1);
  });

  it('packs the datagrams of one window into one, never above the MTU', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { pack: 30, mtu: 50 });
    const c = await sink();
    sendAll(c, proxy.address().port, [dg(1), dg(2), dg(3)]);
    await server.waitFor(2);
    await sleep(50);
    // 20 + 20 fit in 50; the third starts a new pack.
    expect(server.got.map((g) => g.data)).toEqual([Buffer.concat([dg(1), dg(2)]), dg(3)]);
    expect(proxy.stats.clientToServer.packed).toBe(1);
  });

  it('holds back reordered datagrams by reorderDelay', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { seed: 3, reorder: 1, reorderDelay: 40, serverToClient: { reorder: 0 } });
    const c = await sink();
    const t0 = performance.now();
    sendAll(c, proxy.address().port, [dg(1)]);
    await server.waitFor(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    expect(proxy.stats.clientToServer.reordered).toBe(1);
  });

  it('reorders with a random delay range and still delivers every datagram', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { seed: 5, delay: { min: 0, max: 30 } });
    const c = await sink();
    sendAll(c, proxy.address().port, Array.from({ length: 20 }, (_, i) => dg(i)));
    await server.waitFor(20);
    const order = server.got.map((g) => g.data[0]);
    expect([...order].sort((x, y) => x! - y!)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(proxy.stats.queued).toBe(0);
  });

  it('flips exactly one bit per datagram with bitflip 1', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { bitflip: 1 });
    const c = await sink();
    sendAll(c, proxy.address().port, [dg(0, 32)]);
    await server.waitFor(1);
    const bits = [...server.got[0]!.data].reduce((n, b) => n + b.toString(2).split('1').length - 1, 0);
    expect(bits).toBe(1);
    expect(proxy.stats.clientToServer.corrupted).toBe(1);
  });

  it('injects a forged record after a datagram: same header, random body, consistent length', async () => {
    const server = await sink();
    const proxy = await proxyTo(server, { inject: 1, serverToClient: { inject: 0 } });
    const c = await sink();
    const rec = Buffer.from([22, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 3, 1, 2, 3]);
    sendAll(c, proxy.address().port, [rec]);
    await server.waitFor(2);
    // The forged record goes out at once, unimpaired; the datagram itself after the default 1 ms delay.
    const [forged, orig] = server.got.map((g) => g.data);
    expect(orig).toEqual(rec);
    expect(forged).not.toEqual(rec);
    expect(forged!.subarray(0, 11)).toEqual(rec.subarray(0, 11));
    expect(forged!.readUInt16BE(11)).toBe(forged!.length - 13);
    expect(proxy.stats.clientToServer.injected).toBe(1);
  });

  it('injects through an inject function and through proxy.inject()', async () => {
    const server = await sink(true);
    const proxy = await proxyTo(server, { clientToServer: { inject: (d) => (d.index === 0 ? [Buffer.from('extra')] : undefined) } });
    const c = await sink();
    sendAll(c, proxy.address().port, [dg(1)]);
    await server.waitFor(2);
    expect(server.got.map((g) => g.data.toString('latin1'))).toContain('extra');
    proxy.inject('serverToClient', { address: LOCAL, port: c.port }, Buffer.from('crafted'));
    await c.waitFor(3);
    expect(c.got.map((g) => g.data.toString('latin1'))).toContain('crafted');
  });

  it('evicts the least recently active client beyond maxClients and expires idle ones', async () => {
    const server = await sink(true);
    const proxy = await proxyTo(server, { maxClients: 2, idleTimeout: 150 });
    const port = proxy.address().port;
    const cs = [await sink(), await sink(), await sink()];
    for (const c of cs) {
      sendAll(c, port, [dg(1)]);
      await c.waitFor(1);
    }
    expect(proxy.stats).toMatchObject({ clients: 2, sessions: 3, evicted: 1 });
    await sleep(400);
    expect(proxy.stats).toMatchObject({ clients: 0, expired: 2 });
  });

  it('bounds the datagrams held back (maxQueued) and frees everything on close', async () => {
    const server = await sink();
    const before = process.getActiveResourcesInfo().length;
    const proxy = await proxyTo(server, { delay: 10_000, maxQueued: 5 });
    const c = await sink();
    sendAll(c, proxy.address().port, Array.from({ length: 10 }, (_, i) => dg(i)));
    await sleep(100);
    expect(proxy.stats.queued).toBe(5);
    expect(proxy.stats.clientToServer.overflow).toBe(5);
    await proxy.close();
    await proxy.close(); // idempotent
    expect(proxy.stats).toMatchObject({ clients: 0, queued: 0 });
    expect(server.got).toHaveLength(0);
    // The proxy's sockets and its timer are gone (the client sink is the only addition).
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before + 1);
  });

  it('rejects bad options', async () => {
    const base = { listen: { host: LOCAL, port: 0 }, target: { host: LOCAL, port: 9 } };
    await expect(startUdpProxy({ ...base, drop: 2 })).rejects.toThrow(RangeError);
    await expect(startUdpProxy({ ...base, delay: { min: 5, max: 1 } })).rejects.toThrow(/min ≤ max/);
    await expect(startUdpProxy({ ...base, target: { host: LOCAL, port: 0 } })).rejects.toThrow(/target.port/);
    await expect(startUdpProxy({ ...base, mtu: 0 })).rejects.toThrow(RangeError);
  });
});

describe('puredtls through the proxy', () => {
  it('completes a handshake and echoes with 20% loss, duplication, reordering and delay (short timers)', async () => {
    const srv = await startOurServer({ retransmitTimeout: 100 });
    try {
      const proxy = await proxyTo(srv.port, { seed: 20, drop: 0.2, duplicate: 0.1, reorder: 0.2, delay: { min: 0, max: 5 } });
      const c = await connectAsync({
        host: LOCAL, port: proxy.address().port, ca: pki('ca-bundle.pem'), servername: 'localhost', retransmitTimeout: 100,
      });
      // Application data is not retransmitted: retry the echo.
      let reply = '';
      for (let i = 0; i < 20 && !reply; i++) reply = await echo(c, `ping-${i}`, 300).catch(() => '');
      expect(reply).toMatch(/ping-\d+/);
      await endAndWait(c, 500);
      // The run was impaired: both ways saw traffic, and datagrams were lost, copied and held back.
      // The proxy's decisions are fixed by the seed, per direction and datagram index: under seed 20
      // the first four datagrams of each direction (at least four reach the proxy each way, asserted below)
      // hold a drop, a duplicate and a reordering, so these counters do not depend on timing.
      const s = proxy.stats;
      const report = JSON.stringify({ clientToServer: s.clientToServer, serverToClient: s.serverToClient });
      expect(s.clientToServer.received, report).toBeGreaterThan(3);
      expect(s.serverToClient.received, report).toBeGreaterThan(3);
      expect(s.clientToServer.dropped + s.serverToClient.dropped, report).toBeGreaterThan(0);
      expect(s.clientToServer.duplicated + s.serverToClient.duplicated, report).toBeGreaterThan(0);
      expect(s.clientToServer.reordered + s.serverToClient.reordered, report).toBeGreaterThan(0);
    } finally {
      await srv.close();
    }
  });
});

describe('a stale copy of the ClientHello with the cookie, after the handshake (S-18, RFC 6347 §4.2.8)', () => {
  // Regression test of a fixed bug: a ClientHello with the random of an *established*
  // association used to go through the cookie check (still valid for 60-120 s) and
  // replace the association (ERR_DTLS_REPLACED). A duplicated-and-delayed datagram
  // does that on a real network, and so does a replay from the client's address;
  // src/endpoint/server-endpoint.ts route() now drops it as stale.
  it('leaves the established association alone', async () => {
    const srv = await startOurServer();
    try {
      let hello: { data: Uint8Array; client: { address: string; port: number } } | undefined;
      const proxy = await proxyTo(srv.port, {
        clientToServer: {
          // Record the ClientHello that carries the cookie (the client's second datagram).
          inject: (d) => {
            if (d.index === 1 && d.data[13] === 1) hello = { data: d.data, client: d.client };
            return undefined;
          },
        },
      });
      const c = await connectAsync({ host: LOCAL, port: proxy.address().port, ca: pki('ca-bundle.pem'), servername: 'localhost' });
      await srv.firstPeer();
      expect(hello).toBeDefined();
      proxy.inject('clientToServer', hello!.client, hello!.data);
      await sleep(100);
      expect(srv.peers[0]!.closed).toBe(false);
      expect(await echo(c, 'still-there', 1_000)).toContain('still-there');
      await endAndWait(c, 500);
    } finally {
      await srv.close();
    }
  });
});

describe('puredtls proxy (command line)', () => {
  let dir: string | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('parses its arguments', () => {
    expect(parseHostPort('listen', '127.0.0.1:5684')).toEqual({ host: '127.0.0.1', port: 5684 });
    expect(parseHostPort('listen', '[::1]:5684')).toEqual({ host: '::1', port: 5684 });
    expect(parseDelay('5-20')).toEqual({ min: 5, max: 20 });
    expect(parseDelay('7')).toBe(7);
    expect(() => parseDelay('20-5')).toThrow();
    expect(proxyOptionsFromArgs(['--listen', ':0', '--target', 'localhost:4433', '--seed', '3', '--drop', '0.2', '--dup', '0.1',
      '--delay', '1-20', '--reorder', '0.1', '--mtu', '1200', '--pack', '5', '--bitflip', '0.01'])).toEqual({
      listen: { host: '0.0.0.0', port: 0 }, target: { host: 'localhost', port: 4433 }, seed: 3, drop: 0.2, duplicate: 0.1,
      delay: { min: 1, max: 20 }, reorder: 0.1, mtu: 1200, pack: 5, bitflip: 0.01,
    });
    expect(() => proxyOptionsFromArgs(['--listen', ':0', '--target', '127.0.0.1:1', '--drop', '1.5'])).toThrow(/probability/);
    expect(() => proxyOptionsFromArgs(['--target', '127.0.0.1:1'])).toThrow(/required/);
  });

  it('prints "proxying udp://LISTEN -> udp://TARGET", forwards, and prints its counters on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'puredtls-proxy-cli-'));
    const out = join(dir, 'main.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))], outfile: out, bundle: true, platform: 'node',
      format: 'esm', target: 'node20', logLevel: 'silent',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const server = await sink(true);
    child = spawn(process.execPath, [out, 'proxy', '--listen', `${LOCAL}:0`, '--target', `${LOCAL}:${server.port}`, '--dup', '1', '--seed', '2']);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    const exited = new Promise<number | null>((resolve) => child!.once('close', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no proxying line: ${stdout}`)), 10_000);
      child!.stdout.on('data', () => {
        const m = new RegExp(`^proxying udp://127\\.0\\.0\\.1:(\\d+) -> udp://127\\.0\\.0\\.1:${server.port}$`, 'm').exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const c = await sink();
    sendAll(c, port, [dg(9)]);
    await server.waitFor(2); // duplicated
    await c.waitFor(4); // both echoes duplicated again
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/client -> server: received 1, forwarded 2, dropped 0, duplicated 1/);
    expect(stdout).toMatch(/server -> client: received 2, forwarded 4/);
  });
});
