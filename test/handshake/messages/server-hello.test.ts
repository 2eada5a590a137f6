import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ecPointFormats, findExtension, isEmptyExtension, renegotiationInfo } from '../../../src/handshake/extensions.js';
import { ExtensionType } from '../../../src/handshake/registry.js';
import { type ServerHello, decodeServerHello, encodeServerHello } from '../../../src/handshake/messages/server-hello.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  assertEncodeDecode, bytesOf, decodeBytes, decodeOrError, decoderInput, encodeMessage, expectEveryTruncationRejected,
  expectNoAliasing, expectRejects, u16, u8,
} from './helpers.js';

const RANDOM = '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4';
const SESSION = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HEAD = [
  'fefd', //              server_version DTLS 1.2
  RANDOM, //              random
  '20', SESSION, //       session_id: 32 bytes
  'c02b', //              cipher_suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  '00', //                compression_method null
].join('');
const EXTENSIONS = [
  '000f', //              extensions: 15 bytes
  '0017 0000', //         extended_master_secret
  'ff01 0001 00', //      renegotiation_info: empty
  '000b 0002 01 00', //   ec_point_formats: uncompressed
].join('');
const VECTOR = hex(HEAD + EXTENSIONS);
const BARE = hex(HEAD);

const decode = (b: Uint8Array) => decodeBytes(decodeServerHello, b);

const serverHelloArb: fc.Arbitrary<ServerHello> = fc.record({
  serverVersion: u16,
  random: bytesOf(32, 32),
  sessionId: bytesOf(0, 32),
  cipherSuite: u16,
  compressionMethod: u8,
  extensions: fc.uniqueArray(fc.record({ type: u16, data: bytesOf(0, 24) }), { selector: (e) => e.type, maxLength: 5 }),
});

describe('ServerHello', () => {
  it('decodes a ServerHello with a session id and three extensions', () => {
    const m = decode(VECTOR);
    expect(m.serverVersion).toBe(0xfefd);
    expect(toHex(m.random)).toBe(RANDOM);
    expect(toHex(m.sessionId)).toBe(SESSION);
    expect(m.cipherSuite).toBe(0xc02b);
    expect(m.compressionMethod).toBe(0);
    expect(m.extensions.map((e) => e.type)).toEqual([
      ExtensionType.extended_master_secret, ExtensionType.renegotiation_info, ExtensionType.ec_point_formats,
    ]);
    expect(isEmptyExtension(findExtension(m.extensions, ExtensionType.extended_master_secret)!, 'ems')).toBe(true);
    expect(renegotiationInfo.decode(findExtension(m.extensions, ExtensionType.renegotiation_info)!).length).toBe(0);
    expect(ecPointFormats.decode(findExtension(m.extensions, ExtensionType.ec_point_formats)!)).toEqual([0]);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(encodeServerHello, decode(VECTOR)))).toBe(toHex(VECTOR));
  });

  it('round-trips a ServerHello without an extensions block', () => {
    const m = decode(BARE);
    expect(m.extensions).toEqual([]);
    expect(encodeMessage(encodeServerHello, m)).toEqual(BARE);
  });

  it('reads an empty extensions block as no extensions, and re-encodes it without the block', () => {
    const m = decode(concat(BARE, hex('0000')));
    expect(m.extensions).toEqual([]);
    expect(encodeMessage(encodeServerHello, m)).toEqual(BARE);
  });

  it('copies what it keeps (S-66)', () => {
    expectNoAliasing(decodeServerHello, VECTOR);
  });

  it('SM-27 rejects every truncation except the one that ends after compression_method', () => {
    expectEveryTruncationRejected(decodeServerHello, VECTOR, [BARE.length]);
  });

  it('SM-27 rejects a ServerHello cut inside the random', () => {
    expectRejects(decodeServerHello, hex('fefd' + RANDOM.slice(0, 20)), /^random: need 32 bytes, 10 left/);
  });

  it('rejects trailing bytes after the extensions block', () => {
    expectRejects(decodeServerHello, concat(VECTOR, hex('ff')), 'hello: 1 trailing bytes');
  });

  it('rejects a session_id longer than 32 bytes', () => {
    expectRejects(decodeServerHello, hex('fefd' + RANDOM + '21' + SESSION + '00' + 'c02b 00'), /session_id: length 33 outside 0\.\.32/);
  });

  it('rejects a session_id length past the end', () => {
    expectRejects(decodeServerHello, hex('fefd' + RANDOM + '20' + SESSION.slice(0, 40)), /^session_id: need 32 bytes, 20 left/);
  });

  it('rejects a missing compression_method', () => {
    expectRejects(decodeServerHello, hex('fefd' + RANDOM + '00 c02b'), /^compression_method: need 1 bytes/);
  });

  it('rejects duplicate extensions', () => {
    expectRejects(decodeServerHello, concat(BARE, hex('0008 0017 0000 0017 0000')), 'duplicate extension 23');
  });

  it('rejects an extension whose length overflows the extensions block', () => {
    expectRejects(decodeServerHello, concat(BARE, hex('0005 ff01 0002 00')), /^extension_data: need 2 bytes, 1 left/);
  });

  it('rejects an extensions block longer than the rest of the hello', () => {
    expectRejects(decodeServerHello, concat(BARE, hex('0010 0017 0000')), /^extensions: need 16 bytes, 4 left/);
  });

  // As for ClientHello: an empty extensions block (00 00) decodes like an absent
  // one, and the encoder writes no block for [], so that block is not reproduced.
  it('random bytes throw exactly DecodeError or re-encode to themselves, up to a trailing empty extensions block', () => {
    const valid = fc.oneof(
      serverHelloArb.map((m) => encodeMessage(encodeServerHello, m)),
      serverHelloArb.map((m) => concat(encodeMessage(encodeServerHello, { ...m, extensions: [] }), hex('0000'))),
    );
    fc.assert(fc.property(decoderInput(valid), (bytes) => {
      const res = decodeOrError(decodeServerHello, bytes);
      if (!res.ok) return;
      const again = encodeMessage(encodeServerHello, res.value);
      if (res.value.extensions.length === 0 && again.length === bytes.length - 2) expect(toHex(bytes)).toBe(toHex(again) + '0000');
      else expect(toHex(again)).toBe(toHex(bytes));
    }), { numRuns: 1000 });
  });

  it('encode → decode is the identity on random ServerHellos', () => {
    assertEncodeDecode(decodeServerHello, encodeServerHello, serverHelloArb);
  });
});
