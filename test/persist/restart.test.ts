import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { SEQUENCE_MARGIN_12, SEQUENCE_MARGIN_13, loadAssociations, saveAssociations } from '../../src/persist/index.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { nativeProvider } from '../crypto/helpers.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { Rewriting } from '../robustness/helpers/dtls13.js';
import { expectUnique, serverRecordNumbers } from './wire.js';

/** A server whose every sent datagram is kept in `wire` (the server's side of the wire). */
const tap = (node: DtlsServerNode, wire: Uint8Array[]) => new Rewriting(node, (d) => {
  wire.push(Uint8Array.from(d));
  return d;
});

const KEY = new Uint8Array(32).fill(7);
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Setup {
  version: 'DTLSv1.2' | 'DTLSv1.3';
  cid: boolean;
  provider: CryptoProvider;
}

function serverOptions(s: Setup) {
  return { ...serverIdentity('ecdsa-p256'), crypto: s.provider, ...(s.cid && { connectionId: 4 }) };
}

/**
 * A client with live traffic; the server saves, goes away, a new server
 * loads the blob at the same address; the client goes on. Returns what the
 * test checks.
 */
function restart(s: Setup) {
  const net = new VirtualNetwork({ seed: 3 });
  const wire: Uint8Array[] = [];
  const server1 = new DtlsServerNode(serverOptions(s));
  const client = new DtlsClientNode({
    ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: s.provider, minVersion: s.version, maxVersion: s.version,
    ...(s.cid && { connectionId: 4 }),
  }, SERVER_ADDR, net.now);
  net.attach(SERVER_ADDR, tap(server1, wire), { role: 'server' });
  const c = net.attach(CLIENT_ADDR, client, { role: 'client' });
  net.run({ until: () => client.established && server1.established > 0, maxTime: 60_000 });
  expect(client.established).toBe(true);
  // Live traffic: 20 messages echoed before the restart.
  for (let i = 0; i < 20; i++) c.act((node, now) => node.send(enc(`before ${i}`), now));
  net.run({ until: () => client.received.length >= 20, maxTime: 60_000 });
  expect(client.received.map(dec)).toContain('before 19');
  const peerBefore = server1.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port)!;
  const negotiatedBefore = peerBefore.negotiated!;
  const exporterBefore = peerBefore.conn.exportKeyingMaterial(32, 'EXPERIMENTAL restart');

  // The old process saves: it sends nothing more (no close_notify).
  const sentBeforeSave = wire.length;
  const saved = saveAssociations(server1.endpoint, KEY, net.now);
  server1.flush();
  net.run({ maxTime: net.now + 1 });
  expect(saved).toMatchObject({ saved: 1, skipped: 0 });
  expect(wire.length).toBe(sentBeforeSave);
  expect(server1.endpoint.size).toBe(0);
  expect(server1.events.at(-1)).toMatchObject({ type: 'close', wasEstablished: true });
  expect((server1.events.at(-1) as { error?: unknown }).error).toBeUndefined();
  net.detach(SERVER_ADDR);
  // The client keeps sending while no server runs (those records are lost).
  c.act((node, now) => node.send(enc('into the void'), now));
  net.advance(100);

  // The new process loads the blob and takes over the address.
  const server2 = new DtlsServerNode(serverOptions(s));
  const restored = loadAssociations(server2.endpoint, saved.blob, KEY, net.now);
  server2.flush();
  expect(restored).toHaveLength(1);
  net.attach(SERVER_ADDR, tap(server2, wire), { role: 'server' });
  for (let i = 0; i < 20; i++) c.act((node, now) => node.send(enc(`after ${i}`), now));
  net.run({ until: () => client.received.some((m) => dec(m) === 'after 19'), maxTime: net.now + 60_000 });
  return { net, client, server1, server2, wire, saved, restored, negotiatedBefore, exporterBefore };
}

/** (epoch, seq) of every protected record the server sent, on the wire. */
function wireRecordNumbers(s: Setup, r: ReturnType<typeof restart>): { epoch: number; seq: number }[] {
  return serverRecordNumbers({
    version: s.version, datagrams: r.wire, provider: s.provider,
    clientCid: r.client.conn.records.connectionIds?.ours ?? new Uint8Array(0),
    keylog: r.server1.events.flatMap((e) => (e.type === 'keylog' ? e.line.split('\n') : [])),
    ...(r.negotiatedBefore.suite13 && { suite13: r.negotiatedBefore.suite13.name }),
  });
}

const SETUPS: Setup[] = [];
for (const version of ['DTLSv1.2', 'DTLSv1.3'] as const) {
  for (const cid of [false, true]) {
    for (const provider of [nativeProvider, nobleProvider]) SETUPS.push({ version, cid, provider });
  }
}

describe('a restart that keeps the association', () => {
  for (const s of SETUPS) {
    const name = `${s.version}${s.cid ? ' with CIDs' : ''}, ${s.provider === nobleProvider ? '@noble' : 'node:crypto'}`;
    it(`delivers the client's next records without a handshake and never reuses a record number: ${name}`, () => {
      const r = restart(s);
      expect(r.client.received.map(dec)).toContain('after 19');
      // No handshake with the new server: no cookie exchange, no handshake started, the client's one association goes on.
      expect(r.server2.endpoint.stats).toMatchObject({ handshakesStarted: 0, helloVerifyRequests: 0, helloRetryRequests: 0 });
      expect(r.client.events.filter((e) => e.type === 'secure')).toHaveLength(1);
      expect(r.client.closed).toBe(false);
      expect(r.server2.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`)!.map(dec)).toEqual(Array.from({ length: 20 }, (_, i) => `after ${i}`));
      // The new server's events: secure (no handshake started: no connection event), then the data.
      expect(r.server2.events.filter((e) => e.type !== 'keylog')[0]!.type).toBe('secure');
      expect(r.server2.events.some((e) => e.type === 'connection')).toBe(false);
      const assoc = r.restored[0]!;
      expect(assoc.restored).toBe(true);
      // What the Peer API tells is what the handshake negotiated.
      const n = assoc.negotiated!;
      expect(n.suite.id).toBe(r.negotiatedBefore.suite.id);
      expect(n.group).toBe(r.negotiatedBefore.group);
      expect(n.authorized).toBe(r.negotiatedBefore.authorized);
      expect(n.servername).toBe('localhost');
      expect(n.protocol).toBe(r.negotiatedBefore.protocol);
      expect(n.connectionIds?.ours).toEqual(r.negotiatedBefore.connectionIds?.ours);
      expect(assoc.conn.exportKeyingMaterial(32, 'EXPERIMENTAL restart')).toEqual(r.exporterBefore);
      // On the wire: each (epoch, seq) under each key once, across the restart, and the jump ahead.
      const numbers = wireRecordNumbers(s, r);
      expectUnique(numbers);
      const app = numbers.filter((x) => x.epoch === (s.version === 'DTLSv1.2' ? 1 : 3)).map((x) => x.seq);
      const margin = s.version === 'DTLSv1.2' ? SEQUENCE_MARGIN_12 : SEQUENCE_MARGIN_13;
      expect(Math.max(...app)).toBeGreaterThanOrEqual(margin);
      expect(app.filter((q) => q >= margin)).toHaveLength(20);
    });
  }
});
