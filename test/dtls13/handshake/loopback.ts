/**
 * Two DTLS 1.3 handshake machines back to back, in memory: each fake driver
 * delivers every flushed flight's messages to the other machine in order,
 * records which secrets were installed for which epoch and direction, and
 * stands in for record protection — a message sent in epoch E is delivered
 * only if the receiver has read keys for E, and those keys (key, iv, sn,
 * derived from the secrets as the association will) must equal the sender's
 * write keys for E.
 */
import { toHex } from '../../../src/codec/bytes.js';
import type { CryptoProvider } from '../../../src/crypto/provider.js';
import { nobleProvider, nodeProvider } from '../../../src/crypto/index.js';
import type { DtlsError } from '../../../src/errors.js';
import type { SessionSecrets } from '../../../src/handshake/key-schedule12.js';
import type { HandshakeMessage } from '../../../src/handshake/reassembler.js';
import { resolveClientConfig, clientHandshakeConfig, resolveServerConfig } from '../../../src/config.js';
import type { ServerOptions, CommonOptions } from '../../../src/options.js';
import type { Client13Config, HandshakeDriver13, HandshakeMachine13, Server13Config } from '../../../src/dtls13/driver.js';
import { keyScheduleParams, trafficKeys } from '../../../src/dtls13/key-schedule.js';
import { SUITES_13, type Suite13 } from '../../../src/dtls13/suites.js';
import { Client13Handshake } from '../../../src/dtls13/handshake/client13.js';
import { Server13Handshake } from '../../../src/dtls13/handshake/server13.js';
import type { HelloRetryState } from '../../../src/dtls13/driver.js';
import { pki } from '../../helpers/pki.js';
import { Reader } from '../../../src/codec/reader.js';
import { decodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { HandshakeType as HT } from '../../../src/handshake/registry.js';
import { chooseHelloRetry, clientHello1Hash, helloRetryRequestBody } from '../../../src/dtls13/handshake/negotiate13.js';

export const PROVIDERS13: readonly CryptoProvider[] = [nodeProvider, nobleProvider];

/** A message on the wire between the two machines. */
export interface Wire {
  readonly msgType: number;
  readonly body: Uint8Array;
  readonly epoch: number;
  readonly seq: number;
}

/** An installed secret: direction, epoch, suite, and the keys it makes (hex). */
export interface Installed {
  readonly dir: 'read' | 'write';
  readonly epoch: number;
  readonly suite: Suite13;
  readonly secret: string;
  readonly keys: string;
}

function keysOf(provider: CryptoProvider, suite: Suite13, secret: Uint8Array): string {
  const k = trafficKeys(keyScheduleParams(provider, suite.hash), secret, suite.keyLength);
  return `${toHex(k.key)}/${toHex(k.iv)}/${toHex(k.sn)}`;
}

/** One side's fake association. */
export class LoopDriver implements HandshakeDriver13 {
  readonly installed: Installed[] = [];
  readonly flights: Wire[][] = [];
  readonly inbox: Wire[] = [];
  readonly tickets: Uint8Array[] = [];
  writeEpoch = 0;
  completed = 0;
  secrets: SessionSecrets | undefined;
  connectionIds: { ours: Uint8Array; peers: Uint8Array } | undefined;
  error: unknown;
  machine!: HandshakeMachine13;
  peer!: LoopDriver;
  busy: Promise<void> | undefined;
  private pending: Wire[] = [];
  private seq = 0;

  constructor(readonly name: 'client' | 'server', readonly provider: CryptoProvider, private readonly clock: { now: number }) {}

  get now(): number {
    return this.clock.now;
  }
  sendMessage(msgType: number, body: Uint8Array): void {
    this.pending.push({ msgType, body: Uint8Array.from(body), epoch: this.writeEpoch, seq: this.seq++ });
  }
  flushFlight(): void {
    if (this.pending.length === 0) throw new Error(`${this.name}: empty flight`);
    this.flights.push(this.pending);
    this.peer.inbox.push(...this.pending);
    this.pending = [];
  }
  setReadSecret(epoch: number, suite: Suite13, secret: Uint8Array): void {
    this.installed.push({ dir: 'read', epoch, suite, secret: toHex(secret), keys: keysOf(this.provider, suite, secret) });
  }
  setWriteSecret(epoch: number, suite: Suite13, secret: Uint8Array): void {
    this.installed.push({ dir: 'write', epoch, suite, secret: toHex(secret), keys: keysOf(this.provider, suite, secret) });
    this.writeEpoch = epoch;
  }
  suspend<T>(work: Promise<T>, resume: (value: T) => void): void {
    this.busy = work.then((v) => {
      this.busy = undefined;
      this.guard(() => resume(v));
    }, (e) => {
      this.busy = undefined;
      this.error = e;
    });
  }
  secretsReady(secrets: SessionSecrets): void {
    this.secrets = secrets;
  }
  setConnectionIds(ours: Uint8Array, peers: Uint8Array): void {
    this.connectionIds = { ours, peers };
  }
  complete(): void {
    this.completed++;
  }
  sessionTicket(session: Uint8Array): void {
    this.tickets.push(session);
  }

  /** Take a message_seq (a message sent outside the machine, e.g. by the front door). */
  nextSeq(): number {
    return this.seq++;
  }
  /** The keys installed for an epoch and direction. */
  keys(dir: 'read' | 'write', epoch: number): Installed | undefined {
    return this.installed.find((i) => i.dir === dir && i.epoch === epoch);
  }
  /** The messages of all flights, in order. */
  get sent(): Wire[] {
    return this.flights.flat();
  }
  /** Run machine code, keeping the first error. */
  guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.error ??= e;
    }
  }
}

