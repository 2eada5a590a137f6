/**
 * Handshake success under random loss (ROBUSTNESS.md §4, NET-01), measured on
 * the in-memory VirtualNetwork: independent per-datagram loss in both
 * directions, default timers (1 s doubling, HVR never retransmitted),
 * `handshakeTimeout` 60 s on both sides. A handshake is done at the virtual
 * time when the client has its 'secure' event and the server has established
 * the association.
 *
 * Shared by test/robustness/loss.test.ts (a quick sample, in `npm test`) and
 * test/slow/loss.test.ts (≥ 1,000 seeds, `npm run test:slow`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { CommonOptions } from '../../src/options.js';
import { CLIENT_ADDR, SERVER_ADDR, pair } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

/**
 * A provider with imported keys memoised by their DER bytes. Every run builds
 * fresh nodes (fresh options resolution), and re-importing the same PEM keys
 * into KeyObjects each time would dominate the measurement's CPU time; a real
 * server imports them once. Protocol behaviour is unchanged.
 */
export function memoKeys(base: CryptoProvider): CryptoProvider {
  const memo = <T>(f: (b: Uint8Array) => T): ((b: Uint8Array) => T) => {
    const m = new Map<string, T>();
    return (b) => {
      const k = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
      let v = m.get(k);
      if (v === undefined) {
        v = f(b);
        m.set(k, v);
      }
      return v;
    };
  };
  return Object.freeze({
    ...base,
    importSigningKey: memo((b) => base.importSigningKey(b)),
    importVerifyingKey: memo((b) => base.importVerifyingKey(b)),
  });
}

/** node:crypto with memoised key imports (see {@link memoKeys}). */
export const memoNodeProvider: CryptoProvider = memoKeys(nodeProvider);
/** @noble with memoised key imports (see {@link memoKeys}). */
export const memoNobleProvider: CryptoProvider = memoKeys(nobleProvider);

const HANDSHAKE_TIMEOUT = 60_000;
/** Largest datagram in the RSA configuration: flights 4 and 5 then take three datagrams each. */
export const RSA_MTU = 900;

const files = new Map<string, Buffer>();
const file = (name: string): Buffer => {
  let b = files.get(name);
  if (!b) {
    b = pki(name);
    files.set(name, b);
  }
  return b;
};

/** One measured configuration. */
export interface LossConfig {
  readonly name: string;
  readonly label: string;
  /** A server and a client on a fresh network with `drop` loss each way. */
  build(seed: number, drop: number): ReturnType<typeof pair>;
}

/**
 * Which protocol version and crypto provider a configuration runs with:
 * DTLS 1.2 (the client pinned to it) or DTLS 1.3 (the client requires it);
 * node:crypto or @noble. Default: 1.2 on node:crypto.
 */
export interface Variant {
  readonly version?: '1.2' | '1.3';
  readonly provider?: 'node' | 'noble';
}

/** The name suffix, label suffix, client options and provider of a variant. */
function variant(v: Variant): { name: string; label: string; client: Partial<CommonOptions>; provider: CryptoProvider } {
  const v13 = v.version === '1.3';
  const noble = v.provider === 'noble';
  return {
    name: `${v13 ? '-1.3' : ''}${noble ? '-noble' : ''}`,
    label: `${v13 ? ', DTLS 1.3' : ''}${noble ? ', @noble' : ''}`,
    client: v13 ? { minVersion: 'DTLSv1.3', maxVersion: 'DTLSv1.3' } : { maxVersion: 'DTLSv1.2' },
    provider: noble ? memoNobleProvider : memoNodeProvider,
  };
}

/** ECDSA P-256 server, no client authentication (flights 4 and 5 are one datagram each in DTLS 1.2). */
export function ecdsa(v: Variant = {}): LossConfig {
  const x = variant(v);
  return {
    name: `ecdsa${x.name}`,
    label: `ECDSA P-256 server, no client auth${x.label}`,
    build: (seed, drop) => pair({
      seed, provider: x.provider, impairments: { drop },
      server: { handshakeTimeout: HANDSHAKE_TIMEOUT },
      client: { handshakeTimeout: HANDSHAKE_TIMEOUT, ...x.client },
    }),
  };
}

/** The DTLS 1.2 ECDSA configuration on node:crypto. */
export const ECDSA: LossConfig = ecdsa();

/**
 * RSA-2048 server sending its chain (leaf + CA), client authentication
 * required with the client's RSA chain, MTU {@link RSA_MTU} on both sides:
 * flights 4 and 5 take three datagrams each in DTLS 1.2.
 */
