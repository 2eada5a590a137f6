/**
 * Fuzz target: the handshake fragment header. Input: a handshake record's
 * plaintext, read fragment after fragment as the connection does.
 *
 * `decodeHandshakeFragment` throws only DecodeError; a decoded fragment lies
 * inside its message (S-19), re-encodes to exactly the bytes it was read
 * from, and a whole message survives `fullMessage`.
 */
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment, encodeHandshakeFragment, fullMessage } from '../../src/handshake/header.js';
import { check, decodeOrReject, equalBytes } from './lib/oracle.js';

export function fuzz(buf: Buffer): void {
  const r = new Reader(buf);
  while (r.remaining >= HANDSHAKE_HEADER_LENGTH) {
    const start = r.offset;
    const f = decodeOrReject(() => decodeHandshakeFragment(r));
    if (f === undefined) return;
    check(f.msgType <= 0xff && f.length <= 0xffffff && f.messageSeq <= 0xffff && f.fragmentOffset <= 0xffffff, 'field range');
    check(f.fragmentOffset + f.body.length <= f.length, 'fragment outside its message (S-19)');
    check(r.offset === start + HANDSHAKE_HEADER_LENGTH + f.body.length, 'reader did not advance by header + body');
    const w = new Writer();
    encodeHandshakeFragment(w, f.msgType, f.length, f.messageSeq, f.fragmentOffset, f.body);
    check(equalBytes(w.finish(), buf.subarray(start, r.offset)), 'fragment does not re-encode to its bytes');
    if (f.fragmentOffset === 0 && f.body.length === f.length) {
      const whole = fullMessage(f.msgType, f.messageSeq, f.body);
      check(equalBytes(whole, buf.subarray(start, r.offset)), 'fullMessage differs from an unfragmented message');
    }
  }
}