/** Rewrite (or drop, with undefined) a message in transit. */
export type Tamper = (from: 'client' | 'server', m: Wire) => Wire | undefined;

/** A client and a server machine, connected back to back. */
export class Loopback {
  readonly clock = { now: 1_700_000_000_000 };
  readonly client: LoopDriver;
  readonly server: LoopDriver;
  tamper: Tamper | undefined;
  /** Records that would fail authentication (keys differ after tampering), dropped. */
  dropped = 0;

  constructor(provider: CryptoProvider) {
    this.client = new LoopDriver('client', provider, this.clock);
    this.server = new LoopDriver('server', provider, this.clock);
    this.client.peer = this.server;
    this.server.peer = this.client;
  }

  /** Start both machines (the client sends its ClientHello from its constructor). */
  start(serverCfg: Server13Config, clientCfg: Client13Config, retry?: HelloRetryState): this {
    this.server.machine = new Server13Handshake(this.server, serverCfg, { address: '10.0.0.2', port: 50000 }, retry);
    this.client.guard(() => {
      this.client.machine = new Client13Handshake(this.client, clientCfg);
    });
    return this;
  }

  /**
   * Start as a stateless front door would (RFC 9147 §5.1): the first
   * ClientHello is answered by a HelloRetryRequest with `cookie` built from
   * `chooseHelloRetry` (message_seq 0), and the server machine starts from
   * the second ClientHello with the retry state. `edit` may change that state.
   */
  startStateless(serverCfg: Server13Config, clientCfg: Client13Config, cookie: Uint8Array, edit?: (r: HelloRetryState) => HelloRetryState): this {
    this.client.guard(() => {
      this.client.machine = new Client13Handshake(this.client, clientCfg);
    });
    const ch1 = this.server.inbox.shift()!;
    const choice = chooseHelloRetry(decodeClientHello(new Reader(ch1.body)), serverCfg, this.clock.now);
    const body = helloRetryRequestBody(choice.suite, choice.group, cookie);
    this.client.inbox.push({ msgType: HT.server_hello, body, epoch: 0, seq: this.server.nextSeq() });
    let retry: HelloRetryState = {
      clientHello1Hash: clientHello1Hash(this.server.provider, choice.suite, ch1.body), suite: choice.suite,
      ...(choice.group && { group: choice.group }), helloRetryRequest: body,
    };
    if (edit) retry = edit(retry);
    this.server.machine = new Server13Handshake(this.server, serverCfg, { address: '10.0.0.2', port: 50000 }, retry);
    return this;
  }

