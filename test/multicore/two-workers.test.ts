/**
 * Issue 8, acceptance 3: examples/multicore.mjs with two workers on one UDP port
 * (SO_REUSEPORT); 100 clients from distinct source ports connect and echo once,
 * all handshakes complete, and each worker serves some of them. Then 20 of those
 * sessions resume on whichever worker the kernel picks for their new port: the
 * shared ticket keys let any worker resume them.
 *
 * Needs a Node whose dgram has `reusePort` (22.12+ / 23.1+) on Linux: Node 20
 * lacks it, so there the process-level test is skipped and CI runs it under
 * Node 24 (`npm run test:node24`). On such a Node the example must refuse to run.
 *
 * The example is bundled with esbuild, 'puredtls' resolved to src/, so it runs the
 * sources under test (not a dist/ that the package test may be rebuilding).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientConnection, connectAsync } from '../../src/client.js';
import { pki } from '../helpers/pki.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/multicore.mjs');
const PKI = join(ROOT, 'test/fixtures/pki');
const CLIENTS = 100;
const RESUMED = 20;
const CONCURRENCY = 20;

/** Whether two sockets can bind one UDP port (Node before 22.12 / 23.1 silently ignores `reusePort`). */
async function probeReusePort(): Promise<boolean> {
  // reusePort is not in @types/node 20's SocketOptions.
  const opts: dgram.SocketOptions & { reusePort: boolean } = { type: 'udp4', reusePort: true };
  const a = dgram.createSocket(opts);
  const b = dgram.createSocket(opts);
  const bind = (s: dgram.Socket, port: number) => new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s.address().port));
  });
  try {
    await bind(b, await bind(a, 0));
    return true;
  } catch {
    return false;
  } finally {
    for (const s of [a, b]) {
      try {
        s.close();
      } catch {
        // never bound
      }
    }
  }
}

const hasReusePort = await probeReusePort();
const why = hasReusePort
  ? `Node ${process.version} has dgram reusePort`
  : `SKIPPED: Node ${process.version} has no dgram reusePort (needs 22.12+ / 23.1+ on Linux); CI runs this under Node 24: npm run test:node24`;

let dir: string | undefined;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'puredtls-multicore-'));
  bundle = join(dir, 'multicore.mjs');
  await build({
    entryPoints: [EXAMPLE], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
    plugins: [{
      name: 'puredtls-src',
      setup(b) {
        b.onResolve({ filter: /^puredtls$/ }, () => ({ path: join(ROOT, 'src/index.ts') }));
      },
    }],
    // CommonJS dependencies (asn1js) may call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The example's output so far, and a way to wait for a line. */
class Proc {
  out = '';
  err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.out.match(re);
        if (m) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`no ${re} in ${ms} ms\nstdout:\n${this.out}\nstderr:\n${this.err}`));
      }, ms);
      void this.exited.then(({ code, signal }) => {
        check();
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`the example exited (${signal ?? code}) before ${re}\nstdout:\n${this.out}\nstderr:\n${this.err}`));
      });
      check();
    });
  }
}

function startExample(args: string[]): Proc {
  return new Proc(spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Run `task(i)` for i < count, `limit` at a time. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }));
  return results;
}

/** Connect (own socket, so its own source port), echo one message, close. */
async function echoOnce(port: number, i: number, session?: Buffer): Promise<{ resumed: boolean; session: Buffer | undefined; ms: number }> {
  const t0 = performance.now();
  const c: ClientConnection = await connectAsync({
    host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', ...(session && { session }),
  });
  try {
    const text = `hello ${i}`;
    const echoed = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${i}: no echo in 10 s`)), 10_000);
      c.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
      c.send(text);
    });
    expect(echoed).toBe(text);
    return { resumed: c.isSessionReused(), session: c.getSession(), ms: performance.now() - t0 };
  } finally {
    c.end();
  }
}

describe.skipIf(!hasReusePort)(`two workers on one port (${why})`, () => {
  let proc: Proc | undefined;

  afterAll(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  });

  it(`${CLIENTS} clients complete their handshakes, each worker serves some; ${RESUMED} resume on any worker; SIGTERM exits cleanly`, async () => {
    proc = startExample([
      '--workers', '2', '--port', '0', '--host', '127.0.0.1',
      '--key', join(PKI, 'server-ecdsa-p256.key.pem'), '--cert', join(PKI, 'server-ecdsa-p256.crt.pem'),
    ]);
    const ready = await proc.waitFor(/^ready: 2 workers listening on udp:\/\/127\.0\.0\.1:(\d+) \(pids \d+, \d+\)$/m, 30_000);
    const port = Number(ready[1]);
    expect(port).toBeGreaterThan(0);

    const t0 = performance.now();
    const first = await pool(CLIENTS, CONCURRENCY, (i) => echoOnce(port, i));
    const full = performance.now() - t0;
    expect(first).toHaveLength(CLIENTS);
    expect(first.every((r) => !r.resumed)).toBe(true);

    // New source ports: the kernel hashes them afresh, so about half of these land
    // on the worker that did not issue their ticket, and must resume there all the same.
    const again = await pool(RESUMED, CONCURRENCY, (i) => echoOnce(port, CLIENTS + i, first[i]!.session));
    expect(again.map((r) => r.resumed)).toEqual(new Array<boolean>(RESUMED).fill(true));

    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit, `stdout:\n${proc.out}\nstderr:\n${proc.err}`).toEqual({ code: 0, signal: null });

    const workers = [...proc.out.matchAll(/^worker (\d+) \(pid \d+\): (\d+) handshakes \((\d+) resumed\), (\d+) messages$/gm)]
      .map((m) => ({ id: Number(m[1]), handshakes: Number(m[2]), resumed: Number(m[3]), messages: Number(m[4]) }));
    const slowest = Math.max(...first.map((r) => r.ms));
    console.log(`multicore: ${CLIENTS} full handshakes + echo in ${full.toFixed(0)} ms (concurrency ${CONCURRENCY}, slowest ${slowest.toFixed(0)} ms); per worker: ` +
      workers.map((w) => `#${w.id} ${w.handshakes} (${w.resumed} resumed)`).join(', '));
    expect(workers.map((w) => w.id)).toEqual([1, 2]);
    for (const w of workers) expect(w.handshakes, `worker ${w.id} served no client`).toBeGreaterThan(0);
    expect(workers.reduce((n, w) => n + w.handshakes, 0)).toBe(CLIENTS + RESUMED);
    expect(workers.reduce((n, w) => n + w.resumed, 0)).toBe(RESUMED);
    expect(workers.reduce((n, w) => n + w.messages, 0)).toBe(CLIENTS + RESUMED);
    expect(proc.out).toMatch(/^total: 120 handshakes, 120 messages$/m);
  }, 120_000);
});

