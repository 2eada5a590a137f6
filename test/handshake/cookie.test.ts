import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { COOKIE_LENGTH, CookieFactory } from '../../src/handshake/cookie.js';
import type { ClientHello } from '../../src/handshake/messages/client-hello.js';
import { counting, hex, toHex } from '../codec/hex.js';

const MASTER = counting(32, 0x10);
const PERIOD = 60_000;
const T0 = 28_333_334 * PERIOD; // a period boundary, in November 2023
const ADDR = '192.0.2.7';
const PORT = 50123;

const HELLO: ClientHello = Object.freeze({
  clientVersion: 0xfefd,
  random: counting(32, 0x80),
  sessionId: new Uint8Array(0),
  cookie: new Uint8Array(0),
  cipherSuites: [0xc02b, 0xc02f, 0x00ff],
  compressionMethods: [0],
  extensions: [
    { type: 10, data: hex('0004 001d 0017') },
    { type: 23, data: new Uint8Array(0) },
  ],
});

const factory = (master = MASTER) => new CookieFactory(nodeProvider, master, PERIOD);

/** The hello the client sends back, carrying the cookie. */
const withCookie = (h: ClientHello, cookie: Uint8Array): ClientHello => ({ ...h, cookie });

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >>> 3]! ^= 1 << (bit & 7);
  return c;
}

