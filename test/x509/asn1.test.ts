/**
 * The strict DER readers of src/x509/asn1.ts, byte vector by byte vector:
 * each structural problem derProblem names (and the encodings next to it
 * that are accepted), tlvLength and innerTlvs on the same edges, and the
 * typed accessors over asn1js nodes (which node each accepts, which
 * contents it refuses).
 */
import { describe, expect, it } from 'vitest';
import {
  bitString, booleanValue, children, decodeDer, derProblem, innerTlvs, integerBytes, isContext, octetString, oid as oidOf,
  primitiveBytes, rawBytes, seq as seqOf, set as setOf, smallInteger, tlvLength,
} from '../../src/x509/asn1.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { bits, bool, concat, ctx, ctxPrim, int, nul, octets, oid, seq, set, tlv, utf8 } from './helpers/der.js';
import { makeCert, testKey } from './helpers/pki.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const nested = (depth: number): Uint8Array => {
  let v = b(0x30, 0x00);
  for (let i = 1; i < depth; i++) v = seq(v);
  return v;
};
const node = (der: Uint8Array) => {
  const n = decodeDer(der);
  expect(n).toBeDefined();
  return n!;
};

describe('derProblem', () => {
  it('accepts one well-formed TLV, nested or not', () => {
    expect(derProblem(nul())).toBeUndefined();
    expect(derProblem(seq(nul(), int(1), seq()))).toBeUndefined();
    expect(derProblem(ctx(3, seq(octets(b(1, 2, 3)))))).toBeUndefined();
    // A primitive's contents are not interpreted, even when they look like bad DER.
    expect(derProblem(octets(b(0x30, 0x80, 0x00)))).toBeUndefined();
    expect(derProblem(ctxPrim(1, b(0x30, 0x05)))).toBeUndefined();
  });

  it('refuses empty input', () => {
    expect(derProblem(new Uint8Array(0))).toBe('empty input');
    expect(derProblem(new Uint8Array(0), true)).toBe('empty input');
  });

  it('accepts 48 levels of nesting, not 49', () => {
    expect(derProblem(nested(48))).toBeUndefined();
    expect(derProblem(nested(49))).toBe('nesting too deep');
    // Depth counts constructed values, whatever their tag.
    let v = b(0xa0, 0x00);
    for (let i = 1; i < 49; i++) v = ctx(0, v);
    expect(derProblem(v)).toBe('nesting too deep');
  });

  it('checks multi-byte tags', () => {
    expect(derProblem(b(0x1f, 0x1f, 0x00))).toBeUndefined(); // [UNIVERSAL 31]
    expect(derProblem(b(0x9f, 0x81, 0x80, 0x01, 0x00))).toBeUndefined(); // 0x80 after the first byte is fine
    expect(derProblem(b(0x9f, 0x81, 0x81, 0x81, 0x01, 0x00))).toBeUndefined(); // four bytes
    expect(derProblem(b(0x9f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00))).toBe('tag number too large'); // five
    expect(derProblem(b(0x9f, 0x80, 0x01, 0x00))).toBe('non-minimal tag');
    expect(derProblem(b(0x9f))).toBe('truncated tag');
    expect(derProblem(b(0x9f, 0x81))).toBe('truncated tag');
    expect(derProblem(b(0x9f, 0x81, 0x01))).toBe('truncated length');
    // Inside a constructed value the tag is bounded by its container, not by the input.
    expect(derProblem(concat(b(0x30, 0x02, 0x9f, 0x81), b(0x01, 0x00)), true)).toBe('truncated tag');
    expect(derProblem(seq(b(0xbf, 0x21, 0x02, 0x05, 0x00)))).toBeUndefined(); // constructed [33]
    expect(derProblem(seq(b(0xbf, 0x21, 0x02, 0x05, 0x01)))).toBe('value overruns its container');
  });

  it('checks lengths: definite, minimal, within their container', () => {
    expect(derProblem(b(0x04))).toBe('truncated length');
    expect(derProblem(b(0x30, 0x80, 0x00, 0x00))).toBe('indefinite length');
    expect(derProblem(b(0x04, 0x82, 0x01))).toBe('truncated length');
    expect(derProblem(b(0x04, 0x81, 0x80))).toBe('value overruns its container');
    expect(derProblem(b(0x04, 0x81, 0x00))).toBe('non-minimal length');
    expect(derProblem(b(0x04, 0x81, 0x7f, ...new Array<number>(0x7f).fill(0)))).toBe('non-minimal length');
    expect(derProblem(b(0x04, 0x82, 0x00, 0x80, ...new Array<number>(0x80).fill(0)))).toBe('non-minimal length');
    expect(derProblem(b(0x04, 0x82, 0x00, 0xff, ...new Array<number>(0xff).fill(0)))).toBe('non-minimal length');
    expect(derProblem(b(0x04, 0x81, 0x80, ...new Array<number>(0x80).fill(0)))).toBeUndefined();
    expect(derProblem(b(0x04, 0x82, 0x01, 0x00, ...new Array<number>(0x100).fill(0)))).toBeUndefined();
    expect(derProblem(b(0x04, 0x82, 0x01, 0x00, ...new Array<number>(0xff).fill(0)))).toBe('value overruns its container');
    expect(derProblem(b(0x04, 0x84, 0x01, 0x00, 0x00, 0x00))).toBe('value overruns its container'); // four length bytes
    expect(derProblem(b(0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00))).toBe('length too large'); // five
    expect(derProblem(b(0x04, 0x02, 0x00))).toBe('value overruns its container');
    expect(derProblem(b(0x04, 0x01, 0x00))).toBeUndefined();
    // The inner value's length is checked against its container, not the input.
    expect(derProblem(b(0x30, 0x03, 0x04, 0x02, 0x00, 0x00), true)).toBe('value overruns its container');
    expect(derProblem(b(0x30, 0x03, 0x04, 0x81, 0x80, 0x00))).toBe('value overruns its container');
    expect(derProblem(b(0x30, 0x02, 0x04, 0x81, 0x80), true)).toBe('truncated length');
    expect(derProblem(b(0x30, 0x01, 0x04, 0x00), true)).toBe('truncated length');
  });

  it('refuses trailing data unless many values are allowed', () => {
    expect(derProblem(concat(nul(), nul()))).toBe('trailing data');
    expect(derProblem(concat(nul(), b(0x00)))).toBe('trailing data');
    expect(derProblem(concat(nul(), nul()), true)).toBeUndefined();
    expect(derProblem(concat(nul(), b(0x04)), true)).toBe('truncated length');
    expect(derProblem(seq(nul(), nul()))).toBeUndefined();
    // After a constructed value the walk goes on: to its siblings, and to trailing data.
    expect(derProblem(concat(seq(), nul()))).toBe('trailing data');
    expect(derProblem(concat(seq(nul()), nul()))).toBe('trailing data');
    expect(derProblem(seq(seq(), b(0x04, 0x81, 0x00)))).toBe('non-minimal length');
  });

  it('reports problems of nested values', () => {
    expect(derProblem(seq(b(0x04, 0x81, 0x05, 1, 2, 3, 4, 5)))).toBe('non-minimal length');
    expect(derProblem(ctx(0, seq(b(0x30, 0x80, 0x00, 0x00))))).toBe('indefinite length');
    expect(derProblem(seq(nul(), b(0x9f, 0x80, 0x01, 0x00)))).toBe('non-minimal tag');
  });
});

