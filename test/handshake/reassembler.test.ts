import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { DecodeError } from '../../src/errors.js';
import {
  HANDSHAKE_HEADER_LENGTH, type HandshakeFragment, decodeHandshakeFragment, encodeHandshakeFragment, fullMessage,
} from '../../src/handshake/header.js';
import { DEFAULT_REASSEMBLY_LIMITS, Reassembler, type ReassemblyLimits } from '../../src/handshake/reassembler.js';
import { HandshakeType } from '../../src/handshake/registry.js';
import { counting, hex, toHex } from '../codec/hex.js';

const HT = HandshakeType;

function frag(msgType: number, length: number, messageSeq: number, fragmentOffset: number, body: Uint8Array): HandshakeFragment {
  return { msgType, length, messageSeq, fragmentOffset, body };
}

/** The fragment of `msg` covering [start, end). */
function piece(msgType: number, messageSeq: number, msg: Uint8Array, start: number, end: number): HandshakeFragment {
  return frag(msgType, msg.length, messageSeq, start, msg.slice(start, end));
}

/** Wire bytes of one fragment, and what decodeHandshakeFragment makes of them. */
function wire(msgType: number, length: number, seq: number, offset: number, body: Uint8Array, fragmentLength = body.length): Uint8Array {
  const w = new Writer();
  w.u8(msgType).u24(length).u16(seq).u24(offset).u24(fragmentLength).bytes(body);
  return w.finish();
}

function limits(over: Partial<ReassemblyLimits>): ReassemblyLimits {
  return { ...DEFAULT_REASSEMBLY_LIMITS, ...over };
}

describe('handshake fragment header', () => {
  it('decodes a fragment header and body', () => {
    const f = decodeHandshakeFragment(new Reader(hex('0b 000400 0003 000100 000004 deadbeef')));
    expect(f).toEqual({ msgType: 11, length: 0x400, messageSeq: 3, fragmentOffset: 0x100, body: hex('deadbeef') });
  });

  it('encodes a fragment byte for byte', () => {
    const w = new Writer();
    encodeHandshakeFragment(w, HT.certificate, 0x400, 3, 0x100, hex('deadbeef'));
    expect(toHex(w.finish())).toBe('0b' + '000400' + '0003' + '000100' + '000004' + 'deadbeef');
  });

  it('accepts a fragment that ends exactly at the message length', () => {
    expect(decodeHandshakeFragment(new Reader(wire(2, 10, 0, 6, counting(4)))).fragmentOffset).toBe(6);
  });

  it('FRAG-04 accepts a zero-length fragment at offset = length', () => {
    const f = decodeHandshakeFragment(new Reader(wire(2, 10, 0, 10, new Uint8Array(0))));
    expect(f.body.length).toBe(0);
  });

  it('FRAG-03 rejects offset > length', () => {
    expect(() => decodeHandshakeFragment(new Reader(wire(2, 10, 0, 11, new Uint8Array(0)))))
      .toThrow(/handshake fragment \[11, \+0\) exceeds message length 10/);
  });

  it('FRAG-03 rejects offset + fragment_length > length', () => {
    expect(() => decodeHandshakeFragment(new Reader(wire(2, 10, 0, 8, counting(3))))).toThrow(DecodeError);
    expect(() => decodeHandshakeFragment(new Reader(wire(2, 0, 0, 0, counting(1))))).toThrow(DecodeError);
  });

  it('FRAG-03 rejects offsets near 2^24 without overflow', () => {
    expect(() => decodeHandshakeFragment(new Reader(wire(2, 0xffffff, 0, 0xffffff, counting(1))))).toThrow(DecodeError);
  });

  it('FRAG-03 rejects 12 + fragment_length > record length', () => {
    expect(() => decodeHandshakeFragment(new Reader(wire(2, 10, 0, 0, counting(4), 5))))
      .toThrow(/handshake fragment body: need 5 bytes, 4 left/);
  });

  it('FRAG-08 rejects a header of fewer than 12 bytes', () => {
    const bytes = wire(2, 10, 0, 0, counting(4));
    for (let n = 0; n < HANDSHAKE_HEADER_LENGTH; n++) {
      expect(() => decodeHandshakeFragment(new Reader(bytes.subarray(0, n)))).toThrow(DecodeError);
    }
  });

  it('reads several fragments packed in one record, one after the other (S-26)', () => {
    const r = new Reader(new Uint8Array([...wire(2, 2, 1, 0, hex('aabb')), ...wire(14, 0, 2, 0, new Uint8Array(0))]));
    expect(decodeHandshakeFragment(r).msgType).toBe(2);
    expect(decodeHandshakeFragment(r)).toEqual({ msgType: 14, length: 0, messageSeq: 2, fragmentOffset: 0, body: new Uint8Array(0) });
    expect(r.remaining).toBe(0);
  });

  it('decodes any bytes to a fragment within its length, or throws exactly DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      try {
        const f = decodeHandshakeFragment(new Reader(bytes));
        expect(f.fragmentOffset + f.body.length).toBeLessThanOrEqual(f.length);
      } catch (e) {
        expect((e as Error).constructor).toBe(DecodeError);
      }
    }), { numRuns: 500 });
  });
});