describe('CookieFactory', () => {
  it('S-12 accepts its own cookie for the same address, port and hello', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0 + 5);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + 10)).toBe(true);
  });

  it('S-15 makes cookies of exactly 32 bytes', () => {
    expect(COOKIE_LENGTH).toBe(32);
    fc.assert(fc.property(fc.string(), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 32 }), fc.nat(), (addr, port, sid, now) => {
      expect(factory().make(addr, port, { ...HELLO, sessionId: sid }, now).length).toBe(32);
    }), { numRuns: 200 });
  });

  it('is deterministic: the same inputs in the same period give the same cookie', () => {
    const f = factory();
    expect(toHex(f.make(ADDR, PORT, HELLO, T0))).toBe(toHex(f.make(ADDR, PORT, HELLO, T0 + PERIOD - 1)));
  });

  it('ignores the cookie field itself, so the second ClientHello verifies', () => {
    const f = factory();
    const a = f.make(ADDR, PORT, HELLO, T0);
    const b = f.make(ADDR, PORT, withCookie(HELLO, counting(32)), T0);
    expect(toHex(a)).toBe(toHex(b));
  });

  it('rejects the cookie from another address', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    expect(f.verify('192.0.2.8', PORT, withCookie(HELLO, cookie), T0)).toBe(false);
    expect(f.verify('::ffff:192.0.2.7', PORT, withCookie(HELLO, cookie), T0)).toBe(false);
  });

  it('rejects the cookie from another port', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    expect(f.verify(ADDR, PORT + 1, withCookie(HELLO, cookie), T0)).toBe(false);
  });

  it('keeps address and port apart: 10.0.0.1:2345 and 10.0.0.12:345 differ', () => {
    const f = factory();
    const cookie = f.make('10.0.0.1', 2345, HELLO, T0);
    expect(f.verify('10.0.0.12', 345, withCookie(HELLO, cookie), T0)).toBe(false);
  });

  // The cookie covers the fields before it (version, random, session_id), so it can be
  // checked on the first fragment of a ClientHello a small MTU split (FRAG-14); the
  // random binds it to this ClientHello.
  const changes: [string, Partial<ClientHello>][] = [
    ['client_version', { clientVersion: 0xfeff }],
    ['one bit of the random', { random: flipBit(HELLO.random, 0) }],
    ['the last bit of the random', { random: flipBit(HELLO.random, 255) }],
    ['session_id', { sessionId: hex('00') }],
  ];
  const notCovered: [string, Partial<ClientHello>][] = [
    ['cipher_suites order', { cipherSuites: [0xc02f, 0xc02b, 0x00ff] }],
    ['an added cipher suite', { cipherSuites: [...HELLO.cipherSuites, 0xcca9] }],
    ['a removed cipher suite', { cipherSuites: [0xc02b, 0xc02f] }],
    ['compression_methods', { compressionMethods: [1, 0] }],
    ['an extension body', { extensions: [{ type: 10, data: hex('0002 001d') }, HELLO.extensions[1]!] }],
    ['an added extension', { extensions: [...HELLO.extensions, { type: 0xff01, data: hex('00') }] }],
    ['a removed extension', { extensions: [HELLO.extensions[0]!] }],
    ['no extensions', { extensions: [] }],
    ['extension order', { extensions: [HELLO.extensions[1]!, HELLO.extensions[0]!] }],
  ];

  it.each(changes)('S-12 rejects the cookie when %s changed', (_n, change) => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    expect(f.verify(ADDR, PORT, { ...HELLO, ...change, cookie }, T0)).toBe(false);
  });

  it.each(notCovered)('keeps the cookie valid when %s changed (bound through the random instead)', (_n, change) => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    expect(f.verify(ADDR, PORT, { ...HELLO, ...change, cookie }, T0)).toBe(true);
  });

  it('rejects the cookie with any one of its 256 bits flipped', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    for (let bit = 0; bit < 256; bit++) {
      expect(f.verify(ADDR, PORT, withCookie(HELLO, flipBit(cookie, bit)), T0)).toBe(false);
    }
  });

  it('rejects a truncated or extended cookie', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie.subarray(0, 31)), T0)).toBe(false);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, Uint8Array.from([...cookie, 0])), T0)).toBe(false);
  });

  it.each([
    ['all 0xff', new Uint8Array(32).fill(0xff)],
    ['all zero', new Uint8Array(32)],
    ['of length 0', new Uint8Array(0)],
    ['of length 255', new Uint8Array(255).fill(0xff)],
    ['of length 1', hex('00')],
  ])('DOS-05 rejects a cookie %s', (_n, cookie) => {
    expect(factory().verify(ADDR, PORT, withCookie(HELLO, cookie), T0)).toBe(false);
  });

  it('DOS-04 accepts a cookie from the previous period, across one boundary', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0 + PERIOD - 1);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + PERIOD)).toBe(true);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + 2 * PERIOD - 1)).toBe(true);
  });

  it('DOS-04 rejects a cookie two periods old', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0 + PERIOD - 1);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + 2 * PERIOD)).toBe(false);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + 10 * PERIOD)).toBe(false);
  });

  it('S-15 a cookie lives for one to two periods, never longer', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: PERIOD - 1 }), fc.integer({ min: 0, max: 4 * PERIOD }), (made, later) => {
      const f = factory();
      const cookie = f.make(ADDR, PORT, HELLO, T0 + made);
      const at = T0 + made + later;
      const periodsApart = Math.floor(at / PERIOD) - Math.floor((T0 + made) / PERIOD);
      expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), at)).toBe(periodsApart <= 1);
    }), { numRuns: 200 });
  });

  it('rejects a cookie made in a later period (a clock that went backwards)', () => {
    const f = factory();
    const cookie = f.make(ADDR, PORT, HELLO, T0 + PERIOD);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0)).toBe(false);
  });

  it('two factories with the same master secret accept each other\'s cookies', () => {
    const a = factory(counting(32, 0x10));
    const b = factory(counting(32, 0x10));
    expect(b.verify(ADDR, PORT, withCookie(HELLO, a.make(ADDR, PORT, HELLO, T0)), T0 + 1)).toBe(true);
    expect(a.verify(ADDR, PORT, withCookie(HELLO, b.make(ADDR, PORT, HELLO, T0)), T0 + PERIOD)).toBe(true);
  });

  it('a factory with another master secret rejects the cookie', () => {
    const other = counting(32, 0x10);
    other[31]! ^= 1;
    expect(factory(other).verify(ADDR, PORT, withCookie(HELLO, factory().make(ADDR, PORT, HELLO, T0)), T0)).toBe(false);
  });

  it('uses a 60-second period by default', () => {
    const f = new CookieFactory(nodeProvider, MASTER);
    const cookie = f.make(ADDR, PORT, HELLO, T0);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + 119_999)).toBe(true);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, cookie), T0 + 120_000)).toBe(false);
  });

  it('S-12 verifies random hellos it made a cookie for, and rejects them from any other port', () => {
    const helloArb = fc.record({
      clientVersion: fc.integer({ min: 0, max: 0xffff }),
      random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      sessionId: fc.uint8Array({ maxLength: 32 }),
      cookie: fc.constant(new Uint8Array(0)),
      cipherSuites: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 8 }),
      compressionMethods: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }),
      extensions: fc.uniqueArray(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ maxLength: 10 }) }),
        { selector: (e) => e.type, maxLength: 4 }),
    });
    const f = factory();
    fc.assert(fc.property(helloArb, fc.integer({ min: 0, max: 0xfffe }), (h, port) => {
      const cookie = f.make(ADDR, port, h, T0);
      expect(f.verify(ADDR, port, withCookie(h, cookie), T0)).toBe(true);
      expect(f.verify(ADDR, port + 1, withCookie(h, cookie), T0)).toBe(false);
    }), { numRuns: 200 });
  });
});