describe('tlvLength', () => {
  it('measures the TLV at an offset, header included', () => {
    expect(tlvLength(nul())).toBe(2);
    expect(tlvLength(concat(nul(), octets(b(1, 2))), 2)).toBe(4);
    expect(tlvLength(concat(nul(), octets(b(1, 2))), 0)).toBe(2);
    expect(tlvLength(b(0x04, 0x81, 0x80, ...new Array<number>(0x80).fill(0)))).toBe(0x83);
    expect(tlvLength(b(0x04, 0x82, 0x01, 0x00, ...new Array<number>(0x100).fill(0)))).toBe(0x104);
    expect(tlvLength(b(0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0x07))).toBe(7);
    expect(tlvLength(b(0x9f, 0x81, 0x80, 0x01, 0x00))).toBe(5);
    expect(tlvLength(b(0x9f, 0x81, 0x81, 0x81, 0x01, 0x00))).toBe(6);
    expect(tlvLength(b(0x1f, 0x1f, 0x01, 0x00))).toBe(4);
    expect(tlvLength(b(0x30, 0x00, 0x05, 0x00))).toBe(2);
    expect(tlvLength(b(0x04, 0x81, 0x00))).toBe(3); // minimality is derProblem's business
    expect(tlvLength(b(0x04, 0x82, 0x00, 0x00))).toBe(4);
  });

  it('is undefined for a malformed header or an overrun', () => {
    expect(tlvLength(new Uint8Array(0))).toBeUndefined();
    expect(tlvLength(nul(), 2)).toBeUndefined();
    expect(tlvLength(b(0x04))).toBeUndefined();
    expect(tlvLength(b(0x04, 0x80, 0x00, 0x00))).toBeUndefined();
    expect(tlvLength(b(0x04, 0x80, ...new Array<number>(0x80).fill(0)))).toBeUndefined(); // indefinite, not 128
    expect(tlvLength(b(0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00))).toBeUndefined();
    expect(tlvLength(b(0x04, 0x82, 0x01))).toBeUndefined();
    expect(tlvLength(b(0x04, 0x81))).toBeUndefined();
    expect(tlvLength(b(0x04, 0x02, 0x00))).toBeUndefined();
    expect(tlvLength(b(0x04, 0x81, 0x80, ...new Array<number>(0x7f).fill(0)))).toBeUndefined();
    expect(tlvLength(b(0x9f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00))).toBeUndefined();
    expect(tlvLength(b(0x9f, 0x81))).toBeUndefined();
    expect(tlvLength(b(0x9f, 0x81, 0x01))).toBeUndefined();
    expect(tlvLength(b(0x9f))).toBeUndefined();
  });
});

