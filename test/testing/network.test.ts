import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/testing/prng.js';
import {
  VirtualNetwork,
  VirtualNetworkError,
  formatAddress,
  type DatagramInfo,
  type Impairments,
  type NetAddress,
  type NetNode,
} from '../../src/testing/network.js';
import {
  A,
  B,
  C,
  BaseNode,
  Echo,
  Ponger,
  Recorder,
  Resender,
  Scheduled,
  ToyClient,
  ToyServer,
  bytes,
  str,
  text,
} from './helpers.js';

/** A network with a sender at A and a recorder at B. */
function pair(opts: ConstructorParameters<typeof VirtualNetwork>[0] = {}) {
  const net = new VirtualNetwork(opts);
  const rec = new Recorder();
  net.attach(B, rec, { name: 'B' });
  const tx = net.attach(A, new BaseNode(), { name: 'A' });
  const send = (...dgs: Uint8Array[]): void => tx.act((n) => dgs.forEach((d) => n.send(B, d)));
  return { net, rec, tx, send };
}

const numbered = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => bytes(i >> 8, i & 0xff));
const num = (d: Uint8Array): number => ((d[0] as number) << 8) | (d[1] as number);

function toyHandshake(seed: number, impairments: Impairments = {}, log = false) {
  const net = new VirtualNetwork({ seed, impairments, log });
  const server = new ToyServer();
  const client = new ToyClient(B);
  net.attach(B, server, { role: 'server', name: 'server' });
  const ch = net.attach(A, client, { role: 'client', name: 'client' });
  ch.act((n, now) => n.start(now));
  const result = net.run({ until: () => client.state === 'done' });
  return { net, server, client, result };
}

describe('VirtualNetwork: delivery', () => {
  it('delivers with the default 1 ms latency, from the sender address', () => {
    const { net, rec, send } = pair();
    send(text('hi'));
    const r = net.run();
    expect(r).toEqual({ time: 1, steps: 1, reason: 'idle' });
    expect(rec.texts).toEqual(['hi']);
    expect(rec.got[0]?.now).toBe(1);
    expect(rec.got[0]?.from).toEqual(A);
    expect(net.stats(A, B)).toMatchObject({ sent: 1, delivered: 1, dropped: 0 });
  });

  it('applies a fixed delay and a uniform integer delay range', () => {
    const { net, rec, send } = pair();
    net.link(A, B, { delay: 25 });
    send(text('x'));
    net.run();
    expect(rec.got[0]?.now).toBe(25);

    net.link(A, B, { delay: { min: 10, max: 20 } });
    const t0 = net.now;
    send(...numbered(300));
    net.run();
    const lat = rec.got.slice(1).map((g) => g.now - t0);
    expect(lat.every((l) => Number.isInteger(l) && l >= 10 && l <= 20)).toBe(true);
    expect(new Set(lat).size).toBe(11);
  });

  it('round-trips through an echo node', () => {
    const net = new VirtualNetwork({ seed: 1 });
    const echo = new Echo();
    net.attach(B, echo);
    const a = new Recorder();
    net.attach(A, a).act((n) => n.send(B, text('ping')));
    net.run();
    expect(echo.got.map((g) => g.now)).toEqual([1]);
    expect(a.got.map((g) => [str(g.data), g.now, g.from])).toEqual([['ping', 2, B]]);
  });

  it('preserves order with the default latency', () => {
    const { net, rec, send } = pair({ seed: 3 });
    send(...numbered(50));
    net.run();
    expect(rec.got.map((g) => num(g.data))).toEqual([...Array(50).keys()]);
  });

  it('makes datagrams to an unattached address vanish, counted', () => {
    const net = new VirtualNetwork();
    net.attach(A, new BaseNode()).act((n) => n.send(C, text('lost')));
    expect(net.run().reason).toBe('idle');
    expect(net.stats(A, C)).toMatchObject({ sent: 1, delivered: 0, undeliverable: 1 });
  });

  it('loses datagrams in flight to a node that detaches; a new node can take the address', () => {
    const { net, rec, send, tx } = pair();
    send(text('1'));
    expect(net.detach(B)).toBe(true);
    expect(net.detach(B)).toBe(false);
    net.run();
    expect(rec.got).toHaveLength(0);
    expect(net.stats(A, B).undeliverable).toBe(1);
    const rec2 = new Recorder();
    const h = net.attach(B, rec2);
    send(text('2'));
    net.run();
    expect(rec2.texts).toEqual(['2']);
    const stale = net.attach(C, new Recorder());
    stale.detach();
    const fresh = net.attach(C, new Recorder());
    expect(net.detach(stale)).toBe(false); // a stale handle does not detach the newcomer
    expect(net.detach(fresh)).toBe(true);
    h.detach();
    expect(h.attached).toBe(false);
    expect(tx.attached).toBe(true);
    expect(net.nodeAt(B)).toBeUndefined();
  });
});

