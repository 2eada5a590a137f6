/**
 * `puredtls proxy`: the UDP impairment proxy ({@link startUdpProxy}) from the
 * command line.
 *
 * @module
 */
import { startUdpProxy, type HostPort, type ProxyStats, type UdpProxyOptions } from '../proxy/index.js';
import { DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CLIENTS } from '../proxy/udp-proxy.js';
import { MAX_PORT, formatAddress } from '../testing/address.js';
import { DEFAULT_DELAY, DEFAULT_REORDER_DELAY } from '../testing/impairments.js';
import { parseArgs } from './args.js';

export const PROXY_HELP = `Usage: puredtls proxy --listen HOST:PORT --target HOST:PORT [options]

A UDP proxy that impairs datagrams in both directions, for testing DTLS over
a bad network. Each client address gets its own upstream socket, so many
clients can share one proxy. Every random decision comes from --seed.

Options:
  --listen HOST:PORT      where clients send to (PORT 0 picks a free port);
                          IPv6 as [::1]:PORT
  --target HOST:PORT      the server to forward to
  --seed N                seed of the random decisions (default 1)
  --drop P                probability that a datagram is lost (0..1)
  --dup P                 probability that a datagram is delivered twice
  --delay MIN-MAX         added one-way latency in ms, uniform in MIN..MAX
                          (or a fixed N; default ${DEFAULT_DELAY}, 0 forwards at once)
  --reorder P             probability that a datagram is held back by
                          --reorder-delay ms (default ${DEFAULT_REORDER_DELAY})
  --reorder-delay MS      hold-back of a reordered datagram
  --mtu N                 drop datagrams larger than N bytes
  --truncate              with --mtu: cut larger datagrams instead of dropping them
  --pack MS               merge datagrams arriving within MS ms into one
  --bitflip P             probability of flipping one bit of a datagram
  --inject P              probability of sending a forged record (the
                          datagram's first record header, a random body)
                          after a datagram
  --max-clients N         client sessions kept at once (default ${DEFAULT_MAX_CLIENTS})
  --idle-timeout MS       close a client session idle this long (default ${DEFAULT_IDLE_TIMEOUT})
  --verbose               print every impairment decision
  --quiet                 print only the "proxying" line and errors
  --help                  this text

Once bound it prints "proxying udp://LISTEN -> udp://TARGET"; on SIGINT or
SIGTERM it prints the counters and exits.

Example:
  puredtls server --port 4433 &
  puredtls proxy --listen 127.0.0.1:5684 --target 127.0.0.1:4433 --drop 0.2 --dup 0.05 --reorder 0.1 --delay 1-20
  openssl s_client -dtls1_2 -connect 127.0.0.1:5684`;

const BOOL = new Set(['help', 'verbose', 'quiet', 'truncate']);
const VALUED = new Set([
  'listen', 'target', 'seed', 'drop', 'dup', 'delay', 'reorder', 'reorder-delay', 'mtu', 'pack', 'bitflip', 'inject',
  'max-clients', 'idle-timeout',
]);

/** Parse `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all addresses of IPv4). */
export function parseHostPort(name: string, s: string): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]*):(\d+)$/.exec(s);
  if (!m) throw new Error(`--${name} takes HOST:PORT (or [IPv6]:PORT), got ${JSON.stringify(s)}`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new Error(`--${name}: bad port ${m[2]}`);
  return { host: m[1] || '0.0.0.0', port };
}

function probability(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === '' || !(v >= 0 && v <= 1)) throw new Error(`--${name} takes a probability in 0..1, got ${JSON.stringify(s)}`);
  return v;
}

function ms(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || v < 0) throw new Error(`--${name} takes a number of ms ≥ 0, got ${JSON.stringify(s)}`);
  return v;
}

