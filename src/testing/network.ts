/**
 * An in-memory datagram network with a virtual clock, for deterministic
 * loss / reorder / retransmission tests of sans-IO DTLS endpoints.
 *
 * - No sockets, no real timers, no `Math.random`: every random decision comes
 *   from a {@link Prng} seeded from {@link VirtualNetworkOptions.seed}, so the
 *   same seed always gives the same run, event for event.
 * - Endpoints are {@link NetNode}s: the network calls `receive` / `onTimeout`,
 *   and after **every** call into a node drains `takeOutgoing()` and re-reads
 *   `nextTimeout()`.
 * - Each direction (`from → to`) has its own impairments (loss, duplication,
 *   latency, reordering, MTU, packing, bit flips, a programmable filter,
 *   injection) and its own random stream, so traffic in one direction does
 *   not change the random decisions taken in another. The impairments are the
 *   pipeline of `impairments.ts`, which the UDP proxy runs too; this module
 *   is the event loop around it (nodes, timers, deliveries, the log).
 *
 * @example A lossy handshake
 * ```ts
 * import { VirtualNetwork, type DtlsClientNode, type DtlsServerNode } from 'puredtls/testing';
 *
 * declare const serverNode: DtlsServerNode, clientNode: DtlsClientNode;
 * const net = new VirtualNetwork({ seed: 7, impairments: { drop: 0.2, delay: { min: 5, max: 40 } }, log: true });
 * const server = net.attach({ address: '10.0.0.1', port: 4433 }, serverNode, { role: 'server', name: 'server' });
 * const client = net.attach({ address: '10.0.0.2', port: 50000 }, clientNode, { role: 'client', name: 'client' });
 * const result = net.run({ until: () => clientNode.established && serverNode.established > 0 });
 * if (result.reason !== 'until') throw new Error(`no handshake with ${net}\n${net.formatLog()}`);
 * ```
 *
 * @example Drop the 2nd datagram of the first transmission of flight 4
 * ```ts
 * import type { NetAddress, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, serverAddr: NetAddress, clientAddr: NetAddress;
 * net.link(serverAddr, clientAddr, {
 *   filter: (dg) =>
 *     dg.flight === 4 && dg.flightDatagram === 1 && dg.flightTransmission === 0 ? 'drop' : 'pass',
 * });
 * ```
 *
 * @module
 */

import { type NetAddress, checkAddress, formatAddress } from './address.js';
import { EventHeap, VirtualClock } from './clock.js';
import { describeDatagram, formatRecords, type DescribeOptions } from './describe.js';
import { FlightTracker } from './flight-tracker.js';
import {
  ImpairmentLane,
  directionKey,
  directionStream,
  resolveImpairments,
  type ImpairmentStep,
  type LaneDatagram,
  type ResolvedImpairments,
} from './impairments.js';
import { formatLogEntry, type LogEntry, type LogEvent } from './network-log.js';
import {
  VirtualNetworkError,
  type AttachOptions,
  type DatagramInfo,
  type DirectionStats,
  type Impairments,
  type NetNode,
  type NodeHandle,
  type NodeRole,
  type OutgoingDatagram,
  type RunOptions,
  type RunResult,
  type VirtualNetworkOptions,
} from './network-types.js';
import type { Seed } from './prng.js';

// The network's public types live beside it; importers of this module get them here too.
export { formatAddress, type NetAddress } from './address.js';
export {
  DEFAULT_DELAY,
  DEFAULT_REORDER_DELAY,
  type DelayRange,
  type FilterVerdict,
  type ImpairmentCounters,
  type ImpairmentEvent,
  type ImpairmentOptions,
} from './impairments.js';
export * from './network-log.js';
export * from './network-types.js';

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

interface NodeEntry {
  key: string;
  address: NetAddress;
  node: NetNode;
  name: string;
  role: NodeRole | undefined;
  attached: boolean;
  deadline: number | undefined;
  timerGen: number;
  timeoutsAt: number;
  timeoutsAtCount: number;
}

