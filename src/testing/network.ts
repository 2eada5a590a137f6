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
 *   latency, reordering, MTU, packing, bit flips, a programmable filter) and
 *   its own random stream, so traffic in one direction does not change the
 *   random decisions taken in another.
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

import { EventHeap, VirtualClock } from './clock.js';
import {
  describeDatagram,
  flightOf,
  formatRecords,
  hasFinishingRecords,
  HandshakeType,
  type DescribeOptions,
  type RecordInfo,
} from './describe.js';
import { Prng, hashString, seedToUint32, type Seed } from './prng.js';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/**
 * A UDP-style address: where a node is attached, and where datagrams go.
 *
 * @example
 * ```ts
 * import { formatAddress, type NetAddress } from 'puredtls/testing';
 *
 * const server: NetAddress = { address: '10.0.0.1', port: 4433 };
 * const client: NetAddress = { address: 'fd00::2', port: 5684 };
 * formatAddress(client); // '[fd00::2]:5684'
 * ```
 */
export interface NetAddress {
  /** An IPv4 or IPv6 literal (any string; it is only compared). */
  address: string;
  /** The port, 0 to 65535. */
  port: number;
}

/**
 * A datagram a node wants sent: what {@link NetNode.takeOutgoing} returns.
 *
 * @example A node that sends one datagram when its timer fires
 * ```ts
 * import type { NetAddress, NetNode, OutgoingDatagram } from 'puredtls/testing';
 *
 * class Pinger implements NetNode {
 *   private out: OutgoingDatagram[] = [];
 *   constructor(private readonly peer: NetAddress, private at: number | undefined) {}
 *   receive(): void {}
 *   onTimeout(now: number): void {
 *     this.at = undefined;
 *     this.out.push({ to: this.peer, data: new TextEncoder().encode(`ping at ${now}`) });
 *   }
 *   nextTimeout(): number | undefined { return this.at; }
 *   takeOutgoing(): OutgoingDatagram[] { const o = this.out; this.out = []; return o; }
 * }
 * ```
 */
export interface OutgoingDatagram {
  /** The destination. */
  to: NetAddress;
  /** The datagram (the network copies it). */
  data: Uint8Array;
}

/**
 * A sans-IO endpoint attached to a {@link VirtualNetwork}.
 *
 * @example An echo node
 * ```ts
 * import type { NetAddress, NetNode, OutgoingDatagram } from 'puredtls/testing';
 *
 * class Echo implements NetNode {
 *   private out: OutgoingDatagram[] = [];
 *   receive(data: Uint8Array, from: NetAddress) { this.out.push({ to: from, data }); }
 *   onTimeout() {}
 *   nextTimeout() { return undefined; }
 *   takeOutgoing() { const o = this.out; this.out = []; return o; }
 * }
 * ```
 */
export interface NetNode {
  /** A datagram arrives. */
  receive(data: Uint8Array, from: NetAddress, now: number): void;
  /** Called when virtual time reaches nextTimeout(). */
  onTimeout(now: number): void;
  /** Absolute virtual ms of the node's next deadline, or undefined. */
  nextTimeout(): number | undefined;
  /** Datagrams the node wants sent, drained by the network after every call into the node. */
  takeOutgoing(): OutgoingDatagram[];
}

/**
 * A uniform latency range in ms (integers → integer delays, inclusive).
 *
 * @example
 * ```ts
 * import { VirtualNetwork, type DelayRange } from 'puredtls/testing';
 *
 * const jitter: DelayRange = { min: 20, max: 80 }; // 20, 21, ..., 80 ms
 * const net = new VirtualNetwork({ impairments: { delay: jitter } });
 * ```
 */
export interface DelayRange {
  min: number;
  max: number;
}

/**
 * What a {@link DatagramFilter} decides for a datagram:
 * - `'pass'`: continue through the other impairments;
 * - `'drop'`: discard it (counted in `dropped`);
 * - `{ delay }`: hold it for `delay` ms, then continue through the other impairments;
 * - `{ replace }`: send these datagrams instead (each continues through the
 *   other impairments; an empty array drops).
 *
 * @example
 * ```ts
 * import type { DatagramInfo, FilterVerdict } from 'puredtls/testing';
 *
 * function verdict(dg: DatagramInfo): FilterVerdict {
 *   if (dg.flight === 1 && dg.flightTransmission === 0) return 'drop'; // lose the first ClientHello once
 *   if (dg.flight === 4) return { delay: 250 };                         // a slow server flight
 *   if (dg.index === 10) return { replace: [dg.data, dg.data] };        // datagram #10 twice
 *   return 'pass';
 * }
 * ```
 */
