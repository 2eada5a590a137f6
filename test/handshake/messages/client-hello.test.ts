import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signatureAlgorithms, supportedGroups, serverName, ecPointFormats, findExtension, renegotiationInfo, isEmptyExtension } from '../../../src/handshake/extensions.js';
import { ExtensionType } from '../../../src/handshake/registry.js';
import { type ClientHello, decodeClientHello, encodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertEncodeDecode, bytesOf, decodeBytes, decodeOrError, decoderInput, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects, u16, u8,
} from './helpers.js';

const RANDOM = '66f1c2a0e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b';
const COOKIE = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

/** Everything up to and including compression_methods. */
const HEAD = [
  'fefd', //                                 client_version DTLS 1.2
  RANDOM, //                                 random
  '00', //                                   session_id: empty
  '20', COOKIE, //                           cookie<0..2^8-1>: 32 bytes
  '0008 c02b c02f cca9 00ff', //             cipher_suites: 4 suites incl. the renegotiation SCSV
  '01 00', //                                compression_methods: null
].join('');
const EXTENSIONS = [
  '0037', //                                 extensions: 55 bytes
  '0000 000e 000c 00 0009 6c6f63616c686f7374', // server_name: host_name "localhost"
  '000a 0006 0004 001d 0017', //             supported_groups: x25519, secp256r1
  '000b 0002 01 00', //                      ec_point_formats: uncompressed
  '000d 0008 0006 0403 0804 0401', //        signature_algorithms
  '0017 0000', //                            extended_master_secret
  'ff01 0001 00', //                         renegotiation_info: empty
].join('');
/** The second ClientHello of a handshake, as a client sends it after a HelloVerifyRequest. */
const VECTOR = hex(HEAD + EXTENSIONS);
const HEAD_LENGTH = hex(HEAD).length;

/** A first ClientHello: no cookie, no extensions block at all. */
const BARE = hex('fefd' + RANDOM + '00' + '00' + '0002 c02b' + '01 00');

const decode = (b: Uint8Array) => decodeBytes(decodeClientHello, b);

const extensionArb = fc.record({ type: u16, data: bytesOf(0, 24) });
const helloArb: fc.Arbitrary<ClientHello> = fc.record({
  clientVersion: u16,
  random: bytesOf(32, 32),
  sessionId: bytesOf(0, 32),
  cookie: fc.oneof(bytesOf(0, 32), bytesOf(250, 255)),
  cipherSuites: fc.array(u16, { minLength: 1, maxLength: 12 }),
  compressionMethods: fc.array(u8, { minLength: 1, maxLength: 4 }),
  extensions: fc.uniqueArray(extensionArb, { selector: (e) => e.type, maxLength: 5 }),
});

