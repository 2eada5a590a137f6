/**
 * `puredtls/testing`: deterministic test tooling for DTLS endpoints.
 *
 * - {@link VirtualNetwork}: an in-memory datagram network with a virtual
 *   clock and seeded impairments (loss, duplication, latency, reordering,
 *   MTU, packing, bit flips, programmable filters, injection).
 * - {@link describeDatagram} / {@link flightOf} / {@link formatRecords}:
 *   dissect DTLS datagrams for filters and logs.
 * - {@link DtlsServerNode} / {@link DtlsClientNode}: a puredtls server and
 *   client on that network, with no sockets and no timers.
 * - {@link Prng}: the seeded generator behind every random decision.
 * - {@link VirtualClock}: virtual time.
 * - {@link startUdpProxy}: the same impairments between real UDP sockets
 *   (`node:dgram`), in front of any DTLS server (also `puredtls proxy`):
 *   both run one pipeline ({@link ImpairmentOptions}), with the same
 *   defaults and the same decisions for the same seed.
 *
 * @example
 * ```ts
 * import { createSelfSigned } from 'puredtls';
 * import { DtlsClientNode, DtlsServerNode, VirtualNetwork } from 'puredtls/testing';
 *
 * const { keyPem, certPem } = createSelfSigned();
 * const serverAddr = { address: '10.0.0.1', port: 4433 };
 * const net = new VirtualNetwork({ seed: 1, impairments: { drop: 0.1 }, log: true });
 * const serverNode = new DtlsServerNode({ key: keyPem, cert: certPem });
 * const clientNode = new DtlsClientNode({ ca: certPem }, serverAddr, net.now);
 * net.attach(serverAddr, serverNode, { role: 'server', name: 'server' });
 * net.attach({ address: '10.0.0.2', port: 5000 }, clientNode, { role: 'client', name: 'client' });
 * const r = net.run({ until: () => clientNode.established });
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
export * from './network.js';
export { DtlsServerNode, DtlsClientNode } from './dtls.js';
export * from '../proxy/index.js';
