/**
 * `puredtls/testing`: deterministic test tooling for DTLS endpoints.
 *
 * - {@link VirtualNetwork}: an in-memory datagram network with a virtual
 *   clock and seeded impairments (loss, duplication, latency, reordering,
 *   MTU, packing, bit flips, programmable filters).
 * - {@link describeDatagram} / {@link flightOf} / {@link formatRecords}:
 *   dissect DTLS datagrams for filters and logs.
 * - {@link Prng}: the seeded generator behind every random decision.
 * - {@link VirtualClock}: virtual time.
 *
 * @example
 * ```ts
 * import { VirtualNetwork } from 'puredtls/testing';
 *
 * const net = new VirtualNetwork({ seed: 1, impairments: { drop: 0.1 }, log: true });
 * net.attach(serverAddr, serverNode, { role: 'server', name: 'server' });
 * net.attach(clientAddr, clientNode, { role: 'client', name: 'client' });
 * const r = net.run({ until: () => clientNode.connected });
 * if (r.reason !== 'until') console.log(net.formatLog());
 * ```
 *
 * @module puredtls/testing
 */

export { Prng, hashString, seedToUint32, type Seed } from './prng.js';
export { VirtualClock } from './clock.js';
export {
  ContentType,
  HandshakeType,
  RECORD_HEADER_LENGTH,
  HANDSHAKE_HEADER_LENGTH,
  contentTypeName,
  handshakeTypeName,
  describeDatagram,
  flightOf,
  formatRecords,
  hasFinishingRecords,
  type DescribeOptions,
  type FlightOptions,
  type HandshakeInfo,
  type RecordInfo,
} from './describe.js';
export {
  VirtualNetwork,
  VirtualNetworkError,
  DEFAULT_DELAY,
  DEFAULT_REORDER_DELAY,
  formatAddress,
  formatLogEntry,
  type AttachOptions,
  type DatagramFilter,
  type DatagramInfo,
  type DelayRange,
  type DirectionStats,
  type FilterVerdict,
  type Impairments,
  type LogEntry,
  type LogEvent,
  type NetAddress,
  type NetNode,
  type NodeHandle,
  type NodeRole,
  type OutgoingDatagram,
  type RunOptions,
  type RunResult,
  type VirtualNetworkOptions,
} from './network.js';
export { DtlsServerNode, DtlsClientNode } from './dtls.js';
