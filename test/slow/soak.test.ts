/**
 * NET-13, scaled to CI: "a one-hour soak: 100 sessions under 3d impairment —
 * heap flat, no leaked timers" (ROBUSTNESS.md §2).
 *
 * 100 clients and one server endpoint on the virtual-clock network, every
 * direction impaired like NET-05's "3d" (drop, duplicate and reorder each 1 in
 * 5, 1–20 ms latency). After the handshakes, each session sends a message
 * about every 10 s (5–15 s, seeded) and the server echoes it, for 3,600 s of
 * virtual time. The soak checks, every 300 virtual seconds after a 600 s
 * warm-up (handshakes done, last flights released after 2×MSL):
 * - the heap after a full GC stays flat (within 1 MiB of the warm-up
 *   baseline, at every checkpoint and as a trend);
 * - every session is still established, on both sides; none closed;
 * - the server endpoint holds exactly the 100 associations, no handshake, and
 *   its next deadline is never further than connectionTimeout away (the
 *   TimerHeap itself is private: its bound shows through nextTimeout());
 * - no Node timer or handle was created (the simulation has no real timers:
 *   process.getActiveResourcesInfo() is flat).
 *
 * vitest's workers do not expose `gc`, so the soak runs in a child process:
 * this file is bundled with esbuild (vitest and esbuild replaced by no-op stubs) into a
 * temporary directory and its exported {@link soakChild} runs under
 * `node --expose-gc`, printing one JSON line, as in
 * test/robustness/flood.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { type Impairments, VirtualNetwork } from '../../src/testing/network.js';
import { Prng } from '../../src/testing/prng.js';

const SESSIONS = Number(process.env.PUREDTLS_SOAK_SESSIONS ?? 100);
const DURATION_S = Number(process.env.PUREDTLS_SOAK_SECONDS ?? 3600);
const WARMUP_S = 600;
const CHECK_EVERY_S = 300;
const CONNECTION_TIMEOUT = 600_000;
/** As in NET-05: 3d loses a fifth of each flight, so give the handshake 60 s (default 30 s). */
const HANDSHAKE_TIMEOUT = 60_000;
const MiB = 1024 * 1024;
const PKI_DIR = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));

/** NET-05's "3d" (test/robustness/catalogue-network.test.ts). */
const THREE_D: Impairments = { drop: 0.2, duplicate: 0.2, reorder: 0.2, reorderDelay: 50, delay: { min: 1, max: 20 } };

interface Checkpoint {
  t: number;
  heapUsed: number;
  external: number;
  endpointSize: number;
  handshakeCount: number;
  /** Server's next deadline minus now, ms (null: none). */
  serverNextIn: number | null;
  /** Largest client next deadline minus now, ms. */
  clientNextInMax: number;
  clientsEstablished: number;
  clientsClosed: number;
  activeResources: number;
}

export interface SoakReport {
  sessions: number;
  durationS: number;
  handshakeMs: number;
  /** Handshakes that timed out and were retried. */
  handshakeFailures: string[];
  notEstablished: string[];
  checkpoints: Checkpoint[];
  sent: number;
  serverReceived: number;
  echoed: number;
  serverCloses: number;
  clientErrors: string[];
  minPerSession: { sent: number; serverReceived: number; echoed: number };
  networkStats: { sent: number; delivered: number; dropped: number; duplicated: number; reordered: number };
  wallMs: number;
  cpuMs: number;
}

