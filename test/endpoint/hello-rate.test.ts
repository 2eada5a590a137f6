/**
 * The hello rate limit (DOS-14): above `maxHelloRate` first (cookieless)
 * ClientHellos per second, the server drops them unread, so a flood cannot
 * take the CPU its established associations need. Hellos with a cookie (a
 * client one round trip in), retransmissions to an association, and
 * everything else are never limited. `isCookielessHello` decides from the
 * bytes in place which datagrams may be dropped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import { cookieOf } from '../../src/endpoint/front-door13.js';
import { isCookielessHello, peekClientHello } from '../../src/endpoint/front-door.js';
import { ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
import type { ClientHello } from '../../src/handshake/messages/client-hello.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';
import { SERVER_ADDR, serverIdentity } from '../helpers/net.js';

const FROM = { address: '10.1.1.1', port: 5000 };

/** A client's first datagram and, after the server's stateless answer, its second hello (with the cookie). */
function hellos(version: 'DTLSv1.2' | 'DTLSv1.3', ep: ServerEndpoint, now = 0): { first: Uint8Array; second: Uint8Array } {
  const client = new DtlsClientNode({ maxVersion: version, servername: 'localhost' }, SERVER_ADDR, now);
  const first = client.takeOutgoing()[0]!.data;
  ep.receive(first, FROM.address, FROM.port, now);
  const answer = ep.takeTransmits();
  expect(answer).toHaveLength(1);
  client.receive(answer[0]!.data, SERVER_ADDR, now);
  const second = client.takeOutgoing()[0]!.data;
  return { first, second };
}

function endpoint(maxHelloRate?: number): ServerEndpoint {
  return new ServerEndpoint(resolveServerConfig({ ...serverIdentity('ecdsa-p256'), ...(maxHelloRate !== undefined && { maxHelloRate }) }).config);
}

/**
 * What the normal decoder says: 'cookieless' (a whole ClientHello without any
 * cookie), 'cookie', or 'no answer' (not a hello it would answer: malformed,
 * a fragment).
 */
function decoded(d: Uint8Array): 'cookieless' | 'cookie' | 'no answer' {
  const h = peekClientHello(d, 1 << 16);
  if (!h || h.body === undefined) return 'no answer';
  return h.hello.cookie.length === 0 && cookieOf(h.hello as ClientHello) === undefined ? 'cookieless' : 'cookie';
}

describe('isCookielessHello', () => {
  it.each(['DTLSv1.2', 'DTLSv1.3'] as const)('is true for a %s client\'s first hello and false for its second (with the cookie)', (v) => {
    const { first, second } = hellos(v, endpoint());
    expect(isCookielessHello(first)).toBe(true);
    expect(isCookielessHello(second)).toBe(false);
    expect(decoded(first)).toBe('cookieless');
    expect(decoded(second)).toBe('cookie');
  });

  it('is false for what it cannot tell: truncated, fragmented, another epoch, type or message, trailing bytes in the extensions', () => {
    const { first } = hellos('DTLSv1.3', endpoint());
    const edit = (f: (d: Uint8Array) => void) => { const d = Uint8Array.from(first); f(d); return d; };
    expect(isCookielessHello(first.subarray(0, first.length - 1))).toBe(false);
    expect(isCookielessHello(edit((d) => { d[13 + 11] = (d[13 + 11]! - 1) & 0xff; }))).toBe(false); // fragment_length ≠ length
    expect(isCookielessHello(edit((d) => { d[4] = 1; }))).toBe(false); // epoch 1
    expect(isCookielessHello(edit((d) => { d[0] = 23; }))).toBe(false);
    expect(isCookielessHello(edit((d) => { d[13] = 2; }))).toBe(false);
    expect(isCookielessHello(new Uint8Array(0))).toBe(false);
  });

  it('never calls a hello with a cookie cookieless (random edits of real hellos; malformed ones get no answer either way)', () => {
    const ep = endpoint();
    const samples = [...Object.values(hellos('DTLSv1.2', ep)), ...Object.values(hellos('DTLSv1.3', ep))];
    fc.assert(fc.property(
      fc.integer({ min: 0, max: samples.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.nat(),
      (k, edits, cut) => {
        const d = Uint8Array.from(samples[k]!);
        for (const [at, v] of edits) d[at % d.length] = v;
        const dg = cut % 5 === 0 ? d.subarray(0, cut % d.length) : d;
        if (isCookielessHello(dg)) expect(decoded(dg)).not.toBe('cookie');
      },
    ), { numRuns: 20_000 });
  });
});

describe('the hello rate limit (maxHelloRate)', () => {
  /** `n` first hellos from distinct ports at time `now`: how many got an answer. */
  function flood(ep: ServerEndpoint, hello: Uint8Array, n: number, now: number, port0 = 10_000): number {
    let answered = 0;
    for (let i = 0; i < n; i++) {
      ep.receive(hello, '10.2.2.2', port0 + i, now);
      answered += ep.takeTransmits().length;
    }
    return answered;
  }

  it.each(['DTLSv1.2', 'DTLSv1.3'] as const)('answers a burst of a tenth of a second\'s worth, drops the rest unread, and refills at the rate (%s)', (v) => {
    const ep = endpoint(100);
    const { first } = hellos(v, endpoint());
    expect(flood(ep, first, 50, 1000)).toBe(10);
    expect(ep.stats.helloRateLimited).toBe(40);
    expect(ep.stats.dropped).toBe(40);
    expect(ep.takeEvents().filter((e) => e.type === 'drop').map((e) => (e as { reason: string }).reason)).toContain('ClientHello rate limit');
    expect(flood(ep, first, 50, 1050)).toBe(5); // 50 ms at 100/s
    expect(flood(ep, first, 50, 5000)).toBe(10); // never more than the burst
    expect(ep.size).toBe(0);
  });

  it.each(['DTLSv1.2', 'DTLSv1.3'] as const)('never drops a second hello (with its cookie) while it drops first ones (%s)', (v) => {
    const ep = endpoint(100);
    const { second } = hellos(v, ep, 0);
    const { first } = hellos(v, endpoint());
    flood(ep, first, 100, 0, 20_000);
    expect(ep.stats.helloRateLimited).toBeGreaterThan(0);
    ep.receive(second, FROM.address, FROM.port, 0);
    expect(ep.size).toBe(1);
    expect(ep.stats.handshakesStarted).toBe(1);
  });

  it('is off with maxHelloRate 0, and a clock that goes back does not lock hellos out', () => {
    const { first } = hellos('DTLSv1.3', endpoint());
    expect(flood(endpoint(0), first, 3000, 0)).toBe(3000);
    const ep = endpoint(1000);
    expect(flood(ep, first, 100, 1_000_000)).toBe(100);
    expect(flood(ep, first, 200, 5)).toBe(0); // the bucket is empty; the clock went back
    expect(flood(ep, first, 100, 105)).toBe(100); // refilled from there
  });

  it('defaults to 2,000 per second: a burst of 200', () => {
    const { first } = hellos('DTLSv1.2', endpoint());
    expect(flood(endpoint(), first, 1500, 0)).toBe(200);
  });
});