describe('innerTlvs', () => {
  it('splits a constructed TLV into its children', () => {
    expect(innerTlvs(seq(nul(), int(1)))).toEqual([nul(), int(1)]);
    expect(innerTlvs(seq())).toEqual([]);
    expect(innerTlvs(ctx(1, utf8('a')))).toEqual([utf8('a')]);
    const big = octets(new Uint8Array(200).fill(7));
    expect(innerTlvs(seq(big, nul()))).toEqual([big, nul()]);
    expect(innerTlvs(seq(octets(new Uint8Array(0x10000))))).toEqual([octets(new Uint8Array(0x10000))]);
  });

  it('is undefined for anything but one constructed TLV with a one-byte tag', () => {
    expect(innerTlvs(octets(b(0x05, 0x00)))).toBeUndefined();
    expect(innerTlvs(concat(seq(nul()), nul()))).toBeUndefined();
    expect(innerTlvs(b(0x30, 0x02, 0x05))).toBeUndefined();
    expect(innerTlvs(b(0x3f, 0x21, 0x02, 0x05, 0x00))).toBeUndefined();
    // A two-byte tag whose second byte would read as a length: still not split.
    expect(innerTlvs(b(0x3f, 0x05, 0x03, 0x02, 0x00, 0x00))).toBeUndefined();
    expect(innerTlvs(b(0x30, 0x02, 0x04, 0x05))).toBeUndefined();
    expect(innerTlvs(new Uint8Array(0))).toBeUndefined();
  });
});

