#!/usr/bin/env node
// puredtls benchmark suite (issue 6). `npm run bench` — see bench/README.md.
//
// Every figure is measured in this run next to the baseline it is compared
// with; results are printed as Markdown and written to bench/results.md.
//
// Options:
//   --dist            measure dist/ (runs `npm run build`) instead of an esbuild bundle of src/
//   --only=a,b        run only these phases: handshake, latency, echo, rtt, memory, hvr
//   --scale=F         multiply every measurement window by F (default 1)
//   --budget=S        hard wall-clock budget in seconds (default 400)
//   --out=FILE        results file (default bench/results.md)
//   --filter=S        handshake phase: only the runs whose key (impl/suite/crypto) contains S
//   --server-lib=F    the servers run this build instead (e.g. another checkout's bench/.build/puredtls.mjs),
//                     with this run's clients and harness: a before/after of the server alone
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildLibrary, ROOT } from './lib/build.mjs';
import { killAll, sleep, startOpensslServer, startWorker } from './lib/proc.mjs';
import { pkiPath, SUITES } from './lib/config.mjs';
import { renderReport } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`unknown argument ${a}`);
  return [m[1], m[2] ?? true];
}));
const SCALE = Number(argv.scale ?? 1);
const BUDGET_MS = Number(argv.budget ?? 400) * 1000;
const ONLY = argv.only ? new Set(String(argv.only).split(',')) : undefined;
const FILTER = argv.filter ? String(argv.filter) : undefined;
if (argv['server-lib']) process.env.BENCH_SERVER_LIB = path.resolve(String(argv['server-lib']));
const OUT = path.resolve(argv.out ?? path.join(here, 'results.md'));
const ms = (x) => Math.round(x * SCALE);

