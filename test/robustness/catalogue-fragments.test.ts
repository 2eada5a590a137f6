/**
 * ROBUSTNESS.md §2, fragmentation and reassembly (FRAG-*), on live
 * handshakes: the server's flight 4 (or the client's flight 5) is
 * re-fragmented on the wire, or crafted fragments are delivered before the
 * genuine ones. test/handshake/reassembler.test.ts checks the same rows on
 * the Reassembler alone; these check the assembled client and server.
 * FRAG-14 (MTU) is in catalogue-mtu.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REASSEMBLY_LIMITS } from '../../src/handshake/reassembler.js';
import { type Pair, assocOf, dropsOf, injectTo, internals, loggedPair } from './helpers/peers.js';
import { CLIENT_ADDR, SERVER_ADDR } from '../helpers/net.js';
import { CT, HT, type PlainMessage, concat, fragment, message, plainMessages, record, recordsOf } from './helpers/wire.js';
import { conn12, machine12 } from '../helpers/v12.js';

interface Partial { length: number; body: Uint8Array; received: number }
const partialOf = (p: Pair, seq: number): Partial | undefined =>
  (internals(p.client.conn).reasm as unknown as { partials: Map<number, Partial> }).partials.get(seq);

/** Datagrams of flight 4 the server sent again after `onFlight4` rewrote its first transmission. */
const flight4Resent = new WeakMap<Pair, { datagrams: number }>();

/**
 * Replace the first transmission of the server's flight 4 by datagrams made
 * from its messages. `rec(body)` frames a handshake record with the next
 * record sequence number. The rewrite may use more records than the
 * original, so the server's later epoch-0 records are moved past them (to
 * 200) to keep them fresh for the client's replay window.
 */
function onFlight4(p: Pair, make: (m: Record<'sh' | 'cert' | 'ske' | 'shd', PlainMessage>, rec: (body: Uint8Array) => Uint8Array) => Uint8Array[]): void {
  let done = false;
  const resent = { datagrams: 0 };
  flight4Resent.set(p, resent);
  p.net.link(SERVER_ADDR, CLIENT_ADDR, {
    filter: (d) => {
      if (d.flight === 4 && d.flightTransmission !== 0) resent.datagrams++;
      if (done || d.flight !== 4) return 'pass';
      done = true;
      const msgs = plainMessages(d.data);
      const by = (t: number) => msgs.find((m) => m.msgType === t)!;
      let seq = recordsOf(d.data)[0]!.seq;
      const rec = (body: Uint8Array) => record(CT.handshake, 0, seq++, body);
      const out = make({ sh: by(HT.server_hello), cert: by(HT.certificate), ske: by(HT.server_key_exchange), shd: by(HT.server_hello_done) }, rec);
      skipServerSeqs(p, 200);
      return { replace: out };
    },
  });
}

/** Make the server's next epoch-0 records start at `seq` (above what a test injected). */
function skipServerSeqs(p: Pair, seq: number): void {
  const c = conn12(assocOf(p).conn).records;
  if (c.currentWriteEpoch === 0 && c.nextWriteSeq(0) < seq) c.setNextWriteSeq(seq);
}

/** A fragment [from, to) of a real message. */
const part = (m: PlainMessage, from: number, to: number) => fragment(m.msgType, m.messageSeq, m.body.subarray(from, to), { length: m.body.length, offset: from });
const whole = (m: PlainMessage) => message(m.msgType, m.messageSeq, m.body);

/** The first retransmission timer (RFC 6347 §4.2.4.1: 1 s). */
const FIRST_RETRANSMISSION = 1_000;

/**
 * Both sides established before the first retransmission timer fired and,
 * when `onFlight4` rewrote flight 4, without the server sending any of it
 * again: the flight as the test delivered it was enough. (A resent flight
 * is whole and untouched, so a handshake completed by one proves nothing
 * about what the test delivered; a client missing part of flight 4 asks for
 * it early, so the time bound alone does not show that.)
 */
function completes(p: Pair): boolean {
  p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
  expect(p.net.now, 'completed before the first retransmission').toBeLessThan(FIRST_RETRANSMISSION);
  expect(flight4Resent.get(p)?.datagrams ?? 0, 'flight 4 datagrams resent').toBe(0);
  return p.client.established && p.server.established > 0;
}

/** Run until the server has sent flight 4 (its association exists), without delivering it. */
function untilServerHandshaking(p: Pair): void {
  p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
}

