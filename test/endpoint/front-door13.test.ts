/**
 * DTLS 1.3 at the stateless front door (src/endpoint/front-door13.ts): which
 * ClientHellos offer 1.3, the cookie extension, and the HelloRetryRequest
 * cookie that lets the server continue from a second ClientHello without
 * having kept anything. The cookie carries the suite, the group and
 * Hash(ClientHello1) under a MAC bound to the client's address and port and
 * to the time period: every field and every binding is refused when changed.
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { nodeProvider } from '../../src/crypto/index.js';
import { helloRetryRequestBody } from '../../src/dtls13/handshake/negotiate13.js';
import { DtlsVersion } from '../../src/dtls13/messages/supported-versions.js';
import { SUITES_13, type Suite13, suite13ById } from '../../src/dtls13/suites.js';
import {
  cookieOf, helloRetryRequestRecord, makeRetryCookie, offersDtls13, openRetryCookie, plaintextAlert,
} from '../../src/endpoint/front-door13.js';
import { COOKIE_LENGTH, CookieFactory } from '../../src/handshake/cookie.js';
import { decodeHandshakeFragment } from '../../src/handshake/header.js';
import type { ClientHello } from '../../src/handshake/messages/client-hello.js';
import { parseDatagram } from '../../src/record/record.js';
import { counting, hex, toHex } from '../codec/hex.js';

const PERIOD = 60_000;
const T0 = 28_333_334 * PERIOD; // a period boundary
const ADDR = '192.0.2.7';
const PORT = 50123;
const SUPPORTED_VERSIONS = 43;
const COOKIE = 44;
const AES128 = suite13ById(0x1301)!;
const AES256 = suite13ById(0x1302)!;
const HASH32 = counting(32, 0x30);
const HASH48 = counting(48, 0x60);
const ECHO = new Uint8Array(0);

const factory = () => new CookieFactory(nodeProvider, counting(32, 0x10), PERIOD);

function hello(extensions: { type: number; data: Uint8Array }[]): ClientHello {
  return {
    clientVersion: 0xfefd, random: counting(32, 0x80), sessionId: new Uint8Array(0), cookie: new Uint8Array(0),
    cipherSuites: [0x1301], compressionMethods: [0], extensions,
  };
}
/** supported_versions as a ClientHello lists them: a 1-byte length, then 2 bytes each. */
const versions = (...v: number[]) => ({ type: SUPPORTED_VERSIONS, data: Uint8Array.from([v.length * 2, ...v.flatMap((x) => [x >> 8, x & 0xff])]) });

describe('offersDtls13', () => {
  it.each([
    ['1.3 and 1.2', [versions(DtlsVersion.DTLS1_3, DtlsVersion.DTLS1_2)], true],
    ['1.3 alone', [versions(DtlsVersion.DTLS1_3)], true],
    ['1.2 and 1.0 only', [versions(DtlsVersion.DTLS1_2, DtlsVersion.DTLS1_0)], false],
    ['no supported_versions', [], false],
    ['a malformed supported_versions (odd length)', [{ type: SUPPORTED_VERSIONS, data: hex('03fefcfe') }], false],
    ['a supported_versions with trailing bytes', [{ type: SUPPORTED_VERSIONS, data: hex('02fefc00') }], false],
  ] as const)('%s: %s', (_what, exts, offers) => {
    expect(offersDtls13(hello([...exts]))).toBe(offers);
  });
});

describe('cookieOf', () => {
  it('reads the cookie extension (a 2-byte length, then the cookie)', () => {
    expect(toHex(cookieOf(hello([{ type: COOKIE, data: hex('0003 abcdef') }]))!)).toBe('abcdef');
  });

  it.each([
    ['no cookie extension', undefined],
    ['an empty cookie', hex('0000')],
    ['a length past the end', hex('0004 abcdef')],
    ['trailing bytes', hex('0002 abcdef')],
    ['a truncated length', hex('00')],
  ] as const)('is undefined for %s', (_what, data) => {
    expect(cookieOf(hello(data === undefined ? [] : [{ type: COOKIE, data }]))).toBeUndefined();
  });
});

describe('offersDtls13 and cookieOf turn only malformed bytes into "no"', () => {
  /** Extension bytes whose reading fails with something other than a DecodeError (a bug, not bad input). */
  const failing = (): Uint8Array => new Proxy(hex('02fefc'), {
    get(t, p) {
      if (p === '0') throw new Error('not a decoding failure');
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as () => unknown).bind(t) : v;
    },
  });

  it('another failure while reading supported_versions propagates instead of reading as "1.3 not offered"', () => {
    expect(() => offersDtls13(hello([{ type: SUPPORTED_VERSIONS, data: failing() }]))).toThrow('not a decoding failure');
  });

  it('another failure while reading the cookie extension propagates instead of reading as "no cookie"', () => {
    expect(() => cookieOf(hello([{ type: COOKIE, data: failing() }]))).toThrow('not a decoding failure');
  });
});

