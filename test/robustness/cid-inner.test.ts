/**
 * S-61 (RFC 9146 §4): the inner plaintext of a tls12_cid record is
 * `content ‖ real type ‖ zeros`. Zero padding is stripped, and the real
 * content type is the last non-zero byte, so it can never be zero: an inner
 * plaintext of only zeros is dropped ('bad inner plaintext').
 *
 * The records are genuine: they are sealed by the sender's own record layer
 * (`conn.records.seal`), so they carry the right CID and the RFC 9146 §5
 * additional data and authenticate. `seal(type, data)` on a CID connection
 * builds the inner plaintext `data ‖ type`, so `seal(0, content ‖ 23 ‖ zeros)`
 * is application data with padding, and `seal(0, zeros)` is an inner
 * plaintext with no real type. No src/ internals are touched.
 */
import { describe, expect, it } from 'vitest';
import { ContentType } from '../../src/record/content-type.js';
import type { ServerAssociation } from '../../src/endpoint/server-endpoint.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { conn12, machine12 } from '../helpers/v12.js';

const te = new TextEncoder();
const td = new TextDecoder();
const APP = ContentType.application_data;

function setup(provider = PROVIDERS[0]!) {
  const net = new VirtualNetwork({ seed: 61 });
  const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, connectionId: 8 });
  const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, connectionId: 4 }, SERVER_ADDR);
  net.attach(SERVER_ADDR, server, { role: 'server' });
  const handle = net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.established && server.established > 0, maxTime: 10_000 });
  expect(cli.established).toBe(true);
  const assoc = [...server.endpoint.associations()][0]!;
  // Both directions carry CIDs: the client's records name the server's 8-byte CID, and back.
  expect(machine12(cli).negotiated?.connectionIds?.peers).toHaveLength(8);
  expect(machine12(cli).negotiated?.connectionIds?.ours).toHaveLength(4);
  return { net, server, cli, handle, assoc };
}

type Setup = ReturnType<typeof setup>;

/** A record the client seals now (fresh sequence number), as the client's record layer builds it. */
function fromClient(s: Setup, type: number, data: Uint8Array): Uint8Array {
  const rec = conn12(s.cli.conn).records.seal(type, data);
  if (!rec) throw new Error('sequence numbers exhausted');
  expect(rec[0]).toBe(ContentType.tls12_cid);
  return rec;
}

