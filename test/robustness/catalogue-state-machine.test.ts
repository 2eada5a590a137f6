/**
 * ROBUSTNESS.md §2, handshake state machine (SM-*), against the real client
 * and server on the virtual network: crafted records are delivered to one
 * side, plaintext flights are rewritten on the wire, or a scripted client
 * misbehaves in its last flight.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_RENEGOTIATION_INFO_SCSV } from '../../src/crypto/suites.js';
import { ServerHandshake } from '../../src/handshake/server-handshake.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import { TicketKeys } from '../../src/handshake/session.js';
import { nodeProvider } from '../../src/crypto/index.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { ScriptedServerNode } from '../helpers/scripted.js';
import {
  type Pair, alertsOf, assocOf, dropsOf, echoes, establishedPair, injectTo, internals, loggedPair, pskClient, pskServer,
  finishedWith, scripted,
} from './helpers/peers.js';
import {
  CT, DTLS10, EXT, HT, type PlainMessage, clientHelloOf, concat, decodeSH, encodeHello, encodeSH, filterRecords, forged, fragment, fragmentsOf,
  handshakeRecord, message, plainMessages, record, recordsOf, rewriteClientHello, rewriteFlight, te, withExtension,
} from './helpers/wire.js';
import { conn12, machine12 } from '../helpers/v12.js';

const CA = pki('ca-bundle.pem');
const A = { unexpected_message: 10, handshake_failure: 40, illegal_parameter: 47, decode_error: 50, decrypt_error: 51, no_renegotiation: 100 } as const;

function completes(p: Pair, maxTime = 10_000): boolean {
  p.net.run({ until: () => (p.client.established && p.server.established > 0) || p.client.closed, maxTime });
  return p.client.established && p.server.established > 0;
}
function untilServerHandshaking(p: Pair): void {
  p.net.run({ until: () => p.server.endpoint.handshakeCount === 1 });
}
/** Run until the client has sent flight 5 (it waits for the server's last flight). */
function untilClientFlight5(p: Pair): void {
  p.net.run({ until: () => ['expectNewSessionTicket', 'expectChangeCipherSpec'].includes(p.client.conn.handshakeState) });
}
function serverCloseAlert(p: Pair): string | undefined {
  const c = p.server.events.find((e) => e.type === 'close');
  return c?.type === 'close' ? c.error?.alert : undefined;
}
/** Epoch-0 records of the server get fresh sequence numbers above what a test injected. */
function skipServerSeqs(p: Pair, seq: number): void {
  const r = conn12(assocOf(p).conn).records;
  if (r.currentWriteEpoch === 0 && r.nextWriteSeq(0) < seq) r.setNextWriteSeq(seq);
}
/** Rewrite every transmission of the server's flight 4. */
function rewriteFlight4(p: Pair, edit: Parameters<typeof rewriteFlight>[1]): void {
  p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => (d.flight === 4 ? { replace: [rewriteFlight(d.data, edit)] } : 'pass') });
}
const editSH = (f: (sh: ReturnType<typeof decodeSH>) => ReturnType<typeof decodeSH>) =>
  (msgs: { msgType: number; body: Uint8Array }[]) => msgs.map((m) => (m.msgType === HT.server_hello ? { ...m, body: encodeSH(f(decodeSH(m.body))) } : m));

/** A server Connection with no cookie exchange and no endpoint in front (what the endpoint protects). */
function bareServer(): { node: ScriptedServerNode; feed: (dgs: Uint8Array[]) => void } {
  const node = new ScriptedServerNode({ ...serverIdentity('ecdsa-p256') }, (d, c) => new ServerHandshake(d, c));
  return { node, feed: (dgs) => { for (const d of dgs) expect(() => node.receive(d, CLIENT_ADDR, 0)).not.toThrow(); } };
}
function freshServer(): DtlsServerNode {
  return new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
}
/** The client's first ClientHello datagram (flight 1). */
function firstHello(): Uint8Array {
  const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR);
  return c.takeOutgoing()[0]!.data;
}

// message_seq 0: what a first message would carry (a bare connection expects 0; the endpoint never gets that far).
const FIN = message(HT.finished, 0, new Uint8Array(12));
const CKE = message(HT.client_key_exchange, 0, concat([Uint8Array.of(32), new Uint8Array(32).fill(9)]));
const CERT = message(HT.certificate, 0, Uint8Array.of(0, 0, 0));

describe('SM-01 Finished as the first message a server receives', () => {
  it.each([['in epoch 0', record(CT.handshake, 0, 0, FIN)], ['in epoch 1', forged(CT.handshake, 1, 0)]])(
    'SM-01 the server endpoint drops a Finished %s from a new address and keeps no state', (_n, dg) => {
      const s = freshServer();
      s.receive(dg, CLIENT_ADDR, 0);
      expect(s.endpoint.size).toBe(0);
      expect(s.takeOutgoing()).toEqual([]);
      expect(s.endpoint.nextTimeout()).toBeUndefined();
    });

  it('SM-01 a bare server connection answers an epoch-0 Finished with a fatal unexpected_message', () => {
    const { node, feed } = bareServer();
    feed([record(CT.handshake, 0, 0, FIN)]);
    expect(node.conn!.isClosed).toBe(true);
    expect(node.conn!.closeError?.alert).toBe('unexpected_message');
  });

  it('SM-01 a bare server connection never processes epoch-1 records before it has keys (buffered at most 32, never opened)', () => {
    const { node, feed } = bareServer();
    feed(Array.from({ length: 100 }, (_, i) => forged(CT.handshake, 1, i)));
    expect(node.conn!.isClosed).toBe(false);
    expect(node.conn!.isEstablished).toBe(false);
    expect(internals(node.conn!).futureRecords.length).toBeLessThanOrEqual(32);
    expect(node.conn!.records.currentReadEpoch).toBe(0);
  });
});

