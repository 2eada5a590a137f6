/**
 * DOS-14 on real UDP (loopback): "a 20k ClientHello/s flood while 100
 * sessions carry data: event-loop p99 delay under 50 ms; established sessions
 * add under 1% loss" (ROBUSTNESS.md §2).
 *
 * Three processes, so that each measurement is about one program:
 * - the server: `createServer` on 127.0.0.1, echoing every message; it
 *   measures its own event-loop delay with perf_hooks.monitorEventLoopDelay
 *   over each phase, and its CPU time and HelloVerifyRequest count;
 * - the flooder: cookieless ClientHellos (our client's first datagram) from
 *   32 source ports, paced at FLOOD_RATE per second for FLOOD_SECONDS; it
 *   counts what it really sent and the HelloVerifyRequests that came back;
 * - this test process: 100 clients (`connectAsync`), each sending a numbered
 *   message every 100 ms (1,000 messages/s in all) and counting the echoes.
 *
 * The server's socket gets a 4 MiB receive buffer (see RECV_BUFFER).
 *
 * Phases: handshakes; 3 s of traffic without the flood (baseline); the flood
 * with the same traffic; a grace second for the last echoes. A message counts
 * as lost when its echo never comes back (either direction lost it).
 *
 * The machine may be small and shared (2 cores here, with other work): when
 * the flooder cannot reach FLOOD_RATE, the test records the rate it reached,
 * prints it, and asserts on that rate (it still requires at least 5,000/s,
 * or the run says nothing about a flood). The children are bundled from this
 * file with esbuild (vitest and esbuild replaced by stubs in the bundle), as
 * in test/slow/soak.test.ts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Plugin, build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientConnection, connectAsync } from '../../src/client.js';
import { createServer } from '../../src/server.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';

const SESSIONS = 100;
const MESSAGE_INTERVAL_MS = 100;
const FLOOD_RATE = Number(process.env.PUREDTLS_FLOOD_RATE ?? 20_000);
const FLOOD_SECONDS = 5;
const BASELINE_SECONDS = 3;
/** Below this the flood is no flood: the test fails rather than pass on a machine that could not run it. */
const MIN_FLOOD_RATE = 5_000;
const ELD_RESOLUTION_MS = 5;
/**
 * SO_RCVBUF of the server's socket, as a server that expects floods would set
 * it (Linux caps it at net.core.rmem_max and reports twice the value). The
 * default (about 208 KiB) holds some 15 ms of a 20k/s flood, so any longer
 * scheduling gap on a shared machine drops session datagrams with the flood;
 * a larger buffer rides out such gaps but cannot hide a server that is too
 * slow on average (it fills within a second). PUREDTLS_FLOOD_RCVBUF=0 keeps
 * the default.
 */
const RECV_BUFFER = Number(process.env.PUREDTLS_FLOOD_RCVBUF ?? 4 * 1024 * 1024);
const PKI_DIR = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));

interface LoopDelay {
  /** Event-loop delay beyond the sampling interval, ms. */
  p50: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
}

interface ServerPhase {
  eld: LoopDelay;
  seconds: number;
  cpuMs: number;
  datagramsIn: number;
  helloVerifyRequests: number;
  /** First ClientHellos dropped unread by the hello rate limit (maxHelloRate). */
  rateLimited: number;
  connections: number;
  errors: number;
  /** Session messages the server received (and echoed) in the phase. */
  messagesIn: number;
}

interface FloodResult {
  sent: number;
  seconds: number;
  rate: number;
  hvrs: number;
  sendErrors: number;
  helloBytes: number;
  cpuMs: number;
}

type ToChild = { cmd: 'measure' } | { cmd: 'stop' } | { cmd: 'flood'; port: number; rate: number; seconds: number } | { cmd: 'exit' };
type FromChild =
  | { type: 'ready'; port?: number; recvBuffer?: number }
  | { type: 'phase'; phase: ServerPhase }
  | { type: 'flooded'; result: FloodResult }
  | { type: 'error'; message: string };

