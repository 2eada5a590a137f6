/**
 * ROBUSTNESS.md §2 network faults for DTLS 1.3 (RFC 9147 §5.8, §7), both
 * crypto providers, on the virtual-clock network: acknowledgements make a
 * lost datagram cost only itself (§7.3: partial ACK, resend what is missing),
 * the ACK timer of a half-received flight fires (§7.1), every single lost
 * datagram is repaired within one retransmission timer (NET-02),
 * duplication (NET-04), "3d" impairment (NET-05), reordering (NET-06), the
 * retransmission schedule and deadline (NET-09), and a lost last flight
 * while application data arrives (NET-10). The random-loss measurement is
 * dtls13-loss.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { DatagramInfo, Impairments } from '../../src/testing/network.js';
import { pki } from '../helpers/pki.js';
import {
  CLIENT_ADDR, PROVIDERS13, type Pair13, RecordTap, SERVER_ADDR, type Tapped, ackOnly, conn13, fragmentsIn, handshake13, pair13, serverConn13, typesOf,
} from './helpers/dtls13.js';

const te = new TextEncoder();
const RSA_MTU = 900;

/** RSA chain + client auth at MTU 900: the server's flight and the client's each take three datagrams. */
function rsaPair(provider: CryptoProvider, impairments: Impairments, seed = 1): Pair13 {
  return pair13({
    seed, provider, impairments,
    server: { key: pki('server-rsa2048.key.pem'), cert: pki('server-rsa2048.chain.pem'), ca: pki('ca-bundle.pem'), requestCert: true, rejectUnauthorized: true, mtu: RSA_MTU },
    client: { key: pki('client-rsa.key.pem'), cert: pki('client-rsa.chain.pem'), mtu: RSA_MTU },
  });
}

/** Drop the datagram of one direction whose per-direction index is `index` (first transmission only: indexes are per datagram sent). */
function dropOne(fromServer: boolean, index: number, tap: RecordTap): Impairments {
  return {
    filter: (dg: DatagramInfo) => {
      tap.filter(dg);
      const isServer = dg.from.address === SERVER_ADDR.address && dg.from.port === SERVER_ADDR.port;
      return isServer === fromServer && dg.index === index ? 'drop' : 'pass';
    },
  };
}

/** Every handshake fragment sent, named with its sender: a retransmission repeats one. */
const sentFragments = (list: readonly Tapped[]) => list.flatMap((d) => fragmentsIn(d).map((f) => `${d.fromServer ? 'server' : 'client'} ${f}`));