describe('SM-02 ChangeCipherSpec out of place', () => {
  const CCS = (seq: number) => record(CT.ccs, 0, seq, Uint8Array.of(1));

  it('SM-02 before ClientHello: the endpoint keeps no state; a bare connection drops it and derives no keys', () => {
    const s = freshServer();
    s.receive(CCS(0), CLIENT_ADDR, 0);
    expect(s.endpoint.size).toBe(0);
    const { node, feed } = bareServer();
    feed([CCS(0)]);
    expect(node.conn!.isClosed).toBe(false);
    expect(node.conn!.records.currentReadEpoch).toBe(0);
    expect(node.conn!.drops['unexpected change_cipher_spec']).toBe(1);
  });

  it('SM-02 before ClientKeyExchange: the server drops it, derives no keys, and the handshake completes', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    injectTo(p, 'server', [CCS(30), CCS(31)]);
    const conn = assocOf(p).conn;
    expect(conn.records.currentReadEpoch).toBe(0);
    expect(conn.drops['unexpected change_cipher_spec']).toBe(2);
    expect(completes(p)).toBe(true);
  });

  it('SM-02 before ServerHello: the client drops it and completes', () => {
    const p = loggedPair();
    injectTo(p, 'client', [CCS(5)]);
    expect(conn12(p.client.conn).records.currentReadEpoch).toBe(0);
    expect(p.client.conn.drops['unexpected change_cipher_spec']).toBe(1);
    skipServerSeqsLater(p, 50);
    expect(completes(p)).toBe(true);
  });

  it('SM-02 after a warning alert: the CCS is dropped and the handshake completes', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    injectTo(p, 'server', [record(CT.alert, 0, 30, Uint8Array.of(1, 90)), CCS(31)]);
    expect(conn12(assocOf(p).conn).records.currentReadEpoch).toBe(0);
    expect(completes(p)).toBe(true);
  });

  it('SM-02 after a fatal alert: the association is gone, the CCS finds no state and gets no answer', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    injectTo(p, 'server', [record(CT.alert, 0, 30, Uint8Array.of(2, 40))]);
    expect(p.server.endpoint.size).toBe(0);
    p.server.takeOutgoing();
    injectTo(p, 'server', [CCS(31)]);
    expect(p.server.takeOutgoing()).toEqual([]);
    expect(p.server.endpoint.size).toBe(0);
  });
});

/** Let the server's epoch-0 records start at `seq` once its association exists (used after injecting to the client early). */
function skipServerSeqsLater(p: Pair, seq: number): void {
  p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.flight === 4) skipServerSeqs(p, seq); return 'pass'; } });
}

describe('SM-03 ClientKeyExchange then Finished with no ChangeCipherSpec', () => {
  it('SM-03 the server never completes and never sends its Finished; the handshake times out and is freed', () => {
    const p = loggedPair({ server: { handshakeTimeout: 8_000 }, client: { handshakeTimeout: 8_000 } });
    let serverEpoch1 = 0;
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (d.records.some((r) => r.type === CT.ccs) ? { replace: [concat(recordsOf(d.data).filter((r) => r.type !== CT.ccs).map((r) => r.raw))] } : 'pass') });
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.records.some((r) => r.epoch === 1)) serverEpoch1++; return 'pass'; } });
    let maxFuture = 0;
    p.net.run({ until: () => { const a = p.server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port); if (a) maxFuture = Math.max(maxFuture, internals(a.conn).futureRecords.length); return false; }, maxTime: 20_000 });
    expect(p.server.established).toBe(0);
    expect(serverEpoch1).toBe(0);
    expect(maxFuture).toBeGreaterThan(0);
    expect(maxFuture).toBeLessThanOrEqual(32);
    expect(p.server.endpoint.size).toBe(0);
    expect(p.server.errors.map((e) => e.code)).toEqual(['ERR_DTLS_HANDSHAKE_TIMEOUT']);
  });
});

describe('SM-04 / S-36 Finished in epoch 0', () => {
  /** The client sends CKE, then a genuine Finished in plaintext, then CCS. */
  const plaintextFinished = scripted({
    changeCipherSpec: () => false,
    message: (type, body, out) => {
      if (type !== HT.finished) return body;
      out.send(type, body);
      out.changeCipherSpec();
      return null;
    },
  });
  function run(reorder: boolean) {
    const net = new VirtualNetwork({ seed: 4 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', handshakeTimeout: 5_000 }, SERVER_ADDR, 0, plaintextFinished);
    let serverEpoch1 = 0;
    net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => {
        if (!reorder || !d.records.some((r) => r.type === CT.ccs)) return 'pass';
        const rs = recordsOf(d.data);
        const ccs = rs.filter((r) => r.type === CT.ccs), rest = rs.filter((r) => r.type !== CT.ccs);
        // CKE, CCS, then the plaintext Finished.
        return { replace: [concat([rest[0]!.raw, ...ccs.map((r) => r.raw), ...rest.slice(1).map((r) => r.raw)])] };
      },
    });
    net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.records.some((r) => r.epoch === 1)) serverEpoch1++; return 'pass'; } });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ until: () => client.closed || server.errors.length > 0, maxTime: 10_000 });
    return { server, serverEpoch1 };
  }

  it('SM-04 CCS then a correct Finished in plaintext epoch 0: rejected with unexpected_message, no server Finished', () => {
    const { server, serverEpoch1 } = run(true);
    expect(server.established).toBe(0);
    expect(server.errors[0]?.alert).toBe('unexpected_message');
    expect(serverEpoch1).toBe(0);
  });

  it('S-36 a plaintext Finished before the CCS: rejected with unexpected_message, no server Finished', () => {
    const { server, serverEpoch1 } = run(false);
    expect(server.established).toBe(0);
    expect(server.errors[0]?.alert).toBe('unexpected_message');
    expect(serverEpoch1).toBe(0);
  });
});

