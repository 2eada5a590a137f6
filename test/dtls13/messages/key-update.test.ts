import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyUpdateRequest, decodeKeyUpdate, encodeKeyUpdate, isKnownKeyUpdateRequest } from '../../../src/dtls13/messages/key-update.js';
import { hex } from '../../codec/hex.js';
import { decodeBytes, expectRejects, u8 } from '../../handshake/messages/helpers.js';
import { codecSuite } from './codec-suite.js';

describe('KeyUpdate (RFC 8446 §4.6.3, RFC 9147 §8)', () => {
  codecSuite({
    decode: decodeKeyUpdate, encode: encodeKeyUpdate,
    vector: hex('01'), value: { requestUpdate: KeyUpdateRequest.update_requested },
    arbitrary: fc.record({ requestUpdate: u8 }), trailing: 'KeyUpdate: 1 trailing bytes',
  });

  it('decodes update_not_requested', () => {
    expect(decodeBytes(decodeKeyUpdate, hex('00'))).toEqual({ requestUpdate: 0 });
  });

  it('decodes other values so that the handshake can answer illegal_parameter', () => {
    expect(decodeBytes(decodeKeyUpdate, hex('02')).requestUpdate).toBe(2);
    expect([0, 1, 2, 255].map(isKnownKeyUpdateRequest)).toEqual([true, true, false, false]);
  });

  it('rejects an empty body', () => {
    expectRejects(decodeKeyUpdate, new Uint8Array(0), /^request_update: need 1 bytes, 0 left/);
  });
});
