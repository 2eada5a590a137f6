import { describe, expect, it } from 'vitest';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { formatIpAddress, formatIpAddressNode, isIpAddress, parseIpAddress } from '../../src/x509/ip.js';

describe('parseIpAddress', () => {
  it('parses IPv4 dotted quads without leading zeros', () => {
    expect(parseIpAddress('127.0.0.1')).toEqual(Uint8Array.of(127, 0, 0, 1));
    expect(parseIpAddress('255.255.255.255')).toEqual(Uint8Array.of(255, 255, 255, 255));
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '']) {
      expect(parseIpAddress(bad)).toBeUndefined();
    }
  });

  it('parses IPv6 in every RFC 4291 form, with optional brackets', () => {
    const one = Uint8Array.from([...new Array<number>(15).fill(0), 1]);
    for (const s of ['::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '[::1]', '0::0:1']) expect(parseIpAddress(s)).toEqual(one);
    expect(parseIpAddress('::')).toEqual(new Uint8Array(16));
    expect(parseIpAddress('2001:DB8::a:1')).toEqual(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 1));
    expect(parseIpAddress('::ffff:192.0.2.1')).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1));
    expect(parseIpAddress('1:2:3:4:5:6:7::')).toEqual(Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0));
    for (const bad of [':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'g::1', 'fe80::1%eth0', '::1.2.3', '1.2.3.4::', '[::1', ':1', '1:']) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
    expect(isIpAddress('localhost')).toBe(false);
    // A dotted IPv4 part only as the last group; brackets only as a pair.
    for (const bad of ['::1.2.3.4:1', '1.2.3.4:1:2:3:4:5:6', '1:2:3:4:5:1.2.3.4:6', '1::1]', '[1::1', '1.2.3.4]']) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
    expect(parseIpAddress('1:2:3:4:5:6:1.2.3.4')).toEqual(Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4));
  });

  it('agrees with node:net isIP on random inputs', () => {
    const v6 = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
      .chain((g) => fc.tuple(fc.constant(g), fc.nat(8), fc.nat(8)))
      .map(([g, a, b]) => {
        const [s, e] = [Math.min(a, b), Math.max(a, b)];
        const hex = g.map((x) => x.toString(16));
        return e - s >= 1 ? `${hex.slice(0, s).join(':')}::${hex.slice(e).join(':')}` : hex.join(':');
      });
    fc.assert(
      fc.property(fc.oneof(v6, fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 })), (s) => {
        // Differences by design: we accept [brackets] and reject %zone ids.
        fc.pre(!s.includes('%') && !s.includes('['));
        expect(isIpAddress(s)).toBe(isIP(s) !== 0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatIpAddress', () => {
  it('prints RFC 5952 canonical text', () => {
    const f = (s: string) => formatIpAddress(parseIpAddress(s)!);
    expect(f('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(f('2001:0DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(f('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(f('::ffff:1.2.3.4')).toBe('::ffff:1.2.3.4');
    expect(f('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(f('::')).toBe('::');
    expect(f('10.0.0.1')).toBe('10.0.0.1');
    expect(formatIpAddress(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it('prints the Node/OpenSSL subjectaltname form', () => {
    expect(formatIpAddressNode(parseIpAddress('fe80::ab:cd')!)).toBe('FE80:0:0:0:0:0:AB:CD');
    expect(formatIpAddressNode(parseIpAddress('192.0.2.1')!)).toBe('192.0.2.1');
    expect(formatIpAddressNode(Uint8Array.of(1, 2, 3))).toBe('<invalid length=3>');
  });

  it('round-trips random addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(parseIpAddress(formatIpAddress(b)!)).toEqual(b);
        expect(parseIpAddress(formatIpAddressNode(b))).toEqual(b);
      }),
    );
  });
});