describe('FRAG-01 fragments of one message_seq that disagree on the total length', () => {
  it('FRAG-01 the catalogue case: A declares 100 (offset 0, 50 bytes), B declares 200 (offset 50, 150 bytes); B is dropped and nothing is written past 100', () => {
    const p = loggedPair({ client: { handshakeTimeout: 3_000 } });
    const a = fragment(HT.server_hello, 1, new Uint8Array(50).fill(0xaa), { length: 100, offset: 0 });
    const b = fragment(HT.server_hello, 1, new Uint8Array(150).fill(0xbb), { length: 200, offset: 50 });
    injectTo(p, 'client', [record(CT.handshake, 0, 1, a), record(CT.handshake, 0, 2, b)]);
    const partial = partialOf(p, 1)!;
    expect(partial.length).toBe(100);
    expect(partial.body.length).toBe(100);
    expect(partial.received).toBe(50);
    expect(Array.from(partial.body.subarray(50))).toEqual(new Array(50).fill(0));
    expect(dropsOf(p.client.events)).toContain('handshake fragment outside limits');
    // The forged first fragment sized the message: the genuine ServerHello (another length) is dropped
    // as well, so this handshake cannot complete; it ends by its deadline with a typed error, no throw.
    p.net.run({ until: () => p.client.closed, maxTime: 10_000 });
    expect(p.client.error?.code).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
  });

  it('FRAG-01 on a genuine ServerHello: an inflated-length middle fragment is dropped and the genuine fragments still complete it', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => {
      const n = sh.body.length, half = n >> 1;
      const inflated = fragment(HT.server_hello, sh.messageSeq, concat([sh.body.subarray(half), new Uint8Array(100).fill(0xee)]), { length: n + 100, offset: half });
      return [concat([rec(part(sh, 0, half)), rec(inflated), rec(part(sh, half, n)), rec(whole(cert)), rec(whole(ske)), rec(whole(shd))])];
    });
    expect(completes(p)).toBe(true);
    expect(dropsOf(p.client.events)).toContain('handshake fragment outside limits');
  });
});

describe('FRAG-03 fragments that do not fit their message or record', () => {
  const bad: [string, Uint8Array][] = [
    ['offset > length', fragment(HT.server_hello, 1, new Uint8Array(5), { length: 10, offset: 20 })],
    ['offset + fragment_length > length', fragment(HT.server_hello, 1, new Uint8Array(8), { length: 10, offset: 5 })],
    ['12 + fragment_length > record length', fragment(HT.server_hello, 1, new Uint8Array(10), { length: 100, fragmentLength: 100 })],
    ['offset near 2^24', fragment(HT.server_hello, 1, new Uint8Array(4), { length: 0xffffff, offset: 0xfffffe })],
  ];
  it.each(bad)('FRAG-03 the client drops a fragment with %s (and the rest of its record); the genuine flight completes', (_n, f) => {
    const p = loggedPair();
    injectTo(p, 'client', [record(CT.handshake, 0, 1, f)]);
    expect(dropsOf(p.client.events).some((r) => r === 'bad handshake fragment' || r === 'handshake fragment outside limits')).toBe(true);
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(0);
    expect(completes(p)).toBe(true);
  });

  it.each(bad)('FRAG-03 the server drops a fragment with %s mid-handshake; the handshake completes', (_n, f) => {
    const p = loggedPair();
    untilServerHandshaking(p);
    const g = Uint8Array.from(f);
    g[0] = HT.client_key_exchange;
    g[5] = 2; // message_seq 2: the ClientKeyExchange to come
    injectTo(p, 'server', [record(CT.handshake, 0, 30, g)]);
    expect(internals(assocOf(p).conn).reasm.bufferedBytes).toBe(0);
    expect(completes(p)).toBe(true);
  });
});

