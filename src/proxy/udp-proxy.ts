/**
 * A UDP impairment proxy on real sockets (`node:dgram`): it sits between DTLS
 * clients and a server and loses, duplicates, delays, reorders, coalesces,
 * truncates, corrupts and injects datagrams, in both directions, with every
 * random decision drawn from a seeded {@link Prng}.
 *
 * It is the real-socket twin of the in-memory {@link VirtualNetwork}: the same
 * impairments, applied in the same order, so a scenario found on the virtual
 * network can be replayed between real processes (puredtls, `openssl
 * s_client`/`s_server`, `gnutls-cli`/`gnutls-serv`).
 *
 * How it works:
 * - One listening socket faces the clients. Each client address gets its own
 *   upstream socket (an ephemeral port) towards the target, so the target sees
 *   one distinct 5-tuple per client and many clients can share the proxy.
 * - Each direction of each client has its own random stream, forked from the
 *   seed by the client's arrival number (`client0`, `client1`, ...), so the
 *   decisions for the n-th client do not depend on other clients' traffic.
 *   Timing on real sockets is not deterministic, so a seed fixes the sequence
 *   of decisions per direction, not the interleaving.
 * - Everything is bounded: at most {@link UdpProxyOptions.maxClients} client
 *   sessions (least recently active evicted), idle sessions closed after
 *   {@link UdpProxyOptions.idleTimeout}, at most
 *   {@link UdpProxyOptions.maxQueued} datagrams held back at once (beyond it a
 *   datagram is dropped and counted in `overflow`), and one timer for the
 *   whole proxy. {@link UdpProxy.close} closes every socket and clears the timer.
 *
 * @example Lose 20% of the datagrams each way between a client and a server on port 4433
 * ```ts
 * import { startUdpProxy } from 'puredtls/testing';
 *
 * const proxy = await startUdpProxy({
 *   listen: { host: '127.0.0.1', port: 0 },
 *   target: { host: '127.0.0.1', port: 4433 },
 *   seed: 7, drop: 0.2, duplicate: 0.1, delay: { min: 1, max: 20 }, reorder: 0.1,
 * });
 * // point the client at proxy.address().port ...
 * console.log(proxy.stats.clientToServer.dropped);
 * await proxy.close();
 * ```
 *
 * @module
 */
import * as dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EventHeap } from '../testing/clock.js';
import { Prng, type Seed } from '../testing/prng.js';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/**
 * A host (name or IP literal) and a UDP port.
 *
 * @example
 * ```ts
 * import { startUdpProxy, type HostPort } from 'puredtls/testing';
 *
 * const server: HostPort = { host: 'localhost', port: 4433 };
 * const proxy = await startUdpProxy({ listen: { host: '127.0.0.1', port: 0 }, target: server });
 * ```
 */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * A uniform latency range in ms (integers give integer delays, inclusive).
 *
 * @example
 * ```ts
 * import type { ProxyDelayRange, ProxyImpairments } from 'puredtls/testing';
 *
 * const jitter: ProxyDelayRange = { min: 5, max: 50 }; // 5 to 50 ms each way
 * const slowLink: ProxyImpairments = { delay: jitter };
 * ```
 */
export interface ProxyDelayRange {
  min: number;
  max: number;
}

/**
 * Direction of a datagram through the proxy.
 *
 * @example
 * ```ts
 * import type { ProxyDirection, UdpProxy } from 'puredtls/testing';
 *
 * declare const proxy: UdpProxy;
 * const directions: ProxyDirection[] = ['clientToServer', 'serverToClient'];
 * for (const d of directions) console.log(d, proxy.stats[d].dropped);
 * ```
 */
export type ProxyDirection = 'clientToServer' | 'serverToClient';