describe('decodeDer', () => {
  it('decodes one strict DER value', () => {
    const n = node(seq(int(5), utf8('x')));
    expect(seqOf(n)).toHaveLength(2);
    expect(smallInteger(seqOf(n)![0])).toBe(5);
  });

  it('is undefined for what derProblem refuses, or asn1js cannot decode', () => {
    expect(decodeDer(concat(nul(), nul()))).toBeUndefined();
    expect(decodeDer(b(0x30, 0x80, 0x05, 0x00, 0x00, 0x00))).toBeUndefined();
    expect(decodeDer(new Uint8Array(0))).toBeUndefined();
    expect(decodeDer(b(0x06, 0x01, 0x80))).toBeUndefined(); // OID with an unterminated arc
  });

  it('does not copy its input: the nodes are views of it', () => {
    const der = seq(octets(b(1, 2)));
    const n = node(der);
    expect(rawBytes(n).buffer).toBe(der.buffer);
    der[4] = 9;
    expect(octetString(seqOf(n)![0])).toEqual(b(9, 2));
  });
});

describe('node accessors', () => {
  it('children, seq, set', () => {
    expect(children(node(seq(nul(), nul())))).toHaveLength(2);
    expect(children(node(set(nul())))).toHaveLength(1);
    expect(children(node(ctx(2, nul(), nul(), nul())))).toHaveLength(3);
    expect(children(node(nul()))).toBeUndefined();
    expect(children(node(octets(b(1))))).toBeUndefined();
    expect(children(undefined)).toBeUndefined();
    expect(seqOf(node(seq(nul())))).toHaveLength(1);
    expect(seqOf(node(set(nul())))).toBeUndefined();
    expect(seqOf(node(ctx(16, nul())))).toBeUndefined();
    expect(seqOf(undefined)).toBeUndefined();
    expect(setOf(node(set(nul(), nul())))).toHaveLength(2);
    expect(setOf(node(seq(nul())))).toBeUndefined();
    expect(setOf(undefined)).toBeUndefined();
  });

  it('oid', () => {
    expect(oidOf(node(oid('2.5.4.3')))).toBe('2.5.4.3');
    expect(oidOf(node(oid('1.2.840.113549.1.1.11')))).toBe('1.2.840.113549.1.1.11');
    expect(oidOf(node(utf8('2.5.4.3')))).toBeUndefined();
    expect(oidOf(undefined)).toBeUndefined();
    expect(oidOf(node(b(0x06, 0x00)))).toBeUndefined(); // empty
    // Each subidentifier in the fewest octets (X.690 §8.19.2): a leading 0x80 is refused, not read as the same OID.
    expect(oidOf(node(b(0x06, 0x03, 0x55, 0x1d, 0x13)))).toBe('2.5.29.19');
    expect(oidOf(node(b(0x06, 0x04, 0x55, 0x1d, 0x80, 0x13)))).toBeUndefined();
    expect(oidOf(node(b(0x06, 0x04, 0x80, 0x55, 0x1d, 0x13)))).toBeUndefined();
    expect(oidOf(node(b(0x06, 0x05, 0x55, 0x1d, 0x80, 0x80, 0x13)))).toBeUndefined();
    expect(oidOf(node(b(0x06, 0x04, 0x2a, 0x81, 0x80, 0x01)))).toBe('1.2.16385'); // 0x80 inside a subidentifier
    expect(oidOf(node(b(0x06, 0x05, 0x2a, 0x81, 0x00, 0x81, 0x00)))).toBe('1.2.128.128');
    const long = [0x2a, ...new Array<number>(130).fill(0x01)];
    expect(oidOf(node(b(0x06, 0x81, long.length, ...long)))).toBe(['1', '2', ...new Array<string>(130).fill('1')].join('.'));
    expect(oidOf(node(b(0x06, 0x81, long.length + 1, ...long, 0x01)))).toBe(['1', '2', ...new Array<string>(131).fill('1')].join('.'));
    expect(oidOf(node(b(0x06, 0x81, long.length + 2, ...long, 0x80, 0x01)))).toBeUndefined();
    expect(oidOf(node(b(0x06, 0x81, long.length + 2, 0x80, ...long, 0x01)))).toBeUndefined();
  });

  it('isContext', () => {
    expect(isContext(node(ctx(3, nul())), 3)).toBe(true);
    expect(isContext(node(ctxPrim(3, b(1))), 3)).toBe(true);
    expect(isContext(node(ctx(3, nul())), 2)).toBe(false);
    expect(isContext(node(b(0x43, 0x01, 0x00)), 3)).toBe(false); // [APPLICATION 3]
    expect(isContext(node(b(0xc3, 0x01, 0x00)), 3)).toBe(false); // [PRIVATE 3]
    expect(isContext(node(b(0x03, 0x02, 0x00, 0x00)), 3)).toBe(false); // UNIVERSAL 3
    expect(isContext(undefined, 0)).toBe(false);
  });

  it('primitiveBytes', () => {
    expect(primitiveBytes(node(ctxPrim(1, b(1, 2))))).toEqual(b(1, 2));
    expect(primitiveBytes(node(octets(b(9))))).toEqual(b(9));
    expect(primitiveBytes(node(ctx(1, nul())))).toBeUndefined();
    expect(primitiveBytes(node(seq()))).toBeUndefined();
    expect(primitiveBytes(undefined)).toBeUndefined();
  });

  it('octetString', () => {
    expect(octetString(node(octets(b(1, 2, 3))))).toEqual(b(1, 2, 3));
    expect(octetString(node(octets(new Uint8Array(0))))).toEqual(new Uint8Array(0));
    expect(octetString(node(tlv(0x24, octets(b(1)))))).toBeUndefined(); // constructed form
    expect(octetString(node(ctxPrim(4, b(1))))).toBeUndefined();
    expect(octetString(node(utf8('a')))).toBeUndefined();
    expect(octetString(undefined)).toBeUndefined();
  });

  it('bitString', () => {
    expect(bitString(node(bits(b(0xa0), 5)))).toEqual({ bytes: b(0xa0), unusedBits: 5 });
    expect(bitString(node(bits(b(0x80), 7)))).toEqual({ bytes: b(0x80), unusedBits: 7 });
    expect(bitString(node(bits(b(1, 2))))).toEqual({ bytes: b(1, 2), unusedBits: 0 });
    expect(bitString(node(bits(new Uint8Array(0))))).toEqual({ bytes: new Uint8Array(0), unusedBits: 0 });
    expect(bitString(node(bits(new Uint8Array(0), 1)))).toBeUndefined();
    expect(decodeDer(bits(b(0x00), 8))).toBeUndefined(); // asn1js refuses more than 7 unused bits itself
    expect(bitString(node(tlv(0x23, bits(b(1)))))).toBeUndefined(); // constructed form
    expect(bitString(node(octets(b(0, 1))))).toBeUndefined();
    expect(bitString(undefined)).toBeUndefined();
  });

  it('integerBytes and smallInteger', () => {
    expect(integerBytes(node(int(0x1234)))).toEqual(b(0x12, 0x34));
    expect(integerBytes(node(int(-1)))).toEqual(b(0xff));
    expect(integerBytes(node(b(0x02, 0x00)))).toBeUndefined();
    expect(integerBytes(node(tlv(0x0a, b(1))))).toBeUndefined(); // ENUMERATED (an asn1js Integer subclass)
    expect(smallInteger(node(tlv(0x0a, b(1))))).toBeUndefined();
    expect(integerBytes(undefined)).toBeUndefined();
    expect(smallInteger(node(int(0)))).toBe(0);
    expect(smallInteger(node(int(2)))).toBe(2);
    expect(smallInteger(node(int(0x1234)))).toBe(0x1234);
    expect(smallInteger(node(int(0x7fffffff)))).toBe(0x7fffffff);
    expect(smallInteger(node(int(0x80000000)))).toBeUndefined();
    expect(smallInteger(node(int(0xffffffff)))).toBeUndefined();
    expect(smallInteger(node(int(0x80)))).toBe(0x80); // five bytes with the sign byte would also fit the length check
    expect(smallInteger(node(int(b(0x00, 0x00, 0x00, 0x00, 0x01))))).toBe(1); // five bytes (not minimal; asn1js decodes it)
    expect(smallInteger(node(int(b(0x00, 0x00, 0x00, 0x00, 0x00, 0x01))))).toBeUndefined(); // six
    expect(smallInteger(node(int(-1)))).toBeUndefined();
    expect(smallInteger(node(int(-0x80)))).toBeUndefined();
    expect(smallInteger(node(int(b(0x02, 0x00))))).toBe(0x200);
    expect(smallInteger(node(b(0x02, 0x00)))).toBeUndefined();
    expect(smallInteger(node(nul()))).toBeUndefined();
  });

  it('booleanValue', () => {
    expect(booleanValue(node(bool(true)))).toBe(true);
    expect(booleanValue(node(bool(false)))).toBe(false);
    expect(booleanValue(node(b(0x01, 0x01, 0x01)))).toBeUndefined();
    expect(booleanValue(node(b(0x01, 0x01, 0xfe)))).toBeUndefined();
    expect(booleanValue(node(b(0x01, 0x02, 0xff, 0xff)))).toBeUndefined();
    expect(booleanValue(node(b(0x01, 0x02, 0x00, 0x00)))).toBeUndefined();
    expect(booleanValue(node(b(0x01, 0x00)))).toBeUndefined();
    expect(booleanValue(node(int(0)))).toBeUndefined();
    expect(booleanValue(node(int(-1)))).toBeUndefined();
    expect(booleanValue(undefined)).toBeUndefined();
  });
});