// --- the children ----------------------------------------------------------------

/** The server process. */
async function serverRole(pkiDir: string): Promise<void> {
  const pki = (n: string) => readFileSync(join(pkiDir, n));
  const socket = dgram.createSocket({ type: 'udp4', ...(RECV_BUFFER > 0 && { recvBufferSize: RECV_BUFFER }) });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const server = createServer({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), socket });
  let errors = 0;
  let datagramsIn = 0;
  let messagesIn = 0;
  socket.on('message', () => { datagramsIn++; });
  server.on('error', () => { errors++; });
  server.on('secureConnection', (peer) => {
    peer.on('message', (m) => {
      try {
        messagesIn++;
        peer.send(m);
      } catch {
        errors++;
      }
    });
  });
  const h = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  let mark = { t: 0, cpu: process.cpuUsage(), datagramsIn: 0, hvr: 0, limited: 0, messagesIn: 0 };
  const limited = () => server.endpoint.stats.helloRateLimited;
  // Stateless answers: HelloVerifyRequests (DTLS 1.2) and HelloRetryRequests (the flood's hello offers DTLS 1.3).
  const hvr = () => server.endpoint.stats.helloVerifyRequests + server.endpoint.stats.helloRetryRequests;
  const send = (m: FromChild) => process.send!(m);
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'measure') {
      h.reset();
      h.enable();
      mark = { t: performance.now(), cpu: process.cpuUsage(), datagramsIn, hvr: hvr(), limited: limited(), messagesIn };
    } else if (m.cmd === 'stop') {
      h.disable();
      const cpu = process.cpuUsage(mark.cpu);
      const ms = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
      send({
        type: 'phase',
        phase: {
          eld: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), samples: h.count },
          seconds: (performance.now() - mark.t) / 1000,
          cpuMs: (cpu.user + cpu.system) / 1000,
          datagramsIn: datagramsIn - mark.datagramsIn,
          messagesIn: messagesIn - mark.messagesIn,
          helloVerifyRequests: hvr() - mark.hvr,
          rateLimited: limited() - mark.limited,
          connections: server.connections,
          errors,
        },
      });
    } else if (m.cmd === 'exit') {
      server.close(() => process.exit(0));
    }
  });
  send({ type: 'ready', port: socket.address().port, recvBuffer: socket.getRecvBufferSize() });
}

/** The flooder process: cookieless ClientHellos at `rate` per second, paced, from 32 source ports. */
async function flooderRole(pkiDir: string): Promise<void> {
  const hello = new DtlsClientNode({ ca: readFileSync(join(pkiDir, 'ca-bundle.pem')), servername: 'localhost' }, { address: '127.0.0.1', port: 1 })
    .takeOutgoing()[0]!.data;
  const send = (m: FromChild) => process.send!(m);
  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'exit') process.exit(0);
    if (m.cmd !== 'flood') return;
    let hvrs = 0, sendErrors = 0, sent = 0;
    const socks = await Promise.all(Array.from({ length: 32 }, () => new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('message', () => { hvrs++; });
      s.on('error', () => { sendErrors++; });
      s.bind(0, '127.0.0.1', () => s.connect(m.port, '127.0.0.1', () => resolve(s)));
    })));
    const cb = (err: Error | null) => { if (err) sendErrors++; };
    const t0 = performance.now();
    const end = t0 + m.seconds * 1000;
    const cpu0 = process.cpuUsage();
    await new Promise<void>((resolve) => {
      // Paced on a 1 ms timer (a busy loop would take the CPU the server needs):
      // each turn catches up to rate × elapsed.
      const timer = setInterval(() => {
        const now = performance.now();
        if (now >= end) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.min(5000, Math.floor(((now - t0) / 1000) * m.rate) - sent);
        for (let k = 0; k < due; k++) {
          socks[sent % socks.length]!.send(hello, cb);
          sent++;
        }
      }, 1);
    });
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 300)); // the last HVRs
    for (const s of socks) s.close();
    send({ type: 'flooded', result: { sent, seconds, rate: sent / seconds, hvrs, sendErrors, helloBytes: hello.length, cpuMs: (cpu.user + cpu.system) / 1000 } });
  });
  send({ type: 'ready' });
}

