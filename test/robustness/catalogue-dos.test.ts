/**
 * ROBUSTNESS.md §2, DoS and resources (DOS-04 … DOS-12), with structural
 * assertions (map sizes, buffered bytes, timers) instead of heap
 * measurements. DOS-01/DOS-02 are in bad-input.test.ts; DOS-14 is a soak
 * benchmark (see docs/robustness.md).
 */
import { describe, expect, it } from 'vitest';
import { nodeProvider } from '../../src/crypto/index.js';
import { CookieFactory } from '../../src/handshake/cookie.js';
import type { ClientHello } from '../../src/handshake/messages/client-hello.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { type NetAddress, VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import {
  type Pair, assocOf, badFinished, endpointInternals, injectTo, internals, loggedPair, memoChainClient, pskClient,
  pskServer, scripted,
} from './helpers/peers.js';
import { CT, HT, clientHelloOf, concat, encodeHello, forged, fragment, handshakeRecord, plainMessages, record } from './helpers/wire.js';
import { machine12 } from '../helpers/v12.js';

const CA = pki('ca-bundle.pem');
const SECRET = new Uint8Array(32).fill(0x5e);

function completes(p: Pair, maxTime = 10_000): boolean {
  p.net.run({ until: () => (p.client.established && p.server.established > 0) || p.client.closed, maxTime });
  return p.client.established && p.server.established > 0;
}

/** What a server answers to one datagram from `from` at `now`: the message types of its reply and whether it kept state. */
function answer(server: DtlsServerNode, dg: Uint8Array, from: NetAddress, now: number): { types: number[]; size: number } {
  server.receive(dg, from, now);
  const out = server.takeOutgoing();
  return { types: out.flatMap((o) => plainMessages(o.data).map((m) => m.msgType)), size: server.endpoint.size };
}

/** The client's ClientHello after it took `hvr`: its second ClientHello, with the cookie. */
function helloWithCookie(client: DtlsClientNode, server: DtlsServerNode, from: NetAddress, now: number): Uint8Array {
  server.receive(client.takeOutgoing()[0]!.data, from, now);
  const hvr = server.takeOutgoing()[0]!.data;
  client.receive(hvr, SERVER_ADDR, now);
  return client.takeOutgoing()[0]!.data;
}

/** A ClientHello datagram (message_seq 1, record seq 1) with this cookie. */
function helloDatagram(hello: ClientHello, cookie: Uint8Array): Uint8Array {
  return handshakeRecord(HT.client_hello, 1, encodeHello({ ...hello, cookie }), 1);
}

describe('DOS-04 cookie secret rotation', () => {
  const period = 60_000;
  const madeAt = 10_000; // period 0

  it.each([
    { when: 'in the same period', at: madeAt + 1, accepted: true },
    { when: 'just before the rotation', at: period - 1, accepted: true },
    { when: 'in the next period (the previous secret, inside the overlap)', at: period + 30_000, accepted: true },
    { when: 'at the end of the overlap', at: 2 * period - 1, accepted: true },
    { when: 'from before the rotation window (two periods old)', at: 2 * period, accepted: false },
    { when: 'much older', at: 10 * period, accepted: false },
  ])('DOS-04 a cookie used $when: accepted = $accepted (otherwise a fresh HVR)', ({ at, accepted }) => {
    const maker = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), cookieSecret: SECRET });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR);
    const hello = helloWithCookie(client, maker, CLIENT_ADDR, madeAt);
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), cookieSecret: SECRET });
    const r = answer(server, hello, CLIENT_ADDR, at);
    if (accepted) {
      expect(r.types).toContain(HT.server_hello);
      expect(r.size).toBe(1);
    } else {
      expect(r.types).toEqual([HT.hello_verify_request]);
      expect(r.size).toBe(0);
    }
  });
});

