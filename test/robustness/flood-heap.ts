/**
 * DOS-01 measurement script (not a test file): floods a sans-IO ServerEndpoint
 * with cookieless ClientHellos from distinct spoofed addresses and reports, as
 * one JSON line on stdout, the HVR count and sizes, the endpoint's state and
 * the heap before and after.
 *
 * test/robustness/flood.test.ts bundles it with esbuild and runs it as
 *   node --expose-gc flood-heap.mjs PKI_DIR COUNT
 * (vitest's workers do not expose `gc`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveServerConfig } from '../../src/config.js';
import { ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';

declare const gc: (() => void) | undefined;

const [pkiDir = '', countArg = '100000'] = process.argv.slice(2);
const COUNT = Number(countArg);
const WARMUP = 20_000;
const pki = (name: string) => readFileSync(join(pkiDir, name));
const SERVER = { address: '192.0.2.1', port: 4433 };

function fullGc(): void {
  if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

/**
 * ClientHellos as our client sends them first: the default one (DTLS 1.3 and
 * 1.2: a stateless HelloRetryRequest answers it), the default DTLS 1.2 one and
 * a smaller 1.2 one (one suite, one group), both answered by a HelloVerifyRequest.
 */
const hellos = [
  new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER).takeOutgoing()[0]!.data,
  new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost', maxVersion: 'DTLSv1.2' }, SERVER).takeOutgoing()[0]!.data,
  new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ecdhCurve: 'P-256' }, SERVER)
    .takeOutgoing()[0]!.data,
];

const endpoint = new ServerEndpoint(resolveServerConfig({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem') }).config);

interface Tally {
  hellos: number;
  hvrs: number;
  /** ClientHellos answered by anything other than exactly one datagram. */
  notOne: number;
  /** HVRs larger than the ClientHello they answer. */
  larger: number;
  maxHvr: number;
  maxRatio: number;
  helloBytes: number;
  hvrBytes: number;
}

const tally = (): Tally => ({ hellos: 0, hvrs: 0, notOne: 0, larger: 0, maxHvr: 0, maxRatio: 0, helloBytes: 0, hvrBytes: 0 });

/** `count` ClientHellos from `count` distinct (address, port) pairs starting at `offset`. */
function flood(count: number, offset: number, t: Tally): void {
  for (let k = 0; k < count; k++) {
    const i = offset + k;
    const hello = hellos[i % hellos.length]!;
    // Distinct (address, port) per ClientHello: 10.x.y.z, port 1024..65535.
    const address = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    const port = 1024 + ((i * 7919) % 64_512);
    endpoint.receive(hello, address, port, i); // virtual time: 1 ms per ClientHello
    const out = endpoint.takeTransmits();
    endpoint.takeEvents();
    t.hellos++;
    t.helloBytes += hello.length;
    if (out.length !== 1) t.notOne++;
    for (const o of out) {
      t.hvrs++;
      t.hvrBytes += o.data.length;
      if (o.address !== address || o.port !== port) t.notOne++;
      if (o.data.length > hello.length) t.larger++;
      t.maxHvr = Math.max(t.maxHvr, o.data.length);
      t.maxRatio = Math.max(t.maxRatio, o.data.length / hello.length);
    }
  }
}

// Warm up (JIT, inline caches, lazily built tables) on other addresses, then take the baseline.
flood(WARMUP, 1 << 24, tally());
fullGc();
const baseline = process.memoryUsage();
const statsBefore = { ...endpoint.stats };
const t = tally();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
flood(COUNT, 0, t);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
fullGc();
const after = process.memoryUsage();

const timers = process.getActiveResourcesInfo().filter((r) => /Timeout|Immediate/.test(r)).length;
console.log(JSON.stringify({
  count: COUNT,
  helloSizes: hellos.map((h) => h.length),
  ...t,
  endpointSize: endpoint.size,
  handshakeCount: endpoint.handshakeCount,
  nextTimeout: endpoint.nextTimeout() ?? null,
  helloVerifyRequests: endpoint.stats.helloVerifyRequests - statsBefore.helloVerifyRequests,
  helloRetryRequests: endpoint.stats.helloRetryRequests - statsBefore.helloRetryRequests,
  handshakesStarted: endpoint.stats.handshakesStarted - statsBefore.handshakesStarted,
  activeTimers: timers,
  heapBaseline: baseline.heapUsed,
  heapAfter: after.heapUsed,
  heapDelta: after.heapUsed - baseline.heapUsed,
  externalDelta: after.external - baseline.external,
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
}));