describe('SM-05 an extra Finished after a complete handshake', () => {
  /**
   * The client's flight 5 gets a second, authenticated Finished (same
   * verify_data, the next message_seq) packed into its datagram, after the
   * genuine one or before it. The client's own transcript is untouched.
   */
  function run(reordered: boolean) {
    let verify: Uint8Array | undefined;
    const machine = scripted(finishedWith((v) => (verify = v)));
    const net = new VirtualNetwork({ seed: 5, log: true });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', handshakeTimeout: 5_000 }, SERVER_ADDR, 0, machine);
    let added = false;
    net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => {
        if (added || !d.records.some((r) => r.type === CT.ccs)) return 'pass';
        added = true;
        const extra = conn12(client.conn).records.seal(CT.handshake, message(HT.finished, 4, verify!))!;
        const rs = recordsOf(d.data).map((r) => r.raw);
        return { replace: [concat(reordered ? [...rs.slice(0, -1), extra, rs[rs.length - 1]!] : [...rs, extra])] };
      },
    });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ maxTime: 3_000 });
    expect(added).toBe(true);
    return { server, client };
  }
  const ownError = (server: DtlsServerNode) => server.errors.filter((e) => e.code !== 'ERR_DTLS_ALERT_RECEIVED').map((e) => e.alert);

  it('SM-05 packed after the genuine Finished: the server ends with a fatal unexpected_message', () => {
    const { server, client } = run(false);
    expect(ownError(server)).toEqual(['unexpected_message']);
    expect(alertsOf(client.events, 'received')).toContainEqual({ level: 2, description: A.unexpected_message });
  });

  it('SM-05 packed before the genuine Finished (reordered): the server ends with a fatal unexpected_message', () => {
    const { server, client } = run(true);
    expect(ownError(server)).toEqual(['unexpected_message']);
    expect(alertsOf(client.events, 'received')).toContainEqual({ level: 2, description: A.unexpected_message });
  });

  it('SM-05 sent on its own after the handshake (next message_seq, epoch 1): fatal unexpected_message', () => {
    const p = establishedPair();
    const rec = conn12(p.client.conn).records.seal(CT.handshake, message(HT.finished, 4, new Uint8Array(12)))!;
    injectTo(p, 'server', [rec]);
    p.net.run({ maxTime: 100 });
    expect(serverCloseAlert(p)).toBe('unexpected_message');
    expect(alertsOf(p.client.events, 'received')).toContainEqual({ level: 2, description: A.unexpected_message });
  });

  it('SM-05 a retransmitted Finished (its old message_seq) is not an extra one: the server resends its last flight and stays up', () => {
    const p = establishedPair();
    p.net.advance(1_000);
    const sent = p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent;
    injectTo(p, 'server', [conn12(p.client.conn).records.seal(CT.handshake, message(HT.finished, 3, new Uint8Array(12)))!]);
    p.net.run({ maxTime: 100 });
    expect(p.net.stats(SERVER_ADDR, CLIENT_ADDR).sent - sent).toBe(1);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('SM-07 malformed ChangeCipherSpec', () => {
  const bodies: [string, Uint8Array][] = [['body 0x02', Uint8Array.of(2)], ['two bytes long', Uint8Array.of(1, 1)], ['empty', new Uint8Array(0)]];

  it.each(bodies.slice(0, 2))('SM-07 the client\'s CCS with %s is fatal for the server (decode_error)', (_n, body) => {
    const p = loggedPair();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => (d.records.some((r) => r.type === CT.ccs)
        ? { replace: [concat(recordsOf(d.data).map((r) => (r.type === CT.ccs ? record(CT.ccs, r.epoch, r.seq, body) : r.raw)))] } : 'pass'),
    });
    expect(completes(p)).toBe(false);
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_BAD_CCS');
    expect(p.server.errors[0]?.alert).toBe('decode_error');
  });

  it.each(bodies.slice(0, 2))('SM-07 the server\'s CCS with %s is fatal for the client (decode_error)', (_n, body) => {
    const p = loggedPair();
    p.net.link(SERVER_ADDR, CLIENT_ADDR, {
      filter: (d) => (d.records.some((r) => r.type === CT.ccs)
        ? { replace: [concat(recordsOf(d.data).map((r) => (r.type === CT.ccs ? record(CT.ccs, r.epoch, r.seq, body) : r.raw)))] } : 'pass'),
    });
    expect(completes(p)).toBe(false);
    expect(p.client.error?.code).toBe('ERR_DTLS_BAD_CCS');
    expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: A.decode_error }]);
  });

  it.each(bodies)('SM-07 an authenticated epoch-1 CCS with %s after the handshake is fatal', (_n, body) => {
    const p = establishedPair();
    const r = conn12(p.client.conn).records.seal(CT.ccs, body);
    injectTo(p, 'server', [r!]);
    p.net.run({ maxTime: 100 });
    expect(['decode_error', 'unexpected_message']).toContain(serverCloseAlert(p));
    expect(p.server.endpoint.size).toBe(0);
  });
});

describe('SM-10 a handshake that starts with ClientKeyExchange or Certificate', () => {
  it.each([['ClientKeyExchange', CKE], ['Certificate', CERT]])('SM-10 the endpoint keeps no state for a first %s', (_n, m) => {
    const s = freshServer();
    s.receive(record(CT.handshake, 0, 0, m), CLIENT_ADDR, 0);
    expect(s.endpoint.size).toBe(0);
    expect(s.takeOutgoing()).toEqual([]);
  });

  it.each([['ClientKeyExchange', CKE], ['Certificate', CERT]])('SM-10 a bare server connection answers a first %s with a fatal unexpected_message', (_n, m) => {
    const { node, feed } = bareServer();
    feed([record(CT.handshake, 0, 0, m)]);
    expect(node.conn!.closeError?.alert).toBe('unexpected_message');
  });
});

