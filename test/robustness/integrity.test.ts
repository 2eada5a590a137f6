/**
 * CRY-07 (AEAD integrity limits, CCM_8 above all) and REC-05 (records with a
 * bad tag are dropped; the bad-record limit), on the in-memory network.
 *
 * Forged records carry a valid DTLS 1.2 header in the current epoch (1) with
 * fresh sequence numbers and a garbage body, so they pass every check up to
 * authentication and fail there.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { CCM8_INTEGRITY_LIMIT } from '../../src/connection/settings.js';
import { nobleProvider } from '../../src/crypto/index.js';
import { nativeProvider } from '../crypto/helpers.js';
import type { ServerAssociation } from '../../src/endpoint/server-endpoint.js';
import { CLIENT_ADDR, SERVER_ADDR, pair, runHandshake } from '../helpers/net.js';
import { forgedRecord } from '../suites/psk-helpers.js';
import { conn12, machine12 } from '../helpers/v12.js';

const CCM8 = 'ECDHE-ECDSA-AES128-CCM8';
const GCM = 'ECDHE-ECDSA-AES128-GCM-SHA256';
const text = (b: Uint8Array) => Buffer.from(b).toString();

type Pair = ReturnType<typeof pair>;

function established(suite: string, serverExtra: Record<string, unknown> = {}, o: { provider?: typeof nativeProvider; clientExtra?: Record<string, unknown> } = {}): Pair {
  const p = pair({ server: { ciphers: suite, ...serverExtra }, client: { ciphers: suite, ...o.clientExtra }, ...(o.provider && { provider: o.provider }), log: true });
  onTestFailed(() => console.log(`${p.net}\n${p.net.formatLog({ last: 30 })}`));
  expect(runHandshake(p), 'handshake').toBe(true);
  expect(machine12(p.client).negotiated?.suite.openssl).toBe(suite);
  return p;
}

function assocOf(p: Pair): ServerAssociation {
  const a = p.server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port);
  expect(a, 'server association').toBeDefined();
  return a!;
}

/** Inject `n` forged epoch-1 application-data records to the server, one per datagram, and let them arrive. */
function forgeToServer(p: Pair, n: number, firstSeq = 1_000, bodyLength = 48): void {
  for (let i = 0; i < n; i++) p.net.inject(CLIENT_ADDR, SERVER_ADDR, forgedRecord(firstSeq + i, { bodyLength }));
  p.net.advance(5);
}

/** The client sends `msg`; resolves whether the server's echo arrived. */
function echoes(p: Pair, msg: string): boolean {
  const before = p.client.received.length;
  p.client.send(new TextEncoder().encode(msg), p.net.now);
  p.net.run({ until: () => p.client.received.length > before, maxTime: 5_000 });
  return p.client.received.length > before && text(p.client.received[before]!) === msg;
}

function serverCloses(p: Pair) {
  return p.server.events.filter((e) => e.type === 'close');
}

function badMacDrops(p: Pair): number {
  return p.server.events.filter((e) => e.type === 'drop' && e.reason === 'bad mac').length;
}

