/**
 * The impairment pipeline (src/testing/impairments.ts) on its own, and the
 * proof that the virtual network and the UDP proxy are two adapters of it:
 * the same seed and datagrams give the same decisions through both.
 */
import * as dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpProxy, type UdpProxy } from '../../src/proxy/index.js';
import { encodeRecord } from '../../src/record/record.js';
import {
  DEFAULT_DELAY,
  DEFAULT_REORDER_DELAY,
  ImpairmentLane,
  directionStream,
  forgeRecord,
  resolveImpairments,
  type ImpairmentCounters,
  type ImpairmentOptions,
  type ImpairmentStep,
} from '../../src/testing/impairments.js';
import { VirtualNetwork, type NetAddress } from '../../src/testing/network.js';
import { Prng } from '../../src/testing/prng.js';
import { Recorder } from './helpers.js';

const counters = (): ImpairmentCounters => ({ dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, truncated: 0, packed: 0, injected: 0 });
const datagram = (i: number, size = 20): Uint8Array => new Uint8Array(size).fill(i);
const noInfo = (index: number): number => index;

/** A lane with its counters; `send` passes numbered datagrams and returns the steps in a compact form. */
function lane(options: ImpairmentOptions<number>, rng = new Prng(7), notes = false) {
  const imp = resolveImpairments(options, 'test');
  const c = counters();
  const l = new ImpairmentLane<number>(rng, c, { notes });
  return { imp, c, l };
}

/** `deliver@T #label [first byte]`, `flush@T g`, `release@T #label`, `note event #label detail`. */
function show(steps: readonly ImpairmentStep[]): string[] {
  return steps.map((s) => {
    switch (s.kind) {
      case 'deliver':
      case 'release':
        return `${s.kind}@${s.at} ${s.datagram.label} ${s.datagram.data.length}B`;
      case 'flush':
        return `flush@${s.at} ${s.gen}`;
      case 'note':
        return `note ${s.event} ${s.datagram.label}${s.detail === undefined ? '' : ` ${s.detail}`}`;
    }
  });
}

describe('resolveImpairments', () => {
  it('applies one set of defaults: 1 ms delay, 10 ms reorder delay, nothing else', () => {
    expect(resolveImpairments({}, 'x')).toEqual({
      drop: 0, duplicate: 0, delay: DEFAULT_DELAY, reorder: 0, reorderDelay: DEFAULT_REORDER_DELAY, mtu: undefined,
      truncate: false, pack: undefined, bitflip: 0, filter: undefined, inject: 0,
    });
    expect(DEFAULT_DELAY).toBe(1);
    expect(DEFAULT_REORDER_DELAY).toBe(10);
    expect(Object.isFrozen(resolveImpairments({ delay: { min: 1, max: 2 } }, 'x'))).toBe(true);
  });

  it('rejects each bad option with an error that names it', () => {
    const bad: [ImpairmentOptions<unknown>, RegExp, typeof RangeError | typeof TypeError][] = [
      [{ drop: 1.5 }, /^where: drop must be a probability/, RangeError],
      [{ duplicate: -0.1 }, /duplicate/, RangeError],
      [{ reorder: NaN }, /reorder/, RangeError],
      [{ bitflip: 2 }, /bitflip/, RangeError],
      [{ inject: 3 }, /inject must be a probability/, RangeError],
      [{ delay: -1 }, /delay must be a finite number/, RangeError],
      [{ delay: Infinity }, /delay/, RangeError],
      [{ delay: { min: 5, max: 1 } }, /delay needs min ≤ max, got delay.min 5 > delay.max 1/, RangeError],
      [{ delay: { min: -1, max: 1 } }, /delay.min/, RangeError],
      [{ reorderDelay: -5 }, /reorderDelay/, RangeError],
      [{ pack: -1 }, /pack/, RangeError],
      [{ mtu: 0 }, /mtu must be an integer in \[1, 65507\]/, RangeError],
      [{ mtu: 1.5 }, /mtu/, RangeError],
      [{ mtu: 70_000 }, /mtu/, RangeError],
      [{ truncate: 'yes' as never }, /truncate must be a boolean/, TypeError],
      [{ filter: 'drop' as never }, /filter must be a function/, TypeError],
    ];
    for (const [o, re, type] of bad) {
      expect(() => resolveImpairments(o, 'where'), JSON.stringify(o)).toThrow(type);
      expect(() => resolveImpairments(o, 'where'), JSON.stringify(o)).toThrow(re);
    }
  });
});

