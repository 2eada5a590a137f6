import { describe, expect, it } from 'vitest';
import { Channel, FRAME_OVERHEAD, FrameKind } from '../../src/cluster/channel.js';
import { checkLayout, cidOwner, makeClusterCid, nodeIdOf } from '../../src/cluster/layout.js';
import { resolveCluster } from '../../src/cluster/options.js';
import { parseViaAddress, viaAddress } from '../../src/cluster/router.js';
import { nativeProvider } from '../crypto/helpers.js';
import { testProvider } from '../../src/crypto/test-provider.js';
import { SansIoServer } from '../../src/sans-io.js';
import { serverIdentity } from '../helpers/net.js';

const KEY = new Uint8Array(32).fill(5);

describe('cluster CID layout', () => {
  it('puts the node id big-endian at its offset, random bytes around it', () => {
    const layout = { cidLength: 10, nodeIdLength: 3, nodeIdOffset: 2 };
    const cid = makeClusterCid(nativeProvider, layout, 0x0a0b0c);
    expect(cid.length).toBe(10);
    expect([...cid.subarray(2, 5)]).toEqual([0x0a, 0x0b, 0x0c]);
    expect(nodeIdOf(cid, 0, layout)).toBe(0x0a0b0c);
    const other = makeClusterCid(nativeProvider, layout, 0x0a0b0c);
    expect(other).not.toEqual(cid);
  });

  it('reads the owner of a tls12_cid record and of a DTLS 1.3 unified header with a CID, and -1 for anything else', () => {
    const layout = { cidLength: 8, nodeIdLength: 1, nodeIdOffset: 0 };
    const cid = Uint8Array.of(7, 1, 2, 3, 4, 5, 6, 7);
    const r12 = Uint8Array.of(25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 3, ...cid, 0, 1, 0xff);
    expect(cidOwner(r12, layout)).toBe(7);
    expect(cidOwner(Uint8Array.of(0x3c, ...cid, 0, 1, 0, 2), layout)).toBe(7);
    expect(cidOwner(Uint8Array.of(0x2c, ...cid, 0, 1), layout)).toBe(-1); // no C bit
    expect(cidOwner(Uint8Array.of(23, 0xfe, 0xfd, ...cid, 0, 0, 0, 0), layout)).toBe(-1);
    expect(cidOwner(r12.subarray(0, 11 + 8 + 1), layout)).toBe(-1); // truncated
    expect(cidOwner(new Uint8Array(0), layout)).toBe(-1);
    expect(cidOwner(Uint8Array.of(0x3c, 7), layout)).toBe(-1);
  });

  it('refuses layouts without room for the node id and 4 random bytes', () => {
    expect(() => checkLayout({ cidLength: 4, nodeIdLength: 1, nodeIdOffset: 0 })).toThrow(/cidLength/);
    expect(() => checkLayout({ cidLength: 8, nodeIdLength: 5, nodeIdOffset: 0 })).toThrow(/nodeIdLength/);
    expect(() => checkLayout({ cidLength: 8, nodeIdLength: 2, nodeIdOffset: 7 })).toThrow(/nodeIdOffset/);
    expect(() => checkLayout({ cidLength: 8, nodeIdLength: 2, nodeIdOffset: 6 })).not.toThrow();
  });

  it('resolves the cluster option, refusing what cannot work', () => {
    const nodes = [{ id: 1, address: '127.0.0.1', port: 7001 }, { id: 2, address: '127.0.0.1', port: 7002 }];
    const c = resolveCluster({ nodeId: 1, nodes, key: KEY })!;
    expect(c.layout).toEqual({ cidLength: 8, nodeIdLength: 1, nodeIdOffset: 0 });
    expect(c.nodes.get(2)).toEqual({ address: '127.0.0.1', port: 7002 });
    expect(() => resolveCluster({ nodeId: 3, nodes, key: KEY })).toThrow(/must list this node/);
    expect(() => resolveCluster({ nodeId: 256, nodes, key: KEY })).toThrow(/nodeId/);
    expect(() => resolveCluster({ nodeId: 1, nodes, key: KEY.subarray(0, 16) })).toThrow(/key/);
    expect(() => resolveCluster({ nodeId: 1, nodes: [...nodes, nodes[0]!], key: KEY })).toThrow(/twice/);
    expect(() => resolveCluster({ nodeId: 1, nodes: [{ id: 1, address: '', port: 1 }], key: KEY })).toThrow(/address/);
  });

  it('is refused by the sans-IO server (which has no node-to-node socket), and with connectionId', async () => {
    const cluster = { nodeId: 1, nodes: [{ id: 1, address: '127.0.0.1', port: 7001 }], key: KEY };
    expect(() => new SansIoServer({ ...serverIdentity('ecdsa-p256'), cluster })).toThrow(/"cluster" option is not for a sans-IO server/);
    const { resolveServerConfig } = await import('../../src/config.js');
    expect(() => resolveServerConfig({ ...serverIdentity('ecdsa-p256'), cluster, connectionId: 8 })).toThrow(/connectionId/);
    expect(resolveServerConfig({ ...serverIdentity('ecdsa-p256'), cluster }).config.cidLength).toBe(8);
  });

  it('names clients behind another node by an address no IP address can be', () => {
    expect(parseViaAddress(viaAddress(3, '::ffff:127.0.0.1'))).toEqual({ via: 3, address: '::ffff:127.0.0.1' });
    expect(parseViaAddress('127.0.0.1')).toBeUndefined();
    expect(parseViaAddress('::1')).toBeUndefined();
    expect(parseViaAddress('node-x/1.2.3.4')).toBeUndefined();
  });
});

