// The server process. Commands (IPC): start, mark, heap, exit.
// `mark` reads process.cpuUsage() (user + system, every thread of this process)
// and the counters, so the parent computes CPU per handshake or per record
// over exactly the window between two marks.
import dgram from 'node:dgram';
import { serveWorker } from './proc.mjs';
import { loadPki, serverOptions, SUITES } from './config.mjs';

// BENCH_SERVER_LIB (run.mjs --server-lib): another build's server, driven by this run's clients.
const lib = await import(process.env.BENCH_SERVER_LIB ?? process.env.BENCH_LIB);
const pki = loadPki();
const counters = { handshakes: 0, echoed: 0, errors: 0, lastError: '', datagramsIn: 0, datagramsOut: 0, closed: 0 };
let peerCount = () => NaN;
let hvrStat = () => 0;
let peakHeap = 0;
let sampler;

async function bindUdp4() {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => { socket.off('error', reject); resolve(); });
  });
  // Count the server's datagrams (a check on retransmissions: datagrams per handshake).
  socket.on('message', () => { counters.datagramsIn++; });
  const send = socket.send;
  socket.send = function countedSend(...args) {
    counters.datagramsOut++;
    return send.apply(this, args);
  };
  return socket;
}

function floorHandshakeServer(floor, socket) {
  return floor.floorHandshakeServer(socket, counters, pki.ecdsa.key);
}

const handlers = {
  /** impl: 'ours' | 'werift' | 'raw'; mode: 'handshake' | 'echo' */
  async start({ impl, suite = 'ecdsa-p256', crypto = 'node', mode = 'echo', sampleHeap = false, maxHelloRate }) {
    const socket = await bindUdp4();
    if (impl === 'raw') {
      socket.on('message', (m, ri) => { counters.echoed++; socket.send(m, ri.port, ri.address); });
    } else if (impl === 'floor') {
      // The node:crypto + dgram floor (bench/lib/floor.mjs): no DTLS, only the calls it cannot avoid.
      const floor = await import('./floor.mjs');
      if (mode === 'handshake') peerCount = floorHandshakeServer(floor, socket).peers;
      else floor.floorEchoServer(socket, counters);
    } else if (impl === 'ours') {
      // No hello rate limit: it would cap the handshake rate the benchmark drives.
      const server = lib.createServer({ ...serverOptions(pki, suite, crypto), socket, maxHelloRate: maxHelloRate ?? 0 });
      server.on('secureConnection', (peer) => {
        counters.handshakes++;
        peer.on('message', (m) => { counters.echoed++; peer.send(m); });
      });
      server.on('error', (err) => { counters.errors++; counters.lastError = `${err.code ?? ''} ${err.message}`; });
      // Server.endpoint is @internal but is the only place the HelloVerifyRequest count exists.
      hvrStat = () => server.endpoint?.stats?.helloVerifyRequests ?? NaN;
      peerCount = () => server.connections;
      server.on('secureConnection', (peer) => peer.on('close', () => { counters.closed++; }));
    } else if (impl === 'werift') {
      const { weriftServer } = await import('./werift.mjs');
      const s = SUITES[suite];
      const { peers } = weriftServer(socket, {
        ...pki[s.identity], signature: s.werift.signature, echo: mode === 'echo',
        onConnect: () => { counters.handshakes++; },
        onError: (e) => { counters.errors++; counters.lastError = String(e?.message ?? e); },
        onMessage: () => { counters.echoed++; },
        onClose: () => { counters.closed++; },
      });
      peerCount = () => peers.size;
    } else {
      throw new Error(`unknown impl ${impl}`);
    }
    if (sampleHeap) {
      sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 100);
      sampler.unref();
    }
    return { port: socket.address().port };
  },
  mark() {
    const cpu = process.cpuUsage();
    return {
      cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system,
      t: performance.now(), ...counters, hvr: hvrStat(), peers: peerCount(), unhandled: globalThis.__benchUnhandled ?? 0,
    };
  },
  /** Memory after a full GC (the worker runs with --expose-gc). */
  heap({ resetPeak = false } = {}) {
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    const r = { heapUsed: m.heapUsed, external: m.external, rss: m.rss, peakHeapUsed: Math.max(peakHeap, m.heapUsed) };
    if (resetPeak) peakHeap = m.heapUsed;
    return r;
  },
};

serveWorker(handlers);