describe('SM-11 records in the wrong epoch', () => {
  it('SM-11 ClientHellos carrying epoch 1 create no state; a normal handshake from the same address then completes', () => {
    const p = loggedPair();
    const hello = firstHello();
    const e1 = Uint8Array.from(hello);
    e1[4] = 1;
    injectTo(p, 'server', [e1, e1]);
    expect(p.server.endpoint.size).toBe(0);
    expect(p.server.takeOutgoing()).toEqual([]);
    expect(completes(p)).toBe(true);
  });

  it('SM-11 an epoch-1 ClientHello during the handshake is never opened with current keys, gives no decrypt_error, and the handshake completes', () => {
    const p = loggedPair();
    untilServerHandshaking(p);
    const e1 = Uint8Array.from(firstHello());
    e1[4] = 1;
    injectTo(p, 'server', [e1]);
    expect(completes(p)).toBe(true);
    expect(alertsOf(p.client.events, 'received')).toEqual([]);
  });

  it('SM-11 an unencrypted HelloVerifyRequest with epoch 1 is ignored by the client (no restart, no decrypt_error)', () => {
    const p = loggedPair();
    const hvr = handshakeRecord(HT.hello_verify_request, 0, concat([Uint8Array.of(0xfe, 0xff, 32), new Uint8Array(32).fill(3)]), 0, 1);
    const cookies = new Set<string>();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) cookies.add(Buffer.from(h.hello.cookie).toString('hex')); return 'pass'; } });
    injectTo(p, 'client', [hvr]);
    expect(completes(p)).toBe(true);
    // Only the server's genuine cookie was ever sent back.
    expect(cookies.size).toBe(1);
    expect([...cookies][0]).not.toBe('03'.repeat(32));
    expect(alertsOf(p.client.events, 'sent')).toEqual([]);
  });
});

/** A pair whose flight 4 loses everything but its ServerHello record once, so the client waits in expectCertificate with nothing buffered. */
function clientAfterServerHello(): { p: Pair; flight4: PlainMessage[] } {
  const p = loggedPair();
  const flight4: PlainMessage[] = [];
  p.net.link(SERVER_ADDR, CLIENT_ADDR, {
    filter: (d) => {
      if (d.flight !== 4 || d.flightTransmission !== 0) return 'pass';
      flight4.push(...plainMessages(d.data));
      return { replace: [filterRecords(d.data, (r) => fragmentsOf(r).some((f) => f.msgType === HT.server_hello))!] };
    },
  });
  p.net.run({ until: () => p.client.conn.handshakeState === 'expectCertificate' });
  expect(p.client.conn.handshakeState).toBe('expectCertificate');
  skipServerSeqs(p, 200);
  return { p, flight4 };
}

describe('SM-13 HelloVerifyRequest after ServerHello', () => {
  it.each([['its own message_seq (0)', 0], ['the ServerHello\'s (1)', 1], ['the next expected (2)', 2], ['a later one (4)', 4]])(
    'SM-13 an HVR with %s is ignored: the client never restarts with a new cookie and completes', (_n, seq) => {
      const { p } = clientAfterServerHello();
      const cookies: string[] = [];
      p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) cookies.push(Buffer.from(h.hello.cookie).toString('hex')); return 'pass'; } });
      const hvr = handshakeRecord(HT.hello_verify_request, seq, concat([Uint8Array.of(0xfe, 0xff, 32), new Uint8Array(32).fill(0xcc)]), 150);
      injectTo(p, 'client', [hvr]);
      expect(completes(p)).toBe(true);
      expect(cookies.every((c) => c !== 'cc'.repeat(32))).toBe(true);
      expect(alertsOf(p.client.events, 'sent')).toEqual([]);
    });
});

describe('SM-14 a second ServerHello flight with a different cipher suite', () => {
  const other = (sh: ReturnType<typeof decodeSH>) => ({ ...sh, cipherSuite: sh.cipherSuite === 0xc02b ? 0xc02c : 0xc02b, random: new Uint8Array(32).fill(7) });

  it('SM-14 a new ServerHello in the next message slot gets a fatal unexpected_message', () => {
    const { p, flight4 } = clientAfterServerHello();
    const sh = flight4.find((m) => m.msgType === HT.server_hello)!;
    injectTo(p, 'client', [handshakeRecord(HT.server_hello, 2, encodeSH(other(decodeSH(sh.body))), 150)]);
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.alert).toBe('unexpected_message');
  });

  it('SM-14 a whole second flight 4 reusing the old message_seqs is ignored: the suite never changes and the handshake completes', () => {
    const p = loggedPair();
    let flight4: PlainMessage[] = [];
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.flight === 4 && flight4.length === 0) flight4 = plainMessages(d.data); return 'pass'; } });
    untilClientFlight5(p);
    const suite = machine12(p.client).negotiated!.suite.id;
    skipServerSeqs(p, 200);
    const again = flight4.map((m, i) => handshakeRecord(m.msgType, m.messageSeq, m.msgType === HT.server_hello ? encodeSH(other(decodeSH(m.body))) : m.body, 150 + i));
    injectTo(p, 'client', [concat(again)]);
    expect(machine12(p.client).negotiated!.suite.id).toBe(suite);
    expect(completes(p)).toBe(true);
    expect(machine12(p.client).negotiated!.suite.id).toBe(suite);
  });

  it('SM-14 a ServerHello after flight 4 in the next message slot gets a fatal unexpected_message', () => {
    const p = loggedPair();
    let flight4: PlainMessage[] = [];
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.flight === 4 && flight4.length === 0) flight4 = plainMessages(d.data); return 'pass'; } });
    untilClientFlight5(p);
    const sh = flight4.find((m) => m.msgType === HT.server_hello)!;
    injectTo(p, 'client', [handshakeRecord(HT.server_hello, 5, encodeSH(other(decodeSH(sh.body))), 150)]);
    expect(p.client.error?.alert).toBe('unexpected_message');
  });
});

describe('SM-15 missing, duplicated or reordered server messages', () => {
  type Edit = (m: { msgType: number; body: Uint8Array }[]) => { msgType: number; body: Uint8Array }[];
  const without = (t: number): Edit => (ms) => ms.filter((m) => m.msgType !== t);
  const twice = (t: number): Edit => (ms) => ms.flatMap((m) => (m.msgType === t ? [m, m] : [m]));
  const certReqFirst: Edit = (ms) => {
    const cr = ms.find((m) => m.msgType === HT.certificate_request)!;
    const rest = ms.filter((m) => m.msgType !== HT.certificate_request);
    return [rest[0]!, cr, ...rest.slice(1)];
  };
  const cases: [string, Edit, boolean][] = [
    ['ServerKeyExchange missing (ECDHE suite)', without(HT.server_key_exchange), false],
    ['ServerKeyExchange twice', twice(HT.server_key_exchange), false],
    ['Certificate twice', twice(HT.certificate), false],
    ['CertificateRequest twice', twice(HT.certificate_request), true],
    ['CertificateRequest before Certificate', certReqFirst, true],
  ];
  it.each(cases)('SM-15 %s: the client aborts with unexpected_message', (_n, edit, requestCert) => {
    const p = loggedPair({ server: requestCert ? { requestCert: true, ca: CA } : {} });
    rewriteFlight4(p, edit);
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('unexpected_message');
    expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: A.unexpected_message }]);
  });

  it('SM-15 ECDHE_PSK without its ServerKeyExchange: the client aborts with unexpected_message', () => {
    const p = loggedPair({ server: { ...pskServer, key: undefined, cert: undefined, ciphers: 'ECDHE-PSK-CHACHA20-POLY1305' }, client: { ...pskClient, ciphers: 'ECDHE-PSK-CHACHA20-POLY1305' } });
    rewriteFlight4(p, without(HT.server_key_exchange));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('unexpected_message');
  });
});