describe('DOS-05 odd cookies', () => {
  it.each([['32 bytes of 0xFF', 32], ['255 bytes of 0xFF', 255], ['no cookie', 0], ['one byte', 1]])('DOS-05 the server answers a ClientHello carrying %s with a fresh HVR and keeps no state', (_n, len) => {
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR);
    const h = clientHelloOf(client.takeOutgoing()[0]!.data)!;
    const r = answer(server, helloDatagram(h.hello, new Uint8Array(len).fill(0xff)), CLIENT_ADDR, 0);
    expect(r.types).toEqual([HT.hello_verify_request]);
    expect(r.size).toBe(0);
  });

  const hvr = (cookie: Uint8Array, messageSeq = 0, recordSeq = 0) => handshakeRecord(HT.hello_verify_request, messageSeq, concat([Uint8Array.of(0xfe, 0xff, cookie.length), cookie]), recordSeq);

  it.each([0, 1, 32, 255])('DOS-05 the client answers an HVR with a %i-byte cookie with the same ClientHello carrying that cookie', (len) => {
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR);
    const first = clientHelloOf(client.takeOutgoing()[0]!.data)!;
    const cookie = new Uint8Array(len).map((_, i) => i);
    client.receive(hvr(cookie), SERVER_ADDR, 0);
    expect(client.closed).toBe(false);
    const out = client.takeOutgoing();
    expect(out).toHaveLength(1);
    const second = clientHelloOf(out[0]!.data)!;
    expect(Array.from(second.hello.cookie)).toEqual(Array.from(cookie));
    expect(Buffer.from(second.hello.random).equals(Buffer.from(first.hello.random))).toBe(true);
    expect(second.hello.cipherSuites).toEqual(first.hello.cipherSuites);
  });

  it('DOS-05 the client copes with repeated HVRs (each answered once, the last cookie wins) and then completes', () => {
    const p = loggedPair();
    const cookies: number[] = [];
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) cookies.push(h.hello.cookie.length); return 'pass'; } });
    // As a server would send them: each HVR answers the ClientHello before it (message_seq 0, then 1).
    injectTo(p, 'client', [hvr(new Uint8Array(255).fill(1), 0, 0)]);
    injectTo(p, 'client', [hvr(new Uint8Array(0), 1, 1)]);
    expect(completes(p)).toBe(true);
    // 255, then 0 (both invalid: fresh HVRs), then the server's real 32-byte cookie.
    expect(cookies).toContain(255);
    expect(cookies).toContain(0);
    expect(cookies[cookies.length - 1]).toBe(32);
  });
});

describe('DOS-06 resumption ClientHellos from unverified addresses', () => {
  function withSession() {
    const net = new VirtualNetwork({ seed: 6 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    const c1 = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR, net.now);
    net.attach({ address: '10.0.0.2', port: 8001 }, c1, { role: 'client' });
    net.run({ until: () => c1.established, maxTime: 10_000 });
    expect(c1.established).toBe(true);
    return { net, server, session: encodeClientSession(machine12(c1).session!) };
  }

  it('DOS-06 a genuine resuming client first gets an HVR, and the abbreviated flight only after its cookie', () => {
    const { net, server, session } = withSession();
    const addr = { address: '10.0.0.3', port: 8002 };
    const replies: number[][] = [];
    net.link(SERVER_ADDR, addr, { filter: (d) => { replies.push(plainMessages(d.data).map((m) => m.msgType)); return 'pass'; } });
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session }, SERVER_ADDR, net.now);
    net.attach(addr, c, { role: 'client' });
    net.run({ until: () => c.established, maxTime: 10_000 });
    expect(machine12(c).negotiated?.resumed).toBe(true);
    expect(replies[0]).toEqual([HT.hello_verify_request]);
    void server;
  });

  it('DOS-06 resumption ClientHellos (known, unknown or mismatched session) from 100 spoofed addresses get only HVRs, never more bytes than they sent', () => {
    const { server, session } = withSession();
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session }, SERVER_ADDR);
    const known = c.takeOutgoing()[0]!.data;
    const h = clientHelloOf(known)!;
    const variants = [
      known,
      helloDatagram({ ...h.hello, sessionId: new Uint8Array(32).fill(9), extensions: h.hello.extensions.filter((e) => e.type !== 35) }, new Uint8Array(0)),
      helloDatagram({ ...h.hello, cipherSuites: [0xc02c] }, new Uint8Array(0)),
      // With a cookie made for another address.
      helloDatagram(h.hello, new Uint8Array(32).fill(1)),
    ];
    const size0 = server.endpoint.size;
    let bytesIn = 0, bytesOut = 0;
    for (let i = 0; i < 100; i++) {
      const dg = variants[i % variants.length]!;
      bytesIn += dg.length;
      server.receive(dg, { address: `10.99.0.${i}`, port: 1000 + i }, 1000);
      for (const o of server.takeOutgoing()) {
        bytesOut += o.data.length;
        expect(plainMessages(o.data).map((m) => m.msgType)).toEqual([HT.hello_verify_request]);
      }
    }
    expect(server.endpoint.size).toBe(size0);
    expect(bytesOut).toBeLessThanOrEqual(bytesIn);
  });

  it('DOS-06 a resuming ClientHello carrying the cookie of another address gets an HVR, not the abbreviated flight', () => {
    const { server, session } = withSession();
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session }, SERVER_ADDR);
    const withCookie = helloWithCookie(c, server, { address: '10.0.0.4', port: 8004 }, 1000);
    const r = answer(server, withCookie, { address: '10.66.6.6', port: 8004 }, 1000);
    expect(r.types).toEqual([HT.hello_verify_request]);
  });
});