/**
 * What an {@link InjectFunction} sees: one datagram as it entered the proxy.
 *
 * @example Log every datagram's records, inject nothing
 * ```ts
 * import { describeDatagram, formatRecords, type InjectFunction, type ProxyDatagramInfo } from 'puredtls/testing';
 *
 * const show = (dg: ProxyDatagramInfo): string =>
 *   `client ${dg.clientIndex} ${dg.direction} #${dg.index}: ${formatRecords(describeDatagram(dg.data))}`;
 * const logOnly: InjectFunction = (dg) => {
 *   console.log(show(dg));
 *   return undefined;
 * };
 * ```
 */
export interface ProxyDatagramInfo {
  readonly direction: ProxyDirection;
  /** The client this datagram belongs to (its address as the proxy sees it). */
  readonly client: { readonly address: string; readonly port: number };
  /** The client's arrival number (0 for the first client). */
  readonly clientIndex: number;
  /** Per-direction, per-client counter of datagrams received, 0-based. */
  readonly index: number;
  /** The datagram (a copy; the function may keep it). */
  readonly data: Uint8Array;
  /** The direction's random stream, for reproducible crafting. */
  readonly rng: Prng;
}

/**
 * Crafts datagrams to inject after a datagram: they are sent in the same
 * direction right after it (before its own delay), without further impairment.
 * Return `undefined` or `[]` to inject nothing.
 *
 * @example After the client's third datagram, send a copy of it with one byte changed
 * ```ts
 * import { startUdpProxy, type InjectFunction } from 'puredtls/testing';
 *
 * const corruptCopy: InjectFunction = (dg) => {
 *   if (dg.direction !== 'clientToServer' || dg.index !== 2) return undefined;
 *   const copy = dg.data.slice();
 *   copy[dg.rng.int(copy.length)] ^= 0xff;
 *   return [copy];
 * };
 * const proxy = await startUdpProxy({
 *   listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 4433 },
 *   inject: corruptCopy,
 * });
 * ```
 */
export type InjectFunction = (dg: ProxyDatagramInfo) => readonly Uint8Array[] | undefined;

/**
 * Impairments of one direction. Applied in the order of the
 * {@link VirtualNetwork}: `mtu` (drop or `truncate`), `pack`, then on the wire
 * `drop`, `duplicate`, and per copy `bitflip`, `delay`, `reorder`; `inject`
 * adds crafted datagrams after a datagram that survived `mtu`.
 * Probabilities are in [0, 1], times in ms.
 *
 * @example Impair only the server's datagrams
 * ```ts
 * import { startUdpProxy, type ProxyImpairments } from 'puredtls/testing';
 *
 * const lossy: ProxyImpairments = { drop: 0.3, reorder: 0.1, delay: { min: 0, max: 20 } };
 * const proxy = await startUdpProxy({
 *   listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 4433 },
 *   serverToClient: lossy,
 * });
 * ```
 */
export interface ProxyImpairments {
  /** Probability that a datagram is lost. */
  drop?: number;
  /** Probability that a datagram is delivered twice (the copy gets its own delay). */
  duplicate?: number;
  /** One-way added latency: fixed ms, or a uniform range. Default 0 (forward at once). */
  delay?: number | ProxyDelayRange;
  /** Probability that a datagram is held back by an extra `reorderDelay` ms. */
  reorder?: number;
  /** Extra hold-back of a reordered datagram in ms. Default 10. */
  reorderDelay?: number;
  /** Largest datagram in bytes; larger ones are dropped (or cut, with `truncate`). */
  mtu?: number;
  /** Cut datagrams above `mtu` instead of dropping them. */
  truncate?: boolean;
  /**
   * Coalescing window in ms: datagrams of this direction arriving within
   * `pack` ms of the first are concatenated into one (never above `mtu`, or
   * 65 507 bytes), sent when the window closes.
   */
  pack?: number;
  /** Probability of flipping one uniformly chosen bit of a datagram. */
  bitflip?: number;
  /**
   * Injection of crafted datagrams. A probability `p`: after a datagram, with
   * probability `p`, also send a forged DTLS record that copies the first
   * record's header (type, version, epoch, sequence number) over a random
   * body of random length — a record the peer must drop without harm
   * (ROBUSTNESS S-03, S-19, S-62). Or an {@link InjectFunction}.
   */
  inject?: number | InjectFunction;
}

