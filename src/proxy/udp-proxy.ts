/**
 * A UDP impairment proxy on real sockets (`node:dgram`): it sits between DTLS
 * clients and a server and loses, duplicates, delays, reorders, coalesces,
 * truncates, corrupts, filters and injects datagrams, in both directions,
 * with every random decision drawn from a seeded {@link Prng}.
 *
 * It is the real-socket twin of the in-memory {@link VirtualNetwork}: both
 * run one impairment pipeline (src/testing/impairments.ts: the same
 * {@link ImpairmentOptions}, validation, defaults, order and counters), and
 * client n's datagrams draw from the random stream of the virtual network's
 * direction `client<n>:0 → server:0` (the replies from the reverse one), so a
 * scenario found on the virtual network replays, decision for decision,
 * between real processes (puredtls, `openssl s_client`/`s_server`,
 * `gnutls-cli`/`gnutls-serv`).
 *
 * How it works:
 * - One listening socket faces the clients. Each client address gets its own
 *   upstream socket (an ephemeral port) towards the target, so the target sees
 *   one distinct 5-tuple per client and many clients can share the proxy.
 * - Each direction of each client has its own random stream, chosen by the
 *   client's arrival number (0, 1, ...), so the decisions for the n-th client
 *   do not depend on other clients' traffic. Timing on real sockets is not
 *   deterministic, so a seed fixes the sequence of decisions per direction,
 *   not the interleaving.
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
import { copyBytes } from '../codec/reader.js';
import { MAX_PORT, type NetAddress, formatAddress } from '../testing/address.js';
import { EventHeap } from '../testing/clock.js';
import {
  ImpairmentLane,
  checkInt,
  directionStream,
  resolveImpairments,
  type DelayRange,
  type ImpairmentCounters,
  type ImpairmentOptions,
  type ImpairmentStep,
  type LaneDatagram,
  type ResolvedImpairments,
} from '../testing/impairments.js';
import type { Prng, Seed } from '../testing/prng.js';

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
 * A uniform latency range in ms (integers give integer delays, inclusive):
 * the {@link DelayRange} of the shared pipeline.
 *
 * @example
 * ```ts
 * import type { ProxyDelayRange, ProxyImpairments } from 'puredtls/testing';
 *
 * const jitter: ProxyDelayRange = { min: 5, max: 50 }; // 5 to 50 ms each way
 * const slowLink: ProxyImpairments = { delay: jitter };
 * ```
 */
export type ProxyDelayRange = DelayRange;

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
 * What the hooks (an {@link InjectFunction}, a `filter`) see: one datagram as
 * it entered the proxy, before any impairment.
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
 * Crafts datagrams to inject after a datagram: they are sent at once in the
 * same direction (after the datagram itself if it is forwarded at once, so
 * before it under the default 1 ms delay), without any impairment.
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
 * Impairments of one direction: the {@link ImpairmentOptions} of the
 * pipeline shared with the {@link VirtualNetwork}, whose hooks see a
 * {@link ProxyDatagramInfo}. Applied in the same order: `inject` and
 * `filter` on the datagram as it entered, then `mtu` (drop or `truncate`),
 * `pack`, then on the wire `drop`, `duplicate`, and per copy `bitflip`,
 * `delay` (default {@link DEFAULT_DELAY}, 1 ms; `0` forwards at once),
 * `reorder`. Probabilities are in [0, 1], times in ms.
 *
 * @example Impair only the server's datagrams
 * ```ts
 * import { startUdpProxy, type ProxyImpairments } from 'puredtls/testing';
 *
 * const lossy: ProxyImpairments = { drop: 0.3, reorder: 0.1, delay: { min: 0, max: 20 } };
 * const proxy = await startUdpProxy({
 *   listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 4433 },
 *   serverToClient: lossy,
 *   // and lose the client's first datagram
 *   clientToServer: { filter: (dg) => (dg.index === 0 ? 'drop' : 'pass') },
 * });
 * ```
 */
