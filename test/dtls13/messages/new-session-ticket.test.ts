import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMaxEarlyDataSize } from '../../../src/dtls13/messages/simple-extensions.js';
import { decodeNewSessionTicket13, encodeNewSessionTicket13 } from '../../../src/dtls13/messages/new-session-ticket.js';
import { Reader } from '../../../src/codec/reader.js';
import { ExtensionType } from '../../../src/handshake/registry.js';
import { hex, toHex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, expectRejects, u16 } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

const BODY = S3.newSessionTicket.subarray(4);
const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('NewSessionTicket of TLS 1.3 (RFC 8446 §4.6.1)', () => {
  codecSuite({
    decode: decodeNewSessionTicket13, encode: encodeNewSessionTicket13,
    vector: BODY, // RFC 8448 §3
    value: {
      ticketLifetime: 30, ticketAgeAdd: 0xfad6aac5, ticketNonce: hex('0000'), ticket: BODY.subarray(13, 13 + 0xb2),
      extensions: [{ type: ExtensionType.early_data, data: hex('00000400') }],
    },
    arbitrary: fc.record({
      ticketLifetime: u32, ticketAgeAdd: u32, ticketNonce: bytesOf(0, 255), ticket: bytesOf(1, 300),
      extensions: fc.uniqueArray(fc.record({ type: u16, data: bytesOf(0, 10) }), { selector: (e) => e.type, maxLength: 3 }),
    }),
    trailing: 'NewSessionTicket: 1 trailing bytes',
  });

  it('the RFC 8448 ticket allows 1024 bytes of early data (which we never send)', () => {
    const ext = decodeBytes(decodeNewSessionTicket13, BODY).extensions[0]!;
    expect(decodeMaxEarlyDataSize(new Reader(ext.data)).maxEarlyDataSize).toBe(1024);
  });

  it('rejects an empty ticket', () => {
    expectRejects(decodeNewSessionTicket13, hex('0000001e 00000000 00 0000 0000'), /ticket: length 0 outside 1\.\./);
  });

  it('keeps the ticket bytes intact', () => {
    expect(toHex(decodeBytes(decodeNewSessionTicket13, BODY).ticket).slice(0, 8)).toBe('2c035d82');
  });
});