export function rsaClientAuth(client: { sessionTickets?: boolean } & Variant = {}): LossConfig {
  const { version, provider, ...options } = client;
  const x = variant({ ...(version && { version }), ...(provider && { provider }) });
  const suffix = options.sessionTickets === false ? '-notickets' : '';
  return {
    name: `rsa-client-auth${suffix}${x.name}`,
    label: `RSA-2048 chain + client auth, MTU ${RSA_MTU}${suffix ? ', client sessionTickets: false' : ''}${x.label}`,
    build: (seed, drop) => pair({
      seed, provider: x.provider, impairments: { drop },
      server: {
        key: file('server-rsa2048.key.pem'), cert: file('server-rsa2048.chain.pem'), ca: file('ca-bundle.pem'),
        requestCert: true, rejectUnauthorized: true, mtu: RSA_MTU, handshakeTimeout: HANDSHAKE_TIMEOUT,
      },
      client: {
        key: file('client-rsa.key.pem'), cert: file('client-rsa.chain.pem'), mtu: RSA_MTU, handshakeTimeout: HANDSHAKE_TIMEOUT,
        ...x.client, ...options,
      },
    }),
  };
}

/** Bytes both sides sent (UDP payloads, before any loss) in a loss-free handshake of `config`, until both are done. */
export function lossFreeBytes(config: LossConfig): number {
  const p = config.build(1, 0);
  let bytes = 0;
  p.net.linkBoth(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { bytes += d.data.length; return 'pass'; } });
  p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
  if (!p.client.established) throw new Error(`${config.name}: loss-free handshake failed`);
  return bytes;
}

/** Datagrams in the first transmission of each flight, in a loss-free handshake. */
export function flightShape(config: LossConfig): Record<number, number> {
  const p = config.build(1, 0);
  const shape: Record<number, number> = {};
  const count = (d: { flight: number | undefined; flightTransmission: number | undefined }) => {
    if (d.flight !== undefined && d.flightTransmission === 0) shape[d.flight] = (shape[d.flight] ?? 0) + 1;
    return 'pass' as const;
  };
  p.net.linkBoth(SERVER_ADDR, CLIENT_ADDR, { filter: count });
  p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
  if (!p.client.established) throw new Error(`${config.name}: loss-free handshake failed`);
  return shape;
}

/** What one (configuration, loss) point measured. */
export interface LossResult {
  readonly config: string;
  readonly loss: number;
  readonly runs: number;
  /** Done within 10 s of virtual time, in percent. */
  readonly within10: number;
  /** Done within 60 s of virtual time, in percent. */
  readonly within60: number;
  /** Median and 95th percentile completion time of the completed runs (virtual ms). */
  readonly median: number;
  readonly p95: number;
  /** Seeds that did not complete within 60 s (the first few). */
  readonly failedSeeds: number[];
  /** Bytes (UDP payloads, both directions) the loss-free handshake sends. */
  readonly lossFreeBytes: number;
  /**
   * Mean bytes sent beyond the loss-free handshake's, per completed run, until
   * both sides were done: retransmissions (and, in DTLS 1.3, the ACKs the loss
   * made necessary). Counted as the nodes send, before the network drops.
   */
  readonly extraBytes: number;
  /** CPU time of the measurement, ms. */
  readonly cpuMs: number;
}