describe('FRAG-04 zero-length fragments', () => {
  it('FRAG-04 ignores 10,000 zero-length fragments of the ServerHello without growing, and completes when the real fragments follow', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => {
      const empty = fragment(HT.server_hello, sh.messageSeq, new Uint8Array(0), { length: sh.body.length, offset: 7 });
      const batch = (n: number) => rec(concat(new Array(n).fill(empty)));
      // 10 records of 1,000 empty fragments each (12 KB per record), then one at offset = length.
      const atEnd = fragment(HT.server_hello, sh.messageSeq, new Uint8Array(0), { length: sh.body.length, offset: sh.body.length });
      return [...Array.from({ length: 10 }, () => batch(1000)), rec(atEnd), concat([rec(whole(sh)), rec(whole(cert)), rec(whole(ske)), rec(whole(shd))])];
    });
    // No loop: the run ends (the next test checks that nothing grows).
    expect(completes(p)).toBe(true);
  });

  it('FRAG-04 the reassembler holds one buffer of the declared size however many empty fragments arrive', () => {
    const p = loggedPair();
    const empty = fragment(HT.server_hello, 1, new Uint8Array(0), { length: 90, offset: 3 });
    for (let i = 0; i < 10; i++) injectTo(p, 'client', [record(CT.handshake, 0, 1 + i, concat(new Array(1000).fill(empty)))]);
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(90);
    expect(partialOf(p, 1)?.received).toBe(0);
  });

  it('FRAG-04 the server ignores 10,000 empty ClientKeyExchange fragments and completes', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    const empty = fragment(HT.client_key_exchange, 2, new Uint8Array(0), { length: 33, offset: 0 });
    injectTo(p, 'server', Array.from({ length: 10 }, (_, i) => record(CT.handshake, 0, 40 + i, concat(new Array(1000).fill(empty)))));
    expect(internals(assocOf(p).conn).reasm.bufferedBytes).toBeLessThanOrEqual(33);
    expect(completes(p)).toBe(true);
  });
});

describe('FRAG-05 overlapping fragments', () => {
  it('FRAG-05 reassembles a Certificate sent as [0,100), [50,150), [0,length) and a ServerHello in three overlapping thirds', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => {
      const n = sh.body.length, c = cert.body.length;
      expect(c).toBeGreaterThan(200);
      return [concat([
        rec(part(sh, 0, n >> 1)), rec(part(sh, n >> 2, (3 * n) >> 2)), rec(part(sh, n >> 1, n)),
        rec(part(cert, 0, 100)), rec(part(cert, 50, 150)), rec(part(cert, 0, c)),
        rec(whole(ske)), rec(whole(shd)),
      ])];
    });
    expect(completes(p)).toBe(true);
  });

  it('FRAG-05 reassembles fragments delivered in reverse order, each overlapping the next', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => {
      const c = cert.body.length;
      const pieces: Uint8Array[] = [];
      for (let from = 0; from < c; from += 40) pieces.push(rec(part(cert, from, Math.min(c, from + 60))));
      return [concat([...pieces.reverse(), rec(whole(shd)), rec(whole(ske)), rec(whole(sh))])];
    });
    expect(completes(p)).toBe(true);
  });
});

describe('FRAG-08 a handshake header split across records', () => {
  it.each([1, 7, 11])('FRAG-08 a record holding only %i bytes of a handshake header is dropped, not reassembled; the handshake completes', (n) => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => [concat([rec(whole(sh).subarray(0, n)), rec(whole(sh)), rec(whole(cert)), rec(whole(ske)), rec(whole(shd))])]);
    expect(completes(p)).toBe(true);
    expect(p.client.conn.drops['truncated handshake header']).toBe(1);
  });

  it('FRAG-08 a record ending with a partial header after a whole message keeps the whole message and drops the tail', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => [concat([rec(concat([whole(sh), whole(cert).subarray(0, 5)])), rec(whole(cert)), rec(whole(ske)), rec(whole(shd))])]);
    expect(completes(p)).toBe(true);
    expect(p.client.conn.drops['truncated handshake header']).toBe(1);
  });
});

describe('FRAG-09 a huge declared length', () => {
  it.each([['ServerHello', HT.server_hello], ['Certificate', HT.certificate]])(
    'FRAG-09 a first %s fragment declaring 0xFFFFFF with a 10-byte body is dropped before any allocation; the genuine one completes', (_n, type) => {
      const p = loggedPair();
      const seq = type === HT.server_hello ? 1 : 2;
      injectTo(p, 'client', [record(CT.handshake, 0, 1, fragment(type, seq, new Uint8Array(10), { length: 0xffffff }))]);
      expect(internals(p.client.conn).reasm.bufferedBytes).toBe(0);
      expect(partialOf(p, seq)).toBeUndefined();
      expect(completes(p)).toBe(true);
    });

  it('FRAG-09 the server drops a 0xFFFFFF ClientKeyExchange or Certificate before allocating, and completes', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    injectTo(p, 'server', [record(CT.handshake, 0, 30, fragment(HT.client_key_exchange, 2, new Uint8Array(10), { length: 0xffffff })),
      record(CT.handshake, 0, 31, fragment(HT.certificate, 3, new Uint8Array(10), { length: 0xffffff }))]);
    expect(internals(assocOf(p).conn).reasm.bufferedBytes).toBe(0);
    expect(completes(p)).toBe(true);
  });

  it('FRAG-09 a length just above the limits is refused, one at the limit is buffered', () => {
    const p = loggedPair();
    injectTo(p, 'client', [record(CT.handshake, 0, 1, fragment(HT.server_hello, 1, new Uint8Array(10), { length: DEFAULT_REASSEMBLY_LIMITS.maxMessage + 1 }))]);
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(0);
    injectTo(p, 'client', [record(CT.handshake, 0, 2, fragment(HT.certificate, 2, new Uint8Array(10), { length: DEFAULT_REASSEMBLY_LIMITS.maxCertificate }))]);
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(DEFAULT_REASSEMBLY_LIMITS.maxCertificate);
  });
});

