/**
 * GeneralName decoding (src/x509/general-names.ts, RFC 5280 §4.2.1.6) from
 * DER, form by form: what each CHOICE tag decodes to, and each malformed
 * encoding refused with its message (a Malformed, which parseCertificate
 * turns into ERR_DTLS_BAD_CERTIFICATE).
 */
import { describe, expect, it } from 'vitest';
import { decodeDer } from '../../src/x509/asn1.js';
import { decodeGeneralName, decodeGeneralNames, namesOfType } from '../../src/x509/general-names.js';
import { Malformed } from '../../src/x509/malformed.js';
import { ctx, ctxPrim, int, nul, oid, seq, tlv, utf8 } from './helpers/der.js';
import { nameDer } from './helpers/pki.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const name = (der: Uint8Array) => decodeGeneralName(decodeDer(der)!, 'SAN');
const refused = (der: Uint8Array, message: string) => expect(() => name(der)).toThrow(new Malformed(message));

describe('decodeGeneralName', () => {
  it('decodes each form', () => {
    expect(name(ctx(0, oid('1.2.3.4'), ctx(0, utf8('x'))))).toEqual({ type: 'otherName', typeId: '1.2.3.4', value: utf8('x') });
    expect(name(ctxPrim(1, ascii('a@example.com')))).toEqual({ type: 'email', value: 'a@example.com' });
    expect(name(ctxPrim(2, ascii('Example.com\x7f')))).toEqual({ type: 'dns', value: 'Example.com\x7f' });
    expect(name(ctx(3, seq()))).toEqual({ type: 'x400' });
    const dir = name(ctx(4, nameDer({ CN: 'x' })));
    expect(dir.type === 'dirName' && dir.name.rdns.length).toBe(1);
    expect(name(ctx(5, ctx(1, utf8('p'))))).toEqual({ type: 'ediParty' });
    expect(name(ctxPrim(6, ascii('https://a.example/')))).toEqual({ type: 'uri', value: 'https://a.example/' });
    expect(name(ctxPrim(7, Uint8Array.of(10, 0, 0, 1)))).toEqual({ type: 'ip', bytes: Uint8Array.of(10, 0, 0, 1) });
    expect(name(ctxPrim(8, Uint8Array.of(0x2a, 0x03)))).toEqual({ type: 'registeredId', id: '1.2.3' });
    expect(name(ctxPrim(8, new Uint8Array(127).fill(1))).type).toBe('registeredId');
  });

  it('refuses a tag that is no GeneralName', () => {
    refused(ctxPrim(9, ascii('x')), 'malformed SAN: bad GeneralName');
    refused(utf8('x'), 'malformed SAN: bad GeneralName');
    refused(tlv(0x42, ascii('x')), 'malformed SAN: bad GeneralName'); // [APPLICATION 2]
  });

  it('refuses a malformed otherName', () => {
    refused(ctxPrim(0, ascii('x')), 'malformed SAN: otherName');
    refused(ctx(0), 'malformed SAN: otherName');
    refused(ctx(0, int(1), ctx(0, utf8('x'))), 'malformed SAN: otherName');
    refused(ctx(0, oid('1.2.3.4')), 'malformed SAN: otherName');
    refused(ctx(0, oid('1.2.3.4'), ctx(0, utf8('x')), nul()), 'malformed SAN: otherName');
    refused(ctx(0, oid('1.2.3.4'), ctx(1, utf8('x'))), 'malformed SAN: otherName');
    refused(ctx(0, oid('1.2.3.4'), ctx(0)), 'malformed SAN: otherName');
    refused(ctx(0, oid('1.2.3.4'), ctx(0, utf8('x'), utf8('y'))), 'malformed SAN: otherName');
    refused(ctx(0, oid('1.2.3.4'), ctxPrim(0, ascii('x'))), 'malformed SAN: otherName');
  });

  it('refuses IA5 strings with non-ASCII bytes, or constructed', () => {
    refused(ctxPrim(1, Uint8Array.of(0x61, 0x80)), 'SAN rfc822Name is not IA5');
    refused(ctxPrim(2, Uint8Array.of(0xff)), 'SAN dNSName is not IA5');
    refused(ctxPrim(6, Uint8Array.of(0xc3, 0xa9)), 'SAN uniformResourceIdentifier is not IA5');
    refused(ctx(1, utf8('a')), 'malformed SAN rfc822Name');
    refused(ctx(2, utf8('a')), 'malformed SAN dNSName');
    refused(ctx(6, utf8('a')), 'malformed SAN uniformResourceIdentifier');
  });

  it('refuses primitive x400Address and ediPartyName, and a directoryName of other than one Name', () => {
    refused(ctxPrim(3, ascii('x')), 'malformed SAN: x400Address');
    refused(ctxPrim(5, ascii('x')), 'malformed SAN: ediPartyName');
    refused(ctx(4), 'malformed SAN: directoryName');
    refused(ctx(4, nameDer({ CN: 'x' }), nameDer({ CN: 'y' })), 'malformed SAN: directoryName');
    refused(ctxPrim(4, ascii('x')), 'malformed SAN: directoryName');
    expect(() => name(ctx(4, int(1)))).toThrow(/SAN directoryName/);
  });

  it('refuses a constructed iPAddress and a registeredID that is no OID', () => {
    refused(ctx(7, seq()), 'malformed SAN: iPAddress');
    refused(ctxPrim(8, new Uint8Array(0)), 'malformed SAN: registeredID');
    refused(ctxPrim(8, new Uint8Array(128).fill(1)), 'malformed SAN: registeredID');
    refused(ctxPrim(8, Uint8Array.of(0x2a, 0x83)), 'malformed SAN: registeredID'); // unfinished arc
    refused(ctx(8, oid('1.2.3')), 'malformed SAN: registeredID');
  });
});

describe('decodeGeneralNames and namesOfType', () => {
  it('decodes a non-empty SEQUENCE OF GeneralName', () => {
    expect(decodeGeneralNames(decodeDer(seq(ctxPrim(2, ascii('a.example')), ctxPrim(7, Uint8Array.of(1, 2, 3, 4)))), 'SAN')).toEqual([
      { type: 'dns', value: 'a.example' }, { type: 'ip', bytes: Uint8Array.of(1, 2, 3, 4) },
    ]);
    expect(() => decodeGeneralNames(decodeDer(seq()), 'SAN')).toThrow(new Malformed('malformed SAN'));
    expect(() => decodeGeneralNames(decodeDer(ctxPrim(2, ascii('a'))), 'SAN')).toThrow(new Malformed('malformed SAN'));
    expect(() => decodeGeneralNames(undefined, 'SAN')).toThrow(new Malformed('malformed SAN'));
  });

  it('filters by type, an absent list giving none', () => {
    const list = decodeGeneralNames(decodeDer(seq(ctxPrim(2, ascii('a.example')), ctxPrim(2, ascii('b.example')), ctxPrim(6, ascii('u:x')))), 'SAN');
    expect(namesOfType(list, 'dns').map((n) => n.value)).toEqual(['a.example', 'b.example']);
    expect(namesOfType(list, 'ip')).toEqual([]);
    expect(namesOfType(undefined, 'dns')).toEqual([]);
  });
});