/** Impairments as given (what the `impairments` getter returns) and as resolved. */
interface Link {
  readonly options: Impairments;
  readonly resolved: ResolvedImpairments<DatagramInfo>;
}

interface Direction {
  key: string;
  from: NetAddress;
  to: NetAddress;
  fromKey: string;
  toKey: string;
  stats: DirectionStats;
  lane: ImpairmentLane<DatagramInfo>;
  link: Link | undefined;
  flights: FlightTracker;
}

/** Event priorities at one instant: pack windows and filter releases, then deliveries, then node timeouts. */
const PRIO_INTERNAL = 0;
const PRIO_DELIVER = 1;
const PRIO_TIMER = 2;

/** Default limits: of {@link RunOptions} and {@link VirtualNetworkOptions.maxTimeoutsPerInstant}. */
const DEFAULT_MAX_TIME = 120_000;
const DEFAULT_MAX_STEPS = 5_000_000;
const DEFAULT_MAX_TIMEOUTS_PER_INSTANT = 10_000;

type Ev = { time: number; prio: number; seq: number } & (
  | { kind: 'deliver'; dir: Direction; dg: LaneDatagram }
  | { kind: 'timer'; entry: NodeEntry; gen: number }
  | { kind: 'flush'; dir: Direction; gen: number }
  | { kind: 'release'; dir: Direction; dg: LaneDatagram }
);

const emptyStats = (): DirectionStats => ({
  sent: 0,
  injected: 0,
  delivered: 0,
  dropped: 0,
  duplicated: 0,
  reordered: 0,
  corrupted: 0,
  truncated: 0,
  packed: 0,
  undeliverable: 0,
});

function link(options: Impairments, where: string): Link {
  return { options: { ...options }, resolved: resolveImpairments(options, where) };
}

// ---------------------------------------------------------------------------
// VirtualNetwork
// ---------------------------------------------------------------------------

/**
 * The simulated network: an in-memory datagram network with a virtual clock,
 * for deterministic loss / reorder / retransmission tests of sans-IO
 * endpoints ({@link NetNode}s such as {@link DtlsServerNode} and
 * {@link DtlsClientNode}). Every random decision comes from a {@link Prng}
 * seeded from {@link VirtualNetworkOptions.seed}, so the same seed gives the
 * same run, event for event. Each direction has its own
 * {@link Impairments} and its own random stream.
 *
 * @example A handshake over a lossy network
 * ```ts
 * import { createSelfSigned } from 'puredtls';
 * import { DtlsClientNode, DtlsServerNode, VirtualNetwork } from 'puredtls/testing';
 *
 * const { keyPem, certPem } = createSelfSigned();
 * const serverAddr = { address: '10.0.0.1', port: 4433 };
 * const net = new VirtualNetwork({ seed: 7, impairments: { drop: 0.2, delay: { min: 5, max: 40 } }, log: true });
 * const server = new DtlsServerNode({ key: keyPem, cert: certPem });
 * const client = new DtlsClientNode({ ca: certPem, servername: 'localhost' }, serverAddr, net.now);
 * net.attach(serverAddr, server, { role: 'server', name: 'server' });
 * net.attach({ address: '10.0.0.2', port: 50000 }, client, { role: 'client', name: 'client' });
 * const result = net.run({ until: () => client.established && server.established > 0 });
 * if (result.reason !== 'until') throw new Error(`no handshake with ${net}\n${net.formatLog()}`);
 * console.log(net.stats()); // sent, delivered, dropped, ...
 * ```
 *
 * Event order: events run in virtual-time order; at equal times internal
 * work (closing `pack` windows, releasing filter-delayed datagrams) comes
 * first, then deliveries, then node timeouts, each group first-in first-out.
 * A node whose `nextTimeout()` is at or before `now` after a call gets
 * `onTimeout(now)` at this same instant, after the deliveries due now.
 */