describe('FRAG-11 fragments of an already-processed message_seq', () => {
  it('FRAG-11 changed ServerHello/Certificate fragments with non-zero offsets after flight 4 are never processed again; the parameters stay', () => {
    const p = loggedPair();
    let flight4: PlainMessage[] = [];
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.flight === 4 && flight4.length === 0) flight4 = plainMessages(d.data); return 'pass'; } });
    p.net.run({ until: () => p.client.conn.handshakeState === 'expectNewSessionTicket' || p.client.conn.handshakeState === 'expectChangeCipherSpec' });
    const suite = machine12(p.client).negotiated!.suite;
    skipServerSeqs(p, 200);
    const sh = flight4.find((m) => m.msgType === HT.server_hello)!;
    const changed = Uint8Array.from(sh.body);
    changed[changed.length - 1]! ^= 0xff;
    changed[3]! ^= 0xff;
    injectTo(p, 'client', [
      record(CT.handshake, 0, 100, fragment(HT.server_hello, sh.messageSeq, changed.subarray(2), { length: changed.length, offset: 2 })),
      record(CT.handshake, 0, 101, fragment(HT.server_hello, sh.messageSeq, changed, { length: changed.length })),
      record(CT.handshake, 0, 102, fragment(HT.certificate, 2, new Uint8Array(30).fill(1), { length: 400, offset: 100 })),
    ]);
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(0);
    expect(completes(p)).toBe(true);
    expect(machine12(p.client).negotiated!.suite).toBe(suite);
  });

  it('FRAG-11 a changed ClientHello fragment with a non-zero offset after the server processed it at most triggers a retransmission', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    const a = assocOf(p);
    const suite = a.negotiated!.suite;
    const sent = p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent;
    injectTo(p, 'server', [record(CT.handshake, 0, 60, fragment(HT.client_hello, 1, new Uint8Array(40).fill(9), { length: 200, offset: 80 }))]);
    p.net.advance(1);
    expect(p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent - sent).toBeLessThanOrEqual(2);
    expect(internals(a.conn).reasm.bufferedBytes).toBe(0);
    expect(completes(p)).toBe(true);
    expect(a.negotiated!.suite).toBe(suite);
  });
});

describe('FRAG-13 several handshake messages in one record, the last one partial', () => {
  it('FRAG-13 parses the whole ones and buffers the partial one until its rest arrives', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => {
      const k = ske.body.length >> 1;
      return [rec(concat([whole(sh), whole(cert), part(ske, 0, k)])), rec(concat([part(ske, k, ske.body.length), whole(shd)]))];
    });
    let afterFirst = '';
    let n = 0;
    const check = () => {
      if (n === 0 && p.client.conn.handshakeState === 'expectServerKeyExchange') {
        afterFirst = p.client.conn.handshakeState;
        n = internals(p.client.conn).reasm.bufferedBytes;
      }
      return p.client.established && p.server.established > 0;
    };
    p.net.run({ until: check, maxTime: 10_000 });
    expect(afterFirst).toBe('expectServerKeyExchange');
    expect(n).toBeGreaterThan(0);
    expect(p.client.established).toBe(true);
    expect(p.net.now, 'completed before the first retransmission').toBeLessThan(FIRST_RETRANSMISSION);
    expect(flight4Resent.get(p)?.datagrams, 'flight 4 datagrams resent').toBe(0);
  });

  it('FRAG-13 a whole flight in a single record completes (S-26)', () => {
    const p = loggedPair();
    onFlight4(p, ({ sh, cert, ske, shd }, rec) => [rec(concat([whole(sh), whole(cert), whole(ske), whole(shd)]))]);
    expect(completes(p)).toBe(true);
  });
});
