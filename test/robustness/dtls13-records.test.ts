/**
 * Hostile records against DTLS 1.3 associations (RFC 9147 §4, §4.5; RFC 8446
 * §5), both crypto providers, through the endpoints on the virtual network:
 * the 1.3 forms of ROBUSTNESS.md's record-layer rows (S-01…S-10, S-41, S-61,
 * REC-01/05/06/07/08/09/11/12, CRY-07, CRY-09, SM-19, SM-20) and the new 1.3
 * cases of issue 13 — a wrong sequence-number mask, a truncated unified
 * header. Crafted records that must authenticate are sealed by the genuine
 * peer's record layer (only a key holder can make them); everything else is
 * bytes on the wire.
 */
import { describe, expect, it } from 'vitest';
import { ContentType } from '../../src/record/content-type.js';
import { encodePlaintextRecord13 } from '../../src/dtls13/record.js';
import { CLIENT_ADDR, PROVIDERS13, type Pair13, RecordTap, SERVER_ADDR, conn13, established13, pair13, serverConn13, sealed } from './helpers/dtls13.js';

const te = new TextEncoder();
const text = (b: Uint8Array) => Buffer.from(b).toString();
const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** Deliver datagrams from the client to the server now, and run until quiet. */
function toServer(p: Pair13, ...datagrams: Uint8Array[]): void {
  for (const d of datagrams) p.net.inject(CLIENT_ADDR, SERVER_ADDR, d);
  p.net.run({ maxTime: 50 });
}
/** What the server delivered from the client, as text. */
const serverGot = (p: Pair13) => (p.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`) ?? []).map(text);
/** Application data sealed by the client (the server authenticates it), not sent. */
const appData = (p: Pair13, s: string) => sealed(conn13(p.client.conn), ContentType.application_data, te.encode(s));
/** The server's association is still up and delivers a fresh message. */
function stillUp(p: Pair13, tag: string): void {
  p.server.echo = false;
  toServer(p, appData(p, tag));
  expect(serverGot(p)).toContain(tag);
  expect(serverConn13(p).isClosed).toBe(false);
}
/** The server's drop counters. */
const drops = (p: Pair13) => serverConn13(p).drops;

describe.each(PROVIDERS13)('hostile DTLS 1.3 records (%s)', (_name, provider) => {
  const pairWith = (server = {}, client = {}) => established13({ provider, server, client });

  it('S-02, issue 13: a truncated unified header is dropped with the rest of its datagram; the records before it count', () => {
    const p = pairWith();
    p.server.echo = false;
    toServer(p, Uint8Array.of(0x2f), Uint8Array.of(0x2f, 0x00), Uint8Array.of(0x2f, 0x00, 0x01, 0x00));
    toServer(p, cat(appData(p, 'before'), Uint8Array.of(0x2f, 0x12)));
    expect(serverGot(p)).toEqual(['before']);
    expect(p.server.events.filter((e) => e.type === 'drop' && e.reason.startsWith('internal'))).toEqual([]);
    stillUp(p, 'after');
  });

  it('S-02, REC-06: a length past the datagram, a zero length, a length above 2^14+256: dropped, no throw', () => {
    const p = pairWith();
    const rec = appData(p, 'x');
    const withLength = (n: number) => {
      const r = Uint8Array.from(rec);
      r[3] = n >> 8;
      r[4] = n & 0xff;
      return r;
    };
    toServer(p, withLength(rec.length - 4), withLength(0), withLength(0x4101), new Uint8Array(0));
    expect(serverGot(p)).toEqual([]);
    stillUp(p, 'after');
  });

  it('§4.2.3: a ciphertext shorter than the 16-byte mask sample is dropped as failing deprotection', () => {
    const p = pairWith();
    toServer(p, cat(Uint8Array.of(0x2f, 0x00, 0x01, 0x00, 0x0f), new Uint8Array(15)));
    expect(drops(p)['ciphertext shorter than 16 bytes']).toBe(1);
    stillUp(p, 'after');
  });

  it('issue 13: a record whose encrypted sequence number was changed (a wrong mask) fails authentication and is dropped; the genuine one is delivered once', () => {
    const p = pairWith();
    p.server.echo = false;
    const rec = appData(p, 'genuine');
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = Uint8Array.from(rec);
      bad[2]! ^= flip; // low byte of the 16-bit encrypted sequence number
      toServer(p, bad);
    }
    const high = Uint8Array.from(rec);
    high[1]! ^= 0x40;
    toServer(p, high);
    expect(serverGot(p)).toEqual([]);
    expect(drops(p)['record failed authentication']).toBe(4);
    toServer(p, rec, rec);
    expect(serverGot(p)).toEqual(['genuine']);
    expect(drops(p)['replayed or too old record']).toBe(1);
  });

  it('S-59 (1.3): a record with a connection ID when none was negotiated is dropped', () => {
    const p = pairWith();
    const rec = appData(p, 'cid');
    toServer(p, cat(Uint8Array.of(rec[0]! | 0x10, 1, 2, 3, 4), rec.subarray(1)));
    expect(serverGot(p)).toEqual([]);
    stillUp(p, 'after');
  });

  it('REC-01/S-05: out of order inside the window and across the 16-bit wrap of the sequence number, every record once; replays and records left of the window dropped', () => {
    const p = pairWith();
    p.server.echo = false;
    const client = conn13(p.client.conn);
    // Jump the client's sequence number to just below 2^16: the server reconstructs across the wrap (§4.2.2).
    const epoch = (client.records as unknown as { write: Map<number, { next: number }> }).write.get(client.records.currentWriteEpoch)!;
    epoch.next = 0xfffc;
    const recs = Array.from({ length: 8 }, (_, i) => appData(p, `m${i}`));
    const order = [1, 0, 3, 2, 5, 4, 7, 6];
    for (const i of order) toServer(p, recs[i]!);
    for (const i of [0, 3, 7]) toServer(p, recs[i]!);
    expect(serverGot(p)).toEqual(order.map((i) => `m${i}`));
    // Far ahead, then a record left of the window.
    epoch.next = 0xfffc + 500;
    const ahead = appData(p, 'ahead');
    epoch.next = 0xfffc + 8;
    const late = appData(p, 'late');
    toServer(p, ahead, late);
    expect(serverGot(p).slice(-1)).toEqual(['ahead']);
    expect(drops(p)['replayed or too old record']).toBe(4);
  });

  it('REC-05: a corrupted tag is dropped and the association survives; with maxBadRecords 1 it closes (bad_record_mac)', () => {
    const p = pairWith();
    const bad = appData(p, 'tampered');
    bad[bad.length - 1]! ^= 1;
    toServer(p, bad);
    expect(serverGot(p)).toEqual([]);
    stillUp(p, 'after');
    const q = pairWith({ maxBadRecords: 1 });
    const b = appData(q, 'tampered');
    b[b.length - 1]! ^= 1;
    toServer(q, b);
    expect(q.server.errors.map((e) => [e.code, e.alert])).toEqual([['ERR_DTLS_TOO_MANY_BAD_RECORDS', 'bad_record_mac']]);
  });

  it('CRY-07, S-41: 2^7 forged records under TLS_AES_128_CCM_8_SHA256 close the association; 127 do not; AES-GCM stands 1,000', () => {
    const ccm8 = { ciphers: 'TLS_AES_128_CCM_8_SHA256' };
    const p = pairWith(ccm8, ccm8);
    const forged = appData(p, 'forged');
    forged[forged.length - 1]! ^= 1;
    for (let i = 0; i < 127; i++) p.net.inject(CLIENT_ADDR, SERVER_ADDR, forged);
    p.net.run({ maxTime: 50 });
    expect(serverConn13(p).isClosed).toBe(false);
    toServer(p, forged);
    expect(p.server.errors.map((e) => [e.code, e.alert])).toEqual([['ERR_DTLS_TOO_MANY_BAD_RECORDS', 'bad_record_mac']]);
    expect(p.server.endpoint.size).toBe(0);
    const g = pairWith();
    const f = appData(g, 'forged');
    f[f.length - 1]! ^= 1;
    for (let i = 0; i < 1_000; i++) g.net.inject(CLIENT_ADDR, SERVER_ADDR, f);
    g.net.run({ maxTime: 50 });
    stillUp(g, 'after');
  });

  it('REC-07, CRY-09: an unknown content type (24, 99, 0) in the clear is dropped; inside an authenticated record it is fatal (unexpected_message)', () => {
    const p = pairWith();
    for (const type of [24, 99, 0]) toServer(p, cat(Uint8Array.of(type, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2), Uint8Array.of(1, 2)));
    stillUp(p, 'after');
    const q = pairWith();
    toServer(q, sealed(conn13(q.client.conn), 24, Uint8Array.of(1, 0, 3)));
    expect(q.server.errors.map((e) => e.alert)).toEqual(['unexpected_message']);
  });

  it('REC-08/S-04: DTLSPlaintext with a record version other than 0xfefd is dropped (0xfeff only for a ClientHello)', () => {
    const p = pairWith();
    for (const version of [0x0303, 0x0000, 0xfeff, 0xfefc]) {
      toServer(p, encodePlaintextRecord13(ContentType.alert, 5, Uint8Array.of(2, 40), version));
    }
    stillUp(p, 'after');
  });

  it('REC-09/S-08/S-09: application data in the clear or under the handshake keys is never delivered, before or after the handshake', () => {
    const p = pairWith();
    p.server.echo = false;
    toServer(p, encodePlaintextRecord13(ContentType.application_data, 9, te.encode('plain')));
    toServer(p, sealed(conn13(p.client.conn), ContentType.application_data, te.encode('epoch2'), 2));
    expect(serverGot(p)).toEqual([]);
    expect(drops(p)['application data outside an application epoch']).toBe(1);
    stillUp(p, 'after');
  });

  it('REC-11/S-07: records of an epoch never installed (its bits name epoch 4, or 0-RTT epoch 1) are dropped, buffer nothing and leave the window alone', () => {
    const p = pairWith();
    const rec = appData(p, 'x');
    for (const bits of [0, 1]) {
      const r = Uint8Array.from(rec);
      r[0] = (r[0]! & 0xfc) | bits;
      for (let i = 0; i < 100; i++) p.net.inject(CLIENT_ADDR, SERVER_ADDR, r);
    }
    p.net.run({ maxTime: 50 });
    expect(drops(p)['unknown epoch']).toBe(100);
    expect(drops(p)['epoch 1 (0-RTT) refused']).toBe(100);
    expect((serverConn13(p) as unknown as { futureRecords: unknown[] }).futureRecords).toEqual([]);
    toServer(p, rec);
    expect(serverGot(p)).toContain('x');
  });

  it('REC-12/S-06: near the key\'s confidentiality limit a KeyUpdate starts; at the limit without its ACK the association closes, never wrapping', () => {
    const p = pairWith();
    p.server.echo = false;
    const client = conn13(p.client.conn);
    const writes = (client.records as unknown as { write: Map<number, { next: number; readonly limit: number }> }).write;
    /** Lower an epoch's limit (the real ones are 2^23 and more records) and put its sequence number near it. */
    const squeeze = (epoch: number, limit: number, next: number) => {
      const st = writes.get(epoch)!;
      Object.defineProperty(st, 'limit', { value: limit });
      st.next = next;
      return st;
    };
    squeeze(3, 1_000, 750);
    p.client.send(te.encode('near'), p.net.now);
    p.net.run({ maxTime: 100 });
    // The KeyUpdate was acknowledged: the client now writes in epoch 4, from sequence number 0.
    expect(client.records.currentWriteEpoch).toBe(4);
    expect(serverGot(p)).toEqual(['near']);
    // Epoch 4 near its limit, the server's ACKs lost: records up to the limit, then the association closes.
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { drop: 1 });
    const e4 = squeeze(4, 10, 5);
    let sent = 0;
    expect(() => {
      for (; sent < 20; sent++) p.client.send(te.encode(`m${sent}`), p.net.now);
    }).toThrow();
    expect(e4.next).toBe(10);
    expect(sent).toBeLessThan(5);
    expect(client.isClosed).toBe(true);
    expect(client.closeError?.code).toBe('ERR_DTLS_AEAD_LIMIT');
  });

  it('S-61: zero padding is stripped; an inner plaintext of zeros only (no content type) is fatal (unexpected_message)', () => {
    const p = pairWith();
    p.server.echo = false;
    const client = conn13(p.client.conn);
    const st = (client.records as unknown as { write: Map<number, { seal(t: number, c: Uint8Array, o: object): Uint8Array }> }).write.get(3)!;
    toServer(p, st.seal(ContentType.application_data, te.encode('padded'), { seqLength: 2, includeLength: true, padding: 200 }));
    expect(serverGot(p)).toEqual(['padded']);
    // Type 0 with empty content: the inner plaintext is all zeros.
    toServer(p, st.seal(0, new Uint8Array(0), { seqLength: 2, includeLength: true, padding: 8 }));
    expect(p.server.errors.map((e) => e.alert)).toEqual(['unexpected_message']);
  });

  it('SM-19: a 1- or 3-byte alert in an authenticated record is fatal (decode_error); a spoofed plaintext fatal alert after the handshake is dropped', () => {
    const p = pairWith();
    toServer(p, encodePlaintextRecord13(ContentType.alert, 7, Uint8Array.of(2, 40)), encodePlaintextRecord13(ContentType.alert, 8, Uint8Array.of(2)));
    stillUp(p, 'after');
    for (const body of [Uint8Array.of(2), Uint8Array.of(2, 40, 0)]) {
      const q = pairWith();
      toServer(q, sealed(conn13(q.client.conn), ContentType.alert, body));
      expect(q.server.errors.map((e) => e.alert)).toEqual(['decode_error']);
    }
  });

  it('SM-20/S-40: after a fatal alert nothing more is processed or sent, and the state is freed', () => {
    const p = pairWith();
    p.server.echo = false;
    const client = conn13(p.client.conn);
    toServer(p, sealed(client, ContentType.alert, Uint8Array.of(2, 80)));
    expect(p.server.endpoint.size).toBe(0);
    const sent = p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent;
    toServer(p, appData(p, 'after'), sealed(client, ContentType.handshake, Uint8Array.of(1)));
    expect(serverGot(p)).toEqual([]);
    expect(p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent).toBe(sent);
  });
});

describe.each(PROVIDERS13)('DTLS 1.3 connection IDs on the wire (RFC 9147 §9) (%s)', (_name, provider) => {
  const cid = { connectionId: 4 };

  it('a handshake negotiating CIDs both ways completes in one round trip: the records after the ServerHello in its datagram carry the client\'s new CID', () => {
    const tap = new RecordTap(SERVER_ADDR, 4);
    const p = pair13({ provider, server: cid, client: cid, impairments: { filter: tap.filter } });
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 5_000 });
    tap.close();
    expect(p.client.established && p.server.established === 1).toBe(true);
    expect(p.net.now).toBeLessThan(10);
    expect(conn13(p.client.conn).drops).toEqual({});
    // The server's flight: the ServerHello, then a protected record with the client's CID (EncryptedExtensions …
    // Finished, packed), in one datagram.
    const flight = tap.from('server')[1]!;
    expect(flight.records.map((r) => r.epoch)).toEqual([0, 2]);
  });

  it('NET-12, S-59, S-60: a copy with a corrupted CID is dropped; an authenticated newer record from a new port moves the association there', () => {
    const p = established13({ provider, server: cid, client: cid });
    p.server.echo = false;
    p.net.run({ maxTime: 100 }); // the handshake's last ACKs: the record below is the newest
    const moved = { address: CLIENT_ADDR.address, port: CLIENT_ADDR.port + 7 };
    const rec = appData(p, 'from the new port');
    const corrupted = Uint8Array.from(rec);
    corrupted[2]! ^= 0xff; // inside the 4-byte CID after the first byte
    p.net.inject(moved, SERVER_ADDR, corrupted);
    p.net.run({ maxTime: 20 });
    expect(p.server.endpoint.get(moved.address, moved.port)).toBeUndefined();
    expect(p.server.events.some((e) => e.type === 'drop' && e.reason === 'unknown cid')).toBe(true);
    p.net.inject(moved, SERVER_ADDR, rec);
    p.net.run({ maxTime: 20 });
    expect(p.server.endpoint.get(moved.address, moved.port)).toBeDefined();
    expect(p.server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port)).toBeUndefined();
    expect(p.server.events.filter((e) => e.type === 'migrate')).toHaveLength(1);
    expect([...p.server.received.values()].flat().map(text)).toEqual(['from the new port']);
  });
});