describe('ImpairmentLane', () => {
  it('makes exactly these drop, duplicate, delay and reorder decisions for seed 7', () => {
    const { imp, c, l } = lane({ drop: 0.3, duplicate: 0.3, reorder: 0.3, delay: { min: 1, max: 4 } }, new Prng(7), true);
    const out = Array.from({ length: 8 }, (_, i) => show(l.send(datagram(i), 100, imp, noInfo)));
    expect(out).toEqual(GOLDEN_SEED_7);
    expect(c).toMatchObject({ dropped: 3, duplicated: 1, reordered: 2 });
  });

  it('draws in the documented order: drop, duplicate, then per copy bitflip, delay, reorder', () => {
    const options = { drop: 0.2, duplicate: 0.3, bitflip: 0.3, reorder: 0.2, delay: { min: 0, max: 9 } };
    const { imp, l } = lane(options, new Prng('order'));
    const ref = new Prng('order');
    for (let i = 0; i < 300; i++) {
      const data = datagram(i & 0xff, 1 + (i % 30));
      const original = data.slice();
      const steps = l.send(data, 0, imp, noInfo);
      const expected: string[] = [];
      if (!ref.chance(options.drop)) {
        const copies = ref.chance(options.duplicate) ? 2 : 1;
        for (let k = 0; k < copies; k++) {
          const flip = ref.chance(options.bitflip) ? ref.int(original.length * 8) : -1;
          const delay = ref.int(10) + (ref.chance(options.reorder) ? DEFAULT_REORDER_DELAY : 0);
          expected.push(`${delay} ${flip}`);
        }
      }
      const got = steps.map((s) => {
        if (s.kind !== 'deliver') throw new Error(s.kind);
        const d = s.datagram.data;
        let flip = -1;
        for (let b = 0; b < d.length * 8; b++) if (((d[b >>> 3]! ^ original[b >>> 3]!) >> (b & 7)) & 1) flip = b;
        return `${s.at} ${flip}`;
      });
      expect(got, `datagram ${i}`).toEqual(expected);
    }
  });

  it('counts into the counters it is given, and notes only when asked', () => {
    const quiet = lane({ drop: 1 });
    expect(quiet.l.send(datagram(1), 0, quiet.imp, noInfo)).toEqual([]);
    expect(quiet.c.dropped).toBe(1);
    const loud = lane({ drop: 1 }, new Prng(1), true);
    expect(show(loud.l.send(datagram(1), 0, loud.imp, noInfo))).toEqual(['note drop #0']);
    expect(loud.l.index).toBe(1);
  });

  it('delivers after the default 1 ms, in order, with nothing configured', () => {
    const { imp, l } = lane({});
    expect(show([...l.send(datagram(0), 5, imp, noInfo), ...l.send(datagram(1), 5, imp, noInfo)])).toEqual([
      'deliver@6 #0 20B',
      'deliver@6 #1 20B',
    ]);
  });

  it('runs the hooks first, on the datagram as sent, before mtu', () => {
    const seen: { index: number; size: number }[] = [];
    const imp = resolveImpairments<{ index: number; data: Uint8Array }>({
      mtu: 10,
      filter: (dg) => (seen.push({ index: dg.index, size: dg.data.length }), 'pass'),
      inject: (dg) => [dg.data.subarray(0, 3)],
    }, 'test');
    const c = counters();
    const l = new ImpairmentLane<{ index: number; data: Uint8Array }>(new Prng(1), c, { notes: true });
    const steps = l.send(datagram(1, 30), 0, imp, (index, data) => ({ index, data }));
    expect(seen).toEqual([{ index: 0, size: 30 }]); // the filter saw the 30 bytes the mtu then dropped
    // The injected datagram goes out at once, after the datagram's own steps, unimpaired.
    expect(show(steps)).toEqual(['note mtu-drop #0 mtu 10', 'note inject #0/i0', 'deliver@0 #0/i0 3B']);
    expect(c).toMatchObject({ dropped: 1, injected: 1 });
  });

  it('builds what the hooks see once, and only when a hook is set', () => {
    let built = 0;
    const describe = (index: number): number => (built++, index);
    const plain = lane({});
    plain.l.send(datagram(1), 0, plain.imp, describe);
    expect(built).toBe(0);
    const hooked = lane({ filter: () => 'pass', inject: () => undefined });
    hooked.l.send(datagram(1), 0, hooked.imp, describe);
    expect(built).toBe(1);
  });

  it('obeys the filter: drop, hold back then resume, replace (an empty replacement drops)', () => {
    const verdicts = ['drop', { delay: 50 }, { replace: [datagram(8, 4), datagram(9, 5)] }, { replace: [] }] as const;
    const { imp, c, l } = lane({ filter: (i) => verdicts[i]! as never }, new Prng(1), true);
    expect(show(l.send(datagram(0), 0, imp, noInfo))).toEqual(['note filter-drop #0']);
    const held = l.send(datagram(1), 0, imp, noInfo);
    expect(show(held)).toEqual(['note filter-delay #1 50ms', 'release@50 #1 20B']);
    const release = held[1]!;
    if (release.kind !== 'release') throw new Error('no release');
    expect(show(l.resume(release.datagram, 50, imp))).toEqual(['deliver@51 #1 20B']);
    expect(show(l.send(datagram(2), 0, imp, noInfo))).toEqual([
      'note filter-replace #2 with 2 datagram(s)',
      'deliver@1 #2/r0 4B',
      'deliver@1 #2/r1 5B',
    ]);
    expect(show(l.send(datagram(3), 0, imp, noInfo))).toEqual(['note filter-replace #3 with 0 datagram(s)']);
    expect(c.dropped).toBe(2);
  });

  it('a datagram the filter drops draws nothing from the stream', () => {
    const a = lane({ drop: 0.5, filter: (i) => (i === 0 ? 'drop' : 'pass') }, new Prng('s'));
    const b = lane({ drop: 0.5 }, new Prng('s'));
    a.l.send(datagram(0), 0, a.imp, noInfo);
    const fromA = Array.from({ length: 50 }, (_, i) => a.l.send(datagram(i), 0, a.imp, noInfo).length);
    const fromB = Array.from({ length: 50 }, (_, i) => b.l.send(datagram(i), 0, b.imp, noInfo).length);
    expect(fromA).toEqual(fromB);
  });

  it('impairments at probability 0 draw nothing', () => {
    const a = lane({ drop: 0.5, duplicate: 0, reorder: 0, bitflip: 0, inject: 0 }, new Prng('z'));
    const b = lane({ drop: 0.5 }, new Prng('z'));
    for (let i = 0; i < 50; i++) expect(show(a.l.send(datagram(i), 0, a.imp, noInfo))).toEqual(show(b.l.send(datagram(i), 0, b.imp, noInfo)));
  });

  it('drops or truncates above the mtu', () => {
    const drop = lane({ mtu: 10 }, new Prng(1), true);
    expect(show(drop.l.send(datagram(1, 11), 0, drop.imp, noInfo))).toEqual(['note mtu-drop #0 mtu 10']);
    const cut = lane({ mtu: 10, truncate: true }, new Prng(1), true);
    const steps = cut.l.send(datagram(1, 11), 0, cut.imp, noInfo);
    expect(show(steps)).toEqual(['note truncate #0 11 → 10 bytes', 'deliver@1 #0 10B']);
    expect(cut.c).toMatchObject({ truncated: 1, dropped: 0 });
  });

  it('packs a window, flushes early at the mtu, and ignores a stale flush', () => {
    const { imp, c, l } = lane({ pack: 5, mtu: 50 }, new Prng(1), true);
    expect(show(l.send(datagram(1), 0, imp, noInfo))).toEqual(['flush@5 1']);
    expect(show(l.send(datagram(2), 2, imp, noInfo))).toEqual([]);
    // 20 + 20 + 20 > 50: the pack goes out now, a new window opens.
    expect(show(l.send(datagram(3), 3, imp, noInfo))).toEqual(['note pack #0+#1 2 datagrams', 'deliver@4 #0+#1 40B', 'flush@8 2']);
    expect(l.packOpen(1)).toBe(false);
    expect(l.flush(1, 5, imp)).toEqual([]);
    expect(l.packOpen(2)).toBe(true);
    expect(show(l.flush(2, 8, imp))).toEqual(['deliver@9 #2 20B']);
    expect(c.packed).toBe(1);
  });

  it('injects a forged record with probability p: the first header over a random body', () => {
    const rec = encodeRecord(22, 0xfefd, 1, 0x1234, datagram(5, 30));
    const { imp, c, l } = lane({ inject: 1 });
    const steps = l.send(rec.slice(), 0, imp, noInfo);
    const injected = steps.find((s) => s.kind === 'deliver' && s.at === 0);
    if (injected?.kind !== 'deliver') throw new Error('nothing injected');
    const forged = injected.datagram.data;
    expect(forged.subarray(0, 11)).toEqual(rec.subarray(0, 11));
    expect((forged[11]! << 8) | forged[12]!).toBe(forged.length - 13);
    expect(forged.length - 13).toBeGreaterThanOrEqual(1);
    expect(forged.length - 13).toBeLessThanOrEqual(64);
    expect(c.injected).toBe(1);
    expect(forgeRecord(datagram(1, 5), new Prng(1))).toHaveLength(5);
  });

  it('throws the adapter\'s error for an invalid hook result', () => {
    const fail = (m: string) => new SyntaxError(m);
    const bad = [{ filter: () => 'nope' }, { filter: () => ({ delay: -1 }) }, { filter: () => ({ replace: ['x'] }) }, { inject: () => 'x' }];
    for (const o of bad) {
      const l = new ImpairmentLane<number>(new Prng(1), counters(), { fail });
      expect(() => l.send(datagram(1), 0, resolveImpairments(o as never, 't'), noInfo)).toThrow(SyntaxError);
    }
  });
});

