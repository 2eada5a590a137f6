/**
 * PSK robustness (CRY-06) and asynchronous PSK callbacks.
 *
 * - In memory: an unknown identity and a wrong key must look the same; odd
 *   identity and hint sizes fail cleanly with typed errors.
 * - Real UDP sockets on 127.0.0.1: pskCallback that resolves late, rejects or
 *   throws; a client psk callback returning a Promise.
 */
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { type ClientConnection, type ConnectOptions, DtlsError, connectAsync } from '../../src/index.js';
import type { CommonOptions, ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR } from '../helpers/net.js';
import { PSK_IDENTITY, PSK_KEY, type PskServer, echoOnce, knownPsk, startPskServer, ticks } from '../suites/psk-helpers.js';

const SUITE = 'PSK-AES128-CCM8';

/** Client options; the handshake size limits are read by the client too (resolveSettings), though ConnectOptions does not declare them. */
type ClientOptions = CommonOptions & { psk?: unknown; maxHandshakeMessageSize?: number; maxHandshakeBytes?: number };

interface Outcome {
  server: DtlsServerNode;
  client: DtlsClientNode;
  net: VirtualNetwork;
  /** What the server sent: [virtual time, size] per datagram. */
  serverWire: [number, number][];
  /** Alerts each side sent or received. */
  alerts: { side: 'client' | 'server'; direction: string; level: number; description: number }[];
}

/** Run a PSK handshake in memory until both sides settled (established, or failed). */
function runPsk(serverOptions: Partial<ServerOptions>, clientOptions: ClientOptions, maxTime = 120_000): Outcome {
  const net = new VirtualNetwork({ seed: 11, log: true });
  const server = new DtlsServerNode({ pskCallback: knownPsk, ciphers: SUITE, ...serverOptions } as ServerOptions);
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ciphers: SUITE, psk: { identity: PSK_IDENTITY, key: PSK_KEY }, ...clientOptions } as CommonOptions, SERVER_ADDR, net.now);
  const serverWire: [number, number][] = [];
  net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (dg) => { serverWire.push([dg.time, dg.data.length]); return 'pass'; } });
  net.attach(SERVER_ADDR, server, { role: 'server', name: 'server' });
  net.attach(CLIENT_ADDR, client, { role: 'client', name: 'client' });
  onTestFailed(() => console.log(`${net}\n${net.formatLog({ last: 40 })}`));
  net.run({
    until: () => (client.established && server.established > 0) || (client.closed && (server.errors.length > 0 || server.established > 0)),
    maxTime,
  });
  const alerts: Outcome['alerts'] = [];
  for (const e of client.events) if (e.type === 'alert') alerts.push({ side: 'client', direction: e.direction, level: e.level, description: e.description });
  return { server, client, net, serverWire, alerts };
}

