/**
 * The server endpoint's deadlines (src/endpoint/timer-heap.ts): the heap
 * order, the rebuild without stale entries, and the endpoint-level property
 * it exists for: a closed association is not kept reachable by the entry of
 * its last deadline (after the handshake, its idle timeout: ten minutes).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import { ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
import { DeadlineQueue, TimerHeap } from '../../src/endpoint/timer-heap.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';
import { Prng } from '../../src/testing/prng.js';
import { SERVER_ADDR } from '../helpers/net.js';
import { PSK_IDENTITY, PSK_KEY } from '../robustness/helpers/peers.js';

function drain<T>(h: TimerHeap<T>): number[] {
  const out: number[] = [];
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(e.time);
  return out;
}

describe('TimerHeap', () => {
  it('pops in deadline order, after pushes and after retain', () => {
    const rng = new Prng(7);
    const h = new TimerHeap<number>();
    const times = Array.from({ length: 500 }, () => rng.int(10_000));
    times.forEach((t, i) => h.push(t, i));
    h.retain((t, i) => i % 3 !== 0 && t !== 42);
    const kept = times.filter((t, i) => i % 3 !== 0 && t !== 42);
    expect(h.size).toBe(kept.length);
    expect(drain(h)).toEqual([...kept].sort((a, b) => a - b));
  });

  it('retain keeps each kept time with its own item', () => {
    const h = new TimerHeap<string>();
    for (let i = 0; i < 100; i++) h.push(1000 - i, `item ${1000 - i}`);
    h.retain((t) => t % 2 === 0);
    for (let e = h.pop(); e !== undefined; e = h.pop()) expect(e.item).toBe(`item ${e.time}`);
  });
});

interface Item { scheduled: number | undefined; id: number; alive: boolean }
const item = (id: number): Item => ({ scheduled: undefined, id, alive: true });

describe('DeadlineQueue', () => {
  it('hands out each live item once, at its earliest deadline; later deadlines add no entry', () => {
    const q = new DeadlineQueue<Item>((i) => i.alive);
    const a = item(1), b = item(2);
    q.schedule(a, 500);
    q.schedule(a, 900); // later: the entry for 500 stands
    q.schedule(b, 300);
    q.schedule(b, 100); // earlier: a new entry, the one for 300 is stale
    expect(q.size).toBe(3);
    expect(q.takeDue(99)).toBeUndefined();
    expect(q.takeDue(1000)).toBe(b);
    expect(b.scheduled).toBeUndefined();
    expect(q.takeDue(1000)).toBe(a); // b's stale entry for 300 is skipped
    expect(q.takeDue(1000)).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('skips items that are no longer live, and forgotten ones', () => {
    const q = new DeadlineQueue<Item>((i) => i.alive);
    const a = item(1), b = item(2), c = item(3);
    q.schedule(a, 10);
    q.schedule(b, 20);
    q.schedule(c, 30);
    a.alive = false;
    q.forget(b);
    expect(b.scheduled).toBeUndefined();
    expect(q.takeDue(100)).toBe(c);
    expect(q.takeDue(100)).toBeUndefined();
  });

  it('forgotten items do not pile up: stale entries stay under about half the heap', () => {
    const q = new DeadlineQueue<Item>((i) => i.alive);
    const live = Array.from({ length: 100 }, (_, i) => item(i));
    live.forEach((it, i) => q.schedule(it, 600_000 + i));
    for (let n = 0; n < 10_000; n++) {
      const gone = item(1000 + n);
      q.schedule(gone, 600_000 + n); // a connection's idle deadline, ten minutes away
      gone.alive = false;
      q.forget(gone);
      expect(q.size).toBeLessThanOrEqual(2 * 100 + 16 + 2);
    }
    // Every live item is still handed out, in order.
    const out: number[] = [];
    for (let it = q.takeDue(Infinity); it !== undefined; it = q.takeDue(Infinity)) out.push(it.id);
    expect(out).toEqual(live.map((it) => it.id));
  });

  it('an item moved earlier many times leaves no more than a bounded number of stale entries', () => {
    const q = new DeadlineQueue<Item>((i) => i.alive);
    const a = item(1);
    for (let t = 1_000_000; t > 0; t -= 10) q.schedule(a, t);
    expect(q.size).toBeLessThanOrEqual(18);
    expect(q.takeDue(Infinity)).toBe(a);
    expect(a.scheduled).toBeUndefined();
    expect(q.takeDue(Infinity)).toBeUndefined();
  });
});

/** A full garbage collection from inside a test worker (which has no `gc`). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
}

describe('ServerEndpoint: closed associations are released', () => {
  it('300 handshakes closed by their clients: none of their connections stays reachable (their idle deadlines are ten minutes away)', async () => {
    const ep = new ServerEndpoint(resolveServerConfig({ pskCallback: (id: string) => (id === PSK_IDENTITY ? PSK_KEY : null), ciphers: 'PSK-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256', maxHelloRate: 0 }).config);
    const refs: WeakRef<object>[] = [];
    const ADDR = '10.0.0.9';
    for (let i = 0; i < 300; i++) {
      const port = 20_000 + i;
      // Both versions: DTLS 1.2 and DTLS 1.3 associations alike.
      const c = new DtlsClientNode({ psk: { identity: PSK_IDENTITY, key: PSK_KEY }, ciphers: 'PSK-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256', ...(i % 2 === 0 && { maxVersion: 'DTLSv1.2' }) }, SERVER_ADDR, 0);
      for (let round = 0; round < 20; round++) {
        const out = c.takeOutgoing();
        for (const d of out) ep.receive(d.data, ADDR, port, 0);
        const back = ep.takeTransmits();
        for (const t of back) c.receive(t.data, SERVER_ADDR, 0);
        ep.takeEvents();
        if (out.length === 0 && back.length === 0) break;
      }
      expect(c.established, `handshake ${i}`).toBe(true);
      const assoc = ep.get(ADDR, port)!;
      expect(assoc.scheduled, 'the association has a deadline queued').toBeDefined();
      refs.push(new WeakRef(assoc.conn));
      c.endpoint.close(c.endpoint.assoc, 0);
      const bye = c.endpoint.takeTransmits();
      expect(bye.length, 'close_notify').toBeGreaterThan(0);
      for (const d of bye) ep.receive(d.data, ADDR, port, 0);
      ep.takeTransmits();
      ep.takeEvents();
      expect(ep.get(ADDR, port), `association ${i} closed`).toBeUndefined();
    }
    expect(ep.size).toBe(0);
    // A WeakRef's target stays alive until the job that made it ends: collect in a later one.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    const reachable = refs.filter((r) => r.deref() !== undefined).length;
    // Without the rebuild every one stays reachable from its entry; with it, at most the
    // stale entries below the rebuild threshold (16) and the last few.
    expect(reachable).toBeLessThanOrEqual(20);
  });
});