export class VirtualNetwork {
  /** The virtual clock; it only moves inside {@link VirtualNetwork.run} / {@link VirtualNetwork.advance}. */
  readonly clock: VirtualClock;
  private readonly seedValue: Seed;
  private defaults: Link;
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly dirs = new Map<string, Direction>();
  private readonly heap = new EventHeap<Ev>();
  private evSeq = 0;
  private stepCount = 0;
  private injectCount = 0;
  private running = false;
  private readonly entries: LogEntry[] | undefined;
  private readonly maxTimeoutsPerInstant: number;
  private readonly describeOptions: DescribeOptions;

  constructor(options: VirtualNetworkOptions = {}) {
    this.seedValue = options.seed ?? 1;
    this.clock = new VirtualClock(options.now ?? 0);
    this.defaults = link(options.impairments ?? {}, 'VirtualNetwork impairments');
    this.entries = options.log ? [] : undefined;
    this.maxTimeoutsPerInstant = options.maxTimeoutsPerInstant ?? DEFAULT_MAX_TIMEOUTS_PER_INSTANT;
    this.describeOptions = { ...options.describe };
  }

  /** The seed this network was created with. */
  get seed(): Seed {
    return this.seedValue;
  }

  /** Current virtual time in ms. */
  get now(): number {
    return this.clock.now;
  }

  /** `VirtualNetwork(seed=…, t=…)`: handy in assertion messages. */
  toString(): string {
    return `VirtualNetwork(seed=${JSON.stringify(this.seedValue)}, t=${this.now})`;
  }

  // -- topology ------------------------------------------------------------

  /**
   * Attach a node at an address. The network immediately drains the node's
   * outgoing datagrams and reads its deadline (a past deadline fires at the
   * next `run()`, at the current instant).
   *
   * @throws VirtualNetworkError if a node is already attached there.
   */
  attach<N extends NetNode>(address: NetAddress, node: N, options: AttachOptions = {}): NodeHandle<N> {
    checkAddress(address, 'attach');
    const key = formatAddress(address);
    if (this.nodes.has(key)) throw this.error(`attach: ${key} already has a node`);
    const entry: NodeEntry = {
      key,
      address: Object.freeze({ address: address.address, port: address.port }),
      node,
      name: options.name ?? key,
      role: options.role,
      attached: true,
      deadline: undefined,
      timerGen: 0,
      timeoutsAt: NaN,
      timeoutsAtCount: 0,
    };
    this.nodes.set(key, entry);
    this.record({ time: this.now, event: 'attach', from: entry.name, detail: key });
    this.syncNode(entry);
    const net = this;
    return {
      address: entry.address,
      node,
      name: entry.name,
      role: entry.role,
      get attached() {
        return entry.attached;
      },
      sync: () => {
        if (entry.attached) net.syncNode(entry);
      },
      act: <R>(fn: (n: N, now: number) => R): R => {
        const r = fn(node, net.now);
        if (entry.attached) net.syncNode(entry);
        return r;
      },
      detach: () => net.detachEntry(entry),
    };
  }

  /**
   * Detach the node at `address`, or the node of a handle (not whatever node
   * took its address later). Returns whether something was detached.
   */
  detach(target: NetAddress | NodeHandle): boolean {
    const isHandle = 'node' in target;
    const entry = this.nodes.get(formatAddress(isHandle ? target.address : target));
    if (!entry || (isHandle && entry.node !== target.node)) return false;
    this.detachEntry(entry);
    return true;
  }

  private detachEntry(entry: NodeEntry): void {
    if (!entry.attached) return;
    entry.attached = false;
    entry.timerGen++;
    entry.deadline = undefined;
    this.nodes.delete(entry.key);
    this.record({ time: this.now, event: 'detach', from: entry.name, detail: entry.key });
  }

  /** The node attached at `address`, if any. */
  nodeAt(address: NetAddress): NetNode | undefined {
    return this.nodes.get(formatAddress(address))?.node;
  }

  // -- impairments -----------------------------------------------------------

  /** Impairments of every direction without its own {@link VirtualNetwork.link}. */
  get impairments(): Impairments {
    return { ...this.defaults.options };
  }

  set impairments(imp: Impairments) {
    this.defaults = link(imp, 'VirtualNetwork impairments');
  }

