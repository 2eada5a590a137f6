/**
 * The public types of the {@link VirtualNetwork}: the node contract, what
 * filters see, options, handles, results and counters.
 *
 * @module
 */
import type { NetAddress } from './address.js';
import type { DescribeOptions, RecordInfo } from './describe.js';
import type { FilterVerdict, ImpairmentCounters, ImpairmentOptions } from './impairments.js';
import type { Seed } from './prng.js';

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
 * Impairments of one direction of the {@link VirtualNetwork}: the
 * {@link ImpairmentOptions} shared with the UDP proxy, whose hooks see a
 * {@link DatagramInfo}. Applied in this order:
 * 1. `inject` and `filter`, on the datagram as the node sent it, with its `index`;
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
 * // worse from the server to the client: also corrupt some datagrams, and forge a record after 1% of them
 * net.link({ address: '10.0.0.1', port: 4433 }, { address: '10.0.0.2', port: 5000 }, { ...lossy, bitflip: 0.01, inject: 0.01 });
 * ```
 */
export interface Impairments extends ImpairmentOptions<DatagramInfo> {
  /** See {@link DatagramFilter}. */
  filter?: DatagramFilter;
}

/**
 * Counters of one direction (or a sum of directions): what
 * {@link VirtualNetwork.stats} returns. The impairment counters
 * ({@link ImpairmentCounters}) are those the UDP proxy keeps too.
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
export interface DirectionStats extends ImpairmentCounters {
  /** Datagrams emitted by nodes (or {@link VirtualNetwork.send}), before impairments. */
  sent: number;
  /** Crafted datagrams: scheduled by {@link VirtualNetwork.inject}, or by the `inject` impairment. */
  injected: number;
  /** Datagrams handed to a node's `receive`. */
  delivered: number;
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

