import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bindersLength, decodeOfferedPsks, decodeSelectedIdentity, encodeOfferedPsks, encodeSelectedIdentity, obfuscateTicketAge, ticketAgeMs,
} from '../../../src/dtls13/messages/pre-shared-key.js';
import { decodeNewSessionTicket13 } from '../../../src/dtls13/messages/new-session-ticket.js';
import { hex, toHex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, encodeMessage, expectRejects } from '../../handshake/messages/helpers.js';
import { S3, S4 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

/** The pre_shared_key extension_data of RFC 8448 §4's ClientHello (type 0x0029, length 0x00dd). */
function rfc8448OfferedPsks(): Uint8Array {
  const h = toHex(S4.clientHello);
  const at = h.indexOf('002900dd') + 8;
  return hex(h.slice(at, at + 0xdd * 2));
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('pre_shared_key in a ClientHello (RFC 8446 §4.2.11)', () => {
  const vector = rfc8448OfferedPsks();
  const nst = decodeBytes(decodeNewSessionTicket13, S3.newSessionTicket.subarray(4));
  codecSuite({
    decode: decodeOfferedPsks, encode: encodeOfferedPsks, vector,
    value: { identities: [{ identity: nst.ticket, obfuscatedTicketAge: 0xfad6aacb }], binders: [hex(S4.binder)] },
    arbitrary: fc.record({
      identities: fc.array(fc.record({ identity: bytesOf(1, 40), obfuscatedTicketAge: u32 }), { minLength: 1, maxLength: 3 }),
      binders: fc.array(bytesOf(32, 48), { minLength: 1, maxLength: 3 }),
    }),
    trailing: 'pre_shared_key: 1 trailing bytes',
  });

  it('the RFC 8448 ticket was 6 ms old: obfuscated age minus ticket_age_add', () => {
    expect(ticketAgeMs(0xfad6aacb, nst.ticketAgeAdd)).toBe(6);
    expect(obfuscateTicketAge(6, nst.ticketAgeAdd)).toBe(0xfad6aacb);
  });

  it('ticket ages wrap modulo 2^32', () => {
    expect(obfuscateTicketAge(10, 0xfffffffa)).toBe(4);
    expect(ticketAgeMs(4, 0xfffffffa)).toBe(10);
  });

  it('reserves the binders length a client needs before computing them', () => {
    const m = { identities: [{ identity: hex('01'), obfuscatedTicketAge: 0 }], binders: [new Uint8Array(32), new Uint8Array(48)] };
    const all = encodeMessage(encodeOfferedPsks, m);
    expect(bindersLength([32, 48])).toBe(all.length - (2 + 2 + 1 + 4));
  });

  it('rejects a binder shorter than 32 bytes', () => {
    expectRejects(decodeOfferedPsks, hex('0007 0001 aa 00000000  0021 1f' + '00'.repeat(32)), /PskBinderEntry: length 31 outside 32\.\./);
  });

  it('rejects an empty identities list', () => {
    expectRejects(decodeOfferedPsks, hex('0000 0021 20' + '00'.repeat(32)), /identities: length 0 outside 7\.\./);
  });
});

describe('pre_shared_key in a ServerHello (RFC 8446 §4.2.11)', () => {
  codecSuite({
    decode: decodeSelectedIdentity, encode: encodeSelectedIdentity,
    vector: hex('0000'), value: { selectedIdentity: 0 },
    arbitrary: fc.record({ selectedIdentity: fc.integer({ min: 0, max: 0xffff }) }),
    trailing: 'pre_shared_key: 1 trailing bytes',
  });
});
