/**
 * Requirements of ROBUSTNESS.md §1 that have no catalogue row of their own
 * but are cheap to check on the wire: S-09, S-13, S-16, S-17, S-42.
 */
import { describe, expect, it, vi } from 'vitest';
import { Transcript } from '../../src/handshake/transcript.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, type PairOptions, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { type Pair, assocOf, badFinished, injectTo, loggedPair, pskClient, pskServer, scripted } from './helpers/peers.js';
import {
  CT, DTLS10, DTLS12, EXT, HT, clientHelloOf, concat, decodeSH, forged, fragment, fragmentsOf, plainMessages, recordsOf, rewriteClientHello, te, text, withExtension,
} from './helpers/wire.js';
import { EMPTY_RENEGOTIATION_INFO_SCSV } from '../../src/crypto/suites.js';
import { conn12, machine12 } from '../helpers/v12.js';

const CA = pki('ca-bundle.pem');

function completes(p: Pair, maxTime = 10_000): boolean {
  p.net.run({ until: () => (p.client.established && p.server.established > 0) || p.client.closed, maxTime });
  return p.client.established && p.server.established > 0;
}

describe('S-13 the HelloVerifyRequest', () => {
  it.each([0, 7, 2 ** 32 + 5, 2 ** 48 - 2])('S-13 copies the ClientHello\'s record sequence number (%d) and message_seq, says 0xfeff, and is never retransmitted', (seq) => {
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR);
    const hello = client.takeOutgoing()[0]!.data.slice();
    let s = seq;
    for (let i = 10; i >= 5; i--) { hello[i] = s % 256; s = Math.floor(s / 256); }
    hello[13 + 5] = 3; // message_seq 3
    server.receive(hello, CLIENT_ADDR, 0);
    const out = server.takeOutgoing();
    expect(out).toHaveLength(1);
    const [rec] = recordsOf(out[0]!.data);
    expect(rec!.seq).toBe(seq);
    expect(rec!.epoch).toBe(0);
    expect([DTLS12, DTLS10]).toContain(rec!.version);
    const [hvr] = plainMessages(out[0]!.data);
    expect(hvr!.msgType).toBe(HT.hello_verify_request);
    expect(hvr!.messageSeq).toBe(3);
    expect((hvr!.body[0]! << 8) | hvr!.body[1]!).toBe(DTLS10);
    expect(hvr!.body[2]).toBe(32);
    expect(out[0]!.data.length).toBeLessThanOrEqual(hello.length);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
    server.onTimeout(10_000);
    expect(server.takeOutgoing()).toEqual([]);
  });
});

describe('S-16 the client and HelloVerifyRequests', () => {
  it('S-16 resends an identical ClientHello (same random, suites, extensions) with the cookie', () => {
    const p = loggedPair();
    const hellos: ReturnType<typeof clientHelloOf>[] = [];
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { hellos.push(clientHelloOf(d.data)); return 'pass'; } });
    expect(completes(p)).toBe(true);
    // The first ClientHello left on attach, before the filter: compare with a fresh client's.
    const withCookie = hellos.find((h) => h && h.hello.cookie.length > 0)!;
    expect(withCookie.messageSeq).toBe(1);
    const first = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR);
    const h0 = clientHelloOf(first.takeOutgoing()[0]!.data)!;
    expect(h0.messageSeq).toBe(0);
    expect(withCookie.hello.cipherSuites).toEqual(h0.hello.cipherSuites);
    expect(withCookie.hello.extensions.map((e) => e.type)).toEqual(h0.hello.extensions.map((e) => e.type));
  });
});