describe('SM-17 / S-43 renegotiation is refused', () => {
  function renegotiationHello(p: Pair, edit: (h: NonNullable<ReturnType<typeof clientHelloOf>>) => Uint8Array): Uint8Array {
    return conn12(p.client.conn).records.seal(CT.handshake, message(HT.client_hello, 4, edit(clientHelloOf(firstHello())!)))!;
  }
  const cases: [string, (h: NonNullable<ReturnType<typeof clientHelloOf>>) => Uint8Array][] = [
    ['without renegotiation_info', (h) => encodeHello({ ...h.hello, extensions: withExtension(h.hello.extensions, EXT.renegotiation_info, undefined) })],
    ['with a wrong verify_data in renegotiation_info', (h) => encodeHello({ ...h.hello, extensions: withExtension(h.hello.extensions, EXT.renegotiation_info, concat([Uint8Array.of(12), new Uint8Array(12).fill(1)])) })],
    ['with the SCSV (S-24: never valid in a renegotiation)', (h) => encodeHello({ ...h.hello, cipherSuites: [...h.hello.cipherSuites, EMPTY_RENEGOTIATION_INFO_SCSV] })],
  ];
  it.each(cases)('SM-17 an authenticated renegotiation ClientHello %s gets a no_renegotiation warning; nothing is renegotiated', (_n, edit) => {
    const p = establishedPair();
    const a = assocOf(p);
    injectTo(p, 'server', [renegotiationHello(p, edit)]);
    p.net.run({ maxTime: 100 });
    expect(alertsOf(a.conn.takeEvents(), 'sent').concat(alertsOf(p.client.events, 'received'))).toContainEqual({ level: 1, description: A.no_renegotiation });
    expect(p.server.endpoint.handshakeCount).toBe(0);
    expect(assocOf(p)).toBe(a);
    expect(echoes(p, 'still up')).toBe(true);
  });

  it('S-18 an epoch-0 ClientHello without a cookie on the established 5-tuple gets an HVR and tears nothing down', () => {
    const p = establishedPair();
    const a = assocOf(p);
    p.server.takeOutgoing();
    injectTo(p, 'server', [firstHello()]);
    const out = p.server.takeOutgoing();
    expect(out).toHaveLength(1);
    expect(plainMessages(out[0]!.data).map((m) => m.msgType)).toEqual([HT.hello_verify_request]);
    expect(assocOf(p)).toBe(a);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('S-18 a ClientHello on a 5-tuple that already has an association', () => {
  /** The client's second ClientHello (with its valid cookie), as it went out. */
  function capturedCookieHello(p: Pair): () => Uint8Array {
    let hello: Uint8Array | undefined;
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h && h.hello.cookie.length > 0) hello ??= d.data.slice(); return 'pass'; } });
    return () => hello!;
  }

  it('S-18 a late duplicate of the client\'s cookie ClientHello (network duplication, or a replay) does not tear down the established association', () => {
    const p = loggedPair();
    const hello = capturedCookieHello(p);
    expect(completes(p)).toBe(true);
    const a = assocOf(p);
    injectTo(p, 'server', [hello()]);
    p.net.run({ maxTime: 100 });
    expect(p.server.errors.map((e) => e.code)).toEqual([]);
    expect(p.server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port)).toBe(a);
    expect(echoes(p, 'still up')).toBe(true);
  });

  it('S-18 a late duplicate of the cookie ClientHello arriving after the server finished (its last flight lost) does not restart the handshake', () => {
    let dropped = false;
    const p = loggedPair({ serverToClient: { filter: (d) => (!dropped && d.records.some((r) => r.type === CT.ccs) ? ((dropped = true), 'drop') : 'pass') } });
    const hello = capturedCookieHello(p);
    p.net.run({ until: () => p.server.established > 0 });
    injectTo(p, 'server', [hello()]);
    expect(completes(p, 20_000)).toBe(true);
    expect(p.server.errors.map((e) => e.code)).toEqual([]);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('SM-18 / S-44 HelloRequest floods', () => {
  const HR = message(HT.hello_request, 0, new Uint8Array(0));
  const packed = (n: number) => concat(new Array(n).fill(HR));

  it('SM-18 1,000 HelloRequests (50 per record) during the handshake are ignored; the handshake completes', () => {
    const p = loggedPair();
    untilClientFlight5(p);
    skipServerSeqs(p, 100);
    expect(() => injectTo(p, 'client', Array.from({ length: 20 }, (_, i) => record(CT.handshake, 0, 10 + i, packed(50))))).not.toThrow();
    expect(completes(p)).toBe(true);
    expect(alertsOf(p.client.events, 'sent')).toEqual([]);
  });

  it('SM-18 1,000 authenticated HelloRequests after the handshake are ignored; the association stays up', () => {
    const p = establishedPair();
    const a = assocOf(p);
    const recs = Array.from({ length: 20 }, () => conn12(a.conn).records.seal(CT.handshake, packed(50))!);
    expect(() => injectTo(p, 'client', recs)).not.toThrow();
    expect(p.client.closed).toBe(false);
    expect(alertsOf(p.client.events, 'sent')).toEqual([]);
    expect(echoes(p, 'still up')).toBe(true);
  });

  it('SM-18 100,000 HelloRequests (1,365 per record) are drained iteratively: no RangeError, nothing sent back', () => {
    const p = establishedPair();
    const a = assocOf(p);
    const recs = Array.from({ length: 74 }, () => conn12(a.conn).records.seal(CT.handshake, packed(1365))!);
    const before = p.net.stats(CLIENT_ADDR, SERVER_ADDR).sent;
    expect(() => injectTo(p, 'client', recs)).not.toThrow();
    p.net.run({ maxTime: 100 });
    expect(p.net.stats(CLIENT_ADDR, SERVER_ADDR).sent).toBe(before);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('SM-19 malformed alerts', () => {
  const sealedBy = (p: Pair, side: 'client' | 'server', body: Uint8Array) =>
    (side === 'client' ? conn12(p.client.conn).records : conn12(assocOf(p).conn).records).seal(CT.alert, body)!;

  it.each([['a 1-byte alert', [Uint8Array.of(2)]], ['two alerts in one record', [Uint8Array.of(1, 90, 2, 40)]], ['a fragmented alert', [Uint8Array.of(2), Uint8Array.of(40)]]])(
    'SM-19 %s in epoch 1 is a fatal decode_error for the server (never reassembled into the alert)', (_n, bodies) => {
      const p = establishedPair();
      injectTo(p, 'server', bodies.map((b) => sealedBy(p, 'client', b)));
      p.net.run({ maxTime: 100 });
      expect(serverCloseAlert(p)).toBe('decode_error');
    });

  it.each([['a 1-byte alert', [Uint8Array.of(2)]], ['two alerts in one record', [Uint8Array.of(1, 90, 2, 40)]], ['a fragmented alert', [Uint8Array.of(2), Uint8Array.of(40)]]])(
    'SM-19 %s in epoch 1 is a fatal decode_error for the client', (_n, bodies) => {
      const p = establishedPair();
      injectTo(p, 'client', bodies.map((b) => sealedBy(p, 'server', b)));
      expect(p.client.error?.code).toBe('ERR_DTLS_BAD_ALERT');
      expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: A.decode_error }]);
    });

  it.each([['a 1-byte alert', [Uint8Array.of(2)]], ['two alerts in one record', [Uint8Array.of(1, 90, 2, 40)]], ['a fragmented alert', [Uint8Array.of(2), Uint8Array.of(40)]]])(
    'SM-19 %s in epoch 0 mid-handshake is dropped by both sides; the handshake completes', (_n, bodies) => {
      const p = loggedPair();
      untilServerHandshaking(p);
      injectTo(p, 'server', bodies.map((b, i) => record(CT.alert, 0, 30 + i, b)));
      injectTo(p, 'client', bodies.map((b, i) => record(CT.alert, 0, 30 + i, b)));
      skipServerSeqs(p, 100);
      expect(p.server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port)?.conn.drops['malformed alert']).toBe(bodies.length);
      expect(p.client.conn.drops['malformed alert']).toBe(bodies.length);
      expect(completes(p)).toBe(true);
    });

  it('SM-19 an unknown description: a warning is ignored (the association stays), a fatal one ends it', () => {
    const p = establishedPair();
    injectTo(p, 'server', [sealedBy(p, 'client', Uint8Array.of(1, 0xee))]);
    expect(p.server.endpoint.size).toBe(1);
    expect(echoes(p, 'still up')).toBe(true);
    injectTo(p, 'server', [sealedBy(p, 'client', Uint8Array.of(2, 0xee))]);
    expect(p.server.endpoint.size).toBe(0);
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
  });

  it('SM-19 an unknown alert level (3) is ignored, not taken as fatal', () => {
    const p = establishedPair();
    injectTo(p, 'server', [sealedBy(p, 'client', Uint8Array.of(3, 40))]);
    expect(p.server.endpoint.size).toBe(1);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('SM-20 input after the peer\'s fatal alert or close_notify', () => {
  it.each([['close_notify', Uint8Array.of(1, 0)], ['a fatal alert', Uint8Array.of(2, 40)]])(
    'SM-20 after the client\'s %s, its ApplicationData and handshake records find no association and are never delivered', (_n, alert) => {
      const p = establishedPair();
      const recs = [
        conn12(p.client.conn).records.seal(CT.alert, alert)!,
        conn12(p.client.conn).records.seal(CT.appData, te.encode('after close'))!,
        conn12(p.client.conn).records.seal(CT.handshake, message(HT.client_hello, 4, encodeHello(clientHelloOf(firstHello())!.hello)))!,
      ];
      injectTo(p, 'server', [recs[0]!]);
      expect(p.server.endpoint.size).toBe(0);
      p.server.takeOutgoing();
      injectTo(p, 'server', recs.slice(1));
      expect(p.server.takeOutgoing()).toEqual([]);
      expect(p.server.received.size).toBe(0);
      expect(p.server.events.filter((e) => e.type === 'data')).toEqual([]);
    });

  it.each([['close_notify', Uint8Array.of(1, 0)], ['a fatal alert', Uint8Array.of(2, 40)]])(
    'SM-20 after the server\'s %s the client ignores everything that follows', (_n, alert) => {
      const p = establishedPair();
      const a = assocOf(p);
      const recs = [conn12(a.conn).records.seal(CT.alert, alert)!, conn12(a.conn).records.seal(CT.appData, te.encode('after close'))!,
        conn12(a.conn).records.seal(CT.handshake, message(HT.hello_request, 0, new Uint8Array(0)))!];
      injectTo(p, 'client', [recs[0]!]);
      expect(p.client.closed).toBe(true);
      const events = p.client.events.length;
      p.client.takeOutgoing();
      injectTo(p, 'client', recs.slice(1));
      expect(p.client.received).toEqual([]);
      expect(p.client.events.length).toBe(events);
      expect(p.client.takeOutgoing()).toEqual([]);
    });
});

describe('SM-23 / S-46 extended master secret and resumption', () => {
  const ticketKey = new Uint8Array(48).fill(0x42);
  function firstSession(net: VirtualNetwork, server: DtlsServerNode) {
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost' }, SERVER_ADDR, net.now);
    net.attach({ address: CLIENT_ADDR.address, port: 5001 }, c, { role: 'client' });
    net.run({ until: () => c.established, maxTime: 10_000 });
    expect(c.established).toBe(true);
    expect(machine12(c).session!.extendedMasterSecret).toBe(true);
    return machine12(c).session!;
  }
  function setup() {
    const net = new VirtualNetwork({ seed: 23, log: true });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), ticketKeys: ticketKey });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    return { net, server };
  }
  it('SM-23 an EMS session resumed by a ClientHello without EMS gets a full handshake from the server', () => {
    const { net, server } = setup();
    const s = firstSession(net, server);
    const addr = { address: CLIENT_ADDR.address, port: 5002 };
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', handshakeTimeout: 5_000, session: encodeClientSession(s) }, SERVER_ADDR, net.now);
    let answer: number[] = [];
    net.link(addr, SERVER_ADDR, { filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, extensions: withExtension(h.extensions, EXT.extended_master_secret, undefined) }))] } : 'pass') });
    net.link(SERVER_ADDR, addr, { filter: (d) => { const t = plainMessages(d.data).map((m) => m.msgType); if (t.includes(HT.server_hello) && answer.length === 0) answer = t; return 'pass'; } });
    net.attach(addr, c, { role: 'client' });
    net.run({ until: () => c.closed || c.established, maxTime: 10_000 });
    // A full flight 4 (with Certificate), not the abbreviated one: the session was not resumed.
    expect(answer).toContain(HT.certificate);
    expect(machine12(c).negotiated?.resumed).toBe(false);
  });

  it('SM-23 a non-EMS session (in a ticket) offered with an EMS ClientHello gets a full handshake, which completes', () => {
    const { net, server } = setup();
    const s = firstSession(net, server);
    const ticket = new TicketKeys(nodeProvider, [ticketKey], 300).seal({ ...s, extendedMasterSecret: false });
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session: encodeClientSession({ ...s, extendedMasterSecret: false, ticket, sessionId: new Uint8Array(0) }) }, SERVER_ADDR, net.now);
    net.attach({ address: CLIENT_ADDR.address, port: 5003 }, c, { role: 'client' });
    net.run({ until: () => c.established || c.closed, maxTime: 10_000 });
    expect(c.established).toBe(true);
    expect(machine12(c).negotiated?.resumed).toBe(false);
    expect(machine12(c).negotiated?.extendedMasterSecret).toBe(true);
  });

  it('SM-23 the client aborts when a resuming ServerHello drops EMS', () => {
    const { net, server } = setup();
    const s = firstSession(net, server);
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session: encodeClientSession(s) }, SERVER_ADDR, net.now);
    const addr = { address: CLIENT_ADDR.address, port: 5004 };
    net.link(SERVER_ADDR, addr, {
      filter: (d) => (d.data.length > 0 && plainMessages(d.data).some((m) => m.msgType === HT.server_hello)
        ? { replace: [rewriteFlight(d.data, editSH((sh) => ({ ...sh, extensions: withExtension(sh.extensions, EXT.extended_master_secret, undefined) })))] } : 'pass'),
    });
    net.attach(addr, c, { role: 'client' });
    net.run({ until: () => c.established || c.closed, maxTime: 10_000 });
    expect(c.established).toBe(false);
    expect(c.error?.code).toBe('ERR_DTLS_EMS_MISMATCH');
    expect(c.error?.alert).toBe('handshake_failure');
  });

  it('SM-23 the client aborts when it holds a non-EMS session and the server resumes it with EMS', () => {
    const { net, server } = setup();
    const s = firstSession(net, server);
    const c = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', session: encodeClientSession({ ...s, extendedMasterSecret: false }) }, SERVER_ADDR, net.now);
    net.attach({ address: CLIENT_ADDR.address, port: 5005 }, c, { role: 'client' });
    net.run({ until: () => c.established || c.closed, maxTime: 10_000 });
    expect(c.established).toBe(false);
    expect(c.error?.code).toBe('ERR_DTLS_EMS_MISMATCH');
  });
});

