import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ContentType,
  HandshakeType,
  describeDatagram,
  flightOf,
  formatRecords,
} from '../../src/testing/describe.js';
import { bytes, cat, clientHelloBody, handshake, record } from './helpers.js';

const HS = ContentType.handshake;
const CCS = ContentType.change_cipher_spec;

describe('describeDatagram', () => {
  it('parses a two-record datagram: a ClientHello and a fragmented Certificate', () => {
    const ch = clientHelloBody(new Uint8Array(0));
    const certFrag = new Uint8Array(40).fill(0xcc);
    const r1 = record(HS, 0, 0, handshake(HandshakeType.client_hello, 0, ch));
    const r2 = record(HS, 0, 1, handshake(HandshakeType.certificate, 1, certFrag, { offset: 80, total: 300 }));
    const dg = cat(r1, r2);
    const recs = describeDatagram(dg);
    expect(recs).toHaveLength(2);
    const [a, b] = recs as [(typeof recs)[0], (typeof recs)[0]];
    expect(a).toMatchObject({ offset: 0, type: 22, typeName: 'handshake', version: 0xfefd, epoch: 0, seq: 0, encrypted: false });
    expect(a.length).toBe(12 + ch.length);
    expect(a.malformed).toBeUndefined();
    expect(a.handshake).toHaveLength(1);
    expect(a.handshake?.[0]).toMatchObject({
      msgType: 1,
      name: 'client_hello',
      length: ch.length,
      messageSeq: 0,
      fragmentOffset: 0,
      fragmentLength: ch.length,
      cookieLength: 0,
      offset: 13,
    });
    expect(a.handshake?.[0]?.body).toEqual(ch);
    expect(b).toMatchObject({ offset: r1.length, seq: 1, epoch: 0 });
    expect(b.handshake?.[0]).toMatchObject({
      name: 'certificate',
      length: 300,
      messageSeq: 1,
      fragmentOffset: 80,
      fragmentLength: 40,
    });
    expect(b.handshake?.[0]?.cookieLength).toBeUndefined();
    expect(formatRecords(recs)).toBe(
      `handshake e0/0 [client_hello m0 0+${ch.length}/${ch.length} cookie=0] | handshake e0/1 [certificate m1 80+40/300]`,
    );
  });

  it('parses several handshake messages in one record (server flight 4)', () => {
    const payload = cat(
      handshake(HandshakeType.server_hello, 1, new Uint8Array(70)),
      handshake(HandshakeType.certificate, 2, new Uint8Array(20), { total: 900 }),
      handshake(HandshakeType.server_hello_done, 3, new Uint8Array(0)),
    );
    const recs = describeDatagram(record(HS, 0, 5, payload));
    expect(recs).toHaveLength(1);
    expect(recs[0]?.handshake?.map((h) => h.name)).toEqual(['server_hello', 'certificate', 'server_hello_done']);
    expect(recs[0]?.handshake?.map((h) => h.messageSeq)).toEqual([1, 2, 3]);
    expect(flightOf(recs)).toBe(4);
  });

  it('sees the ClientHello cookie (flight 1 vs 3) and the HelloVerifyRequest cookie', () => {
    const sid = new Uint8Array(32).fill(9);
    const ch3 = describeDatagram(record(HS, 0, 1, handshake(1, 1, clientHelloBody(new Uint8Array(20), sid))));
    expect(ch3[0]?.handshake?.[0]?.cookieLength).toBe(20);
    expect(flightOf(ch3)).toBe(3);
    const ch1 = describeDatagram(record(HS, 0, 0, handshake(1, 0, clientHelloBody(new Uint8Array(0), sid))));
    expect(flightOf(ch1)).toBe(1);
    const hvr = describeDatagram(record(HS, 0, 0, handshake(3, 0, cat(bytes(0xfe, 0xff, 4), bytes(1, 2, 3, 4)))));
    expect(hvr[0]?.handshake?.[0]).toMatchObject({ name: 'hello_verify_request', cookieLength: 4 });
    expect(flightOf(hvr)).toBe(2);
    // A later ClientHello fragment does not show the cookie: unknown flight.
    const frag = describeDatagram(record(HS, 0, 2, handshake(1, 1, new Uint8Array(10), { offset: 50, total: 60 })));
    expect(frag[0]?.handshake?.[0]?.cookieLength).toBeUndefined();
    expect(flightOf(frag)).toBeUndefined();
    // A first fragment too short to reach the cookie.
    const short = describeDatagram(record(HS, 0, 2, handshake(1, 1, new Uint8Array(30), { total: 60 })));
    expect(flightOf(short)).toBeUndefined();
  });

  it('labels epoch ≥ 1 payloads encrypted and numbers flights 5 and 6', () => {
    const ccs = record(CCS, 0, 3, bytes(1));
    const fin = record(HS, 1, 0, new Uint8Array(40).fill(0xee));
    const recs = describeDatagram(cat(ccs, fin));
    expect(recs.map((r) => [r.typeName, r.epoch, r.encrypted])).toEqual([
      ['change_cipher_spec', 0, false],
      ['handshake', 1, true],
    ]);
    expect(recs[1]?.handshake).toBeUndefined();
    expect(formatRecords(recs)).toBe('change_cipher_spec e0/3 (1) | handshake e1/0 encrypted(40)');
    expect(flightOf(recs, { fromServer: false })).toBe(5);
    expect(flightOf(recs, { fromServer: true })).toBe(6);
    expect(flightOf(recs)).toBeUndefined();

    const f5 = cat(
      record(HS, 0, 4, cat(handshake(11, 2, new Uint8Array(30)), handshake(16, 3, new Uint8Array(33)))),
      ccs,
      fin,
    );
    expect(flightOf(describeDatagram(f5))).toBe(5);
    const cert = describeDatagram(record(HS, 0, 4, handshake(11, 2, new Uint8Array(30))));
    expect(flightOf(cert)).toBeUndefined();
    expect(flightOf(cert, { fromServer: true })).toBe(4);
    expect(flightOf(cert, { fromServer: false })).toBe(5);
    const nst = describeDatagram(cat(record(HS, 0, 9, handshake(4, 5, new Uint8Array(10))), ccs, fin));
    expect(flightOf(nst)).toBe(6);
    const app = describeDatagram(record(ContentType.application_data, 1, 7, new Uint8Array(20)));
    expect(flightOf(app, { fromServer: true })).toBeUndefined();
  });

  it('parses plaintext alerts and 48-bit sequence numbers', () => {
    const recs = describeDatagram(record(ContentType.alert, 0, 0xabcd_1234_5678, bytes(2, 40)));
    expect(recs[0]).toMatchObject({ typeName: 'alert', seq: 0xabcd_1234_5678, alert: { level: 2, description: 40 } });
    expect(formatRecords(recs)).toBe(`alert e0/${0xabcd_1234_5678} 2/40`);
  });

  it('marks a truncated record header and stops', () => {
    const good = record(ContentType.application_data, 1, 1, bytes(1, 2, 3));
    const recs = describeDatagram(cat(good, bytes(22, 0xfe, 0xfd, 0, 0)));
    expect(recs).toHaveLength(2);
    expect(recs[0]?.malformed).toBeUndefined();
    expect(recs[1]).toMatchObject({ offset: good.length, type: 22, version: 0xfefd, epoch: 0 });
    expect(recs[1]?.malformed).toMatch(/truncated record header \(5 of 13/);
    expect(describeDatagram(bytes(23))[0]?.malformed).toMatch(/1 of 13/);
    expect(describeDatagram(new Uint8Array(0))).toEqual([]);
  });

  it('marks a record whose length runs past the end, keeping what is there', () => {
    const full = record(HS, 0, 0, handshake(1, 0, clientHelloBody(bytes(1, 2))));
    const cut = full.subarray(0, 13 + 12 + 40);
    const recs = describeDatagram(cut);
    expect(recs).toHaveLength(1);
    expect(recs[0]?.malformed).toMatch(/record length \d+ exceeds the 52 remaining bytes/);
    expect(recs[0]?.fragment.length).toBe(52);
    const h = recs[0]?.handshake?.[0];
    expect(h?.name).toBe('client_hello');
    expect(h?.malformed).toMatch(/fragment_length/);
    expect(h?.body.length).toBe(40);
  });

  it('marks malformed handshake headers inside a well-formed record', () => {
    const recs = describeDatagram(
      cat(record(HS, 0, 0, cat(handshake(14, 3, new Uint8Array(0)), bytes(2, 0, 0))), record(CCS, 0, 1, bytes(1))),
    );
    expect(recs).toHaveLength(2); // the record itself is fine; parsing continues
    expect(recs[0]?.handshake?.map((h) => h.name)).toEqual(['server_hello_done', 'server_hello']);
    expect(recs[0]?.handshake?.[1]?.malformed).toMatch(/truncated handshake header \(3 of 12/);
    const over = describeDatagram(record(HS, 0, 0, handshake(11, 0, new Uint8Array(10), { offset: 5, total: 12 })));
    expect(over[0]?.handshake?.[0]?.malformed).toMatch(/exceeds message length 12/);
  });

  it('handles tls12_cid records only when the CID length is known', () => {
    const body = bytes(25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0xa, 0xb, 0xc, 0xd, 0, 3, 1, 2, 3);
    const unknown = describeDatagram(body);
    expect(unknown[0]?.malformed).toMatch(/cidLength/);
    const known = describeDatagram(body, { cidLength: 4 });
    expect(known[0]).toMatchObject({ typeName: 'tls12_cid', epoch: 1, seq: 9, length: 3, encrypted: true });
    expect(known[0]?.cid).toEqual(bytes(0xa, 0xb, 0xc, 0xd));
    expect(known[0]?.fragment).toEqual(bytes(1, 2, 3));
    expect(known[0]?.malformed).toBeUndefined();
    expect(describeDatagram(body.subarray(0, 14), { cidLength: 4 })[0]?.malformed).toMatch(/truncated tls12_cid/);
  });

  it('names unknown types', () => {
    const recs = describeDatagram(record(99, 0, 0, handshake(77, 0, bytes())));
    expect(recs[0]?.typeName).toBe('unknown(99)');
    const hs = describeDatagram(record(HS, 0, 0, handshake(77, 0, bytes())));
    expect(hs[0]?.handshake?.[0]?.name).toBe('unknown(77)');
  });

  it('never throws on random bytes, and its output is consistent', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.nat(20), { nil: undefined }), (data, cidLength) => {
        const recs = describeDatagram(data, { cidLength });
        let end = 0;
        recs.forEach((r, i) => {
          expect(r.offset).toBe(end);
          if (i < recs.length - 1) expect(r.malformed).toBeUndefined();
          const fragStart = r.fragment.byteOffset - data.byteOffset;
          expect(fragStart).toBeGreaterThanOrEqual(r.offset);
          end = fragStart + r.fragment.length;
          expect(end).toBeLessThanOrEqual(data.length);
          for (const h of r.handshake ?? []) expect(h.body.byteOffset + h.body.length).toBeLessThanOrEqual(data.byteOffset + data.length);
        });
        if (recs.length > 0 && recs[recs.length - 1]?.malformed === undefined) expect(end).toBe(data.length);
        formatRecords(recs);
        flightOf(recs, { fromServer: true });
        flightOf(recs);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on well-framed records with random contents', () => {
    const rec = fc
      .tuple(fc.constantFrom(20, 21, 22, 23, 25, 0, 255), fc.nat(2), fc.uint8Array({ maxLength: 80 }))
      .map(([t, e, p]) => record(t, e, 0, p));
    const hsRec = fc
      .array(fc.tuple(fc.nat(25), fc.uint8Array({ maxLength: 60 })), { maxLength: 4 })
      .map((ms) => record(22, 0, 0, cat(...ms.map(([t, b]) => handshake(t, 0, b)))));
    fc.assert(
      fc.property(fc.array(fc.oneof(rec, hsRec), { maxLength: 6 }), fc.nat(40), (rs, cut) => {
        const dg = cat(...rs);
        const recs = describeDatagram(dg.subarray(0, Math.max(0, dg.length - cut)));
        flightOf(recs, { fromServer: false });
        formatRecords(recs);
        if (cut === 0 && !rs.some((r) => r[0] === 25)) {
          expect(recs).toHaveLength(rs.length);
          expect(recs.every((r) => r.malformed === undefined)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
