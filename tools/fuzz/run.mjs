#!/usr/bin/env node
/**
 * Run the fuzz targets with jsfuzz, bounded in time and executions, or
 * replay the corpus and crash files through them (regression).
 *
 *   node tools/fuzz/run.mjs [target...] [options]
 *
 * Fuzzing (default): each target runs in its own child process, which
 * drives jsfuzz's `Fuzzer` class (the same worker, istanbul instrumentation,
 * mutator and corpus handling as the `jsfuzz` CLI) and stops it after
 * `--seconds` (counted from the first execution, i.e. after the worker has
 * loaded and instrumented the bundle) or `--runs`, whichever comes first —
 * the CLI has no such bound. Executions are jsfuzz's own count (one per
 * input the worker finished). A crash (an exception escaping `fuzz()`), a hang (`--timeout`)
 * or an out-of-memory kill (`--rss-limit-mb`) saves the input as
 * fuzz/crashes/<target>/crash-<sha256>, prints its replay (stack trace)
 * and makes the run exit 1.
 *
 *   --seconds N        per target (default: $FUZZ_SECONDS or 60)
 *   --runs N           stop a target after N executions (default: no limit)
 *   --jobs N           targets in parallel (default: $FUZZ_JOBS or 1)
 *   --corpus repo|tmp  where new corpus entries go: fuzz/corpus/<target>
 *                      (default) or a temporary directory that is removed
 *                      (CI: the repository stays clean)
 *   --timeout S        seconds one input may take (default 30; the first
 *                      one includes loading and instrumenting the bundle)
 *   --rss-limit-mb N   worker memory limit (default 2048)
 *   --versifier        enable jsfuzz's versifier (for text formats; off)
 *   --json FILE        write the per-target results as JSON
 *   --no-build         use the existing fuzz/build bundles
 *
 * Heap check (`--leak-check`, `--runs` default 200000): mutations of the
 * corpus through the uninstrumented target, heap measured after a forced GC
 * at every fifth of the run.
 *
 * Minimization (`--minimize`): drop the corpus entries the fuzzer found
 * that add no coverage (jsfuzz's measure) to the seeds and smaller entries.
 *
 * Regression (`--regression`): every file of fuzz/corpus/<target>/ and
 * fuzz/crashes/<target>/ goes through the target once, uninstrumented, in
 * a child process per target; any exception fails the run (exit 1).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, build, bundlePath, targetNames } from './build.mjs';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const FUZZ_DIR = join(ROOT, 'fuzz');
const corpusDir = (t) => join(FUZZ_DIR, 'corpus', t);
const crashDir = (t) => join(FUZZ_DIR, 'crashes', t);
const RESULT = '@@RESULT ';

function parseArgs(argv) {
  const o = {
    targets: [], seconds: Number(process.env.FUZZ_SECONDS ?? 60), runs: Infinity, jobs: Number(process.env.FUZZ_JOBS ?? 1),
    corpus: 'repo', timeout: 30, rssLimitMb: 2048, versifier: false, json: undefined, build: true, regression: false,
    child: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--seconds': o.seconds = Number(val()); break;
      case '--runs': o.runs = Number(val()); break;
      case '--jobs': o.jobs = Number(val()); break;
      case '--corpus': o.corpus = val(); break;
      case '--timeout': o.timeout = Number(val()); break;
      case '--rss-limit-mb': o.rssLimitMb = Number(val()); break;
      case '--versifier': o.versifier = true; break;
      case '--json': o.json = val(); break;
      case '--no-build': o.build = false; break;
      case '--regression': o.regression = true; break;
      case '--child-fuzz': o.child = 'fuzz'; break;
      case '--child-replay': o.child = 'replay'; break;
      case '--child-minimize': o.child = 'minimize'; break;
      case '--minimize': o.minimize = true; break;
      case '--leak-check': o.leakCheck = true; break;
      case '--child-leak-check': o.child = 'leak-check'; break;
      case '--help': case '-h':
        console.log(readFileSync(SELF, 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
        process.exit(0);
        break;
      default:
        if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
        o.targets.push(a);
    }
  }
  if (!(o.seconds > 0) || !(o.runs > 0) || !(o.jobs >= 1) || !['repo', 'tmp'].includes(o.corpus)) throw new Error('bad option value');
  return o;
}

function filesOf(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => join(dir, f)).filter((p) => statSync(p).isFile());
}

// ---------------------------------------------------------------------------
// Child: replay the corpus and crash files of one target.
// ---------------------------------------------------------------------------

async function childReplay(name) {
  const t0 = performance.now();
  const mod = require(bundlePath(name));
  const loadMs = performance.now() - t0;
  const files = [...filesOf(corpusDir(name)), ...filesOf(crashDir(name))];
  const failures = [];
  let slowest = { file: undefined, ms: 0 };
  for (const file of files) {
    const buf = readFileSync(file);
    const s = performance.now();
    try {
      await mod.fuzz(buf);
    } catch (e) {
      failures.push({ file: relative(ROOT, file), hex: buf.length <= 4096 ? buf.toString('hex') : undefined, error: e?.stack ?? String(e) });
    }
    const ms = performance.now() - s;
    if (ms > slowest.ms) slowest = { file: relative(ROOT, file), ms };
  }
  // The whole-handshake seeds are worth much less once they stop completing a
  // handshake (e.g. after a change to what the endpoints send): say so.
  let handshakeSeeds;
  if (typeof mod.completesHandshake === 'function') {
    // Seeds with spoofed records spliced in (seed-*-spoof-*) may legitimately not complete.
    const seeds = filesOf(corpusDir(name)).filter((f) => /\/seed-[^/]*$/.test(f) && !f.includes('-spoof-'));
    const complete = seeds.filter((f) => { try { return mod.completesHandshake(readFileSync(f)); } catch { return false; } });
    handshakeSeeds = { seeds: seeds.length, complete: complete.length };
  }
  const result = { target: name, files: files.length, failures, loadMs, totalMs: performance.now() - t0, slowest, handshakeSeeds };
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------
// Child: heap growth check of one target.
// ---------------------------------------------------------------------------

/**
 * Run `runs` jsfuzz mutations of the corpus through the uninstrumented
 * target in-process, in five rounds, and measure the heap after a forced
 * full GC at the end of each round: a leak shows as a heap that keeps
 * growing. Needs --expose-gc (the parent passes it).
 */
