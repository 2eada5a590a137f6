#!/usr/bin/env node
/**
 * HelloVerifyRequests per second on one core over real UDP (ROBUSTNESS.md §4,
 * "ClientHello flood without cookies": target ≥ 20,000/s per core).
 *
 * The server is `createServer` from the built package (dist/; run `npm run
 * build` first, or pass --src to bundle src/ with esbuild instead), bound to
 * 127.0.0.1 in this process, which does nothing else: its CPU time is the
 * server's. A flooder in a child process sends a recorded ClientHello (our
 * client's first datagram) from many source ports (--sockets UDP sockets),
 * keeping --window ClientHellos in flight per socket: it sends the next one
 * as each HVR comes back, so it runs as fast as the server answers. Lost
 * datagrams (socket buffer overflow) are refilled every 20 ms.
 *
 * Prints HVR/s (received by the flooder and sent by the server, from
 * `server.endpoint.stats.helloVerifyRequests`), the server's CPU use, HVRs
 * per server CPU-second, and the server's heap before and after (after a GC
 * when run with --expose-gc, which the script adds itself).
 *
 * Usage:
 *   npm run build && node tools/hvr-flood.mjs [--seconds 5] [--sockets 32] [--window 8] [--flooders 1] [--src] [--json]
 */
import { fork, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKI = join(ROOT, 'test/fixtures/pki');

function parseArgs(argv) {
  const o = { seconds: 5, sockets: 32, window: 8, flooders: 1, src: false, json: false, role: 'server' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--sockets') o.sockets = Number(next());
    else if (a === '--window') o.window = Number(next());
    else if (a === '--flooders') o.flooders = Number(next());
    else if (a === '--src') o.src = true;
    else if (a === '--json') o.json = true;
    else if (a === '--flooder') o.role = 'flooder';
    else if (a === '--help' || a === '-h') o.role = 'help';
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.seconds > 0) || !(o.sockets >= 1) || !(o.window >= 1) || !(o.flooders >= 1)) {
    throw new Error('--seconds, --sockets, --window and --flooders must be positive');
  }
  return o;
}

// ---------------------------------------------------------------------------
// Flooder (child process)

async function flooder() {
  const { port, hello: helloHex, sockets: n, window } = JSON.parse(process.env.HVR_FLOOD_CONFIG);
  const hello = Buffer.from(helloHex, 'hex');
  let received = 0;
  let sent = 0;
  let running = false;
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      try {
        s.setRecvBufferSize(1 << 20);
        s.setSendBufferSize(1 << 20);
      } catch {
        // not allowed: keep the defaults
      }
      // A connected socket: no per-send address handling.
      s.connect(port, '127.0.0.1', () => resolve(s));
    });
  })));
  const state = socks.map(() => ({ inFlight: 0, lastRx: 0 }));
  const send = (s, st) => {
    st.inFlight++;
    sent++;
    s.send(hello);
  };
  socks.forEach((s, i) => {
    const st = state[i];
    s.on('message', (msg) => {
      if (msg[0] !== 22 || msg[13] !== 3) return; // a handshake record carrying a HelloVerifyRequest
      received++;
      st.inFlight = Math.max(0, st.inFlight - 1);
      st.lastRx = performance.now();
      if (running) send(s, st);
    });
    s.on('error', () => {});
  });
  let refill;
  process.on('message', (m) => {
    if (m === 'start') {
      running = true;
      received = 0;
      sent = 0;
      socks.forEach((s, i) => { for (let k = 0; k < window; k++) send(s, state[i]); });
      // Datagrams lost in socket buffers: top a quiet socket up again.
      refill = setInterval(() => {
        const now = performance.now();
        socks.forEach((s, i) => {
          const st = state[i];
          if (now - st.lastRx > 20) {
            st.inFlight = 0;
            for (let k = 0; k < window; k++) send(s, st);
          }
        });
      }, 20);
    } else if (m === 'stop') {
      running = false;
      clearInterval(refill);
      process.send({ received, sent });
    } else if (m === 'exit') {
      for (const s of socks) s.close();
      process.disconnect();
    }
  });
  process.send('ready');
}

// ---------------------------------------------------------------------------
// Server (this process)

