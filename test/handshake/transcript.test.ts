import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { nodeProvider } from '../../src/crypto/index.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment, encodeHandshakeFragment, fullMessage } from '../../src/handshake/header.js';
import { Reassembler } from '../../src/handshake/reassembler.js';
import { HandshakeType } from '../../src/handshake/registry.js';
import { Transcript } from '../../src/handshake/transcript.js';
import { concat, counting, hex, toHex } from '../codec/hex.js';

const sha256 = (b: Uint8Array) => toHex(createHash('sha256').update(b).digest());

describe('fullMessage', () => {
  it('S-25 writes the header of an unfragmented message: offset 0, fragment_length = length', () => {
    const body = hex('cf919626f1360c536aaad73a');
    expect(toHex(fullMessage(HandshakeType.finished, 5, body))).toBe(
      '14' + '00000c' + '0005' + '000000' + '00000c' + 'cf919626f1360c536aaad73a',
    );
  });

  it('S-25 writes 24-bit lengths and 16-bit message_seq exactly', () => {
    const body = new Uint8Array(0x012345);
    const m = fullMessage(HandshakeType.certificate, 0xfedc, body);
    expect(toHex(m.subarray(0, HANDSHAKE_HEADER_LENGTH))).toBe('0b' + '012345' + 'fedc' + '000000' + '012345');
    expect(m.length).toBe(HANDSHAKE_HEADER_LENGTH + 0x012345);
  });

  it('writes an empty message as its header alone', () => {
    expect(toHex(fullMessage(HandshakeType.server_hello_done, 3, new Uint8Array(0)))).toBe('0e' + '000000' + '0003' + '000000' + '000000');
  });

  it('S-25 equals the single-fragment encoding, whatever fragments carried the message', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 100 }),
      (body, seq, size) => {
        // Send it in fragments of `size` bytes, reassemble, and compare with an unfragmented send.
        const r = new Reassembler();
        r.reset(seq);
        const offsets = body.length === 0 ? [0] : Array.from({ length: Math.ceil(body.length / size) }, (_, i) => i * size);
        for (const off of offsets) {
          const w = new Writer();
          encodeHandshakeFragment(w, HandshakeType.certificate, body.length, seq, off, body.subarray(off, off + size));
          r.add(decodeHandshakeFragment(new Reader(w.finish())), 0);
        }
        const m = r.pop()!;
        const single = new Writer();
        encodeHandshakeFragment(single, HandshakeType.certificate, body.length, seq, 0, body);
        expect(fullMessage(m.msgType, m.messageSeq, m.body)).toEqual(single.finish());
      }), { numRuns: 200 });
  });
});

describe('Transcript', () => {
  const a = counting(40, 1);
  const b = counting(3, 200);

  it('is empty at first', () => {
    const t = new Transcript();
    expect(t.bytes().length).toBe(0);
    expect(toHex(t.hash(nodeProvider, 'sha256'))).toBe(sha256(new Uint8Array(0)));
  });

  it('S-25 holds each message as if unfragmented, in order', () => {
    const t = new Transcript();
    t.add(HandshakeType.client_hello, 1, a);
    t.add(HandshakeType.server_hello, 1, b);
    expect(t.bytes()).toEqual(concat(fullMessage(1, 1, a), fullMessage(2, 1, b)));
  });

  it('hashes the concatenation with the asked hash', () => {
    const t = new Transcript();
    t.add(HandshakeType.client_hello, 1, a);
    t.add(HandshakeType.server_hello, 1, b);
    const all = concat(fullMessage(1, 1, a), fullMessage(2, 1, b));
    expect(toHex(t.hash(nodeProvider, 'sha256'))).toBe(sha256(all));
    expect(toHex(t.hash(nodeProvider, 'sha384'))).toBe(toHex(createHash('sha384').update(all).digest()));
  });

  it('keeps growing after bytes() was read', () => {
    const t = new Transcript();
    t.add(1, 0, a);
    const first = t.bytes().slice();
    t.add(2, 1, b);
    t.add(11, 2, a);
    expect(t.bytes()).toEqual(concat(first, fullMessage(2, 1, b), fullMessage(11, 2, a)));
    expect(t.bytes()).toEqual(t.bytes());
  });

  it('clear() forgets every message', () => {
    const t = new Transcript();
    t.add(1, 0, a);
    t.clear();
    expect(t.bytes().length).toBe(0);
    t.add(2, 0, b);
    expect(t.bytes()).toEqual(fullMessage(2, 0, b));
  });

  it('does not keep a reference to the body it was given', () => {
    const t = new Transcript();
    const body = a.slice();
    t.add(1, 0, body);
    body.fill(0);
    expect(t.bytes()).toEqual(fullMessage(1, 0, a));
  });
});
