import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClientSession13, type Session13, TICKET13_VERSION, decodeClientSession13, decodeSession13, encodeClientSession13, encodeSession13,
  openTicket13, sealTicket13,
} from '../../src/dtls13/session.js';
import {
  type Session, TicketKeys, decodeClientSession, encodeClientSession, encodeSession,
} from '../../src/handshake/session.js';
import { Reader } from '../../src/codec/reader.js';
import { counting, hex, toHex } from '../codec/hex.js';
import { providers } from '../crypto/helpers.js';
import { assertDecodeOrReencode, bytesOf, decodeError } from '../handshake/messages/helpers.js';

const T0 = 1_800_000_000_000;
const SESSION: Session13 = {
  suiteId: 0x1301, psk: counting(32, 0x80), ticketAgeAdd: 0xfad6aac5, created: T0, lifetime: 7200, maxEarlyData: 0,
  alpn: new TextEncoder().encode('coap'), servername: 'example.com', peerCertificates: [hex('3003020101')], authorized: true,
};
const VECTOR = hex([
  '14', '1301', '20', toHex(counting(32, 0x80)), '00', 'fad6aac5', '01a3185c5000', '00001c20', '00000000', '01',
  '000008', '000005', '3003020101', '0000', '0b', toHex(new TextEncoder().encode('example.com')), '04', '636f6170',
].join(''));
const SESSION12: Session = {
  suiteId: 0xc02b, masterSecret: new Uint8Array(48).fill(7), extendedMasterSecret: true, encryptThenMac: false, created: T0 / 1000,
  peerCertificates: [], authorized: false,
};

const sessionArb: fc.Arbitrary<Session13> = fc.record({
  suiteId: fc.integer({ min: 0, max: 0xffff }),
  psk: fc.oneof(bytesOf(32, 32), bytesOf(48, 48)),
  ticketAgeAdd: fc.integer({ min: 0, max: 0xffffffff }),
  created: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  lifetime: fc.integer({ min: 0, max: 604800 }),
  maxEarlyData: fc.constant(0 as const),
  peerCertificates: fc.array(bytesOf(1, 20), { maxLength: 2 }),
  authorized: fc.boolean(),
}, { requiredKeys: ['suiteId', 'psk', 'ticketAgeAdd', 'created', 'lifetime', 'maxEarlyData', 'peerCertificates', 'authorized'] });

const decode = (r: Reader): Session13 => decodeSession13(r.rest());
const encode = (w: { bytes(b: Uint8Array): unknown }, s: Session13): void => {
  w.bytes(encodeSession13(s));
};

describe('DTLS 1.3 ticket contents', () => {
  it('encodes the vector: version 0x14, suite, PSK, no tls13-label twin, age add, issue time, lifetime, no early data, identity', () => {
    expect(toHex(encodeSession13(SESSION))).toBe(toHex(VECTOR));
    expect(decodeSession13(VECTOR)).toEqual(SESSION);
  });

  it('keeps a raw public key and an external PSK identity', () => {
    const s: Session13 = { ...SESSION, peerRawPublicKey: hex('3059'), pskIdentity: 'client1', peerCertificates: [] };
    expect(decodeSession13(encodeSession13(s))).toEqual(s);
  });

  it('round-trips random sessions', () => {
    fc.assert(fc.property(sessionArb, (s) => {
      expect(decodeSession13(encodeSession13(s))).toEqual(s);
    }), { numRuns: 200 });
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(decode, encode, sessionArb.map(encodeSession13));
  });

  it('rejects a DTLS 1.2 session plaintext (version byte 1)', () => {
    expect(decodeError(() => decodeSession13(encodeSession(SESSION12))).message).toBe('not a DTLS 1.3 ticket (version 1)');
  });

  it('rejects a non-zero max_early_data and unknown flags', () => {
    const b = VECTOR.slice();
    b[1 + 2 + 33 + 1 + 4 + 6 + 4 + 3] = 1;
    expect(decodeError(() => decodeSession13(b)).message).toBe('max_early_data must be 0');
    const f = VECTOR.slice();
    f[1 + 2 + 33 + 1 + 4 + 6 + 4 + 4] = 0x81;
    expect(decodeError(() => decodeSession13(f)).message).toBe('flags 129');
  });

  it('keeps the server\'s tls13-label twin of the PSK (wolfSSL before 5.6.2), of the PSK\'s length only', () => {
    const twin = counting(32, 0x40);
    const b = encodeSession13({ ...SESSION, pskTls13Label: twin });
    expect(decodeSession13(b).pskTls13Label).toEqual(twin);
    expect(b.subarray(1 + 2 + 33, 1 + 2 + 33 + 33)).toEqual(Uint8Array.of(32, ...twin));
    const bad = Uint8Array.from([...b.subarray(0, 36), 16, ...twin.subarray(0, 16), ...b.subarray(36 + 33)]);
    expect(decodeError(() => decodeSession13(bad)).message).toBe('psk (tls13 label): 16 bytes');
  });

  it('refuses to encode a PSK that is not a hash length', () => {
    expect(() => encodeSession13({ ...SESSION, psk: new Uint8Array(20) })).toThrow(RangeError);
    expect(TICKET13_VERSION).toBe(0x14);
  });
});

