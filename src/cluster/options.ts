/**
 * The `cluster` server option, checked and resolved.
 *
 * @module
 */
import { type CidLayout, checkLayout, maxNodeId } from './layout.js';
import type { ClusterConfig, NodeAddress } from './router.js';

/**
 * A server that is one node of a cluster (docs/scaling.md, "A cluster"):
 * its Connection IDs carry its node id, it forwards a client's record whose
 * CID names another node to that node over an authenticated node-to-node
 * UDP channel, and sends that node's replies to the client from its own
 * socket. Every node has the same `nodes`, `key` and CID layout, and should
 * share `cookieSecret`, `ticketKeys` and a `sessionStore`.
 *
 * @example Node 2 of three
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createServer, type ClusterOptions } from 'puredtls';
 *
 * declare const key: Buffer, cert: Buffer;
 * const cluster: ClusterOptions = {
 *   nodeId: 2,
 *   nodes: [1, 2, 3].map((id) => ({ id, address: `10.0.1.${id}`, port: 7440 })),
 *   key: readFileSync('cluster.key'), // 32+ bytes, the same on every node
 *   cidLength: 8, nodeIdLength: 1, nodeIdOffset: 0, // the defaults
 * };
 * createServer({ key, cert, cluster, cookieSecret: readFileSync('cookie.secret') }).bind(4433);
 * ```
 */
export interface ClusterOptions {
  /** This node's id (0 to 256^nodeIdLength - 1), unique in the cluster. */
  nodeId: number;
  /** Every node's channel address (this node's included: where it listens for other nodes). */
  nodes: readonly { readonly id: number; readonly address: string; readonly port: number }[];
  /** The shared node-to-node key, ≥ 32 bytes (frames are authenticated with HMAC-SHA256 under a key derived from it). */
  key: Uint8Array;
  /** Length of the Connection IDs, bytes (the node id and at least 4 random bytes). Default 8. */
  cidLength?: number;
  /** Length of the node id in the CID, bytes (1 to 4). Default 1. */
  nodeIdLength?: number;
  /** Where the node id starts in the CID, bytes. Default 0. */
  nodeIdOffset?: number;
  /** How far (ms) a frame's timestamp may be from this node's clock before it is dropped as stale. Default 30 000. */
  maxSkew?: number;
}

/** Resolve the `cluster` option (undefined: not a cluster node). Throws TypeError/RangeError naming the field. */
export function resolveCluster(o: ClusterOptions | undefined): ClusterConfig | undefined {
  if (o === undefined) return undefined;
  if (typeof o !== 'object' || o === null) throw new TypeError('The "cluster" option must be an object');
  const layout: CidLayout = { cidLength: o.cidLength ?? 8, nodeIdLength: o.nodeIdLength ?? 1, nodeIdOffset: o.nodeIdOffset ?? 0 };
  checkLayout(layout);
  const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= maxNodeId(layout);
  if (!isId(o.nodeId)) throw new RangeError(`cluster.nodeId must be an integer from 0 to ${maxNodeId(layout)}`);
  if (!(o.key instanceof Uint8Array) || o.key.length < 32) throw new TypeError('cluster.key must be a Buffer of at least 32 bytes');
  if (!Array.isArray(o.nodes)) throw new TypeError('cluster.nodes must be a list of { id, address, port }');
  const nodes = new Map<number, NodeAddress>();
  for (const n of o.nodes as ClusterOptions['nodes']) {
    if (typeof n !== 'object' || n === null || !isId(n.id)) throw new RangeError(`cluster.nodes: every id must be an integer from 0 to ${maxNodeId(layout)}`);
    if (typeof n.address !== 'string' || n.address.length === 0) throw new TypeError(`cluster.nodes: node ${n.id} needs an address`);
    if (!Number.isInteger(n.port) || n.port < 1 || n.port > 65535) throw new RangeError(`cluster.nodes: node ${n.id} needs a port from 1 to 65535`);
    if (nodes.has(n.id)) throw new RangeError(`cluster.nodes: node ${n.id} is listed twice`);
    nodes.set(n.id, Object.freeze({ address: n.address, port: n.port }));
  }
  if (!nodes.has(o.nodeId)) throw new RangeError(`cluster.nodes must list this node (${o.nodeId}): where it listens for the others`);
  const maxSkew = o.maxSkew ?? 30_000;
  if (!Number.isInteger(maxSkew) || maxSkew < 1) throw new RangeError('cluster.maxSkew must be a positive number of ms');
  return Object.freeze({ nodeId: o.nodeId, layout: Object.freeze(layout), nodes, key: Uint8Array.from(o.key), maxSkew });
}