describe('S-17 the initial ClientHello and the HelloVerifyRequest stay out of the transcript', () => {
  it('S-17 neither side ever adds an HVR or a cookieless ClientHello to its transcript', () => {
    const added: { self: Transcript; type: number; seq: number; body: Uint8Array }[] = [];
    const orig = Transcript.prototype.add;
    const spy = vi.spyOn(Transcript.prototype, 'add').mockImplementation(function (this: Transcript, type: number, seq: number, body: Uint8Array) {
      added.push({ self: this, type, seq, body: body.slice() });
      return orig.call(this, type, seq, body);
    });
    try {
      const p = loggedPair();
      expect(completes(p)).toBe(true);
      expect(added.some((a) => a.type === HT.hello_verify_request)).toBe(false);
      const hellos = added.filter((a) => a.type === HT.client_hello);
      expect(hellos).toHaveLength(2); // one per side
      for (const h of hellos) {
        expect(h.seq).toBe(1);
        expect(h.body[35]).toBe(32); // cookie length (empty session_id)
      }
      // Each side's transcript starts with that ClientHello.
      const bySelf = new Map<Transcript, number[]>();
      for (const a of added) bySelf.set(a.self, [...(bySelf.get(a.self) ?? []), a.type]);
      expect([...bySelf.values()].every((types) => types[0] === HT.client_hello)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('S-42 renegotiation_info', () => {
  function observe(p: Pair) {
    const hellos: { reneg?: Uint8Array; scsv: boolean }[] = [];
    const serverHellos: (Uint8Array | undefined)[] = [];
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) hellos.push({ reneg: h.hello.extensions.find((e) => e.type === EXT.renegotiation_info)?.data, scsv: h.hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV) }); return 'pass'; } });
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { const sh = plainMessages(d.data).find((m) => m.msgType === HT.server_hello); if (sh) serverHellos.push(decodeSH(sh.body).extensions.find((e) => e.type === EXT.renegotiation_info)?.data); return 'pass'; } });
    return { hellos, serverHellos };
  }
  const emptyReneg = Uint8Array.of(0);

  it.each<[string, PairOptions]>([
    ['a certificate handshake', {}],
    ['a PSK handshake', { server: { ...pskServer, key: undefined, cert: undefined }, client: { ...pskClient } }],
  ])('S-42 in %s the client sends an empty renegotiation_info and the server echoes it', (_n, o) => {
    const p = loggedPair(o);
    const { hellos, serverHellos } = observe(p);
    expect(completes(p)).toBe(true);
    expect(hellos.length).toBeGreaterThan(0);
    for (const h of hellos) expect(h.reneg ?? h.scsv).toBeTruthy();
    for (const h of hellos) if (h.reneg) expect(Array.from(h.reneg)).toEqual([0]);
    expect(serverHellos.map((r) => r && Array.from(r))).toEqual([Array.from(emptyReneg)]);
  });

  it('S-42 a resuming client sends it too, and the abbreviated ServerHello echoes it', () => {
    const net = new VirtualNetwork({ seed: 42 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    const c1 = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR, net.now);
    net.attach({ address: '10.0.0.2', port: 7001 }, c1, { role: 'client' });
    net.run({ until: () => c1.established, maxTime: 10_000 });
    const addr = { address: '10.0.0.2', port: 7002 };
    const seen: (Uint8Array | undefined)[] = [];
    const echoed: (Uint8Array | undefined)[] = [];
    net.link(addr, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) seen.push(h.hello.extensions.find((e) => e.type === EXT.renegotiation_info)?.data); return 'pass'; } });
    net.link(SERVER_ADDR, addr, { filter: (d) => { const sh = plainMessages(d.data).find((m) => m.msgType === HT.server_hello); if (sh) echoed.push(decodeSH(sh.body).extensions.find((e) => e.type === EXT.renegotiation_info)?.data); return 'pass'; } });
    const c2 = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session: encodeClientSession(machine12(c1).session!) }, SERVER_ADDR, net.now);
    net.attach(addr, c2, { role: 'client' });
    net.run({ until: () => c2.established, maxTime: 10_000 });
    expect(machine12(c2).negotiated?.resumed).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r !== undefined && r.length === 1 && r[0] === 0)).toBe(true);
    expect(echoed.map((r) => r && Array.from(r))).toEqual([[0]]);
  });

  it('S-42 a server seeing only the SCSV still answers with an empty renegotiation_info', () => {
    const p = loggedPair({ client: { handshakeTimeout: 3_000 } });
    const { serverHellos } = observe(p);
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, cipherSuites: [...h.cipherSuites, EMPTY_RENEGOTIATION_INFO_SCSV], extensions: withExtension(h.extensions, EXT.renegotiation_info, undefined) }))] } : 'pass'),
    });
    p.net.run({ until: () => serverHellos.length > 0, maxTime: 5_000 });
    expect(serverHellos.map((r) => r && Array.from(r))).toEqual([[0]]);
  });
});

describe('S-09 no application data before the peer\'s Finished verified', () => {
  /** The client's ApplicationData (epoch 1) reaches the server ahead of the client's flight 5. */
  function earlyData(machine?: ReturnType<typeof scripted>) {
    const net = new VirtualNetwork({ seed: 9, log: true });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', handshakeTimeout: 5_000 }, SERVER_ADDR, 0, machine);
    net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => {
        if (!d.records.some((r) => r.type === CT.ccs)) return 'pass';
        const early = conn12(client.conn).records.seal(CT.appData, te.encode('early'))!;
        net.inject(CLIENT_ADDR, SERVER_ADDR, early, d.time + 1);
        return { delay: 20 };
      },
    });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ maxTime: 3_000 });
    return server;
  }

  it('S-09 with a bad Finished, ApplicationData that arrived first is never delivered', () => {
    const server = earlyData(scripted(badFinished));
    expect(server.established).toBe(0);
    expect(server.errors[0]?.alert).toBe('decrypt_error');
    expect(server.events.filter((e) => e.type === 'data')).toEqual([]);
  });

  it('S-09 with a good Finished, it is delivered once, after the secure event', () => {
    const server = earlyData();
    const kinds = server.events.filter((e) => e.type === 'secure' || e.type === 'data').map((e) => (e.type === 'data' ? `data:${text(e.data)}` : e.type));
    expect(kinds).toEqual(['secure', 'data:early']);
  });
});