describe('SM-24 renegotiation_info on an initial handshake', () => {
  it('SM-24 a non-empty renegotiation_info in the initial ClientHello gets a fatal handshake_failure', () => {
    const p = loggedPair();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, extensions: withExtension(h.extensions, EXT.renegotiation_info, concat([Uint8Array.of(12), new Uint8Array(12).fill(5)])) }))] } : 'pass'),
    });
    expect(completes(p)).toBe(false);
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_RENEGOTIATION');
    expect(p.server.errors[0]?.alert).toBe('handshake_failure');
    expect(alertsOf(p.client.events, 'received')).toEqual([{ level: 2, description: A.handshake_failure }]);
  });

  it('SM-24 a non-empty renegotiation_info in the ServerHello makes the client abort with handshake_failure', () => {
    const p = loggedPair();
    rewriteFlight4(p, editSH((sh) => ({ ...sh, extensions: withExtension(sh.extensions, EXT.renegotiation_info, concat([Uint8Array.of(24), new Uint8Array(24).fill(5)])) })));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.code).toBe('ERR_DTLS_RENEGOTIATION');
    expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: A.handshake_failure }]);
  });
});

describe('SM-26 malformed ClientHellos', () => {
  const base = clientHelloOf(firstHello())!.hello;
  const body = encodeHello(base);
  // Offsets in the body: version(2) random(32) session_id(1+0) cookie(1+0) cipher_suites(2+n) ...
  const csAt = 2 + 32 + 1 + 1;
  const csLen = (body[csAt]! << 8) | body[csAt + 1]!;
  const compAt = csAt + 2 + csLen;
  const extAt = compAt + 1 + body[compAt]!;
  const patch = (at: number, bytes: number[], cut?: number) => { const b = Uint8Array.from(body.subarray(0, cut ?? body.length)); b.set(bytes, at); return b; };
  const ext = (...e: number[][]) => { const x = concat(e.map((v) => Uint8Array.from(v))); return concat([body.subarray(0, extAt), Uint8Array.of(x.length >> 8, x.length & 0xff), x]); };

  const malformed: [string, Uint8Array][] = [
    ['odd-length cipher_suites', patch(csAt, [(csLen - 1) >> 8, (csLen - 1) & 0xff])],
    ['a 33-byte session_id', concat([body.subarray(0, 34), Uint8Array.of(33), new Uint8Array(33), body.subarray(35)])],
    ['a cookie length one byte past the end', concat([body.subarray(0, 35), Uint8Array.of(body.length - 35), body.subarray(36)])],
    ['a cookie length of 255 with 32 bytes left', concat([body.subarray(0, 35), Uint8Array.of(255), new Uint8Array(32)])],
    ['duplicate extensions', ext([0, 0x17, 0, 0], [0, 0x17, 0, 0])],
    ['an extension length overflowing the block', ext([0, 0x17, 0, 0], [0, 0x0a, 0, 9, 0])],
    ['a truncated body', body.subarray(0, 50)],
  ];
  const asRecord = (b: Uint8Array, o: { offset?: number; length?: number } = {}) => record(CT.handshake, 0, 0, fragment(HT.client_hello, 0, b, o), DTLS10);

  it.each(malformed)('SM-26 the endpoint drops a ClientHello with %s before any state, and sends nothing', (_n, b) => {
    const s = freshServer();
    expect(() => s.receive(asRecord(b), CLIENT_ADDR, 0)).not.toThrow();
    expect(s.endpoint.size).toBe(0);
    expect(s.takeOutgoing()).toEqual([]);
    expect(dropsOf(s.events)).toEqual([expect.stringMatching(/^malformed ClientHello/)]);
  });

  it('SM-26 the endpoint drops a ClientHello in a truncated record, and one with a non-zero fragment offset', () => {
    const s = freshServer();
    const whole = asRecord(body);
    s.receive(whole.subarray(0, whole.length - 1), CLIENT_ADDR, 0);
    s.receive(asRecord(body.subarray(10), { offset: 10, length: body.length }), CLIENT_ADDR, 0);
    expect(s.endpoint.size).toBe(0);
    expect(s.takeOutgoing()).toEqual([]);
  });

  it.each(malformed)('SM-26 a bare server connection answers a ClientHello with %s with decode_error, without throwing', (_n, b) => {
    const { node, feed } = bareServer();
    feed([asRecord(b)]);
    expect(node.conn!.closeError?.alert).toBe('decode_error');
  });

  it('SM-26 a ClientHello without null compression passes the cookie exchange, then gets illegal_parameter', () => {
    const p = loggedPair();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, compressionMethods: [1] }))] } : 'pass') });
    expect(completes(p)).toBe(false);
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_NO_NULL_COMPRESSION');
    expect(p.server.errors[0]?.alert).toBe('illegal_parameter');
    expect(p.server.endpoint.size).toBe(0);
  });

  it('SM-26 random corruption of a ClientHello body never throws and never leaves state without a cookie', () => {
    const s = freshServer();
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8);
    for (let i = 0; i < 2_000; i++) {
      const b = Uint8Array.from(body.subarray(0, rnd() % (body.length + 1)));
      for (let k = 0; k < 3 && b.length > 0; k++) b[rnd() % b.length] = rnd() & 0xff;
      expect(() => s.receive(asRecord(b), { address: '10.3.0.1', port: 1 + (i % 60000) }, i)).not.toThrow();
    }
    expect(s.endpoint.size).toBe(0);
    expect(dropsOf(s.events).filter((r) => r.startsWith('internal'))).toEqual([]);
  });
});