/** Entry point of the child bundle. */
export async function floodLatencyChild(role: string, pkiDir: string): Promise<void> {
  try {
    if (role === 'server') await serverRole(pkiDir);
    else if (role === 'flooder') await flooderRole(pkiDir);
    else throw new Error(`unknown role ${role}`);
  } catch (e) {
    process.send!({ type: 'error', message: String((e as Error)?.stack ?? e) } satisfies FromChild);
    process.exit(1);
  }
}

// --- the test process ------------------------------------------------------------

/**
 * In the child bundle, `vitest` and `esbuild` are stubs: the describe/it calls
 * below become no-ops there, and only {@link floodLatencyChild} runs.
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

class Child {
  private queue: FromChild[] = [];
  private waiters: ((m: FromChild) => void)[] = [];
  exited = false;
  stderr = '';
  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: FromChild) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    proc.stderr?.on('data', (d) => { this.stderr += String(d); });
    proc.on('exit', () => { this.exited = true; });
  }
  send(m: ToChild): void {
    this.proc.send(m);
  }
  next(timeoutMs = 60_000): Promise<FromChild> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child sent nothing for ${timeoutMs} ms\n${this.stderr}`)), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m);
      });
    });
  }
  async expect<T extends FromChild['type']>(type: T, timeoutMs?: number): Promise<Extract<FromChild, { type: T }>> {
    const m = await this.next(timeoutMs);
    if (m.type !== type) throw new Error(`expected ${type} from the child, got ${JSON.stringify(m)}`);
    return m as Extract<FromChild, { type: T }>;
  }
}

interface Traffic {
  sent: number;
  echoed: number;
}

interface Report {
  recvBuffer: number;
  handshakeSeconds: number;
  /** Machine load around the flood: os.loadavg()[0] and Linux CPU pressure. */
  load: string;
  baseline: ServerPhase;
  flood: ServerPhase;
  flooder: FloodResult;
  baselineTraffic: Traffic;
  floodTraffic: Traffic;
  clientErrors: string[];
  wallMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Linux CPU pressure (PSI): the share of the last 10 s some task waited for a CPU; '' where unavailable. */
function cpuPressure(): string {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0]!;
    return `CPU pressure avg10 ${/avg10=([\d.]+)/.exec(line)?.[1] ?? '?'}%`;
  } catch {
    return '';
  }
}

let dir: string | undefined;
const children: Child[] = [];
const clients: ClientConnection[] = [];
let report: Report;