describe('the HelloRetryRequest cookie', () => {
  const make = (o: { suite?: typeof AES128; group?: 'x25519' | 'secp256r1' | undefined; hash?: Uint8Array; now?: number; f?: CookieFactory } = {}) =>
    makeRetryCookie(o.f ?? factory(), ADDR, PORT, o.suite ?? AES128, 'group' in o ? o.group : 'x25519', o.hash ?? HASH32, o.now ?? T0);

  it('opens to the suite, group and Hash(ClientHello1) it was made with, and the HelloRetryRequest as sent', () => {
    const f = factory();
    for (const [suite, group, hash] of [[AES128, 'x25519', HASH32], [AES256, 'secp256r1', HASH48], [AES128, undefined, HASH32]] as const) {
      const cookie = make({ f, suite, group, hash });
      expect(cookie).toHaveLength(5 + hash.length + COOKIE_LENGTH);
      const st = openRetryCookie(f, ADDR, PORT, cookie, T0 + 5, SUITES_13, ECHO)!;
      expect(st.suite).toBe(suite);
      expect(st.group).toBe(group);
      expect('group' in st).toBe(group !== undefined);
      expect(toHex(st.clientHello1Hash)).toBe(toHex(hash));
      expect(toHex(st.helloRetryRequest)).toBe(toHex(helloRetryRequestBody(suite, group, cookie, ECHO)));
    }
  });

  it('is refused from another address or port', () => {
    const f = factory();
    const cookie = make({ f });
    expect(openRetryCookie(f, '192.0.2.8', PORT, cookie, T0, SUITES_13, ECHO)).toBeUndefined();
    expect(openRetryCookie(f, ADDR, PORT + 1, cookie, T0, SUITES_13, ECHO)).toBeUndefined();
  });

  it('lives for the period it was made in and the next one, no longer', () => {
    const f = factory();
    const cookie = make({ f, now: T0 + PERIOD - 1 });
    expect(openRetryCookie(f, ADDR, PORT, cookie, T0 + 2 * PERIOD - 1, SUITES_13, ECHO)).toBeDefined();
    expect(openRetryCookie(f, ADDR, PORT, cookie, T0 + 2 * PERIOD, SUITES_13, ECHO)).toBeUndefined();
    expect(openRetryCookie(factory(), ADDR, PORT, make({ now: T0 + PERIOD }), T0, SUITES_13, ECHO)).toBeUndefined();
  });

  it('is refused with any one of its bits flipped (payload or MAC)', () => {
    const f = factory();
    const cookie = make({ f });
    for (let bit = 0; bit < cookie.length * 8; bit++) {
      const c = cookie.slice();
      c[bit >>> 3]! ^= 1 << (bit & 7);
      expect(openRetryCookie(f, ADDR, PORT, c, T0, SUITES_13, ECHO), `bit ${bit}`).toBeUndefined();
    }
  });

  it('is refused truncated, extended, or from a factory with another secret', () => {
    const f = factory();
    const cookie = make({ f });
    for (const c of [cookie.subarray(0, cookie.length - 1), Uint8Array.from([...cookie, 0]), cookie.subarray(0, COOKIE_LENGTH + 5), cookie.subarray(0, COOKIE_LENGTH)]) {
      expect(openRetryCookie(f, ADDR, PORT, c, T0, SUITES_13, ECHO)).toBeUndefined();
    }
    const other = new CookieFactory(nodeProvider, counting(32, 0x11), PERIOD);
    expect(openRetryCookie(other, ADDR, PORT, cookie, T0, SUITES_13, ECHO)).toBeUndefined();
  });

  it('is refused when its suite is no longer allowed', () => {
    const f = factory();
    const cookie = make({ f, suite: AES256, hash: HASH48 });
    expect(openRetryCookie(f, ADDR, PORT, cookie, T0, SUITES_13.filter((s) => s !== AES256), ECHO)).toBeUndefined();
    expect(openRetryCookie(f, ADDR, PORT, cookie, T0, [AES256], ECHO)?.suite).toBe(AES256);
  });

  /** A cookie with this payload and a valid MAC (what only a server with the secret could make). */
  const signed = (f: CookieFactory, payload: Uint8Array) => Uint8Array.from([...payload, ...f.macFor(ADDR, PORT, payload, T0)]);
  const payload = (suiteId: number, groupId: number, hash: Uint8Array, extra: number[] = []) => {
    const w = new Writer(64);
    w.u16(suiteId).u16(groupId).opaque8(hash);
    return Uint8Array.from([...w.finish(), ...extra]);
  };

  it('too short to hold a payload (at most COOKIE_LENGTH + 5 bytes) is refused before any MAC is computed', () => {
    const f = factory();
    let macs = 0;
    const verifyFor = f.verifyFor.bind(f);
    f.verifyFor = (...a: Parameters<CookieFactory['verifyFor']>) => { macs++; return verifyFor(...a); };
    const cookie = make({ f });
    for (let n = 0; n <= COOKIE_LENGTH + 5; n++) {
      expect(openRetryCookie(f, ADDR, PORT, cookie.subarray(0, n), T0, SUITES_13, ECHO), `${n} bytes`).toBeUndefined();
    }
    expect(macs).toBe(0);
    // One byte more is long enough to be checked (and then refused by its MAC).
    expect(openRetryCookie(f, ADDR, PORT, cookie.subarray(0, COOKIE_LENGTH + 6), T0, SUITES_13, ECHO)).toBeUndefined();
    expect(macs).toBe(1);
  });

  it('a failure other than a malformed payload propagates instead of reading as "not a cookie"', () => {
    const f = factory();
    const cookie = make({ f });
    const failing = { includes: () => { throw new Error('not a decoding failure'); } } as unknown as readonly Suite13[];
    expect(() => openRetryCookie(f, ADDR, PORT, cookie, T0, failing, ECHO)).toThrow('not a decoding failure');
  });

  it('with a valid MAC, is still refused when its fields are not a suite, group and hash we know', () => {
    const f = factory();
    expect(openRetryCookie(f, ADDR, PORT, signed(f, payload(0x1301, 0x001d, HASH32)), T0, SUITES_13, ECHO)?.group).toBe('x25519');
    expect(openRetryCookie(f, ADDR, PORT, signed(f, payload(0x1301, 0, HASH32)), T0, SUITES_13, ECHO)?.group).toBeUndefined();
    for (const [what, p] of [
      ['an unknown suite', payload(0x13ff, 0x001d, HASH32)],
      ['an unknown group', payload(0x1301, 0x0999, HASH32)],
      ['a hash of 31 bytes', payload(0x1301, 0x001d, HASH32.subarray(0, 31))],
      ['a hash of 49 bytes', payload(0x1301, 0x001d, counting(49))],
      ['a trailing byte', payload(0x1301, 0x001d, HASH32, [0])],
    ] as const) {
      expect(openRetryCookie(f, ADDR, PORT, signed(f, p), T0, SUITES_13, ECHO), what).toBeUndefined();
    }
  });
});

