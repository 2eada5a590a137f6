// Child processes of the benchmark: every one is tracked, bounded by timeouts
// and killed (by its own pid) when its measurement ends or the run aborts.
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const live = new Set();

/** Kill every child still running (SIGKILL, by pid). */
export function killAll() {
  for (const c of live) {
    try { c.kill('SIGKILL'); } catch { /* gone */ }
  }
  live.clear();
}
process.on('exit', killAll);

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * A worker (bench/lib/<name>.mjs) in its own node process, driven by IPC:
 * `await w.call(cmd, args, timeoutMs)`. `maxLifeMs` bounds it even if we hang.
 */
export function startWorker(name, { lib, expose_gc = false, maxLifeMs = 120_000, env = {} } = {}) {
  const execArgv = expose_gc ? ['--expose-gc'] : [];
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of every worker (e.g. the server), to read what costs.
  if (process.env.BENCH_CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`);
  const child = track(fork(path.join(here, `${name}.mjs`), [], {
    execArgv,
    env: { ...process.env, ...env, BENCH_LIB: lib, BENCH_MAX_LIFE_MS: String(maxLifeMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }));
  let seq = 0;
  const pending = new Map();
  let exited = false;
  const onExit = (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`worker ${name} exited (${code ?? signal}) during "${p.cmd}"`));
    pending.clear();
  };
  child.on('exit', onExit);
  let markReady;
  const ready = new Promise((resolve, reject) => {
    const t = setTimeout(() => { reject(new Error(`worker ${name} not ready within 20 s`)); worker.kill(); }, 20_000);
    markReady = (err) => { clearTimeout(t); if (err) reject(err); else resolve(); };
  });
  ready.catch(() => {});
  child.on('exit', (code, signal) => markReady(new Error(`worker ${name} exited (${code ?? signal}) before it was ready`)));
  child.on('message', (m) => {
    if (m?.ready) return markReady();
    const p = pending.get(m?.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`worker ${name} "${p.cmd}": ${m.error}`));
  });
  const worker = {
    child,
    ready,
    async call(cmd, args = {}, timeoutMs = 30_000) {
      await ready;
      if (exited) throw new Error(`worker ${name} is not running`);
      const id = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker ${name} "${cmd}" timed out after ${timeoutMs} ms`));
          worker.kill();
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer, cmd });
        child.send({ id, cmd, args });
      });
    },
    kill() {
      if (!exited) {
        try { child.kill('SIGKILL'); } catch { /* gone */ }
      }
    },
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      try { child.send({ id: 0, cmd: 'exit' }); } catch { /* channel closed */ }
      const t = setTimeout(() => worker.kill(), 2000);
      await gone;
      clearTimeout(t);
    },
  };
  return worker;
}

/** The worker side of startWorker: serve `handlers[cmd](args)` over IPC. */
export function serveWorker(handlers) {
  const maxLife = Number(process.env.BENCH_MAX_LIFE_MS || 120_000);
  setTimeout(() => {
    process.stderr.write(`[bench worker ${process.pid}] max life ${maxLife} ms reached, exiting\n`);
    process.exit(70);
  }, maxLife).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('unhandledRejection', (e) => { globalThis.__benchUnhandled = (globalThis.__benchUnhandled ?? 0) + 1; globalThis.__benchLastUnhandled = String(e?.message ?? e); });
  process.on('message', async (m) => {
    if (m?.cmd === 'exit') process.exit(0);
    const h = handlers[m?.cmd];
    try {
      if (!h) throw new Error(`unknown command ${m?.cmd}`);
      const result = await h(m.args ?? {});
      process.send({ id: m.id, ok: true, result });
    } catch (e) {
      process.send({ id: m.id, ok: false, error: String(e?.stack ?? e) });
    }
  });
  process.send({ ready: true });
}

/**
 * `openssl s_server -dtls1_2 -listen` on 127.0.0.1:port; `ready` resolves once it printed ACCEPT.
 * (s_server connect(2)s its socket to its first client after DTLSv1_listen: later
 * handshakes must come from the same source address and port.)
 */
export function startOpensslServer({ port, cert, key, cipher, timeoutMs = 5000 }) {
  const child = track(spawn('openssl', [
    's_server', '-dtls1_2', '-listen', '-accept', `127.0.0.1:${port}`,
    '-cert', cert, '-key', key, '-cipher', cipher,
  ], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`openssl s_server did not print ACCEPT within ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ACCEPT')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`openssl s_server exited (${code}) before ACCEPT: ${err}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child, ready, exited,
    kill() { try { child.kill('SIGKILL'); } catch { /* gone */ } },
    output: () => out + err,
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