describe('DOS-07 verified ClientHellos that never continue', () => {
  function verifiedHellos(server: DtlsServerNode) {
    const factory = new CookieFactory(nodeProvider, SECRET);
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ...pskClient }, SERVER_ADDR);
    const hello = clientHelloOf(client.takeOutgoing()[0]!.data)!.hello;
    return (from: NetAddress, now: number) => {
      const dg = helloDatagram(hello, factory.make(from.address, from.port, hello, now));
      server.endpoint.receive(dg, from.address, from.port, now);
      server.endpoint.takeTransmits();
      server.endpoint.takeEvents();
    };
  }
  const pskOnly = { ...pskServer, cookieSecret: SECRET, crypto: nodeProvider };

  it('DOS-07 10,000 from 10,000 addresses: at most maxHandshakes (1,000) kept, the oldest evicted, nothing left after handshakeTimeout', () => {
    const server = new DtlsServerNode(pskOnly);
    const send = verifiedHellos(server);
    const addr = (i: number) => ({ address: `10.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 40000 + (i % 1000) });
    let peak = 0;
    for (let i = 0; i < 10_000; i++) {
      send(addr(i), 1_000);
      peak = Math.max(peak, server.endpoint.handshakeCount);
    }
    expect(peak).toBe(1_000);
    expect(server.endpoint.handshakeCount).toBe(1_000);
    expect(server.endpoint.size).toBe(1_000);
    expect(server.endpoint.stats.evicted).toBe(9_000);
    expect(server.endpoint.get(addr(0).address, addr(0).port)).toBeUndefined();
    expect(server.endpoint.get(addr(8_999).address, addr(8_999).port)).toBeUndefined();
    expect(server.endpoint.get(addr(9_000).address, addr(9_000).port)).toBeDefined();
    expect(server.endpoint.get(addr(9_999).address, addr(9_999).port)).toBeDefined();
    // Each kept handshake holds nothing beyond its own state: no reassembly buffers.
    for (const a of server.endpoint.associations()) expect(internals(a.conn).reasm.bufferedBytes).toBe(0);
    server.endpoint.handleTimeout(1_000 + 30_000);
    server.endpoint.takeTransmits();
    server.endpoint.takeEvents();
    expect(server.endpoint.size).toBe(0);
    expect(server.endpoint.handshakeCount).toBe(0);
    expect(endpointInternals(server.endpoint).perAddress.size).toBe(0);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
  });

  it('DOS-07 from one address: at most maxHandshakesPerAddress (100) kept, the rest dropped', () => {
    const server = new DtlsServerNode(pskOnly);
    const send = verifiedHellos(server);
    for (let port = 1; port <= 250; port++) send({ address: '10.44.0.1', port }, 1_000);
    expect(server.endpoint.handshakeCount).toBe(100);
    expect(server.endpoint.stats.dropped).toBeGreaterThanOrEqual(150);
    expect(endpointInternals(server.endpoint).perAddress.get('10.44.0.1')).toBe(100);
    server.endpoint.handleTimeout(1_000 + 30_000);
    expect(endpointInternals(server.endpoint).perAddress.size).toBe(0);
    expect(server.endpoint.size).toBe(0);
  });

  it('DOS-07 a custom maxHandshakes of 10 evicts in arrival order', () => {
    const server = new DtlsServerNode({ ...pskOnly, maxHandshakes: 10 });
    const send = verifiedHellos(server);
    for (let i = 0; i < 25; i++) send({ address: `10.45.0.${i}`, port: 5000 }, 1_000 + i);
    expect(server.endpoint.handshakeCount).toBe(10);
    expect([...server.endpoint.associations()].map((a) => a.address)).toEqual(Array.from({ length: 10 }, (_, i) => `10.45.0.${15 + i}`));
  });
});

describe('DOS-08 many message_seqs, each a partial message declaring 64 KB', () => {
  const partial = (type: number, seq: number, length: number) => fragment(type, seq, new Uint8Array(10).fill(seq), { length });

  it('DOS-08 the server keeps at most maxHandshakeBytes (96 KiB) buffered, drops the rest, and frees everything when the handshake ends', () => {
    const p = loggedPair({ server: { handshakeTimeout: 5_000 } });
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    const conn = assocOf(p).conn;
    let peak = 0;
    for (let seq = 3; seq < 200; seq++) {
      injectTo(p, 'server', [record(CT.handshake, 0, 20 + seq, partial(HT.certificate, seq, 65_536))]);
      peak = Math.max(peak, internals(conn).reasm.bufferedBytes);
    }
    for (let seq = 3; seq < 10; seq++) {
      injectTo(p, 'server', [record(CT.handshake, 0, 300 + seq, partial(HT.client_key_exchange, seq, 16_384))]);
      peak = Math.max(peak, internals(conn).reasm.bufferedBytes);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(96 * 1024);
    expect(conn.drops['handshake fragment outside limits']).toBeGreaterThan(150);
    p.net.run({ until: () => conn.isClosed, maxTime: 30_000 });
    expect(conn.isClosed).toBe(true);
    expect(internals(conn).reasm.bufferedBytes).toBe(0);
    expect(p.server.endpoint.size).toBe(0);
  });

  it('DOS-08 a lower maxHandshakeBytes (20,000) holds too', () => {
    const p = loggedPair({ server: { maxHandshakeBytes: 20_000 } });
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    const conn = assocOf(p).conn;
    for (let seq = 3; seq < 9; seq++) injectTo(p, 'server', [record(CT.handshake, 0, 20 + seq, partial(HT.client_key_exchange, seq, 9_000))]);
    expect(internals(conn).reasm.bufferedBytes).toBe(18_000);
  });

  it('DOS-08 the client is bounded the same way', () => {
    const p = loggedPair({ client: { handshakeTimeout: 3_000 } });
    let peak = 0;
    for (let seq = 1; seq < 100; seq++) {
      injectTo(p, 'client', [record(CT.handshake, 0, 1 + seq, partial(HT.certificate, seq, 65_536))]);
      peak = Math.max(peak, internals(p.client.conn).reasm.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(96 * 1024);
    p.net.run({ until: () => p.client.closed, maxTime: 10_000 });
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(0);
  });
});

describe('DOS-09 a flood of next-epoch records before the handshake completes', () => {
  it('DOS-09 the server buffers at most 32, each sequence number once, and frees them; the handshake completes', () => {
    const p = loggedPair();
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    const conn = assocOf(p).conn;
    const flood = [...Array.from({ length: 10 }, () => forged(CT.appData, 1, 5)), ...Array.from({ length: 100 }, (_, i) => forged(CT.handshake, 1, i))];
    injectTo(p, 'server', flood);
    const fut = internals(conn).futureRecords;
    expect(fut.length).toBe(32);
    expect(fut.filter((r) => r.seq === 5)).toHaveLength(1);
    expect(new Set(fut.map((r) => r.seq)).size).toBe(32);
    expect(completes(p)).toBe(true);
    expect(internals(conn).futureRecords).toHaveLength(0);
  });

  it('DOS-09 the client does the same while it waits for the server\'s last flight', () => {
    const p = loggedPair();
    p.net.run({ until: () => p.client.conn.handshakeState === 'expectNewSessionTicket' });
    injectTo(p, 'client', Array.from({ length: 100 }, (_, i) => forged(CT.appData, 1, i % 50)));
    expect(internals(p.client.conn).futureRecords.length).toBe(32);
    expect(completes(p)).toBe(true);
    expect(internals(p.client.conn).futureRecords).toHaveLength(0);
    expect(p.client.received).toEqual([]);
  });

  it('DOS-09 the buffered records are freed when the handshake fails too', () => {
    const p = loggedPair({ server: { handshakeTimeout: 3_000 }, clientToServer: { filter: (d) => (d.flight === 5 ? 'drop' : 'pass') } });
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    const conn = assocOf(p).conn;
    injectTo(p, 'server', Array.from({ length: 40 }, (_, i) => forged(CT.appData, 1, i)));
    expect(internals(conn).futureRecords.length).toBe(32);
    p.net.run({ until: () => conn.isClosed, maxTime: 10_000 });
    expect(internals(conn).futureRecords).toHaveLength(0);
    expect(p.server.endpoint.size).toBe(0);
  });
});

describe('DOS-10 out-of-order future messages', () => {
  it('DOS-10 a 2048-bit RSA flight 4 in ~15 fragments delivered in reverse order completes, and every buffer is empty afterwards', () => {
    let datagrams = 0;
    const p = loggedPair({
      cert: 'rsa2048', server: { mtu: 150 },
      serverToClient: { filter: (d) => (d.flight === 4 && d.flightTransmission === 0 ? (datagrams++, { delay: 200 - 10 * d.flightDatagram! }) : 'pass') },
    });
    expect(completes(p)).toBe(true);
    expect(datagrams).toBeGreaterThanOrEqual(10);
    expect(p.net.now).toBeLessThan(1_000); // no retransmission was needed
    for (const c of [p.client.conn, assocOf(p).conn]) {
      expect(internals(c).reasm.bufferedBytes).toBe(0);
      expect(internals(c).futureRecords).toHaveLength(0);
      expect(internals(c).earlyData).toHaveLength(0);
    }
  });

  it('DOS-10 15 injected future messages are held only inside the window and freed when the handshake ends', () => {
    const p = loggedPair({ client: { handshakeTimeout: 4_000 } });
    p.net.run({ until: () => p.client.conn.handshakeState === 'expectNewSessionTicket' });
    injectTo(p, 'client', Array.from({ length: 15 }, (_, i) => handshakeRecord(HT.certificate_request, 7 + i, new Uint8Array(40).fill(i), 20 + i)));
    const buffered = internals(p.client.conn).reasm.bufferedBytes;
    expect(buffered).toBeGreaterThan(0);
    expect(buffered).toBeLessThanOrEqual(6 * 40);
    p.net.run({ until: () => p.client.established || p.client.closed, maxTime: 10_000 });
    expect(internals(p.client.conn).reasm.bufferedBytes).toBe(0);
  });
});

describe('DOS-12 a thousand failed handshakes, then a good one', () => {
  it('DOS-12 after 1,000 handshakes failing at four different points, no state, counter or timer is left, and the next handshake succeeds', () => {
    const net = new VirtualNetwork({ seed: 12 });
    // A thousand clients start at the same instant: no hello rate limit here (it has its own tests).
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), handshakeTimeout: 10_000, maxHelloRate: 0 });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    const memo = memoChainClient(), memoWrongName = memoChainClient(), badFin = scripted(badFinished, { memo: true });
    const clients: DtlsClientNode[] = [];
    const kinds = ['bad Finished', 'bad certificate (wrong name)', 'no shared cipher', 'timeout (flight 5 lost)'] as const;
    for (let i = 0; i < 1_000; i++) {
      const kind = kinds[i % 4]!;
      const addr = { address: `10.${60 + (i >> 8)}.${i & 255}.1`, port: 20_000 + i };
      const opts = { maxVersion: 'DTLSv1.2' as const, ca: CA, servername: kind === 'bad certificate (wrong name)' ? 'wrong.example' : 'localhost', handshakeTimeout: 10_000,
        ...(kind === 'no shared cipher' && { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }) };
      const c = new DtlsClientNode(opts, SERVER_ADDR, net.now, kind === 'bad Finished' ? badFin : kind === 'bad certificate (wrong name)' ? memoWrongName : memo);
      if (kind === 'timeout (flight 5 lost)') net.link(addr, SERVER_ADDR, { filter: (d) => (d.records.some((r) => r.type === CT.ccs) ? 'drop' : 'pass') });
      net.attach(addr, c, { role: 'client' });
      clients.push(c);
    }
    net.run({ maxTime: 60_000 });
    expect(server.established).toBe(0);
    expect(clients.every((c) => c.closed && !c.established)).toBe(true);
    expect(server.errors.length).toBe(1_000);
    const codes = new Set(server.errors.map((e) => e.code));
    expect(codes).toEqual(new Set(['ERR_DTLS_BAD_FINISHED', 'ERR_DTLS_ALERT_RECEIVED', 'ERR_DTLS_NO_SHARED_CIPHER', 'ERR_DTLS_HANDSHAKE_TIMEOUT']));
    expect(server.endpoint.size).toBe(0);
    expect(server.endpoint.handshakeCount).toBe(0);
    expect(endpointInternals(server.endpoint).perAddress.size).toBe(0);
    expect(endpointInternals(server.endpoint).timers.size).toBe(0);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
    const good = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR, net.now);
    net.attach({ address: '10.99.99.99', port: 9999 }, good, { role: 'client' });
    net.run({ until: () => good.established && server.established === 1, maxTime: 10_000 });
    expect(good.established).toBe(true);
    expect(server.endpoint.size).toBe(1);
  });
});
