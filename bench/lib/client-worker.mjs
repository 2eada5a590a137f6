// The client process: handshake loops, sequential handshakes, echo pumps and
// ping-pong. The parent brackets each measurement window with `snap` calls
// (and `mark` calls to the server process at the same moments).
import dgram from 'node:dgram';
import { serveWorker } from './proc.mjs';
import { clientOptions, loadPki, SUITES } from './config.mjs';
import { clientFactory, udpHandshake } from './fast-client.mjs';

const lib = await import(process.env.BENCH_LIB);
const pki = loadPki();
let werift;
const loadWerift = async (suite) => {
  werift ??= await import('./werift.mjs');
  werift.setWeriftClientCurves(SUITES[suite].werift.curves);
  return werift;
};

// ---- handshake loop ---------------------------------------------------------
const hs = { running: false, done: 0, failed: 0, lastError: '', active: 0 };

async function ourHandshake(newClient, port) {
  const r = await udpHandshake(newClient, port);
  if (r.ok) hs.done++;
  else {
    hs.failed++;
    hs.lastError = r.error;
  }
}

async function handshakeLane(port, newClient) {
  hs.active++;
  while (hs.running) {
    await ourHandshake(newClient, port);
  }
  hs.active--;
}

async function floorLane(port, handshake) {
  hs.active++;
  while (hs.running) {
    if (await handshake(dgram, port)) hs.done++;
    else hs.failed++;
  }
  hs.active--;
}

let latencySocket;

// ---- echo / ping-pong ----------------------------------------------------------
let conn; // { send(buf), onMessage(fn), close() }
let floorSeal; // set when the server is the floor: payloads go out as one sealed record
const pump = { running: false, mode: 'echo', window: 1, inflight: 0, received: 0, bytes: 0, lost: 0, lastRx: 0, sentAt: 0, rtts: [] };
let watchdog;

async function open({ impl, suite, port }) {
  if (impl === 'raw' || impl === 'floor') {
    // The floor server opens every record: send one sealed record (bench/lib/floor.mjs).
    if (impl === 'floor') floorSeal = (await import('./floor.mjs')).sealRecord;
    const socket = dgram.createSocket('udp4');
    await new Promise((r) => socket.bind(0, '127.0.0.1', r));
    conn = {
      send: (b) => socket.send(b, port, '127.0.0.1'),
      onMessage: (fn) => socket.on('message', fn),
      close: () => socket.close(),
      info: {},
    };
  } else if (impl === 'ours') {
    const c = await lib.connectAsync({ host: '127.0.0.1', port, ...clientOptions(pki, suite) });
    c.on('error', () => {});
    conn = {
      send: (b) => c.send(b),
      onMessage: (fn) => c.on('message', fn),
      close: () => c.end(),
      info: { cipher: c.getCipher()?.name, group: c.negotiated?.group, protocol: c.getProtocol() },
    };
  } else if (impl === 'werift') {
    const w = await loadWerift(suite);
    const { client, close } = await w.weriftConnect(port);
    conn = {
      send: (b) => { client.send(b).catch(() => {}); },
      onMessage: (fn) => client.onData.subscribe(fn),
      close,
      info: { cipher: client.cipher.cipherSuite, group: client.cipher.namedCurve },
    };
  } else {
    throw new Error(`unknown impl ${impl}`);
  }
  conn.onMessage((m) => onRx(m));
  return conn.info;
}

function onRx(m) {
  const now = performance.now();
  pump.received++;
  pump.bytes += m.length;
  pump.lastRx = now;
  if (pump.mode === 'ping') {
    if (pump.inflight > 0) pump.rtts.push(now - pump.sentAt);
    pump.inflight = 0;
  } else if (pump.inflight > 0) {
    pump.inflight--;
  }
  topUp();
}

function topUp() {
  if (!pump.running) return;
  while (pump.inflight < pump.window) {
    pump.inflight++;
    pump.sentAt = performance.now();
    conn.send(pump.payload);
  }
}

