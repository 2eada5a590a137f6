import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConnectionIdUsage, decodeNewConnectionId, decodeRequestConnectionId, encodeNewConnectionId, encodeRequestConnectionId,
} from '../../../src/dtls13/messages/connection-id.js';
import { hex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, expectRejects, u8 } from '../../handshake/messages/helpers.js';
import { codecSuite } from './codec-suite.js';

describe('NewConnectionId (RFC 9147 §9)', () => {
  codecSuite({
    decode: decodeNewConnectionId, encode: encodeNewConnectionId,
    vector: hex('0006 02c1d2 02c3d4 01'), value: { cids: [hex('c1d2'), hex('c3d4')], usage: ConnectionIdUsage.cid_spare },
    arbitrary: fc.record({ cids: fc.array(bytesOf(0, 20), { maxLength: 5 }), usage: u8 }),
    trailing: 'NewConnectionId: 1 trailing bytes',
  });

  it('decodes cid_immediate with one CID, and an empty CID', () => {
    expect(decodeBytes(decodeNewConnectionId, hex('0001 00 00'))).toEqual({ cids: [new Uint8Array(0)], usage: ConnectionIdUsage.cid_immediate });
  });

  it('rejects a CID running past the list', () => {
    expectRejects(decodeNewConnectionId, hex('0002 02c1 00'), /ConnectionId: need 2 bytes, 1 left/);
  });
});

describe('RequestConnectionId (RFC 9147 §9)', () => {
  codecSuite({
    decode: decodeRequestConnectionId, encode: encodeRequestConnectionId,
    vector: hex('03'), value: { numCids: 3 },
    arbitrary: fc.record({ numCids: u8 }), trailing: 'RequestConnectionId: 1 trailing bytes',
  });
});