describe.each(PROVIDERS13)('DTLS 1.3 under datagram loss (%s)', (_name, provider) => {
  it('§7.1: a server that received part of the client\'s flight acknowledges it a quarter timer later, and only the missing part is resent', () => {
    const tap = new RecordTap();
    // Client datagrams: #0 ClientHello, #1 ClientHello with the cookie, #2-#4 its Certificate, CertificateVerify, Finished.
    const p = rsaPair(provider, dropOne(false, 4, tap));
    expect(handshake13(p)).toBe(true);
    tap.close();
    const lost = tap.datagrams.filter((d) => !d.fromServer)[4]!;
    expect(fragmentsIn(lost)).toContain('finished@0+32');
    // The server's ACK timer fired a quarter of the initial 1 s timer after the partial flight ...
    const acks = tap.from('server').filter(ackOnly);
    expect(acks.length).toBeGreaterThanOrEqual(1);
    expect(acks[0]!.time - lost.time).toBeGreaterThanOrEqual(250);
    expect(acks[0]!.time - lost.time).toBeLessThan(300);
    // ... the server never resent its own flight (the client's answer acknowledged it) ...
    expect(tap.from('server', lost.time + 1).flatMap(fragmentsIn).filter((f) => !f.startsWith('new_session_ticket'))).toEqual([]);
    // ... and the client resent only what the lost datagram carried, right after the ACK.
    const resent = tap.from('client', acks[0]!.time).filter((d) => !ackOnly(d));
    expect(resent.flatMap(fragmentsIn)).toEqual(fragmentsIn(lost));
    expect(p.net.now - lost.time).toBeLessThan(300);
  });

  it('§7.3: an ACK that leaves a gap in the server\'s flight makes it resend exactly the missing datagram, at once', () => {
    const tap = new RecordTap();
    // Server datagrams: #0 HelloRetryRequest, #1-#3 its flight (ServerHello ... Finished).
    const p = rsaPair(provider, dropOne(true, 2, tap));
    expect(handshake13(p)).toBe(true);
    tap.close();
    const lost = tap.from('server')[2]!;
    const clientAck = tap.from('client').find(ackOnly)!;
    expect(clientAck.time - lost.time).toBeGreaterThanOrEqual(250);
    const resent = tap.from('server', clientAck.time).filter((d) => d.records.some((r) => r.fragments?.some((f) => f.message !== 'new_session_ticket')));
    expect(resent.map((d) => d.time)).toEqual([clientAck.time + 1]);
    expect(resent.flatMap(fragmentsIn)).toEqual(fragmentsIn(lost));
    expect(p.net.now).toBeLessThan(1_000);
  });

  it('NET-02: every single lost datagram of the handshake, either direction, is repaired within one retransmission timer', () => {
    // The loss-free handshake: how many datagrams each side sends until both are done (and the ACKs after).
    const tap = new RecordTap();
    const clean = rsaPair(provider, { filter: tap.filter });
    expect(handshake13(clean)).toBe(true);
    clean.net.run({ maxTime: 100 });
    tap.close();
    const counts = { server: tap.from('server').length, client: tap.from('client').length };
    for (const side of ['server', 'client'] as const) {
      for (let i = 0; i < counts[side]; i++) {
        const t = new RecordTap();
        const p = rsaPair(provider, dropOne(side === 'server', i, t));
        const done = handshake13(p);
        t.close();
        expect(done, `${side} datagram #${i} lost`).toBe(true);
        expect(p.net.now, `${side} datagram #${i} lost: done at ${p.net.now} ms`).toBeLessThan(1_100);
        // Data flows both ways afterwards.
        p.client.send(te.encode('after'), p.net.now);
        p.net.run({ until: () => p.client.received.length > 0, maxTime: 5_000 });
        expect(p.client.received.map((m) => Buffer.from(m).toString()), `${side} datagram #${i} lost`).toEqual(['after']);
      }
    }
  });

  it('NET-04: every datagram duplicated: completes without a retransmission, duplicates dropped as replays', () => {
    const tap = new RecordTap();
    const p = pair13({ provider, impairments: { duplicate: 1, filter: tap.filter } });
    expect(handshake13(p)).toBe(true);
    p.client.send(te.encode('once'), p.net.now);
    p.net.run({ maxTime: 5_000 });
    tap.close();
    expect(p.net.now).toBeGreaterThan(4_000);
    // Nothing was sent twice by a node (no retransmission) but the stateless HelloRetryRequest, which answers each copy of the first ClientHello ...
    const frags = sentFragments(tap.datagrams.filter((d) => !(d.fromServer && d.records[0]?.epoch === 0 && d.records[0].seq === 0)));
    expect(new Set(frags).size).toBe(frags.length);
    expect(tap.from('server').filter((d) => d.records[0]?.epoch === 0 && d.records[0].seq === 0)).toHaveLength(2);
    // ... the application data arrived once each way, and the copies were dropped.
    expect(p.client.received.map((m) => Buffer.from(m).toString())).toEqual(['once']);
    expect([...p.server.received.values()].flat().length).toBe(1);
    expect(serverConn13(p).drops['replayed or too old record']).toBeGreaterThan(0);
  });

  it('NET-05 "3d": drop, delay and duplicate each 1 in 5, 50 seeds: completes and data is exchanged', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const p = pair13({ seed, provider, impairments: { drop: 0.2, duplicate: 0.2, reorder: 0.2, reorderDelay: 40, delay: { min: 1, max: 30 } }, server: { handshakeTimeout: 60_000 }, client: { handshakeTimeout: 60_000 } });
      expect(handshake13(p), `seed ${seed}`).toBe(true);
      let got = false;
      for (let attempt = 0; attempt < 30 && !got; attempt++) {
        p.client.send(te.encode(`m${seed}`), p.net.now);
        p.net.run({ until: () => p.client.received.length > 0, maxTime: 1_000 });
        got = p.client.received.length > 0;
      }
      expect(got, `seed ${seed}: echo`).toBe(true);
      expect(Buffer.from(p.client.received[0]!).toString()).toBe(`m${seed}`);
    }
  });

  it('NET-06: the server\'s flight delivered in reverse order completes without any retransmission', () => {
    const tap = new RecordTap();
    const held: DatagramInfo[] = [];
    const p = rsaPair(provider, {
      filter: (dg) => {
        tap.filter(dg);
        return 'pass';
      },
    });
    // Hold the server's three flight datagrams back and release them last-first.
    p.net.link(SERVER_ADDR, CLIENT_ADDR, {
      filter: (dg) => {
        tap.filter(dg);
        if (dg.index >= 1 && dg.index <= 3) {
          held.push(dg);
          return 'drop';
        }
        return 'pass';
      },
    });
    p.net.run({ until: () => held.length === 3, maxTime: 100 });
    for (const dg of [...held].reverse()) p.net.inject(SERVER_ADDR, CLIENT_ADDR, dg.data);
    expect(handshake13(p, 900)).toBe(true);
    tap.close();
    const frags = sentFragments(tap.datagrams);
    expect(new Set(frags).size).toBe(frags.length);
  });

  it('NET-09: a lost ClientHello is resent after 1, 2, 4 and 8 s (the timer doubles), and the handshake gives up at handshakeTimeout', () => {
    const sent: number[] = [];
    const p = pair13({ provider, client: { handshakeTimeout: 30_000 } });
    // The first ClientHello went out when the client was made; every later one (with the cookie) is lost.
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (dg) => (sent.push(dg.time), 'drop') });
    p.net.run({ until: () => p.client.closed, maxTime: 40_000 });
    expect(sent.map((t) => t - sent[0]!)).toEqual([0, 1_000, 3_000, 7_000, 15_000]);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
    expect(p.net.now).toBe(30_000);
  });

  it('NET-10: the server\'s acknowledgement of the client\'s Finished is lost while application data arrives: delivered once', () => {
    const tap = new RecordTap();
    const p = pair13({ provider, impairments: { filter: tap.filter } });
    // Drop the server's datagram after its flight, once: the ticket, and the ACK riding with it.
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (dg) => (tap.filter(dg), dg.index === 2 ? 'drop' : 'pass') });
    p.client.send(te.encode('early'), p.net.now);
    p.net.run({ until: () => p.client.received.length > 0, maxTime: 10_000 });
    tap.close();
    expect(typesOf(tap.from('server')[2]!)).toEqual(['handshake', 'ack']);
    expect(p.client.received.map((m) => Buffer.from(m).toString())).toEqual(['early']);
    expect([...p.server.received.values()].flat().map((m) => Buffer.from(m).toString())).toEqual(['early']);
    expect(conn13(p.client.conn).isEstablished).toBe(true);
  });
});