describe('the stateless HelloRetryRequest and alert records', () => {
  const fields = { suite: AES128, group: 'x25519', cookie: counting(69), echo: ECHO } as const;
  const body = helloRetryRequestBody(AES128, 'x25519', counting(69), ECHO);

  it('frames the HelloRetryRequest as a DTLSPlaintext server_hello with the ClientHello\'s record sequence number and message_seq', () => {
    const r = helloRetryRequestRecord(fields, 1, 7, 1000)!;
    const { records } = parseDatagram(r.record);
    expect(records.map((x) => [x.type, x.version, x.epoch, x.seq])).toEqual([[22, 0xfefd, 0, 7]]);
    const frag = decodeHandshakeFragment(new Reader(records[0]!.fragment));
    expect([frag.msgType, frag.messageSeq, frag.fragmentOffset, frag.length]).toEqual([2, 1, 0, body.length]);
    expect(toHex(frag.body)).toBe(toHex(body));
    expect(toHex(r.fragment)).toBe(toHex(records[0]!.fragment));
  });

  it('never answers with more bytes than the ClientHello had: a record exactly as large is sent, one byte larger is not', () => {
    const size = helloRetryRequestRecord(fields, 0, 0, 10_000)!.record.length;
    expect(helloRetryRequestRecord(fields, 0, 0, size)).toBeDefined();
    expect(helloRetryRequestRecord(fields, 0, 0, size - 1)).toBeUndefined();
  });

  it('a fatal alert in a DTLSPlaintext record with the ClientHello\'s record sequence number', () => {
    expect(toHex(plaintextAlert(70, 9))).toBe('15fefd00000000000000090002' + '0246');
  });
});