export type FilterVerdict = 'pass' | 'drop' | { delay: number } | { replace: Uint8Array[] };

/**
 * What a {@link DatagramFilter} sees: one datagram as the sending node emitted it.
 *
 * @example
 * ```ts
 * import type { DatagramInfo, FilterVerdict } from 'puredtls/testing';
 *
 * const trace: string[] = [];
 * const traceAll = (dg: DatagramInfo): FilterVerdict => {
 *   const flight = dg.flight === undefined ? '-' : `${dg.flight}.${dg.flightTransmission}.${dg.flightDatagram}`;
 *   trace.push(`${dg.time} #${dg.index} ${dg.fromName} -> ${dg.toName} flight ${flight} ${dg.data.length}B`);
 *   return 'pass';
 * };
 * ```
 */
export interface DatagramInfo {
  readonly from: NetAddress;
  readonly to: NetAddress;
  /** The datagram bytes (the network's private copy). */
  readonly data: Uint8Array;
  /** Per-direction counter of datagrams sent, 0-based, counted before any impairment. */
  readonly index: number;
  /** Virtual time at which the node sent it. */
  readonly time: number;
  /** The DTLS records in it, see {@link describeDatagram}. */
  readonly records: RecordInfo[];
  /** The handshake flight (1–6) it belongs to, see {@link flightOf}; undefined if none. */
  readonly flight: number | undefined;
  /**
   * 0-based number of this datagram within the current transmission of its
   * flight (in this direction).
   *
   * A transmission is the run of datagrams of one flight sent at one virtual
   * instant; it ends when another flight is sent, time moves on, or a
   * plaintext handshake fragment already sent in it appears again. A
   * datagram that cannot be numbered on its own (a lone Certificate
   * fragment, ChangeCipherSpec or encrypted Finished, when the sender's role
   * is unknown) continues the transmission in progress at the same instant.
   * Give nodes a `role` in {@link VirtualNetwork.attach} for exact numbering.
   */
  readonly flightDatagram: number | undefined;
  /** 0 for the first transmission of the flight in this direction, 1 for the first retransmission, ... */
  readonly flightTransmission: number | undefined;
  /** Whether the sender was attached with role `server` (true), `client` (false), or unknown. */
  readonly fromServer: boolean | undefined;
  /** Name of the sender (its attach name, or `address:port`). */
  readonly fromName: string;
  /** Name of the destination (its attach name, or `address:port`). */
  readonly toName: string;
}

/**
 * A programmable per-direction impairment. Called once per datagram, in send
 * order; the `filter` of {@link Impairments}.
 *
 * @example Drop the 2nd datagram of the first transmission of flight 4
 * ```ts
 * import type { DatagramFilter, NetAddress, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, serverAddr: NetAddress, clientAddr: NetAddress;
 * const filter: DatagramFilter = (dg) =>
 *   dg.flight === 4 && dg.flightDatagram === 1 && dg.flightTransmission === 0 ? 'drop' : 'pass';
 * net.link(serverAddr, clientAddr, { filter });
 * ```
 */
export type DatagramFilter = (dg: DatagramInfo) => FilterVerdict;

/**
 * Impairments of one direction. Applied in this order:
 * 1. `filter` (on the datagram as sent, with its `index`);
 * 2. `mtu` (drop, or cut with `truncate`);
 * 3. `pack` (coalesce with the following datagrams of the window);
 * 4. on the wire: `drop`, then `duplicate`, then per copy `bitflip`, `delay`, `reorder`.
 *
 * Probabilities are in [0, 1]; times in virtual ms.
 *
 * @example
 * ```ts
 * import { VirtualNetwork, type Impairments } from 'puredtls/testing';
 *
 * const lossy: Impairments = { drop: 0.05, duplicate: 0.01, delay: { min: 2, max: 30 }, reorder: 0.02, mtu: 1280 };
 * const net = new VirtualNetwork({ seed: 1, impairments: lossy });
 * // worse from the server to the client: also corrupt some datagrams
 * net.link({ address: '10.0.0.1', port: 4433 }, { address: '10.0.0.2', port: 5000 }, { ...lossy, bitflip: 0.01 });
 * ```
 */