describe('CookieFactory secrets', () => {
  /** A factory whose provider counts the HMACs that derive a period's secret from the master secret. */
  function counted(): { f: CookieFactory; derived: () => number } {
    let derived = 0;
    const provider: CryptoProvider = {
      ...nodeProvider,
      hmac: (...args: Parameters<CryptoProvider['hmac']>) => {
        derived++;
        return nodeProvider.hmac(...args);
      },
    };
    return { f: new CookieFactory(provider, MASTER, PERIOD), derived: () => derived };
  }

  it('DOS-01 derives a period\'s secret once, not per ClientHello; keeps this period\'s and the last one\'s, forgets older ones', () => {
    const { f, derived } = counted();
    const c0 = f.make(ADDR, PORT, HELLO, T0);
    f.make(ADDR, PORT + 1, HELLO, T0 + 1);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, c0), T0 + 2)).toBe(true);
    expect(derived()).toBe(1);
    // Next period: its secret is derived, the previous one is still at hand.
    expect(f.verify(ADDR, PORT, withCookie(HELLO, c0), T0 + PERIOD)).toBe(true);
    expect(f.verify(ADDR, PORT, withCookie(HELLO, c0), T0 + PERIOD + 1)).toBe(true);
    expect(derived()).toBe(2);
    // Two periods on: the cookie of period 0 is refused with the two secrets kept.
    expect(f.verify(ADDR, PORT, withCookie(HELLO, c0), T0 + 2 * PERIOD)).toBe(false);
    expect(derived()).toBe(3);
    // Period 0's secret was forgotten then: a clock stepping back to period 1 derives it again.
    expect(f.verify(ADDR, PORT, withCookie(HELLO, c0), T0 + PERIOD)).toBe(true);
    expect(derived()).toBe(4);
  });

  it('makes and verifies cookies for the longest IPv6 address text (39 characters) and a 32-byte session_id', () => {
    const f = factory();
    const v6 = 'fd12:3456:789a:bcde:f012:3456:789a:bcde';
    expect(v6).toHaveLength(39);
    for (const sessionId of [new Uint8Array(0), counting(32, 0x40)]) {
      const hello = { ...HELLO, sessionId };
      const cookie = f.make(v6, 65535, hello, T0);
      expect(cookie).toHaveLength(COOKIE_LENGTH);
      expect(f.verify(v6, 65535, withCookie(hello, cookie), T0)).toBe(true);
    }
  });
});

describe('CookieFactory MACs over other data (the DTLS 1.3 HelloRetryRequest cookie)', () => {
  const DATA = counting(37, 0x20);

  it('verifies its own MAC for the address, port and data, in this period and the next', () => {
    const f = factory();
    const mac = f.macFor(ADDR, PORT, DATA, T0);
    expect(mac).toHaveLength(COOKIE_LENGTH);
    expect(f.verifyFor(ADDR, PORT, DATA, mac, T0 + PERIOD)).toBe(true);
    expect(f.verifyFor(ADDR, PORT, DATA, mac, T0 + 2 * PERIOD)).toBe(false);
    expect(f.verifyFor(ADDR, PORT + 1, DATA, mac, T0)).toBe(false);
    expect(f.verifyFor('192.0.2.8', PORT, DATA, mac, T0)).toBe(false);
    expect(f.verifyFor(ADDR, PORT, flipBit(DATA, 3), mac, T0)).toBe(false);
  });

  it('refuses a MAC of another length, whatever its bytes', () => {
    const f = factory();
    const mac = f.macFor(ADDR, PORT, DATA, T0);
    for (const m of [mac.subarray(0, 31), Uint8Array.from([...mac, 0]), new Uint8Array(0), f.macFor(ADDR, PORT, DATA, T0).subarray(0, 16)]) {
      expect(f.verifyFor(ADDR, PORT, DATA, m, T0)).toBe(false);
    }
  });

  it('handles a link-local IPv6 address with a zone (longer than any address without one)', () => {
    const f = factory();
    const scoped = 'fe80:1234:5678:9abc:def0:1234:5678:9abc%enp0s31f6';
    const mac = f.macFor(scoped, 5684, DATA, T0);
    expect(f.verifyFor(scoped, 5684, DATA, mac, T0)).toBe(true);
    expect(f.verifyFor(scoped.slice(0, scoped.indexOf('%')), 5684, DATA, mac, T0)).toBe(false);
  });
});