describe('the node-to-node channel', () => {
  const make = (self: number, incarnation = 1000, key = KEY, skew = 30_000) => new Channel(testProvider(self), key, self, incarnation, (id) => id >= 1 && id <= 3, skew);

  it('opens what another node sealed, once', () => {
    const a = make(1);
    const b = make(2);
    const f = a.seal(FrameKind.forward, '192.0.2.7', 5684, Uint8Array.of(1, 2, 3), 5000);
    expect(f.length).toBe(FRAME_OVERHEAD + '192.0.2.7'.length + 3);
    expect(b.open(f, 5001)).toEqual({ kind: FrameKind.forward, sender: 1, address: '192.0.2.7', port: 5684, datagram: Uint8Array.of(1, 2, 3) });
    expect(b.open(f, 5001)).toBeUndefined();
    expect(b.drops).toEqual({ malformed: 0, unknownNode: 0, forged: 0, stale: 0, replayed: 1 });
  });

  it('drops every altered bit, every truncation, another key and an unknown sender, and counts them', () => {
    const a = make(1);
    const b = make(2);
    const f = a.seal(FrameKind.reply, '2001:db8::1', 1, new Uint8Array(20).fill(9), 5000);
    for (let i = 0; i < f.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const g = f.slice();
        g[i] ^= 1 << bit;
        expect(b.open(g, 5000)).toBeUndefined();
      }
    }
    for (let n = 0; n < f.length; n++) expect(b.open(f.subarray(0, n), 5000)).toBeUndefined();
    expect(b.open(make(1, 1000, new Uint8Array(32).fill(6)).seal(FrameKind.reply, 'x', 1, new Uint8Array(1), 5000), 5000)).toBeUndefined();
    expect(b.open(make(4).seal(FrameKind.reply, 'x', 1, new Uint8Array(1), 5000), 5000)).toBeUndefined();
    expect(b.open(make(2).seal(FrameKind.reply, 'x', 1, new Uint8Array(1), 5000), 5000)).toBeUndefined(); // itself
    const d = b.drops;
    expect(d.forged).toBeGreaterThan(0);
    expect(d.malformed).toBeGreaterThan(0);
    expect(d.unknownNode).toBeGreaterThanOrEqual(2);
    expect(d.forged + d.malformed + d.unknownNode + d.stale + d.replayed).toBe(f.length * 8 + f.length + 3);
    // The untouched frame still opens: none of the above was taken for it.
    expect(b.open(f, 5000)?.address).toBe('2001:db8::1');
  });

  it('drops frames older or newer than the skew, and an older incarnation; a newer incarnation starts afresh', () => {
    const b = make(2, 1000, KEY, 1000);
    const a1 = make(1, 1000);
    expect(b.open(a1.seal(FrameKind.forward, 'h', 1, new Uint8Array(1), 1000), 2001)).toBeUndefined();
    expect(b.open(a1.seal(FrameKind.forward, 'h', 1, new Uint8Array(1), 3001), 2000)).toBeUndefined();
    expect(b.drops.stale).toBe(2);
    expect(b.open(a1.seal(FrameKind.forward, 'h', 1, new Uint8Array(1), 2000), 2000)).toBeDefined();
    // Node 1 restarts: its counter starts again from 0, under a later incarnation.
    const a2 = make(1, 1500);
    expect(b.open(a2.seal(FrameKind.forward, 'h', 1, new Uint8Array(1), 2000), 2000)).toBeDefined();
    expect(b.open(a1.seal(FrameKind.forward, 'h', 1, new Uint8Array(1), 2000), 2000)).toBeUndefined();
    expect(b.drops.stale).toBe(3);
  });

  it('never throws on random bytes', () => {
    const b = make(2);
    const p = testProvider(77);
    for (let i = 0; i < 2000; i++) expect(b.open(p.randomBytes(i % 300), 0)).toBeUndefined();
    expect(b.drops.malformed + b.drops.unknownNode + b.drops.forged).toBe(2000);
  });
});