describe('VirtualNetwork: impairments', () => {
  it('drops at the configured rate over 10k datagrams', () => {
    const { net, rec, send } = pair({ seed: 12345, impairments: { drop: 0.3 } });
    send(...numbered(10_000));
    net.run();
    const s = net.stats(A, B);
    expect(s.sent).toBe(10_000);
    expect(s.delivered + s.dropped).toBe(10_000);
    expect(rec.got).toHaveLength(s.delivered);
    expect(Math.abs(s.dropped / 10_000 - 0.3)).toBeLessThan(0.02);
    // Survivors keep their order.
    const ns = rec.got.map((g) => num(g.data));
    expect(ns).toEqual([...ns].sort((x, y) => x - y));
  });

  it('duplicates', () => {
    const { net, rec, send } = pair({ impairments: { duplicate: 1 } });
    send(...numbered(10));
    net.run();
    expect(rec.got).toHaveLength(20);
    expect(net.stats()).toMatchObject({ sent: 10, duplicated: 10, delivered: 20 });
    const p = pair({ seed: 8, impairments: { duplicate: 0.5 } });
    p.send(...numbered(2000));
    p.net.run();
    expect(Math.abs(p.net.stats().duplicated / 2000 - 0.5)).toBeLessThan(0.05);
    expect(p.rec.got).toHaveLength(2000 + p.net.stats().duplicated);
  });

  it('reorders by holding datagrams back reorderDelay ms', () => {
    const { net, rec, send } = pair({ seed: 4, impairments: { reorder: 0.3 } });
    send(...numbered(100));
    net.run();
    const order = rec.got.map((g) => num(g.data));
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
    expect(order.slice().sort((x, y) => x - y)).toEqual([...Array(100).keys()]);
    const held = net.stats().reordered;
    expect(held).toBeGreaterThan(10);
    expect(rec.got.filter((g) => g.now === 11)).toHaveLength(held); // 1 ms + default 10 ms
    expect(rec.got.filter((g) => g.now === 1)).toHaveLength(100 - held);

    const p = pair({ seed: 4, impairments: { reorder: 1, reorderDelay: 3 } });
    p.send(text('a'));
    p.net.run();
    expect(p.rec.got[0]?.now).toBe(4);
  });

  it('packs datagrams sent at the same instant with pack: 0', () => {
    const { net, rec, send } = pair({ impairments: { pack: 0 } });
    send(bytes(1, 2), bytes(3), bytes(4, 5, 6));
    net.run();
    expect(rec.got).toHaveLength(1);
    expect(rec.got[0]?.data).toEqual(bytes(1, 2, 3, 4, 5, 6));
    expect(rec.got[0]?.now).toBe(1);
    expect(net.stats()).toMatchObject({ sent: 3, packed: 2, delivered: 1 });
  });

  it('packs within a time window, never above the MTU', () => {
    const net = new VirtualNetwork({ impairments: { pack: 5 } });
    const rec = new Recorder();
    net.attach(B, rec);
    net.attach(
      A,
      new Scheduled([
        { at: 0, to: B, data: bytes(0) },
        { at: 2, to: B, data: bytes(2) },
        { at: 6, to: B, data: bytes(6) },
      ]),
    );
    net.run();
    expect(rec.got.map((g) => [[...g.data], g.now])).toEqual([
      [[0, 2], 6],
      [[6], 12],
    ]);

    const p = pair({ impairments: { pack: 0, mtu: 10 } });
    p.send(new Uint8Array(4).fill(1), new Uint8Array(4).fill(2), new Uint8Array(4).fill(3));
    p.net.run();
    expect(p.rec.got.map((g) => g.data.length)).toEqual([8, 4]);
    expect(p.rec.got[1]?.data).toEqual(new Uint8Array(4).fill(3));
  });

  it('drops or truncates datagrams above the MTU', () => {
    const { net, rec, send } = pair({ impairments: { mtu: 10 } });
    send(new Uint8Array(5), new Uint8Array(10), new Uint8Array(11));
    net.run();
    expect(rec.got.map((g) => g.data.length)).toEqual([5, 10]);
    expect(net.stats()).toMatchObject({ sent: 3, dropped: 1, delivered: 2 });

    const t = pair({ impairments: { mtu: 10, truncate: true } });
    const big = Uint8Array.from({ length: 30 }, (_, i) => i);
    t.send(big);
    t.net.run();
    expect(t.rec.got[0]?.data).toEqual(big.subarray(0, 10));
    expect(t.net.stats()).toMatchObject({ truncated: 1, dropped: 0, delivered: 1 });
  });

  it('bitflip changes exactly one bit', () => {
    const rng = new Prng('payloads');
    const originals = Array.from({ length: 200 }, (_, i) => {
      const d = rng.bytes(1 + (i % 40));
      d[0] = i; // identify
      return d;
    });
    const { net, rec, send } = pair({ seed: 9, impairments: { bitflip: 1 } });
    send(...originals.map((d) => d.slice()));
    net.run();
    expect(rec.got).toHaveLength(200);
    expect(net.stats().corrupted).toBe(200);
    let firstByteFlips = 0;
    rec.got.forEach((g, i) => {
      const o = originals[i] as Uint8Array;
      let diff = 0;
      for (let k = 0; k < o.length; k++) {
        let x = (o[k] as number) ^ (g.data[k] as number);
        while (x) {
          diff += x & 1;
          x >>= 1;
        }
      }
      if (o[0] !== g.data[0]) firstByteFlips++;
      expect(diff).toBe(1);
    });
    expect(firstByteFlips).toBeLessThan(200); // flips land everywhere
  });

  it('gives every direction its own random stream', () => {
    const run = (reverseTraffic: number) => {
      const net = new VirtualNetwork({ seed: 77, impairments: { drop: 0.5 } });
      const a = new Recorder();
      const b = new Recorder();
      const ha = net.attach(A, a);
      const hb = net.attach(B, b);
      hb.act((n) => numbered(reverseTraffic).forEach((d) => n.send(A, d)));
      ha.act((n) => numbered(200).forEach((d) => n.send(B, d)));
      net.run();
      return b.got.map((g) => num(g.data));
    };
    expect(run(0)).toEqual(run(300));
  });

  it('rejects invalid impairments', () => {
    expect(() => new VirtualNetwork({ impairments: { drop: 1.5 } })).toThrow(RangeError);
    const net = new VirtualNetwork();
    expect(() => net.link(A, B, { delay: { min: 5, max: 1 } })).toThrow(/delay.min/);
    expect(() => net.link(A, B, { delay: -1 })).toThrow(RangeError);
    expect(() => net.link(A, B, { mtu: 1.5 })).toThrow(RangeError);
    expect(() => (net.impairments = { reorder: NaN })).toThrow(RangeError);
  });

  it('link replaces the defaults for one direction; unlink restores them; linkBoth', () => {
    const net = new VirtualNetwork({ impairments: { drop: 1 } });
    const a = new Recorder();
    const b = new Recorder();
    const ha = net.attach(A, a);
    const hb = net.attach(B, b);
    net.link(A, B, { delay: 5 });
    ha.act((n) => n.send(B, text('ab')));
    hb.act((n) => n.send(A, text('ba')));
    net.run();
    expect(b.got.map((g) => g.now)).toEqual([5]);
    expect(a.got).toHaveLength(0);
    net.unlink(A, B);
    ha.act((n) => n.send(B, text('ab2')));
    net.run();
    expect(b.got).toHaveLength(1);
    net.linkBoth(A, B, {});
    ha.act((n) => n.send(B, text('ab3')));
    hb.act((n) => n.send(A, text('ba3')));
    net.run();
    expect(b.texts).toEqual(['ab', 'ab3']);
    expect(a.texts).toEqual(['ba3']);
    net.impairments = {};
    expect(net.impairments).toEqual({});
  });
});

