import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ackCapacity, decodeAck, encodeAck } from '../../../src/dtls13/messages/ack.js';
import { hex, toHex } from '../../codec/hex.js';
import { decodeBytes, encodeMessage, expectRejects } from '../../handshake/messages/helpers.js';
import { codecSuite } from './codec-suite.js';

const n48 = fc.integer({ min: 0, max: 2 ** 48 - 1 });

describe('ACK (RFC 9147 §7)', () => {
  codecSuite({
    decode: decodeAck, encode: encodeAck,
    vector: hex('0020' + '0000000000000002 0000000000000000' + '0000000000000003 0000010000000005'),
    value: { recordNumbers: [{ epoch: 2, seq: 0 }, { epoch: 3, seq: 2 ** 40 + 5 }] },
    arbitrary: fc.record({ recordNumbers: fc.array(fc.record({ epoch: n48, seq: n48 }), { maxLength: 10 }) }),
    trailing: 'ACK: 1 trailing bytes',
  });

  it('an empty ACK is valid (§7.1: an ACK that cannot yet acknowledge anything)', () => {
    expect(decodeBytes(decodeAck, hex('0000'))).toEqual({ recordNumbers: [] });
    expect(toHex(encodeMessage(encodeAck, { recordNumbers: [] }))).toBe('0000');
  });

  it('rejects a list that is not a whole number of RecordNumbers', () => {
    expectRejects(decodeAck, hex('0008 0000000000000002'), 'record_numbers: not a whole number of RecordNumbers');
  });

  it('rejects a record number above 2^48 - 1, which cannot name a record of ours', () => {
    expectRejects(decodeAck, hex('0010 0001000000000000 0000000000000000'), 'epoch: above 2^48 - 1');
    expectRejects(decodeAck, hex('0010 0000000000000003 8000000000000000'), 'sequence_number: above 2^48 - 1');
  });

  it('says how many record numbers fit a given size', () => {
    expect([ackCapacity(2), ackCapacity(17), ackCapacity(18), ackCapacity(1000), ackCapacity(0)]).toEqual([0, 0, 1, 62, 0]);
  });
});
