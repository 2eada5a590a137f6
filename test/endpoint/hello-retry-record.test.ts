/**
 * The stateless HelloRetryRequest is written in one pass into one slab-cut
 * buffer (src/endpoint/front-door13.ts): it must be byte for byte the record
 * the general encoders make from helloRetryRequestBody (what the server
 * machine puts in its transcript), and records already handed out must not
 * change when later ones are written.
 */
import { describe, expect, it } from 'vitest';
import { Writer } from '../../src/codec/writer.js';
import { helloRetryRequestBody } from '../../src/dtls13/handshake/negotiate13.js';
import { encodePlaintextRecord13 } from '../../src/dtls13/record.js';
import { SUITES_13 } from '../../src/dtls13/suites.js';
import { helloRetryRequestRecord } from '../../src/endpoint/front-door13.js';
import { encodeHandshakeFragment } from '../../src/handshake/header.js';
import { counting, toHex } from '../codec/hex.js';

function composed(m: Parameters<typeof helloRetryRequestRecord>[0], messageSeq: number, recordSeq: number): Uint8Array {
  const body = helloRetryRequestBody(m.suite, m.group, m.cookie, m.echo);
  const w = new Writer(12 + body.length);
  encodeHandshakeFragment(w, 2, body.length, messageSeq, 0, body);
  return encodePlaintextRecord13(22, recordSeq, w.finish());
}

describe('the stateless HelloRetryRequest record', () => {
  const cases = [
    { suite: SUITES_13[0]!, group: 'x25519' as const, cookie: counting(69), echo: new Uint8Array(0) },
    { suite: SUITES_13[1]!, group: undefined, cookie: counting(85, 3), echo: counting(32, 9) },
    { suite: SUITES_13[2]!, group: 'secp256r1' as const, cookie: undefined, echo: counting(8) },
  ];

  it('is byte for byte the record the general encoders make from helloRetryRequestBody', () => {
    for (const [i, m] of cases.entries()) {
      const r = helloRetryRequestRecord(m, i, 2 ** 40 + i, 10_000)!;
      expect(toHex(r.record)).toBe(toHex(composed(m, i, 2 ** 40 + i)));
      expect(toHex(r.fragment)).toBe(toHex(r.record.subarray(13)));
    }
  });

  it('is refused, before anything is written, when it would be larger than the ClientHello', () => {
    const size = helloRetryRequestRecord(cases[0]!, 0, 0, 10_000)!.record.length;
    expect(helloRetryRequestRecord(cases[0]!, 0, 0, size)!.record).toHaveLength(size);
    expect(helloRetryRequestRecord(cases[0]!, 0, 0, size - 1)).toBeUndefined();
  });

  it('records handed out stay as they were while many more are written', () => {
    const kept = cases.map((m, i) => helloRetryRequestRecord(m, 0, i, 10_000)!.record);
    const before = kept.map(toHex);
    for (let i = 0; i < 500; i++) helloRetryRequestRecord(cases[i % 3]!, 1, 1000 + i, 10_000);
    expect(kept.map(toHex)).toEqual(before);
  });
});
