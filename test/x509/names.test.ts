/**
 * Name decoding (src/x509/names.ts, RFC 5280 §4.1.2.4 and §7.1) from DER:
 * each directory string type as text, values that are no string kept as
 * DER hex, the canonical comparison key, and each malformed Name refused
 * with its message.
 */
import { describe, expect, it } from 'vitest';
import { decodeDer } from '../../src/x509/asn1.js';
import { Malformed } from '../../src/x509/malformed.js';
import { attributeValues, decodeName, nameKey, stringValue } from '../../src/x509/names.js';
import { ctx, ctxPrim, int, nul, oid, printable, seq, set, tlv, utcTime, utf8 } from './helpers/der.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const CN = '2.5.4.3';
const O = '2.5.4.10';
const str = (der: Uint8Array) => {
  const n = decodeDer(der);
  return n === undefined ? 'refused by asn1js' : stringValue(n);
};
const ava = (type: string, value: Uint8Array): Uint8Array => seq(oid(type), value);
const name = (...rdns: Uint8Array[][]): Uint8Array => seq(...rdns.map((avas) => set(...avas)));
const dec = (der: Uint8Array) => decodeName(decodeDer(der), 'subject');
const refused = (der: Uint8Array | undefined, message: string) =>
  expect(() => decodeName(der === undefined ? undefined : decodeDer(der), 'subject')).toThrow(new Malformed(message));

describe('stringValue', () => {
  it('decodes each directory string type', () => {
    expect(str(utf8('é€'))).toBe('é€');
    for (const tag of [18, 19, 20, 21, 22, 25, 26, 27]) expect(str(tlv(tag, b(0x41, 0xe9)))).toBe('Aé');
    expect(str(tlv(30, b(0x00, 0x41, 0x20, 0xac)))).toBe('A€');
    expect(str(tlv(30, new Uint8Array(0)))).toBe('');
    expect(str(tlv(28, b(0, 0, 0, 0x41, 0, 0x01, 0xf6, 0x00)))).toBe('A\u{1f600}');
    expect(str(tlv(28, b(0, 0x10, 0xff, 0xff)))).toBe('\u{10ffff}');
  });

  it('is undefined for other types and broken lengths', () => {
    // asn1js itself refuses a BMPString of odd length and a UniversalString not a multiple of 4.
    expect(str(tlv(30, b(0x00, 0x41, 0x00)))).toBe('refused by asn1js');
    expect(str(tlv(28, b(0, 0, 0x41)))).toBe('refused by asn1js');
    expect(str(tlv(28, b(0, 0, 0, 0x41, 0, 0)))).toBe('refused by asn1js');
    expect(str(tlv(28, b(0, 0x11, 0, 0)))).toBeUndefined();
    expect(str(tlv(28, b(0x80, 0, 0, 0)))).toBeUndefined();
    expect(str(int(5))).toBeUndefined();
    expect(str(oid('1.2.3'))).toBeUndefined();
    expect(str(nul())).toBeUndefined();
    expect(str(utcTime('240101000000Z'))).toBeUndefined();
    expect(str(ctxPrim(12, b(0x41)))).toBeUndefined();
    expect(str(tlv(0x4c, b(0x41)))).toBeUndefined(); // [APPLICATION 12]
    expect(str(tlv(0x2c, utf8('a')))).toBeUndefined(); // constructed UTF8String
    expect(str(seq(utf8('a')))).toBeUndefined();
  });
});