describe.skipIf(!hasReusePort)(`a restart of two workers that keeps connections (${why})`, () => {
  const procs: Proc[] = [];
  const clients: ClientConnection[] = [];
  afterAll(async () => {
    for (const c of clients) c.end();
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }
  });

  const say = (c: ClientConnection, text: string) => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo of ${text} in 10 s`)), 10_000);
    c.once('message', (m) => {
      clearTimeout(timer);
      resolve(m.toString());
    });
    c.send(text);
  });

  it('SIGTERM saves each worker\'s associations under its place in the group; the next start continues all of them without a handshake', async () => {
    const state = join(dir!, 'state');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(state);
    const keyFile = join(dir!, 'state.key');
    writeFileSync(keyFile, Buffer.alloc(32, 3).toString('hex'));
    const args = (port: number) => [
      '--workers', '2', '--port', String(port), '--host', '127.0.0.1', '--state-dir', state, '--state-key', keyFile,
      '--key', join(PKI, 'server-ecdsa-p256.key.pem'), '--cert', join(PKI, 'server-ecdsa-p256.crt.pem'),
    ];
    const ready = /^ready: 2 workers listening on udp:\/\/127\.0\.0\.1:(\d+)/m;
    const first = startExample(args(0));
    procs.push(first);
    const port = Number((await first.waitFor(ready, 30_000))[1]);
    const n = 20;
    for (let i = 0; i < n; i++) {
      const version = i % 2 === 0 ? 'DTLSv1.2' as const : 'DTLSv1.3' as const;
      clients.push(await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', minVersion: version, maxVersion: version }));
    }
    for (const [i, c] of clients.entries()) expect(await say(c, `before ${i}`)).toBe(`before ${i}`);
    let closed = 0;
    for (const c of clients) c.on('close', () => closed++);

    first.child.kill('SIGTERM');
    expect(await first.exited, `stdout:\n${first.out}\nstderr:\n${first.err}`).toEqual({ code: 0, signal: null });
    const perWorker = [...first.out.matchAll(/, (\d+) associations saved$/gm)].map((m) => Number(m[1]));
    expect(perWorker, first.out).toHaveLength(2); // both workers had clients to save
    expect(perWorker.reduce((t, k) => t + k, 0)).toBe(n);

    const second = startExample(args(port));
    procs.push(second);
    await second.waitFor(ready, 30_000);
    expect(second.out).toMatch(/^restored: 20 associations$/m);
    for (const [i, c] of clients.entries()) expect(await say(c, `after ${i}`)).toBe(`after ${i}`);
    expect(closed).toBe(0);
    second.child.kill('SIGINT');
    await second.exited;
    // No handshake in the second run: every client was served by the worker that restored it.
    expect(second.out, second.out).toMatch(/^total: 0 handshakes, 20 messages$/m);
  }, 120_000);
});

describe.runIf(!hasReusePort)(`the example without reusePort (Node ${process.version})`, () => {
  it('says why and exits with status 2', async () => {
    const proc = startExample(['--workers', '2', '--port', '0']);
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 2, signal: null });
    expect(proc.err).toMatch(/cannot share a UDP port between processes: dgram's reusePort came in Node 22\.12 and 23\.1/);
    expect(proc.out).not.toMatch(/^ready:/m);
  }, 30_000);
});
