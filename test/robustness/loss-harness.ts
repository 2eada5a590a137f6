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
import { expect } from 'vitest';
import { nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { CLIENT_ADDR, SERVER_ADDR, pair } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

/**
 * node:crypto with imported keys memoised by their DER bytes. Every run builds
 * fresh nodes (fresh options resolution), and re-importing the same PEM keys
 * into KeyObjects each time would dominate the measurement's CPU time; a real
 * server imports them once. Protocol behaviour is unchanged.
 */
export const memoNodeProvider: CryptoProvider = (() => {
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
    ...nodeProvider,
    importSigningKey: memo((b) => nodeProvider.importSigningKey(b)),
    importVerifyingKey: memo((b) => nodeProvider.importVerifyingKey(b)),
  });
})();

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

/** ECDSA P-256 server, no client authentication (flights 4 and 5 are one datagram each). */
export const ECDSA: LossConfig = {
  name: 'ecdsa',
  label: 'ECDSA P-256 server, no client auth',
  build: (seed, drop) => pair({
    seed, provider: memoNodeProvider, impairments: { drop },
    server: { handshakeTimeout: HANDSHAKE_TIMEOUT },
    client: { handshakeTimeout: HANDSHAKE_TIMEOUT },
  }),
};

/**
 * RSA-2048 server sending its chain (leaf + CA), client authentication
 * required with the client's RSA chain, MTU {@link RSA_MTU} on both sides:
 * flights 4 and 5 take three datagrams each.
 */
export function rsaClientAuth(client: { sessionTickets?: boolean } = {}): LossConfig {
  const suffix = client.sessionTickets === false ? '-notickets' : '';
  return {
    name: `rsa-client-auth${suffix}`,
    label: `RSA-2048 chain + client auth, MTU ${RSA_MTU}${suffix ? ', client sessionTickets: false' : ''}`,
    build: (seed, drop) => pair({
      seed, provider: memoNodeProvider, impairments: { drop },
      server: {
        key: file('server-rsa2048.key.pem'), cert: file('server-rsa2048.chain.pem'), ca: file('ca-bundle.pem'),
        requestCert: true, rejectUnauthorized: true, mtu: RSA_MTU, handshakeTimeout: HANDSHAKE_TIMEOUT,
      },
      client: {
        key: file('client-rsa.key.pem'), cert: file('client-rsa.chain.pem'), mtu: RSA_MTU, handshakeTimeout: HANDSHAKE_TIMEOUT,
        ...client,
      },
    }),
  };
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
  /** CPU time of the measurement, ms. */
  readonly cpuMs: number;
}

/** Run seeds `first .. first+runs-1` at `loss` each way. */
export function measure(config: LossConfig, loss: number, runs: number, first = 1): LossResult {
  const cpu0 = process.cpuUsage();
  let in10 = 0;
  const times: number[] = [];
  const failed: number[] = [];
  for (let seed = first; seed < first + runs; seed++) {
    const p = config.build(seed, loss);
    const done = () => p.client.established && p.server.established > 0;
    p.net.run({ until: done, maxTime: HANDSHAKE_TIMEOUT });
    if (done()) {
      times.push(p.net.now);
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

/** A small table of results for the test log. */
export function formatTable(results: readonly LossResult[]): string {
  const head = ['config', 'loss', 'runs', '≤10 s', 'target', '≤60 s', 'target', 'median', 'p95', 'cpu'];
  const rows = results.map((r) => {
    const t = TARGETS[r.loss];
    const known = KNOWN_SHORTFALLS[`${r.config}@${r.loss}`];
    const mark = (v: number, target: number | undefined) =>
      target === undefined ? 'report' : `${target}%${v < threshold(target, r.runs) ? (known ? ' MISSED (known)' : ' MISSED') : ''}`;
    return [
      r.config, `${r.loss * 100}%`, String(r.runs),
      `${r.within10.toFixed(1)}%`, mark(r.within10, t?.within10),
      `${r.within60.toFixed(1)}%`, mark(r.within60, t?.within60),
      `${(r.median / 1000).toFixed(1)} s`, `${(r.p95 / 1000).toFixed(1)} s`, `${(r.cpuMs / 1000).toFixed(1)} s`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Assert one point against ROBUSTNESS.md §4. */
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

