import { describe, expect, it } from 'vitest';
import { Channel, FrameKind } from '../../src/cluster/channel.js';
import { nodeIdOf } from '../../src/cluster/layout.js';
import { nativeProvider } from '../crypto/helpers.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';
import { VirtualNetwork, type NetAddress } from '../../src/testing/network.js';
import { pki } from '../helpers/pki.js';
import { BALANCER, Balancer, CLUSTER_KEY, ClusterNode, NODE_IDS, chanAddr } from './harness.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function cluster(seed = 1, version: 'DTLSv1.2' | 'DTLSv1.3' = 'DTLSv1.2') {
  const net = new VirtualNetwork({ seed });
  const nodes = new Map<number, ClusterNode>(NODE_IDS.map((id) => [id, new ClusterNode(id).attach(net)]));
  const route = new Map<number, number>();
  const balancer = new Balancer(net, (from) => route.get(from.port) ?? 1);
  let at: NetAddress = { address: '10.0.0.2', port: 5000 };
  const client = new DtlsClientNode({
    ca: pki('ca-bundle.pem'), servername: 'localhost', connectionId: 0, minVersion: version, maxVersion: version,
  }, BALANCER, net.now);
  let handle = net.attach(at, client, { role: 'client', name: 'client' });
  const send = (s: string) => handle.act((c, now) => c.send(enc(s), now));
  /** NAT rebinding: the client's datagrams come from another port, which the balancer sends to `node`. */
  const rebind = (port: number, node: number) => {
    handle.detach();
    route.set(port, node);
    at = { address: '10.0.0.2', port };
    handle = net.attach(at, client, { role: 'client', name: 'client' });
  };
  const echoed = (s: string) => client.received.map(dec).filter((m) => m.endsWith(`:${s}`));
  return { net, nodes, balancer, client, send, rebind, echoed, node: (id: number) => nodes.get(id)! };
}