export interface ProxyImpairments extends ImpairmentOptions<ProxyDatagramInfo> {
  /** A probability of forging a record after a datagram, or an {@link InjectFunction}: see {@link ImpairmentOptions.inject}. */
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
  /**
   * Seed of every random decision (default 1). Client n's datagrams to the
   * target draw from the stream of the {@link VirtualNetwork} direction
   * `{ address: 'client<n>', port: 0 } → { address: 'server', port: 0 }`
   * under the same seed, and the target's replies from the reverse direction.
   */
  seed?: Seed;
  /** Overrides for datagrams from the clients to the target. */
  clientToServer?: ProxyImpairments;
  /** Overrides for datagrams from the target to the clients. */
  serverToClient?: ProxyImpairments;
  /** Client sessions kept at once; the least recently active is closed beyond it. Default 1024. */
  maxClients?: number;
  /** A client session with no traffic either way for this many ms is closed. Default 60 000. */
  idleTimeout?: number;
  /** Datagrams held back (delayed, reordered, or held by a `filter`) at once, over the whole proxy. Default 4096. */
  maxQueued?: number;
  /** Called with one line per impairment decision (for `--verbose`). */
  log?: (line: string) => void;
}

/**
 * Counters of one direction, summed over all clients. The impairment
 * counters ({@link ImpairmentCounters}) are those the {@link VirtualNetwork} keeps too.
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
export interface ProxyDirectionStats extends ImpairmentCounters {
  /** Datagrams that entered the proxy. */
  received: number;
  /** Datagrams sent out (duplicates, packs and injections included). */
  forwarded: number;
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

/** Defaults of {@link UdpProxyOptions} (the command line's help shows them). */
export const DEFAULT_MAX_CLIENTS = 1024;
export const DEFAULT_IDLE_TIMEOUT = 60_000;
export const DEFAULT_MAX_QUEUED = 4096;
/** Largest value of the integer options (setTimeout's largest delay). */
const MAX_INT_OPTION = 2 ** 31 - 1;
/** Event priorities at one instant: pack windows and filter releases first, then sends. */
const PRIO_INTERNAL = 0;
const PRIO_SEND = 1;

/** The target as the proxy's random streams name it (client n is `client<n>:0`). */
const STREAM_SERVER: NetAddress = Object.freeze({ address: 'server', port: 0 });
const streamClient = (index: number): NetAddress => ({ address: `client${index}`, port: 0 });

interface Lane {
  readonly direction: ProxyDirection;
  readonly imp: ResolvedImpairments<ProxyDatagramInfo>;
  readonly rng: Prng;
  readonly pipeline: ImpairmentLane<ProxyDatagramInfo>;
  readonly stats: ProxyDirectionStats;
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
  | { kind: 'release'; session: Session; lane: Lane; datagram: LaneDatagram }
  | { kind: 'flush'; session: Session; lane: Lane; gen: number }
);

const emptyStats = (): ProxyDirectionStats => ({
  received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, truncated: 0, packed: 0,
  injected: 0, overflow: 0, bytesIn: 0, bytesOut: 0,
});

function checkHostPort(name: string, v: unknown): HostPort {
  const hp = v as HostPort | undefined;
  if (hp === null || typeof hp !== 'object' || typeof hp.host !== 'string' || hp.host.length === 0) {
    throw new TypeError(`startUdpProxy: ${name} must be { host, port }`);
  }
  if (!Number.isInteger(hp.port) || hp.port < 0 || hp.port > MAX_PORT) {
    throw new RangeError(`startUdpProxy: ${name}.port must be 0..${MAX_PORT}, got ${String(hp.port)}`);
  }
  return hp;
}

/** The impairments of one direction: the common ones, overridden by the direction's own. */
function laneImpairments(base: ProxyImpairments, own: ProxyImpairments | undefined, where: string): ResolvedImpairments<ProxyDatagramInfo> {
  return resolveImpairments<ProxyDatagramInfo>({ ...base, ...own }, where);
}