async function childLeakCheck(name, runs) {
  const { Corpus } = require('jsfuzz/build/src/corpus.js');
  const mod = require(bundlePath(name));
  const corpus = new Corpus([corpusDir(name)], false);
  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return Math.round(process.memoryUsage().heapUsed / 1024);
  };
  const rounds = [];
  const t0 = performance.now();
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < runs / 5; i++) {
      try {
        await mod.fuzz(corpus.generateInput());
      } catch {
        // Crashes are the fuzzer's business; this only measures memory.
      }
    }
    rounds.push(heap());
  }
  const result = { target: name, runs, seconds: Math.round((performance.now() - t0) / 100) / 10, heapKiB: rounds };
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------
// Child: minimize the corpus of one target.
// ---------------------------------------------------------------------------

/**
 * Greedy corpus minimization under jsfuzz's own coverage measure (istanbul
 * counters hit at least once): the seeds first, then the other entries from
 * the smallest up; an entry the fuzzer found is kept only if it hits a
 * counter nothing before it hit. Seeds (seed-*) are always kept.
 */
async function childMinimize(name) {
  const { createInstrumenter } = require('istanbul-lib-instrument');
  const { hookRequire } = require('istanbul-lib-hook');
  const instrumenter = createInstrumenter({ compact: true });
  hookRequire(() => true, (code, { filename }) => instrumenter.instrumentSync(code, filename));
  const mod = require(bundlePath(name));
  const covered = new Set();
  const addCoverage = () => {
    let added = 0;
    for (const [file, c] of Object.entries(globalThis.__coverage__ ?? {})) {
      const mark = (k) => {
        if (!covered.has(k)) {
          covered.add(k);
          added++;
        }
      };
      for (const [id, n] of Object.entries(c.s)) if (n) mark(`${file}:s${id}`);
      for (const [id, n] of Object.entries(c.f)) if (n) mark(`${file}:f${id}`);
      for (const [id, arr] of Object.entries(c.b)) arr.forEach((n, i) => { if (n) mark(`${file}:b${id}.${i}`); });
    }
    return added;
  };
  addCoverage(); // what loading the module covers
  const files = filesOf(corpusDir(name)).map((f) => ({ f, seed: f.split('/').pop().startsWith('seed-'), size: statSync(f).size }));
  files.sort((a, b) => (a.seed === b.seed ? a.size - b.size || a.f.localeCompare(b.f) : a.seed ? -1 : 1));
  let removed = 0;
  for (const { f, seed } of files) {
    try {
      await mod.fuzz(readFileSync(f));
    } catch {
      // A failing input is a regression to fix, not something to drop.
      addCoverage();
      continue;
    }
    if (addCoverage() === 0 && !seed) {
      rmSync(f);
      removed++;
    }
  }
  let total = 0;
  for (const c of Object.values(globalThis.__coverage__ ?? {})) {
    total += Object.keys(c.s).length + Object.keys(c.f).length + Object.values(c.b).reduce((n, arr) => n + arr.length, 0);
  }
  const result = { target: name, before: files.length, after: files.length - removed, removed, counters: covered.size, total };
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------
// Child: fuzz one target with jsfuzz's Fuzzer.
// ---------------------------------------------------------------------------

async function childFuzz(name, o) {
  // jsfuzz's worker resolves the target against the working directory and dumps
  // coverage to ./.nyc_output on SIGINT: run from fuzz/ (whose .gitignore has both).
  process.chdir(FUZZ_DIR);
  const { Fuzzer } = require('jsfuzz/build/src/fuzzer.js');
  // fuzzer.js makes its process ignore SIGINT; we stop gracefully instead.
  process.removeAllListeners('SIGINT');

  const tmp = o.corpus === 'tmp' ? mkdtempSync(join(tmpdir(), `puredtls-fuzz-${name}-`)) : undefined;
  const dirs = [tmp ?? corpusDir(name)];
  if (tmp) dirs.push(corpusDir(name));
  if (existsSync(crashDir(name))) dirs.push(crashDir(name));
  const inputsBefore = dirs.reduce((n, d) => n + filesOf(d).length, 0);

  const fuzzer = new Fuzzer(relative(FUZZ_DIR, bundlePath(name)), dirs, undefined, o.rssLimitMb, o.timeout, false, false, o.versifier);
  const launched = Date.now();
  // The time bound counts from the first finished execution: loading and
  // instrumenting a bundle (up to ~10 s for the endpoint targets) is not fuzzing.
  let start;
  const samples = []; // [seconds, executions, worker RSS MB]
  let lastPrint = 0;
  let newEntries = 0;
  let crash;
  let stopReason;

  const tag = `[${name}]`;
  const status = (type) => {
    const s = (Date.now() - (start ?? launched)) / 1000;
    const rss = fuzzer.workerRss / 1048576;
    if (type === 'PULSE' && rss > 0) samples.push([Math.round(s), fuzzer.total_executions, Math.round(rss)]);
    if (type === 'NEW') newEntries++;
    if (type !== 'NEW' && s - lastPrint < 10) return;
    if (type === 'NEW' && s - lastPrint < 1) return;
    lastPrint = s;
    const rate = Math.round(fuzzer.total_executions / Math.max(s, 0.001));
    console.log(`${tag} ${type.padEnd(5)} ${s.toFixed(0)}s execs ${fuzzer.total_executions} (${rate}/s) cov ${fuzzer.total_coverage} corpus ${fuzzer.corpus.getLength()} worker RSS ${rss.toFixed(0)} MB`);
  };
  fuzzer.logStats = function logStats(type) {
    this.lastSampleTime = Date.now();
    this.executionsInSample = 0;
    status(type);
  };
  fuzzer.writeCrash = (buf) => {
    mkdirSync(crashDir(name), { recursive: true });
    const file = join(crashDir(name), `crash-${createHash('sha256').update(buf).digest('hex')}`);
    writeFileSync(file, buf);
    const killed = fuzzer.worker.signalCode ?? (fuzzer.worker.killed ? 'SIGKILL' : null);
    crash = { file: relative(ROOT, file), bytes: buf.length, hex: buf.length <= 4096 ? buf.toString('hex') : undefined, kind: killed ? `worker killed (${killed}): timeout or out of memory` : 'exception' };
    console.log(`${tag} CRASH (${crash.kind}) after ${fuzzer.total_executions} executions: input saved to ${crash.file}`);
  };

  // jsfuzz samples the worker's memory with pidusage every 3 s; a sample in
  // flight when the worker is killed rejects with ENOENT. Only that is ignored.
  process.on('unhandledRejection', (e) => {
    if (stopReason !== undefined && /No matching pid|ENOENT/.test(String(e?.message ?? e))) return;
    console.error(`${tag} runner error:`, e);
    process.exit(2);
  });

  const done = new Promise((resolve) => {
    const finish = (reason) => {
      if (stopReason) return;
      stopReason = reason;
      clearInterval(poll);
      resolve();
    };
    const stop = (reason) => {
      fuzzer.worker.removeAllListeners('message');
      fuzzer.worker.removeAllListeners('exit');
      fuzzer.clearIntervals();
      fuzzer.worker.kill('SIGKILL');
      finish(reason);
    };
    const poll = setInterval(() => {
      if (start === undefined) {
        if (fuzzer.total_executions === 0) return;
        start = Date.now();
      }
      const s = (Date.now() - start) / 1000;
      if (fuzzer.total_executions >= o.runs) stop('runs');
      else if (s >= o.seconds) stop('time');
    }, 100);
    process.on('SIGINT', () => stop('interrupted'));
    process.on('SIGTERM', () => stop('interrupted'));
    fuzzer.worker.on('exit', () => setTimeout(() => finish(crash ? 'crash' : 'worker exited'), 50));
  });
  fuzzer.start();
  await done;

  const seconds = (Date.now() - (start ?? Date.now())) / 1000;
  const loadSeconds = ((start ?? Date.now()) - launched) / 1000;
  const corpusSize = fuzzer.corpus.getLength();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  const result = {
    target: name, seconds: Math.round(seconds * 10) / 10, loadSeconds: Math.round(loadSeconds * 10) / 10,
    executions: fuzzer.total_executions, execsPerSecond: Math.round(fuzzer.total_executions / Math.max(seconds, 0.001)), coverage: fuzzer.total_coverage,
    inputsBefore, newEntries, corpusSize, stop: stopReason, crash, rss: samples,
  };
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------
// Parent.
// ---------------------------------------------------------------------------

function runChild(args, { onLine, timeoutMs, execArgv = [] } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...execArgv, SELF, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let result;
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith(RESULT)) result = JSON.parse(line.slice(RESULT.length));
        else onLine?.(line);
      }
    });
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ result, code, signal });
    });
  });
}