describe('CRY-06: an unknown PSK identity and a wrong PSK are indistinguishable to the client', () => {
  const unknownIdentity = () => runPsk({}, { psk: { identity: 'Unknown_identity', key: PSK_KEY } });
  const wrongKey = () => runPsk({}, { psk: { identity: PSK_IDENTITY, key: Buffer.alloc(16, 0x5a) } });

  it('both fail: no association is established, the client and the server end with typed errors', () => {
    for (const o of [unknownIdentity(), wrongKey()]) {
      expect(o.client.established).toBe(false);
      expect(o.server.established).toBe(0);
      expect(o.client.error).toBeInstanceOf(DtlsError);
      expect(o.client.error!.code).toMatch(/^ERR_DTLS_/);
      expect(o.server.errors).toHaveLength(1);
      expect(o.server.errors[0]).toBeInstanceOf(DtlsError);
      expect(o.server.errors[0]!.code).toMatch(/^ERR_DTLS_/);
    }
  });

  it('both give the same client error, the same server error code, the same alerts, at the same times, with the same datagrams', () => {
    const a = unknownIdentity();
    const b = wrongKey();
    expect(a.client.error?.code).toBe(b.client.error?.code);
    expect(a.client.error?.alert).toBe(b.client.error?.alert);
    expect(a.server.errors.map((e) => [e.code, e.alert])).toEqual(b.server.errors.map((e) => [e.code, e.alert]));
    expect(a.alerts).toEqual(b.alerts);
    expect(a.net.now).toBe(b.net.now);
    expect(a.serverWire).toEqual(b.serverWire);
    // Never the alert that tells the identity does not exist.
    expect(a.alerts.map((x) => x.description)).not.toContain(115);
  });

  it('the client receives a fatal decrypt_error alert, for an unknown identity as for a wrong key (RFC 4279 §2/§5)', () => {
    for (const o of [unknownIdentity(), wrongKey()]) {
      expect(o.alerts, 'alerts seen by the client').toContainEqual({ side: 'client', direction: 'received', level: 2, description: 51 });
      expect(o.client.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
      expect(o.client.error?.alert).toBe('decrypt_error');
      expect(o.server.errors[0]?.alert).toBe('decrypt_error');
    }
  });

  it('pskCallback returning undefined or an empty Buffer counts as an unknown identity, the same failure as null', () => {
    const codes = [null, undefined, Buffer.alloc(0)].map((v) => {
      const o = runPsk({ pskCallback: () => v }, {});
      expect(o.client.established).toBe(false);
      return [o.client.error?.code, o.server.errors.map((e) => e.code)];
    });
    expect(codes[1]).toEqual(codes[0]);
    expect(codes[2]).toEqual(codes[0]);
  });
});

describe('CRY-06: odd identity and hint sizes', () => {
  it('an identity of length 0 reaches pskCallback as the empty string, and completes when the callback knows it', () => {
    const seen: string[] = [];
    const o = runPsk({ pskCallback: (id) => { seen.push(id); return id === '' ? PSK_KEY : null; } }, { psk: { identity: '', key: PSK_KEY } });
    expect(seen).toEqual(['']);
    expect(o.client.error).toBeUndefined();
    expect(o.client.established).toBe(true);
    expect([...o.server.endpoint.associations()][0]?.negotiated?.pskIdentity).toBe('');
  });

  it('an identity of length 0 unknown to the callback fails like any unknown identity (typed errors, no throw)', () => {
    const o = runPsk({}, { psk: { identity: '', key: PSK_KEY } });
    expect(o.client.established).toBe(false);
    expect(o.client.error?.code).toMatch(/^ERR_DTLS_/);
    expect(o.server.errors.map((e) => e.code)).toEqual([expect.stringMatching(/^ERR_DTLS_/)]);
  });

  it('an identity of 65535 bytes (the maximum) is refused by the default 16 KB handshake message limit: typed errors, pskCallback never called', () => {
    const seen: number[] = [];
    const o = runPsk({ pskCallback: (id) => { seen.push(id.length); return PSK_KEY; } }, { psk: { identity: 'i'.repeat(65_535), key: PSK_KEY } });
    expect(seen).toEqual([]);
    expect(o.client.established).toBe(false);
    expect(o.client.error?.code).toMatch(/^ERR_DTLS_/);
    expect(o.server.errors.map((e) => e.code)).toEqual([expect.stringMatching(/^ERR_DTLS_/)]);
  });

  it('an identity of 65535 bytes completes when the server allows handshake messages that large', () => {
    const identity = 'i'.repeat(65_535);
    const seen: number[] = [];
    const o = runPsk(
      { pskCallback: (id) => { seen.push(id.length); return id === identity ? PSK_KEY : null; }, maxHandshakeMessageSize: 70_000, maxHandshakeBytes: 200_000 },
      { psk: { identity, key: PSK_KEY } },
    );
    expect(o.client.error).toBeUndefined();
    expect(o.client.established).toBe(true);
    expect(seen).toEqual([65_535]);
  });

  it('an identity of 65535 bytes completes with a large message limit when the server issues no session tickets', () => {
    const identity = 'i'.repeat(65_535);
    const o = runPsk(
      { pskCallback: (id) => (id === identity ? PSK_KEY : null), maxHandshakeMessageSize: 70_000, maxHandshakeBytes: 200_000, sessionTickets: false },
      { psk: { identity, key: PSK_KEY } },
    );
    expect(o.client.error).toBeUndefined();
    expect(o.server.errors).toEqual([]);
    expect(o.client.established).toBe(true);
  });

  it('an identity longer than 65535 bytes cannot be encoded: the client option is refused with a RangeError', () => {
    expect(() => runPsk({}, { psk: { identity: 'i'.repeat(65_536), key: PSK_KEY } })).toThrow(RangeError);
  });

  it('a 16000-byte hint fits the default limits and reaches the client psk callback', () => {
    const hints: number[] = [];
    const o = runPsk({ pskIdentityHint: 'h'.repeat(16_000) }, {
      psk: (hint: string | undefined) => { hints.push(hint?.length ?? -1); return { identity: PSK_IDENTITY, key: PSK_KEY }; },
    });
    expect(o.client.error).toBeUndefined();
    expect(o.client.established).toBe(true);
    expect(hints).toEqual([16_000]);
  });

  it('a 60 KB hint, larger than the client\'s maxHandshakeMessageSize, fails cleanly: typed errors on both sides, the psk callback never called', () => {
    const hints: number[] = [];
    const o = runPsk({ pskIdentityHint: 'h'.repeat(60_000) }, {
      psk: (hint: string | undefined) => { hints.push(hint?.length ?? -1); return { identity: PSK_IDENTITY, key: PSK_KEY }; },
    });
    expect(hints).toEqual([]);
    expect(o.client.established).toBe(false);
    expect(o.client.error).toBeInstanceOf(DtlsError);
    expect(o.client.error!.code).toMatch(/^ERR_DTLS_/);
    expect(o.server.errors.map((e) => e.code)).toEqual([expect.stringMatching(/^ERR_DTLS_/)]);
  });

  it('a 60 KB hint completes with a client that allows messages that large', () => {
    const hints: number[] = [];
    const o = runPsk({ pskIdentityHint: 'h'.repeat(60_000) }, {
      maxHandshakeMessageSize: 70_000, maxHandshakeBytes: 200_000,
      psk: (hint: string | undefined) => { hints.push(hint?.length ?? -1); return { identity: PSK_IDENTITY, key: PSK_KEY }; },
    });
    expect(o.client.error).toBeUndefined();
    expect(o.client.established).toBe(true);
    expect(hints).toEqual([60_000]);
  });

  it('a hint longer than 65535 bytes cannot be encoded: the server option is refused with a RangeError naming it', () => {
    expect(() => runPsk({ pskIdentityHint: 'h'.repeat(70_000) }, {})).toThrow(/pskIdentityHint/);
  });
});

// ---------------------------------------------------------------------------
// Asynchronous callbacks on real sockets

let srv: PskServer | undefined;
const clients: ClientConnection[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await srv?.close();
  srv = undefined;
});

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function connectPsk(port: number, o: Partial<ConnectOptions> = {}): Promise<ClientConnection> {
  const c = await connectAsync({ host: '127.0.0.1', port, ciphers: SUITE, psk: { identity: PSK_IDENTITY, key: PSK_KEY }, ...o });
  clients.push(c);
  return c;
}