export interface Impairments {
  /** Probability that a (wire) datagram is lost. */
  drop?: number;
  /** Probability that a datagram is delivered twice (the copy gets its own delay). */
  duplicate?: number;
  /**
   * One-way latency: a fixed number of ms, or a uniform {@link DelayRange}.
   * Default: a fixed 1 ms, so order is preserved unless `reorder` (or a range) says otherwise.
   */
  delay?: number | DelayRange;
  /** Probability that a datagram is held back by an extra `reorderDelay` ms. */
  reorder?: number;
  /** Extra hold-back of a reordered datagram, default {@link DEFAULT_REORDER_DELAY} ms. */
  reorderDelay?: number;
  /** Maximum datagram size in bytes; larger ones are dropped (or cut, with `truncate`). */
  mtu?: number;
  /** Cut datagrams larger than `mtu` to `mtu` bytes instead of dropping them. */
  truncate?: boolean;
  /**
   * Coalescing window in ms: datagrams queued on this direction within `pack`
   * ms of the first one are concatenated into one datagram (never above
   * `mtu`), sent when the window closes. `0` packs what is sent at the same instant.
   */
  pack?: number;
  /** Probability of flipping one uniformly chosen bit of a datagram. */
  bitflip?: number;
  /** See {@link DatagramFilter}. */
  filter?: DatagramFilter;
}

/**
 * Default extra delay of a reordered datagram, ms (the default
 * {@link Impairments.reorderDelay}).
 *
 * @example
 * ```ts
 * import { DEFAULT_REORDER_DELAY, VirtualNetwork } from 'puredtls/testing';
 *
 * // Reordered datagrams arrive 40 ms late instead of 10
 * const net = new VirtualNetwork({ impairments: { reorder: 0.1, reorderDelay: 4 * DEFAULT_REORDER_DELAY } });
 * ```
 */
export const DEFAULT_REORDER_DELAY = 10;

/**
 * Default latency, ms: the one-way delay of every datagram when
 * {@link Impairments.delay} is not set.
 *
 * @example
 * ```ts
 * import { DEFAULT_DELAY } from 'puredtls/testing';
 *
 * const roundTrip = 2 * DEFAULT_DELAY; // ms, on a network without impairments
 * ```
 */
export const DEFAULT_DELAY = 1;

/**
 * Counters of one direction (or a sum of directions): what
 * {@link VirtualNetwork.stats} returns.
 *
 * @example
 * ```ts
 * import type { DirectionStats, NetAddress, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, serverAddr: NetAddress, clientAddr: NetAddress;
 * const down: DirectionStats = net.stats(serverAddr, clientAddr); // server → client
 * const lossRate = down.dropped / Math.max(1, down.sent);
 * const everything: DirectionStats = net.stats();
 * ```
 */
export interface DirectionStats {
  /** Datagrams emitted by nodes (or {@link VirtualNetwork.send}), before impairments. */
  sent: number;
  /** Datagrams scheduled by {@link VirtualNetwork.inject}. */
  injected: number;
  /** Datagrams handed to a node's `receive`. */
  delivered: number;
  /** Datagrams dropped by `drop`, `mtu` or a filter. */
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
  /** Datagrams that arrived at an address with no attached node (they vanish). */
  undeliverable: number;
}

/**
 * Role of a node, used to number flights ({@link flightOf}).
 *
 * @example
 * ```ts
 * import type { NetNode, NodeRole, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, node: NetNode;
 * const role: NodeRole = 'server';
 * net.attach({ address: '10.0.0.1', port: 4433 }, node, { role });
 * ```
 */
export type NodeRole = 'client' | 'server';

/**
 * Options of {@link VirtualNetwork.attach}.
 *
 * @example
 * ```ts
 * import type { AttachOptions, NetNode, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, node: NetNode;
 * const options: AttachOptions = { name: 'sensor-3', role: 'client' }; // logs say "sensor-3", flights are numbered
 * net.attach({ address: '10.0.0.3', port: 5683 }, node, options);
 * ```
 */
export interface AttachOptions {
  /** Name shown in logs and {@link DatagramInfo} (default `address:port`). */
  name?: string;
  /** `server` or `client`: lets the network number the flights this node sends. */
  role?: NodeRole;
}

/**
 * Handle on an attached node: what {@link VirtualNetwork.attach} returns.
 *
 * @example
 * ```ts
 * import type { DtlsClientNode, NodeHandle, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, client: DtlsClientNode;
 * const handle: NodeHandle<DtlsClientNode> = net.attach({ address: '10.0.0.2', port: 5000 }, client, { role: 'client' });
 * handle.act((node, now) => node.send(new TextEncoder().encode('hello'), now)); // then route what it sent
 * net.run({ maxTime: 1_000 });
 * handle.detach(); // the client vanishes: datagrams to 10.0.0.2:5000 are lost
 * ```
 */
