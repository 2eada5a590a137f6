/**
 * ROBUSTNESS.md §2, network faults (NET-01, NET-02, NET-05, NET-06, NET-10)
 * on the virtual-clock network. NET-04/08/09 are in
 * test/handshake/in-memory.test.ts; the 1,000-seed loss measurement of
 * NET-01 is loss.test.ts / test/slow/loss.test.ts. Every run is seeded and
 * deterministic; a failing case logs its seed.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { type Impairments, type NetAddress, VirtualNetwork } from '../../src/testing/network.js';
import type { ServerOptions } from '../../src/options.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { type Pair, assocOf, clientCert, flushServer, internals, loggedPair, memoChainClient, pskClient, pskServer } from './helpers/peers.js';
import { CT, HT, concat, fragmentsOf, recordsOf, te, text } from './helpers/wire.js';
import type { DtlsRecord } from '../../src/record/record.js';
import { machine12 } from '../helpers/v12.js';

const CA = pki('ca-bundle.pem');
const TICKET_KEYS = new Uint8Array(48).fill(0x77);

interface Config {
  readonly name: string;
  readonly server: ServerOptions;
  readonly client: Record<string, unknown>;
}
const ECDHE: Config = { name: 'ECDHE-ECDSA', server: { ...serverIdentity('ecdsa-p256'), ticketKeys: TICKET_KEYS }, client: { ca: CA, servername: 'localhost' } };
const CLIENT_AUTH: Config = {
  name: 'ECDHE-ECDSA + client auth', server: { ...serverIdentity('ecdsa-p256'), requestCert: true, rejectUnauthorized: true, ca: CA, ticketKeys: TICKET_KEYS },
  client: { ca: CA, servername: 'localhost', ...clientCert },
};
const PSK: Config = { name: 'PSK', server: { ...pskServer, ticketKeys: TICKET_KEYS }, client: { ...pskClient } };
const MTU100: Config = { name: 'ECDHE-ECDSA at MTU 100', server: { ...serverIdentity('ecdsa-p256'), mtu: 100 }, client: { ca: CA, servername: 'localhost', mtu: 100 } };

/** A session from a loss-free full handshake with `cfg` (the fixed ticket keys make any server of it accept it). */
function sessionFor(cfg: Config): Uint8Array {
  const net = new VirtualNetwork({ seed: 1 });
  const server = new DtlsServerNode(cfg.server);
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ...cfg.client }, SERVER_ADDR, net.now);
  net.attach(SERVER_ADDR, server, { role: 'server' });
  net.attach(CLIENT_ADDR, client, { role: 'client' });
  net.run({ until: () => client.established, maxTime: 10_000 });
  expect(client.established).toBe(true);
  return encodeClientSession(machine12(client).session!);
}

interface Run {
  net: VirtualNetwork;
  server: DtlsServerNode;
  client: DtlsClientNode;
}
function start(cfg: Config, o: { seed: number; impairments?: Impairments; session?: Uint8Array; c2s?: Impairments; s2c?: Impairments; timeout?: number; machine?: ReturnType<typeof memoChainClient> }): Run {
  const net = new VirtualNetwork({ seed: o.seed, ...(o.impairments && { impairments: o.impairments }) });
  const timeout = o.timeout ?? 60_000;
  const server = new DtlsServerNode({ ...cfg.server, handshakeTimeout: timeout });
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ...cfg.client, handshakeTimeout: timeout, ...(o.session && { session: o.session }) }, SERVER_ADDR, net.now, o.machine);
  if (o.c2s) net.link(CLIENT_ADDR, SERVER_ADDR, o.c2s);
  if (o.s2c) net.link(SERVER_ADDR, CLIENT_ADDR, o.s2c);
  net.attach(SERVER_ADDR, server, { role: 'server' });
  net.attach(CLIENT_ADDR, client, { role: 'client' });
  return { net, server, client };
}
function handshake(r: Run, maxTime = 65_000): boolean {
  r.net.run({ until: () => (r.client.established && r.server.established > 0) || r.client.closed, maxTime });
  return r.client.established && r.server.established > 0;
}
/** The client sends until its echo comes back (the application's own retry under loss). */
function exchange(r: Run, msg: string, maxTime = 30_000): boolean {
  const deadline = r.net.now + maxTime;
  while (r.net.now < deadline && !r.client.closed) {
    r.client.send(te.encode(msg), r.net.now);
    r.net.run({ until: () => r.client.received.some((m) => text(m) === msg), maxTime: 1_000 });
    if (r.client.received.some((m) => text(m) === msg)) return true;
  }
  return false;
}

