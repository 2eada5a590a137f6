import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKeyShareServerHello } from '../../../src/dtls13/messages/key-share.js';
import {
  DowngradeSentinel, HELLO_RETRY_REQUEST_RANDOM, type ServerHello13, decodeServerHello13, downgradeSentinel, encodeServerHello13,
  isHelloRetryRequest, withDowngradeSentinel,
} from '../../../src/dtls13/messages/server-hello.js';
import { ExtensionType } from '../../../src/handshake/registry.js';
import { Reader } from '../../../src/codec/reader.js';
import { concat, counting, hex, toHex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, encodeMessage, expectRejects, u16, u8 } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

/** RFC 8448 §3's ServerHello with legacy_version set to DTLS 1.2's, as RFC 9147 §5.4 has it. */
const VECTOR = concat(hex('fefd'), S3.serverHello.subarray(6));

const extension = fc.record({ type: u16, data: bytesOf(2, 40) });
const serverHelloArb: fc.Arbitrary<ServerHello13> = fc.record({
  legacyVersion: u16, random: bytesOf(32, 32), legacySessionIdEcho: bytesOf(0, 32), cipherSuite: u16, legacyCompressionMethod: u8,
  extensions: fc.uniqueArray(extension, { selector: (e) => e.type, minLength: 1, maxLength: 4 }),
});

describe('ServerHello of DTLS 1.3 (RFC 9147 §5.4, RFC 8446 §4.1.3)', () => {
  codecSuite({
    decode: decodeServerHello13, encode: encodeServerHello13, vector: VECTOR,
    value: {
      legacyVersion: 0xfefd, random: S3.serverHello.subarray(6, 38), legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301,
      legacyCompressionMethod: 0,
      extensions: [
        { type: ExtensionType.key_share, data: concat(hex('001d0020'), S3.serverPublic) },
        { type: ExtensionType.supported_versions, data: hex('0304') },
      ],
    },
    arbitrary: serverHelloArb, trailing: 'ServerHello: 1 trailing bytes',
  });

  it('carries the server key share of the RFC 8448 trace', () => {
    const sh = decodeBytes(decodeServerHello13, VECTOR);
    const ks = sh.extensions.find((e) => e.type === ExtensionType.key_share)!;
    expect(toHex(decodeKeyShareServerHello(new Reader(ks.data)).serverShare.keyExchange)).toBe(toHex(S3.serverPublic));
    expect(isHelloRetryRequest(sh)).toBe(false);
  });

  it('rejects a ServerHello without its extensions vector', () => {
    expectRejects(decodeServerHello13, VECTOR.subarray(0, 2 + 32 + 1 + 2 + 1), /^extensions: need 2 bytes, 0 left/);
  });

  it('rejects an extensions vector shorter than 6 bytes', () => {
    expectRejects(decodeServerHello13, concat(VECTOR.subarray(0, 38), hex('0004 002b 0000')), /extensions: length 4 outside 6\.\./);
  });

  it('rejects a legacy_session_id_echo above 32 bytes', () => {
    expectRejects(decodeServerHello13, concat(hex('fefd'), counting(32), hex('21'), counting(33)), /legacy_session_id_echo: length 33 outside 0\.\.32/);
  });

  it('rejects an extension type twice', () => {
    expectRejects(decodeServerHello13, concat(VECTOR.subarray(0, 38), hex('0008 002b 0000 002b 0000')), 'duplicate extension 43');
  });
});

describe('HelloRetryRequest (RFC 8446 §4.1.3)', () => {
  it('its random is SHA-256("HelloRetryRequest")', () => {
    expect(toHex(HELLO_RETRY_REQUEST_RANDOM)).toBe(createHash('sha256').update('HelloRetryRequest').digest('hex'));
  });

  it('is a ServerHello with that random, carrying cookie and key_share selected_group', () => {
    const hrr: ServerHello13 = {
      legacyVersion: 0xfefd, random: HELLO_RETRY_REQUEST_RANDOM, legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301,
      legacyCompressionMethod: 0,
      extensions: [
        { type: ExtensionType.supported_versions, data: hex('fefc') },
        { type: ExtensionType.key_share, data: hex('0017') },
        { type: ExtensionType.cookie, data: hex('0004 01020304') },
      ],
    };
    const bytes = encodeMessage(encodeServerHello13, hrr);
    expect(toHex(bytes)).toBe('fefd' + toHex(HELLO_RETRY_REQUEST_RANDOM) + '00' + '1301' + '00' + '0016' + '002b0002fefc' + '003300020017' + '002c000600040102030' + '4');
    const back = decodeBytes(decodeServerHello13, bytes);
    expect(isHelloRetryRequest(back)).toBe(true);
  });
});

describe('downgrade sentinels (RFC 8446 §4.1.3, RFC 9147 §5.3)', () => {
  it('are DOWNGRD\\x01 for DTLS 1.2 and DOWNGRD\\x00 for DTLS 1.0', () => {
    expect(new TextDecoder().decode(DowngradeSentinel.dtls12.subarray(0, 7))).toBe('DOWNGRD');
    expect([DowngradeSentinel.dtls12[7], DowngradeSentinel.dtls10[7]]).toEqual([1, 0]);
  });

  it('are written into the last 8 bytes of the server random and recognized there', () => {
    const r = counting(32);
    expect(downgradeSentinel(r)).toBeUndefined();
    const r12 = withDowngradeSentinel(r, 'dtls12');
    expect(toHex(r12.subarray(0, 24))).toBe(toHex(r.subarray(0, 24)));
    expect(toHex(r12.subarray(24))).toBe('444f574e47524401');
    expect(downgradeSentinel(r12)).toBe('dtls12');
    expect(downgradeSentinel(withDowngradeSentinel(r, 'dtls10'))).toBe('dtls10');
    expect(toHex(r)).toBe(toHex(counting(32)));
  });

  it('a random differing in any sentinel byte carries none', () => {
    for (let i = 24; i < 32; i++) {
      const r = withDowngradeSentinel(counting(32), 'dtls12');
      r[i]! ^= 0x80;
      expect(downgradeSentinel(r)).toBeUndefined();
    }
  });
});