/** The soak itself (runs in the child process). */
export function soakChild(pkiDir: string, sessions: number, durationS: number): SoakReport {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
  const fullGc = () => { for (let i = 0; i < 4; i++) gc(); };
  const pki = (name: string) => readFileSync(join(pkiDir, name));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();

  const SERVER = { address: '10.0.0.1', port: 4433 };
  const net = new VirtualNetwork({ seed: 'NET-13', impairments: THREE_D });
  const server = new DtlsServerNode({
    key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), connectionTimeout: CONNECTION_TIMEOUT,
    handshakeTimeout: HANDSHAKE_TIMEOUT,
  });
  net.attach(SERVER, server, { role: 'server', name: 'server' });
  const ca = pki('ca-bundle.pem');
  const rng = new Prng('NET-13 traffic');

  interface Session { cli: DtlsClientNode; addr: { address: string; port: number }; key: string; nextSend: number; sent: number; serverReceived: number; echoed: number }
  const list: Session[] = [];
  const connect = (addr: { address: string; port: number }, i: number) => {
    const cli = new DtlsClientNode({ ca, servername: 'localhost', handshakeTimeout: HANDSHAKE_TIMEOUT }, SERVER, net.now);
    net.attach(addr, cli, { role: 'client', name: `client${i}` });
    return cli;
  };
  // Clients arrive over the first 10 s, ten at a time.
  for (let i = 0; i < sessions; i++) {
    if (i > 0 && i % 10 === 0) net.advance(1000);
    const addr = { address: `10.1.${i >> 8}.${i & 255}`, port: 40_000 + i };
    list.push({ cli: connect(addr, i), addr, key: `${addr.address}:${addr.port}`, nextSend: 0, sent: 0, serverReceived: 0, echoed: 0 });
  }
  // A handshake that 3d starves (six ClientHello/HVR exchanges lost in a row) times out;
  // the application connects again, as it would (handshake success is NET-01/NET-05's subject).
  const handshakeFailures: string[] = [];
  for (let round = 0; ; round++) {
    net.run({ until: () => list.every((s) => s.cli.established || s.cli.closed), maxTime: 120_000 });
    const failed = list.filter((s) => !s.cli.established);
    if (failed.length === 0 || round === 3) break;
    for (const s of failed) {
      handshakeFailures.push(`${s.key}: ${s.cli.error?.code ?? 'not established'}`);
      net.detach(s.addr);
      s.cli = connect(s.addr, list.indexOf(s));
    }
  }
  const handshakeMs = net.now;
  const notEstablished = list.filter((s) => !s.cli.established).map((s) => s.key);
  for (const s of list) s.nextSend = net.now + 5000 + rng.int(10_000);

  let serverCloses = 0;
  const clientErrors: string[] = [];
  /** Count and forget what the harness nodes keep (their event logs are the test's, not the library's). */
  const drain = () => {
    for (const ev of server.events) if (ev.type === 'close' && ev.wasEstablished) serverCloses++; // a retried handshake may close a half-open one
    server.events.length = 0;
    for (const s of list) {
      s.serverReceived += server.received.get(s.key)?.length ?? 0;
      s.echoed += s.cli.received.length;
      s.cli.received.length = 0;
      for (const ev of s.cli.events) if (ev.type === 'close') clientErrors.push(`${s.key}: closed ${ev.error?.code ?? ''}`);
      s.cli.events.length = 0;
    }
    server.received.clear();
  };
  const checkpoints: Checkpoint[] = [];
  const checkpoint = () => {
    drain();
    fullGc();
    const mem = process.memoryUsage();
    const next = server.endpoint.nextTimeout();
    let clientNextInMax = -Infinity;
    for (const s of list) {
      const t = s.cli.conn.nextTimeout();
      clientNextInMax = Math.max(clientNextInMax, t === undefined ? Infinity : t - net.now);
    }
    checkpoints.push({
      t: net.now,
      heapUsed: mem.heapUsed,
      external: mem.external,
      endpointSize: server.endpoint.size,
      handshakeCount: server.endpoint.handshakeCount,
      serverNextIn: next === undefined ? null : next - net.now,
      clientNextInMax,
      clientsEstablished: list.filter((s) => s.cli.established && !s.cli.closed).length,
      clientsClosed: list.filter((s) => s.cli.closed).length,
      activeResources: process.getActiveResourcesInfo().length,
    });
  };

  const end = durationS * 1000;
  const TICK = 250;
  let nextCheck = WARMUP_S * 1000;
  const payload = new Uint8Array(100);
  net.advance(TICK - (net.now % TICK)); // ticks (and checkpoints) on whole multiples of TICK
  while (net.now < end) {
    for (const s of list) {
      if (s.nextSend > net.now) continue;
      // A message of 60–160 bytes: "session:count" and filler.
      const text = new TextEncoder().encode(`${s.key}#${s.sent}`);
      const m = new Uint8Array(text.length + 40 + rng.int(100));
      m.set(text);
      m.set(payload.subarray(0, m.length - text.length), text.length);
      s.cli.send(m, net.now);
      s.sent++;
      s.nextSend = net.now + 5000 + rng.int(10_000);
    }
    net.advance(TICK);
    if (net.now >= nextCheck) {
      checkpoint();
      nextCheck += CHECK_EVERY_S * 1000;
    }
  }
  // Let the last echoes arrive.
  net.advance(1000);
  drain();
  const cpu = process.cpuUsage(cpu0);
  const st = net.stats();
  return {
    sessions,
    durationS,
    handshakeMs,
    handshakeFailures,
    notEstablished,
    checkpoints,
    sent: list.reduce((n, s) => n + s.sent, 0),
    serverReceived: list.reduce((n, s) => n + s.serverReceived, 0),
    echoed: list.reduce((n, s) => n + s.echoed, 0),
    serverCloses,
    clientErrors,
    minPerSession: {
      sent: Math.min(...list.map((s) => s.sent)),
      serverReceived: Math.min(...list.map((s) => s.serverReceived)),
      echoed: Math.min(...list.map((s) => s.echoed)),
    },
    networkStats: { sent: st.sent, delivered: st.delivered, dropped: st.dropped, duplicated: st.duplicated, reordered: st.reordered },
    wallMs: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/**
 * In the child bundle, `vitest` and `esbuild` are stubs: the describe/it calls
 * below become no-ops there, and only {@link soakChild} runs.
 */
const childStubs: Plugin = {
  name: 'child-stubs',
  setup(b) {
    b.onResolve({ filter: /^(vitest|esbuild)$/ }, (a) => ({ path: a.path, namespace: 'child-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'child-stub' }, () => ({
      contents: 'const noop = () => {}; export const describe = noop, it = noop, expect = noop, beforeAll = noop, afterAll = noop, build = noop;',
      loader: 'js',
    }));
  },
};

let dir: string | undefined;
let report: SoakReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'puredtls-soak-'));
  const out = join(dir, 'soak.mjs');
  await build({
    stdin: {
      contents: "import { soakChild } from './soak.test.ts';\n"
        + 'const [pkiDir, sessions, seconds] = process.argv.slice(2);\n'
        + 'console.log(JSON.stringify(soakChild(pkiDir, Number(sessions), Number(seconds))));\n',
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      sourcefile: 'soak-child.ts',
      loader: 'ts',
    },
    outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', plugins: [childStubs],
    // CommonJS dependencies (asn1js) may call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const r = spawnSync(process.execPath, ['--expose-gc', out, PKI_DIR, String(SESSIONS), String(DURATION_S)], {
    encoding: 'utf8', timeout: 500_000, maxBuffer: 16 * MiB,
  });
  if (r.status !== 0) throw new Error(`soak child exited with ${r.status ?? r.signal}\n${r.stderr}`);
  report = JSON.parse(r.stdout.trim().split('\n').pop()!) as SoakReport;
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const base = report.checkpoints[0]!;
  console.log(
    `NET-13 soak: ${report.sessions} sessions, ${report.durationS} s virtual under 3d in ${(report.wallMs / 1000).toFixed(1)} s wall ` +
    `(${(report.cpuMs / 1000).toFixed(1)} s CPU); handshakes done at ${(report.handshakeMs / 1000).toFixed(1)} s ` +
    `(${report.handshakeFailures.length} timed out and retried${report.handshakeFailures.length ? `: ${report.handshakeFailures.join(', ')}` : ''}); ` +
    `${report.sent} messages sent, ${report.serverReceived} reached the server, ${report.echoed} echoes came back; ` +
    `datagrams ${report.networkStats.sent} sent, ${report.networkStats.dropped} dropped, ${report.networkStats.duplicated} duplicated, ${report.networkStats.reordered} reordered\n` +
    `heap after GC (t = ${base.t / 1000} s → end): ${report.checkpoints.map((c) => kib(c.heapUsed)).join(', ')}\n` +
    `endpoint size ${[...new Set(report.checkpoints.map((c) => c.endpointSize))].join('/')}, ` +
    `server next deadline in ≤ ${Math.max(...report.checkpoints.map((c) => c.serverNextIn ?? Infinity))} ms, ` +
    `active resources ${[...new Set(report.checkpoints.map((c) => c.activeResources))].join('/')}`,
  );
}, 560_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

