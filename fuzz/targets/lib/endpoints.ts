/**
 * Deterministic DTLS endpoints for the whole-handshake fuzz targets: fixed
 * keys and certificates, `testProvider(seed)` for every random byte and key
 * share, a fixed virtual clock, and recordings of real handshakes between our
 * own client and server that the targets replay before the fuzz input.
 *
 * Everything is deterministic: the same seed gives the same randoms, key
 * shares and (RFC 6979 / Ed25519) signatures, so a recording made at target
 * start is byte-identical to the one the seed corpus was made from, and a
 * recorded Finished still verifies when it is replayed from the corpus.
 */
import { resolveServerConfig } from '../../../src/config.js';
import { type EndpointEvent, ServerEndpoint, type ServerEndpointConfig } from '../../../src/endpoint/server-endpoint.js';
import type { ConnectionEvent } from '../../../src/connection/connection.js';
import type { CommonOptions, ServerOptions } from '../../../src/options.js';
import type { ClientPskOption } from '../../../src/config.js';
import type { CryptoProvider } from '../../../src/crypto/provider.js';
import { DtlsClientNode, DtlsServerNode } from '../../../src/testing/dtls.js';
import type { NetAddress } from '../../../src/testing/network.js';
import { FuzzInput, FuzzInvariantError, check } from './oracle.js';
import { DeterministicProvider } from './provider.js';
import caEcdsa from '../../../test/fixtures/pki/ca-ecdsa.crt.pem';
import serverKey from '../../../test/fixtures/pki/server-ecdsa-p256.key.pem';
import serverCert from '../../../test/fixtures/pki/server-ecdsa-p256.crt.pem';
import clientKey from '../../../test/fixtures/pki/client-ecdsa.key.pem';
import clientChain from '../../../test/fixtures/pki/client-ecdsa.chain.pem';

export const SERVER_ADDR: NetAddress = Object.freeze({ address: '10.0.0.1', port: 4433 });
export const CLIENT_ADDR: NetAddress = Object.freeze({ address: '10.0.0.2', port: 50000 });
/** A second source, so the fuzzer can reach per-address state of the server. */
export const OTHER_ADDR: NetAddress = Object.freeze({ address: '10.0.0.3', port: 50001 });

/** The fixed clock: every datagram arrives at T0 unless the input advances time. */
export const T0 = 1_000_000;
/** How far a timeout step of the input advances the clock. */
export const TICK = 1_500;

export const SERVER_SEED = 1;
export const CLIENT_SEED = 2;
const COOKIE_SECRET = new Uint8Array(32).fill(0x5a);
const PSK_IDENTITY = 'Client_identity';
const PSK_KEY = new TextEncoder().encode('dtls-interop-psk');
/** ECDHE_PSK is what the server picks; plain PSK (with CCM_8) when a ClientHello offers only that. */
const PSK_CIPHERS = 'ECDHE-PSK-CHACHA20-POLY1305:PSK-AES128-CCM8';
/** The DTLS 1.3 suite with the smallest integrity limit (2^7 forgeries, RFC 9147 §4.5.3). */
const CCM8_13 = 'TLS_AES_128_CCM_8_SHA256';

/** DTLS 1.2 server/client configurations the 1.2 targets choose between (input byte 0). */
export const SCENARIOS = ['ecdsa', 'psk', 'client-auth', 'cbc'] as const;
/**
 * DTLS 1.3 configurations (the client requires 1.3) the dtls13-* handshake
 * targets choose between: ECDSA certificate; an external PSK; client
 * certificates; TLS_AES_128_CCM_8_SHA256 (its 2^7 integrity limit) with
 * connection IDs both ways (the unified header's C bit).
 */
export const SCENARIOS13 = ['ecdsa13', 'psk13', 'client-auth13', 'ccm8-cid13'] as const;
export type Scenario = (typeof SCENARIOS)[number] | (typeof SCENARIOS13)[number];

