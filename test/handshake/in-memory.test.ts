import { describe, expect, it } from 'vitest';
import { suiteByName } from '../../src/crypto/suites.js';
import { type CertName, CLIENT_ADDR, PROVIDERS, SERVER_ADDR, pair, runHandshake } from '../helpers/net.js';
import { machine12 } from '../helpers/v12.js';

const te = new TextEncoder();

describe.each(PROVIDERS)('in-memory handshake ($name provider)', (provider) => {
  const cases: [CertName, string][] = [
    ['ecdsa-p256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['ecdsa-p256', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
    ['ecdsa-p256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
    ['ecdsa-p384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
    ['ed25519', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['rsa2048', 'ECDHE-RSA-AES128-GCM-SHA256'],
    ['rsa2048', 'ECDHE-RSA-AES256-GCM-SHA384'],
    ['rsa2048', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ];
  it.each(cases)('completes with a %s certificate and %s, and carries data both ways', (cert, suite) => {
    const p = pair({ provider, cert, client: { ciphers: suite } });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.suite).toBe(suiteByName(suite));
    p.client.send(te.encode('hello'), p.net.now);
    p.net.run({ until: () => p.client.received.length > 0, maxTime: 1000 });
    expect(new TextDecoder().decode(p.client.received[0])).toBe('hello');
  });

  it.each([['X25519', 'x25519'], ['P-256', 'secp256r1'], ['P-384', 'secp384r1']])('negotiates %s when the client offers only it', (curve, group) => {
    // An RSA certificate: an ECDSA one also needs its own curve offered (RFC 8422 §5.1).
    const p = pair({ provider, cert: 'rsa2048', client: { ecdhCurve: curve } });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.group).toBe(group);
  });

  it('refuses an ECDSA certificate on a curve the client did not list (RFC 8422 §5.1)', () => {
    const p = pair({ provider, cert: 'ecdsa-p256', client: { ecdhCurve: 'X25519' } });
    expect(runHandshake(p, 5000)).toBe(false);
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_NO_SHARED_CIPHER');
  });

  it('picks the server preference among groups both offer', () => {
    const p = pair({ provider, server: { ecdhCurve: 'P-384:X25519' } });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.group).toBe('secp384r1');
  });

  it('fails with handshake_failure when no group is shared', () => {
    const p = pair({ provider, server: { ecdhCurve: 'P-384' }, client: { ecdhCurve: 'X25519' } });
    expect(runHandshake(p, 5000)).toBe(false);
    expect(p.client.error?.alert).toBe('handshake_failure');
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_NO_SHARED_CIPHER');
  });

  it('uses the extended master secret', () => {
    const p = pair({ provider });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.extendedMasterSecret).toBe(true);
  });
});

describe.each(PROVIDERS)('loss, duplication and reordering (fake clock, $name provider)', (provider) => {
  const pairP = (o: Parameters<typeof pair>[0] = {}) => pair({ provider, ...o });
  /** Count the datagrams each direction sends in a loss-free handshake. */
  function datagramCounts(): { c2s: number; s2c: number } {
    const p = pairP({ cert: 'rsa2048', server: { mtu: 500 } });
    expect(runHandshake(p)).toBe(true);
    return { c2s: p.net.stats(CLIENT_ADDR, SERVER_ADDR).sent, s2c: p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent };
  }

  const counts = datagramCounts();

  it('sends several datagrams per flight at MTU 500 (so every index below is a real datagram)', () => {
    expect(counts.s2c).toBeGreaterThanOrEqual(5);
    expect(counts.c2s).toBeGreaterThanOrEqual(3);
  });

  for (const dir of ['c2s', 's2c'] as const) {
    for (let i = 0; i < (dir === 'c2s' ? counts.c2s : counts.s2c); i++) {
      it(`completes when ${dir === 'c2s' ? 'client' : 'server'} datagram #${i} of the handshake is dropped once`, () => {
        const drop = { filter: (d: { index: number }) => (d.index === i ? 'drop' as const : 'pass' as const) };
        const p = pairP({ cert: 'rsa2048', server: { mtu: 500 }, ...(dir === 'c2s' ? { clientToServer: drop } : { serverToClient: drop }) });
        expect(runHandshake(p, 30_000)).toBe(true);
        expect(p.net.now).toBeLessThan(5_000);
      });
    }
  }

  it('completes with every datagram duplicated, without spurious retransmissions (NET-04)', () => {
    const run = (duplicate: number) => {
      const seen: number[] = [];
      const filter = (d: { flight: number | undefined }) => { seen.push(d.flight ?? 0); return 'pass' as const; };
      const p = pairP({ clientToServer: { filter, duplicate }, serverToClient: { filter, duplicate } });
      expect(runHandshake(p)).toBe(true);
      return seen;
    };
    const clean = run(0);
    const dup = run(1);
    // Duplicates are dropped as replays: nothing is retransmitted. The only extra
    // datagram is the stateless HelloVerifyRequest answering the duplicated ClientHello.
    expect(dup.filter((f) => f !== 2)).toEqual(clean.filter((f) => f !== 2));
    expect(clean.filter((f) => f === 2)).toHaveLength(1);
    expect(dup.filter((f) => f === 2)).toHaveLength(2);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('completes with reordered flights (seed %i)', (seed) => {
    const p = pairP({ seed, cert: 'rsa2048', server: { mtu: 300 }, client: { mtu: 300 }, impairments: { reorder: 0.5, reorderDelay: 20, delay: { min: 1, max: 15 } } });
    expect(runHandshake(p)).toBe(true);
  });

  it('completes with packed datagrams (NET-08)', () => {
    const p = pairP({ cert: 'rsa2048', server: { mtu: 300 }, impairments: { pack: 50 } });
    expect(runHandshake(p)).toBe(true);
  });

  it('retransmits on the schedule 1, 2, 4, 8, 16, 32, 60, 60 s (NET-09)', () => {
    const times: number[] = [];
    const p = pairP({
      client: { handshakeTimeout: 400_000 }, serverToClient: { drop: 1 },
      clientToServer: { filter: (d) => { if (d.flight === 1) times.push(d.time); return 'pass'; } },
    });
    p.net.run({ maxTime: 200_000 });
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('gives up at handshakeTimeout and frees the handshake', () => {
    const p = pairP({ client: { handshakeTimeout: 10_000 }, server: { handshakeTimeout: 10_000 }, serverToClient: { drop: 1 } });
    p.net.run({ maxTime: 60_000 });
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
    expect(p.server.endpoint.size).toBe(0);
  });

  it('answers a retransmitted flight 5 with flight 6 when flight 6 was lost', () => {
    let dropped = false;
    const p = pairP({ serverToClient: { filter: (d) => (d.flight === 6 && !dropped ? ((dropped = true), 'drop') : 'pass') } });
    expect(runHandshake(p)).toBe(true);
    expect(dropped).toBe(true);
  });
});

describe('S-27 fragment size back-off', () => {
  it('fragments a flight to smaller datagrams after repeated timeouts, and completes through a path with a 600-byte MTU', () => {
    // Both sides believe the MTU is 1452, but the path only carries 600-byte datagrams:
    // the large flights are lost until the back-off makes them fit.
    const sizes: number[] = [];
    const p = pair({
      cert: 'rsa2048', server: { handshakeTimeout: 60_000 }, client: { handshakeTimeout: 60_000 },
      serverToClient: { mtu: 600, filter: (d) => { sizes.push(d.data.length); return 'pass'; } },
    });
    expect(runHandshake(p, 60_000)).toBe(true);
    expect(Math.max(...sizes)).toBeGreaterThan(600);
    // After the back-off every datagram of the flight fitted.
    expect(sizes.slice(-3).every((n) => n <= 600)).toBe(true);
  });
});
