// In-process measurements on the sans-IO core (run with --expose-gc):
// - memory: bytes per established server association (ServerEndpoint),
// - hvr: HelloVerifyRequests per second from ServerEndpoint.handleDatagram under
//   a cookieless ClientHello flood from varying addresses, and heap flatness.
import { serveWorker } from './proc.mjs';
import { clientOptions, loadPki, serverOptions } from './config.mjs';
import { clientFactory } from './fast-client.mjs';

const lib = await import(process.env.BENCH_LIB);
const pki = loadPki();
const SERVER = { address: '10.0.0.1', port: 4433 };

function gcMem() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, total: m.heapUsed + m.external, rss: m.rss };
}

function endpoint(suite, extra) {
  const { config } = lib.resolveServerConfig(serverOptions(pki, suite, 'node', extra));
  return new lib.ServerEndpoint(config);
}

/** The first datagram of a client: a ClientHello without cookie. */
function recordedClientHello(suite) {
  const node = new lib.DtlsClientNode(clientOptions(pki, suite), SERVER, Date.now());
  return node.takeOutgoing()[0].data;
}

const ipOf = (i) => `10.${1 + ((i >> 16) & 0x7f)}.${(i >> 8) & 0xff}.${i & 0xff}`;

/**
 * Run `count` handshakes (batches of `batch` concurrent clients) against `ep`
 * with synchronous in-memory delivery. Client objects are dropped after each batch.
 * `close`: the clients send close_notify at the end (warm-up).
 */
function handshakes(ep, newClient, first, count, batch, close = false, deadline = Infinity) {
  let secure = 0;
  for (let b = 0; b < count; b += batch) {
    if (performance.now() > deadline) break;
    const now = Date.now();
    const clients = new Map();
    const q = [];
    for (let i = first + b; i < first + Math.min(count, b + batch); i++) {
      const from = { address: ipOf(i), port: 20_000 + (i % 40_000) };
      const conn = newClient(now);
      clients.set(`${from.address}|${from.port}`, { from, conn });
      for (const d of conn.takeTransmits()) q.push(from, d);
    }
    for (let h = 0; h < q.length; h += 2) {
      const from = q[h];
      ep.receive(q[h + 1], from.address, from.port, now);
      q[h] = q[h + 1] = undefined;
      for (const t of ep.takeTransmits()) {
        const c = clients.get(`${t.address}|${t.port}`);
        if (!c) continue;
        c.conn.receive(t.data, now);
        c.conn.takeEvents();
        for (const d of c.conn.takeTransmits()) q.push(c.from, d);
      }
      for (const ev of ep.takeEvents()) if (ev.type === 'secure') secure++;
    }
    for (const c of clients.values()) {
      if (!c.conn.isEstablished) throw new Error(`client ${c.from.address}:${c.from.port} did not establish: ${c.conn.closeError?.message ?? c.conn.stateName}`);
      if (close) {
        c.conn.close(now);
        for (const d of c.conn.takeTransmits()) ep.receive(d, c.from.address, c.from.port, now);
        ep.takeTransmits();
        ep.takeEvents();
      }
    }
  }
  return secure;
}

serveWorker({
  memory({ suite = 'ecdsa-p256', count = 10_000, batch = 250, maxMs = Infinity }) {
    const ep = endpoint(suite, { maxConnections: count + 1000, maxHandshakes: batch * 2, maxHelloRate: 0 });
    // Warm-up (JIT, lazily built module state), then closed: the baseline holds none of it.
    const newClient = clientFactory(lib, pki, suite);
    handshakes(ep, newClient, 500_000, 200, 100, true);
    if (ep.size !== 0) throw new Error(`warm-up associations not closed: ${ep.size}`);
    const before = gcMem();
    const t0 = performance.now();
    const secure = handshakes(ep, newClient, 0, count, batch, false, t0 + maxMs);
    const ms = performance.now() - t0;
    const established = [...ep.associations()].filter((a) => a.established && !a.conn.isClosed).length;
    const after = gcMem();
    // Each server keeps its last flight 240 s for retransmission (lastFlightLifetime):
    // advance the clock past it (idle timeout is 600 s) and measure again.
    ep.handleTimeout(Date.now() + 250_000);
    ep.takeTransmits();
    ep.takeEvents();
    const stillEstablished = [...ep.associations()].filter((a) => a.established && !a.conn.isClosed).length;
    const afterExpiry = gcMem();
    return { requested: count, secure, established, stillEstablished, ms, before, after, afterExpiry, size: ep.size };
  },
  hvr({ suite = 'ecdsa-p256', warmupMs = 300, durationMs = 3000 }) {
    // The stateless path's own speed: no hello rate limit.
    const ep = endpoint(suite, { maxHelloRate: 0 });
    const hello = recordedClientHello(suite);
    const addrs = Array.from({ length: 4096 }, (_, i) => `198.18.${i >> 8}.${i & 0xff}`);
    let i = 0;
    let hvrBytes = 0;
    const burst = (n) => {
      for (let k = 0; k < n; k++, i++) {
        ep.receive(hello, addrs[i & 4095], 1024 + (i % 64_000), Date.now());
        for (const t of ep.takeTransmits()) hvrBytes = t.data.length;
        ep.takeEvents();
      }
    };
    for (let t = performance.now(); performance.now() - t < warmupMs;) burst(1000);
    const before = gcMem();
    const s0 = { ...ep.stats };
    let peak = process.memoryUsage().heapUsed;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t1 = t0;
    while ((t1 = performance.now()) - t0 < durationMs) {
      burst(5000);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const c1 = process.cpuUsage(c0);
    const hvr = ep.stats.helloVerifyRequests - s0.helloVerifyRequests;
    const datagrams = i;
    const after = gcMem();
    return {
      hvr, seconds: (t1 - t0) / 1000, rate: hvr / ((t1 - t0) / 1000), cpuUtil: (c1.user + c1.system) / ((t1 - t0) * 1000),
      ratePerCpuSecond: hvr / ((c1.user + c1.system) / 1e6), dropped: ep.stats.dropped - s0.dropped,
      handshakesStarted: ep.stats.handshakesStarted, associations: ep.size, before, after, peakHeapUsed: peak,
      helloBytes: hello.length, hvrBytes, datagrams,
    };
  },
  recordedClientHello({ suite = 'ecdsa-p256' }) {
    return Buffer.from(recordedClientHello(suite)).toString('base64');
  },
});