const started = Date.now();
const R = { machine: {}, handshake: {}, latency: {}, echo: {}, rtt: {}, memory: undefined, hvr: {}, errors: [], notes: [] };
const log = (...a) => console.error(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

// ---- hard budget: whatever happens, stop, kill every child and report what we have.
let finished = false;
const hardStop = setTimeout(() => {
  R.errors.push(`hard budget of ${BUDGET_MS / 1000} s reached: the run was cut short, the missing figures are marked n/a`);
  log('hard budget reached, aborting');
  finish(1);
}, BUDGET_MS);
process.on('SIGINT', () => { R.errors.push('interrupted'); finish(130); });
process.on('SIGTERM', () => { R.errors.push('terminated'); finish(143); });

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let nproc = String(os.availableParallelism?.() ?? os.cpus().length);
  try { nproc = execFileSync('nproc', { encoding: 'utf8' }).trim(); } catch { /* no nproc */ }
  let openssl = 'not found';
  try { openssl = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  let werift = '?';
  try { werift = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'werift-dtls', 'package.json'), 'utf8')).version; } catch { /* none */ }
  let commit = '?';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* no git */ }
  let dirty = '';
  try { dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() ? ' (src/ has uncommitted changes)' : ''; } catch { /* no git */ }
  return {
    nproc, cpu: model, node: process.version, openssl, werift, kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`, loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    commit: commit + dirty, date: new Date().toISOString(),
  };
}

/** Run `fn` with workers; always stop them. */
async function withWorkers(names, fn) {
  const ws = names.map(([name, opts]) => startWorker(name, { lib: LIB, maxLifeMs: 90_000, ...opts }));
  try {
    return await fn(...ws);
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
  }
}

function delta(a, b) {
  const wallUs = (b.t - a.t) * 1000;
  return { cpuUs: b.cpuUs - a.cpuUs, systemUs: b.systemUs - a.systemUs, wallUs, handshakes: b.handshakes - a.handshakes, echoed: b.echoed - a.echoed, hvr: b.hvr - a.hvr, datagramsIn: b.datagramsIn - a.datagramsIn, datagramsOut: b.datagramsOut - a.datagramsOut };
}

// ---- 1. server CPU per full handshake -----------------------------------------
async function handshakeCpu({ impl, suite, crypto = 'node', concurrency, warmupMs, maxWarmupMs, durationMs }) {
  return withWorkers([['server-worker'], ['client-worker']], async (srv, cli) => {
    const { port } = await srv.call('start', { impl, suite, crypto, mode: 'handshake' });
    await cli.call('hsStart', { suite, port, concurrency, impl });
    // Warm-up: at least warmupMs and WARM_HANDSHAKES handshakes (V8 has compiled the handshake
    // path by then; see bench/README.md), at most maxWarmupMs.
    const t0 = Date.now();
    await sleep(warmupMs);
    while (Date.now() - t0 < maxWarmupMs && (await srv.call('mark')).handshakes < WARM_HANDSHAKES) await sleep(ms(200));
    const a = await srv.call('mark');
    await sleep(durationMs);
    const b = await srv.call('mark');
    const c = await cli.call('hsStop', {}, 15_000);
    const d = delta(a, b);
    if (d.handshakes === 0) throw new Error(`no handshake completed (client: ${c.done} done, ${c.failed} failed, ${c.lastError}; server: ${b.errors} errors, ${b.lastError})`);
    return {
      impl, suite, crypto, concurrency, usPerHandshake: d.cpuUs / d.handshakes, handshakes: d.handshakes,
      perSecond: d.handshakes / (d.wallUs / 1e6), serverCpuUtil: d.cpuUs / d.wallUs, seconds: d.wallUs / 1e6, systemShare: d.systemUs / d.cpuUs,
      datagramsInPerHandshake: d.datagramsIn / d.handshakes, datagramsOutPerHandshake: d.datagramsOut / d.handshakes,
      closed: b.closed - a.closed, peersAtEnd: b.peers,
      serverErrors: b.errors - a.errors, serverLastError: b.lastError, clientFailed: c.failed, clientLastError: c.lastError,
    };
  });
}

/** Handshakes the server completes before a handshake measurement starts (bounded by the warm-up's maximum time). */
const WARM_HANDSHAKES = 2000;

async function phaseHandshake() {
  const warmupMs = ms(1000);
  const maxWarmupMs = ms(Number(process.env.BENCH_MAX_WARMUP_MS ?? 4000));
  const durationMs = ms(4000);
  const runs = [];
  // Each DTLS 1.3 run right after the 1.2 run it is compared with (same group, key and
  // provider), so that the two see the same background load as far as possible.
  const v13 = Object.keys(SUITES).filter((s) => SUITES[s].version === 13);
  for (const suite of Object.keys(SUITES).filter((s) => SUITES[s].version !== 13)) {
    const pair = v13.find((s) => SUITES[s].vs12 === suite);
    for (const [crypto, concurrency] of [['node', 32], ['noble', 16]]) {
      runs.push({ impl: 'ours', suite, crypto, concurrency });
      if (pair) runs.push({ impl: 'ours', suite: pair, crypto, concurrency });
    }
    if (SUITES[suite].werift) runs.push({ impl: 'werift', suite, crypto: 'node', concurrency: 16 });
  }
  // 1.3 configurations without a 1.2 counterpart: the node provider only (the run's time budget).
  for (const suite of v13.filter((s) => !SUITES[s].vs12)) runs.push({ impl: 'ours', suite, crypto: 'node', concurrency: 32 });
  // Sequential (issue 15): one client, one handshake at a time, each from a new port with the
  // cookie exchange, as a single device or a test harness connects: every datagram wakes an
  // idle server, and nothing shares its fixed costs. ECDSA P-256, both versions, node provider.
  for (const suite of ['ecdsa-p256', 'ecdsa-p256-v13']) runs.push({ impl: 'ours', suite, crypto: 'node', concurrency: 1, tag: 'sequential' });
  // The floor under the sequential P-256 row: node:crypto's and dgram's share of a handshake, no DTLS (bench/lib/floor.mjs).
  runs.push({ impl: 'floor', suite: 'ecdsa-p256', crypto: 'node', concurrency: 1, tag: 'sequential' });
  for (const r of runs) {
    const key = `${r.impl}/${r.suite}/${r.crypto}${r.tag ? `/${r.tag}` : ''}`;
    if (FILTER && !key.includes(FILTER)) continue;
    try {
      R.handshake[key] = await handshakeCpu({ ...r, warmupMs, maxWarmupMs, durationMs });
      log(`handshake ${key}: ${R.handshake[key].usPerHandshake.toFixed(0)} µs CPU/handshake (${R.handshake[key].handshakes} handshakes, server CPU ${(R.handshake[key].serverCpuUtil * 100).toFixed(0)}%)`);
    } catch (e) {
      R.errors.push(`handshake ${key}: ${e.message}`);
      log(`handshake ${key} failed: ${e.message}`);
    }
  }
}

// ---- 2. sequential handshake latency -------------------------------------------
async function freeUdpPort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function stats(samples) {
  const s = [...samples].sort((x, y) => x - y);
  if (s.length === 0) return { n: 0 };
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, mean: s.reduce((x, y) => x + y, 0) / s.length, median: q(0.5), p10: q(0.1), p90: q(0.9), min: s[0], max: s[s.length - 1] };
}

async function phaseLatency() {
  const suite = 'ecdsa-p256';
  const warm = 10;
  // our client ↔ our server, DTLS 1.2 and 1.3 (ECDSA P-256 both)
  for (const [key, s] of [['ours', suite], ['ours13', 'ecdsa-p256-v13']]) {
    try {
      R.latency[key] = await withWorkers([['server-worker'], ['client-worker']], async (srv, cli) => {
        const { port } = await srv.call('start', { impl: 'ours', suite: s, crypto: 'node', mode: 'echo' });
        const samples = [];
        let info;
        const until = Date.now() + ms(3000);
        for (let i = 0; Date.now() < until || i < warm + 20; i++) {
          const r = await cli.call('connectOnce', { suite: s, port }, 10_000);
          info = r;
          if (i >= warm) samples.push(r.ms);
          await sleep(10);
          if (i > 2000) break;
        }
        return { ...stats(samples), cipher: info?.cipher, group: info?.group, protocol: info?.protocol };
      });
      log(`latency ${key}: median ${R.latency[key].median.toFixed(2)} ms (${R.latency[key].n})`);
    } catch (e) {
      R.errors.push(`latency ${key}: ${e.message}`);
    }
  }
  // our client → openssl s_server -dtls1_2 -listen (one s_server for every handshake: the client keeps its source port)
  try {
    R.latency.openssl = await withWorkers([['client-worker']], async (cli) => {
      const port = await freeUdpPort();
      const srv = startOpensslServer({ port, cert: pkiPath('server-ecdsa-p256.crt.pem'), key: pkiPath('server-ecdsa-p256.key.pem'), cipher: SUITES[suite].ciphers });
      try {
        await srv.ready;
        const samples = [];
        let info;
        const until = Date.now() + ms(3000);
        for (let i = 0; Date.now() < until || i < warm + 20; i++) {
          const r = await cli.call('connectOnce', { suite, port }, 10_000);
          info = r;
          if (i >= warm) samples.push(r.ms);
          await sleep(10);
          if (i > 2000) break;
        }
        return { ...stats(samples), cipher: info?.cipher, group: info?.group, protocol: info?.protocol };
      } finally {
        srv.kill();
        await Promise.race([srv.exited, sleep(1000)]);
      }
    });
    log(`latency ours→openssl: median ${R.latency.openssl.median.toFixed(2)} ms (${R.latency.openssl.n})`);
  } catch (e) {
    R.errors.push(`latency ours→openssl: ${e.message}`);
  }
}

// ---- 3. echo throughput / 4. ping-pong -------------------------------------------
// One server process and one client process per session (raw, ours = DTLS 1.2,
// ours13 = DTLS 1.3, werift), all started and connected first; the rounds then
// interleave the sessions, each pumping alone while the other pairs sit idle.
const SESSIONS = {
  raw: { impl: 'raw', suite: 'ecdsa-p256' },
  // dgram plus node:crypto's AES-128-GCM open and seal per record, nothing else (bench/lib/floor.mjs).
  floor: { impl: 'floor', suite: 'ecdsa-p256' },
  ours: { impl: 'ours', suite: 'ecdsa-p256' },
  ours13: { impl: 'ours', suite: 'ecdsa-p256-v13' },
  werift: { impl: 'werift', suite: 'ecdsa-p256' },
};

async function openSessions(names) {
  const sessions = {};
  for (const name of names) {
    const srv = startWorker('server-worker', { lib: LIB, maxLifeMs: 200_000 });
    const cli = startWorker('client-worker', { lib: LIB, maxLifeMs: 200_000 });
    sessions[name] = { srv, cli };
  }
  await Promise.all(Object.entries(sessions).map(async ([name, x]) => {
    const { impl, suite } = SESSIONS[name];
    try {
      const { port } = await x.srv.call('start', { impl, suite, crypto: 'node', mode: 'echo' });
      x.info = await x.cli.call('open', { impl, suite, port }, 30_000);
    } catch (e) {
      x.error = e.message;
      R.errors.push(`echo/rtt: cannot set up ${name}: ${e.message}`);
    }
  }));
  return sessions;
}

async function closeSessions(sessions) {
  await Promise.all(Object.values(sessions).flatMap((x) => [x.srv.stop(), x.cli.stop()]));
}

async function pumpRun(x, { impl, mode, size, window, warmupMs, durationMs }) {
  const { srv, cli } = x;
  await cli.call('pump', { mode, size, window });
  await sleep(warmupMs);
  const [a, ca] = await Promise.all([srv.call('mark'), cli.call('snap')]);
  await sleep(durationMs);
  const [b, cb] = await Promise.all([srv.call('mark'), cli.call('snap')]);
  await cli.call('halt');
  const d = delta(a, b);
  const seconds = (cb.t - ca.t) / 1000;
  const records = cb.received - ca.received;
  return {
    impl, size, window, info: x.info, seconds, records, perSecond: records / seconds, mbPerSecond: (cb.bytes - ca.bytes) / seconds / 1e6,
    lost: cb.lost - ca.lost, serverUsPerRecord: d.echoed ? d.cpuUs / d.echoed : NaN, serverCpuUtil: d.cpuUs / d.wallUs, rtt: cb.rtt,
  };
}

/**
 * The echo phase's servers, in the order each round runs them (BENCH_ECHO=raw,ours,… for fewer).
 * `floor` (bench/lib/floor.mjs) only when asked: under this client it used more server CPU per
 * record than ours (bench/README.md); `npm run bench:floor` measures the record floor under
 * OpenSSL's C client instead.
 */
const ECHO_IMPLS = (process.env.BENCH_ECHO ?? 'raw,ours,ours13,werift').split(',');
const ECHO_SIZES = (process.env.BENCH_ECHO_SIZES ?? '100,1200').split(',').map(Number);

async function phaseData({ echo, rtt }) {
  const sessions = await openSessions(echo ? ECHO_IMPLS : ['raw', 'ours', 'ours13']);
  log(`echo/rtt sessions open: ${Object.entries(sessions).map(([k, x]) => `${k} ${x.error ? 'FAILED' : 'ok'}`).join(', ')}`);
  try {
    if (echo) {
      for (const size of ECHO_SIZES) {
        for (let round = 0; round < 3; round++) {
          for (const impl of ECHO_IMPLS) {
            const x = sessions[impl];
            if (x.error) continue;
            const key = `${impl}/${size}`;
            try {
              const r = await pumpRun(x, { impl, mode: 'echo', size, window: 64, warmupMs: ms(500), durationMs: ms(1500) });
              (R.echo[key] ??= []).push(r);
              log(`echo ${key} round ${round + 1}: ${r.perSecond.toFixed(0)} records/s (lost ${r.lost})`);
            } catch (e) {
              R.errors.push(`echo ${key} round ${round + 1}: ${e.message}`);
            }
          }
        }
      }
    }
    if (rtt) {
      for (let round = 0; round < 3; round++) {
        for (const impl of ['raw', 'ours', 'ours13']) {
          const x = sessions[impl];
          if (x.error) continue;
          try {
            const r = await pumpRun(x, { impl, mode: 'ping', size: 1200, window: 1, warmupMs: ms(300), durationMs: ms(1500) });
            (R.rtt[impl] ??= []).push(r);
            log(`rtt ${impl} round ${round + 1}: median ${(r.rtt.median * 1000).toFixed(1)} µs (${r.rtt.n})`);
          } catch (e) {
            R.errors.push(`rtt ${impl} round ${round + 1}: ${e.message}`);
          }
        }
      }
    }
  } finally {
    await closeSessions(sessions);
  }
}

// ---- 5. memory per established connection -----------------------------------------
async function phaseMemory() {
  // 10,000 handshakes take ~10 s on an idle 2-core machine; under load, stop adding
  // connections when the budget runs short (the report says how many were established).
  const left = BUDGET_MS - (Date.now() - started);
  const maxMs = Math.max(10_000, Math.min(90_000, left - 25_000));
  try {
    R.memory = await withWorkers([['inproc-worker', { expose_gc: true, maxLifeMs: maxMs + 60_000 }]], (w) =>
      w.call('memory', { suite: 'ecdsa-p256', count: 10_000, batch: 250, maxMs }, maxMs + 40_000));
    log(`memory: ${R.memory.established} established, ${((R.memory.afterExpiry.total - R.memory.before.total) / R.memory.established).toFixed(0)} B/connection`);
  } catch (e) {
    R.errors.push(`memory: ${e.message}`);
  }
}

// ---- 6. HelloVerifyRequest flood ----------------------------------------------------
async function phaseHvr() {
  let helloB64;
  try {
    await withWorkers([['inproc-worker', { expose_gc: true }]], async (w) => {
      R.hvr.inproc = await w.call('hvr', { suite: 'ecdsa-p256', warmupMs: ms(300), durationMs: ms(3000) }, 30_000);
      helloB64 = await w.call('recordedClientHello', { suite: 'ecdsa-p256' });
    });
    log(`hvr in-process: ${R.hvr.inproc.rate.toFixed(0)}/s`);
  } catch (e) {
    R.errors.push(`hvr in-process: ${e.message}`);
  }
  if (!helloB64) return;
  try {
    R.hvr.udp = await withWorkers([['server-worker', { expose_gc: true }], ['flood-worker']], async (srv, fl) => {
      // The stateless path's own speed: no hello rate limit.
      const { port } = await srv.call('start', { impl: 'ours', suite: 'ecdsa-p256', crypto: 'node', mode: 'echo', sampleHeap: true, maxHelloRate: 0 });
      const heapBefore = await srv.call('heap', { resetPeak: true });
      const f = await fl.call('start', { port, helloB64, sockets: 64, burst: 64 });
      await sleep(ms(500));
      const [a, fa] = await Promise.all([srv.call('mark'), fl.call('snap')]);
      await sleep(ms(4000));
      const [b, fb] = await Promise.all([srv.call('mark'), fl.call('snap')]);
      await fl.call('stop');
      await sleep(300);
      const heapAfter = await srv.call('heap');
      const d = delta(a, b);
      const seconds = d.wallUs / 1e6;
      return {
        rate: d.hvr / seconds, hvr: d.hvr, seconds, serverCpuUtil: d.cpuUs / d.wallUs, serverUsPerHvr: d.cpuUs / d.hvr,
        ratePerCpuSecond: d.hvr / (d.cpuUs / 1e6),
        sentPerSecond: (fb.sent - fa.sent) / ((fb.t - fa.t) / 1000), receivedPerSecond: (fb.received - fa.received) / ((fb.t - fa.t) / 1000),
        sockets: f.sockets, helloBytes: f.helloBytes, heapBefore, heapAfter, handshakes: b.handshakes, sendErrors: fb.sendErrors,
      };
    });
    log(`hvr udp: ${R.hvr.udp.rate.toFixed(0)}/s (flooder sent ${R.hvr.udp.sentPerSecond.toFixed(0)}/s, server CPU ${(R.hvr.udp.serverCpuUtil * 100).toFixed(0)}%)`);
  } catch (e) {
    R.errors.push(`hvr udp: ${e.message}`);
  }
}

// ---- main ---------------------------------------------------------------------------
let LIB;
function finish(code) {
  if (finished) return;
  finished = true;
  clearTimeout(hardStop);
  killAll();
  R.machine.loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  R.totalSeconds = (Date.now() - started) / 1000;
  const md = renderReport(R);
  process.stdout.write(md);
  try {
    fs.writeFileSync(OUT, md);
    fs.writeFileSync(OUT.replace(/\.md$/, '') + '.json', JSON.stringify(R, null, 1));
    log(`wrote ${path.relative(process.cwd(), OUT)}`);
  } catch (e) {
    log(`cannot write ${OUT}: ${e.message}`);
  }
  process.exitCode = code;
  setImmediate(() => process.exit(code));
}

async function main() {
  R.machine = machine();
  log(`machine: ${R.machine.nproc} × ${R.machine.cpu}, node ${R.machine.node}, load ${R.machine.loadStart}`);
  const built = buildLibrary({ dist: Boolean(argv.dist) });
  LIB = built.lib;
  R.machine.build = built.how + (process.env.BENCH_SERVER_LIB ? `; the servers run ${process.env.BENCH_SERVER_LIB}` : '');
  log(`built: ${built.how}`);
  // memory last: its handshake count adapts to the time left in the budget.
  const want = (name) => !ONLY || ONLY.has(name);
  const phases = {
    handshake: want('handshake') && phaseHandshake,
    latency: want('latency') && phaseLatency,
    'echo+rtt': (want('echo') || want('rtt')) && (() => phaseData({ echo: want('echo'), rtt: want('rtt') })),
    hvr: want('hvr') && phaseHvr,
    memory: want('memory') && phaseMemory,
  };
  for (const [name, fn] of Object.entries(phases)) {
    if (!fn) continue;
    const t = Date.now();
    await fn();
    log(`phase ${name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  finish(R.errors.length ? 1 : 0);
}

main().catch((e) => {
  R.errors.push(`fatal: ${e.stack ?? e}`);
  finish(1);
});