describe('NET-01 random loss in both directions (a few seeds per point; the 1,000-seed measurement is loss.test.ts)', () => {
  const SEEDS = 8;
  // [loss, minimum completions out of SEEDS within 60 s]: section 4 asks 100% at 10%, ≥ 95% at 30%, and reports 50%.
  const points: [number, number][] = [[0, 8], [0.1, 8], [0.2, 7], [0.3, 6], [0.5, 1]];

  it.each([ECDHE, CLIENT_AUTH, PSK, MTU100].map((c) => ({ name: c.name, cfg: c })))('NET-01 $name: completion within 60 s at 0/10/20/30/50% loss', ({ cfg }) => {
    const machine = 'ca' in cfg.client ? memoChainClient() : undefined;
    const rows: string[] = [];
    const short: string[] = [];
    for (const [loss, min] of points) {
      let done = 0;
      const failures: string[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = start(cfg, { seed: seed * 101 + loss * 1000, impairments: { drop: loss }, ...(machine && { machine }) });
        if (handshake(r)) done++;
        else failures.push(`seed ${seed * 101 + loss * 1000}: ${r.client.error?.code ?? 'no error'}`);
        // A failure is always a typed timeout, never something else.
        if (!r.client.established) expect(r.client.error?.code ?? 'ERR_DTLS_HANDSHAKE_TIMEOUT').toMatch(/^ERR_DTLS_(HANDSHAKE_TIMEOUT|ALERT_RECEIVED)$/);
      }
      rows.push(`${loss * 100}%: ${done}/${SEEDS}`);
      if (done < min) short.push(`${loss * 100}% loss: ${done}/${SEEDS} < ${min} (${failures.join('; ')})`);
    }
    onTestFailed(() => console.log(`NET-01 ${cfg.name}: ${rows.join(', ')}`));
    expect(short).toEqual([]);
  });
});

/** Record drops by index (in send order, per direction): the filter removes matching records from each datagram. */
function dropRecords(pred: (r: DtlsRecord, k: number) => boolean): Impairments {
  let k = 0;
  return {
    filter: (d) => {
      const recs = recordsOf(d.data);
      const keep = recs.filter((r) => !pred(r, k++));
      if (keep.length === recs.length) return 'pass';
      return keep.length === 0 ? 'drop' : { replace: [concat(keep.map((r) => r.raw))] };
    },
  };
}
/** Names of the records a loss-free handshake sends, per direction, in order. */
function recordNames(cfg: Config, session?: Uint8Array): { c2s: string[]; s2c: string[] } {
  const c2s: string[] = [], s2c: string[] = [];
  const name = (r: DtlsRecord) => (r.type === CT.handshake && r.epoch === 0 ? fragmentsOf(r).map((f) => f.msgType).join('+') : `${r.type}/e${r.epoch}`);
  const r = start(cfg, { seed: 2, ...(session && { session }), c2s: dropRecords((rec) => (c2s.push(name(rec)), false)), s2c: dropRecords((rec) => (s2c.push(name(rec)), false)) });
  expect(handshake(r)).toBe(true);
  return { c2s, s2c };
}

