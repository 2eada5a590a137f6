/**
 * Connection IDs that name the node owning the association, in the spirit of
 * QUIC-LB (draft-ietf-quic-load-balancers, "plaintext" CIDs): a CID of
 * `cidLength` bytes holds this node's id, `nodeIdLength` bytes big-endian at
 * `nodeIdOffset`, and random bytes everywhere else. Any node (or a
 * CID-aware balancer) reads the owner from the first record's header alone,
 * without state: DTLS 1.2's `tls12_cid` records (RFC 9146 §4) and DTLS 1.3's
 * unified header with its C bit (RFC 9147 §4).
 *
 * The node id is in the clear, as the CID itself is: an observer learns which
 * node serves a client, nothing more (the CID of a DTLS 1.2 association never
 * changes anyway).
 *
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';

/** Where the node id sits in our CIDs. */
export interface CidLayout {
  /** Length of the whole CID, bytes. */
  readonly cidLength: number;
  /** Length of the node id, bytes (1..4). */
  readonly nodeIdLength: number;
  /** Offset of the node id in the CID, bytes. */
  readonly nodeIdOffset: number;
}

/** Random bytes a cluster CID must keep at least (collisions within a node, guessing by others). */
export const MIN_CID_RANDOM_BYTES = 4;

/** The largest node id a layout can hold. */
export function maxNodeId(layout: CidLayout): number {
  return 2 ** (8 * layout.nodeIdLength) - 1;
}

/** Check a layout; throws a RangeError naming the bad field. */
export function checkLayout(layout: CidLayout): void {
  const { cidLength, nodeIdLength, nodeIdOffset } = layout;
  if (!Number.isInteger(nodeIdLength) || nodeIdLength < 1 || nodeIdLength > 4) throw new RangeError('cluster.nodeIdLength must be 1 to 4 bytes');
  if (!Number.isInteger(cidLength) || cidLength < nodeIdLength + MIN_CID_RANDOM_BYTES || cidLength > 255) {
    throw new RangeError(`cluster.cidLength must be ${nodeIdLength + MIN_CID_RANDOM_BYTES} to 255 bytes (the node id and at least ${MIN_CID_RANDOM_BYTES} random bytes)`);
  }
  if (!Number.isInteger(nodeIdOffset) || nodeIdOffset < 0 || nodeIdOffset + nodeIdLength > cidLength) {
    throw new RangeError(`cluster.nodeIdOffset must be 0 to ${cidLength - nodeIdLength}`);
  }
}

/** A new CID of `layout` naming `nodeId`: random bytes around it. */
export function makeClusterCid(provider: CryptoProvider, layout: CidLayout, nodeId: number): Uint8Array {
  const cid = provider.randomBytes(layout.cidLength);
  for (let i = layout.nodeIdLength - 1, v = nodeId; i >= 0; i--, v = Math.floor(v / 256)) cid[layout.nodeIdOffset + i] = v % 256;
  return cid;
}

/** The node id inside a CID of `layout` (at `start` in `bytes`). */
export function nodeIdOf(bytes: Uint8Array, start: number, layout: CidLayout): number {
  let v = 0;
  const at = start + layout.nodeIdOffset;
  for (let i = 0; i < layout.nodeIdLength; i++) v = v * 256 + bytes[at + i]!;
  return v;
}

/** Content type of DTLS 1.2's CID records (RFC 9146 §4). */
const TLS12_CID = 25;
/** Where a tls12_cid record's CID starts: after type, version, epoch and sequence number. */
const TLS12_CID_OFFSET = 11;

/**
 * The node a datagram's first record names by its CID, or -1 when it carries
 * none of ours (no CID record, or too short to hold one): a `tls12_cid`
 * record, or a DTLS 1.3 unified header with the C bit (`001C…`, RFC 9147 §4).
 * Reads the bytes in place, allocates nothing.
 */
export function cidOwner(data: Uint8Array, layout: CidLayout): number {
  const first = data[0];
  let start: number;
  if (first === TLS12_CID) start = TLS12_CID_OFFSET;
  else if (first !== undefined && (first & 0xf0) === 0x30) start = 1;
  else return -1;
  if (data.length < start + layout.cidLength + 2) return -1;
  return nodeIdOf(data, start, layout);
}