export interface NodeHandle<N extends NetNode = NetNode> {
  /** Where the node is attached. */
  readonly address: NetAddress;
  /** The node. */
  readonly node: N;
  /** Its name in logs ({@link AttachOptions.name}, default `address:port`). */
  readonly name: string;
  /** Its role, if given. */
  readonly role: NodeRole | undefined;
  /** False after {@link NodeHandle.detach}. */
  readonly attached: boolean;
  /**
   * After the test called into the node directly (e.g. `node.connect()` or
   * `node.send(data)`), drain its outgoing datagrams and re-read its deadline.
   * `run()` also does this for every node when it starts.
   */
  sync(): void;
  /** Call `fn(node, now)`, then {@link NodeHandle.sync}. Returns what `fn` returns. */
  act<R>(fn: (node: N, now: number) => R): R;
  /** Remove the node; datagrams to its address then vanish. */
  detach(): void;
}

/**
 * Options of {@link VirtualNetwork.run}.
 *
 * @example
 * ```ts
 * import type { DtlsClientNode, RunOptions, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, client: DtlsClientNode;
 * const options: RunOptions = { until: () => client.established || client.closed, maxTime: 30_000, maxSteps: 100_000 };
 * net.run(options);
 * ```
 */
export interface RunOptions {
  /** Stop as soon as this returns true (checked before every event, and at the start). */
  until?: () => boolean;
  /** Virtual ms this run may last, counted from its start (default 120 000). */
  maxTime?: number;
  /** Maximum number of calls into nodes during this run (default 5 000 000). */
  maxSteps?: number;
}

/**
 * Why and when {@link VirtualNetwork.run} stopped.
 *
 * @example
 * ```ts
 * import type { DtlsClientNode, RunResult, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, client: DtlsClientNode;
 * const result: RunResult = net.run({ until: () => client.established });
 * if (result.reason !== 'until') {
 *   throw new Error(`no handshake: ${result.reason} at t=${result.time} after ${result.steps} steps (${net})`);
 * }
 * ```
 */
export interface RunResult {
  /** Virtual time when it stopped. */
  time: number;
  /** Calls into nodes (`receive` + `onTimeout`) during the run. */
  steps: number;
  /**
   * - `until`: the predicate returned true;
   * - `idle`: nothing left to do (no datagram in flight, no node deadline);
   * - `maxTime`: the next event is past the time limit (the clock is then at the limit);
   * - `maxSteps`: the step limit was hit.
   */
  reason: 'until' | 'idle' | 'maxTime' | 'maxSteps';
}

/**
 * Options of the {@link VirtualNetwork} constructor.
 *
 * @example
 * ```ts
 * import { VirtualNetwork, type VirtualNetworkOptions } from 'puredtls/testing';
 *
 * const options: VirtualNetworkOptions = { seed: 'retransmission', now: 0, impairments: { drop: 0.3 }, log: true };
 * const net = new VirtualNetwork(options);
 * ```
 */
export interface VirtualNetworkOptions {
  /** Seed of every random decision (default 1). Print it when a test fails. */
  seed?: Seed;
  /** Initial virtual time in ms (default 0). */
  now?: number;
  /** Impairments of every direction that has no {@link VirtualNetwork.link} of its own (default: none, 1 ms latency). */
  impairments?: Impairments;
  /** Record every datagram event in {@link VirtualNetwork.log} (default false). */
  log?: boolean;
  /**
   * Bug detector: a node whose `onTimeout` is called more than this many
   * times at one virtual instant (it keeps returning a past deadline) makes
   * the network throw a {@link VirtualNetworkError}. Default 10 000.
   */
  maxTimeoutsPerInstant?: number;
  /** Options for parsing datagrams ({@link describeDatagram}), e.g. `cidLength`. */
  describe?: DescribeOptions;
}

/**
 * Kinds of {@link LogEntry}.
 *
 * @example
 * ```ts
 * import type { LogEvent, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const losses: readonly LogEvent[] = ['drop', 'mtu-drop', 'filter-drop'];
 * const lost = net.log.filter((e) => losses.includes(e.event)).map((e) => e.label); // e.g. ['#2', '#5']
 * ```
 */
export type LogEvent =
  | 'attach'
  | 'detach'
  | 'send'
  | 'inject'
  | 'filter-drop'
  | 'filter-delay'
  | 'filter-replace'
  | 'mtu-drop'
  | 'truncate'
  | 'pack'
  | 'drop'
  | 'duplicate'
  | 'bitflip'
  | 'reorder'
  | 'deliver'
  | 'undeliverable'
  | 'timeout';