async function pool(items, jobs, fn) {
  const out = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

async function regression(targets, o) {
  let failed = 0;
  const results = await pool(targets, o.jobs, async (name) => {
    const { result, code, signal } = await runChild(['--child-replay', name], { onLine: (l) => console.log(`[${name}] ${l}`), timeoutMs: 600_000 });
    if (!result) {
      failed++;
      console.log(`[${name}] replay did not finish (exit ${code ?? signal})`);
      return { target: name, error: `exit ${code ?? signal}` };
    }
    for (const f of result.failures) {
      console.log(`[${name}] FAIL ${f.file}\n${f.error}\n${f.hex !== undefined ? `input (hex): ${f.hex}` : ''}`);
    }
    if (result.failures.length > 0) failed++;
    console.log(`[${name}] ${result.failures.length === 0 ? 'ok  ' : 'FAIL'} ${result.files} files in ${result.totalMs.toFixed(0)} ms (setup ${result.loadMs.toFixed(0)} ms; slowest ${result.slowest.ms.toFixed(1)} ms${result.slowest.file ? ` ${result.slowest.file}` : ''})`);
    const hs = result.handshakeSeeds;
    if (hs) {
      console.log(`[${name}] ${hs.complete} of ${hs.seeds} seeds complete a handshake${hs.complete < hs.seeds ? ' — WARNING: stale seeds? run node tools/fuzz/seed.mjs' : ''}`);
    }
    return result;
  });
  if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
  console.log(failed === 0 ? `regression: ${targets.length} targets ok` : `regression: ${failed} target(s) failed`);
  return failed === 0;
}

async function fuzzAll(targets, o) {
  let interrupted = false;
  process.on('SIGINT', () => { interrupted = true; });
  const args = (name) => {
    const a = ['--child-fuzz', name, '--seconds', String(o.seconds), '--corpus', o.corpus, '--timeout', String(o.timeout), '--rss-limit-mb', String(o.rssLimitMb)];
    if (Number.isFinite(o.runs)) a.push('--runs', String(o.runs));
    if (o.versifier) a.push('--versifier');
    return a;
  };
  const done = [];
  const results = await pool(targets, o.jobs, async (name) => {
    if (interrupted) return { target: name, skipped: true };
    const { result, code, signal } = await runChild(args(name), { onLine: (l) => console.log(l) });
    if (!result) return { target: name, error: `runner exited ${code ?? signal}` };
    done.push(result);
    console.log(`[${name}] finished: ${result.executions} executions in ${result.seconds} s (${result.execsPerSecond}/s), ${result.newEntries} new corpus entries, ${result.crash ? `CRASH ${result.crash.file}` : `stopped by ${result.stop}`}`);
    if (o.json) writeFileSync(o.json, JSON.stringify(done, null, 2));
    if (result.crash) {
      // Replay the saved input to show the stack trace.
      const replay = await runChild(['--child-replay', name], {});
      for (const f of replay.result?.failures ?? []) if (f.file === result.crash.file) console.log(`[${name}] replay of ${f.file}:\n${f.error}`);
    }
    return result;
  });
  console.log('\ntarget                 seconds   executions   exec/s  new corpus  worker RSS MB (first..last, max)  result');
  let bad = 0;
  for (const r of results) {
    if (r.skipped || r.error) {
      bad += r.error ? 1 : 0;
      console.log(`${r.target.padEnd(22)} ${r.error ?? 'skipped'}`);
      continue;
    }
    const rss = r.rss.map((x) => x[2]);
    const rssText = rss.length ? `${rss[0]}..${rss[rss.length - 1]}, ${Math.max(...rss)}` : '-';
    if (r.crash) bad++;
    console.log(`${r.target.padEnd(22)} ${String(r.seconds).padStart(7)} ${String(r.executions).padStart(12)} ${String(r.execsPerSecond).padStart(8)} ${String(r.newEntries).padStart(11)}  ${rssText.padEnd(34)} ${r.crash ? `CRASH ${r.crash.file}` : r.stop}`);
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
  return bad === 0;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  // A child whose parent went away must still stop its worker and exit, not die of EPIPE.
  if (o.child) process.stdout.on('error', () => {});
  if (o.child === 'replay') return childReplay(o.targets[0]);
  if (o.child === 'fuzz') return childFuzz(o.targets[0], o);
  if (o.child === 'minimize') return childMinimize(o.targets[0]);
  if (o.child === 'leak-check') return childLeakCheck(o.targets[0], Number.isFinite(o.runs) ? o.runs : 200_000);
  const all = targetNames();
  const targets = o.targets.length ? o.targets : all;
  for (const t of targets) if (!all.includes(t)) throw new Error(`unknown target ${t} (have: ${all.join(', ')})`);
  if (o.build) await build(targets, { quiet: true });
  else for (const t of targets) if (!existsSync(bundlePath(t))) throw new Error(`${relative(ROOT, bundlePath(t))} missing: run tools/fuzz/build.mjs`);
  if (o.leakCheck) {
    const results = await pool(targets, o.jobs, async (name) => {
      const args = ['--child-leak-check', name];
      if (Number.isFinite(o.runs)) args.push('--runs', String(o.runs));
      const { result, code, signal } = await runChild(args, { execArgv: ['--expose-gc'] });
      console.log(result ? `[${name}] ${result.runs} executions in ${result.seconds} s; heap after GC per fifth (KiB): ${result.heapKiB.join(' ')}` : `[${name}] leak check failed (exit ${code ?? signal})`);
      return result;
    });
    if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
    return;
  }
  if (o.minimize) {
    await pool(targets, o.jobs, async (name) => {
      const { result, code, signal } = await runChild(['--child-minimize', name], {});
      console.log(result ? `[${name}] corpus ${result.before} -> ${result.after} files (${result.removed} removed); the corpus covers ${result.counters} of ${result.total} src counters` : `[${name}] minimize failed (exit ${code ?? signal})`);
    });
    return;
  }
  const ok = o.regression ? await regression(targets, o) : await fuzzAll(targets, o);
  process.exitCode = ok ? 0 : 1;
}

await main();