describe('ClientHello', () => {
  it('decodes a DTLS 1.2 ClientHello with a cookie and six extensions', () => {
    const m = decode(VECTOR);
    expect(m.clientVersion).toBe(0xfefd);
    expect(toHex(m.random)).toBe(RANDOM);
    expect(m.sessionId.length).toBe(0);
    expect(toHex(m.cookie)).toBe(COOKIE);
    expect(m.cipherSuites).toEqual([0xc02b, 0xc02f, 0xcca9, 0x00ff]);
    expect(m.compressionMethods).toEqual([0]);
    expect(m.extensions.map((e) => e.type)).toEqual([
      ExtensionType.server_name, ExtensionType.supported_groups, ExtensionType.ec_point_formats,
      ExtensionType.signature_algorithms, ExtensionType.extended_master_secret, ExtensionType.renegotiation_info,
    ]);
    const ext = (t: number) => findExtension(m.extensions, t)!;
    expect(serverName.decode(ext(ExtensionType.server_name))).toBe('localhost');
    expect(supportedGroups.decode(ext(ExtensionType.supported_groups))).toEqual([29, 23]);
    expect(ecPointFormats.decode(ext(ExtensionType.ec_point_formats))).toEqual([0]);
    expect(signatureAlgorithms.decode(ext(ExtensionType.signature_algorithms))).toEqual([0x0403, 0x0804, 0x0401]);
    expect(isEmptyExtension(ext(ExtensionType.extended_master_secret), 'extended_master_secret')).toBe(true);
    expect(renegotiationInfo.decode(ext(ExtensionType.renegotiation_info)).length).toBe(0);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeClientHello, decode(VECTOR)))).toBe(toHex(VECTOR));
  });

  it('round-trips a first ClientHello with no cookie and no extensions block', () => {
    const m = decode(BARE);
    expect(m.cookie.length).toBe(0);
    expect(m.extensions).toEqual([]);
    expect(toHex(encodeMessage(encodeClientHello, m))).toBe(toHex(BARE));
  });

  it('reads an empty extensions block as no extensions, and re-encodes it without the block', () => {
    const withEmpty = concat(BARE, hex('0000'));
    const m = decode(withEmpty);
    expect(m.extensions).toEqual([]);
    expect(toHex(encodeMessage(encodeClientHello, m))).toBe(toHex(BARE));
  });

  it('accepts a 32-byte session_id and a 255-byte cookie (DOS-05, client side)', () => {
    const b = hex('fefd' + RANDOM + '20' + 'ab'.repeat(32) + 'ff' + 'ff'.repeat(255) + '0002 c02b 01 00');
    const m = decode(b);
    expect(m.sessionId.length).toBe(32);
    expect(m.cookie.length).toBe(255);
    expect(encodeMessage(encodeClientHello, m)).toEqual(b);
  });

  it('copies what it keeps: fields do not alias the input (S-66)', () => {
    expectNoAliasing(decodeClientHello, VECTOR);
  });

  describe('rejections (SM-26)', () => {
    it('rejects every truncation except the one that ends after compression_methods', () => {
      expectEveryTruncationRejected(decodeClientHello, VECTOR, [HEAD_LENGTH]);
    });

    it('rejects trailing bytes after the extensions block', () => {
      expectRejects(decodeClientHello, concat(VECTOR, hex('00')), 'hello: 1 trailing bytes');
    });

    it('rejects a single stray byte where the extensions block would start', () => {
      expectRejects(decodeClientHello, concat(BARE, hex('00')), /extensions/);
    });

    it('rejects an odd cipher_suites length', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM + '00 00' + '0003 c02b 2f' + '01 00'), 'cipher_suites: odd length');
    });

    it('rejects an empty cipher_suites list', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM + '00 00' + '0000' + '01 00'), /cipher_suites: length 0 outside/);
    });

    it('rejects a session_id longer than 32 bytes', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM + '21' + '00'.repeat(33) + '00 0002 c02b 01 00'), /session_id: length 33 outside 0\.\.32/);
    });

    it('rejects a cookie length that runs past the end of the hello', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM + '00' + 'ff' + COOKIE), /^cookie: need 255 bytes, 32 left/);
    });

    it('rejects a cookie length one byte past the end (one-byte over-read)', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM + '00' + '21' + COOKIE), /^cookie: need 33 bytes, 32 left/);
    });

    it('rejects a short random', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM.slice(0, 62)), /^random: need 32 bytes, 31 left/);
    });

    it('rejects an empty compression_methods list', () => {
      expectRejects(decodeClientHello, hex('fefd' + RANDOM + '00 00 0002 c02b' + '00'), /compression_methods: length 0 outside 1\.\.255/);
    });

    it('rejects duplicate extensions', () => {
      const exts = '000c' + '000a 0002 0000' + '000a 0002 0000';
      expectRejects(decodeClientHello, concat(BARE, hex(exts)), 'duplicate extension 10');
    });

    it('rejects an extension whose length overflows the extensions block', () => {
      const exts = '0009' + '0017 0000' + '000a 0005 00';
      expectRejects(decodeClientHello, concat(BARE, hex(exts)), /^extension_data: need 5 bytes, 1 left/);
    });

    it('rejects an extensions block whose length runs past the end of the hello', () => {
      expectRejects(decodeClientHello, concat(BARE, hex('0005 0017 0000')), /^extensions: need 5 bytes, 4 left/);
    });

    it('rejects an extensions block holding half an extension header', () => {
      expectRejects(decodeClientHello, concat(BARE, hex('0001 00')), /^extension_type: need 2 bytes, 1 left/);
    });
  });

  describe('properties', () => {
    // The decoder reads an absent extensions block and an empty one (00 00) both
    // as `extensions: []`, and the encoder writes no block for []. So decoding is
    // byte-exact except that a trailing empty block is not reproduced.
    it('random bytes throw exactly DecodeError or re-encode to themselves, up to a trailing empty extensions block', () => {
      const valid = fc.oneof(
        helloArb.map((m) => encodeMessage(encodeClientHello, m)),
        helloArb.map((m) => concat(encodeMessage(encodeClientHello, { ...m, extensions: [] }), hex('0000'))),
      );
      let decoded = 0;
      fc.assert(fc.property(decoderInput(valid), (bytes) => {
        const res = decodeOrError(decodeClientHello, bytes);
        if (!res.ok) return;
        decoded++;
        const again = encodeMessage(encodeClientHello, res.value);
        if (res.value.extensions.length === 0 && again.length === bytes.length - 2) {
          expect(toHex(bytes)).toBe(toHex(again) + '0000');
        } else {
          expect(toHex(again)).toBe(toHex(bytes));
        }
      }), { numRuns: 1000 });
      expect(decoded).toBeGreaterThan(100);
    });

    it('encode → decode is the identity on random ClientHellos', () => {
      assertEncodeDecode(decodeClientHello, encodeClientHello, helloArb);
    });
  });
});
