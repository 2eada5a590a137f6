/**
 * One node of a cluster, sans-IO: what it does with a client's datagram,
 * with a frame from another node, and with a datagram its endpoint sends.
 *
 * - A client's datagram whose first record carries a CID naming another
 *   node is sealed into a `forward` frame and sent to that node; anything
 *   else (no CID: the balancer chose this node; a CID naming this node or no
 *   known node) goes to this node's endpoint.
 * - A `forward` frame's datagram goes to this node's endpoint as if from the
 *   address `node-<via>/<client address>` and the client's port: the owner's
 *   endpoint authenticates it and, by RFC 9146's rules (a newer authenticated
 *   record, after a return routability check when both sides do RRC), moves
 *   the association's peer address there.
 * - A datagram the endpoint sends to such an address is sealed into a `reply`
 *   frame for node `via`, which sends it to the client from its own socket:
 *   behind a UDP proxy (nginx) the client's session is bound to that socket.
 * - A `reply` frame's datagram goes to the client from this node's socket.
 *
 * Nothing here throws on bad input: frames that do not open are counted.
 *
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { Channel, type ChannelDrops, FrameKind } from './channel.js';
import { type CidLayout, cidOwner } from './layout.js';

/** A node's channel address. */
export interface NodeAddress {
  readonly address: string;
  readonly port: number;
}

/** A cluster node's resolved configuration. */
export interface ClusterConfig {
  /** This node's id. */
  readonly nodeId: number;
  readonly layout: CidLayout;
  /** Every node's channel address by node id (this node's: where it listens). */
  readonly nodes: ReadonlyMap<number, NodeAddress>;
  /** The shared node-to-node key (≥ 32 bytes). */
  readonly key: Uint8Array;
  /** How far a frame's time may be from ours, ms. */
  readonly maxSkew: number;
}

/** Where a node's datagrams go. */
export interface ClusterIo {
  /** To a client (or the balancer), from the node's DTLS socket. */
  toClient(datagram: Uint8Array, address: string, port: number): void;
  /** To another node's channel address, from the node's channel socket. */
  toNode(frame: Uint8Array, address: string, port: number): void;
}

/**
 * Counters of a cluster node: `server.clusterStats`.
 *
 * @example
 * ```ts
 * import type { ClusterStats, Server } from 'puredtls';
 *
 * declare const server: Server;
 * const s: Readonly<ClusterStats> | undefined = server.clusterStats;
 * if (s) console.log(`forwarded ${s.forwarded}, answered through others ${s.repliesSent}, forged frames ${s.channelDrops.forged}`);
 * ```
 */
export interface ClusterStats {
  /** Client datagrams forwarded to their owner. */
  forwarded: number;
  /** Forwarded datagrams received from other nodes and handed to the endpoint. */
  received: number;
  /** Datagrams of ours sent back through another node. */
  repliesSent: number;
  /** Other nodes' datagrams sent out to their clients. */
  repliesDelivered: number;
  /** Our datagrams for a client behind a node no longer configured (dropped). */
  unreachable: number;
  /** Frames dropped, by reason. */
  readonly channelDrops: ChannelDrops;
}

/** Prefix of the addresses of clients reached through another node. */
export const VIA_PREFIX = 'node-';

/** The endpoint's address of a client that talks to node `via` from `address`. */
export function viaAddress(via: number, address: string): string {
  return `${VIA_PREFIX}${via}/${address}`;
}

/** The node and client address inside a `viaAddress`, or undefined for a plain address. */
export function parseViaAddress(address: string): { via: number; address: string } | undefined {
  // IPv4 and IPv6 addresses never start with 'n'.
  if (address.charCodeAt(0) !== 0x6e || !address.startsWith(VIA_PREFIX)) return undefined;
  const slash = address.indexOf('/');
  const via = Number(address.slice(VIA_PREFIX.length, slash));
  if (slash < 0 || !Number.isInteger(via)) return undefined;
  return { via, address: address.slice(slash + 1) };
}

/** One cluster node: see the module comment. */
export class ClusterRouter {
  private readonly channel: Channel;
  readonly stats: ClusterStats;

  constructor(
    readonly config: ClusterConfig,
    provider: CryptoProvider,
    private readonly io: ClusterIo,
    /** When this node started, ms (its incarnation on the channel). */
    startedAt: number,
  ) {
    this.channel = new Channel(provider, config.key, config.nodeId, startedAt, (id) => config.nodes.has(id), config.maxSkew);
    this.stats = { forwarded: 0, received: 0, repliesSent: 0, repliesDelivered: 0, unreachable: 0, channelDrops: this.channel.drops };
  }

  /**
   * A datagram from a client. Returns true when it was forwarded to the node
   * its CID names; false when it is this node's endpoint's to handle.
   */
  inbound(data: Uint8Array, address: string, port: number, now: number): boolean {
    const owner = cidOwner(data, this.config.layout);
    if (owner < 0 || owner === this.config.nodeId) return false;
    const to = this.config.nodes.get(owner);
    if (to === undefined) return false;
    this.io.toNode(this.channel.seal(FrameKind.forward, address, port, data, now), to.address, to.port);
    this.stats.forwarded++;
    return true;
  }

  /**
   * A datagram on the channel socket. A forwarded client datagram goes to
   * `endpoint(datagram, viaAddress, port)`; a reply goes out to its client.
   * Never throws (but `endpoint` may).
   */
  frame(data: Uint8Array, now: number, endpoint: (datagram: Uint8Array, address: string, port: number) => void): void {
    const f = this.channel.open(data, now);
    if (f === undefined) return;
    if (f.kind === FrameKind.forward) {
      this.stats.received++;
      endpoint(f.datagram, viaAddress(f.sender, f.address), f.port);
    } else {
      this.stats.repliesDelivered++;
      this.io.toClient(f.datagram, f.address, f.port);
    }
  }

  /** A datagram of this node's endpoint: straight to the client, or back through the node it talks to. */
  transmit(data: Uint8Array, address: string, port: number, now: number): void {
    const via = parseViaAddress(address);
    if (via === undefined) return this.io.toClient(data, address, port);
    const to = this.config.nodes.get(via.via);
    if (to === undefined || via.via === this.config.nodeId) {
      this.stats.unreachable++;
      return;
    }
    this.io.toNode(this.channel.seal(FrameKind.reply, via.address, port, data, now), to.address, to.port);
    this.stats.repliesSent++;
  }
}