describe('CRY-07: the CCM_8 integrity limit', () => {
  it(`the limit is ${CCM8_INTEGRITY_LIMIT} forgery attempts (RFC 9147 §4.5.3: 2^7 for AEAD_AES_128_CCM_8)`, () => {
    expect(CCM8_INTEGRITY_LIMIT).toBe(128);
  });

  it.each([nativeProvider, nobleProvider].map((provider) => ({ name: provider.name, provider })))(
    '127 forged records on ECDHE-ECDSA-AES128-CCM8 are dropped and counted; the connection survives and still echoes ($name)',
    ({ provider }) => {
      const p = established(CCM8, {}, { provider });
      forgeToServer(p, CCM8_INTEGRITY_LIMIT - 1);
      const a = assocOf(p);
      expect(conn12(a.conn).records.badRecords).toBe(CCM8_INTEGRITY_LIMIT - 1);
      expect(badMacDrops(p)).toBe(CCM8_INTEGRITY_LIMIT - 1);
      expect(a.conn.isClosed).toBe(false);
      expect(serverCloses(p)).toEqual([]);
      expect(p.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`) ?? []).toEqual([]);
      expect(echoes(p, 'still alive after 127 forgeries')).toBe(true);
      expect(p.client.closed).toBe(false);
    },
  );

  it('the 128th forged record closes the association with ERR_DTLS_TOO_MANY_BAD_RECORDS and a fatal bad_record_mac alert', () => {
    const p = established(CCM8);
    const a = assocOf(p);
    forgeToServer(p, CCM8_INTEGRITY_LIMIT - 1);
    expect(a.conn.isClosed).toBe(false);
    forgeToServer(p, 1, 5_000);
    expect(a.conn.isClosed).toBe(true);
    const closes = serverCloses(p);
    expect(closes).toHaveLength(1);
    const close = closes[0]! as Extract<(typeof closes)[number], { type: 'close' }>;
    expect(close.assoc).toBe(a);
    expect(close.wasEstablished).toBe(true);
    expect(close.error?.code).toBe('ERR_DTLS_TOO_MANY_BAD_RECORDS');
    expect(close.error?.alert).toBe('bad_record_mac');
    expect(p.server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port)).toBeUndefined();
    // The client hears the fatal alert (it is sent under the epoch-1 keys) and closes too.
    p.net.advance(5);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
    expect(p.client.error?.alert).toBe('bad_record_mac');
  });

  it('forged records packed many to a datagram count one by one: 128 in one datagram close the association', () => {
    const p = established(CCM8);
    const recs = Array.from({ length: CCM8_INTEGRITY_LIMIT }, (_, i) => forgedRecord(2_000 + i, { bodyLength: 24 }));
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, Buffer.concat(recs));
    p.net.advance(5);
    expect(badMacDrops(p)).toBe(CCM8_INTEGRITY_LIMIT);
    expect(serverCloses(p).map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);
  });

  it('genuine records between the forgeries do not reset the count: 64 forged, an echo, 64 forged closes', () => {
    const p = established(CCM8);
    forgeToServer(p, 64, 1_000);
    expect(echoes(p, 'between')).toBe(true);
    expect(conn12(assocOf(p).conn).records.badRecords).toBe(64);
    forgeToServer(p, 64, 3_000);
    expect(serverCloses(p).map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);
  });

  it('the client enforces the same limit on records forged towards it', () => {
    const p = established(CCM8);
    for (let i = 0; i < CCM8_INTEGRITY_LIMIT - 1; i++) p.net.inject(SERVER_ADDR, CLIENT_ADDR, forgedRecord(7_000 + i));
    p.net.advance(5);
    expect(p.client.closed).toBe(false);
    expect(conn12(p.client.conn).records.badRecords).toBe(CCM8_INTEGRITY_LIMIT - 1);
    p.net.inject(SERVER_ADDR, CLIENT_ADDR, forgedRecord(9_000));
    p.net.advance(5);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_TOO_MANY_BAD_RECORDS');
  });

  it('the limit also applies to ECDHE-ECDSA-AES256-CCM8 and PSK-AES128-CCM8, but not to the 16-byte-tag AES-CCM', () => {
    for (const suite of ['ECDHE-ECDSA-AES256-CCM8']) {
      const p = established(suite);
      forgeToServer(p, CCM8_INTEGRITY_LIMIT);
      expect(serverCloses(p).map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);
    }
    const psk = Buffer.from('0123456789abcdef');
    const pp = pair({
      server: { key: undefined, cert: undefined, pskCallback: () => psk, ciphers: 'PSK-AES128-CCM8' },
      client: { ciphers: 'PSK-AES128-CCM8', psk: { identity: 'id', key: psk } } as Record<string, unknown>,
    });
    expect(runHandshake(pp)).toBe(true);
    forgeToServer(pp, CCM8_INTEGRITY_LIMIT);
    expect(serverCloses(pp).map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);

    const ccm16 = established('ECDHE-ECDSA-AES128-CCM');
    forgeToServer(ccm16, 200);
    expect(serverCloses(ccm16)).toEqual([]);
    expect(echoes(ccm16, 'ccm16 alive')).toBe(true);
  });
});

describe('REC-05: records that fail authentication', () => {
  it('with a GCM suite there is no limit by default: 200 forged records are dropped and counted, the connection still echoes', () => {
    const p = established(GCM);
    forgeToServer(p, 200);
    const a = assocOf(p);
    expect(conn12(a.conn).records.badRecords).toBe(200);
    expect(badMacDrops(p)).toBe(200);
    expect(a.conn.isClosed).toBe(false);
    expect(serverCloses(p)).toEqual([]);
    expect(echoes(p, 'gcm alive after 200 forgeries')).toBe(true);
  });

  it('a genuine record with a corrupted tag is dropped, not delivered; the next one is delivered', () => {
    const p = established(GCM);
    let corrupt = true;
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (dg) => {
        if (!corrupt || dg.data[0] !== 23) return 'pass';
        corrupt = false;
        const bad = Uint8Array.from(dg.data);
        bad[bad.length - 1]! ^= 0x01; // last byte of the GCM tag
        return { replace: [bad] };
      },
    });
    p.client.send(new TextEncoder().encode('tampered'), p.net.now);
    p.net.advance(10);
    const key = `${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`;
    expect(corrupt, 'the filter saw the application-data record').toBe(false);
    expect(p.server.received.get(key) ?? []).toEqual([]);
    expect(p.client.received).toEqual([]);
    expect(badMacDrops(p)).toBe(1);
    expect(conn12(assocOf(p).conn).records.badRecords).toBe(1);
    expect(echoes(p, 'untampered')).toBe(true);
    expect((p.server.received.get(key) ?? []).map(text)).toEqual(['untampered']);
  });

  it('a CCM_8 record with a corrupted tag is dropped too (8-byte tag)', () => {
    const p = established(CCM8);
    let corrupt = true;
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (dg) => {
        if (!corrupt || dg.data[0] !== 23) return 'pass';
        corrupt = false;
        const bad = Uint8Array.from(dg.data);
        bad[bad.length - 8]! ^= 0x80; // first byte of the 8-byte tag
        return { replace: [bad] };
      },
    });
    p.client.send(new TextEncoder().encode('tampered'), p.net.now);
    p.net.advance(10);
    expect(p.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`) ?? []).toEqual([]);
    expect(badMacDrops(p)).toBe(1);
    expect(echoes(p, 'untampered')).toBe(true);
  });

  it('with maxBadRecords: 1 a single bad record closes the connection', () => {
    const p = established(GCM, { maxBadRecords: 1 });
    forgeToServer(p, 1);
    const closes = serverCloses(p);
    expect(closes.map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);
    p.net.advance(5);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.alert).toBe('bad_record_mac');
  });

  it('with maxBadRecords: 2 the connection survives one bad record (and still echoes), and the second closes it', () => {
    const p = established(GCM, { maxBadRecords: 2 });
    forgeToServer(p, 1);
    expect(serverCloses(p)).toEqual([]);
    expect(echoes(p, 'survived one')).toBe(true);
    forgeToServer(p, 1, 4_000);
    expect(serverCloses(p).map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);
  });

  it('maxBadRecords overrides the CCM_8 default: with maxBadRecords: 2 on CCM_8 the second bad record closes', () => {
    const p = established(CCM8, { maxBadRecords: 2 });
    forgeToServer(p, 1);
    expect(serverCloses(p)).toEqual([]);
    forgeToServer(p, 1, 4_000);
    expect(serverCloses(p).map((e) => e.type === 'close' && e.error?.code)).toEqual(['ERR_DTLS_TOO_MANY_BAD_RECORDS']);
  });

  it('a forged record with a sequence number the client already used is dropped as a replay, before authentication', () => {
    const p = established(GCM);
    expect(echoes(p, 'first')).toBe(true);
    // The client's epoch-1 records so far: Finished (seq 0) and 'first' (seq 1).
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, forgedRecord(1));
    p.net.advance(5);
    expect(p.server.events.filter((e) => e.type === 'drop').map((e) => e.type === 'drop' && e.reason)).toContain('replay');
    expect(conn12(assocOf(p).conn).records.badRecords).toBe(0);
  });
});