  /** Deliver messages until nothing moves, waiting for suspended work; stops at the first error. */
  async run(): Promise<void> {
    for (;;) {
      this.pump();
      const busy = this.client.busy ?? this.server.busy;
      if (!busy || this.failed) return;
      await busy;
    }
  }

  get failed(): boolean {
    return this.client.error !== undefined || this.server.error !== undefined;
  }

  /** The error a side raised (its alert is what the association would send). */
  errorOf(side: 'client' | 'server'): DtlsError | undefined {
    return this[side].error as DtlsError | undefined;
  }

  private pump(): void {
    let moved = true;
    while (moved && !this.failed) {
      moved = false;
      for (const to of [this.server, this.client]) {
        if (to.busy || to.inbox.length === 0 || this.failed) continue;
        const from = to.peer;
        const raw = to.inbox.shift()!;
        moved = true;
        const m = this.tamper ? this.tamper(from.name, raw) : raw;
        if (!m) continue;
        if (m.epoch > 0) {
          const r = to.keys('read', m.epoch);
          const w = from.keys('write', m.epoch);
          if (!r) throw new Error(`${to.name} has no read keys for epoch ${m.epoch} (message type ${m.msgType})`);
          if (!w || w.keys !== r.keys) {
            // With a message tampered with, the two sides may derive different keys: record
            // protection then fails and the record is dropped. Otherwise it is a bug.
            if (!this.tamper) throw new Error(`${from.name}'s write keys and ${to.name}'s read keys differ in epoch ${m.epoch}`);
            this.dropped++;
            continue;
          }
        }
        const msg: HandshakeMessage = { msgType: m.msgType, messageSeq: m.seq, body: m.body, epoch: m.epoch };
        to.guard(() => (to.completed ? to.machine.handlePostHandshake(msg) : to.machine.handleMessage(msg)));
      }
    }
  }
}

export type ServerOpts = Partial<ServerOptions> & { cert?: 'ecdsa-p256' | 'ecdsa-p384' | 'rsa2048' | 'ed25519' };

/** A server configuration from ordinary options (1.2's resolution), plus the 1.3 fields. */
export function serverConfig(provider: CryptoProvider, o: ServerOpts = {}, more: Partial<Server13Config> = {}): Server13Config {
  const { cert = 'ecdsa-p256', ...opts } = o;
  const identity = opts.key === undefined && opts.pskCallback === undefined ? { key: pki(`server-${cert}.key.pem`), cert: pki(`server-${cert}.crt.pem`) } : {};
  const base = resolveServerConfig({ ...identity, crypto: provider, ...opts }).config.handshake;
  return {
    ...base, suites13: SUITES_13.slice(0, 3), groups13: ['x25519', 'secp256r1', 'secp384r1'], ticketLifetime13: 7200, ...more,
  };
}

export type ClientOpts = Partial<CommonOptions> & { rejectUnauthorized?: boolean; servername?: string; sessionTickets?: boolean };

/** A client configuration from ordinary options, plus the 1.3 fields. */
export function clientConfig(provider: CryptoProvider, o: ClientOpts = {}, more: Partial<Client13Config> = {}): Client13Config {
  const { servername = 'localhost', ...opts } = o;
  const r = resolveClientConfig({ ca: pki('ca-bundle.pem'), crypto: provider, ...opts });
  return {
    ...clientHandshakeConfig(r, servername, servername), suites13: SUITES_13.slice(0, 3), groups13: ['x25519', 'secp256r1', 'secp384r1'],
    keyShareGroups: ['x25519'], offer12: false, ...more,
  };
}

/** Run a full handshake between two configurations. */
export async function handshake(provider: CryptoProvider, s: Server13Config, c: Client13Config, setup?: (l: Loopback) => void): Promise<Loopback> {
  const l = new Loopback(provider);
  setup?.(l);
  l.start(s, c);
  await l.run();
  return l;
}