/** Run `fn` with an 'unhandledRejection' listener; returns what it caught. */
async function watchUnhandled<T>(fn: () => Promise<T>): Promise<{ value: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const value = await fn();
    await delay(20);
    await ticks(5);
    return { value, unhandled };
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

async function expectConnectFails(port: number, o: Partial<ConnectOptions> = {}): Promise<DtlsError> {
  try {
    clients.push(await connectPsk(port, o));
  } catch (e) {
    return e as DtlsError;
  }
  throw new Error('the handshake completed but should have failed');
}

describe('asynchronous pskCallback (createServer / connectAsync on 127.0.0.1)', () => {
  it('a callback that resolves after 50 ms completes the handshake (no sooner) and the connection echoes', async () => {
    srv = await startPskServer({
      ciphers: SUITE,
      pskCallback: async (id) => { await delay(50); return knownPsk(id); },
    });
    const t0 = performance.now();
    const c = await connectPsk(srv.port);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(c.getCipher()?.name).toBe(SUITE);
    expect(await echoOnce(c, 'after async lookup')).toBe('after async lookup');
    expect(srv.peers[0]?.pskIdentity).toBe(PSK_IDENTITY);
    expect(srv.errors).toEqual([]);
  });

  it('several concurrent clients with async lookups of different durations all complete and echo', async () => {
    const keys = new Map<string, Buffer>(Array.from({ length: 6 }, (_, i) => [`dev-${i}`, Buffer.alloc(16, i + 1)] as const));
    const order: string[] = [];
    srv = await startPskServer({
      ciphers: SUITE,
      // Later clients resolve sooner, so lookups finish out of start order.
      pskCallback: async (id) => { await delay(80 - 12 * Number(id.slice(4))); order.push(id); return keys.get(id) ?? null; },
    });
    const conns = await Promise.all([...keys].map(([identity, key]) => connectPsk(srv!.port, { psk: { identity, key } })));
    const replies = await Promise.all(conns.map((c, i) => echoOnce(c, `hello from dev-${i}`)));
    expect(replies).toEqual(conns.map((_, i) => `hello from dev-${i}`));
    expect(conns.map((c) => c.pskIdentity)).toEqual([...keys.keys()]);
    expect(new Set(order)).toEqual(new Set(keys.keys()));
    expect(srv.peers.map((p) => p.pskIdentity).sort()).toEqual([...keys.keys()].sort());
    expect(srv.errors).toEqual([]);
  });

  it('a callback that rejects ends the handshake: the client gets a fatal alert, the server emits the failure, no unhandled rejection', async () => {
    const failure = new Error('key store unavailable');
    const { value: [clientErr, serverErr], unhandled } = await watchUnhandled(async () => {
      srv = await startPskServer({ ciphers: SUITE, pskCallback: async () => { await delay(5); throw failure; } });
      return Promise.all([expectConnectFails(srv.port), srv.error()]);
    });
    expect(unhandled).toEqual([]);
    expect(clientErr).toBeInstanceOf(DtlsError);
    expect(clientErr.code).toBe('ERR_DTLS_ALERT_RECEIVED');
    expect((clientErr as DtlsError & { level?: number }).level).toBe(2);
    expect(clientErr.alert).toBe('internal_error');
    expect(serverErr).toBeInstanceOf(DtlsError);
    expect((serverErr as DtlsError).code).toMatch(/^ERR_DTLS_/);
    expect((serverErr as DtlsError).alert).toBe('internal_error');
    expect(serverErr.cause).toBe(failure);
    expect(serverErr.message).toContain('key store unavailable');
    expect(srv!.peers).toEqual([]);
  });

  it('a callback that throws synchronously behaves the same: fatal internal_error to the client, the failure emitted, no unhandled rejection', async () => {
    const failure = new Error('sync lookup failure');
    const { value: [clientErr, serverErr], unhandled } = await watchUnhandled(async () => {
      srv = await startPskServer({ ciphers: SUITE, pskCallback: () => { throw failure; } });
      return Promise.all([expectConnectFails(srv.port), srv.error()]);
    });
    expect(unhandled).toEqual([]);
    expect(clientErr.code).toBe('ERR_DTLS_ALERT_RECEIVED');
    expect((clientErr as DtlsError & { level?: number }).level).toBe(2);
    expect(clientErr.alert).toBe('internal_error');
    expect(serverErr).toBeInstanceOf(DtlsError);
    expect((serverErr as DtlsError).code).toMatch(/^ERR_DTLS_/);
    expect((serverErr as DtlsError).alert).toBe('internal_error');
    expect(serverErr.cause).toBe(failure);
    expect(serverErr.message).toContain('sync lookup failure');
  });

  it('a callback resolving to something that is not a Buffer fails the handshake with a typed error, no unhandled rejection', async () => {
    const { value: [clientErr, serverErr], unhandled } = await watchUnhandled(async () => {
      srv = await startPskServer({ ciphers: SUITE, pskCallback: (async () => 'not a key') as unknown as ServerOptions['pskCallback'] });
      return Promise.all([expectConnectFails(srv.port), srv.error()]);
    });
    expect(unhandled).toEqual([]);
    expect(clientErr.code).toMatch(/^ERR_DTLS_/);
    expect((serverErr as DtlsError).code).toMatch(/^ERR_DTLS_/);
    expect(serverErr.message).toMatch(/pskCallback/);
  });

  it('the server keeps serving after a rejected lookup: the next client completes', async () => {
    let calls = 0;
    srv = await startPskServer({
      ciphers: SUITE,
      pskCallback: async (id) => { calls++; if (calls === 1) throw new Error('first lookup fails'); return knownPsk(id); },
    });
    await expectConnectFails(srv.port);
    const c = await connectPsk(srv.port);
    expect(await echoOnce(c, 'second')).toBe('second');
  });

  it('a client psk callback returning a Promise works (with the server hint)', async () => {
    srv = await startPskServer({ ciphers: SUITE, pskIdentityHint: 'async-hint', pskCallback: knownPsk });
    const hints: (string | undefined)[] = [];
    const t0 = performance.now();
    const c = await connectPsk(srv.port, {
      psk: async (hint) => { hints.push(hint); await delay(30); return { identity: PSK_IDENTITY, key: PSK_KEY }; },
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(30);
    expect(hints).toEqual(['async-hint']);
    expect(await echoOnce(c, 'client async')).toBe('client async');
  });

  it('a client psk callback that rejects fails connectAsync with a typed error carrying the cause, and no unhandled rejection', async () => {
    const failure = new Error('no key for this hint');
    srv = await startPskServer({ ciphers: SUITE, pskCallback: knownPsk });
    const { value: err, unhandled } = await watchUnhandled(() => expectConnectFails(srv!.port, {
      psk: async () => { await delay(5); throw failure; },
    }));
    expect(unhandled).toEqual([]);
    expect(err).toBeInstanceOf(DtlsError);
    expect(err.code).toMatch(/^ERR_DTLS_/);
    expect(err.cause).toBe(failure);
    expect(srv.peers).toEqual([]);
  });
});