describe('decodeName', () => {
  it('decodes the RDNs in order, with short names and text values', () => {
    const der = name([ava(O, utf8('Example')), ava(CN, printable('x'))], [ava('1.2.3.4', int(5))]);
    const n = dec(der);
    expect(n.der).toEqual(der);
    expect(n.rdns).toEqual([
      [{ oid: O, name: 'O', value: 'Example' }, { oid: CN, name: 'CN', value: 'x' }],
      [{ oid: '1.2.3.4', name: '1.2.3.4', value: '#020105' }],
    ]);
    expect(attributeValues(n, CN)).toEqual(['x']);
    expect(attributeValues(n, O)).toEqual(['Example']);
    expect(attributeValues(n, '2.5.4.6')).toEqual([]);
    expect(dec(seq()).rdns).toEqual([]);
    expect(dec(name([ava(CN, int(0xab))])).rdns[0]![0]!.value).toBe('#020200AB'); // upper case, as OpenSSL prints it
  });

  it('copies the DER', () => {
    const der = name([ava(CN, utf8('x'))]);
    const n = dec(der);
    der[der.length - 1] = 0x79;
    expect(n.der[n.der.length - 1]).toBe(0x78);
  });

  it('compares names as RFC 5280 §7.1 says', () => {
    const key = (...rdns: Uint8Array[][]) => dec(name(...rdns)).key;
    expect(key([ava(CN, utf8('  Foo   Bar '))])).toBe(key([ava(CN, printable('foo bar'))]));
    expect(key([ava(CN, utf8('ﬁ'))])).toBe(key([ava(CN, utf8('fi'))])); // NFKC
    expect(key([ava(CN, utf8('a\tb'))])).toBe(key([ava(CN, utf8('A B'))]));
    expect(key([ava(CN, utf8('a')), ava(O, utf8('b'))])).toBe(key([ava(O, utf8('B')), ava(CN, utf8('A'))]));
    expect(key([ava(CN, utf8('a'))], [ava(O, utf8('b'))])).not.toBe(key([ava(O, utf8('b'))], [ava(CN, utf8('a'))]));
    expect(key([ava(CN, utf8('a'))])).not.toBe(key([ava(O, utf8('a'))]));
    expect(key([ava(CN, utf8('ab'))])).not.toBe(key([ava(CN, utf8('a b'))]));
    expect(key([ava(CN, int(1))])).toBe(key([ava(CN, int(1))]));
    expect(key([ava(CN, int(1))])).not.toBe(key([ava(CN, int(2))]));
    expect(key([ava(CN, tlv(0x04, b(0x61)))])).not.toBe(key([ava(CN, utf8('a'))]));
    const n = dec(name([ava(CN, utf8('B')), ava(O, utf8('a'))], [ava(CN, int(1))]));
    expect(n.rdnKeys).toEqual([JSON.stringify([[O, 's:a'], [CN, 's:b']]), JSON.stringify([[CN, '#020101']])]);
    expect(n.key).toBe(JSON.stringify(n.rdnKeys));
  });

  it('refuses what is not a Name', () => {
    refused(undefined, 'subject is not a Name');
    refused(set(), 'subject is not a Name');
    refused(ctx(16, set(ava(CN, utf8('x')))), 'subject is not a Name');
    refused(seq(set()), 'subject: malformed RDN');
    refused(seq(seq(ava(CN, utf8('x')))), 'subject: malformed RDN');
    refused(seq(set(seq(oid(CN)))), 'subject: malformed attribute');
    refused(seq(set(seq(oid(CN), utf8('x'), utf8('y')))), 'subject: malformed attribute');
    refused(seq(set(seq(utf8('2.5.4.3'), utf8('x')))), 'subject: malformed attribute');
    refused(seq(set(set(oid(CN), utf8('x')))), 'subject: malformed attribute');
    refused(seq(set(ava(CN, utf8('x')), nul())), 'subject: malformed attribute');
  });
});

describe('nameKey', () => {
  it('is the key of a DER Name, or undefined', () => {
    const der = name([ava(CN, utf8('X'))]);
    expect(nameKey(der)).toBe(dec(der).key);
    expect(nameKey(seq(set()))).toBeUndefined();
    expect(nameKey(b(0x30))).toBeUndefined();
    expect(nameKey(utf8('x'))).toBeUndefined();
  });
});
