/**
 * How FlightSender packs a flight into records and datagrams: DTLS 1.2 puts
 * each handshake fragment in its own record; DTLS 1.3 (acknowledged flights)
 * puts consecutive fragments of one epoch in one record (RFC 9147 §5.5), so
 * an encrypted flight is one record to seal and open, and an ACK of that
 * record marks every message in it received.
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { FlightSender, type RecordNumber, type RecordSealer } from '../../src/connection/flight-sender.js';
import { HANDSHAKE_HEADER_LENGTH } from '../../src/handshake/header.js';
import { ContentType } from '../../src/record/content-type.js';

/** A sealer whose records are [type, epoch, seq (2 bytes), length (2 bytes)] + data + 16 bytes of "tag". */
function fakeSealer() {
  const next = new Map<number, number>();
  const sealed: { epoch: number; seq: number; type: number; data: Uint8Array }[] = [];
  const sealer: RecordSealer = {
    overhead: (epoch) => (epoch === 0 ? 6 : 6 + 16),
    nextSeq: (epoch) => next.get(epoch) ?? 0,
    seal: (type, data, epoch) => {
      const seq = next.get(epoch) ?? 0;
      next.set(epoch, seq + 1);
      sealed.push({ epoch, seq, type, data: Uint8Array.from(data) });
      const tag = epoch === 0 ? 0 : 16;
      const out = new Uint8Array(6 + data.length + tag);
      out.set([type, epoch, seq >> 8, seq & 0xff, (data.length + tag) >> 8, (data.length + tag) & 0xff]);
      out.set(data, 6);
      return out;
    },
  };
  return { sealer, sealed };
}

/** The handshake fragments in a record's data: [msgType, messageSeq, offset, length]. */
function fragments(data: Uint8Array): number[][] {
  const r = new Reader(data);
  const out: number[][] = [];
  while (r.remaining > 0) {
    const type = r.u8();
    r.u24();
    const seq = r.u16();
    const offset = r.u24();
    const length = r.u24();
    r.bytes(length);
    out.push([type, seq, offset, length]);
  }
  return out;
}

const SETTINGS = { mtu: 1400, retransmitInitial: 1000, retransmitMax: 60000, maxRetransmits: 6, lastFlightLifetime: 240000 };

function sender(acknowledged: boolean, mtu = SETTINGS.mtu) {
  const { sealer, sealed } = fakeSealer();
  const datagrams: Uint8Array[] = [];
  const f = new FlightSender({ ...SETTINGS, mtu }, sealer, (d) => datagrams.push(d), () => 'test', acknowledged);
  // ServerHello in epoch 0; EncryptedExtensions, Certificate, CertificateVerify, Finished in epoch 2.
  const sizes = [[2, 0, 90], [8, 2, 20], [11, 2, 700], [15, 2, 74], [20, 2, 32]] as const;
  sizes.forEach(([msgType, epoch, n], i) => f.queue({ kind: 'handshake', msgType, messageSeq: 1 + i, body: new Uint8Array(n).fill(i + 1), epoch }));
  f.send(false, 0);
  return { f, sealed, datagrams };
}

describe('flight packing', () => {
  it('DTLS 1.3: the four epoch-2 messages go in one record, after the epoch-0 ServerHello, in one datagram', () => {
    const { sealed, datagrams } = sender(true);
    expect(datagrams).toHaveLength(1);
    expect(sealed.map((s) => [s.epoch, s.type])).toEqual([[0, ContentType.handshake], [2, ContentType.handshake]]);
    expect(fragments(sealed[1]!.data)).toEqual([[8, 2, 0, 20], [11, 3, 0, 700], [15, 4, 0, 74], [20, 5, 0, 32]]);
    // Both records, back to back, are the whole datagram.
    expect(datagrams[0]!.length).toBe(6 + HANDSHAKE_HEADER_LENGTH + 90 + 6 + 16 + 4 * HANDSHAKE_HEADER_LENGTH + 20 + 700 + 74 + 32);
  });

  it('DTLS 1.2: one record per handshake message', () => {
    const { sealed, datagrams } = sender(false);
    expect(datagrams).toHaveLength(1);
    expect(sealed.map((s) => fragments(s.data).length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('DTLS 1.3: an ACK of the one record acknowledges every message in it', () => {
    const { f, sealed } = sender(true);
    const ack = (rns: RecordNumber[]) => f.acknowledge(rns, 10);
    expect(ack([{ epoch: 2, seq: sealed[1]!.seq }])).toBe(false); // the ServerHello is still missing
    expect(f.outstanding).toBe(true);
    expect(ack([{ epoch: 0, seq: sealed[0]!.seq }])).toBe(true);
    expect(f.outstanding).toBe(false);
  });

  it('DTLS 1.3: a flight larger than the MTU is cut into datagrams, each within the MTU, one record per datagram and epoch', () => {
    const mtu = 300;
    const { sealed, datagrams } = sender(true, mtu);
    for (const d of datagrams) expect(d.length).toBeLessThanOrEqual(mtu);
    // Every byte of every message is carried exactly once, in order.
    const carried = new Map<number, number>();
    for (const s of sealed) for (const [, seq, offset, length] of fragments(s.data)) {
      expect(offset).toBe(carried.get(seq!) ?? 0);
      carried.set(seq!, offset! + length!);
    }
    expect([...carried]).toEqual([[1, 90], [2, 20], [3, 700], [4, 74], [5, 32]]);
    // No datagram holds two records of the same epoch.
    let at = 0;
    for (const d of datagrams) {
      const epochs: number[] = [];
      for (let o = 0; o < d.length;) {
        epochs.push(d[o + 1]!);
        o += 6 + ((d[o + 4]! << 8) | d[o + 5]!);
      }
      expect(new Set(epochs).size).toBe(epochs.length);
      at += epochs.length;
    }
    expect(at).toBe(sealed.length);
  });

  it('DTLS 1.3: after an ACK of part of the flight, only the rest is resent, again packed', () => {
    const { f, sealed } = sender(true, 300);
    const before = sealed.length;
    // Acknowledge the first two records (the ServerHello and the first epoch-2 record).
    f.acknowledge([{ epoch: 0, seq: 0 }, { epoch: 2, seq: 0 }], 600);
    const resent = sealed.slice(before);
    expect(resent.length).toBeGreaterThan(0);
    const first = fragments(sealed.find((s) => s.epoch === 2)!.data);
    for (const s of resent) {
      expect(s.epoch).toBe(2);
      for (const [type, seq, offset] of fragments(s.data)) {
        // Nothing the acknowledged record carried comes again.
        expect(first.some(([t, q, o]) => t === type && q === seq && o === offset)).toBe(false);
      }
    }
  });
});