/**
 * Options of {@link startUdpProxy}. The impairments apply to both directions unless overridden.
 *
 * @example
 * ```ts
 * import { startUdpProxy, type UdpProxyOptions } from 'puredtls/testing';
 *
 * const options: UdpProxyOptions = {
 *   listen: { host: '::', port: 5684 }, target: { host: 'coap.example', port: 5684 },
 *   seed: 'ci-run-42', mtu: 1280, truncate: true, bitflip: 0.01, // both directions
 *   clientToServer: { drop: 0.2 },                              // and loss on the way in
 *   log: (line) => console.log(line),
 * };
 * const proxy = await startUdpProxy(options);
 * ```
 */
export interface UdpProxyOptions extends ProxyImpairments {
  /** Where clients send to. Port 0 picks a free port (see {@link UdpProxy.address}). */
  listen: HostPort;
  /** The server the proxy forwards to. A host name is resolved once, at start. */
  target: HostPort;
  /** Seed of every random decision (default 1). */
  seed?: Seed;
  /** Overrides for datagrams from the clients to the target. */
  clientToServer?: ProxyImpairments;
  /** Overrides for datagrams from the target to the clients. */
  serverToClient?: ProxyImpairments;
  /** Client sessions kept at once; the least recently active is closed beyond it. Default 1024. */
  maxClients?: number;
  /** A client session with no traffic either way for this many ms is closed. Default 60 000. */
  idleTimeout?: number;
  /** Datagrams held back (delayed, reordered or packed) at once, over the whole proxy. Default 4096. */
  maxQueued?: number;
  /** Called with one line per impairment decision (for `--verbose`). */
  log?: (line: string) => void;
}

/**
 * Counters of one direction, summed over all clients.
 *
 * @example
 * ```ts
 * import type { ProxyDirectionStats, UdpProxy } from 'puredtls/testing';
 *
 * declare const proxy: UdpProxy;
 * const lossRate = (s: ProxyDirectionStats): number => (s.received === 0 ? 0 : s.dropped / s.received);
 * console.log(`lost ${(100 * lossRate(proxy.stats.clientToServer)).toFixed(1)}% of the clients' datagrams`);
 * ```
 */
export interface ProxyDirectionStats {
  /** Datagrams that entered the proxy. */
  received: number;
  /** Datagrams sent out (duplicates, packs and injections included). */
  forwarded: number;
  /** Datagrams lost by `drop` or `mtu`. */
  dropped: number;
  /** Extra copies made by `duplicate`. */
  duplicated: number;
  /** Datagrams held back by `reorder`. */
  reordered: number;
  /** Datagrams with a flipped bit. */
  corrupted: number;
  /** Datagrams cut to the MTU. */
  truncated: number;
  /** Datagrams merged into a preceding one by `pack` (a pack of 3 counts 2). */
  packed: number;
  /** Crafted datagrams injected. */
  injected: number;
  /** Datagrams dropped because `maxQueued` datagrams were already held back. */
  overflow: number;
  /** Bytes that entered the proxy. */
  bytesIn: number;
  /** Bytes sent out. */
  bytesOut: number;
}

/**
 * Counters of a {@link UdpProxy}. Live: read them at any time.
 *
 * @example
 * ```ts
 * import type { ProxyStats, UdpProxy } from 'puredtls/testing';
 *
 * declare const proxy: UdpProxy;
 * const s: ProxyStats = proxy.stats; // the same object, updated as datagrams pass
 * console.log(`${s.clients} clients, ${s.queued} datagrams held back, ${s.errors} socket errors`);
 * ```
 */