describe(`NET-13 soak: ${SESSIONS} sessions under 3d impairment for ${DURATION_S} s of virtual time`, () => {
  it('every session completed its handshake (at most 3 retried), and every session is still established on both sides at the end', () => {
    expect(report.notEstablished).toEqual([]);
    expect(report.handshakeFailures.length).toBeLessThanOrEqual(3); // retried; see NET-01/NET-05 for success rates
    const last = report.checkpoints[report.checkpoints.length - 1]!;
    expect(last.t).toBeGreaterThanOrEqual(DURATION_S * 1000);
    expect(report.checkpoints.every((c) => c.clientsEstablished === SESSIONS && c.clientsClosed === 0)).toBe(true);
    expect(report.clientErrors).toEqual([]);
    expect(report.serverCloses).toBe(0);
  });

  it('data kept flowing in every session (about 360 messages each; 80% reach the server, 64% come back)', () => {
    const expected = SESSIONS * DURATION_S / 10;
    expect(report.sent).toBeGreaterThan(expected * 0.9);
    expect(report.serverReceived / report.sent).toBeGreaterThan(0.75); // 1 − 0.2 drop (duplicates are replays)
    expect(report.serverReceived / report.sent).toBeLessThanOrEqual(1);
    expect(report.echoed / report.sent).toBeGreaterThan(0.58); // 0.8 × 0.8
    expect(report.echoed).toBeLessThanOrEqual(report.serverReceived);
    expect(report.minPerSession.echoed).toBeGreaterThan(0);
  });

  it('the server endpoint stays bounded: 100 associations, no handshake, next deadline within connectionTimeout', () => {
    for (const c of report.checkpoints) {
      expect(c.endpointSize, `t = ${c.t}`).toBe(SESSIONS);
      expect(c.handshakeCount, `t = ${c.t}`).toBe(0);
      expect(c.serverNextIn, `t = ${c.t}`).not.toBeNull();
      expect(c.serverNextIn!, `t = ${c.t}`).toBeGreaterThanOrEqual(0);
      expect(c.serverNextIn!, `t = ${c.t}`).toBeLessThanOrEqual(CONNECTION_TIMEOUT);
      expect(c.clientNextInMax, `t = ${c.t}`).toBeLessThanOrEqual(CONNECTION_TIMEOUT);
    }
  });

  it('creates no Node timers or handles (process.getActiveResourcesInfo() flat)', () => {
    const counts = new Set(report.checkpoints.map((c) => c.activeResources));
    expect(counts.size).toBe(1);
  });

  it('keeps the heap flat after GC: within 1 MiB of the warm-up baseline at every checkpoint, no upward trend', () => {
    const base = report.checkpoints[0]!.heapUsed;
    for (const c of report.checkpoints) {
      expect(c.heapUsed - base, `t = ${c.t / 1000} s`).toBeLessThan(MiB);
      expect(c.external - report.checkpoints[0]!.external, `t = ${c.t / 1000} s`).toBeLessThan(MiB);
    }
    // The trend over the measured hour, extrapolated to the hour: under 512 KiB.
    const perHour = slope(report.checkpoints.map((c) => c.t), report.checkpoints.map((c) => c.heapUsed)) * 3_600_000;
    expect(perHour).toBeLessThan(MiB / 2);
  });
});