const clock = (): number => performance.now();

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
  const up = laneImpairments(options, options.clientToServer, 'startUdpProxy clientToServer');
  const down = laneImpairments(options, options.serverToClient, 'startUdpProxy serverToClient');
  const maxClients = checkInt('startUdpProxy', 'maxClients', options.maxClients, DEFAULT_MAX_CLIENTS, 1, MAX_INT_OPTION);
  const idleTimeout = checkInt('startUdpProxy', 'idleTimeout', options.idleTimeout, DEFAULT_IDLE_TIMEOUT, 1, MAX_INT_OPTION);
  const maxQueued = checkInt('startUdpProxy', 'maxQueued', options.maxQueued, DEFAULT_MAX_QUEUED, 1, MAX_INT_OPTION);
  const seed = options.seed ?? 1;
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
      } else if (ev.kind === 'release') {
        stats.queued--;
        if (!ev.session.closed) apply(ev.session, ev.lane, ev.lane.pipeline.resume(ev.datagram, now, ev.lane.imp), now);
      } else if (!ev.session.closed) {
        apply(ev.session, ev.lane, ev.lane.pipeline.flush(ev.gen, now, ev.lane.imp), now);
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
    if (ev.kind !== 'flush') {
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

  /** One direction of client `index`: its impairments, its random stream, its pipeline. */
  const lane = (direction: ProxyDirection, index: number, imp: ResolvedImpairments<ProxyDatagramInfo>, laneStats: ProxyDirectionStats): Lane => {
    const client = streamClient(index);
    const rng = direction === 'clientToServer' ? directionStream(seed, client, STREAM_SERVER) : directionStream(seed, STREAM_SERVER, client);
    return { direction, imp, rng, stats: laneStats, pipeline: new ImpairmentLane(rng, laneStats, { notes: log !== undefined }) };
  };

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
    log?.(`client ${s.index} ${formatAddress(s)} closed (${why})`);
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
      up: lane('clientToServer', index, up, stats.clientToServer),
      down: lane('serverToClient', index, down, stats.serverToClient),
    };
    upstream.on('error', () => { stats.errors++; });
    upstream.on('message', (msg, rinfo) => {
      if (closed || s.closed) return;
      if (rinfo.port !== target.port || rinfo.address !== target.address) {
        stats.strays++;
        return;
      }
      touch(s, clock());
      ingress(s, s.down, msg);
    });
    // Bind at once so that replies can come back before the first send completes.
    upstream.bind(0, target.family === 6 ? '::' : '0.0.0.0');
    sessions.set(s.key, s);
    stats.clients = sessions.size;
    log?.(`client ${index} ${formatAddress({ address, port })} opened`);
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

  /** A datagram entered the proxy: through the pipeline. */
  const ingress = (s: Session, lane: Lane, msg: Uint8Array): void => {
    lane.stats.received++;
    lane.stats.bytesIn += msg.length;
    const now = clock();
    const steps = lane.pipeline.send(copyBytes(msg), now, lane.imp, (index, data): ProxyDatagramInfo => ({
      direction: lane.direction,
      client: { address: s.address, port: s.port },
      clientIndex: s.index,
      index,
      data: data.slice(),
      rng: lane.rng,
    }));
    apply(s, lane, steps, now);
  };

  /** Carry out the pipeline's decisions: send now, or hold back on the proxy's one timer. */
  const apply = (s: Session, lane: Lane, steps: readonly ImpairmentStep[], now: number): void => {
    for (const step of steps) {
      switch (step.kind) {
        case 'note':
          log?.(`${what(s, lane)} ${step.event} ${step.datagram.label} ${step.datagram.data.length}B${step.detail === undefined ? '' : ` ${step.detail}`}`);
          break;
        case 'deliver':
          if (step.at <= now) emit(s, lane, step.datagram.data);
          else schedule({ time: step.at, prio: PRIO_SEND, seq: 0, kind: 'send', session: s, lane, data: step.datagram.data });
          break;
        case 'release':
          schedule({ time: step.at, prio: PRIO_INTERNAL, seq: 0, kind: 'release', session: s, lane, datagram: step.datagram });
          break;
        case 'flush':
          schedule({ time: step.at, prio: PRIO_INTERNAL, seq: 0, kind: 'flush', session: s, lane, gen: step.gen });
          break;
      }
    }
  };

  socket.on('message', (msg, rinfo) => {
    if (closed) return;
    const s = sessionFor(rinfo.address, rinfo.port, clock());
    ingress(s, s.up, msg);
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