export interface ProxyStats {
  /** Client sessions open now. */
  clients: number;
  /** Client sessions opened since the start. */
  sessions: number;
  /** Sessions closed for `maxClients`. */
  evicted: number;
  /** Sessions closed for `idleTimeout`. */
  expired: number;
  /** Datagrams from the target's side that did not come from the target address (ignored). */
  strays: number;
  /** Datagrams held back right now. */
  queued: number;
  /** Socket errors seen (ICMP unreachable, send failures); never fatal. */
  errors: number;
  /** Counters of the datagrams from the clients to the target. */
  clientToServer: ProxyDirectionStats;
  /** Counters of the datagrams from the target to the clients. */
  serverToClient: ProxyDirectionStats;
}

/**
 * A running proxy, from {@link startUdpProxy}.
 *
 * @example
 * ```ts
 * import { startUdpProxy, type UdpProxy } from 'puredtls/testing';
 *
 * const proxy: UdpProxy = await startUdpProxy({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 4433 } });
 * console.log(`clients send to port ${proxy.address().port}`);
 * // A stray datagram "from the server" that the client at 127.0.0.1:50000 must ignore:
 * proxy.inject('serverToClient', { address: '127.0.0.1', port: 50000 }, new Uint8Array([0x17, 0xfe, 0xfd]));
 * await proxy.close();
 * ```
 */
export interface UdpProxy {
  /** The listening address (the port chosen when `listen.port` was 0). */
  address(): AddressInfo;
  /** The target as resolved at start. */
  readonly target: { readonly address: string; readonly port: number };
  /** Live counters. */
  readonly stats: ProxyStats;
  /**
   * Send a crafted datagram now, bypassing the impairments: towards the
   * target on behalf of `client` (its session is created if needed), or
   * towards `client` as if the target sent it.
   */
  inject(direction: ProxyDirection, client: { address: string; port: number }, data: Uint8Array): void;
  /** Close every socket and drop every held-back datagram. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

/** Largest UDP payload over IPv4. */
const MAX_DATAGRAM = 65_507;
const DTLS_HEADER = 13;

interface ResolvedImpairments {
  drop: number;
  duplicate: number;
  delay: number | ProxyDelayRange;
  reorder: number;
  reorderDelay: number;
  mtu: number | undefined;
  truncate: boolean;
  pack: number | undefined;
  bitflip: number;
  inject: number | InjectFunction | undefined;
}

interface Lane {
  readonly direction: ProxyDirection;
  readonly imp: ResolvedImpairments;
  readonly rng: Prng;
  readonly stats: ProxyDirectionStats;
  index: number;
  pack: { items: Uint8Array[]; size: number; gen: number } | undefined;
  packGen: number;
}

interface Session {
  readonly key: string;
  readonly index: number;
  readonly address: string;
  readonly port: number;
  readonly upstream: dgram.Socket;
  readonly up: Lane;
  readonly down: Lane;
  lastActive: number;
  closed: boolean;
}

type QueuedEvent = { time: number; prio: number; seq: number } & (
  | { kind: 'send'; session: Session; lane: Lane; data: Uint8Array }
  | { kind: 'flush'; session: Session; lane: Lane; gen: number }
);

const emptyStats = (): ProxyDirectionStats => ({
  received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, truncated: 0, packed: 0,
  injected: 0, overflow: 0, bytesIn: 0, bytesOut: 0,
});

function checkProbability(where: string, name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`${where}: ${name} must be a probability in [0, 1], got ${String(v)}`);
  return v;
}

function checkMs(where: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${String(v)}`);
  return v;
}

function checkPositiveInt(where: string, name: string, v: unknown, dflt: number, max = 2 ** 31 - 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${where}: ${name} must be an integer in [1, ${max}], got ${String(v)}`);
  return v;
}