describe('a cluster on the in-memory network: CID records reach their owner through any node', () => {
  for (const version of ['DTLSv1.2', 'DTLSv1.3'] as const) {
    it(`${version}: a client that moves to a port the balancer sends to another node keeps its association, and the owner's replies go out through that node`, () => {
      const k = cluster(1, version);
      k.net.run({ until: () => k.client.established, maxTime: 30_000 });
      expect(k.client.established).toBe(true);
      const owner = k.node(1);
      const assoc = [...owner.endpoint.associations()][0]!;
      const cid = assoc.negotiated!.connectionIds!.ours;
      expect(cid.length).toBe(8);
      expect(nodeIdOf(cid, 0, owner.router.config.layout)).toBe(1);
      k.send('a');
      k.net.run({ until: () => k.echoed('a').length > 0, maxTime: k.net.now + 5_000 });
      expect(k.echoed('a')).toEqual(['1:a']);

      // Port 5001 goes to node 2: it forwards to node 1, whose replies come back through node 2.
      k.rebind(5001, 2);
      k.send('b');
      k.net.run({ until: () => assoc.address === 'node-2/10.0.0.101', maxTime: k.net.now + 10_000 });
      expect(owner.count('migrate')).toBe(1);
      expect(assoc.address).toBe('node-2/10.0.0.101');
      k.send('c');
      k.net.run({ until: () => k.echoed('c').length > 0, maxTime: k.net.now + 5_000 });
      expect(k.echoed('c')).toEqual(['1:c']);
      expect(k.node(2).router.stats).toMatchObject({ forwarded: expect.any(Number), repliesDelivered: expect.any(Number) });
      expect(k.node(2).router.stats.forwarded).toBeGreaterThanOrEqual(2);
      expect(k.node(2).router.stats.repliesDelivered).toBeGreaterThanOrEqual(1);
      expect(owner.router.stats.received).toBe(k.node(2).router.stats.forwarded);
      expect(owner.router.stats.repliesSent).toBe(k.node(2).router.stats.repliesDelivered);

      // Then to node 3: the owner moves the address again, still one association, never a new handshake.
      k.rebind(5002, 3);
      k.send('d');
      k.net.run({ until: () => assoc.address === 'node-3/10.0.0.101', maxTime: k.net.now + 10_000 });
      expect(assoc.address).toBe('node-3/10.0.0.101');
      expect(owner.count('migrate')).toBe(2);
      k.send('e');
      k.net.run({ until: () => k.echoed('e').length > 0, maxTime: k.net.now + 5_000 });
      expect(k.echoed('e')).toEqual(['1:e']);
      for (const id of NODE_IDS) expect(k.node(id).count('connection')).toBe(id === 1 ? 1 : 0);
      expect(owner.endpoint.size).toBe(1);
      expect(k.client.closed).toBe(false);
      for (const id of NODE_IDS) expect(k.node(id).router.stats.channelDrops).toEqual({ malformed: 0, unknownNode: 0, forged: 0, stale: 0, replayed: 0 });
    });
  }

  it('steady traffic during the return routability check does not void it: one challenge, then the move', () => {
    const k = cluster(7);
    k.net.run({ until: () => k.client.established, maxTime: 30_000 });
    const owner = k.node(1);
    const assoc = [...owner.endpoint.associations()][0]!;
    k.rebind(5001, 2);
    // Ten records before the path_response can come back, then more while it travels.
    for (let i = 0; i < 10; i++) k.send(`burst-${i}`);
    k.net.advance(2);
    for (let i = 10; i < 20; i++) k.send(`burst-${i}`);
    k.net.run({ until: () => assoc.address === 'node-2/10.0.0.101', maxTime: k.net.now + 10_000 });
    expect(assoc.address).toBe('node-2/10.0.0.101');
    k.net.run({ maxTime: k.net.now + 500 });
    // Each record was forwarded once, plus the path_response: no challenge-response ping-pong.
    expect(k.node(2).router.stats.forwarded).toBe(21);
    expect(owner.count('migrate')).toBe(1);
    k.send('after');
    k.net.run({ until: () => k.echoed('after').length > 0, maxTime: k.net.now + 5_000 });
    expect(k.echoed('after')).toEqual(['1:after']);
  });

  it('associations without CIDs stay with the node the balancer chose', () => {
    const net = new VirtualNetwork({ seed: 2 });
    const nodes = NODE_IDS.map((id) => new ClusterNode(id).attach(net));
    new Balancer(net, () => 2);
    const client = new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost', maxVersion: 'DTLSv1.2' }, BALANCER, net.now);
    const h = net.attach({ address: '10.0.0.3', port: 6000 }, client, { role: 'client' });
    net.run({ until: () => client.established, maxTime: 30_000 });
    h.act((c, now) => c.send(enc('x'), now));
    net.run({ until: () => client.received.length > 0, maxTime: net.now + 5_000 });
    expect(client.received.map(dec)).toEqual(['2:x']);
    expect(nodes.map((n) => n.router.stats.forwarded + n.router.stats.received)).toEqual([0, 0, 0]);
  });

  it('forged, replayed and malformed frames on the channel are dropped and counted; the association goes on', () => {
    const k = cluster(3);
    k.net.run({ until: () => k.client.established, maxTime: 30_000 });
    k.rebind(5001, 2);
    k.send('b');
    k.net.run({ until: () => k.node(1).count('migrate') > 0, maxTime: k.net.now + 10_000 });
    // Capture what node 2 sends node 1, and play it again (replay), altered (forgery), cut (truncation).
    const frames: Uint8Array[] = [];
    k.net.link(chanAddr(2), chanAddr(1), { filter: (dg) => (frames.push(dg.data.slice()), 'pass') });
    k.send('c');
    k.net.run({ until: () => k.echoed('c').length > 0, maxTime: k.net.now + 5_000 });
    expect(frames.length).toBeGreaterThan(0);
    const f = frames[0]!;
    const flipped = f.slice();
    flipped[f.length - 20] ^= 1;
    const outsider = new Channel(nativeProvider, new Uint8Array(32).fill(1), 2, 1, () => true, 60_000).seal(FrameKind.forward, '10.0.0.101', 20001, new Uint8Array(30), k.net.now);
    const unknown = new Channel(nativeProvider, CLUSTER_KEY, 9, 1, () => true, 60_000).seal(FrameKind.forward, '10.0.0.101', 20001, new Uint8Array(30), k.net.now);
    for (const d of [f, flipped, f.subarray(0, f.length - 1), f.subarray(0, 10), outsider, unknown, new Uint8Array(0), Uint8Array.of(1, 1)]) k.net.inject(chanAddr(2), chanAddr(1), d);
    k.net.run({ maxTime: k.net.now + 10 });
    expect(k.node(1).router.stats.channelDrops).toEqual({ malformed: 4, unknownNode: 1, forged: 2, stale: 0, replayed: 1 });
    k.send('d');
    k.net.run({ until: () => k.echoed('d').length > 0, maxTime: k.net.now + 5_000 });
    expect(k.echoed('d')).toEqual(['1:d']);
    expect(k.node(1).count('connection')).toBe(1);
  });

  it('forwarded datagrams that are not DTLS, or name an unknown CID, are dropped by the owner without a throw', () => {
    const k = cluster(4);
    k.net.run({ until: () => k.client.established, maxTime: 30_000 });
    const node2 = new Channel(nativeProvider, CLUSTER_KEY, 2, 5, () => true, 60_000);
    const junk: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(25), Uint8Array.of(25, 0xfe, 0xfd, 0, 1), Uint8Array.of(0x3f, 1, 2), new Uint8Array(200).fill(25)];
    const cid = Uint8Array.of(1, 9, 9, 9, 9, 9, 9, 9);
    junk.push(Uint8Array.of(25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, ...cid, 0, 40, ...new Uint8Array(40)));
    for (let i = 0; i < 50; i++) junk.push(nativeProvider.randomBytes(i * 7));
    for (const d of junk) k.net.inject(chanAddr(2), chanAddr(1), node2.seal(FrameKind.forward, '10.0.0.101', 20009, d, k.net.now));
    expect(() => k.net.run({ maxTime: k.net.now + 10 })).not.toThrow();
    expect(k.node(1).router.stats.received).toBe(junk.length);
    expect(k.node(1).router.stats.channelDrops.forged).toBe(0);
    expect(k.node(1).endpoint.stats.dropped).toBeGreaterThanOrEqual(junk.length - 10);
    expect(k.node(1).endpoint.size).toBe(1);
    k.send('still');
    k.net.run({ until: () => k.echoed('still').length > 0, maxTime: k.net.now + 5_000 });
    expect(k.echoed('still')).toEqual(['1:still']);
  });
});