describe('NET-02 drop each handshake record once (every index, both epochs, full and resumed)', () => {
  const RSA_AUTH: Config = {
    name: 'ECDHE-RSA + client auth at MTU 500', server: { ...serverIdentity('rsa2048'), mtu: 500, requestCert: true, rejectUnauthorized: true, ca: CA, ticketKeys: TICKET_KEYS },
    client: { ca: CA, servername: 'localhost', ...clientCert, mtu: 500 },
  };
  const cases: { label: string; cfg: Config; resumed: boolean }[] = [
    { label: 'full ECDHE-ECDSA', cfg: ECDHE, resumed: false },
    { label: 'resumed ECDHE-ECDSA', cfg: ECDHE, resumed: true },
    { label: 'full PSK', cfg: PSK, resumed: false },
    { label: 'full ECDHE-RSA + client auth at MTU 500', cfg: RSA_AUTH, resumed: false },
  ];

  it.each(cases)('NET-02 $label completes whichever single record is dropped, in either direction', ({ cfg, resumed }) => {
    const session = resumed ? sessionFor(cfg) : undefined;
    const names = recordNames(cfg, session);
    expect(names.c2s.length + names.s2c.length).toBeGreaterThanOrEqual(resumed ? 8 : 10);
    if (session) {
      // The resumed handshake really is abbreviated: no Certificate.
      expect(names.s2c.join(' ')).not.toContain(String(HT.certificate));
    }
    const failures: string[] = [];
    for (const dir of ['c2s', 's2c'] as const) {
      for (let i = 0; i < names[dir].length; i++) {
        const drop = dropRecords((_r, k) => k === i);
        const r = start(cfg, { seed: 3, ...(session && { session }), ...(dir === 'c2s' ? { c2s: drop } : { s2c: drop }), timeout: 30_000 });
        if (!handshake(r, 31_000)) failures.push(`${dir} record #${i} (${names[dir][i]}): ${r.client.error?.code}`);
        else if (resumed && !machine12(r.client).negotiated?.resumed) failures.push(`${dir} record #${i}: not resumed`);
      }
    }
    expect(failures).toEqual([]);
  });

  const named: [string, 'c2s' | 's2c', (r: DtlsRecord) => boolean][] = [
    ['ClientHello', 'c2s', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.client_hello)],
    ['HelloVerifyRequest', 's2c', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.hello_verify_request)],
    ['ServerHello', 's2c', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.server_hello)],
    ['Certificate', 's2c', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.certificate)],
    ['ServerKeyExchange', 's2c', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.server_key_exchange)],
    ['ServerHelloDone', 's2c', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.server_hello_done)],
    ['ClientKeyExchange', 'c2s', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.client_key_exchange)],
    ['the client ChangeCipherSpec', 'c2s', (r) => r.type === CT.ccs],
    ['the client Finished', 'c2s', (r) => r.type === CT.handshake && r.epoch === 1],
    ['NewSessionTicket', 's2c', (r) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === HT.new_session_ticket)],
    ['the server ChangeCipherSpec', 's2c', (r) => r.type === CT.ccs],
    ['the server Finished', 's2c', (r) => r.type === CT.handshake && r.epoch === 1],
  ];
  it.each(named.map(([name, dir, pred]) => ({ name, dir, pred })))('NET-02 dropping $name three times still completes', ({ dir, pred }) => {
    let n = 0;
    const drop = dropRecords((r) => pred(r) && n++ < 3);
    const r = start(ECDHE, { seed: 4, ...(dir === 'c2s' ? { c2s: drop } : { s2c: drop }), timeout: 30_000 });
    expect(handshake(r, 31_000)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(3);
  });
});

describe('NET-05 "3d": drop, delay and duplicate each 1 in 5', () => {
  const threeD: Impairments = { drop: 0.2, duplicate: 0.2, reorder: 0.2, reorderDelay: 50, delay: { min: 1, max: 20 } };
  const configs: { name: string; cfg: Config; resume: boolean }[] = [
    { name: 'PSK', cfg: PSK, resume: false },
    { name: 'ECDHE-ECDSA', cfg: ECDHE, resume: false },
    { name: 'ECDHE-ECDSA + client auth', cfg: CLIENT_AUTH, resume: false },
    { name: 'resumption', cfg: ECDHE, resume: true },
  ];
  const SEEDS = 50;

  it.each(configs)(`NET-05 $name: ${SEEDS} seeds all complete and exchange data`, ({ cfg, resume }) => {
    const session = resume ? sessionFor(cfg) : undefined;
    const machine = 'ca' in cfg.client ? memoChainClient() : undefined;
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = start(cfg, { seed: 5000 + seed, impairments: threeD, ...(session && { session }), ...(machine && { machine }) });
      if (!handshake(r)) failures.push(`seed ${5000 + seed}: no handshake (${r.client.error?.code})`);
      else if (resume && !machine12(r.client).negotiated?.resumed) failures.push(`seed ${5000 + seed}: not resumed`);
      else if (!exchange(r, `seed ${seed}`)) failures.push(`seed ${5000 + seed}: no data`);
      else {
        const c = [...r.server.endpoint.associations()][0]!.conn;
        expect(internals(c).futureRecords).toHaveLength(0);
      }
    }
    expect(failures).toEqual([]);
  });
});

/**
 * Hold one record (the first transmission of it) back by `ms`: it is taken
 * out of its datagram and delivered on its own later.
 */
