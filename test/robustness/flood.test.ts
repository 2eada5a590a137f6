/**
 * DOS-01 at acceptance scale: "A flood of 100,000 cookieless ClientHellos from
 * 100,000 spoofed addresses (in-memory) leaves zero connections, zero timers
 * and a heap within 1 MiB of baseline after GC; every HVR is no larger than
 * the ClientHello it answers."
 *
 * vitest's workers do not expose `gc`, so the flood runs in a child process:
 * test/robustness/flood-heap.ts, bundled with esbuild into a temporary
 * directory and run with `node --expose-gc`. PUREDTLS_FLOOD_N=1000000 runs the
 * 10^6 of the DOS-01 row.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const COUNT = Number(process.env.PUREDTLS_FLOOD_N ?? 100_000);
const MiB = 1024 * 1024;
const PKI_DIR = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));
const ENTRY = fileURLToPath(new URL('./flood-heap.ts', import.meta.url));

interface FloodReport {
  count: number;
  helloSizes: number[];
  hellos: number;
  hvrs: number;
  notOne: number;
  larger: number;
  maxHvr: number;
  maxRatio: number;
  helloBytes: number;
  hvrBytes: number;
  endpointSize: number;
  handshakeCount: number;
  nextTimeout: number | null;
  helloVerifyRequests: number;
  helloRetryRequests: number;
  handshakesStarted: number;
  activeTimers: number;
  heapBaseline: number;
  heapAfter: number;
  heapDelta: number;
  externalDelta: number;
  wallMs: number;
  cpuMs: number;
}

let dir: string | undefined;
let report: FloodReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'puredtls-flood-'));
  const out = join(dir, 'flood-heap.mjs');
  await build({
    entryPoints: [ENTRY], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
    // CommonJS dependencies (asn1js) may call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const r = spawnSync(process.execPath, ['--expose-gc', out, PKI_DIR, String(COUNT)], { encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`flood-heap exited with ${r.status ?? r.signal}\n${r.stderr}`);
  report = JSON.parse(r.stdout.trim().split('\n').pop()!) as FloodReport;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `DOS-01 flood: ${report.hellos} ClientHellos (${report.helloSizes.join(' / ')} B) from ${report.hellos} addresses -> ${report.hvrs} HVRs ` +
    `(max ${report.maxHvr} B, ratio ≤ ${report.maxRatio.toFixed(3)}); endpoint.size ${report.endpointSize}, timers ${report.nextTimeout ?? 'none'}; ` +
    `heap ${kib(report.heapBaseline)} -> ${kib(report.heapAfter)} (delta ${kib(report.heapDelta)}), external delta ${kib(report.externalDelta)}; ` +
    `${Math.round(report.hellos / (report.cpuMs / 1000))} ClientHellos per CPU-second`,
  );
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`a flood of ${COUNT.toLocaleString('en')} cookieless ClientHellos from as many spoofed addresses (DOS-01)`, () => {
  it('is answered with exactly one HelloVerifyRequest (DTLS 1.2) or stateless HelloRetryRequest (DTLS 1.3) per ClientHello, to its sender', () => {
    expect(report.hellos).toBe(COUNT);
    expect(report.notOne).toBe(0);
    expect(report.hvrs).toBe(COUNT);
    // Every third hello is the default one, which offers DTLS 1.3.
    expect(report.helloRetryRequests).toBe(Math.ceil(COUNT / 3));
    expect(report.helloVerifyRequests).toBe(COUNT - Math.ceil(COUNT / 3));
  });

  it('never answers with an HVR or HRR larger than the ClientHello (amplification ≤ 1×)', () => {
    expect(report.larger).toBe(0);
    expect(report.maxRatio).toBeLessThanOrEqual(1);
    expect(report.hvrBytes).toBeLessThanOrEqual(report.helloBytes);
  });

  it('leaves zero associations, zero handshakes and zero timers', () => {
    expect(report.endpointSize).toBe(0);
    expect(report.handshakeCount).toBe(0);
    expect(report.handshakesStarted).toBe(0);
    expect(report.nextTimeout).toBeNull();
    expect(report.activeTimers).toBe(0);
  });

  it('leaves the heap within 1 MiB of its baseline after GC', () => {
    expect(Math.abs(report.heapDelta)).toBeLessThan(MiB);
    expect(Math.abs(report.externalDelta)).toBeLessThan(MiB);
  });
});