describe.each(providers)('sealed DTLS 1.3 tickets, sharing DTLS 1.2 ticket keys ($name)', (p) => {
  const key = (n: number) => counting(48, n);

  it('open what was sealed, with the current or a previous key', () => {
    const keys = new TicketKeys(p, [key(1)], 86400);
    const ticket = sealTicket13(keys, SESSION);
    expect(openTicket13(keys, ticket, T0 + 1000)).toEqual(SESSION);
    keys.set([key(2), key(1)]);
    expect(openTicket13(keys, ticket, T0 + 1000)).toEqual(SESSION);
    keys.set([key(2)]);
    expect(openTicket13(keys, ticket, T0 + 1000)).toBeUndefined();
  });

  it('a 1.3 ticket is never a 1.2 session, and a 1.2 ticket never a 1.3 session', () => {
    const keys = new TicketKeys(p, [key(1)], 86400);
    expect(keys.open(sealTicket13(keys, SESSION), T0 / 1000)).toBeUndefined();
    const t12 = keys.seal(SESSION12);
    expect(keys.open(t12, T0 / 1000)).toBeDefined();
    expect(openTicket13(keys, t12, T0)).toBeUndefined();
  });

  it('expires after the ticket lifetime, the keys\' lifetime, or 7 days, whichever is first', () => {
    const keys = new TicketKeys(p, [key(1)], 3600);
    const t = sealTicket13(keys, SESSION); // lifetime 7200 s, keys 3600 s
    expect(openTicket13(keys, t, T0 + 3600_000)).toBeDefined();
    expect(openTicket13(keys, t, T0 + 3600_001)).toBeUndefined();
    const long = new TicketKeys(p, [key(1)], 10 * 86400);
    const t2 = sealTicket13(long, { ...SESSION, lifetime: 0xffffffff });
    expect(openTicket13(long, t2, T0 + 604800_000)).toBeDefined();
    expect(openTicket13(long, t2, T0 + 604800_001)).toBeUndefined();
  });

  it('rejects forged, truncated and random tickets without throwing', () => {
    const keys = new TicketKeys(p, [key(1)], 86400);
    const t = sealTicket13(keys, SESSION);
    for (let i = 0; i < t.length; i += 7) {
      const bad = t.slice();
      bad[i]! ^= 1;
      expect(openTicket13(keys, bad, T0)).toBeUndefined();
    }
    expect(openTicket13(keys, t.subarray(0, 40), T0)).toBeUndefined();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
      expect(openTicket13(keys, b, T0)).toBeUndefined();
    }), { numRuns: 200 });
  });
});

describe('the client\'s DTLS 1.3 session', () => {
  const client: ClientSession13 = { ...SESSION, ticket: counting(40) };

  it('round-trips with its ticket', () => {
    expect(decodeClientSession13(encodeClientSession13(client))).toEqual(client);
    expect(toHex(encodeClientSession13(client).subarray(0, 4))).toBe('50445333');
  });

  it('is not a DTLS 1.2 client session, nor the reverse', () => {
    expect(() => decodeClientSession(encodeClientSession13(client))).toThrow('not a puredtls session');
    const c12 = encodeClientSession({ ...SESSION12, sessionId: new Uint8Array(0), lifetime: 0 });
    expect(decodeError(() => decodeClientSession13(c12)).message).toBe('not a puredtls DTLS 1.3 session');
  });

  it('rejects trailing bytes and a missing ticket', () => {
    const b = encodeClientSession13(client);
    expect(decodeError(() => decodeClientSession13(new Uint8Array([...b, 0]))).message).toBe('session: 1 trailing bytes');
    expect(() => decodeClientSession13(b.subarray(0, b.length - 42))).toThrow(/ticket/);
  });
});

describe('ticket names are strict UTF-8', () => {
  it('rejects a servername that is not UTF-8 (it would not re-encode to its bytes)', () => {
    const b = encodeSession13({ ...SESSION, servername: 'ab', alpn: undefined as unknown as Uint8Array });
    const at = b.length - 3; // ... 02 'a' 'b', then 00 (no ALPN)
    expect(b[at - 1]).toBe(2);
    b[at] = 0xff;
    expect(decodeError(() => decodeSession13(b)).message).toBe('servername: not UTF-8');
  });
});