  /**
   * Set the impairments of one direction, `from → to`, replacing (not merging
   * with) the defaults for it. Can be changed at any time, e.g. to heal a
   * partition; datagrams already in flight keep their fate.
   *
   * @example
   * ```ts
   * import type { NodeHandle, VirtualNetwork } from 'puredtls/testing';
   *
   * declare const net: VirtualNetwork, client: NodeHandle, server: NodeHandle;
   * net.link(client.address, server.address, { drop: 1 }); // partition one way
   * net.run({ maxTime: 5_000 });
   * net.unlink(client.address, server.address);            // heal
   * ```
   */
  link(from: NetAddress, to: NetAddress, impairments: Impairments): void {
    checkAddress(from, 'link');
    checkAddress(to, 'link');
    this.direction(from, to).link = link(impairments, 'link');
  }

  /** {@link VirtualNetwork.link} in both directions. */
  linkBoth(a: NetAddress, b: NetAddress, impairments: Impairments): void {
    this.link(a, b, impairments);
    this.link(b, a, impairments);
  }

  /** Make `from → to` use the default impairments again. */
  unlink(from: NetAddress, to: NetAddress): void {
    const dir = this.dirs.get(directionKey(from, to));
    if (dir) dir.link = undefined;
  }

  // -- traffic from the test -------------------------------------------------

  /**
   * Deliver a crafted datagram to `to` at `atTime` (default now), as coming
   * from `from` — any address, attached or not (spoofing). It bypasses every
   * impairment and filter. Counted as `injected` on the direction.
   *
   * @example
   * ```ts
   * import type { NodeHandle, VirtualNetwork } from 'puredtls/testing';
   *
   * declare const net: VirtualNetwork, server: NodeHandle, forgedClientHello: Uint8Array;
   * net.inject({ address: '6.6.6.6', port: 666 }, server.address, forgedClientHello);
   * net.run();
   * ```
   */
  inject(from: NetAddress, to: NetAddress, data: Uint8Array, atTime?: number): void {
    checkAddress(from, 'inject');
    checkAddress(to, 'inject');
    const time = atTime ?? this.now;
    if (!(time >= this.now) || !Number.isFinite(time)) {
      throw this.error(`inject: atTime ${atTime} is before now (${this.now}) or not finite`);
    }
    const dir = this.direction(from, to);
    dir.stats.injected++;
    const dg: LaneDatagram = { data: data.slice(), label: `inj:${this.injectCount++}` };
    if (this.entries) this.logDg('inject', dir, dg, `at ${time} ${formatRecords(describeDatagram(dg.data, this.describeOptions))}`);
    this.push({ time, prio: PRIO_DELIVER, seq: 0, kind: 'deliver', dir, dg });
  }

  /**
   * Send a datagram now as if the node at `from` had emitted it: it gets an
   * `index`, goes through the filter and impairments, and counts as `sent`.
   * `from` need not be attached.
   */
  send(from: NetAddress, to: NetAddress, data: Uint8Array): void {
    checkAddress(from, 'send');
    this.route(formatAddress(from), from, { to, data });
  }

  // -- running -----------------------------------------------------------------

