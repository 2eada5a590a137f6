import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeKeyShareClientHello, decodeKeyShareHelloRetryRequest, decodeKeyShareServerHello, encodeKeyShareClientHello,
  encodeKeyShareHelloRetryRequest, encodeKeyShareServerHello,
} from '../../../src/dtls13/messages/key-share.js';
import { NamedGroup } from '../../../src/handshake/registry.js';
import { concat, hex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, expectRejects, u16 } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

const entry = fc.record({ group: u16, keyExchange: bytesOf(1, 97) });

describe('key_share in a ClientHello (RFC 8446 §4.2.8)', () => {
  codecSuite({
    decode: decodeKeyShareClientHello, encode: encodeKeyShareClientHello,
    // RFC 8448 §3's ClientHello: one x25519 share.
    vector: concat(hex('0024 001d 0020'), S3.clientPublic),
    value: { clientShares: [{ group: NamedGroup.x25519, keyExchange: S3.clientPublic }] },
    arbitrary: fc.record({ clientShares: fc.array(entry, { maxLength: 3 }) }),
    trailing: 'key_share: 1 trailing bytes',
    validPrefixes: [],
  });

  it('accepts an empty client_shares (the client waits for a HelloRetryRequest)', () => {
    expect(decodeBytes(decodeKeyShareClientHello, hex('0000'))).toEqual({ clientShares: [] });
  });

  it('rejects an empty key_exchange', () => {
    expectRejects(decodeKeyShareClientHello, hex('0004 001d 0000'), /key_exchange: length 0 outside 1\.\./);
  });

  it('rejects a share that runs past the list', () => {
    expectRejects(decodeKeyShareClientHello, hex('0005 001d 0002 aa'), /key_exchange: need 2 bytes, 1 left/);
  });
});

describe('key_share in a ServerHello (RFC 8446 §4.2.8)', () => {
  codecSuite({
    decode: decodeKeyShareServerHello, encode: encodeKeyShareServerHello,
    vector: concat(hex('001d 0020'), S3.serverPublic),
    value: { serverShare: { group: NamedGroup.x25519, keyExchange: S3.serverPublic } },
    arbitrary: fc.record({ serverShare: entry }),
    trailing: 'key_share: 1 trailing bytes',
  });
});

describe('key_share in a HelloRetryRequest (RFC 8446 §4.2.8)', () => {
  codecSuite({
    decode: decodeKeyShareHelloRetryRequest, encode: encodeKeyShareHelloRetryRequest,
    vector: hex('0017'), value: { selectedGroup: NamedGroup.secp256r1 },
    arbitrary: fc.record({ selectedGroup: u16 }),
    trailing: 'key_share: 1 trailing bytes',
  });
});
