/**
 * A cluster of servers across machines (docs/scaling.md, "A cluster"):
 * Connection IDs carrying the owning node's id, and the authenticated
 * node-to-node channel that forwards a client's records to their owner and
 * the owner's replies back through the node the client talks to.
 *
 * @module
 */
export { type CidLayout, MIN_CID_RANDOM_BYTES, checkLayout, cidOwner, makeClusterCid, maxNodeId, nodeIdOf } from './layout.js';
export { Channel, type ChannelDrops, type Frame, FrameKind, FRAME_OVERHEAD } from './channel.js';
export { type ClusterConfig, type ClusterIo, ClusterRouter, type ClusterStats, type NodeAddress, VIA_PREFIX, parseViaAddress, viaAddress } from './router.js';
export { type ClusterOptions, resolveCluster } from './options.js';