beforeAll(async () => {
  const t0 = performance.now();
  dir = mkdtempSync(join(tmpdir(), 'puredtls-flood-latency-'));
  const out = join(dir, 'flood-latency.mjs');
  await build({
    stdin: {
      contents: "import { floodLatencyChild } from './flood-latency.test.ts';\n"
        + 'await floodLatencyChild(process.argv[2], process.argv[3]);\n',
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      sourcefile: 'flood-latency-child.ts',
      loader: 'ts',
    },
    outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', plugins: [childStubs],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const spawn = (role: string) => {
    const c = new Child(fork(out, [role, PKI_DIR], { execArgv: [], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] }));
    children.push(c);
    return c;
  };
  const server = spawn('server');
  const flooder = spawn('flooder');
  const ready = await server.expect('ready');
  await flooder.expect('ready');
  const port = ready.port!;

  // 100 sessions, ten handshakes at a time.
  const ca = readFileSync(join(PKI_DIR, 'ca-bundle.pem'));
  const h0 = performance.now();
  for (let i = 0; i < SESSIONS; i += 10) {
    clients.push(...await Promise.all(Array.from({ length: Math.min(10, SESSIONS - i) }, () =>
      connectAsync({ host: '127.0.0.1', port, ca, servername: 'localhost' }))));
  }
  const handshakeSeconds = (performance.now() - h0) / 1000;

  // Each client sends a numbered message every 100 ms, staggered; echoes are matched by number.
  const clientErrors: string[] = [];
  // Phase of each message: 0 not counted, 1 baseline, 2 flood.
  let phase = 0;
  const traffic: Traffic[] = [{ sent: 0, echoed: 0 }, { sent: 0, echoed: 0 }, { sent: 0, echoed: 0 }];
  const phaseOf = new Map<string, number>();
  const echoes = new Set<string>();
  clients.forEach((c, i) => {
    c.on('message', (m) => {
      const id = m.toString('latin1', 0, m.indexOf(0x7c));
      if (phaseOf.has(id) && !echoes.has(id)) {
        echoes.add(id);
        traffic[phaseOf.get(id)!]!.echoed++;
      }
    });
    c.on('error', (e) => clientErrors.push(`${i}: ${e.code}`));
    c.on('close', () => clientErrors.push(`${i}: closed`));
  });
  let seq = 0;
  const filler = Buffer.alloc(100, 0x2e);
  const tick = setInterval(() => {
    // Every 10 ms, a tenth of the clients send: each client once per 100 ms.
    const slot = seq++ % 10;
    for (let i = slot; i < clients.length; i += 10) {
      const id = `${i}.${seq}`;
      phaseOf.set(id, phase);
      traffic[phase]!.sent++;
      try {
        clients[i]!.send(Buffer.concat([Buffer.from(`${id}|`), filler]));
      } catch (e) {
        clientErrors.push(`${i}: send ${(e as Error).message}`);
      }
    }
  }, MESSAGE_INTERVAL_MS / 10);

  try {
    await sleep(500); // traffic settles (phase 0: not counted)
    phase = 1;
    server.send({ cmd: 'measure' });
    await sleep(BASELINE_SECONDS * 1000);
    server.send({ cmd: 'stop' });
    const baseline = (await server.expect('phase')).phase;

    phase = 2;
    server.send({ cmd: 'measure' });
    flooder.send({ cmd: 'flood', port, rate: FLOOD_RATE, seconds: FLOOD_SECONDS });
    const flooder0 = await flooder.expect('flooded', (FLOOD_SECONDS + 30) * 1000);
    server.send({ cmd: 'stop' });
    const flood = (await server.expect('phase')).phase;
    const load = `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs; ${cpuPressure()}`;
    phase = 0;
    await sleep(1000); // the last echoes of the flood phase
    report = {
      recvBuffer: ready.recvBuffer!,
      handshakeSeconds,
      load,
      baseline,
      flood,
      flooder: flooder0.result,
      baselineTraffic: traffic[1]!,
      floodTraffic: traffic[2]!,
      clientErrors,
      wallMs: performance.now() - t0,
    };
  } finally {
    clearInterval(tick);
  }
  const pct = (t: Traffic) => `${(100 * (1 - t.echoed / t.sent)).toFixed(2)}%`;
  const eld = (p: ServerPhase) => `p50 ${p.eld.p50.toFixed(1)} / p99 ${p.eld.p99.toFixed(1)} / max ${p.eld.max.toFixed(1)} ms (${p.eld.samples} samples)`;
  const f = report.flooder;
  console.log(
    `DOS-14: ${SESSIONS} sessions up in ${handshakeSeconds.toFixed(1)} s; server socket receive buffer ${report.recvBuffer} B; ${report.load}\n` +
    `baseline ${report.baseline.seconds.toFixed(1)} s: event-loop delay ${eld(report.baseline)}; ` +
    `server CPU ${(100 * report.baseline.cpuMs / 1000 / report.baseline.seconds).toFixed(0)}%; ` +
    `${report.baselineTraffic.sent} messages, ${pct(report.baselineTraffic)} lost\n` +
    `flood ${f.seconds.toFixed(1)} s: ${f.sent} ClientHellos (${f.helloBytes} B) = ${Math.round(f.rate)}/s (target ${FLOOD_RATE}/s), ` +
    `${f.hvrs} HVRs back, send errors ${f.sendErrors}, flooder CPU ${(100 * f.cpuMs / 1000 / f.seconds).toFixed(0)}%; server answered ${report.flood.helloVerifyRequests} ` +
    `(${Math.round(report.flood.helloVerifyRequests / report.flood.seconds)}/s) and dropped ${report.flood.rateLimited} above its hello rate limit, CPU ${(100 * report.flood.cpuMs / 1000 / report.flood.seconds).toFixed(0)}%; ` +
    `event-loop delay ${eld(report.flood)}; ${report.floodTraffic.sent} messages, ${pct(report.floodTraffic)} lost (the server received ${report.flood.messagesIn} in the phase)`,
  );
}, 300_000);