/** Run seeds `first .. first+runs-1` at `loss` each way. */
export function measure(config: LossConfig, loss: number, runs: number, first = 1): LossResult {
  const baseline = lossFreeBytes(config);
  const cpu0 = process.cpuUsage();
  let in10 = 0;
  let extra = 0;
  const times: number[] = [];
  const failed: number[] = [];
  for (let seed = first; seed < first + runs; seed++) {
    const p = config.build(seed, loss);
    let bytes = 0;
    // The same loss as `build` configured (each direction keeps its own random stream), counting what the nodes send.
    p.net.linkBoth(SERVER_ADDR, CLIENT_ADDR, { drop: loss, filter: (d) => { bytes += d.data.length; return 'pass'; } });
    const done = () => p.client.established && p.server.established > 0;
    p.net.run({ until: done, maxTime: HANDSHAKE_TIMEOUT });
    if (done()) {
      times.push(p.net.now);
      extra += bytes - baseline;
      if (p.net.now <= 10_000) in10++;
    } else {
      failed.push(seed);
    }
  }
  times.sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpu0);
  return {
    config: config.name, loss, runs,
    within10: (100 * in10) / runs,
    within60: (100 * times.length) / runs,
    median: times[Math.floor(times.length / 2)] ?? NaN,
    p95: times[Math.floor(times.length * 0.95)] ?? NaN,
    failedSeeds: failed.slice(0, 8),
    lossFreeBytes: baseline,
    extraBytes: times.length > 0 ? extra / times.length : NaN,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** ROBUSTNESS.md §4 targets (percent) per loss level; 50% is reported only. */
export const TARGETS: Readonly<Record<number, { within10: number; within60: number } | undefined>> = {
  0.1: { within10: 99.5, within60: 100 },
  0.3: { within10: 80, within60: 95 },
  0.5: undefined,
};

/** "A measured value may sit up to 2 percentage points below its target." */
export const ALLOWED_SHORTFALL = 2;

/**
 * The lowest acceptable measured value. With ≥ 1,000 runs: target − 2 points,
 * as ROBUSTNESS.md §4 says. With fewer runs (the quick sample in `npm test`)
 * also 1.96 standard errors of the sample, so that a quick sample of a stack
 * that meets the target is not flagged by chance.
 */
export function threshold(target: number, runs: number): number {
  if (runs >= 1000) return target - ALLOWED_SHORTFALL;
  const p = target / 100;
  return target - ALLOWED_SHORTFALL - 196 * Math.sqrt((p * (1 - p)) / runs);
}

/**
 * Points where the stack is known to miss its target (see the report in the
 * test file). They are asserted against a regression floor instead, unless
 * PUREDTLS_LOSS_STRICT=1 asks for the targets everywhere.
 */
export const KNOWN_SHORTFALLS: Readonly<Record<string, { within10: number; within60: number; why: string }>> = {
  // None at present: every configuration meets its targets.
};

export const STRICT = process.env.PUREDTLS_LOSS_STRICT === '1';

/**
 * A small table of results for the test log. `bytes`: what the loss-free
 * handshake sends (both directions); `resent`: the mean bytes sent beyond it
 * per completed run ({@link LossResult.extraBytes}).
 */
export function formatTable(results: readonly LossResult[]): string {
  const head = ['config', 'loss', 'runs', '≤10 s', 'target', '≤60 s', 'target', 'median', 'p95', 'bytes', 'resent', 'cpu'];
  const rows = results.map((r) => {
    const t = TARGETS[r.loss];
    const known = KNOWN_SHORTFALLS[`${r.config}@${r.loss}`];
    const mark = (v: number, target: number | undefined) =>
      target === undefined ? 'report' : `${target}%${v < threshold(target, r.runs) ? (known ? ' MISSED (known)' : ' MISSED') : ''}`;
    return [
      r.config, `${r.loss * 100}%`, String(r.runs),
      `${r.within10.toFixed(1)}%`, mark(r.within10, t?.within10),
      `${r.within60.toFixed(1)}%`, mark(r.within60, t?.within60),
      `${(r.median / 1000).toFixed(1)} s`, `${(r.p95 / 1000).toFixed(1)} s`,
      String(r.lossFreeBytes), `+${Math.round(r.extraBytes)}`, `${(r.cpuMs / 1000).toFixed(1)} s`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * The title of one (configuration, loss) point: exactly what `checkTargets`
 * asserts for a sample of `runs` seeds, so that title and threshold cannot
 * say different things.
 */
export function pointTitle(config: LossConfig, loss: number, runs: number): string {
  const target = TARGETS[loss];
  const head = `${config.label}, ${loss * 100}% loss`;
  if (target === undefined) return `${head}: reported only`;
  const known = KNOWN_SHORTFALLS[`${config.name}@${loss}`];
  if (known && !STRICT) return `${head}: known shortfall, regression floor ${known.within10}% within 10 s and ${known.within60}% within 60 s`;
  const margin = runs >= 1000 ? 'less the 2 points ROBUSTNESS §4 allows' : `less 2 points and 1.96 standard errors of a ${runs}-seed sample`;
  return `${head}: ≥ ${threshold(target.within10, runs).toFixed(1)}% done within 10 s and ≥ ${threshold(target.within60, runs).toFixed(1)}% within 60 s `
    + `(targets ${target.within10}% and ${target.within60}%, ${margin})`;
}

/** Assert one point against ROBUSTNESS.md §4 (the thresholds `pointTitle` states). */
export function checkTargets(r: LossResult): void {
  const target = TARGETS[r.loss];
  if (target === undefined) return; // 50%: report only
  const known = KNOWN_SHORTFALLS[`${r.config}@${r.loss}`];
  const ctx = `${r.config} at ${r.loss * 100}% loss over ${r.runs} seeds; failed seeds ${r.failedSeeds.join(', ') || 'none'}`;
  if (known && !STRICT) {
    expect(r.within10, `${ctx}: regression below the known level (${known.why})`).toBeGreaterThanOrEqual(known.within10);
    expect(r.within60, `${ctx}: regression below the known level (${known.why})`).toBeGreaterThanOrEqual(known.within60);
    return;
  }
  expect(r.within10, `${ctx}: done within 10 s`).toBeGreaterThanOrEqual(threshold(target.within10, r.runs));
  expect(r.within60, `${ctx}: done within 60 s`).toBeGreaterThanOrEqual(threshold(target.within60, r.runs));
}


/** One configuration measured in DTLS 1.2 and 1.3 under the same seeds. */
export interface VersionComparison {
  readonly config: string;
  readonly provider: string;
  readonly loss: number;
  readonly v12: LossResult;
  readonly v13: LossResult;
}

/** The bytes each version sent beyond its loss-free handshake, side by side. */
export function formatComparison(rows: readonly VersionComparison[]): string {
  const head = ['config', 'provider', 'loss', 'runs', '1.2 ≤10 s', '1.3 ≤10 s', '1.2 ≤60 s', '1.3 ≤60 s', '1.2 bytes', '1.3 bytes', '1.2 resent', '1.3 resent', 'change'];
  const pct = (v: number) => `${v.toFixed(1)}%`;
  const cells = rows.map((c) => [
    c.config, c.provider, `${c.loss * 100}%`, String(c.v13.runs),
    pct(c.v12.within10), pct(c.v13.within10), pct(c.v12.within60), pct(c.v13.within60),
    String(c.v12.lossFreeBytes), String(c.v13.lossFreeBytes),
    `+${Math.round(c.v12.extraBytes)}`, `+${Math.round(c.v13.extraBytes)}`,
    `${c.v13.extraBytes <= c.v12.extraBytes ? '' : '+'}${Math.round((100 * (c.v13.extraBytes - c.v12.extraBytes)) / c.v12.extraBytes)}%`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/**
 * The DTLS 1.3 loss measurement (RFC 9147 §5.8, §7; ROBUSTNESS.md §4,
 * NET-01): for each provider and configuration, 1.3 meets the targets 1.2
 * has, and its retransmissions cost fewer bytes than 1.2's under the same
 * seeds. With flights of several datagrams (the RSA configuration) ACKs let
 * only the lost datagrams be resent: fewer bytes outright. With one datagram
 * per flight (ECDSA) there is nothing to save, and 1.3's hellos are bigger
 * (key shares, the HelloRetryRequest cookie): there, the bytes resent per
 * byte of the loss-free handshake must not exceed 1.2's. `compare: false`
 * measures 1.3 alone. Defines the tests
 * (describe/it) of test/robustness/dtls13-loss.test.ts and
 * test/slow/dtls13-loss.test.ts.
 */
export function dtls13LossSuite(o: { runs: number; losses: readonly number[]; providers: readonly ('node' | 'noble')[]; compare: boolean }): void {
  const results: LossResult[] = [];
  const comparisons: VersionComparison[] = [];
  afterAll(() => {
    if (results.length === 0) return;
    console.log(`DTLS 1.3 handshake success under loss, ${o.runs} seeds per point (virtual time)\n${formatTable(results)}`);
    if (comparisons.length > 0) console.log(`bytes sent beyond the loss-free handshake, DTLS 1.2 and 1.3 under the same seeds\n${formatComparison(comparisons)}`);
  });
  const configs = (v: Variant) => [ecdsa(v), rsaClientAuth(v)];
  for (const provider of o.providers) {
    describe(`DTLS 1.3 under random loss in both directions (${provider === 'node' ? 'node:crypto' : '@noble'})`, () => {
      const v13 = configs({ version: '1.3', provider });
      const v12 = configs({ version: '1.2', provider });
      v13.forEach((config, i) => {
        for (const loss of o.losses) {
          const target = TARGETS[loss] !== undefined;
          const what = !target ? 'reported only' : o.compare ? 'meets the 1.2 targets, resends fewer bytes than 1.2' : 'meets the 1.2 targets';
          it(`${config.label}, ${loss * 100}% loss: ${what}`, { timeout: 600_000 }, () => {
            const r13 = measure(config, loss, o.runs);
            results.push(r13);
            checkTargets(r13);
            if (!target || !o.compare) return;
            const r12 = measure(v12[i]!, loss, o.runs);
            const name = config.name.replace(/-1\.3.*/, '');
            comparisons.push({ config: name, provider, loss, v12: r12, v13: r13 });
            const ctx = `${name} at ${loss * 100}% loss over ${o.runs} seeds: 1.3 resent ${Math.round(r13.extraBytes)} B of ${r13.lossFreeBytes}, 1.2 ${Math.round(r12.extraBytes)} B of ${r12.lossFreeBytes}`;
            if (name.startsWith('rsa')) expect(r13.extraBytes, ctx).toBeLessThan(r12.extraBytes);
            // ECDSA flights are a datagram each: 1.3's saving relative to the handshake's size is a
            // few percent (6% at 30% over 1,000 seeds), below the sampling noise of the short runs
            // Bun and Deno make (50 seeds: ±0.5%, and an ECDSA signature's length varies); those
            // allow 2%, 200 seeds and more (npm test, test:slow) none.
            else expect(r13.extraBytes / r13.lossFreeBytes, ctx).toBeLessThanOrEqual((o.runs >= 200 ? 1 : 1.02) * (r12.extraBytes / r12.lossFreeBytes));
          });
        }
      });
    });
  }
}