describe('S-03 records that fail authentication during the handshake', () => {
  it('S-03 two forged epoch-1 records between the client\'s CCS and its Finished are dropped; the handshake completes', () => {
    const p = loggedPair();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => {
        const rs = recordsOf(d.data);
        const fin = rs.findIndex((r) => r.type === CT.handshake && r.epoch === 1);
        if (fin < 0 || d.flightTransmission !== 0) return 'pass';
        const forgedRecs = [0, 1].map((i) => forged(CT.appData, 1, 100 + i));
        return { replace: [concat([...rs.slice(0, fin).map((r) => r.raw), ...forgedRecs, ...rs.slice(fin).map((r) => r.raw)])] };
      },
    });
    expect(completes(p)).toBe(true);
    expect(p.server.errors).toEqual([]);
  });

  it('S-03 one forged epoch-1 record there is dropped too', () => {
    const p = loggedPair();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => {
        const rs = recordsOf(d.data);
        const fin = rs.findIndex((r) => r.type === CT.handshake && r.epoch === 1);
        if (fin < 0 || d.flightTransmission !== 0) return 'pass';
        return { replace: [concat([...rs.slice(0, fin).map((r) => r.raw), forged(CT.appData, 1, 100), ...rs.slice(fin).map((r) => r.raw)])] };
      },
    });
    expect(completes(p)).toBe(true);
  });
});

describe('S-30 a flight that arrives only in part', () => {
  /** Drop the `index`-th datagram (0-based) of the first transmission of `flight` in direction `dir`; log every transmission time. */
  function dropOne(p: Pair, dir: 'c2s' | 's2c', flight: number, index: number) {
    const sends: { flight: number; transmission: number; at: number }[] = [];
    let n = 0;
    const [from, to] = dir === 'c2s' ? [CLIENT_ADDR, SERVER_ADDR] : [SERVER_ADDR, CLIENT_ADDR];
    p.net.link(from, to, {
      filter: (d) => {
        if (d.flight === undefined) return 'pass';
        sends.push({ flight: d.flight, transmission: d.flightTransmission!, at: p.net.now });
        return d.flight === flight && d.flightTransmission === 0 && n++ === index ? 'drop' : 'pass';
      },
    });
    return sends;
  }

  it.each([[0], [1], [2]])('the client resends flight 3 a quarter second after flight 4 arrived without its datagram %i, and the server resends flight 4', (index) => {
    const p = loggedPair({ server: { mtu: 400 }, client: { mtu: 400 } });
    const s2c = dropOne(p, 's2c', 4, index);
    const c2s: { flight: number; at: number }[] = [];
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (d.flight === 3 ? (c2s.push({ flight: 3, at: p.net.now }), 'pass') : 'pass') });
    const t0 = p.net.now;
    expect(completes(p)).toBe(true);
    // Flight 3 twice: the first time, then early (250 ms, not the 1 s timer).
    expect(c2s).toHaveLength(2);
    expect(c2s[1]!.at - c2s[0]!.at).toBeGreaterThanOrEqual(250);
    expect(c2s[1]!.at - c2s[0]!.at).toBeLessThan(1000);
    // The server answered it with a second transmission of flight 4, and the handshake
    // finished well before the first timer would have fired.
    expect(s2c.some((s) => s.flight === 4 && s.transmission === 1)).toBe(true);
    expect(p.client.establishedAt! - t0).toBeLessThan(1000);
  });

  it('the server resends flight 4 when flight 5 arrives without one of its datagrams, and the client resends flight 5', () => {
    const p = loggedPair({ server: { mtu: 400, requestCert: true, ca: CA }, client: { mtu: 400, key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.chain.pem') } });
    const c2s = dropOne(p, 'c2s', 5, 0);
    const t0 = p.net.now;
    expect(completes(p)).toBe(true);
    expect(c2s.filter((s) => s.flight === 5 && s.transmission === 1).length).toBeGreaterThan(0);
    expect(p.client.establishedAt! - t0).toBeLessThan(1000);
  });

  it('never resends early when the flight arrives whole, however reordered or duplicated (no spurious retransmission)', () => {
    const p = loggedPair({ server: { mtu: 400 }, client: { mtu: 400 }, impairments: { duplicate: 1, reorder: 0.5 } });
    const sends: { flight: number; transmission: number }[] = [];
    p.net.linkBoth(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => (d.flight !== undefined && sends.push({ flight: d.flight, transmission: d.flightTransmission! }), 'pass') });
    expect(completes(p)).toBe(true);
    expect(sends.filter((s) => s.transmission > 0)).toEqual([]);
  });
});