function fromServer(s: Setup, type: number, data: Uint8Array): Uint8Array {
  const rec = conn12(s.assoc.conn).records.seal(type, data);
  if (!rec) throw new Error('sequence numbers exhausted');
  expect(rec[0]).toBe(ContentType.tls12_cid);
  return rec;
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function serverDrops(assoc: ServerAssociation, reason: string): number {
  return assoc.conn.drops[reason] ?? 0;
}

function roundTrip(s: Setup, text: string): boolean {
  const before = s.cli.received.length;
  s.cli.send(te.encode(text), s.net.now);
  s.net.run({ until: () => s.cli.received.length > before, maxTime: 3000 });
  return s.cli.received.slice(before).some((m) => td.decode(m) === text);
}

describe.each(PROVIDERS)('S-61 the inner plaintext of tls12_cid records ($name provider)', (provider) => {
  it.each([1, 2, 32, 255])('S-61 the server drops an authenticated record whose inner plaintext is %i zero byte(s), no real type, as bad inner plaintext; the association stays', (n) => {
    const s = setup(provider);
    // seal(0, n−1 zeros): the inner plaintext is those zeros ‖ type 0, n zero bytes.
    s.net.inject(CLIENT_ADDR, SERVER_ADDR, fromClient(s, 0, new Uint8Array(n - 1)));
    s.net.run({ maxTime: 500 });
    expect(serverDrops(s.assoc, 'bad inner plaintext')).toBe(1);
    expect(conn12(s.assoc.conn).records.badRecords).toBe(0); // it authenticated: not a bad MAC
    expect(s.assoc.conn.isClosed).toBe(false);
    expect(s.server.received.size).toBe(0); // nothing delivered
    expect(s.server.endpoint.size).toBe(1);
    expect(roundTrip(s, 'still up')).toBe(true);
  });

  it('S-61 the dropped record leaves the replay window alone: the genuine record with the same sequence number is accepted', () => {
    const s = setup(provider);
    const records = conn12(s.cli.conn).records;
    const seq = records.nextWriteSeq();
    const zeros = records.seal(0, new Uint8Array(15), undefined, undefined, seq)!;
    const genuine = records.seal(APP, te.encode('same seq'), undefined, undefined, seq)!;
    records.setNextWriteSeq(seq + 1);
    s.net.inject(CLIENT_ADDR, SERVER_ADDR, zeros);
    s.net.run({ maxTime: 200 });
    expect(serverDrops(s.assoc, 'bad inner plaintext')).toBe(1);
    s.net.inject(CLIENT_ADDR, SERVER_ADDR, genuine);
    const before = s.cli.received.length;
    s.net.run({ until: () => s.cli.received.length > before, maxTime: 500 });
    expect(s.assoc.conn.drops.replay ?? 0).toBe(0);
    expect(s.cli.received.slice(before).map((m) => td.decode(m))).toEqual(['same seq']); // delivered, echoed
  });

  it.each([0, 1, 7, 100, 1000])('S-61 the server strips %i bytes of zero padding after the real type and delivers the data once', (extra) => {
    const s = setup(provider);
    const text = `padded ${extra}`;
    // Inner plaintext: text ‖ 23 ‖ (extra + 1) zeros (the last zero is the `type` argument).
    s.net.inject(CLIENT_ADDR, SERVER_ADDR, fromClient(s, 0, concat(te.encode(text), [APP], new Uint8Array(extra))));
    const before = s.cli.received.length;
    s.net.run({ until: () => s.cli.received.length > before, maxTime: 500 });
    const got = s.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`) ?? [];
    expect(got.map((m) => td.decode(m))).toEqual([text]); // exactly the content: no type byte, no padding
    expect(s.cli.received.slice(before).map((m) => td.decode(m))).toEqual([text]); // and the echo came back
    expect(serverDrops(s.assoc, 'bad inner plaintext')).toBe(0);
  });

  it('S-61 zero bytes inside the content are kept; only the trailing ones after the real type are padding', () => {
    const s = setup(provider);
    const content = Uint8Array.from([0, 0, 7, 0, 0]);
    s.net.inject(CLIENT_ADDR, SERVER_ADDR, fromClient(s, 0, concat(content, [APP], new Uint8Array(9))));
    s.net.run({ maxTime: 500 });
    const got = s.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`) ?? [];
    expect(got).toHaveLength(1);
    expect([...got[0]!]).toEqual([...content]);
  });

  it('S-61 the client does the same: drops a zero-only inner plaintext, strips padding from the server\'s records', () => {
    const s = setup(provider);
    s.server.echo = false;
    s.net.inject(SERVER_ADDR, CLIENT_ADDR, fromServer(s, 0, new Uint8Array(20)));
    s.net.run({ maxTime: 200 });
    expect(s.cli.conn.drops['bad inner plaintext']).toBe(1);
    expect(s.cli.closed).toBe(false);
    expect(s.cli.received).toHaveLength(0);
    s.net.inject(SERVER_ADDR, CLIENT_ADDR, fromServer(s, 0, concat(te.encode('from the server'), [APP], new Uint8Array(64))));
    s.net.run({ maxTime: 200 });
    expect(s.cli.received.map((m) => td.decode(m))).toEqual(['from the server']);
    expect(s.cli.established).toBe(true);
  });

  it('S-61 a padded alert is recognised by its real type: close_notify padded with zeros closes the association', () => {
    const s = setup(provider);
    s.net.inject(CLIENT_ADDR, SERVER_ADDR, fromClient(s, 0, concat([1, 0], [ContentType.alert], new Uint8Array(5))));
    s.net.run({ maxTime: 500 });
    expect(s.assoc.conn.isClosed).toBe(true);
    expect(s.server.endpoint.size).toBe(0);
  });
});