function resolveImpairments(base: ProxyImpairments, over: ProxyImpairments | undefined, where: string): ResolvedImpairments {
  const m: ProxyImpairments = { ...base, ...over };
  let delay: number | ProxyDelayRange = 0;
  if (typeof m.delay === 'number') delay = checkMs(where, 'delay', m.delay) ?? 0;
  else if (m.delay !== undefined) {
    if (typeof m.delay !== 'object' || m.delay === null) throw new RangeError(`${where}: delay must be a number or { min, max }`);
    const min = checkMs(where, 'delay.min', m.delay.min);
    const max = checkMs(where, 'delay.max', m.delay.max);
    if (min === undefined || max === undefined || max < min) throw new RangeError(`${where}: delay needs 0 ≤ min ≤ max`);
    delay = { min, max };
  }
  if (m.inject !== undefined && typeof m.inject !== 'function') checkProbability(where, 'inject', m.inject);
  return {
    drop: checkProbability(where, 'drop', m.drop),
    duplicate: checkProbability(where, 'duplicate', m.duplicate),
    delay,
    reorder: checkProbability(where, 'reorder', m.reorder),
    reorderDelay: checkMs(where, 'reorderDelay', m.reorderDelay) ?? 10,
    mtu: m.mtu === undefined ? undefined : checkPositiveInt(where, 'mtu', m.mtu, 0, MAX_DATAGRAM),
    truncate: m.truncate === true,
    pack: checkMs(where, 'pack', m.pack),
    bitflip: checkProbability(where, 'bitflip', m.bitflip),
    inject: m.inject,
  };
}

function checkHostPort(name: string, v: unknown): HostPort {
  const hp = v as HostPort | undefined;
  if (hp === null || typeof hp !== 'object' || typeof hp.host !== 'string' || hp.host.length === 0) {
    throw new TypeError(`startUdpProxy: ${name} must be { host, port }`);
  }
  if (!Number.isInteger(hp.port) || hp.port < 0 || hp.port > 65_535) throw new RangeError(`startUdpProxy: ${name}.port must be 0..65535, got ${String(hp.port)}`);
  return hp;
}

/**
 * A forged DTLS record: the first record's 13-byte header (type, version,
 * epoch, sequence number) over 1–64 random bytes, with a consistent length
 * field. For a datagram too short to hold a header, random bytes of its size.
 */
export function forgeRecord(data: Uint8Array, rng: Prng): Uint8Array {
  if (data.length < DTLS_HEADER) return rng.bytes(Math.max(1, data.length));
  const len = 1 + rng.int(64);
  const out = new Uint8Array(DTLS_HEADER + len);
  out.set(data.subarray(0, 11), 0);
  out[11] = len >>> 8;
  out[12] = len & 0xff;
  out.set(rng.bytes(len), DTLS_HEADER);
  return out;
}

const clock = (): number => performance.now();

function fmtAddr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Start a UDP impairment proxy.
 *
 * @param options - where to listen, where to forward, the seed and the impairments.
 * @returns the running proxy, once its socket is bound.
 * @throws TypeError or RangeError for bad options; the socket's bind error
 *   (e.g. `EADDRINUSE`); the DNS error when the target host does not resolve.
 *
 * @example A puredtls client through the proxy to a server on port 4433
 * ```ts
 * import { connectAsync } from 'puredtls';
 * import { startUdpProxy } from 'puredtls/testing';
 *
 * declare const ca: Buffer; // the CA of the server's certificate
 * const proxy = await startUdpProxy({
 *   listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 4433 },
 *   seed: 3, drop: 0.2, duplicate: 0.05, reorder: 0.1, delay: { min: 0, max: 5 },
 * });
 * const client = await connectAsync({ host: '127.0.0.1', port: proxy.address().port, ca });
 * client.end();
 * console.log(proxy.stats.clientToServer.dropped, proxy.stats.serverToClient.dropped);
 * await proxy.close();
 * ```
 */
