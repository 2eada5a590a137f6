/**
 * Peers and probes for the catalogue tests: established pairs, a server node
 * built from a resolved endpoint configuration (cheap to make many of), a
 * scriptable client, and read-only access to connection internals for
 * structural assertions (buffer sizes, replay windows) instead of heap
 * measurements.
 */
import { expect, onTestFailed } from 'vitest';
import { resolveServerConfig } from '../../../src/config.js';
import type { Connection, ConnectionEvent } from '../../../src/connection/connection.js';
import { encode } from '../../../src/codec/writer.js';
import { Reader } from '../../../src/codec/reader.js';
import { type EndpointEvent, type ServerAssociation, ServerEndpoint, type ServerEndpointConfig } from '../../../src/endpoint/server-endpoint.js';
import { ClientHandshake, type ClientHandshakeConfig } from '../../../src/handshake/client-handshake.js';
import { decodeFinished, encodeFinished } from '../../../src/handshake/messages/finished.js';
import type { Reassembler } from '../../../src/handshake/reassembler.js';
import type { ServerOptions } from '../../../src/options.js';
import type { DtlsRecord } from '../../../src/record/record.js';
import type { RecordLayer } from '../../../src/record/record-layer.js';
import type { ReplayWindow } from '../../../src/record/replay-window.js';
import type { DtlsClientNode, DtlsServerNode } from '../../../src/testing/dtls.js';
import type { NetAddress, NetNode, OutgoingDatagram } from '../../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR, type PairOptions, pair, runHandshake } from '../../helpers/net.js';
import { type Interceptor, intercept } from '../../helpers/intercept.js';
import { pki } from '../../helpers/pki.js';
import { HT } from './wire.js';

export type Pair = ReturnType<typeof pair>;

/** The test PSK (the interop one). */
export const PSK_IDENTITY = pki('psk-identity.txt').toString('latin1').trim();
export const PSK_KEY = Buffer.from(pki('psk-key.hex').toString('latin1').trim(), 'hex');
export const pskServer = { pskCallback: (id: string) => (id === PSK_IDENTITY ? PSK_KEY : null) } as const;
/** Client options with the test PSK (typed for `pair()`, whose client options omit `psk`). */
export const pskClient = { psk: { identity: PSK_IDENTITY, key: PSK_KEY } } as unknown as NonNullable<PairOptions['client']>;
export const clientCert = { key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.chain.pem') } as const;

/** A pair that logs its network when the test fails. */
export function loggedPair(o: PairOptions = {}): Pair {
  const p = pair({ log: true, ...o });
  onTestFailed(() => {
    console.log(`${p.net}\nclient: ${p.client.error?.code ?? '-'} ${p.client.error?.message ?? ''} (state ${p.client.conn.handshakeState})\n`
      + `server errors: ${p.server.errors.map((e) => `${e.code} ${e.message}`).join('; ')}\n${p.net.formatLog({ last: 40 })}`);
  });
  return p;
}

/** A pair that completed its handshake. */
export function establishedPair(o: PairOptions = {}): Pair {
  const p = loggedPair(o);
  expect(runHandshake(p), 'handshake').toBe(true);
  return p;
}

/** The server's association with the test client. */
export function assocOf(p: Pair, addr: NetAddress = CLIENT_ADDR): ServerAssociation {
  const a = p.server.endpoint.get(addr.address, addr.port);
  expect(a, 'server association').toBeDefined();
  return a!;
}

/**
 * Deliver datagrams to a node right now, synchronously and bypassing the
 * network (so nothing else moves meanwhile); what the node answers goes out
 * on the next `run`.
 */
export function injectTo(p: Pair, to: 'server' | 'client', dgs: readonly Uint8Array[], from?: NetAddress): void {
  const src = from ?? (to === 'server' ? CLIENT_ADDR : SERVER_ADDR);
  for (const d of dgs) {
    if (to === 'server') p.server.receive(d, src, p.net.now);
    else p.client.receive(d, src, p.net.now);
  }
}

/** Client sends `msg`; true when the echo came back. */
export function echoes(p: Pair, msg: string, maxTime = 5_000): boolean {
  const before = p.client.received.length;
  p.client.send(new TextEncoder().encode(msg), p.net.now);
  p.net.run({ until: () => p.client.received.length > before, maxTime });
  return p.client.received.length > before && Buffer.from(p.client.received[before]!).toString() === msg;
}

/** Make the server node flush what its endpoint queued outside a receive/timeout (e.g. after endpoint.send). */
export function flushServer(server: DtlsServerNode): void {
  server.flush();
}

/** Alerts a connection sent or received. */
export function alertsOf(events: readonly ConnectionEvent[], direction: 'sent' | 'received'): { level: number; description: number }[] {
  return events.flatMap((e) => (e.type === 'alert' && e.direction === direction ? [{ level: e.level, description: e.description }] : []));
}
export function dropsOf(events: readonly (ConnectionEvent | EndpointEvent)[]): string[] {
  return events.flatMap((e) => (e.type === 'drop' ? [e.reason] : []));
}

// --- internals (read-only, for structural assertions) -------------------------------

interface ConnInternals {
  reasm: Reassembler;
  futureRecords: DtlsRecord[];
  earlyData: Uint8Array[];
  held: DtlsRecord[];
  flight: unknown[];
  preparing: unknown[];
}
export function internals(conn: object): ConnInternals {
  return conn as unknown as ConnInternals;
}
/** Replay window of a read epoch, if it exists. */
export function readWindow(records: RecordLayer, epoch: number): ReplayWindow | undefined {
  return (records as unknown as { read: Map<number, { window: ReplayWindow }> }).read.get(epoch)?.window;
}
interface EndpointInternals {
  perAddress: Map<string, number>;
  handshaking: Set<ServerAssociation>;
  timers: { size: number };
}
export function endpointInternals(e: ServerEndpoint): EndpointInternals {
  return e as unknown as EndpointInternals;
}

// --- a server node on a resolved configuration ---------------------------------------

/** A ServerEndpoint on the virtual network, from a configuration resolved once (see `serverConfig`). */
export class EndpointNode implements NetNode {
  readonly endpoint: ServerEndpoint;
  readonly events: EndpointEvent[] = [];
  private out: OutgoingDatagram[] = [];
  constructor(cfg: ServerEndpointConfig) {
    this.endpoint = new ServerEndpoint(cfg);
  }
  get established(): number {
    return this.events.filter((e) => e.type === 'secure').length;
  }
  receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.endpoint.receive(data, from.address, from.port, now);
    this.collect(now);
  }
  onTimeout(now: number): void {
    this.endpoint.handleTimeout(now);
    this.collect(now);
  }
  nextTimeout(): number | undefined {
    return this.endpoint.nextTimeout();
  }
  takeOutgoing(): OutgoingDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }
  private collect(now: number): void {
    for (;;) {
      for (const t of this.endpoint.takeTransmits()) this.out.push({ to: { address: t.address, port: t.port }, data: t.data });
      const evs = this.endpoint.takeEvents();
      if (evs.length === 0) return;
      for (const ev of evs) {
        this.events.push(ev);
        if (ev.type === 'data' && !ev.assoc.conn.isClosed) this.endpoint.send(ev.assoc, ev.data, now);
      }
    }
  }
}

