import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PskKeyExchangeMode, decodeConnectionIdExtension, decodeCookie, decodeEarlyDataIndication, decodeMaxEarlyDataSize,
  decodePskKeyExchangeModes, decodeSignatureSchemeList, encodeConnectionIdExtension, encodeCookie, encodeMaxEarlyDataSize,
  encodePskKeyExchangeModes, encodeSignatureSchemeList,
} from '../../../src/dtls13/messages/simple-extensions.js';
import { connectionIdExt } from '../../../src/handshake/extensions.js';
import { hex, toHex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, encodeMessage, expectRejects, u16, u8 } from '../../handshake/messages/helpers.js';
import { codecSuite } from './codec-suite.js';

describe('psk_key_exchange_modes (RFC 8446 §4.2.9)', () => {
  codecSuite({
    decode: decodePskKeyExchangeModes, encode: encodePskKeyExchangeModes,
    vector: hex('02 01 00'), value: { keModes: [PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke] },
    arbitrary: fc.record({ keModes: fc.array(u8, { minLength: 1, maxLength: 255 }) }),
    trailing: 'psk_key_exchange_modes: 1 trailing bytes',
  });

  it('rejects an empty list', () => {
    expectRejects(decodePskKeyExchangeModes, hex('00'), /ke_modes: length 0 outside 1\.\.255/);
  });
});

describe('cookie (RFC 8446 §4.2.2)', () => {
  codecSuite({
    decode: decodeCookie, encode: encodeCookie,
    vector: hex('0003 aabbcc'), value: { cookie: hex('aabbcc') },
    arbitrary: fc.record({ cookie: bytesOf(1, 300) }),
    trailing: 'cookie: 1 trailing bytes',
  });

  it('rejects an empty cookie', () => {
    expectRejects(decodeCookie, hex('0000'), /cookie: length 0 outside 1\.\./);
  });
});

describe('early_data (RFC 8446 §4.2.10)', () => {
  it('is empty in a ClientHello and EncryptedExtensions', () => {
    expect(decodeBytes(decodeEarlyDataIndication, new Uint8Array(0))).toBe(true);
    expectRejects(decodeEarlyDataIndication, hex('00'), 'early_data: 1 trailing bytes');
  });

  describe('in a NewSessionTicket: max_early_data_size', () => {
    codecSuite({
      decode: decodeMaxEarlyDataSize, encode: encodeMaxEarlyDataSize,
      vector: hex('00000400'), value: { maxEarlyDataSize: 1024 },
      arbitrary: fc.record({ maxEarlyDataSize: fc.integer({ min: 0, max: 0xffffffff }) }),
      trailing: 'early_data: 1 trailing bytes',
    });
  });
});

describe('signature_algorithms_cert (RFC 8446 §4.2.3)', () => {
  codecSuite({
    decode: decodeSignatureSchemeList, encode: encodeSignatureSchemeList,
    vector: hex('0004 0403 0804'), value: { schemes: [0x0403, 0x0804] },
    arbitrary: fc.record({ schemes: fc.array(u16, { minLength: 1, maxLength: 40 }) }),
    trailing: 'signature_algorithms_cert: 1 trailing bytes',
  });

  it('rejects an odd length and an empty list', () => {
    expectRejects(decodeSignatureSchemeList, hex('0003 040308'), 'supported_signature_algorithms: odd length');
    expectRejects(decodeSignatureSchemeList, hex('0000'), /length 0 outside 2\.\./);
  });
});

describe('connection_id (RFC 9146 §3, RFC 9147 §9)', () => {
  codecSuite({
    decode: decodeConnectionIdExtension, encode: encodeConnectionIdExtension,
    vector: hex('02 c1d2'), value: { cid: hex('c1d2') },
    arbitrary: fc.record({ cid: bytesOf(0, 255) }),
    trailing: 'connection_id: 1 trailing bytes',
  });

  it('has the same bytes as DTLS 1.2 connection_id', () => {
    const cid = hex('0102030405');
    expect(toHex(encodeMessage(encodeConnectionIdExtension, { cid }))).toBe(toHex(encodeMessage((w, c: Uint8Array) => connectionIdExt.encode(w, c), cid)));
  });
});
