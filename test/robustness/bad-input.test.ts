import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { CLIENT_ADDR, SERVER_ADDR, pair, runHandshake, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

const te = new TextEncoder();

/** Datagrams of a real handshake, both directions, to mutate. */
function recordedDatagrams(): Uint8Array[] {
  const seen: Uint8Array[] = [];
  const filter = (d: { data: Uint8Array }) => { seen.push(d.data.slice()); return 'pass' as const; };
  const p = pair({ cert: 'rsa2048', server: { mtu: 400 }, clientToServer: { filter }, serverToClient: { filter } });
  expect(runHandshake(p)).toBe(true);
  p.client.send(te.encode('data'), p.net.now);
  p.net.run({ until: () => p.client.received.length > 0, maxTime: 1000 });
  return seen;
}

const corpus = recordedDatagrams();

/** Random bytes, or a real datagram mutated (bit flips, truncation, splices, length fields). */
const datagram = fc.oneof(
  fc.uint8Array({ maxLength: 1600 }),
  fc.tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat())).map(
    ([d, edits, cut]) => {
      const out = d.slice(0, cut === null ? d.length : cut % (d.length + 1));
      for (const [i, v] of edits) if (out.length) out[i % out.length] = v;
      return out;
    },
  ),
  fc.tuple(fc.constantFrom(...corpus), fc.constantFrom(...corpus), fc.nat(), fc.nat()).map(([a, b, i, j]) => {
    const x = a.subarray(0, i % (a.length + 1));
    const y = b.subarray(j % (b.length + 1));
    const out = new Uint8Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  }),
);

const source = fc.oneof(
  fc.constant(CLIENT_ADDR),
  fc.record({ address: fc.constantFrom('10.9.0.1', '10.9.0.2', '::1'), port: fc.integer({ min: 1, max: 65535 }) }),
);

describe('bad input never escapes (S-62)', () => {
  it('the server survives random and mutated datagrams from anywhere, and the established peer keeps working', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(datagram, source), { minLength: 1, maxLength: 40 }), (inputs) => {
        const p = pair({ seed: 3 });
        expect(runHandshake(p)).toBe(true);
        for (const [d, from] of inputs) p.net.inject(from, SERVER_ADDR, d);
        p.net.run({ maxTime: 100 });
        // No internal error was swallowed by the endpoint's safety net.
        const internal = p.server.events.filter((e) => e.type === 'drop' && e.reason.startsWith('internal'));
        expect(internal).toEqual([]);
        // No state was created for anyone without a verified cookie; the peer is still there.
        expect(p.server.endpoint.size).toBe(1);
        expect(p.server.endpoint.handshakeCount).toBe(0);
        const before = p.client.received.length;
        p.client.send(te.encode('still here'), p.net.now);
        p.net.run({ until: () => p.client.received.length > before, maxTime: 1000 });
        expect(p.client.received.length).toBe(before + 1);
      }),
      { numRuns: 150 },
    );
  });

  it('the client survives random and mutated datagrams during and after the handshake', () => {
    fc.assert(
      fc.property(fc.array(datagram, { minLength: 1, maxLength: 30 }), fc.boolean(), (inputs, early) => {
        const p = pair({ seed: 5, client: { handshakeTimeout: 20_000 } });
        if (!early) expect(runHandshake(p)).toBe(true);
        for (const d of inputs) p.net.inject(SERVER_ADDR, CLIENT_ADDR, d);
        // Feeding the core directly must not throw either.
        for (const d of inputs) expect(() => p.client.conn.receive(d, p.net.now)).not.toThrow();
        if (!early) {
          // After the handshake nothing unauthenticated can disturb the session.
          const before = p.client.received.length;
          p.client.send(te.encode('still here'), p.net.now);
          p.net.run({ until: () => p.client.received.length > before, maxTime: 1000 });
          expect(p.client.closed).toBe(false);
          expect(p.client.received.length).toBe(before + 1);
          return;
        }
        // During the handshake, epoch 0 is unauthenticated: a forged message may end or stall
        // it (as with any DTLS stack), but only through a typed error, never a throw.
        p.net.run({ until: () => p.client.established || p.client.closed, maxTime: 25_000 });
        if (p.client.closed && !p.client.established) expect(p.client.error?.code).toMatch(/^ERR_DTLS_/);
        expect(p.client.established || p.client.closed).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a malformed epoch-0 ChangeCipherSpec from the peer\'s address after the handshake is dropped, not fatal (found by the property above)', () => {
    const p = pair({ seed: 3 });
    expect(runHandshake(p)).toBe(true);
    // CCS with body 0x00, epoch 0, seq 9: unauthenticated, so it cannot end the association.
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, Uint8Array.from([20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0]));
    p.net.run({ maxTime: 100 });
    expect(p.server.endpoint.size).toBe(1);
    const before = p.client.received.length;
    p.client.send(te.encode('still here'), p.net.now);
    p.net.run({ until: () => p.client.received.length > before, maxTime: 1000 });
    expect(p.client.received.length).toBe(before + 1);
  });

  it('a garbage epoch-0 record with a huge sequence number does not shift the window (client keeps working)', () => {
    const p = pair({ seed: 5 });
    const junk = Uint8Array.from([22, 0xfe, 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0xff]);
    p.net.inject(SERVER_ADDR, CLIENT_ADDR, junk);
    expect(runHandshake(p)).toBe(true);
  });
});

describe('stateless cookie exchange', () => {
  it('allocates nothing for 10,000 cookieless ClientHellos from 10,000 addresses, and no HVR is larger than its ClientHello', () => {
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR);
    const hello = client.takeOutgoing()[0]!.data;
    for (let i = 0; i < 10_000; i++) {
      const from = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60000) };
      server.receive(hello, from, i);
      const out = server.takeOutgoing();
      expect(out).toHaveLength(1);
      expect(out[0]!.data.length).toBeLessThanOrEqual(hello.length);
    }
    expect(server.endpoint.size).toBe(0);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
    expect(server.endpoint.stats.helloVerifyRequests).toBe(10_000);
  });

  it('never retransmits a HelloVerifyRequest (DOS-02)', () => {
    const p = pair({ clientToServer: { filter: (d) => (d.flight === 3 ? 'drop' : 'pass') } });
    const hvrs: number[] = [];
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.flight === 2) hvrs.push(d.time); return 'pass'; } });
    p.net.run({ maxTime: 10_000 });
    // One HVR per ClientHello the client (re)sent — none from a server timer.
    const hellos = p.net.stats(CLIENT_ADDR, SERVER_ADDR).sent;
    expect(hvrs.length).toBeLessThanOrEqual(hellos);
    expect(p.server.endpoint.nextTimeout()).toBeUndefined();
  });
});