describe('Reassembler', () => {
  const msg100 = counting(100, 7);

  it('passes an unfragmented message straight through', () => {
    const r = new Reassembler();
    expect(r.add(piece(HT.server_hello, 0, msg100, 0, 100), 0)).toBe('buffered');
    const m = r.pop()!;
    expect(m).toEqual({ msgType: HT.server_hello, messageSeq: 0, body: msg100, epoch: 0 });
    expect(r.nextSeq).toBe(1);
    expect(r.bufferedBytes).toBe(0);
    expect(r.pop()).toBeUndefined();
  });

  it('completes a zero-length message (ServerHelloDone) from one empty fragment', () => {
    const r = new Reassembler();
    expect(r.add(frag(HT.server_hello_done, 0, 0, 0, new Uint8Array(0)), 0)).toBe('buffered');
    expect(r.pop()).toEqual({ msgType: HT.server_hello_done, messageSeq: 0, body: new Uint8Array(0), epoch: 0 });
  });

  it('copies fragment bytes, so reusing the record buffer changes nothing (S-66)', () => {
    const r = new Reassembler();
    const body = msg100.slice(0, 50);
    r.add(frag(HT.certificate, 100, 0, 0, body), 0);
    body.fill(0);
    r.add(piece(HT.certificate, 0, msg100, 50, 100), 0);
    expect(r.pop()!.body).toEqual(msg100);
  });

  it('reports the epoch of the record that completed the message', () => {
    const r = new Reassembler();
    r.add(piece(HT.finished, 0, msg100, 0, 40), 0);
    r.add(piece(HT.finished, 0, msg100, 40, 100), 1);
    expect(r.pop()!.epoch).toBe(1);
  });

  it('FRAG-01 drops a fragment whose declared length differs, and writes nothing past the first length', () => {
    const r = new Reassembler();
    const a = frag(HT.certificate, 100, 0, 0, new Uint8Array(50).fill(0xaa));
    const b = frag(HT.certificate, 200, 0, 50, new Uint8Array(150).fill(0xbb));
    expect(r.add(a, 0)).toBe('buffered');
    expect(r.add(b, 0)).toBe('dropped');
    expect(r.bufferedBytes).toBe(100);
    expect(r.pop()).toBeUndefined();
    expect(r.add(frag(HT.certificate, 100, 0, 50, new Uint8Array(50).fill(0xcc)), 0)).toBe('buffered');
    const m = r.pop()!;
    expect(m.body.length).toBe(100);
    expect(m.body.subarray(0, 50).every((x) => x === 0xaa)).toBe(true);
    expect(m.body.subarray(50).every((x) => x === 0xcc)).toBe(true);
  });

  it('S-20 drops a fragment whose message type differs from the first fragment of that message_seq', () => {
    const r = new Reassembler();
    r.add(piece(HT.certificate, 0, msg100, 0, 50), 0);
    expect(r.add(frag(HT.finished, 100, 0, 50, msg100.slice(50)), 0)).toBe('dropped');
    expect(r.pop()).toBeUndefined();
  });

  // FRAG-03 says such a fragment is dropped. decodeHandshakeFragment rejects it
  // on the wire, but Reassembler.add itself does not check: it records the range
  // [95, 105) (so `received` counts 10 bytes) and then `body.set` throws a
  // RangeError. The message can then "complete" with a hole of zeros.
  it('FRAG-03 drops a fragment that runs past its declared length even when handed over without header decoding', () => {
    const r = new Reassembler();
    r.add(piece(HT.certificate, 0, msg100, 0, 10), 0);
    let res: string | undefined;
    expect(() => { res = r.add(frag(HT.certificate, 100, 0, 95, new Uint8Array(10).fill(0xee)), 0); }).not.toThrow();
    expect(res).toBe('dropped');
    expect(() => { res = r.add(frag(HT.certificate, 100, 0, 150, counting(10)), 0); }).not.toThrow();
    expect(res).toBe('dropped');
  });

  it('FRAG-03 a fragment past its declared length never lets a message complete with bytes missing', () => {
    const r = new Reassembler();
    r.add(piece(HT.certificate, 0, msg100, 0, 10), 0);
    try {
      r.add(frag(HT.certificate, 100, 0, 95, new Uint8Array(10).fill(0xee)), 0);
    } catch {
      // see the test above
    }
    // Bytes [10, 90) arrive; [90, 100) never does, so nothing may complete.
    r.add(piece(HT.certificate, 0, msg100, 10, 90), 0);
    const m = r.pop();
    expect(m?.body && toHex(m.body.subarray(88))).toBeUndefined();
  });

  it('FRAG-04 ignores 10,000 zero-length fragments without growing, and completes when real fragments follow', () => {
    const r = new Reassembler();
    for (let i = 0; i < 10_000; i++) {
      expect(r.add(frag(HT.certificate, 100, 0, i % 101, new Uint8Array(0)), 0)).toBe('buffered');
      if (i === 0) expect(r.bufferedBytes).toBe(100);
    }
    // Each zero-length fragment is a constant-time no-op: nothing grows.
    expect(r.bufferedBytes).toBe(100);
    expect(r.pop()).toBeUndefined();
    r.add(piece(HT.certificate, 0, msg100, 0, 60), 0);
    r.add(frag(HT.certificate, 100, 0, 100, new Uint8Array(0)), 0); // offset = length
    r.add(piece(HT.certificate, 0, msg100, 60, 100), 0);
    expect(r.pop()!.body).toEqual(msg100);
  });

  it('FRAG-05 reassembles overlapping fragments [0,100), [50,150), [0,200)', () => {
    const msg = counting(200, 3);
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 0, 2], [1, 2, 0]]) {
      const r = new Reassembler();
      const parts = [piece(HT.certificate, 0, msg, 0, 100), piece(HT.certificate, 0, msg, 50, 150), piece(HT.certificate, 0, msg, 0, 200)];
      for (const i of order) expect(r.add(parts[i]!, 0)).toBe('buffered');
      expect(r.pop()!.body).toEqual(msg);
    }
  });

  it('FRAG-05 does not complete on overlaps that leave a gap', () => {
    const msg = counting(200);
    const r = new Reassembler();
    r.add(piece(HT.certificate, 0, msg, 0, 100), 0);
    r.add(piece(HT.certificate, 0, msg, 50, 150), 0);
    r.add(piece(HT.certificate, 0, msg, 151, 200), 0);
    r.add(piece(HT.certificate, 0, msg, 0, 150), 0);
    expect(r.pop()).toBeUndefined();
    r.add(piece(HT.certificate, 0, msg, 150, 151), 0);
    expect(r.pop()!.body).toEqual(msg);
  });

  it('FRAG-09 drops a declared length of 0xffffff before allocating anything', () => {
    const r = new Reassembler();
    expect(r.add(frag(HT.certificate, 0xffffff, 0, 0, counting(10)), 0)).toBe('dropped');
    expect(r.add(frag(HT.client_hello, 0xffffff, 0, 0, counting(10)), 0)).toBe('dropped');
    expect(r.bufferedBytes).toBe(0);
    expect(r.hasFuture).toBe(false);
    expect(r.pop()).toBeUndefined();
  });

  it('S-23 allows 16 KiB per message and 64 KiB per Certificate, and no more', () => {
    const r = new Reassembler();
    expect(r.add(frag(HT.server_key_exchange, 16 * 1024, 0, 0, new Uint8Array(0)), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate_request, 16 * 1024 + 1, 1, 0, new Uint8Array(0)), 0)).toBe('dropped');
    expect(r.add(frag(HT.certificate, 64 * 1024, 2, 0, new Uint8Array(0)), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate, 64 * 1024 + 1, 3, 0, new Uint8Array(0)), 0)).toBe('dropped');
    expect(r.bufferedBytes).toBe(80 * 1024);
  });

  it('FRAG-11 treats a fragment of an already-processed message_seq as old, whatever its content or offset', () => {
    const r = new Reassembler();
    r.add(piece(HT.server_hello, 0, msg100, 0, 100), 0);
    r.pop();
    expect(r.add(piece(HT.server_hello, 0, new Uint8Array(100).fill(9), 0, 100), 0)).toBe('old');
    expect(r.add(piece(HT.server_hello, 0, msg100, 30, 70), 0)).toBe('old');
    expect(r.add(frag(HT.certificate, 5, 0, 0, counting(5)), 0)).toBe('old');
    expect(r.pop()).toBeUndefined();
    expect(r.bufferedBytes).toBe(0);
  });

  it('S-22 buffers next_receive_seq and the six after it, and drops the seventh', () => {
    const r = new Reassembler();
    for (let seq = 0; seq <= 6; seq++) expect(r.add(frag(HT.certificate, 4, seq, 0, counting(4)), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate, 4, 7, 0, counting(4)), 0)).toBe('dropped');
    expect(r.hasFuture).toBe(true);
    expect(r.bufferedBytes).toBe(28);
    for (let seq = 0; seq <= 6; seq++) expect(r.pop()!.messageSeq).toBe(seq);
    expect(r.hasFuture).toBe(false);
    expect(r.add(frag(HT.certificate, 4, 13, 0, counting(4)), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate, 4, 14, 0, counting(4)), 0)).toBe('dropped');
  });

  it('S-22 counts the window from reset(next)', () => {
    const r = new Reassembler();
    r.add(frag(HT.client_hello, 4, 0, 0, counting(4)), 0);
    r.reset(1);
    expect(r.bufferedBytes).toBe(0);
    expect(r.nextSeq).toBe(1);
    expect(r.add(frag(HT.client_hello, 4, 0, 0, counting(4)), 0)).toBe('old');
    expect(r.add(frag(HT.certificate, 4, 7, 0, counting(4)), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate, 4, 8, 0, counting(4)), 0)).toBe('dropped');
  });

  it('S-23 caps the bytes buffered across messages (DOS-08)', () => {
    const r = new Reassembler();
    expect(r.add(frag(HT.certificate, 64 * 1024, 1, 0, counting(10)), 0)).toBe('buffered');
    expect(r.add(frag(HT.server_key_exchange, 16 * 1024, 2, 0, counting(10)), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate_request, 16 * 1024, 3, 0, counting(10)), 0)).toBe('buffered');
    expect(r.bufferedBytes).toBe(96 * 1024);
    expect(r.add(frag(HT.server_hello_done, 1, 4, 0, counting(1)), 0)).toBe('dropped');
    expect(r.add(frag(HT.server_hello, 1, 0, 0, counting(1)), 0)).toBe('dropped');
    expect(r.bufferedBytes).toBe(96 * 1024);
    // Fragments of messages already buffered are still taken.
    expect(r.add(frag(HT.certificate, 64 * 1024, 1, 10, counting(10)), 0)).toBe('buffered');
  });

  it('S-23 frees buffered bytes as messages are popped', () => {
    const r = new Reassembler(limits({ maxBuffered: 150 }));
    expect(r.add(piece(HT.server_hello, 0, msg100, 0, 100), 0)).toBe('buffered');
    expect(r.add(frag(HT.certificate, 100, 1, 0, new Uint8Array(0)), 0)).toBe('dropped');
    r.pop();
    expect(r.bufferedBytes).toBe(0);
    expect(r.add(frag(HT.certificate, 100, 1, 0, new Uint8Array(0)), 0)).toBe('buffered');
  });

  it('S-24 clear() frees every buffer', () => {
    const r = new Reassembler();
    r.add(frag(HT.certificate, 1000, 0, 0, counting(10)), 0);
    r.add(frag(HT.certificate, 1000, 3, 0, counting(10)), 0);
    r.clear();
    expect(r.bufferedBytes).toBe(0);
    expect(r.hasFuture).toBe(false);
    expect(r.pop()).toBeUndefined();
  });

  describe('range-count cap', () => {
    it('drops a fragment that would make a 65th disjoint range, but still merges adjacent ones', () => {
      const msg = counting(200);
      const r = new Reassembler();
      for (let i = 0; i < 64; i++) expect(r.add(piece(HT.certificate, 0, msg, 2 * i, 2 * i + 1), 0)).toBe('buffered');
      expect(r.add(piece(HT.certificate, 0, msg, 150, 151), 0)).toBe('dropped');
      // Adjacent to range 63 ([126,127)): merges, no new range.
      expect(r.add(piece(HT.certificate, 0, msg, 127, 128), 0)).toBe('buffered');
      // Bridges [0,1) and [2,3): the count drops to 63, so a new range fits again.
      expect(r.add(piece(HT.certificate, 0, msg, 1, 2), 0)).toBe('buffered');
      expect(r.add(piece(HT.certificate, 0, msg, 150, 151), 0)).toBe('buffered');
      // The rest in one piece covers everything.
      expect(r.add(piece(HT.certificate, 0, msg, 0, 200), 0)).toBe('buffered');
      expect(r.pop()!.body).toEqual(msg);
    });

    it('completes a 1000-fragment message in order, in reverse, and shuffled after retransmissions, in bounded time', () => {
      const msg = counting(1000, 1);
      const pieces = Array.from({ length: 1000 }, (_, i) => piece(HT.certificate, 0, msg, i, i + 1));
      for (const order of [pieces, [...pieces].reverse()]) {
        const r = new Reassembler();
        for (const p of order) expect(r.add(p, 0)).toBe('buffered');
        expect(r.pop()!.body).toEqual(msg);
      }
      // Shuffled: past 64 disjoint ranges some are dropped; the peer's retransmissions fill them in.
      const shuffled = fc.sample(fc.shuffledSubarray(pieces, { minLength: 1000, maxLength: 1000 }), { numRuns: 1, seed: 42 })[0]!;
      const r = new Reassembler();
      let passes = 0;
      let done: ReturnType<Reassembler['pop']>;
      while (!(done = r.pop()) && passes < 100) {
        passes++;
        for (const p of shuffled) r.add(p, 0);
      }
      expect(done?.body).toEqual(msg);
      expect(passes).toBeLessThan(100);
    });
  });

  describe('properties', () => {
    /** A message, and fragments covering it: cut pieces, plus overlapping slices, duplicates and empty ones, shuffled. */
    const fragmented = fc.record({
      body: fc.uint8Array({ minLength: 0, maxLength: 2000 }),
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 1999 }), { maxLength: 20 }),
      extra: fc.array(fc.tuple(fc.nat(2000), fc.nat(2000)), { maxLength: 15 }),
      dups: fc.array(fc.nat(), { maxLength: 10 }),
      empties: fc.array(fc.nat(2000), { maxLength: 5 }),
      seed: fc.integer(),
    }).map(({ body, cuts, extra, dups, empties, seed }) => {
      const n = body.length;
      const points = [0, ...cuts.filter((c) => c < n).sort((a, b) => a - b), n];
      const ranges: [number, number][] = [];
      for (let i = 0; i + 1 < points.length; i++) if (points[i]! < points[i + 1]!) ranges.push([points[i]!, points[i + 1]!]);
      for (const [a, b] of extra) if (n > 0) ranges.push([Math.min(a, b) % (n + 1), Math.max(a, b) % (n + 1)].sort((x, y) => x - y) as [number, number]);
      for (const d of dups) if (ranges.length > 0) ranges.push(ranges[d % ranges.length]!);
      for (const e of empties) ranges.push([e % (n + 1), e % (n + 1)]);
      if (n === 0) ranges.push([0, 0]);
      // Deterministic shuffle from the seed.
      let s = seed >>> 0;
      for (let i = ranges.length - 1; i > 0; i--) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const j = s % (i + 1);
        [ranges[i], ranges[j]] = [ranges[j]!, ranges[i]!];
      }
      return { body, ranges };
    });

    it('any fragmentation, overlap, duplication and order reassembles to exactly the original bytes', () => {
      fc.assert(fc.property(fragmented, ({ body, ranges }) => {
        expect(ranges.length).toBeLessThanOrEqual(64);
        const r = new Reassembler();
        for (const [a, b] of ranges) expect(r.add(piece(HT.certificate, 0, body, a, b), 0)).toBe('buffered');
        const m = r.pop();
        expect(m).toBeDefined();
        expect(m!.body).toEqual(body);
        expect(r.bufferedBytes).toBe(0);
      }), { numRuns: 500 });
    });

    it('never completes while any byte is missing', () => {
      fc.assert(fc.property(fragmented, fc.nat(), ({ body, ranges }, pick) => {
        if (body.length === 0) return;
        const hole = pick % body.length;
        const r = new Reassembler();
        for (const [a, b] of ranges) {
          // Cut every fragment around the hole.
          if (a <= hole && hole < b) {
            r.add(piece(HT.certificate, 0, body, a, hole), 0);
            r.add(piece(HT.certificate, 0, body, hole + 1, b), 0);
          } else {
            r.add(piece(HT.certificate, 0, body, a, b), 0);
          }
        }
        expect(r.pop()).toBeUndefined();
        r.add(piece(HT.certificate, 0, body, hole, hole + 1), 0);
        expect(r.pop()?.body).toEqual(body);
      }), { numRuns: 300 });
    });

    it('messages of several message_seqs, fragments interleaved in any order, pop in message_seq order', () => {
      const flight = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 });
      fc.assert(fc.property(flight, fc.uniqueArray(fc.integer({ min: 1, max: 299 }), { maxLength: 6 }), fc.integer(), (msgs, cuts, seed) => {
        const r = new Reassembler();
        const all: HandshakeFragment[] = [];
        msgs.forEach((body, seq) => {
          const pts = [0, ...cuts.filter((c) => c < body.length).sort((a, b) => a - b), body.length];
          for (let i = 0; i + 1 < pts.length; i++) all.push(piece(HT.certificate, seq, body, pts[i]!, pts[i + 1]!));
        });
        let s = seed >>> 0;
        for (let i = all.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [all[i], all[j]] = [all[j]!, all[i]!];
        }
        const out: Uint8Array[] = [];
        for (const f of all) {
          expect(r.add(f, 0)).toBe('buffered');
          for (let m = r.pop(); m; m = r.pop()) {
            expect(m.messageSeq).toBe(out.length);
            out.push(m.body);
          }
        }
        expect(out).toEqual(msgs);
        expect(r.nextSeq).toBe(msgs.length);
      }), { numRuns: 300 });
    });

    it('S-25 a reassembled message is hashed as if unfragmented', () => {
      fc.assert(fc.property(fragmented, ({ body }) => {
        const r = new Reassembler();
        r.add(piece(HT.certificate, 0, body, 0, body.length), 0);
        const m = r.pop()!;
        const w = new Writer();
        encodeHandshakeFragment(w, m.msgType, m.body.length, m.messageSeq, 0, m.body);
        expect(fullMessage(m.msgType, m.messageSeq, m.body)).toEqual(w.finish());
      }), { numRuns: 100 });
    });
  });
});