describe('S-28 / S-30 / S-31 / S-32 retransmission', () => {
  /** Record epochs and handshake message_seqs per transmission of a flight. */
  function transmissions(p: Pair, dir: 'c2s' | 's2c', flight: number, dropFirst: boolean) {
    const seen: { transmission: number; records: { type: number; epoch: number; seq: number; messageSeqs: number[] }[] }[] = [];
    const [from, to] = dir === 'c2s' ? [CLIENT_ADDR, SERVER_ADDR] : [SERVER_ADDR, CLIENT_ADDR];
    p.net.link(from, to, {
      filter: (d) => {
        if (d.flight !== flight) return 'pass';
        seen.push({ transmission: d.flightTransmission!, records: recordsOf(d.data).map((r) => ({ type: r.type, epoch: r.epoch, seq: r.seq, messageSeqs: r.type === CT.handshake && r.epoch === 0 ? fragmentsOf(r).map((f) => f.messageSeq) : [] })) });
        return dropFirst && d.flightTransmission === 0 ? 'drop' : 'pass';
      },
    });
    return seen;
  }

  it('S-28 / S-32 a lost flight 4 is resent whole: the same message_seqs, fresh record sequence numbers, epoch 0', () => {
    const p = loggedPair({ server: { mtu: 400 } });
    const seen = transmissions(p, 's2c', 4, true);
    expect(completes(p)).toBe(true);
    const t0 = seen.filter((s) => s.transmission === 0).flatMap((s) => s.records);
    const t1 = seen.filter((s) => s.transmission === 1).flatMap((s) => s.records);
    expect(t0.length).toBeGreaterThan(1);
    expect(t1.map((r) => r.messageSeqs)).toEqual(t0.map((r) => r.messageSeqs));
    expect(Math.min(...t1.map((r) => r.seq))).toBeGreaterThan(Math.max(...t0.map((r) => r.seq)));
    expect(new Set([...t0, ...t1].map((r) => r.epoch))).toEqual(new Set([0]));
  });

  it('S-32 a lost flight 6 is resent with its NewSessionTicket and CCS in epoch 0 and its Finished in epoch 1', () => {
    const p = loggedPair();
    const seen = transmissions(p, 's2c', 6, true);
    expect(completes(p)).toBe(true);
    const shape = (t: number) => seen.filter((s) => s.transmission === t).flatMap((s) => s.records).map((r) => `${r.type}/e${r.epoch}`);
    expect(shape(0)).toEqual([`${CT.handshake}/e0`, `${CT.ccs}/e0`, `${CT.handshake}/e1`]);
    expect(shape(1)).toEqual(shape(0));
  });

  /** The client's Finished (message_seq 3) again, authenticated: what a client resends when flight 6 was lost. */
  const oldFinished = (p: Pair) => conn12(p.client.conn).records.seal(CT.handshake, fragment(HT.finished, 3, new Uint8Array(12)))!;
  const resends = (p: Pair, f: () => void) => {
    const before = p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent;
    f();
    p.net.run({ maxTime: 10 });
    return p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent - before;
  };

  it('S-30 the peer\'s retransmission triggers one resend of the last flight, rate-limited', () => {
    const p = loggedPair();
    expect(completes(p)).toBe(true);
    p.net.advance(1_000);
    expect(resends(p, () => injectTo(p, 'server', Array.from({ length: 10 }, () => oldFinished(p))))).toBe(1);
    p.net.advance(600);
    expect(resends(p, () => injectTo(p, 'server', [oldFinished(p)]))).toBe(1);
  });

  it('S-31 the server keeps its last flight for 240 s (2×MSL) to answer a retransmitted flight 5, then drops it', () => {
    const p = loggedPair();
    expect(completes(p)).toBe(true);
    p.net.advance(239_000);
    expect(resends(p, () => injectTo(p, 'server', [oldFinished(p)]))).toBe(1);
    p.net.advance(2_000);
    expect(resends(p, () => injectTo(p, 'server', [oldFinished(p)]))).toBe(0);
    expect(assocOf(p).conn.isEstablished).toBe(true);
  });
});
