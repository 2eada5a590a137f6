import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import {
  type Extension, ExtensionType, decodeExtensions, ecPointFormats, encodeExtensions, findExtension, isEmptyExtension,
  renegotiationInfo, serverName, signatureAlgorithms, supportedGroups,
} from '../../src/handshake/extensions.js';
import { ExtensionTypes, NamedGroup, NamedGroups } from '../../src/handshake/registry.js';
import { DecodeError } from '../../src/errors.js';
import { hex, toHex } from '../codec/hex.js';
import { decodeError } from './messages/helpers.js';

const rejects = (f: () => unknown, message: RegExp | string) => {
  const err = decodeError(f);
  if (typeof message === 'string') expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
};

describe('supported_groups', () => {
  it('decodes a named_group_list', () => {
    expect(supportedGroups.decode(hex('0006 001d 0017 0018'))).toEqual([NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]);
  });

  it('encodes byte for byte', () => {
    expect(toHex(encode((w) => supportedGroups.encode(w, [29, 23])))).toBe('0004001d0017');
  });

  it('keeps unknown groups as numbers', () => {
    expect(supportedGroups.decode(hex('0004 fafa 0100'))).toEqual([0xfafa, 0x0100]);
  });

  it('rejects an empty list', () => {
    rejects(() => supportedGroups.decode(hex('0000')), /supported_groups: length 0 outside 2\.\./);
  });

  it('rejects an odd length', () => {
    rejects(() => supportedGroups.decode(hex('0003 001d 00')), 'supported_groups: odd length');
  });

  it('rejects a list length past the end', () => {
    rejects(() => supportedGroups.decode(hex('0006 001d 0017')), /^supported_groups: need 6 bytes, 4 left/);
  });

  it('rejects trailing bytes after the list', () => {
    rejects(() => supportedGroups.decode(hex('0002 001d 00')), 'supported_groups: 1 trailing bytes');
  });

  it('rejects empty extension data', () => {
    rejects(() => supportedGroups.decode(new Uint8Array(0)), /^supported_groups: need 2 bytes/);
  });
});

describe('ec_point_formats', () => {
  it('decodes and encodes the uncompressed format', () => {
    expect(ecPointFormats.decode(hex('01 00'))).toEqual([0]);
    expect(toHex(encode((w) => ecPointFormats.encode(w, [0])))).toBe('0100');
  });

  it('decodes several formats', () => {
    expect(ecPointFormats.decode(hex('03 00 01 02'))).toEqual([0, 1, 2]);
  });

  it('rejects an empty list', () => {
    rejects(() => ecPointFormats.decode(hex('00')), /ec_point_formats: length 0 outside 1\.\.255/);
  });

  it('rejects trailing bytes', () => {
    rejects(() => ecPointFormats.decode(hex('01 00 00')), 'ec_point_formats: 1 trailing bytes');
  });

  it('rejects a length past the end', () => {
    rejects(() => ecPointFormats.decode(hex('02 00')), /^ec_point_formats: need 2 bytes, 1 left/);
  });
});

describe('signature_algorithms', () => {
  it('decodes and encodes a list of schemes', () => {
    const data = hex('0008 0403 0503 0804 0401');
    expect(signatureAlgorithms.decode(data)).toEqual([0x0403, 0x0503, 0x0804, 0x0401]);
    expect(encode((w) => signatureAlgorithms.encode(w, [0x0403, 0x0503, 0x0804, 0x0401]))).toEqual(data);
  });

  it('rejects an empty list', () => {
    rejects(() => signatureAlgorithms.decode(hex('0000')), /signature_algorithms: length 0 outside 2\.\./);
  });

  it('rejects an odd length', () => {
    rejects(() => signatureAlgorithms.decode(hex('0005 0403 0503 08')), 'signature_algorithms: odd length');
  });

  it('rejects trailing bytes', () => {
    rejects(() => signatureAlgorithms.decode(hex('0002 0403 0000')), 'signature_algorithms: 2 trailing bytes');
  });
});

