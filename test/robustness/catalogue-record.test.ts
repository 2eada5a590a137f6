/**
 * ROBUSTNESS.md §2, record layer (REC-*), through whole associations on the
 * virtual network. The record-layer and replay-window unit tests
 * (test/record/*.test.ts) check the same rows on the parts; these check that
 * the assembled client and server behave the same and survive.
 */
import { describe, expect, it } from 'vitest';
import { ContentType, DTLS1_0, DTLS1_2 } from '../../src/record/content-type.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import {
  type Pair, alertsOf, assocOf, dropsOf, echoes, establishedPair, injectTo, internals, loggedPair, readWindow,
} from './helpers/peers.js';
import { CT, HT, concat, forged, message, rawRecord, record, te, text } from './helpers/wire.js';
import { conn12 } from '../helpers/v12.js';

/** Seal `data` as the client in its current epoch (1 after the handshake), optionally forcing the sequence number. */
function clientRecord(p: Pair, type: number, data: Uint8Array, seq?: number, version = DTLS1_2): Uint8Array {
  const epoch = conn12(p.client.conn).records.currentWriteEpoch;
  const r = conn12(p.client.conn).records.seal(type, data, epoch, version, seq);
  expect(r).not.toBeNull();
  return r!;
}
function serverRecord(p: Pair, type: number, data: Uint8Array, seq?: number, version = DTLS1_2): Uint8Array {
  const c = assocOf(p).conn;
  const r = c.records.seal(type, data, c.records.currentWriteEpoch, version, seq);
  expect(r).not.toBeNull();
  return r!;
}
const receivedByServer = (p: Pair): string[] => (p.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`) ?? []).map(text);

describe('REC-01 sequence numbers forward, backward, across 16- and 24-bit boundaries, replays, far left, big jumps', () => {
  // OpenSSL test/bad_dtls_test.c NODROP/DROP table (with a 64-record window).
  const table: [number, boolean][] = [
    [1, true], [3, true], [1, false],
    [0x1234, true], [0x1230, true], [0x1235, true],
    [0xffff, true], [0x10001, true], [0xfffe, true], [0x10000, true],
    [0x10001, false], [0xff, false], [0x100000, true], [0x800000, true], [0x7fffe1, true],
    [0xffffff, true], [0x1000000, true], [0xfffffe, true], [0xffffff, false], [0x1000010, true],
    [0xfffffd, true], [0x1000011, true], [0x12, false], [0x1000012, true],
    [0x1ffffff, true], [0x2000000, true], [0x1ff00fe, false], [0x2000001, true],
    [0x20fffff, true], [0x2105500, true], [0x20ffffe, false], [0x21054ff, true],
    [0x211ffff, true], [0x2110000, false], [0x2120000, true],
  ];

  it('REC-01 the server delivers exactly the fresh in-window and right-of-window ApplicationData records', () => {
    const p = establishedPair({ server: {} });
    p.server.echo = false;
    for (const [seq] of table) injectTo(p, 'server', [clientRecord(p, CT.appData, te.encode(`seq ${seq}`), seq)]);
    expect(receivedByServer(p)).toEqual(table.filter(([, ok]) => ok).map(([seq]) => `seq ${seq}`));
    expect(assocOf(p).conn.drops.replay).toBe(table.filter(([, ok]) => !ok).length);
    expect(assocOf(p).conn.isClosed).toBe(false);
  });

  it('REC-01 the client does the same for records from the server', () => {
    const p = establishedPair();
    for (const [seq] of table) injectTo(p, 'client', [serverRecord(p, CT.appData, te.encode(`seq ${seq}`), seq)]);
    expect(p.client.received.map(text)).toEqual(table.filter(([, ok]) => ok).map(([seq]) => `seq ${seq}`));
    expect(p.client.closed).toBe(false);
  });
});

describe('REC-02 window edge cases on a live association (Mbed TLS "SSL DTLS replay" vectors)', () => {
  // [name, seen, arriving, delivered?] relative to a base far from anything sent before,
  // so each case starts on an empty window (a jump of ≥ 64 clears it).
  const cases: [string, number[], number, boolean][] = [
    ['0 seen, 1 arriving', [0], 1, true],
    ['0 seen, 0 replayed', [0], 0, false],
    ['0-1 seen, 1 replayed', [0, 1], 1, false],
    ['oldest in window, replayed', [0, 1, 0x40], 1, false],
    ['oldest in window, not replayed', [0, 2, 0x40], 1, true],
    ['just out of the window', [0, 1, 0x41], 1, false],
    ['way out of the window', [0x10000, 0x10001, 0x10041], 0, false],
    ['big jump then replay', [0, 0x100], 0x100, false],
    ['big jump then new', [0, 0x100], 0x101, true],
    ['big jump then just delayed', [0, 0x100], 0xff, true],
  ];
  it('REC-02 every vector gives the Mbed TLS result through the whole server stack', () => {
    const p = establishedPair();
    p.server.echo = false;
    let base = 0x1_0000_0000;
    for (const [name, seen, arriving, ok] of cases) {
      for (const s of seen) injectTo(p, 'server', [clientRecord(p, CT.appData, te.encode('seen'), base + s)]);
      const before = receivedByServer(p).length;
      injectTo(p, 'server', [clientRecord(p, CT.appData, te.encode(name), base + arriving)]);
      expect(receivedByServer(p).length - before, name).toBe(ok ? 1 : 0);
      base += 0x100_0000;
    }
  });
});

describe('REC-06 malformed record framing on established associations', () => {
  const good = (p: Pair, label: string) => clientRecord(p, CT.appData, te.encode(label));
  it.each([
    ['a zero-length record', (_p: Pair) => rawRecord(CT.appData, DTLS1_2, 1, 5000, 0, new Uint8Array(0))],
    ['a length larger than the bytes left', (_p: Pair) => rawRecord(CT.appData, DTLS1_2, 1, 5000, 200, new Uint8Array(50))],
    ['a length above 2^14+2048', (_p: Pair) => rawRecord(CT.appData, DTLS1_2, 1, 5000, 16384 + 2049, new Uint8Array(16384 + 2049))],
  ])('REC-06 the server drops %s and the rest of its datagram, keeps the records before it, and survives', (_n, bad) => {
    const p = establishedPair();
    p.server.echo = false;
    const before = good(p, 'before');
    const b = bad(p);
    const after = good(p, 'after');
    injectTo(p, 'server', [concat([before, b, after])]);
    expect(receivedByServer(p)).toEqual(['before']);
    p.server.echo = true;
    expect(echoes(p, 'still up')).toBe(true);
  });

  it.each([['an empty datagram', 0], ['a 1-byte datagram', 1], ['a 12-byte datagram', 12]])(
    'REC-06 both sides drop %s without a throw and stay up', (_n, len) => {
      const p = establishedPair();
      const dg = new Uint8Array(len).fill(CT.appData);
      expect(() => p.client.conn.receive(dg, p.net.now)).not.toThrow();
      expect(() => assocOf(p).conn.receive(dg, p.net.now)).not.toThrow();
      injectTo(p, 'server', [dg]);
      injectTo(p, 'client', [dg]);
      expect(echoes(p, 'still up')).toBe(true);
    });

  it('REC-06 the server endpoint drops framing garbage from unknown addresses before any state', () => {
    const p = establishedPair();
    const stranger = { address: '10.66.0.1', port: 4000 };
    injectTo(p, 'server', [new Uint8Array(0), Uint8Array.of(22), rawRecord(CT.handshake, DTLS1_2, 0, 0, 0, new Uint8Array(0)),
      rawRecord(CT.handshake, DTLS1_2, 0, 0, 300, new Uint8Array(30))], stranger);
    expect(p.server.endpoint.size).toBe(1);
    expect(p.server.endpoint.handshakeCount).toBe(0);
  });
});

// Types outside 20..63 are not DTLS at all (RFC 7983 demultiplexing, REC-15): their
// datagrams never reach the record parser. Unknown types inside 20..63 (30, 60) reach
// it: dropped in epoch 0, fatal when authenticated. See docs/robustness.md.
const UNKNOWN_DTLS_TYPES = [30, 60];
const NOT_DTLS = (t: number) => t < 20 || t > 63;
const epoch0Drop = (t: number) => (NOT_DTLS(t) ? 'not DTLS (RFC 7983)' : 'unexpected type');

describe('REC-07 unknown content types', () => {
  it.each([0, 99, ...UNKNOWN_DTLS_TYPES])('REC-07 type %i in epoch 0 is dropped by a server mid-handshake, which then completes', (type) => {
    const p = loggedPair();
    // Let the cookie exchange and flight 4 happen, then inject before flight 5.
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    injectTo(p, 'server', [record(type, 0, 40, te.encode('junk'))]);
    expect(dropsOf(p.server.events)).toContain(epoch0Drop(type));
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
    expect(p.client.established).toBe(true);
  });

  it.each([0, 99, ...UNKNOWN_DTLS_TYPES])('REC-07 type %i in epoch 0 is dropped by a client mid-handshake, which then completes', (type) => {
    const p = loggedPair();
    injectTo(p, 'client', [record(type, 0, 40, te.encode('junk'))]);
    expect(dropsOf(p.client.events)).toContain(epoch0Drop(type));
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
    expect(p.client.established).toBe(true);
  });

  it.each([0, 99])('REC-07 type %i in epoch 0 after the handshake is dropped (epoch 0 is retired)', (type) => {
    const p = establishedPair();
    injectTo(p, 'server', [record(type, 0, 40, te.encode('junk'))]);
    injectTo(p, 'client', [record(type, 0, 40, te.encode('junk'))]);
    expect(echoes(p, 'still up')).toBe(true);
  });

  it.each([0, 99])('REC-07/REC-15 an authenticated epoch-1 record of type %i is not DTLS (RFC 7983): dropped unparsed, the association stays up', (type) => {
    const p = establishedPair();
    injectTo(p, 'server', [clientRecord(p, type, te.encode('authentic but not DTLS'))]);
    injectTo(p, 'client', [serverRecord(p, type, te.encode('authentic but not DTLS'))]);
    expect(assocOf(p).conn.drops['not DTLS (RFC 7983)']).toBe(1);
    expect(p.client.conn.drops['not DTLS (RFC 7983)']).toBe(1);
    expect(echoes(p, 'still up')).toBe(true);
  });

  it.each(UNKNOWN_DTLS_TYPES)('REC-07 an authenticated epoch-1 record of type %i gets a fatal unexpected_message from the server', (type) => {
    const p = establishedPair();
    injectTo(p, 'server', [clientRecord(p, type, te.encode('authentic but unknown'))]);
    p.net.run({ maxTime: 100 });
    const close = p.server.events.find((e) => e.type === 'close');
    expect(close?.type === 'close' && close.error?.alert).toBe('unexpected_message');
    expect(p.server.endpoint.size).toBe(0);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
  });

  it.each(UNKNOWN_DTLS_TYPES)('REC-07 an authenticated epoch-1 record of type %i gets a fatal unexpected_message from the client', (type) => {
    const p = establishedPair();
    injectTo(p, 'client', [serverRecord(p, type, te.encode('authentic but unknown'))]);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.alert).toBe('unexpected_message');
    expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: 10 }]);
  });
});

describe('REC-08 record versions', () => {
  it.each([['0x0303 (TLS 1.2)', 0x0303], ['0xfeff (DTLS 1.0) after 1.2 was negotiated', DTLS1_0], ['0x0000', 0]])(
    'REC-08 an otherwise authentic epoch-1 record with version %s is dropped; the association survives', (_n, version) => {
      const p = establishedPair();
      p.server.echo = false;
      injectTo(p, 'server', [clientRecord(p, CT.appData, te.encode('wrong version'), undefined, version)]);
      expect(receivedByServer(p)).toEqual([]);
      expect(assocOf(p).conn.drops['bad version']).toBe(1);
      injectTo(p, 'client', [serverRecord(p, CT.appData, te.encode('wrong version'), undefined, version)]);
      expect(p.client.received).toEqual([]);
      p.server.echo = true;
      expect(echoes(p, 'still up')).toBe(true);
    });

  it.each([['0x0303', 0x0303], ['0x0000', 0]])('REC-08 epoch-0 handshake records with version %s are dropped mid-handshake', (_n, version) => {
    const p = loggedPair();
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    injectTo(p, 'server', [record(CT.handshake, 0, 50, message(HT.client_key_exchange, 2, Uint8Array.of(1, 4)), version)]);
    injectTo(p, 'client', [record(CT.handshake, 0, 50, message(HT.server_hello_done, 4, new Uint8Array(0)), version)]);
    expect(dropsOf(p.server.events)).toContain('bad version');
    expect(dropsOf(p.client.events)).toContain('bad version');
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
    expect(p.client.established).toBe(true);
  });
});

describe('REC-09 plaintext ApplicationData in epoch 0', () => {
  it('REC-09 (a) before the handshake: the server endpoint keeps no state and delivers nothing; the client drops it', () => {
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    server.receive(record(CT.appData, 0, 0, te.encode('early')), CLIENT_ADDR, 0);
    expect(server.endpoint.size).toBe(0);
    expect(server.takeOutgoing()).toEqual([]);
    expect(server.received.size).toBe(0);
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR);
    client.takeOutgoing();
    client.receive(record(CT.appData, 0, 0, te.encode('early')), SERVER_ADDR, 0);
    expect(client.received).toEqual([]);
    expect(client.closed).toBe(false);
    // Unprotected records can only be handshake, CCS or alert: dropped before the window moves.
    expect(client.conn.drops['unexpected type']).toBe(1);
  });

  it('REC-09 (a) during the handshake: both sides drop it and never deliver it, even after completing', () => {
    const p = loggedPair();
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    injectTo(p, 'server', [record(CT.appData, 0, 60, te.encode('plaintext'))]);
    injectTo(p, 'client', [record(CT.appData, 0, 60, te.encode('plaintext'))]);
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
    expect(p.client.established).toBe(true);
    expect(receivedByServer(p)).toEqual([]);
    expect(p.client.received).toEqual([]);
    expect(assocOf(p).conn.drops['unexpected type']).toBe(1);
    expect(p.client.conn.drops['unexpected type']).toBe(1);
  });

  it('REC-09 (b) after the handshake: dropped by both sides, never delivered, and the association stays up', () => {
    const p = establishedPair();
    p.server.echo = false;
    for (const seq of [0, 1, 100, 5000]) {
      injectTo(p, 'server', [record(CT.appData, 0, seq, te.encode('plaintext'))]);
      injectTo(p, 'client', [record(CT.appData, 0, seq, te.encode('plaintext'))]);
    }
    expect(receivedByServer(p)).toEqual([]);
    expect(p.client.received).toEqual([]);
    p.server.echo = true;
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('REC-11 records from far epochs', () => {
  it.each([['0xffff', 0xffff], ['current + 2', 2], ['a very large epoch', 0x8000]])(
    'REC-11 epoch %s early in the handshake: dropped, no window change, nothing buffered; the handshake completes', (_n, epoch) => {
      const p = loggedPair();
      p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
      const conn = assocOf(p).conn;
      const highest0 = readWindow(conn12(conn).records, 0)!.highest;
      injectTo(p, 'server', Array.from({ length: 40 }, (_, i) => forged(CT.handshake, epoch, i)));
      injectTo(p, 'client', Array.from({ length: 40 }, (_, i) => forged(CT.appData, epoch, i)));
      expect(readWindow(conn12(conn).records, 0)!.highest).toBe(highest0);
      expect(internals(conn).futureRecords).toHaveLength(0);
      expect(internals(p.client.conn).futureRecords).toHaveLength(0);
      expect(conn.drops['unknown epoch']).toBe(40);
      p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
      expect(p.client.established).toBe(true);
    });

  it('REC-11 after the handshake, far epochs are dropped and the window of epoch 1 does not move', () => {
    const p = establishedPair();
    const conn = assocOf(p).conn;
    const highest1 = readWindow(conn12(conn).records, 1)!.highest;
    injectTo(p, 'server', [0xffff, 2, 3, 0x8000].map((e) => forged(CT.appData, e, 2 ** 40)));
    expect(readWindow(conn12(conn).records, 1)!.highest).toBe(highest1);
    // Epoch 2 is "the next one", but nothing is buffered once the handshake is over.
    expect(conn.drops['unknown epoch']).toBe(3);
    expect(conn.drops['future epoch']).toBe(1);
    expect(internals(conn).futureRecords).toHaveLength(0);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('REC-12 the outgoing sequence number never wraps', () => {
  it('REC-12 the client forced to 2^48−3 sends two records, then closes instead of wrapping; 0 is never reused', () => {
    const p = establishedPair();
    const sent: number[] = [];
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { for (const r of d.records) if (r.epoch === 1) sent.push(r.seq); return 'pass'; } });
    p.server.echo = false;
    conn12(p.client.conn).records.setNextWriteSeq(2 ** 48 - 3);
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        p.client.conn.send(te.encode(`r${i}`), p.net.now);
        results.push('sent');
      } catch (e) {
        results.push((e as { code?: string }).code ?? 'threw');
      }
      for (const d of p.client.conn.takeTransmits()) p.net.send(CLIENT_ADDR, SERVER_ADDR, d);
    }
    p.net.run({ maxTime: 100 });
    expect(results).toEqual(['sent', 'sent', 'ERR_DTLS_CLOSED', 'ERR_DTLS_CLOSED', 'ERR_DTLS_CLOSED']);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_SEQUENCE_EXHAUSTED');
    expect(sent).toEqual([2 ** 48 - 3, 2 ** 48 - 2]);
    expect(receivedByServer(p)).toEqual(['r0', 'r1']);
  });

  it('REC-12 the server forced to 2^48−3: two records, then the association closes and is freed', () => {
    const p = establishedPair();
    const a = assocOf(p);
    conn12(a.conn).records.setNextWriteSeq(2 ** 48 - 3);
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        p.server.endpoint.send(a, te.encode(`s${i}`), p.net.now);
        results.push('sent');
      } catch (e) {
        results.push((e as { code?: string }).code ?? 'threw');
      }
    }
    expect(results).toEqual(['sent', 'sent', 'ERR_DTLS_CLOSED', 'ERR_DTLS_CLOSED', 'ERR_DTLS_CLOSED']);
    expect(a.conn.isClosed).toBe(true);
    expect(a.conn.closeError?.code).toBe('ERR_DTLS_SEQUENCE_EXHAUSTED');
    // S-40/S-65: a closed association must not stay in the endpoint (it has no timer left to remove it).
    expect(p.server.endpoint.size).toBe(0);
  });
});

describe('REC-15 non-DTLS datagrams on a shared (WebRTC) port', () => {
  /** A STUN Binding Request (RFC 8489): first byte 0x00. */
  const stun = Uint8Array.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(7)]);
  /** A STUN-looking datagram (first byte 0x03) whose next bytes read as DTLS 1.2, epoch 0. */
  const stunLike = concat([Uint8Array.of(0x03, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0x0f, 0xa0, 0, 4), Uint8Array.of(1, 2, 3, 4)]);
  /**
   * A valid RTP packet (RFC 3550: V=2, M=1, PT=126, seq 0xfd00, ts 0, SSRC
   * 0x000fa000) whose bytes happen to read as a DTLS 1.2 epoch-0 record of
   * type 128 with sequence number 4000 and a 20-byte body.
   */
  const rtp = concat([Uint8Array.of(0x80, 0xfe, 0xfd, 0x00, 0, 0, 0, 0, 0x00, 0x0f, 0xa0, 0x00, 20), new Uint8Array(20).fill(0x55)]);
  const plainRtp = concat([Uint8Array.of(0x80, 0x60, 0x12, 0x34, 0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef), new Uint8Array(160)]);
  const datagrams: [string, Uint8Array][] = [['STUN', stun], ['STUN-looking', stunLike], ['RTP', plainRtp], ['DTLS-looking RTP', rtp]];

  it.each(datagrams)('REC-15 %s from a new address creates no state on the server endpoint', (_n, dg) => {
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    server.receive(dg, { address: '10.7.7.7', port: 3478 }, 0);
    expect(server.endpoint.size).toBe(0);
    expect(server.takeOutgoing()).toEqual([]);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
  });

  it.each(datagrams)('REC-15 %s mid-handshake changes no state of either side: windows unmoved, the handshake completes', (_n, dg) => {
    const p = loggedPair();
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    const conn = assocOf(p).conn;
    const sw = readWindow(conn12(conn).records, 0)!.highest, cw = readWindow(conn12(p.client.conn).records, 0)!.highest;
    injectTo(p, 'server', [dg]);
    injectTo(p, 'client', [dg]);
    expect.soft(readWindow(conn12(conn).records, 0)!.highest, 'server epoch-0 window').toBe(sw);
    expect.soft(readWindow(conn12(p.client.conn).records, 0)!.highest, 'client epoch-0 window').toBe(cw);
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
    expect(p.client.established, 'handshake completed').toBe(true);
    expect(alertsOf(p.client.events, 'sent')).toEqual([]);
  });

  it.each(datagrams)('REC-15 %s on an established association is ignored by both sides', (_n, dg) => {
    const p = establishedPair();
    injectTo(p, 'server', [dg]);
    injectTo(p, 'client', [dg]);
    expect(p.client.closed).toBe(false);
    expect(alertsOf(p.client.events, 'sent')).toEqual([]);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('S-53 / CRY-09 content type 24 (heartbeat)', () => {
  it('S-53 heartbeat records in epoch 0 are dropped by both sides, mid-handshake and after', () => {
    const p = loggedPair();
    p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
    const hb = record(ContentType.heartbeat, 0, 70, Uint8Array.of(1, 0x40, 0x00, 1, 2, 3));
    injectTo(p, 'server', [hb]);
    injectTo(p, 'client', [hb]);
    expect(dropsOf(p.server.events)).toContain('unexpected type');
    expect(dropsOf(p.client.events)).toContain('unexpected type');
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 10_000 });
    expect(p.client.established).toBe(true);
    injectTo(p, 'server', [hb]);
    injectTo(p, 'client', [hb]);
    expect(echoes(p, 'still up')).toBe(true);
  });

  it('CRY-09 an authenticated epoch-1 heartbeat record is dropped (S-53): nothing answered, the association stays up', () => {
    const p = establishedPair();
    const before = p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent;
    injectTo(p, 'server', [clientRecord(p, ContentType.heartbeat, Uint8Array.of(1, 0x40, 0x00, 1, 2, 3))]);
    p.net.run({ maxTime: 100 });
    // Nothing out: no heartbeat response (no over-read to leak), no alert.
    expect(p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent - before).toBe(0);
    expect(assocOf(p).conn.drops['heartbeat']).toBe(1);
    expect(echoes(p, 'still up')).toBe(true);
  });
});