function int(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} takes a positive integer, got ${JSON.stringify(s)}`);
  return v;
}

/** `--delay MIN-MAX` or `--delay N`. */
export function parseDelay(s: string): number | { min: number; max: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(s);
  if (!m) throw new Error(`--delay takes MIN-MAX or N (ms), got ${JSON.stringify(s)}`);
  const min = Number(m[1]);
  if (m[2] === undefined) return min;
  const max = Number(m[2]);
  if (max < min) throw new Error(`--delay: MAX must not be below MIN, got ${JSON.stringify(s)}`);
  return { min, max };
}

/** The proxy options from command-line arguments (without starting anything). */
export function proxyOptionsFromArgs(argv: readonly string[]): UdpProxyOptions | 'help' {
  const args = parseArgs(argv, BOOL, VALUED);
  if (args.flags.has('help')) return 'help';
  if (args.positionals.length > 0) throw new Error(`unexpected argument ${args.positionals[0]}`);
  const v = args.values;
  const listen = v.get('listen');
  const target = v.get('target');
  if (listen === undefined || target === undefined) throw new Error('--listen and --target are required');
  const o: UdpProxyOptions = { listen: parseHostPort('listen', listen), target: parseHostPort('target', target) };
  const seed = v.get('seed');
  if (seed !== undefined) o.seed = /^-?\d+$/.test(seed) ? Number(seed) : seed;
  const set = <K extends keyof UdpProxyOptions>(k: K, val: UdpProxyOptions[K] | undefined) => {
    if (val !== undefined) o[k] = val;
  };
  set('drop', probability('drop', v.get('drop')));
  set('duplicate', probability('dup', v.get('dup')));
  set('reorder', probability('reorder', v.get('reorder')));
  set('bitflip', probability('bitflip', v.get('bitflip')));
  set('inject', probability('inject', v.get('inject')));
  set('reorderDelay', ms('reorder-delay', v.get('reorder-delay')));
  set('pack', ms('pack', v.get('pack')));
  set('mtu', int('mtu', v.get('mtu')));
  set('maxClients', int('max-clients', v.get('max-clients')));
  set('idleTimeout', int('idle-timeout', v.get('idle-timeout')));
  if (v.has('delay')) o.delay = parseDelay(v.get('delay')!);
  if (args.flags.has('truncate')) {
    if (o.mtu === undefined) throw new Error('--truncate needs --mtu');
    o.truncate = true;
  }
  return o;
}

/** The counters as a few lines of text. */
export function formatProxyStats(s: ProxyStats): string {
  const dir = (name: string, d: ProxyStats['clientToServer']) =>
    `${name}: received ${d.received}, forwarded ${d.forwarded}, dropped ${d.dropped}, duplicated ${d.duplicated}, ` +
    `reordered ${d.reordered}, corrupted ${d.corrupted}, truncated ${d.truncated}, packed ${d.packed}, injected ${d.injected}` +
    (d.overflow > 0 ? `, overflow ${d.overflow}` : '');
  return [
    `clients: ${s.sessions} (open ${s.clients}, evicted ${s.evicted}, expired ${s.expired})` + (s.errors > 0 ? `, socket errors ${s.errors}` : ''),
    dir('client -> server', s.clientToServer),
    dir('server -> client', s.serverToClient),
  ].join('\n');
}

/** `puredtls proxy ...`: runs until SIGINT/SIGTERM. Returns the exit code. */
export async function runProxy(argv: string[]): Promise<number> {
  const o = proxyOptionsFromArgs(argv);
  if (o === 'help') {
    console.log(PROXY_HELP);
    return 0;
  }
  const quiet = argv.includes('--quiet');
  if (argv.includes('--verbose')) o.log = (line) => console.log(line);
  const proxy = await startUdpProxy(o);
  const a = proxy.address();
  console.log(`proxying udp://${formatAddress(a)} -> udp://${formatAddress(proxy.target)}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await proxy.close();
  if (!quiet) console.log(formatProxyStats(proxy.stats));
  return 0;
}