describe('renegotiation_info', () => {
  it('decodes the empty renegotiated_connection of an initial handshake', () => {
    expect(renegotiationInfo.decode(hex('00')).length).toBe(0);
    expect(toHex(encode((w) => renegotiationInfo.encode(w, new Uint8Array(0))))).toBe('00');
  });

  it('decodes a 12-byte client verify_data (a renegotiation)', () => {
    const vd = 'cf919626f1360c536aaad73a';
    expect(toHex(renegotiationInfo.decode(hex('0c' + vd)))).toBe(vd);
    expect(toHex(encode((w) => renegotiationInfo.encode(w, hex(vd))))).toBe('0c' + vd);
  });

  it('rejects empty extension data (the length byte is required)', () => {
    rejects(() => renegotiationInfo.decode(new Uint8Array(0)), /^renegotiated_connection: need 1 bytes, 0 left/);
  });

  it('rejects a length past the end', () => {
    rejects(() => renegotiationInfo.decode(hex('0c 00')), /^renegotiated_connection: need 12 bytes, 1 left/);
  });

  it('rejects trailing bytes', () => {
    rejects(() => renegotiationInfo.decode(hex('00 00')), 'renegotiation_info: 1 trailing bytes');
  });
});

describe('server_name', () => {
  const LOCALHOST = '000c 00 0009 6c6f63616c686f7374';

  it('decodes a host_name', () => {
    expect(serverName.decode(hex(LOCALHOST))).toBe('localhost');
  });

  it('encodes a host_name byte for byte', () => {
    expect(toHex(encode((w) => serverName.encode(w, 'localhost')))).toBe(LOCALHOST.replace(/\s+/g, ''));
  });

  it('reads the server\'s empty acknowledgement as no name', () => {
    expect(serverName.decode(new Uint8Array(0))).toBeUndefined();
  });

  it('ignores entries of other name types', () => {
    expect(serverName.decode(hex('0004 01 0001 61'))).toBeUndefined();
    expect(serverName.decode(hex('0010 01 0001 61' + '00 0009 6c6f63616c686f7374'))).toBe('localhost');
  });

  it('rejects two host_name entries', () => {
    rejects(() => serverName.decode(hex('0008 00 0001 61 00 0001 62')), 'server_name: two host_name entries');
  });

  it('rejects an empty server_name_list', () => {
    rejects(() => serverName.decode(hex('0000')), /server_name_list: length 0 outside 1\.\./);
  });

  it('rejects an empty host_name', () => {
    rejects(() => serverName.decode(hex('0003 00 0000')), /host_name: length 0 outside 1\.\./);
  });

  it('rejects a host_name length past the list', () => {
    rejects(() => serverName.decode(hex('000c 00 000a 6c6f63616c686f7374')), /^host_name: need 10 bytes, 9 left/);
  });

  it('rejects trailing bytes after the list', () => {
    rejects(() => serverName.decode(hex(LOCALHOST + '00')), 'server_name: 1 trailing bytes');
  });

  it('round-trips random ASCII host names', () => {
    fc.assert(fc.property(fc.domain(), (host) => {
      expect(serverName.decode(encode((w) => serverName.encode(w, host)))).toBe(host);
    }), { numRuns: 200 });
  });
});

describe('isEmptyExtension', () => {
  it('accepts an empty body', () => {
    expect(isEmptyExtension(new Uint8Array(0), 'extended_master_secret')).toBe(true);
  });

  it('rejects a non-empty body, naming the extension', () => {
    rejects(() => isEmptyExtension(hex('00'), 'encrypt_then_mac'), 'encrypt_then_mac: must be empty');
  });
});