export function serverOptions(s: Scenario, cookieExchange: boolean, provider: CryptoProvider): ServerOptions {
  const base: ServerOptions = {
    crypto: provider, cookieSecret: COOKIE_SECRET, cookieExchange,
    // Small limits so that fuzz input of a few KiB reaches them.
    maxHandshakes: 4, maxHandshakesPerAddress: 2, maxConnections: 4,
  };
  switch (s) {
    case 'ecdsa':
      return { ...base, key: serverKey, cert: serverCert };
    case 'psk':
      return {
        ...base, pskIdentityHint: 'fuzz hint', ciphers: PSK_CIPHERS,
        pskCallback: (identity) => (identity === PSK_IDENTITY ? PSK_KEY : null),
      };
    case 'client-auth':
      return { ...base, key: serverKey, cert: serverCert, ca: caEcdsa, requestCert: true, rejectUnauthorized: true };
    case 'cbc':
      return { ...base, key: serverKey, cert: serverCert, ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA' };
    case 'ecdsa13':
      return { ...base, key: serverKey, cert: serverCert };
    case 'psk13':
      return { ...base, pskCallback: (identity) => (identity === PSK_IDENTITY ? PSK_KEY : null) };
    case 'client-auth13':
      return { ...base, key: serverKey, cert: serverCert, ca: caEcdsa, requestCert: true, rejectUnauthorized: true };
    case 'ccm8-cid13':
      return { ...base, key: serverKey, cert: serverCert, ciphers: CCM8_13, connectionId: 4 };
  }
}

export function clientOptions(s: Scenario): CommonOptions & { servername?: string; rejectUnauthorized?: boolean; psk?: ClientPskOption } {
  // DTLS 1.2 scenarios: the recordings and corpora are 1.2 handshakes (1.3 has its own targets).
  const base = { crypto: new DeterministicProvider(CLIENT_SEED), ca: caEcdsa, servername: 'localhost', maxVersion: 'DTLSv1.2' as const };
  // The DTLS 1.3 scenarios: the client requires 1.3.
  const v13 = { crypto: base.crypto, ca: caEcdsa, servername: 'localhost', minVersion: 'DTLSv1.3' as const };
  switch (s) {
    case 'ecdsa':
      return base;
    case 'psk':
      return { crypto: base.crypto, maxVersion: base.maxVersion, ciphers: PSK_CIPHERS, psk: { identity: PSK_IDENTITY, key: PSK_KEY } };
    case 'client-auth':
      return { ...base, key: clientKey, cert: clientChain };
    case 'cbc':
      return { ...base, ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA' };
    case 'ecdsa13':
      return v13;
    case 'psk13':
      return { crypto: base.crypto, minVersion: v13.minVersion, psk: { identity: PSK_IDENTITY, key: PSK_KEY } };
    case 'client-auth13':
      return { ...v13, key: clientKey, cert: clientChain };
    case 'ccm8-cid13':
      return { ...v13, ciphers: CCM8_13, connectionId: 4 };
  }
}

interface ServerSlot {
  readonly node: DtlsServerNode;
  readonly config: ServerEndpointConfig;
  readonly provider: DeterministicProvider;
}
const servers = new Map<string, ServerSlot>();

/**
 * A DtlsServerNode in its initial state. Constructing one resolves its
 * options (PEM decoding, X.509 parsing, a key/certificate match check):
 * about a third of an execution. So each scenario's node is constructed
 * once, from options whose provider can be rewound, and every call gives it
 * a new ServerEndpoint built from the same resolved configuration (what its
 * constructor does), a rewound provider and empty event lists.
 */
export function newServer(s: Scenario, cookieExchange: boolean, use: 'fuzz' | 'recording' = 'fuzz'): DtlsServerNode {
  // Recordings get nodes of their own (built the same way), so that making one
  // never resets a node a caller is still using.
  const key = `${s}/${cookieExchange}/${use}`;
  let slot = servers.get(key);
  if (!slot) {
    const provider = new DeterministicProvider(SERVER_SEED);
    const options = serverOptions(s, cookieExchange, provider);
    slot = { node: new DtlsServerNode(options), config: resolveServerConfig(options).config, provider };
    servers.set(key, slot);
  }
  const { node, config, provider } = slot;
  check(!node.waiting, 'a previous execution left the server waiting for a callback');
  provider.reset();
  node.reset(config);
  return node;
}

export function newClient(s: Scenario): DtlsClientNode {
  // The client-side DtlsClientNode takes `psk` through its options at runtime (CommonOptions lacks it in the type).
  return new DtlsClientNode(clientOptions(s) as CommonOptions, SERVER_ADDR, T0);
}

/** The one application message of a recording (client to server, echoed back). */
export const APP_DATA = new TextEncoder().encode('ping');

/**
 * The fuzzer cannot forge an authenticated record: the only application data
 * it can make an endpoint deliver is the recording's own, once (a replay is
 * dropped by the replay window). Anything else delivered, or the same
 * record delivered twice, is unauthenticated data getting through.
 */
export function assertOnlyAuthenticData(delivered: readonly Uint8Array[], who: string): void {
  check(delivered.length <= 1, `${who}: ${delivered.length} application messages delivered, the peer only ever sent one`);
  for (const d of delivered) {
    check(Buffer.from(d).equals(Buffer.from(APP_DATA)), `${who}: delivered application data the peer never sent: ${Buffer.from(d).toString('hex')}`);
  }
}

/** One datagram of a recorded exchange. */
export interface Recorded {
  readonly dir: 'c2s' | 's2c';
  readonly data: Uint8Array;
}

/**
 * A whole handshake between our client and server at the fixed clock, then
 * one application message each way and the client's close_notify. Returns
 * every datagram in order.
 */
export function recordHandshake(s: Scenario, cookieExchange: boolean): Recorded[] {
  const server = newServer(s, cookieExchange, 'recording');
  const client = newClient(s);
  const log: Recorded[] = [];
  const pump = () => {
    for (let round = 0; round < 20; round++) {
      const c = client.takeOutgoing();
      for (const d of c) {
        log.push({ dir: 'c2s', data: d.data.slice() });
        server.receive(d.data, CLIENT_ADDR, T0);
      }
      const sv = server.takeOutgoing();
      for (const d of sv) {
        log.push({ dir: 's2c', data: d.data.slice() });
        client.receive(d.data, SERVER_ADDR, T0);
      }
      if (c.length === 0 && sv.length === 0) return;
    }
  };
  pump();
  if (!client.established || server.established !== 1) {
    throw new FuzzInvariantError(`recording ${s}: the handshake did not complete (client ${client.error?.message ?? 'open'})`);
  }
  client.send(APP_DATA, T0);
  pump();
  if (client.received.length !== 1) throw new FuzzInvariantError(`recording ${s}: no echo`);
  client.conn.close(T0);
  for (const d of client.conn.takeTransmits()) {
    log.push({ dir: 'c2s', data: d.slice() });
    server.receive(d, CLIENT_ADDR, T0);
  }
  return log;
}

/** One step of an endpoint program decoded from fuzz input. */
export type Step =
  | { readonly kind: 'datagram'; readonly data: Uint8Array; readonly other: boolean }
  | { readonly kind: 'tick' };

/**
 * The rest of the input as a program: repeated `u16 header, bytes`. The low
 * 15 bits of the header are the datagram length (0: advance the clock by
 * TICK and fire timers); the top bit sends it from the other address. A
 * length past the end takes the rest. At most `maxSteps` steps.
 */
export function steps(input: FuzzInput, maxSteps = 64): Step[] {
  const out: Step[] = [];
  while (input.remaining > 0 && out.length < maxSteps) {
    if (input.remaining < 2) {
      out.push({ kind: 'datagram', data: input.take(1), other: false });
      break;
    }
    const h = input.u16();
    const len = h & 0x7fff;
    if (len === 0) out.push({ kind: 'tick' });
    else out.push({ kind: 'datagram', data: input.take(len), other: (h & 0x8000) !== 0 });
  }
  return out;
}

/** Encode datagrams in the `steps` format (for the seed corpus). */
export function encodeSteps(datagrams: readonly Uint8Array[]): Uint8Array {
  const total = datagrams.reduce((n, d) => n + 2 + d.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const d of datagrams) {
    if (d.length === 0 || d.length > 0x7fff) throw new RangeError('datagram length outside 1..32767');
    out[o++] = d.length >>> 8;
    out[o++] = d.length & 0xff;
    out.set(d, o);
    o += d.length;
  }
  return out;
}

/**
 * Errors that the endpoints' safety nets swallowed: a non-DtlsError thrown
 * inside the stack becomes `ERR_DTLS_INTERNAL` (connection) or an
 * `internal:` drop (server endpoint). For the fuzzer those are crashes.
 */
export function assertNoInternalError(events: readonly (EndpointEvent | ConnectionEvent)[], who: string): void {
  for (const e of events) {
    if (e.type === 'drop' && e.reason.startsWith('internal')) {
      throw new FuzzInvariantError(`${who}: swallowed internal error: ${e.reason}`);
    }
    if (e.type === 'close' && e.error && (e.error.code === 'ERR_DTLS_INTERNAL' || e.error.code === 'ERR_DTLS_CALLBACK')) {
      const cause = (e.error as { cause?: unknown }).cause;
      const err = new FuzzInvariantError(`${who}: closed with ${e.error.code}: ${e.error.message}`);
      if (cause instanceof Error && cause.stack) err.stack = `${err.stack}\nCaused by: ${cause.stack}`;
      throw err;
    }
  }
}

/**
 * Ways an established association may legitimately end in these targets:
 * the idle timeout (the final clock jump), a new verified handshake from the
 * same address (S-18), the CCM_8 forgery limit, or a clean close_notify (no
 * error) — the seeds hold the peer's authentic close_notify. The fuzzer
 * cannot forge an authenticated record, so any other error that ends an
 * established association came from unauthenticated input: a finding (e.g.
 * a spoofed epoch-0 record tearing down a session).
 */
export const ESTABLISHED_CLOSE_OK: ReadonlySet<string> = new Set([
  'ERR_DTLS_IDLE_TIMEOUT', 'ERR_DTLS_REPLACED', 'ERR_DTLS_TOO_MANY_BAD_RECORDS',
]);

export function assertEstablishedSurvived(error: { code: string; message: string } | undefined, who: string): void {
  if (error && !ESTABLISHED_CLOSE_OK.has(error.code)) {
    throw new FuzzInvariantError(`${who}: an established association was closed by unauthenticated input: ${error.code}: ${error.message}`);
  }
}