/**
 * One line of the event log ({@link VirtualNetwork.log}).
 *
 * @example
 * ```ts
 * import type { LogEntry, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const timeouts: LogEntry[] = net.log.filter((e) => e.event === 'timeout');
 * const retransmitters = new Set(timeouts.map((e) => e.from));
 * ```
 */
export interface LogEntry {
  /** Virtual time of the event, ms. */
  time: number;
  /** What happened. */
  event: LogEvent;
  /**
   * Datagram label: `#i` is the i-th datagram sent on its direction; `#i'` a
   * duplicate; `#i/rk` the k-th replacement from a filter; `#i+#j` a pack;
   * `inj:n` an injected datagram.
   */
  label?: string;
  /** Sender (or, for timeouts/attach/detach, the node) name. */
  from?: string;
  /** Destination name. */
  to?: string;
  /** Datagram size in bytes. */
  size?: number;
  /** Free-form details (records, flight, bit index, ...). */
  detail?: string;
}

/**
 * Thrown by the network for misuse and detected node bugs. Its message contains the seed.
 *
 * @example
 * ```ts
 * import { VirtualNetwork, VirtualNetworkError, type NetNode } from 'puredtls/testing';
 *
 * declare const first: NetNode, second: NetNode;
 * const net = new VirtualNetwork({ seed: 3 });
 * net.attach({ address: '10.0.0.1', port: 4433 }, first);
 * try {
 *   net.attach({ address: '10.0.0.1', port: 4433 }, second);
 * } catch (err) {
 *   if (err instanceof VirtualNetworkError) console.log(err.message); // 'attach: 10.0.0.1:4433 already has a node [seed=3, t=0]'
 * }
 * ```
 */
export class VirtualNetworkError extends Error {
  override name = 'VirtualNetworkError';
}

/**
 * `address:port`, or `[address]:port` for IPv6 literals.
 *
 * @example
 * ```ts
 * import { formatAddress } from 'puredtls/testing';
 *
 * formatAddress({ address: '10.0.0.1', port: 4433 }); // '10.0.0.1:4433'
 * formatAddress({ address: 'fd00::1', port: 4433 });  // '[fd00::1]:4433'
 * ```
 */