describe('VirtualNetwork: filters', () => {
  it('drops by index; the index is counted before impairments', () => {
    const seen: number[] = [];
    const { net, rec, send } = pair({
      seed: 2,
      impairments: {
        drop: 0.5,
        filter: (dg) => {
          seen.push(dg.index);
          return dg.index % 2 === 1 ? 'drop' : 'pass';
        },
      },
    });
    send(...numbered(20));
    net.run();
    expect(seen).toEqual([...Array(20).keys()]);
    expect(rec.got.every((g) => num(g.data) % 2 === 0)).toBe(true);
    expect(net.stats().dropped).toBe(20 - rec.got.length);
  });

  it('delays and replaces', () => {
    const { net, rec, send } = pair({
      impairments: {
        filter: (dg) =>
          dg.index === 0 ? { delay: 50 } : dg.index === 1 ? { replace: [text('r1'), text('r2')] } : dg.index === 2 ? { replace: [] } : 'pass',
      },
    });
    send(text('zero'), text('one'), text('two'), text('three'));
    net.run();
    expect(rec.got.map((g) => [str(g.data), g.now])).toEqual([
      ['r1', 1],
      ['r2', 1],
      ['three', 1],
      ['zero', 51],
    ]);
  });

  it('shows sender, time, names and records to the filter', () => {
    const infos: DatagramInfo[] = [];
    const { net, send } = pair({ impairments: { filter: (dg) => (infos.push(dg), 'pass') } });
    net.advance(7);
    send(bytes(23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 3, 0, 1, 0xaa));
    net.run();
    expect(infos[0]).toMatchObject({ from: A, to: B, index: 0, time: 7, fromName: 'A', toName: 'B', fromServer: undefined });
    expect(infos[0]?.records[0]).toMatchObject({ typeName: 'application_data', epoch: 1, seq: 3, encrypted: true });
    expect(infos[0]?.flight).toBeUndefined();
  });

  it('rejects an invalid verdict with a clear error', () => {
    const { net, send } = pair({ impairments: { filter: () => 'nope' as never } });
    expect(() => send(text('x'))).toThrow(VirtualNetworkError);
  });

  it('numbers flights, datagrams within a flight and retransmissions: drop the 2nd datagram of flight 4', () => {
    const s2c: DatagramInfo[] = [];
    const c2s: DatagramInfo[] = [];
    const net = new VirtualNetwork({ seed: 1, log: true });
    const server = new ToyServer();
    const client = new ToyClient(B);
    net.attach(B, server, { role: 'server', name: 'server' });
    const ch = net.attach(A, client, { role: 'client', name: 'client' });
    net.link(B, A, {
      filter: (dg) => {
        s2c.push(dg);
        return dg.flight === 4 && dg.flightDatagram === 1 && dg.flightTransmission === 0 ? 'drop' : 'pass';
      },
    });
    net.link(A, B, { filter: (dg) => (c2s.push(dg), 'pass') });
    ch.act((n, now) => n.start(now));
    const r = net.run({ until: () => client.state === 'done' });
    expect(r.reason, net.formatLog()).toBe('until');
    const f = (xs: DatagramInfo[]) => xs.map((d) => [d.flight, d.flightTransmission, d.flightDatagram, d.time]);
    expect(f(c2s)).toEqual([
      [1, 0, 0, 0],
      [3, 0, 0, 2],
      [3, 1, 0, 1002], // client retransmits flight 3: flight 4 was incomplete
      [5, 0, 0, 1004],
    ]);
    expect(f(s2c)).toEqual([
      [2, 0, 0, 1],
      [4, 0, 0, 3],
      [4, 0, 1, 3], // dropped
      [4, 0, 2, 3],
      // At 1003 the retransmitted flight 3 arrives (deliveries first) and the server
      // resends flight 4, pushing its own 1003 retransmission timer to 2003.
      [4, 1, 0, 1003],
      [4, 1, 1, 1003],
      [4, 1, 2, 1003],
      [6, 0, 0, 1005],
    ]);
    expect(s2c.every((d) => d.fromServer === true)).toBe(true);
    expect(c2s.every((d) => d.fromServer === false)).toBe(true);
    expect(r.time).toBe(1006);
    const log = net.formatLog();
    expect(log).toContain('filter-drop');
    expect(log).toMatch(/send +#2 +server -> client \d+B handshake e0\/3 \[certificate m2 100\+80\/180\] flight=4\.0\.1/);
  });

  it('without roles, numbers the flights it can see and continues a flight in CCS/encrypted datagrams', () => {
    const seen: DatagramInfo[] = [];
    const net = new VirtualNetwork({ impairments: { filter: (dg) => (seen.push(dg), 'pass') } });
    const server = new ToyServer();
    const client = new ToyClient(B);
    net.attach(B, server);
    net.attach(A, client).act((n, now) => n.start(now));
    net.run({ until: () => client.state === 'done' });
    expect(seen.map((d) => d.flight)).toEqual([1, 2, 3, 4, 4, 4, 5, undefined]);
  });
});

describe('VirtualNetwork: inject and send', () => {
  it('injects crafted datagrams from a spoofed address, bypassing impairments', () => {
    const { net, rec } = pair({ impairments: { drop: 1 } });
    const spoof: NetAddress = { address: '6.6.6.6', port: 666 };
    net.inject(spoof, B, text('evil'));
    net.inject(spoof, B, text('later'), 500);
    net.inject(spoof, C, text('nobody'));
    const r = net.run();
    expect(rec.got.map((g) => [str(g.data), g.from, g.now])).toEqual([
      ['evil', spoof, 0],
      ['later', spoof, 500],
    ]);
    expect(r.time).toBe(500);
    expect(net.stats(spoof, B)).toMatchObject({ injected: 2, sent: 0, delivered: 2 });
    expect(net.stats(spoof)).toMatchObject({ injected: 3, undeliverable: 1 });
    expect(() => net.inject(spoof, B, text('past'), 10)).toThrow(VirtualNetworkError);
  });

  it('send() pushes a datagram through the impairments as if a node sent it', () => {
    const { net, rec } = pair({ impairments: { delay: 4 } });
    net.send(C, B, text('via send'));
    net.run();
    expect(rec.got.map((g) => [str(g.data), g.from, g.now])).toEqual([['via send', C, 4]]);
    expect(net.stats(C, B).sent).toBe(1);
  });
});

describe('VirtualNetwork: timeouts', () => {
  it('fires node deadlines at the right virtual times (retransmission with backoff)', () => {
    const net = new VirtualNetwork();
    const pong = new Ponger();
    net.attach(B, pong);
    const rs = new Resender(B);
    const h = net.attach(A, rs);
    net.link(A, B, { drop: 1 });
    h.act((n, now) => n.start(now));
    const r = net.run();
    expect(r.reason).toBe('maxTime');
    expect(r.time).toBe(120_000);
    expect(rs.sentAt).toEqual([0, 1000, 3000, 7000, 15000, 31000, 63000]);
    expect(rs.timeoutsAt).toEqual([1000, 3000, 7000, 15000, 31000, 63000]);
    net.unlink(A, B);
    const r2 = net.run();
    expect(r2.reason).toBe('idle');
    expect(rs.sentAt.at(-1)).toBe(123_000);
    expect(rs.done).toBe(true);
    expect(rs.got.map((g) => g.now)).toEqual([123_002]);
  });

  it('stops calling a timer the node cancelled', () => {
    const net = new VirtualNetwork();
    net.attach(B, new Ponger());
    const rs = new Resender(B);
    net.attach(A, rs).act((n, now) => n.start(now));
    const r = net.run();
    expect(r).toMatchObject({ reason: 'idle', time: 2, steps: 2 });
    expect(rs.timeoutsAt).toEqual([]);
  });

  it('calls onTimeout(now) promptly when the deadline is already past', () => {
    const calls: number[] = [];
    let deadline: number | undefined = 50;
    const node: NetNode = {
      receive() {},
      onTimeout(now) {
        calls.push(now);
        deadline = undefined;
      },
      nextTimeout: () => deadline,
      takeOutgoing: () => [],
    };
    const net = new VirtualNetwork({ now: 100 });
    net.attach(A, node);
    expect(net.run()).toEqual({ time: 100, steps: 1, reason: 'idle' });
    expect(calls).toEqual([100]);
  });

  it('runs deliveries before timeouts at the same instant, FIFO otherwise', () => {
    const calls: string[] = [];
    let deadline: number | undefined = 1;
    const node: NetNode = {
      receive: (d) => void calls.push(`rx ${str(d)}`),
      onTimeout: (now) => {
        calls.push(`timeout ${now}`);
        deadline = undefined;
      },
      nextTimeout: () => deadline,
      takeOutgoing: () => [],
    };
    const net = new VirtualNetwork();
    net.attach(B, node);
    net.attach(A, new BaseNode()).act((n) => {
      n.send(B, text('1'));
      n.send(B, text('2'));
    });
    net.run();
    expect(calls).toEqual(['rx 1', 'rx 2', 'timeout 1']);
  });

  it('throws a clear error for a node that keeps returning a past deadline', () => {
    const stuck: NetNode = { receive() {}, onTimeout() {}, nextTimeout: () => 0, takeOutgoing: () => [] };
    const net = new VirtualNetwork({ seed: 'stuck-seed' });
    net.attach(A, stuck, { name: 'stuck' });
    expect(() => net.run()).toThrow(
      /node stuck: onTimeout called 10000 times at t=0 .*never advances.*seed="stuck-seed"/,
    );
    const net2 = new VirtualNetwork({ maxTimeoutsPerInstant: 5 });
    let n = 0;
    const bad: NetNode = { receive() {}, onTimeout: () => void n++, nextTimeout: () => 0, takeOutgoing: () => [] };
    net2.attach(A, bad);
    expect(() => net2.run()).toThrow(VirtualNetworkError);
    expect(n).toBe(5);
  });

  it('re-reads deadlines changed behind its back (sync / act / run start)', () => {
    let deadline: number | undefined;
    const calls: number[] = [];
    const node: NetNode = {
      receive() {},
      onTimeout: (now) => {
        calls.push(now);
        deadline = undefined;
      },
      nextTimeout: () => deadline,
      takeOutgoing: () => [],
    };
    const net = new VirtualNetwork();
    net.attach(A, node);
    deadline = 40; // set without telling the network: run() syncs first
    net.run();
    expect(calls).toEqual([40]);
    deadline = 90;
    const r = net.run({ maxTime: 20 });
    expect(r).toMatchObject({ reason: 'maxTime', time: 60 });
    deadline = 70; // moved earlier; the stale 90 entry must not fire
    net.run();
    expect(calls).toEqual([40, 70]);
  });
});

describe('VirtualNetwork: run()', () => {
  function pingPong() {
    const net = new VirtualNetwork();
    const a = new Echo();
    const b = new Echo();
    net.attach(A, a);
    net.attach(B, b);
    net.inject(A, B, text('ball'));
    return { net, a, b };
  }

  it('stops on until', () => {
    const { net, b } = pingPong();
    const r = net.run({ until: () => b.got.length >= 5 });
    expect(r).toEqual({ time: 8, steps: 9, reason: 'until' });
    expect(net.run({ until: () => true })).toEqual({ time: 8, steps: 0, reason: 'until' });
  });

  it('stops on maxSteps', () => {
    const { net } = pingPong();
    expect(net.run({ maxSteps: 10 })).toEqual({ time: 9, steps: 10, reason: 'maxSteps' });
  });

  it('stops on maxTime, leaving the clock at the limit', () => {
    const { net } = pingPong();
    expect(net.run({ maxTime: 100 })).toEqual({ time: 100, steps: 101, reason: 'maxTime' });
    expect(net.now).toBe(100);
    expect(net.run({ maxTime: 0.5 })).toEqual({ time: 100.5, steps: 0, reason: 'maxTime' });
    expect(net.idle).toBe(false);
  });

  it('stops when idle; advance() moves the clock anyway', () => {
    const net = new VirtualNetwork({ now: 1000 });
    expect(net.idle).toBe(true);
    expect(net.run()).toEqual({ time: 1000, steps: 0, reason: 'idle' });
    expect(net.advance(500)).toEqual({ time: 1500, steps: 0, reason: 'idle' });
    expect(net.now).toBe(1500);
    expect(net.clock.read()).toBe(1500);
  });

  it('is not reentrant', () => {
    const net = new VirtualNetwork();
    const node: NetNode = {
      receive: () => void net.run(),
      onTimeout() {},
      nextTimeout: () => undefined,
      takeOutgoing: () => [],
    };
    net.attach(B, node);
    net.inject(A, B, text('x'));
    expect(() => net.run()).toThrow(/not reentrant/);
  });

  it('rejects attaching twice at one address and bad datagrams', () => {
    const net = new VirtualNetwork();
    net.attach(A, new BaseNode());
    expect(() => net.attach({ ...A }, new BaseNode())).toThrow(/already has a node/);
    const bad = new BaseNode();
    expect(() => net.attach(B, bad).act((n) => n.send({ address: 'x', port: 70000 }, text('x')))).toThrow(TypeError);
  });
});

describe('VirtualNetwork: determinism and logs', () => {
  function chaos(seed: number) {
    const net = new VirtualNetwork({
      seed,
      log: true,
      impairments: { drop: 0.2, duplicate: 0.2, reorder: 0.2, bitflip: 0.1, delay: { min: 1, max: 30 } },
    });
    net.link(A, B, { pack: 3, drop: 0.1, mtu: 40, truncate: true, duplicate: 0.1 });
    const plan = (to: NetAddress, tag: string) =>
      Array.from({ length: 60 }, (_, i) => ({ at: i * 2, to, data: text(`${tag}-${i}-${'x'.repeat(i % 45)}`) }));
    net.attach(A, new Scheduled(plan(B, 'a')), { name: 'A' });
    net.attach(B, new Echo(), { name: 'B' });
    net.attach(C, new Scheduled(plan(B, 'c')), { name: 'C' });
    net.run();
    return net;
  }

  it('same seed → identical log; different seed → different log', () => {
    const n1 = chaos(5);
    const n2 = chaos(5);
    expect(n1.log.length).toBeGreaterThan(300);
    expect(n2.log).toEqual(n1.log);
    expect(n2.formatLog()).toBe(n1.formatLog());
    expect(n2.stats()).toEqual(n1.stats());
    const n3 = chaos(6);
    expect(n3.formatLog()).not.toBe(n1.formatLog());
    const events = new Set(n1.log.map((e) => e.event));
    for (const e of ['send', 'deliver', 'drop', 'duplicate', 'reorder', 'bitflip', 'pack', 'truncate', 'timeout', 'attach']) {
      expect(events, e).toContain(e);
    }
  });

  it('formats the log with the seed, and names the seed in toString()', () => {
    const n = chaos(42);
    const text = n.formatLog({ last: 3 });
    expect(text.split('\n')[0]).toMatch(/^VirtualNetwork seed=42 \(\d+ events\)$/);
    expect(text).toContain('earlier events omitted');
    expect(text.split('\n')).toHaveLength(5);
    expect(String(n)).toMatch(/^VirtualNetwork\(seed=42, t=\d+\)$/);
    expect(new VirtualNetwork({ seed: 'abc' }).formatLog()).toMatch(/seed="abc" \(log disabled/);
    expect(new VirtualNetwork().log).toEqual([]);
    expect(n.directions().length).toBeGreaterThanOrEqual(4);
    expect(formatAddress({ address: '::1', port: 5 })).toBe('[::1]:5');
  });

  it('runs thousands of toy handshakes per second of wall time', () => {
    const t0 = performance.now();
    const N = 1000;
    let completed = 0;
    let retransmitting = 0;
    for (let seed = 0; seed < N; seed++) {
      const { client, server, result } = toyHandshake(seed, { drop: 0.1, delay: { min: 1, max: 20 } });
      expect(result.reason).toBe('until');
      if (client.state === 'done' && server.completed === 1) completed++;
      if (client.transmissions > 3) retransmitting++;
    }
    const ms = performance.now() - t0;
    expect(completed).toBe(N);
    expect(retransmitting).toBeGreaterThan(50);
    expect(ms).toBeLessThan(5_000);
    console.log(`${N} lossy toy handshakes in ${ms.toFixed(0)} ms (${((N / ms) * 1000).toFixed(0)}/s)`);
  });

  it('reproduces a lossy handshake exactly from its seed', () => {
    const a = toyHandshake(31, { drop: 0.3, duplicate: 0.1, reorder: 0.2 }, true);
    const b = toyHandshake(31, { drop: 0.3, duplicate: 0.1, reorder: 0.2 }, true);
    expect(b.net.formatLog()).toBe(a.net.formatLog());
    expect(b.result).toEqual(a.result);
  });
});