describe('decodeExtensions and encodeExtensions', () => {
  const BLOCK = hex('000f' + '0017 0000' + '000b 0002 0100' + 'ff01 0001 00');

  it('decodes a block into an ordered list of raw extensions', () => {
    const exts = decodeExtensions(new Reader(BLOCK));
    expect(exts.map((e) => [e.type, toHex(e.data)])).toEqual([[23, ''], [11, '0100'], [0xff01, '00']]);
  });

  it('re-encodes the block byte for byte', () => {
    expect(encode((w) => encodeExtensions(w, decodeExtensions(new Reader(BLOCK))))).toEqual(BLOCK);
  });

  it('reads no bytes as no extensions', () => {
    expect(decodeExtensions(new Reader(new Uint8Array(0)))).toEqual([]);
  });

  it('reads an empty block as no extensions', () => {
    const r = new Reader(hex('0000'));
    expect(decodeExtensions(r)).toEqual([]);
    expect(r.remaining).toBe(0);
  });

  it('writes nothing at all for no extensions', () => {
    expect(encode((w) => encodeExtensions(w, [])).length).toBe(0);
  });

  it('keeps unknown extension types and their data', () => {
    const exts = decodeExtensions(new Reader(hex('0006 fafa 0002 abcd')));
    expect(exts).toEqual([{ type: 0xfafa, data: hex('abcd') }]);
  });

  it('rejects duplicate extension types', () => {
    rejects(() => decodeExtensions(new Reader(hex('0008 000b 0000 000b 0000'))), 'duplicate extension 11');
  });

  it('rejects an extension length that overflows the block', () => {
    rejects(() => decodeExtensions(new Reader(hex('0006 000a 0004 001d'))), /^extension_data: need 4 bytes, 2 left/);
  });

  it('rejects an extension length of 0xffff in a short block', () => {
    rejects(() => decodeExtensions(new Reader(hex('0004 000a ffff'))), /^extension_data: need 65535 bytes, 0 left/);
  });

  it('rejects a block length past the end', () => {
    rejects(() => decodeExtensions(new Reader(hex('0009 0017 0000'))), /^extensions: need 9 bytes, 4 left/);
  });

  it('rejects bytes after the block', () => {
    rejects(() => decodeExtensions(new Reader(hex('0004 0017 0000 00'))), 'hello: 1 trailing bytes');
  });

  it('rejects a block ending in half an extension header', () => {
    rejects(() => decodeExtensions(new Reader(hex('0005 0017 0000 00'))), /^extension_type: need 2 bytes, 1 left/);
    rejects(() => decodeExtensions(new Reader(hex('0007 0017 0000 000a 00'))), /^extension_data: need 2 bytes, 1 left/);
  });

  it('findExtension finds by type, or returns undefined', () => {
    const exts = decodeExtensions(new Reader(BLOCK));
    expect(toHex(findExtension(exts, ExtensionType.ec_point_formats)!)).toBe('0100');
    expect(findExtension(exts, ExtensionType.server_name)).toBeUndefined();
  });

  const extensionsArb = fc.uniqueArray(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ maxLength: 40 }) }),
    { selector: (e) => e.type, minLength: 1, maxLength: 8 });

  it('encode → decode is the identity on random non-empty extension lists', () => {
    fc.assert(fc.property(extensionsArb, (exts: Extension[]) => {
      expect(decodeExtensions(new Reader(encode((w) => encodeExtensions(w, exts))))).toEqual(exts);
    }), { numRuns: 300 });
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves (an empty block re-encodes to nothing)', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 60 }),
      extensionsArb.map((exts) => encode((w) => encodeExtensions(w, exts))),
    );
    fc.assert(fc.property(input, (bytes) => {
      let exts: Extension[];
      try {
        exts = decodeExtensions(new Reader(bytes));
      } catch (e) {
        expect((e as Error).constructor).toBe(DecodeError);
        return;
      }
      const again = encode((w) => encodeExtensions(w, exts));
      if (exts.length === 0) expect(['', '0000']).toContain(toHex(bytes));
      else expect(toHex(again)).toBe(toHex(bytes));
    }), { numRuns: 1000 });
  });
});

describe('registries', () => {
  it('names known extension types and gives unknown ones in hex', () => {
    expect(ExtensionTypes.nameOf(0xff01)).toBe('renegotiation_info');
    expect(ExtensionTypes.nameOf(0xfafa)).toBe('0xfafa');
    expect(NamedGroups.nameOf(29)).toBe('x25519');
  });

  it('round-trips every extension registry entry through nameOf', () => {
    for (const [name, value] of Object.entries(ExtensionTypes.values)) expect(ExtensionTypes.nameOf(value)).toBe(name);
    expect(Object.isFrozen(ExtensionTypes.values)).toBe(true);
  });
});