/** The decisions for seed 7, datagram by datagram (sent at t=100; delays 1 to 4 ms, +10 when reordered). */
const GOLDEN_SEED_7: string[][] = [
  ['deliver@102 #0 20B'],
  ['deliver@104 #1 20B'],
  ['note drop #2'],
  ['deliver@101 #3 20B'],
  ['note drop #4'],
  ['note reorder #5 +10ms', 'deliver@112 #5 20B'],
  ['note drop #6'],
  ['note duplicate #7\'', 'note reorder #7 +10ms', 'deliver@114 #7 20B', 'deliver@101 #7\' 20B'],
];

describe('one pipeline, two adapters', () => {
  const proxies: UdpProxy[] = [];
  const sockets: dgram.Socket[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    for (const s of sockets.splice(0)) s.close();
  });

  /** DTLS-shaped datagrams of 13 to 90 bytes. */
  const traffic = (tag: number, n: number): Uint8Array[] =>
    Array.from({ length: n }, (_, i) => encodeRecord(23, 0xfefd, 1, tag * 1000 + i, new Uint8Array((i * 7) % 78).fill(i)));
  const impairments = {
    drop: 0.2, duplicate: 0.2, bitflip: 0.2, reorder: 0.2, delay: { min: 0, max: 3 }, inject: 0.15, mtu: 60, truncate: true,
    filter: (dg: { index: number }) => (dg.index % 9 === 4 ? 'drop' : 'pass'),
  } as const;
  const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');
  const counted = (s: ImpairmentCounters) => ({
    dropped: s.dropped, duplicated: s.duplicated, reordered: s.reordered, corrupted: s.corrupted, truncated: s.truncated, injected: s.injected,
  });

  function virtual(seed: number, up: Uint8Array[], down: Uint8Array[]) {
    const client: NetAddress = { address: 'client0', port: 0 };
    const server: NetAddress = { address: 'server', port: 0 };
    const net = new VirtualNetwork({ seed, impairments });
    const atServer = new Recorder();
    const atClient = new Recorder();
    net.attach(server, atServer);
    net.attach(client, atClient);
    for (const d of up) net.send(client, server, d.slice());
    for (const d of down) net.send(server, client, d.slice());
    net.run();
    return {
      up: atServer.got.map((g) => hex(g.data)).sort(),
      down: atClient.got.map((g) => hex(g.data)).sort(),
      upStats: counted(net.stats(client, server)),
      downStats: counted(net.stats(server, client)),
    };
  }

  async function real(seed: number, up: Uint8Array[], down: Uint8Array[]) {
    const open = async (): Promise<{ socket: dgram.Socket; got: Buffer[]; peers: number[] }> => {
      const socket = dgram.createSocket('udp4');
      const got: Buffer[] = [];
      const peers: number[] = [];
      socket.on('message', (m, r) => {
        got.push(m);
        peers.push(r.port);
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      sockets.push(socket);
      return { socket, got, peers };
    };
    const send = (s: dgram.Socket, d: Uint8Array, port: number) =>
      new Promise<void>((resolve, reject) => s.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const settle = async (count: () => number) => {
      // Wait until nothing more arrives for 100 ms (delays are at most 3 + 10 ms).
      for (let last = -1; last !== count(); ) {
        last = count();
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const server = await open();
    const client = await open();
    const proxy = await startUdpProxy({
      listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: server.socket.address().port }, seed, ...impairments,
    });
    proxies.push(proxy);
    const port = proxy.address().port;
    // One datagram at a time, so the proxy takes them in this order.
    for (const d of up) await send(client.socket, d, port);
    await settle(() => server.got.length);
    // The replies go to the client's upstream socket, whose port the server saw.
    const upstream = server.peers[0];
    if (upstream === undefined) throw new Error('nothing reached the server');
    for (const d of down) await send(server.socket, d, upstream);
    await settle(() => client.got.length);
    return {
      up: server.got.map(hex).sort(),
      down: client.got.map(hex).sort(),
      upStats: counted(proxy.stats.clientToServer),
      downStats: counted(proxy.stats.serverToClient),
    };
  }

  it('gives the same decisions through the virtual network and the proxy, for the same seed and datagrams', async () => {
    const up = traffic(1, 60);
    const down = traffic(2, 60);
    const v = virtual(11, up, down);
    const r = await real(11, up, down);
    expect(r.upStats).toEqual(v.upStats);
    expect(r.downStats).toEqual(v.downStats);
    expect(r.up).toEqual(v.up);
    expect(r.down).toEqual(v.down);
    // Every impairment was exercised, each way.
    for (const s of [v.upStats, v.downStats]) for (const [k, n] of Object.entries(s)) expect(n, k).toBeGreaterThan(0);
    // And another seed decides otherwise.
    expect(virtual(12, up, down).up).not.toEqual(v.up);
  });
});