function summary(samples) {
  if (samples.length === 0) return { n: 0 };
  const s = Float64Array.from(samples).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  let sum = 0;
  for (const v of s) sum += v;
  return { n: s.length, mean: sum / s.length, median: q(0.5), p10: q(0.1), p90: q(0.9), p99: q(0.99), min: s[0], max: s[s.length - 1] };
}

// ---- commands -----------------------------------------------------------------
serveWorker({
  /** The same load generator (our client core) for our server and werift's. */
  async hsStart({ port, suite, concurrency, impl = 'ours' }) {
    if (impl === 'floor') {
      // The handshake floor's client (bench/lib/floor.mjs): the same datagrams, no DTLS.
      const { floorHandshakeClient } = await import('./floor.mjs');
      hs.running = true;
      for (let i = 0; i < concurrency; i++) void floorLane(port, floorHandshakeClient);
      return { started: concurrency };
    }
    // retransmitTimeout 4 s: a server queueing many handshakes must not see
    // retransmitted flights (they would add server work per handshake).
    const newClient = clientFactory(lib, pki, suite, { retransmitTimeout: 4000 });
    hs.running = true;
    for (let i = 0; i < concurrency; i++) void handshakeLane(port, newClient);
    return { started: concurrency };
  },
  /** Stop starting handshakes (the process is stopped right after; in-flight ones are abandoned). */
  hsStop() {
    hs.running = false;
    return { ...hs };
  },
  /**
   * One handshake, timed from connectAsync() to its resolution; then close_notify.
   * Every handshake uses the same client socket (source port): openssl s_server
   * connect(2)s its socket to its first client and then only hears that address.
   */
  async connectOnce({ suite, port }) {
    if (!latencySocket) {
      latencySocket = dgram.createSocket('udp4');
      await new Promise((r) => latencySocket.bind(0, '127.0.0.1', r));
    }
    const opts = { host: '127.0.0.1', port, socket: latencySocket, ...clientOptions(pki, suite) };
    const t0 = performance.now();
    const c = await lib.connectAsync(opts);
    const ms = performance.now() - t0;
    const info = { cipher: c.getCipher()?.name, group: c.negotiated?.group, protocol: c.getProtocol() };
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 1000);
      c.once('close', () => { clearTimeout(t); resolve(); });
      c.on('error', () => {});
      c.end();
    });
    return { ms, ...info };
  },
  open,
  /** mode 'echo': keep `window` records in flight; 'ping': one at a time, RTT per record. */
  pump({ mode, size, window = 1 }) {
    Object.assign(pump, { running: true, mode, window: mode === 'ping' ? 1 : window, payload: floorSeal ? floorSeal(1, Buffer.alloc(size, 0x61)) : Buffer.alloc(size, 0x61), inflight: 0, lastRx: performance.now() });
    // A lost datagram (UDP may drop one when socket buffers fill) would shrink the window for good:
    // after 250 ms without any reply, count what was in flight as lost and refill.
    clearInterval(watchdog);
    watchdog = setInterval(() => {
      if (pump.running && pump.inflight > 0 && performance.now() - pump.lastRx > 250) {
        pump.lost += pump.inflight;
        pump.inflight = 0;
        pump.lastRx = performance.now();
        topUp();
      }
    }, 25);
    topUp();
    return {};
  },
  snap() {
    const r = {
      t: performance.now(), received: pump.received, bytes: pump.bytes, lost: pump.lost,
      rtt: summary(pump.rtts), hsDone: hs.done, hsFailed: hs.failed, hsLastError: hs.lastError,
      unhandled: globalThis.__benchUnhandled ?? 0,
    };
    pump.rtts = [];
    return r;
  },
  /** Stop sending and let what is in flight come back (the connection stays open for the next run). */
  async halt() {
    pump.running = false;
    clearInterval(watchdog);
    await new Promise((r) => setTimeout(r, 150));
    pump.inflight = 0;
    return {};
  },
  stop() {
    pump.running = false;
    clearInterval(watchdog);
    try { conn?.close(); } catch { /* closed */ }
    return {};
  },
});