/** Resolve server options once. `settings` overrides connection settings (e.g. mtu). */
export function serverConfig(options: ServerOptions): ServerEndpointConfig {
  return resolveServerConfig(options).config;
}
export function withSettings(cfg: ServerEndpointConfig, s: Partial<ServerEndpointConfig['settings']>): ServerEndpointConfig {
  return { ...cfg, settings: { ...cfg.settings, ...s } };
}

type ChainCheck = ClientHandshakeConfig['checkServerChain'];
/** Wrap a chain check so that it runs once per leaf certificate (saves X.509 work in loops). */
function memoized(check: ChainCheck, memo: Map<string, ReturnType<ChainCheck>>): ChainCheck {
  return (chain) => {
    const k = Buffer.from(chain[0] ?? new Uint8Array(0)).toString('base64');
    let r = memo.get(k);
    if (!r) memo.set(k, (r = check(chain)));
    return r;
  };
}

/** A client machine factory whose server-chain check is computed once per chain (one memo per factory). */
export function memoChainClient(): (d: Connection, c: ClientHandshakeConfig) => ClientHandshake {
  const memo = new Map<string, ReturnType<ChainCheck>>();
  return (d, c) => new ClientHandshake(d, { ...c, checkServerChain: memoized(c.checkServerChain, memo) });
}

// --- a scripted client ---------------------------------------------------------

/**
 * A machine factory for `DtlsClientNode`: the genuine client, whose outgoing
 * messages `script` rewrites (see test/helpers/intercept.ts). With `memo`,
 * the chain check runs once per factory.
 */
export function scripted(script: Interceptor, o: { memo?: boolean } = {}): (d: Connection, c: ClientHandshakeConfig) => ClientHandshake {
  const memo = o.memo ? new Map<string, ReturnType<ChainCheck>>() : undefined;
  return (d, c) => new ClientHandshake(intercept(d, script), memo ? { ...c, checkServerChain: memoized(c.checkServerChain, memo) } : c);
}

/** Rewrites the verify_data of the Finished a machine sends. */
export function finishedWith(edit: (verifyData: Uint8Array) => Uint8Array): Interceptor {
  return {
    message: (type, body) => (type === HT.finished ? encode((w) => encodeFinished(w, { verifyData: edit(decodeFinished(new Reader(body)).verifyData) })) : body),
  };
}

/** A client finishing with a wrong verify_data (a bad Finished: byte 0 flipped). */
export const badFinished: Interceptor = finishedWith((v) => {
  const bad = Uint8Array.from(v);
  bad[0]! ^= 0x80;
  return bad;
});

export { CLIENT_ADDR, SERVER_ADDR, type DtlsClientNode };