  /**
   * Process events (deliveries and node timeouts) in time order until
   * `until()` holds, nothing is left to do, `maxTime` virtual ms have
   * passed, or `maxSteps` node calls were made. Starts by syncing every node
   * (see {@link NodeHandle.sync}). Exceptions thrown by nodes propagate.
   *
   * @example
   * ```ts
   * import { expect } from 'vitest';
   * import type { DtlsClientNode, NodeHandle, VirtualNetwork } from 'puredtls/testing';
   *
   * declare const net: VirtualNetwork, client: NodeHandle<DtlsClientNode>;
   * const r = net.run({ until: () => client.node.established, maxTime: 60_000 });
   * expect(r.reason, `${net}\n${net.formatLog()}`).toBe('until');
   * ```
   */
  run(options: RunOptions = {}): RunResult {
    if (this.running) throw this.error('run() is not reentrant (called from inside a node?)');
    const maxTime = options.maxTime ?? DEFAULT_MAX_TIME;
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!(maxTime >= 0)) throw new RangeError(`run: maxTime must be ≥ 0, got ${maxTime}`);
    const until = options.until;
    const limit = this.now + maxTime;
    const steps0 = this.stepCount;
    const result = (reason: RunResult['reason']): RunResult => ({
      time: this.now,
      steps: this.stepCount - steps0,
      reason,
    });
    this.running = true;
    try {
      for (const entry of [...this.nodes.values()]) if (entry.attached) this.syncNode(entry);
      for (;;) {
        if (until !== undefined && until()) return result('until');
        if (this.stepCount - steps0 >= maxSteps) return result('maxSteps');
        const ev = this.peekLive();
        if (ev === undefined) return result('idle');
        if (ev.time > limit) {
          this.clock.advanceTo(limit);
          return result('maxTime');
        }
        this.heap.pop();
        this.clock.advanceTo(ev.time);
        this.process(ev);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Let `ms` of virtual time pass: process every event up to `now + ms`, then
   * leave the clock exactly there (even if the network went idle earlier).
   */
  advance(ms: number, options: Omit<RunOptions, 'maxTime'> = {}): RunResult {
    const target = this.now + ms;
    const r = this.run({ ...options, maxTime: ms });
    if (r.reason === 'idle') {
      this.clock.advanceTo(target);
      r.time = target;
    }
    return r;
  }

  /** True if no datagram is in flight and no node has a deadline. */
  get idle(): boolean {
    return this.peekLive() === undefined;
  }

  // -- statistics and log --------------------------------------------------------

  /**
   * Counters: of the direction `from → to` if both are given, of everything
   * sent by `from` if only it is given, else the totals.
   */
  stats(from?: NetAddress, to?: NetAddress): DirectionStats {
    const fk = from ? formatAddress(from) : undefined;
    const tk = to ? formatAddress(to) : undefined;
    const sum = emptyStats();
    for (const d of this.dirs.values()) {
      if ((fk !== undefined && d.fromKey !== fk) || (tk !== undefined && d.toKey !== tk)) continue;
      for (const k of Object.keys(sum) as (keyof DirectionStats)[]) sum[k] += d.stats[k];
    }
    return sum;
  }

  /** Every direction that has seen traffic or a link, with a copy of its counters. */
  directions(): { from: NetAddress; to: NetAddress; stats: DirectionStats }[] {
    return [...this.dirs.values()].map((d) => ({ from: d.from, to: d.to, stats: { ...d.stats } }));
  }

  /** Recorded events (empty unless the network was created with `log: true`). */
  get log(): readonly LogEntry[] {
    return this.entries ?? [];
  }

  /**
   * The log as text, one event per line, headed by the seed. `last` keeps
   * only the last n events. `send` lines show the records
   * ({@link formatRecords}) and `flight=F.T.D`: flight F, transmission T
   * (0 = first), datagram D within it (see {@link DatagramInfo}).
   *
   * @example
   * ```
   * VirtualNetwork seed=3 (120 events)
   *        0.000 attach         server 10.0.0.2:2000
   *        0.000 send           #0      client -> server 67B handshake e0/0 [client_hello m0 0+42/42 cookie=0] flight=1.0.0
   *        1.000 deliver        #0      client -> server 67B
   *        3.000 send           #2      server -> client 105B handshake e0/3 [certificate m2 100+80/180] flight=4.0.1
   *        3.000 drop           #2      server -> client 105B
   *     1002.000 timeout        client
   * ```
   *
   * @example Print it when a test fails (vitest)
   * ```ts
   * import { onTestFailed } from 'vitest';
   * import type { VirtualNetwork } from 'puredtls/testing';
   *
   * declare const net: VirtualNetwork;
   * onTestFailed(() => console.log(net.formatLog({ last: 200 })));
   * ```
   */
  formatLog(options: { last?: number } = {}): string {
    const all = this.entries;
    if (!all) return `VirtualNetwork seed=${JSON.stringify(this.seedValue)} (log disabled: pass { log: true })`;
    const shown = options.last !== undefined ? all.slice(Math.max(0, all.length - options.last)) : all;
    const lines = [`VirtualNetwork seed=${JSON.stringify(this.seedValue)} (${all.length} events)`];
    if (shown.length < all.length) lines.push(`  … ${all.length - shown.length} earlier events omitted`);
    for (const e of shown) lines.push(formatLogEntry(e));
    return lines.join('\n');
  }

  // -- internals -------------------------------------------------------------------

  private error(message: string): VirtualNetworkError {
    return new VirtualNetworkError(`${message} [seed=${JSON.stringify(this.seedValue)}, t=${this.now}]`);
  }

  private record(e: LogEntry): void {
    if (this.entries) this.entries.push(e);
  }

  private nameOf(key: string): string {
    return this.nodes.get(key)?.name ?? key;
  }

  private push(ev: Ev): void {
    ev.seq = this.evSeq++;
    this.heap.push(ev);
  }

  private direction(from: NetAddress, to: NetAddress): Direction {
    const key = directionKey(from, to);
    let dir = this.dirs.get(key);
    if (!dir) {
      const stats = emptyStats();
      dir = {
        key,
        from: Object.freeze({ address: from.address, port: from.port }),
        to: Object.freeze({ address: to.address, port: to.port }),
        fromKey: formatAddress(from),
        toKey: formatAddress(to),
        stats,
        lane: new ImpairmentLane(directionStream(this.seedValue, from, to), stats, {
          notes: this.entries !== undefined,
          fail: (message) => this.error(message),
        }),
        link: undefined,
        flights: new FlightTracker(),
      };
      this.dirs.set(key, dir);
    }
    return dir;
  }

  private imp(dir: Direction): ResolvedImpairments<DatagramInfo> {
    return (dir.link ?? this.defaults).resolved;
  }

  private peekLive(): Ev | undefined {
    for (;;) {
      const ev = this.heap.peek();
      if (ev === undefined) return undefined;
      if (
        (ev.kind === 'timer' && (ev.gen !== ev.entry.timerGen || !ev.entry.attached)) ||
        (ev.kind === 'flush' && !ev.dir.lane.packOpen(ev.gen))
      ) {
        this.heap.pop();
        continue;
      }
      return ev;
    }
  }

  private process(ev: Ev): void {
    switch (ev.kind) {
      case 'deliver': {
        const dir = ev.dir;
        const entry = this.nodes.get(dir.toKey);
        if (entry === undefined) {
          dir.stats.undeliverable++;
          this.logDg('undeliverable', dir, ev.dg);
          return;
        }
        dir.stats.delivered++;
        this.logDg('deliver', dir, ev.dg);
        this.stepCount++;
        entry.node.receive(ev.dg.data, dir.from, this.now);
        this.syncNode(entry);
        return;
      }
      case 'timer':
        this.timerDue(ev.entry);
        return;
      case 'flush':
        this.apply(ev.dir, ev.dir.lane.flush(ev.gen, this.now, this.imp(ev.dir)));
        return;
      case 'release':
        this.apply(ev.dir, ev.dir.lane.resume(ev.dg, this.now, this.imp(ev.dir)));
        return;
    }
  }

  /**
   * Drain outgoing, then (re)schedule the node's deadline. A deadline at or
   * before `now` is scheduled at `now`: it fires at this same instant, after
   * the deliveries already due now.
   */
  private syncNode(entry: NodeEntry): void {
    this.drain(entry);
    if (!entry.attached) return;
    const d = entry.node.nextTimeout();
    if (d === undefined) {
      if (entry.deadline !== undefined) {
        entry.deadline = undefined;
        entry.timerGen++;
      }
      return;
    }
    if (typeof d !== 'number' || Number.isNaN(d)) {
      throw this.error(`node ${entry.name}: nextTimeout() returned ${String(d)}`);
    }
    const at = d > this.now ? d : this.now;
    if (at !== entry.deadline) {
      entry.deadline = at;
      const gen = ++entry.timerGen;
      if (at !== Infinity) this.push({ time: at, prio: PRIO_TIMER, seq: 0, kind: 'timer', entry, gen });
    }
  }

  /** A timer event is due: fire if the node still wants it, then resync. */
  private timerDue(entry: NodeEntry): void {
    entry.deadline = undefined;
    const d = entry.node.nextTimeout();
    if (typeof d === 'number' && d <= this.now) this.fireTimeout(entry);
    if (entry.attached) this.syncNode(entry);
  }

  private fireTimeout(entry: NodeEntry): void {
    const now = this.now;
    if (entry.timeoutsAt === now) {
      if (++entry.timeoutsAtCount > this.maxTimeoutsPerInstant) {
        throw this.error(
          `node ${entry.name}: onTimeout called ${this.maxTimeoutsPerInstant} times at t=${now} ` +
            `but nextTimeout() still returns ${String(entry.node.nextTimeout())} (≤ now): the node never advances its deadline`,
        );
      }
    } else {
      entry.timeoutsAt = now;
      entry.timeoutsAtCount = 1;
    }
    this.record({ time: now, event: 'timeout', from: entry.name });
    this.stepCount++;
    entry.node.onTimeout(now);
    this.drain(entry);
  }

  private drain(entry: NodeEntry): void {
    const out = entry.node.takeOutgoing();
    for (const o of out) this.route(entry.key, entry.address, o);
  }

  /** A datagram leaves a node (or {@link send}): describe, number its flight, impair. */
  private route(fromKey: string, from: NetAddress, o: OutgoingDatagram): void {
    if (o === null || typeof o !== 'object' || !(o.data instanceof Uint8Array)) {
      throw this.error(`node ${this.nameOf(fromKey)}: takeOutgoing() returned an invalid datagram`);
    }
    checkAddress(o.to, `datagram from ${this.nameOf(fromKey)}`);
    const dir = this.direction(from, o.to);
    dir.stats.sent++;
    const now = this.now;
    const data = o.data.slice();
    const records = describeDatagram(data, this.describeOptions);
    const role = this.nodes.get(fromKey)?.role;
    const fromServer = role === undefined ? undefined : role === 'server';
    const fl = dir.flights.next(records, fromServer, now);
    if (this.entries) {
      const flight = fl.flight === undefined ? '' : ` flight=${fl.flight}.${fl.transmission}.${fl.datagram}`;
      this.logDg('send', dir, { data, label: `#${dir.lane.index}` }, formatRecords(records) + flight);
    }
    const steps = dir.lane.send(data, now, this.imp(dir), (index): DatagramInfo => ({
      from: dir.from,
      to: dir.to,
      data,
      index,
      time: now,
      records,
      flight: fl.flight,
      flightDatagram: fl.datagram,
      flightTransmission: fl.transmission,
      fromServer,
      fromName: this.nameOf(dir.fromKey),
      toName: this.nameOf(dir.toKey),
    }));
    this.apply(dir, steps);
  }

  /** Carry out the impairment pipeline's decisions: log them, schedule deliveries and its own timers. */
  private apply(dir: Direction, steps: readonly ImpairmentStep[]): void {
    for (const step of steps) {
      switch (step.kind) {
        case 'note':
          this.logDg(step.event, dir, step.datagram, step.detail);
          break;
        case 'deliver':
          this.push({ time: step.at, prio: PRIO_DELIVER, seq: 0, kind: 'deliver', dir, dg: step.datagram });
          break;
        case 'release':
          this.push({ time: step.at, prio: PRIO_INTERNAL, seq: 0, kind: 'release', dir, dg: step.datagram });
          break;
        case 'flush':
          this.push({ time: step.at, prio: PRIO_INTERNAL, seq: 0, kind: 'flush', dir, gen: step.gen });
          break;
      }
    }
  }

  private logDg(event: LogEvent, dir: Direction, dg: LaneDatagram, detail?: string): void {
    if (!this.entries) return;
    const e: LogEntry = {
      time: this.now,
      event,
      label: dg.label,
      from: this.nameOf(dir.fromKey),
      to: this.nameOf(dir.toKey),
      size: dg.data.length,
    };
    if (detail !== undefined) e.detail = detail;
    this.entries.push(e);
  }
}
