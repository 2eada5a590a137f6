/**
 * Cluster nodes and a UDP balancer on the in-memory network: each node is a
 * server endpoint behind a {@link ClusterRouter}, with its DTLS address and
 * its channel address; the balancer, like nginx's UDP proxy, gives each
 * client address:port a session with its own upstream port to one node.
 */
import { resolveServerConfig } from '../../src/config.js';
import { ClusterRouter } from '../../src/cluster/router.js';
import type { ClusterOptions } from '../../src/cluster/options.js';
import { EndpointRunner } from '../../src/endpoint/runner.js';
import { type ServerAssociation, ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
import type { EndpointEvent } from '../../src/endpoint/endpoint.js';
import type { ServerOptions } from '../../src/options.js';
import type { NetAddress, NetNode, OutgoingDatagram, VirtualNetwork } from '../../src/testing/network.js';
import { serverIdentity } from '../helpers/net.js';

export const CLUSTER_KEY = new Uint8Array(32).fill(9);
export const NODE_IDS = [1, 2, 3] as const;
export const dtlsAddr = (id: number): NetAddress => ({ address: `10.1.0.${id}`, port: 4433 });
export const chanAddr = (id: number): NetAddress => ({ address: `10.2.0.${id}`, port: 7000 });
export const BALANCER: NetAddress = { address: '10.0.0.100', port: 4433 };

export function clusterOptions(nodeId: number, more: Partial<ClusterOptions> = {}): ClusterOptions {
  return { nodeId, key: CLUSTER_KEY, nodes: NODE_IDS.map((id) => ({ id, ...chanAddr(id) })), ...more };
}

/** One facet of a node: a NetNode at one address (it sends with `net.send`, from whichever address it means). */
class Facet implements NetNode {
  constructor(private readonly onReceive: (data: Uint8Array, from: NetAddress, now: number) => void, private readonly timers?: { next(): number | undefined; fire(now: number): void }) {}
  receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.onReceive(data, from, now);
  }
  onTimeout(now: number): void {
    this.timers?.fire(now);
  }
  nextTimeout(): number | undefined {
    return this.timers?.next();
  }
  takeOutgoing(): OutgoingDatagram[] {
    return [];
  }
}

/** A cluster node: an echo server whose replies say which node answered. */
export class ClusterNode {
  readonly endpoint: ServerEndpoint;
  readonly router: ClusterRouter;
  readonly dtls: Facet;
  readonly channel: Facet;
  readonly events: EndpointEvent<ServerAssociation>[] = [];
  private runner: EndpointRunner<ServerAssociation>;
  private now = 0;
  private net: VirtualNetwork | undefined;

  constructor(readonly id: number, options: Partial<ServerOptions> = {}, clusterMore: Partial<ClusterOptions> = {}) {
    const { config, provider, cluster } = resolveServerConfig({ ...serverIdentity('ecdsa-p256'), cluster: clusterOptions(id, clusterMore), ...options });
    this.endpoint = new ServerEndpoint(config);
    this.router = new ClusterRouter(cluster!, provider, {
      // From the socket that sends it, whichever facet is being called.
      toClient: (data, address, port) => this.net!.send(dtlsAddr(id), { address, port }, data),
      toNode: (data, address, port) => this.net!.send(chanAddr(id), { address, port }, data),
    }, 0);
    this.runner = new EndpointRunner(this.endpoint, { send: (d, a, p) => this.router.transmit(d, a, p, this.now) }, {
      deliver: (assoc, data) => {
        this.events.push({ type: 'data', assoc, data });
        if (!assoc.conn.isClosed) this.runner.send(assoc, new TextEncoder().encode(`${id}:${new TextDecoder().decode(data)}`));
      },
      event: (ev) => this.events.push(ev),
    }, () => this.now);
    this.dtls = new Facet((data, from, now) => {
      this.now = now;
      if (!this.router.inbound(data, from.address, from.port, now)) this.runner.datagram(data, from.address, from.port);
    }, { next: () => this.endpoint.nextTimeout(), fire: (now) => { this.now = now; this.runner.timeout(); } });
    this.channel = new Facet((data, _from, now) => {
      this.now = now;
      this.router.frame(data, now, (d, a, p) => this.runner.datagram(d, a, p));
    });
  }

  attach(net: VirtualNetwork): this {
    this.net = net;
    net.attach(dtlsAddr(this.id), this.dtls, { role: 'server', name: `node${this.id}` });
    net.attach(chanAddr(this.id), this.channel, { name: `node${this.id}-channel` });
    return this;
  }

  count(type: EndpointEvent['type']): number {
    return this.events.filter((e) => e.type === type).length;
  }
}

/**
 * nginx's UDP proxy in miniature: a session per client address:port, each
 * with its own upstream port, to the node `choose` picks when it starts.
 */
export class Balancer {
  private readonly sessions = new Map<string, { upstream: NetAddress; node: number }>();
  private nextPort = 20000;
  constructor(private readonly net: VirtualNetwork, public choose: (client: NetAddress) => number) {
    net.attach(BALANCER, new Facet((data, from) => this.fromClient(data, from)), { name: 'balancer' });
  }

  /** The node a client address's session goes to (undefined before its first datagram). */
  nodeOf(client: NetAddress): number | undefined {
    return this.sessions.get(`${client.address}|${client.port}`)?.node;
  }

  private fromClient(data: Uint8Array, from: NetAddress): void {
    const key = `${from.address}|${from.port}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = { upstream: { address: '10.0.0.101', port: this.nextPort++ }, node: this.choose(from) };
      this.sessions.set(key, s);
      const client = { ...from };
      this.net.attach(s.upstream, new Facet((d) => this.net.send(BALANCER, client, d)), { name: `balancer-up-${s.upstream.port}` });
    }
    this.net.send(s.upstream, dtlsAddr(s.node), data);
  }
}