describe('an ENUMERATED where an INTEGER belongs (asn1js decodes it as an Integer subclass)', () => {
  const key = testKey('p256', 0);
  const enumerated = (v: number): Uint8Array => tlv(0x0a, b(v));
  it('is refused as a pathLenConstraint and as an inhibitAnyPolicy', () => {
    const withInt = parseCertificate(makeCert({ subject: { CN: 'ca' }, key, basicConstraints: null,
      extra: [{ oid: '2.5.29.19', critical: true, value: seq(bool(true), int(1)) }] }).der);
    expect(withInt.basicConstraints?.pathLen).toBe(1);
    expect(() => parseCertificate(makeCert({ subject: { CN: 'ca' }, key, basicConstraints: null,
      extra: [{ oid: '2.5.29.19', critical: true, value: seq(bool(true), enumerated(1)) }] }).der))
      .toThrow(/pathLenConstraint/);
    expect(() => parseCertificate(makeCert({ subject: { CN: 'ca' }, key,
      extra: [{ oid: '2.5.29.54', critical: true, value: enumerated(0) }] }).der))
      .toThrow(/inhibitAnyPolicy/);
  });
});

describe('an OID with a padded subidentifier', () => {
  it('is refused in a certificate, not read as the OID it pads (here basicConstraints)', () => {
    const cert = makeCert({ subject: { CN: 'ca' }, key: testKey('p256', 0) });
    const value = octets(seq(bool(true)));
    expect(parseCertificate(withExtension(cert.der, seq(b(0x06, 0x03, 0x55, 0x1d, 0x13), bool(true), value))).basicConstraints?.ca).toBe(true);
    expect(() => parseCertificate(withExtension(cert.der, seq(b(0x06, 0x04, 0x55, 0x1d, 0x80, 0x13), bool(true), value)))).toThrow(/malformed extension/);
  });
});

/** `cert` (v3, no extensions) with one raw Extension added to its TBSCertificate (parseCertificate does not check the signature). */
function withExtension(cert: Uint8Array, extension: Uint8Array): Uint8Array {
  const top = innerTlvs(cert)!;
  const tbs = innerTlvs(top[0]!)!;
  return seq(seq(...tbs, ctx(3, seq(extension))), top[1]!, top[2]!);
}