export function formatAddress(a: NetAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

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

interface FlightTracker {
  flight: number | undefined;
  at: number;
  count: number;
  seen: Set<number>;
  transmissions: Map<number, number>;
}

interface Direction {
  key: string;
  from: NetAddress;
  to: NetAddress;
  fromKey: string;
  toKey: string;
  stats: DirectionStats;
  index: number;
  rng: Prng;
  link: Impairments | undefined;
  pack: { items: Pkt[]; size: number; gen: number } | undefined;
  packGen: number;
  tracker: FlightTracker;
}

interface Pkt {
  data: Uint8Array;
  label: string;
}

const PRIO_INTERNAL = 0;
const PRIO_DELIVER = 1;
const PRIO_TIMER = 2;

type Ev = { time: number; prio: number; seq: number } & (
  | { kind: 'deliver'; dir: Direction; pkt: Pkt }
  | { kind: 'timer'; entry: NodeEntry; gen: number }
  | { kind: 'flush'; dir: Direction; gen: number }
  | { kind: 'release'; dir: Direction; pkt: Pkt }
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

const NO_IMPAIRMENTS: Impairments = Object.freeze({});

function validateImpairments(imp: Impairments, where: string): Impairments {
  const prob = (name: keyof Impairments): void => {
    const v = imp[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new RangeError(`${where}: ${name} must be a probability in [0, 1], got ${String(v)}`);
    }
  };
  const ms = (name: string, v: unknown): void => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${String(v)}`);
    }
  };
  prob('drop');
  prob('duplicate');
  prob('reorder');
  prob('bitflip');
  if (typeof imp.delay === 'object' && imp.delay !== null) {
    ms('delay.min', imp.delay.min);
    ms('delay.max', imp.delay.max);
    if (imp.delay.min > imp.delay.max) {
      throw new RangeError(`${where}: delay.min (${imp.delay.min}) > delay.max (${imp.delay.max})`);
    }
  } else ms('delay', imp.delay);
  ms('reorderDelay', imp.reorderDelay);
  ms('pack', imp.pack);
  if (imp.mtu !== undefined && (!Number.isInteger(imp.mtu) || imp.mtu < 0)) {
    throw new RangeError(`${where}: mtu must be an integer ≥ 0, got ${String(imp.mtu)}`);
  }
  if (imp.filter !== undefined && typeof imp.filter !== 'function') {
    throw new TypeError(`${where}: filter must be a function`);
  }
  return { ...imp };
}

function checkAddress(a: NetAddress, what: string): void {
  if (
    a === null ||
    typeof a !== 'object' ||
    typeof a.address !== 'string' ||
    !Number.isInteger(a.port) ||
    a.port < 0 ||
    a.port > 65535
  ) {
    throw new TypeError(`${what}: invalid address ${JSON.stringify(a)}`);
  }
}

function continuesFlight(records: readonly RecordInfo[]): boolean {
  return (
    hasFinishingRecords(records) ||
    records.some((r) => r.handshake?.some((h) => h.msgType === HandshakeType.certificate) === true)
  );
}

function concat(parts: readonly Pkt[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p.data, o);
    o += p.data.length;
  }
  return out;
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
  private readonly seed32: number;
  private defaults: Impairments;
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
    this.seed32 = seedToUint32(this.seedValue);
    this.clock = new VirtualClock(options.now ?? 0);
    this.defaults = validateImpairments(options.impairments ?? NO_IMPAIRMENTS, 'VirtualNetwork impairments');
    this.entries = options.log ? [] : undefined;
    this.maxTimeoutsPerInstant = options.maxTimeoutsPerInstant ?? 10_000;
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
    return { ...this.defaults };
  }

  set impairments(imp: Impairments) {
    this.defaults = validateImpairments(imp, 'VirtualNetwork impairments');
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
    this.direction(from, to).link = validateImpairments(impairments, 'link');
  }

  /** {@link VirtualNetwork.link} in both directions. */
  linkBoth(a: NetAddress, b: NetAddress, impairments: Impairments): void {
    this.link(a, b, impairments);
    this.link(b, a, impairments);
  }

  /** Make `from → to` use the default impairments again. */
  unlink(from: NetAddress, to: NetAddress): void {
    const dir = this.dirs.get(`${formatAddress(from)} > ${formatAddress(to)}`);
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
    const pkt: Pkt = { data: data.slice(), label: `inj:${this.injectCount++}` };
    this.record({
      time: this.now,
      event: 'inject',
      label: pkt.label,
      from: this.nameOf(dir.fromKey),
      to: this.nameOf(dir.toKey),
      size: pkt.data.length,
      detail: this.entries ? `at ${time} ${formatRecords(describeDatagram(pkt.data, this.describeOptions))}` : '',
    });
    this.push({ time, prio: PRIO_DELIVER, seq: 0, kind: 'deliver', dir, pkt });
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
    const maxTime = options.maxTime ?? 120_000;
    const maxSteps = options.maxSteps ?? 5_000_000;
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
    const fromKey = formatAddress(from);
    const toKey = formatAddress(to);
    const key = `${fromKey} > ${toKey}`;
    let dir = this.dirs.get(key);
    if (!dir) {
      dir = {
        key,
        from: Object.freeze({ address: from.address, port: from.port }),
        to: Object.freeze({ address: to.address, port: to.port }),
        fromKey,
        toKey,
        stats: emptyStats(),
        index: 0,
        rng: new Prng(hashString(key, this.seed32)),
        link: undefined,
        pack: undefined,
        packGen: 0,
        tracker: { flight: undefined, at: NaN, count: 0, seen: new Set(), transmissions: new Map() },
      };
      this.dirs.set(key, dir);
    }
    return dir;
  }

  private imp(dir: Direction): Impairments {
    return dir.link ?? this.defaults;
  }

  private peekLive(): Ev | undefined {
    for (;;) {
      const ev = this.heap.peek();
      if (ev === undefined) return undefined;
      if (
        (ev.kind === 'timer' && (ev.gen !== ev.entry.timerGen || !ev.entry.attached)) ||
        (ev.kind === 'flush' && ev.dir.pack?.gen !== ev.gen)
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
          this.logDg('undeliverable', dir, ev.pkt);
          return;
        }
        dir.stats.delivered++;
        this.logDg('deliver', dir, ev.pkt);
        this.stepCount++;
        entry.node.receive(ev.pkt.data, dir.from, this.now);
        this.syncNode(entry);
        return;
      }
      case 'timer':
        this.timerDue(ev.entry);
        return;
      case 'flush':
        this.flushPack(ev.dir);
        return;
      case 'release':
        this.afterFilter(ev.dir, ev.pkt);
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

  /** A datagram leaves a node (or {@link send}): index, describe, filter. */
  private route(fromKey: string, from: NetAddress, o: OutgoingDatagram): void {
    if (o === null || typeof o !== 'object' || !(o.data instanceof Uint8Array)) {
      throw this.error(`node ${this.nameOf(fromKey)}: takeOutgoing() returned an invalid datagram`);
    }
    checkAddress(o.to, `datagram from ${this.nameOf(fromKey)}`);
    const dir = this.direction(from, o.to);
    const index = dir.index++;
    dir.stats.sent++;
    const data = o.data.slice();
    const pkt: Pkt = { data, label: `#${index}` };
    const imp = this.imp(dir);
    const records = describeDatagram(data, this.describeOptions);
    const role = this.nodes.get(fromKey)?.role;
    const fromServer = role === undefined ? undefined : role === 'server';
    const fl = this.trackFlight(dir, records, fromServer);
    if (this.entries) {
      const flight = fl.flight === undefined ? '' : ` flight=${fl.flight}.${fl.transmission}.${fl.datagram}`;
      this.logDg('send', dir, pkt, formatRecords(records) + flight);
    }
    if (imp.filter === undefined) {
      this.afterFilter(dir, pkt);
      return;
    }
    const info: DatagramInfo = {
      from: dir.from,
      to: dir.to,
      data,
      index,
      time: this.now,
      records,
      flight: fl.flight,
      flightDatagram: fl.datagram,
      flightTransmission: fl.transmission,
      fromServer,
      fromName: this.nameOf(dir.fromKey),
      toName: this.nameOf(dir.toKey),
    };
    const v = imp.filter(info);
    if (v === 'pass') this.afterFilter(dir, pkt);
    else if (v === 'drop') {
      dir.stats.dropped++;
      this.logDg('filter-drop', dir, pkt);
    } else if (typeof v === 'object' && v !== null && 'delay' in v && typeof v.delay === 'number') {
      if (!(v.delay >= 0) || !Number.isFinite(v.delay)) {
        throw this.error(`filter returned an invalid delay ${v.delay}`);
      }
      this.logDg('filter-delay', dir, pkt, `${v.delay}ms`);
      this.push({ time: this.now + v.delay, prio: PRIO_INTERNAL, seq: 0, kind: 'release', dir, pkt });
    } else if (typeof v === 'object' && v !== null && 'replace' in v && Array.isArray(v.replace)) {
      this.logDg('filter-replace', dir, pkt, `with ${v.replace.length} datagram(s)`);
      v.replace.forEach((d, k) => {
        if (!(d instanceof Uint8Array)) throw this.error('filter returned a non-Uint8Array replacement');
        this.afterFilter(dir, { data: d.slice(), label: `${pkt.label}/r${k}` });
      });
    } else {
      throw this.error(`filter returned an invalid verdict ${JSON.stringify(v)}`);
    }
  }

  private trackFlight(
    dir: Direction,
    records: RecordInfo[],
    fromServer: boolean | undefined,
  ): { flight: number | undefined; datagram: number | undefined; transmission: number | undefined } {
    const t = dir.tracker;
    let f = flightOf(records, { fromServer });
    const sameInstant = t.at === this.now;
    // Content that cannot be numbered on its own (a Certificate fragment, CCS, an
    // encrypted Finished) continues the flight being sent at this instant.
    if (f === undefined && t.flight !== undefined && sameInstant && continuesFlight(records)) f = t.flight;
    if (f === undefined) return { flight: undefined, datagram: undefined, transmission: undefined };
    // Plaintext handshake fragments of this datagram: seeing one again means a new transmission.
    const keys: number[] = [];
    for (const r of records) for (const h of r.handshake ?? []) keys.push(h.messageSeq * 0x1_000_000 + h.fragmentOffset);
    const repeated = keys.some((k) => t.seen.has(k));
    if (t.flight === f && sameInstant && !repeated) {
      t.count++;
    } else {
      t.transmissions.set(f, (t.transmissions.get(f) ?? -1) + 1);
      t.flight = f;
      t.at = this.now;
      t.count = 0;
      t.seen.clear();
    }
    for (const k of keys) t.seen.add(k);
    return { flight: f, datagram: t.count, transmission: t.transmissions.get(f) };
  }

  /** MTU, then pack or straight to the wire. */
  private afterFilter(dir: Direction, pkt: Pkt): void {
    const imp = this.imp(dir);
    if (imp.mtu !== undefined && pkt.data.length > imp.mtu) {
      if (imp.truncate) {
        dir.stats.truncated++;
        this.logDg('truncate', dir, pkt, `${pkt.data.length} → ${imp.mtu} bytes`);
        pkt = { data: pkt.data.slice(0, imp.mtu), label: pkt.label };
      } else {
        dir.stats.dropped++;
        this.logDg('mtu-drop', dir, pkt, `mtu ${imp.mtu}`);
        return;
      }
    }
    if (imp.pack === undefined) {
      this.wire(dir, pkt);
      return;
    }
    let p = dir.pack;
    if (p !== undefined && imp.mtu !== undefined && p.size + pkt.data.length > imp.mtu) {
      this.flushPack(dir);
      p = undefined;
    }
    if (p === undefined) {
      p = { items: [], size: 0, gen: ++dir.packGen };
      dir.pack = p;
      this.push({ time: this.now + imp.pack, prio: PRIO_INTERNAL, seq: 0, kind: 'flush', dir, gen: p.gen });
    }
    p.items.push(pkt);
    p.size += pkt.data.length;
  }

  private flushPack(dir: Direction): void {
    const p = dir.pack;
    dir.pack = undefined;
    if (p === undefined || p.items.length === 0) return;
    if (p.items.length === 1) {
      this.wire(dir, p.items[0] as Pkt);
      return;
    }
    dir.stats.packed += p.items.length - 1;
    const pkt: Pkt = { data: concat(p.items, p.size), label: this.entries ? p.items.map((i) => i.label).join('+') : '' };
    this.logDg('pack', dir, pkt, `${p.items.length} datagrams`);
    this.wire(dir, pkt);
  }

  /** On the wire: drop, duplicate, bitflip, delay, reorder; schedule delivery. */
  private wire(dir: Direction, pkt: Pkt): void {
    const imp = this.imp(dir);
    const rng = dir.rng;
    if (rng.chance(imp.drop ?? 0)) {
      dir.stats.dropped++;
      this.logDg('drop', dir, pkt);
      return;
    }
    const copies: Pkt[] = [pkt];
    if (rng.chance(imp.duplicate ?? 0)) {
      dir.stats.duplicated++;
      const dup: Pkt = { data: pkt.data.slice(), label: `${pkt.label}'` };
      copies.push(dup);
      this.logDg('duplicate', dir, dup);
    }
    for (const c of copies) {
      if (c.data.length > 0 && rng.chance(imp.bitflip ?? 0)) {
        const bit = rng.int(c.data.length * 8);
        c.data[bit >>> 3] = (c.data[bit >>> 3] as number) ^ (1 << (bit & 7));
        dir.stats.corrupted++;
        this.logDg('bitflip', dir, c, `byte ${bit >>> 3} bit ${bit & 7}`);
      }
      let delay: number;
      const d = imp.delay;
      if (d === undefined) delay = DEFAULT_DELAY;
      else if (typeof d === 'number') delay = d;
      else if (Number.isInteger(d.min) && Number.isInteger(d.max)) delay = d.min + rng.int(d.max - d.min + 1);
      else delay = rng.range(d.min, d.max);
      if (rng.chance(imp.reorder ?? 0)) {
        const extra = imp.reorderDelay ?? DEFAULT_REORDER_DELAY;
        delay += extra;
        dir.stats.reordered++;
        this.logDg('reorder', dir, c, `+${extra}ms`);
      }
      this.push({ time: this.now + delay, prio: PRIO_DELIVER, seq: 0, kind: 'deliver', dir, pkt: c });
    }
  }

  private logDg(event: LogEvent, dir: Direction, pkt: Pkt, detail?: string): void {
    if (!this.entries) return;
    const e: LogEntry = {
      time: this.now,
      event,
      label: pkt.label,
      from: this.nameOf(dir.fromKey),
      to: this.nameOf(dir.toKey),
      size: pkt.data.length,
    };
    if (detail !== undefined) e.detail = detail;
    this.entries.push(e);
  }
}

/**
 * One log entry as a line of text (as in {@link VirtualNetwork.formatLog}).
 *
 * @example
 * ```ts
 * import { formatLogEntry, type VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const drops = net.log.filter((e) => e.event === 'drop').map(formatLogEntry);
 * // ['       3.000 drop           #2      server -> client 105B', ...]
 * ```
 */
export function formatLogEntry(e: LogEntry): string {
  let s = `${e.time.toFixed(3).padStart(12)} ${e.event.padEnd(14)}`;
  if (e.label !== undefined) s += ` ${e.label.padEnd(7)}`;
  if (e.from !== undefined) s += ` ${e.from}`;
  if (e.to !== undefined) s += ` -> ${e.to}`;
  if (e.size !== undefined) s += ` ${e.size}B`;
  if (e.detail) s += ` ${e.detail}`;
  return s;
}