afterAll(async () => {
  for (const c of clients) {
    try {
      c.end();
    } catch { /* closed */ }
  }
  for (const c of children) {
    if (c.exited) continue;
    try {
      c.send({ cmd: 'exit' });
    } catch { /* gone */ }
  }
  await sleep(500);
  for (const c of children) if (!c.exited) c.proc.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`DOS-14: a ClientHello flood (target ${FLOOD_RATE.toLocaleString('en')}/s) while ${SESSIONS} sessions carry data, real UDP`, () => {
  it('the flooder sent the target rate, or the rate it reached is recorded (and is at least 5,000/s)', () => {
    const f = report.flooder;
    expect(f.sent).toBeGreaterThan(0);
    if (f.rate < FLOOD_RATE * 0.95) console.log(`DOS-14: the flooder reached ${Math.round(f.rate)}/s, not ${FLOOD_RATE}/s: the assertions hold for that rate`);
    expect(f.rate).toBeGreaterThanOrEqual(MIN_FLOOD_RATE);
  });

  it('the server answered the flood statelessly (HelloVerifyRequests or HelloRetryRequests with a cookie) up to its hello rate limit, dropped the rest unread, and made no association', () => {
    expect(report.flood.helloVerifyRequests).toBeGreaterThan(0);
    expect(report.flood.helloVerifyRequests).toBeLessThanOrEqual(report.flooder.sent);
    // The default maxHelloRate (2,000/s, a burst of 200) held over the phase.
    expect(report.flood.helloVerifyRequests).toBeLessThanOrEqual(2_000 * report.flood.seconds + 200);
    if (report.flooder.rate > 3_000) expect(report.flood.rateLimited).toBeGreaterThan(0);
    expect(report.flood.connections).toBe(SESSIONS);
  });

  const context = () => `flood at ${Math.round(report.flooder.rate)}/s; server CPU ${(100 * report.flood.cpuMs / 1000 / report.flood.seconds).toFixed(0)}% `
    + `of a core; event-loop p99 without the flood ${report.baseline.eld.p99.toFixed(1)} ms; ${report.load}`;

  it('the server\'s event-loop p99 delay stays under 50 ms during the flood', () => {
    expect(report.flood.eld.p99, context()).toBeLessThan(50);
  });

  it('the established sessions lose under 1% of their messages during the flood, and none closes', () => {
    expect(report.floodTraffic.sent).toBeGreaterThan(SESSIONS * FLOOD_SECONDS * (1000 / MESSAGE_INTERVAL_MS) * 0.5);
    const loss = 1 - report.floodTraffic.echoed / report.floodTraffic.sent;
    expect(loss, context()).toBeLessThan(0.01);
    expect(report.clientErrors).toEqual([]);
  });
});