async function loadLibrary(src) {
  if (!src) {
    const dist = join(ROOT, 'dist/index.js');
    if (!existsSync(dist) || !existsSync(join(ROOT, 'dist/testing/index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (or pass --src)');
    }
    const lib = await import(pathToFileURL(dist).href);
    const testing = await import(pathToFileURL(join(ROOT, 'dist/testing/index.js')).href);
    return { lib, testing, cleanup: () => {} };
  }
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'puredtls-hvr-'));
  const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
  await build({
    entryPoints: { lib: join(ROOT, 'src/index.ts'), testing: join(ROOT, 'src/testing/index.ts') }, outdir: dir, bundle: true,
    platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', banner,
  });
  const lib = await import(pathToFileURL(join(dir, 'lib.js')).href);
  const testing = await import(pathToFileURL(join(dir, 'testing.js')).href);
  return { lib, testing, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const gcNow = () => {
  if (typeof globalThis.gc === 'function') for (let i = 0; i < 3; i++) globalThis.gc();
};

async function server(o) {
  const { lib, testing, cleanup } = await loadLibrary(o.src);
  const pki = (f) => readFileSync(join(PKI, f));
  const hello = new testing.DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost' }, { address: '127.0.0.1', port: 4433 })
    .takeOutgoing()[0].data;

  const socket = dgram.createSocket('udp4');
  const srv = lib.createServer({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), socket });
  srv.on('error', () => {});
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.bind(0, '127.0.0.1', () => { srv.off('error', reject); resolve(); });
  });
  try {
    socket.setRecvBufferSize(4 << 20);
    socket.setSendBufferSize(4 << 20);
  } catch {
    // keep the defaults
  }
  const { port } = srv.address();

  const config = JSON.stringify({ port, hello: Buffer.from(hello).toString('hex'), sockets: Math.ceil(o.sockets / o.flooders), window: o.window });
  const children = Array.from({ length: o.flooders }, () =>
    fork(fileURLToPath(import.meta.url), ['--flooder'], { env: { ...process.env, HVR_FLOOD_CONFIG: config }, execArgv: [] }));
  const all = (m) => Promise.all(children.map((c) => {
    const p = new Promise((resolve) => c.once('message', resolve));
    if (m) c.send(m);
    return p;
  }));
  await all(); // ready
  const sendAll = (m) => { for (const c of children) c.send(m); };

  // Warm-up second (JIT), then the measurement.
  sendAll('start');
  await new Promise((r) => setTimeout(r, 1000));
  await all('stop');
  gcNow();
  const heapBefore = process.memoryUsage().heapUsed;
  const hvr0 = srv.endpoint.stats.helloVerifyRequests;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  sendAll('start');
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const counts = await all('stop');
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const hvrServer = srv.endpoint.stats.helloVerifyRequests - hvr0;
  const received = counts.reduce((a, c) => a + c.received, 0);
  const sent = counts.reduce((a, c) => a + c.sent, 0);
  const heapAtEnd = process.memoryUsage().heapUsed;
  gcNow();
  const heapAfter = process.memoryUsage().heapUsed;
  await Promise.all(children.map((c) => new Promise((r) => { c.once('exit', r); c.send('exit'); })));
  const connections = srv.connections;
  const timers = srv.endpoint.nextTimeout();
  await new Promise((r) => srv.close(r));
  cleanup();

  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const r = {
    library: o.src ? 'src (esbuild bundle)' : 'dist',
    seconds: Number(wall.toFixed(2)),
    flooders: o.flooders,
    sockets: Math.ceil(o.sockets / o.flooders) * o.flooders,
    window: o.window,
    clientHelloBytes: hello.length,
    clientHellosSent: sent,
    hvrsReceived: received,
    hvrsSentByServer: hvrServer,
    hvrPerSecond: Math.round(received / wall),
    serverHvrPerSecond: Math.round(hvrServer / wall),
    serverCpuPercent: Math.round((100 * cpuSeconds) / wall),
    hvrPerServerCpuSecond: Math.round(hvrServer / cpuSeconds),
    heapBeforeKiB: Math.round(heapBefore / 1024),
    heapAtEndKiB: Math.round(heapAtEnd / 1024),
    heapAfterGcKiB: Math.round(heapAfter / 1024),
    gc: typeof globalThis.gc === 'function',
    connectionsAfter: connections,
    timersAfter: timers ?? null,
  };
  if (o.json) {
    console.log(JSON.stringify(r));
    return;
  }
  console.log(`HVR flood over UDP on 127.0.0.1 (${r.library}), ${r.seconds} s, ${r.flooders} flooder process(es), ${r.sockets} source ports × ${r.window} in flight, ClientHello ${r.clientHelloBytes} B`);
  console.log(`  HVRs received by the flooder: ${r.hvrsReceived.toLocaleString('en')}  → ${r.hvrPerSecond.toLocaleString('en')} HVR/s`);
  console.log(`  HVRs sent by the server:      ${r.hvrsSentByServer.toLocaleString('en')}  → ${r.serverHvrPerSecond.toLocaleString('en')} HVR/s (target ≥ 20,000/s per core)`);
  console.log(`  server CPU: ${r.serverCpuPercent}% of one core → ${r.hvrPerServerCpuSecond.toLocaleString('en')} HVRs per CPU-second`);
  console.log(`  server heap: ${r.heapBeforeKiB} KiB before, ${r.heapAtEndKiB} KiB at the end, ${r.heapAfterGcKiB} KiB after GC${r.gc ? '' : ' (no --expose-gc: not collected)'}`);
  console.log(`  server state after: ${r.connectionsAfter} associations, next timer ${r.timersAfter ?? 'none'}`);
}

const o = parseArgs(process.argv.slice(2));
if (o.role === 'help') {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 26).map((l) => l.replace(/^ ?\*\/?/, '')).join('\n'));
} else if (o.role === 'flooder') {
  await flooder();
} else if (typeof globalThis.gc !== 'function' && !process.execArgv.includes('--expose-gc')) {
  // Re-run with --expose-gc so that the heap figures are after a collection.
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  await server(o);
}