export async function startUdpProxy(options: UdpProxyOptions): Promise<UdpProxy> {
  if (options === null || typeof options !== 'object') throw new TypeError('startUdpProxy: options must be an object');
  const listen = checkHostPort('listen', options.listen);
  const targetOpt = checkHostPort('target', options.target);
  if (targetOpt.port === 0) throw new RangeError('startUdpProxy: target.port must not be 0');
  const up = resolveImpairments(options, options.clientToServer, 'startUdpProxy clientToServer');
  const down = resolveImpairments(options, options.serverToClient, 'startUdpProxy serverToClient');
  const maxClients = checkPositiveInt('startUdpProxy', 'maxClients', options.maxClients, 1024);
  const idleTimeout = checkPositiveInt('startUdpProxy', 'idleTimeout', options.idleTimeout, 60_000);
  const maxQueued = checkPositiveInt('startUdpProxy', 'maxQueued', options.maxQueued, 4096);
  const root = new Prng(options.seed ?? 1);
  const log = options.log;

  let target: { address: string; port: number; family: 4 | 6 };
  if (isIP(targetOpt.host) !== 0) {
    target = { address: targetOpt.host, port: targetOpt.port, family: isIP(targetOpt.host) as 4 | 6 };
  } else {
    const r = await lookup(targetOpt.host);
    target = { address: r.address, port: targetOpt.port, family: r.family === 6 ? 6 : 4 };
  }
  const listenFamily = isIP(listen.host) === 6 ? 'udp6' : 'udp4';

  const stats: ProxyStats = {
    clients: 0, sessions: 0, evicted: 0, expired: 0, strays: 0, queued: 0, errors: 0,
    clientToServer: emptyStats(), serverToClient: emptyStats(),
  };
  /** Client sessions, least recently active first. */
  const sessions = new Map<string, Session>();
  const heap = new EventHeap<QueuedEvent>();
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let closed = false;

  const socket = dgram.createSocket({ type: listenFamily });
  socket.on('error', () => { stats.errors++; });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind(listen.port, listen.host, () => {
      socket.off('error', onError);
      resolve();
    });
  });

  // --- scheduling: one timer for the whole proxy --------------------------

  const arm = (): void => {
    if (closed) return;
    const next = heap.peek()?.time;
    const idleCheck = sessions.size > 0 ? (sessions.values().next().value as Session).lastActive + idleTimeout : Infinity;
    const at = Math.min(next ?? Infinity, idleCheck);
    if (at === Infinity) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
      return;
    }
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(onTimer, Math.max(0, Math.ceil(at - clock())));
  };

  const onTimer = (): void => {
    timer = undefined;
    timerAt = Infinity;
    if (closed) return;
    const now = clock();
    for (let top = heap.peek(); top !== undefined && top.time <= now; top = heap.peek()) {
      const ev = heap.pop()!;
      if (ev.kind === 'send') {
        stats.queued--;
        emit(ev.session, ev.lane, ev.data);
      } else if (ev.lane.pack?.gen === ev.gen) {
        flushPack(ev.session, ev.lane, now);
      }
    }
    // Idle sessions: the map is ordered by last activity.
    for (const s of sessions.values()) {
      if (s.lastActive + idleTimeout > now) break;
      stats.expired++;
      closeSession(s, 'idle');
    }
    arm();
  };

  const schedule = (ev: QueuedEvent): boolean => {
    if (ev.kind === 'send') {
      if (stats.queued >= maxQueued) {
        ev.lane.stats.overflow++;
        return false;
      }
      stats.queued++;
    }
    ev.seq = seq++;
    heap.push(ev);
    if (ev.time < timerAt) arm();
    return true;
  };

  // --- sessions ------------------------------------------------------------

  const closeSession = (s: Session, why: string): void => {
    if (s.closed) return;
    s.closed = true;
    sessions.delete(s.key);
    stats.clients = sessions.size;
    try {
      s.upstream.close();
    } catch {
      // already closed
    }
    log?.(`client ${s.index} ${fmtAddr(s.address, s.port)} closed (${why})`);
    // Its queued datagrams are skipped when they come due (emit checks `closed`).
  };

  const openSession = (address: string, port: number, now: number): Session => {
    while (sessions.size >= maxClients) {
      stats.evicted++;
      closeSession(sessions.values().next().value as Session, 'evicted');
    }
    const index = stats.sessions++;
    const upstream = dgram.createSocket({ type: target.family === 6 ? 'udp6' : 'udp4' });
    const s: Session = {
      key: `${address}|${port}`, index, address, port, upstream, lastActive: now, closed: false,
      up: { direction: 'clientToServer', imp: up, rng: root.fork(`client${index}:clientToServer`), stats: stats.clientToServer, index: 0, pack: undefined, packGen: 0 },
      down: { direction: 'serverToClient', imp: down, rng: root.fork(`client${index}:serverToClient`), stats: stats.serverToClient, index: 0, pack: undefined, packGen: 0 },
    };
    upstream.on('error', () => { stats.errors++; });
    upstream.on('message', (msg, rinfo) => {
      if (closed || s.closed) return;
      if (rinfo.port !== target.port || rinfo.address !== target.address) {
        stats.strays++;
        return;
      }
      touch(s, clock());
      ingress(s, s.down, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    });
    // Bind at once so that replies can come back before the first send completes.
    upstream.bind(0, target.family === 6 ? '::' : '0.0.0.0');
    sessions.set(s.key, s);
    stats.clients = sessions.size;
    log?.(`client ${index} ${fmtAddr(address, port)} opened`);
    return s;
  };

  const touch = (s: Session, now: number): void => {
    s.lastActive = now;
    // Move to the end: the map stays ordered by last activity.
    sessions.delete(s.key);
    sessions.set(s.key, s);
  };

  const sessionFor = (address: string, port: number, now: number): Session => {
    const s = sessions.get(`${address}|${port}`);
    if (s) {
      touch(s, now);
      return s;
    }
    const n = openSession(address, port, now);
    arm();
    return n;
  };

  // --- the pipeline ----------------------------------------------------------

  const emit = (s: Session, lane: Lane, data: Uint8Array): void => {
    if (closed || s.closed) return;
    lane.stats.forwarded++;
    lane.stats.bytesOut += data.length;
    const onSent = (err: Error | null): void => {
      if (err) stats.errors++;
    };
    try {
      if (lane.direction === 'clientToServer') s.upstream.send(data, target.port, target.address, onSent);
      else socket.send(data, s.port, s.address, onSent);
    } catch {
      stats.errors++;
    }
  };

  const what = (s: Session, lane: Lane): string => `client ${s.index} ${lane.direction === 'clientToServer' ? '->' : '<-'}`;

  /** A datagram entered the proxy. */
  const ingress = (s: Session, lane: Lane, data: Uint8Array): void => {
    const imp = lane.imp;
    const index = lane.index++;
    lane.stats.received++;
    lane.stats.bytesIn += data.length;
    let d = data;
    if (imp.mtu !== undefined && d.length > imp.mtu) {
      if (!imp.truncate) {
        lane.stats.dropped++;
        log?.(`${what(s, lane)} #${index} ${d.length}B mtu-drop`);
        return;
      }
      lane.stats.truncated++;
      log?.(`${what(s, lane)} #${index} ${d.length}B truncated to ${imp.mtu}`);
      d = d.subarray(0, imp.mtu);
    }
    const injected = craft(s, lane, index, d);
    if (imp.pack === undefined) wire(s, lane, d.slice(), `#${index}`);
    else addToPack(s, lane, d.slice(), clock());
    for (const x of injected) {
      lane.stats.injected++;
      log?.(`${what(s, lane)} #${index} inject ${x.length}B`);
      emit(s, lane, x);
    }
  };

  const craft = (s: Session, lane: Lane, index: number, d: Uint8Array): readonly Uint8Array[] => {
    const inj = lane.imp.inject;
    if (inj === undefined) return [];
    if (typeof inj === 'number') return lane.rng.chance(inj) ? [forgeRecord(d, lane.rng)] : [];
    const r = inj({ direction: lane.direction, client: { address: s.address, port: s.port }, clientIndex: s.index, index, data: d.slice(), rng: lane.rng });
    return r ?? [];
  };

  const addToPack = (s: Session, lane: Lane, d: Uint8Array, now: number): void => {
    const limit = lane.imp.mtu ?? MAX_DATAGRAM;
    let p = lane.pack;
    if (p !== undefined && p.size + d.length > limit) {
      flushPack(s, lane, now);
      p = undefined;
    }
    if (p === undefined) {
      p = { items: [], size: 0, gen: ++lane.packGen };
      lane.pack = p;
      schedule({ time: now + (lane.imp.pack ?? 0), prio: 0, seq: 0, kind: 'flush', session: s, lane, gen: p.gen });
    }
    p.items.push(d);
    p.size += d.length;
  };

  const flushPack = (s: Session, lane: Lane, _now: number): void => {
    const p = lane.pack;
    lane.pack = undefined;
    if (p === undefined || p.items.length === 0 || s.closed) return;
    if (p.items.length === 1) {
      wire(s, lane, p.items[0]!, 'pack');
      return;
    }
    lane.stats.packed += p.items.length - 1;
    const out = new Uint8Array(p.size);
    let o = 0;
    for (const it of p.items) {
      out.set(it, o);
      o += it.length;
    }
    log?.(`${what(s, lane)} packed ${p.items.length} datagrams into ${out.length}B`);
    wire(s, lane, out, 'pack');
  };

  /** drop, duplicate, then per copy bitflip, delay, reorder. */
  const wire = (s: Session, lane: Lane, d: Uint8Array, label: string): void => {
    const imp = lane.imp;
    const rng = lane.rng;
    if (rng.chance(imp.drop)) {
      lane.stats.dropped++;
      log?.(`${what(s, lane)} ${label} ${d.length}B drop`);
      return;
    }
    const copies = [d];
    if (rng.chance(imp.duplicate)) {
      lane.stats.duplicated++;
      copies.push(d.slice());
      log?.(`${what(s, lane)} ${label} duplicate`);
    }
    const now = clock();
    for (const c of copies) {
      if (c.length > 0 && rng.chance(imp.bitflip)) {
        const bit = rng.int(c.length * 8);
        c[bit >>> 3] = c[bit >>> 3]! ^ (1 << (bit & 7));
        lane.stats.corrupted++;
        log?.(`${what(s, lane)} ${label} bitflip byte ${bit >>> 3} bit ${bit & 7}`);
      }
      let delay: number;
      const dl = imp.delay;
      if (typeof dl === 'number') delay = dl;
      else if (Number.isInteger(dl.min) && Number.isInteger(dl.max)) delay = dl.min + rng.int(dl.max - dl.min + 1);
      else delay = rng.range(dl.min, dl.max);
      if (rng.chance(imp.reorder)) {
        delay += imp.reorderDelay;
        lane.stats.reordered++;
        log?.(`${what(s, lane)} ${label} reorder +${imp.reorderDelay}ms`);
      }
      // Nothing held back in this direction and no delay: forward at once.
      if (delay <= 0) emit(s, lane, c);
      else schedule({ time: now + delay, prio: 1, seq: 0, kind: 'send', session: s, lane, data: c });
    }
  };

  socket.on('message', (msg, rinfo) => {
    if (closed) return;
    const s = sessionFor(rinfo.address, rinfo.port, clock());
    ingress(s, s.up, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  });

  const address = socket.address();
  let closing: Promise<void> | undefined;

  return {
    address: () => address,
    target: { address: target.address, port: target.port },
    stats,
    inject(direction, client, data) {
      if (closed) return;
      if (!(data instanceof Uint8Array)) throw new TypeError('inject: data must be a Uint8Array');
      const s = sessionFor(client.address, client.port, clock());
      const lane = direction === 'clientToServer' ? s.up : s.down;
      lane.stats.injected++;
      emit(s, lane, data.slice());
    },
    close() {
      closing ??= (async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
        heap.clear();
        stats.queued = 0;
        const all = [...sessions.values()];
        const waits = all.map((s) => new Promise<void>((resolve) => {
          s.closed = true;
          try {
            s.upstream.close(() => resolve());
          } catch {
            resolve();
          }
        }));
        sessions.clear();
        stats.clients = 0;
        waits.push(new Promise<void>((resolve) => {
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        }));
        await Promise.all(waits);
      })();
      return closing;
    },
  };
}