describe('SM-27 malformed server messages at the client', () => {
  it.each([['to 10 bytes', 10], ['inside the random', 20], ['inside the extensions', -3]])('SM-27 a ServerHello truncated %s gets a decode_error alert', (_n, cut) => {
    const p = loggedPair();
    rewriteFlight4(p, (ms) => ms.map((m) => (m.msgType === HT.server_hello ? { ...m, body: m.body.subarray(0, cut < 0 ? m.body.length + cut : cut) } : m)));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('decode_error');
    expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: A.decode_error }]);
  });

  it.each([['a 1-byte body', Uint8Array.of(0xfe)], ['a cookie length past the end', Uint8Array.of(0xfe, 0xff, 33, ...new Array(32).fill(1))], ['an empty body', new Uint8Array(0)]])(
    'SM-27 a HelloVerifyRequest with %s gets a decode_error alert, no throw', (_n, hvrBody) => {
      const p = loggedPair();
      p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => (d.flight === 2 ? { replace: [rewriteFlight(d.data, () => [{ msgType: HT.hello_verify_request, body: hvrBody }])] } : 'pass') });
      expect(completes(p)).toBe(false);
      expect(p.client.error?.alert).toBe('decode_error');
    });

  const psk = { server: { ...pskServer, key: undefined, cert: undefined, ciphers: 'ECDHE-PSK-CHACHA20-POLY1305' }, client: { ...pskClient, ciphers: 'ECDHE-PSK-CHACHA20-POLY1305' } };
  const skeEdits: [string, (b: Uint8Array) => Uint8Array][] = [
    ['a hint length that swallows the parameters', (b) => { const c = Uint8Array.from(b); c[0] = 0; c[1] = b.length - 2; return c; }],
    ['a hint length past the end', (b) => { const c = Uint8Array.from(b); c[0] = 0xff; c[1] = 0xff; return c; }],
    ['an ECPoint length past the end', (b) => { const c = Uint8Array.from(b); c[c.length - 33] = 0xff; return c; }],
    ['a zero-length ECPoint', (b) => concat([b.subarray(0, b.length - 33), Uint8Array.of(0)])],
    ['trailing bytes', (b) => concat([b, Uint8Array.of(0)])],
  ];
  it.each(skeEdits)('SM-27 an ECDHE_PSK ServerKeyExchange with %s gets a decode_error alert, no throw', (_n, edit) => {
    const p = loggedPair(psk);
    rewriteFlight4(p, (ms) => ms.map((m) => (m.msgType === HT.server_key_exchange ? { ...m, body: edit(m.body) } : m)));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('decode_error');
  });
});
