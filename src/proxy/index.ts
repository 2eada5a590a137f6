/**
 * The UDP impairment proxy: real sockets, seeded loss, duplication, latency,
 * reordering, MTU, packing, bit flips and injection, in both directions.
 * See {@link startUdpProxy}.
 *
 * @module
 */
export {
  startUdpProxy,
  type HostPort,
  type InjectFunction,
  type ProxyDatagramInfo,
  type ProxyDelayRange,
  type ProxyDirection,
  type ProxyDirectionStats,
  type ProxyImpairments,
  type ProxyStats,
  type UdpProxy,
  type UdpProxyOptions,
} from './udp-proxy.js';