function delayRecord(net: () => VirtualNetwork, from: NetAddress, to: NetAddress, pred: (r: DtlsRecord) => boolean, ms = 50): Impairments {
  let done = false;
  return {
    filter: (d) => {
      if (done) return 'pass';
      const recs = recordsOf(d.data);
      const hit = recs.find(pred);
      if (!hit) return 'pass';
      done = true;
      net().inject(from, to, hit.raw, d.time + ms);
      const rest = recs.filter((r) => r !== hit);
      return rest.length === 0 ? 'drop' : { replace: [concat(rest.map((r) => r.raw))] };
    },
  };
}

describe('NET-06 a delayed ChangeCipherSpec or handshake message is buffered', () => {
  const isType = (t: number) => (r: DtlsRecord) => r.type === CT.handshake && r.epoch === 0 && fragmentsOf(r).some((f) => f.msgType === t);
  const cases: { what: string; dir: 'c2s' | 's2c'; pred: (r: DtlsRecord) => boolean; resumed?: boolean; noRetransmission: boolean }[] = [
    { what: 'the client\'s CCS', dir: 'c2s', pred: (r) => r.type === CT.ccs, noRetransmission: true },
    { what: 'the server\'s CCS', dir: 's2c', pred: (r) => r.type === CT.ccs, noRetransmission: true },
    { what: 'the ServerHello', dir: 's2c', pred: isType(HT.server_hello), noRetransmission: true },
    { what: 'the Certificate', dir: 's2c', pred: isType(HT.certificate), noRetransmission: true },
    { what: 'the ServerKeyExchange', dir: 's2c', pred: isType(HT.server_key_exchange), noRetransmission: true },
    // The CCS then arrives before the ClientKeyExchange it depends on (S-35) and is dropped: the client's retransmission completes it.
    { what: 'the ClientKeyExchange', dir: 'c2s', pred: isType(HT.client_key_exchange), noRetransmission: false },
    { what: 'the server\'s CCS in a resumed handshake', dir: 's2c', pred: (r) => r.type === CT.ccs, resumed: true, noRetransmission: true },
    { what: 'the client\'s CCS in a resumed handshake', dir: 'c2s', pred: (r) => r.type === CT.ccs, resumed: true, noRetransmission: true },
  ];
  const session = sessionFor(ECDHE);

  it.each(cases)('NET-06 $what delayed by 50 ms: the handshake completes', ({ dir, pred, resumed, noRetransmission }) => {
    let run: Run | undefined;
    const d = dir === 'c2s' ? delayRecord(() => run!.net, CLIENT_ADDR, SERVER_ADDR, pred) : delayRecord(() => run!.net, SERVER_ADDR, CLIENT_ADDR, pred);
    run = start(ECDHE, { seed: 6, ...(resumed && { session }), ...(dir === 'c2s' ? { c2s: d } : { s2c: d }), timeout: 30_000 });
    expect(handshake(run, 31_000)).toBe(true);
    if (resumed) expect(machine12(run.client).negotiated?.resumed).toBe(true);
    if (noRetransmission) expect(run.net.now).toBeLessThan(1_000);
    else expect(run.net.now).toBeLessThan(3_000);
  });
});

describe('NET-10 the server\'s last flight is lost while its ApplicationData arrives', () => {
  function run(o: { duplicate?: boolean } = {}): Pair {
    let dropped = false;
    const p = loggedPair({
      serverToClient: {
        filter: (d) => (!dropped && d.records.some((r) => r.type === CT.ccs) ? ((dropped = true), 'drop') : 'pass'),
        ...(o.duplicate && { duplicate: 1 }),
      },
    });
    p.net.run({ until: () => p.server.established > 0, maxTime: 5_000 });
    expect(dropped).toBe(true);
    expect(p.client.established).toBe(false);
    p.server.endpoint.send(assocOf(p), te.encode('early from the server'), p.net.now);
    flushServer(p.server);
    p.net.run({ until: () => p.client.established, maxTime: 10_000 });
    p.net.run({ maxTime: 200 });
    return p;
  }

  it('NET-10 no fatal error; the client completes after the retransmission and gets the data exactly once', () => {
    const p = run();
    expect(p.client.established).toBe(true);
    expect(p.client.error).toBeUndefined();
    expect(p.client.received.map(text)).toEqual(['early from the server']);
    const kinds = p.client.events.filter((e) => e.type === 'secure' || e.type === 'data').map((e) => e.type);
    expect(kinds).toEqual(['secure', 'data']);
  });

  it('NET-10 with every datagram duplicated, the data is still delivered once', () => {
    const p = run({ duplicate: true });
    expect(p.client.established).toBe(true);
    expect(p.client.received.map(text)).toEqual(['early from the server']);
  });
});
