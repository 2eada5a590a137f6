import type { ConnectionSettings } from './connection/settings.js';
import { DtlsError, resolvingOptions } from './errors.js';
import { clientDefaultSuites, defaultSuites } from './crypto/cipher-list.js';
import type { CryptoProvider, GroupName, SigningKey } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import type { ServerEndpointConfig } from './endpoint/server-endpoint.js';
import type { ClientHandshakeConfig, ClientPsk, ClientPskCallback, ServerChainCheck } from './handshake/client-handshake.js';
import { suiteFitsKey } from './handshake/negotiation.js';
import { type PeerAddress, type ServerHandshakeConfig, type ServerIdentity, type ServerPskConfig } from './handshake/server-handshake.js';
import { isPromise } from './handshake/common.js';
import {
  type CommonOptions, type ServerOptions, checkBoolean, resolveCa, resolveCiphers, resolveIdentity, resolveLimits,
  type PemInput, checkInt, resolveAlpn, resolveChainPolicy, seedCompatible, resolveGroups, resolveProvider, resolveSettings, resolveSrtp,
  type VersionRange, resolveCiphers13, resolveGroups13, resolveVersions,
} from './options.js';
import type { Client13Config, Group13, Server13Config } from './dtls13/driver.js';
import type { Suite13 } from './dtls13/suites.js';
import { decodeClientSession13 } from './dtls13/session.js';
import { type ChainPolicy, checkChain } from './peer-info.js';
import { parseCertificate } from './x509/certificate.js';
import { type ClientSession, SessionCache, TICKET_KEY_LENGTH, TicketKeys, decodeClientSession } from './handshake/session.js';
import { MIN_SESSION_STORE_KEY_LENGTH, type SessionLookup, StoredSessions } from './handshake/session-store.js';
import { makeClusterCid } from './cluster/layout.js';
import { resolveCluster } from './cluster/options.js';
import type { ClusterConfig } from './cluster/router.js';

/**
 * Resolve `createServer` options once into the frozen configuration of the
 * sans-IO server endpoint. Throws `TypeError`/`RangeError` naming the option.
 */
export function resolveServerConfig(options: ServerOptions): { config: ServerEndpointConfig; provider: CryptoProvider; cluster?: ClusterConfig } {
  return resolvingOptions(() => serverConfig(options));
}

function serverConfig(options: ServerOptions): { config: ServerEndpointConfig; provider: CryptoProvider } {
  if (options === null || typeof options !== 'object') throw new TypeError('createServer options must be an object');
  options = seedCompatible(options, 'server');
  const provider = resolveProvider(options.crypto);
  const settings: ConnectionSettings = resolveSettings(provider, options);
  const requestCert = checkBoolean('requestCert', options.requestCert, false);
  const rejectUnauthorized = checkBoolean('rejectUnauthorized', options.rejectUnauthorized, false);
  const cookieExchange = checkBoolean('cookieExchange', options.cookieExchange, true);
  const requireEms = checkBoolean('requireExtendedMasterSecret', options.requireExtendedMasterSecret, false);
  const psk = resolveServerPsk(options);
  const raw = checkBoolean('rawPublicKey', options.rawPublicKey, false);
  if (!psk || options.key !== undefined || options.cert !== undefined) {
    if (options.key === undefined) throw new TypeError('The "key" option is required (or "pskCallback" for a PSK-only server)');
    if (options.cert === undefined && !raw) throw new TypeError('The "cert" option is required (or "rawPublicKey", or "pskCallback" for a PSK-only server)');
  }
  const identity = options.key !== undefined ? resolveIdentity(provider, options.key, options.cert, raw) : undefined;
  const verifyRaw = resolveVerifyRaw(options.verifyRawPublicKey);
  const ca = resolveCa(options.ca);
  const chainPolicy = resolveChainPolicy(options);
  const listed = resolveCiphers(options.ciphers) ?? defaultSuites();
  // With SNICallback any certificate type may be served, so every certificate suite stays (checked per handshake).
  const suites = listed.filter((s) => (s.auth === 'PSK' ? psk !== undefined : options.SNICallback !== undefined || suiteFitsKey(s, identity?.signingKey.kind)));
  if (suites.length === 0) {
    const have = [identity && `a ${identity.signingKey.kind} key`, psk && 'PSK'].filter(Boolean).join(' and ');
    throw Object.assign(new RangeError(`The "ciphers" option allows no suite usable with ${have}`), { code: 'ERR_DTLS_NO_CIPHERS' });
  }
  const cluster = resolveCluster(options.cluster);
  if (cluster && options.connectionId !== undefined) throw new TypeError('The "connectionId" option is not for a cluster node: "cluster" sets its Connection IDs');
  const cid = cluster ? { length: cluster.layout.cidLength, make: () => makeClusterCid(provider, cluster.layout, cluster.nodeId) } : resolveServerCid(provider, options.connectionId);
  let cookieSecret = options.cookieSecret;
  if (cookieSecret !== undefined && (!(cookieSecret instanceof Uint8Array) || cookieSecret.length < 16)) {
    throw new TypeError('The "cookieSecret" option must be a Buffer of at least 16 bytes');
  }
  cookieSecret ??= provider.randomBytes(32);
  const versions = resolveVersions(options);
  const sessions = resolveSessions(provider, options);
  const handshake: Server13Config = Object.freeze({
    suites, certChain: identity?.chain ?? [], requestCert, rejectUnauthorized,
    suites13: versions.max === 13 ? resolveCiphers13(options.ciphers) : [],
    groups13: resolveGroups13(options.ecdhCurve),
    ticketLifetime13: Math.min(sessions.tickets?.lifetimeSeconds ?? 0, 604_800),
    // RFC 8446 §4.1.3 (RFC 9147 §5.3): a server that could speak 1.3 says so in a 1.2 ServerHello's random.
    downgradeSentinel: versions.max === 13,
    ...(identity && { signingKey: identity.signingKey }), ...(psk && { psk }),
    caNames: (ca ?? []).map((c) => safeSubject(c)).filter((n): n is Uint8Array => n !== undefined),
    requireExtendedMasterSecret: requireEms,
    groups: resolveGroups(options.ecdhCurve),
    sessions,
    ...optional('alpnProtocols', resolveAlpn(options.ALPNProtocols)),
    ...optional('srtpProfiles', resolveSrtp(options.srtpProfiles)),
    ...optional('sni', resolveSni(provider, options.SNICallback)),
    ...optional('connectionId', cid?.make),
    ...optional('rawPublicKey', raw ? identity?.spki : undefined),
    ...optional('verifyRawPublicKey', verifyRaw),
    checkClientChain: (chain: readonly Uint8Array[]) => checkChain(provider, chain, { ...chainPolicy, ca, purpose: 'clientAuth' }),
  });
  const config = Object.freeze({ settings, handshake, cookieSecret, cookieExchange, limits: resolveLimits(options), cidLength: cid?.length ?? 0, versions });
  return { config, provider, ...(cluster && { cluster }) };
}

function optional<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

type SniContext = { key: string | Uint8Array; cert: PemInput };

/** Wrap SNICallback (all three of its styles), loading each returned context once. */
function resolveSni(provider: CryptoProvider, cb: ServerOptions['SNICallback']): ServerHandshakeConfig['sni'] {
  if (cb === undefined) return undefined;
  if (typeof cb !== 'function') throw new TypeError('The "SNICallback" option must be a function');
  const loaded = new WeakMap<object, ServerIdentity>();
  const load = (ctx: SniContext | undefined | null | void): ServerIdentity | undefined => {
    if (ctx === undefined || ctx === null) return undefined;
    if (typeof ctx !== 'object') throw new TypeError('SNICallback must give { key, cert }');
    let id = loaded.get(ctx);
    if (!id) {
      const r = resolveIdentity(provider, ctx.key, ctx.cert);
      id = { signingKey: r.signingKey, certChain: r.chain };
      loaded.set(ctx, id);
    }
    return id;
  };
  return (servername: string) => {
    if (cb.length >= 2) {
      // Node's style: (servername, cb(err, ctx)).
      return new Promise<ServerIdentity | undefined>((resolve, reject) => {
        cb(servername, (err, ctx) => {
          if (err) reject(err);
          else {
            try {
              resolve(load(ctx));
            } catch (e) {
              reject(e);
            }
          }
        });
      });
    }
    const r = callUser(() => cb(servername), 'SNICallback');
    return isPromise(r) ? r.then(load) : load(r);
  };
}

function resolveVerifyRaw(v: unknown): ((spki: Uint8Array) => boolean) | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new TypeError('The "verifyRawPublicKey" option must be a function');
  return (spki) => callUser(() => v(Buffer.from(spki)) === true, 'verifyRawPublicKey');
}

function resolveServerCid(provider: CryptoProvider, v: ServerOptions['connectionId']): { length: number; make: () => Uint8Array } | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    const length = checkInt('connectionId', v, 0, 1, 255);
    return { length, make: () => provider.randomBytes(length) };
  }
  if (typeof v !== 'function') throw new TypeError('The "connectionId" option must be a length or a function');
  const first = v();
  if (!(first instanceof Uint8Array) || first.length < 1 || first.length > 255) throw new RangeError('connectionId() must return 1 to 255 bytes');
  const length = first.length;
  return {
    length,
    make: () => {
      const c = callUser(v, 'connectionId');
      if (!(c instanceof Uint8Array) || c.length !== length) throw new DtlsError('ERR_DTLS_CALLBACK', `connectionId() must always return ${length} bytes`, 'internal_error');
      return c;
    },
  };
}

function resolveClientCid(provider: CryptoProvider, v: CommonOptions['connectionId']): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return provider.randomBytes(checkInt('connectionId', v, 0, 0, 255));
  if (typeof v !== 'function') throw new TypeError('The "connectionId" option must be a length or a function');
  const c = v();
  if (!(c instanceof Uint8Array) || c.length > 255) throw new RangeError('connectionId() must return at most 255 bytes');
  return c;
}

function resolveSessions(provider: CryptoProvider, o: ServerOptions): { cache?: SessionLookup; tickets?: TicketKeys } {
  const size = checkInt('sessionCacheSize', o.sessionCacheSize, 1024, 0, 10_000_000);
  const timeout = checkInt('sessionTimeout', o.sessionTimeout, 300, 1, 365 * 86_400);
  const useTickets = checkBoolean('sessionTickets', o.sessionTickets, true);
  let keys: Uint8Array[] | undefined;
  if (o.ticketKeys !== undefined) {
    keys = o.ticketKeys instanceof Uint8Array ? splitTicketKeys(o.ticketKeys) : [...o.ticketKeys];
    if (keys.length === 0 || keys.some((k) => !(k instanceof Uint8Array) || k.length !== TICKET_KEY_LENGTH)) {
      throw new RangeError(`The "ticketKeys" option must be ${TICKET_KEY_LENGTH}-byte Buffers`);
    }
  }
  return {
    ...(size > 0 && { cache: resolveSessionStore(provider, o, size, timeout) }),
    ...(useTickets && { tickets: new TicketKeys(provider, keys ?? [provider.randomBytes(TICKET_KEY_LENGTH)], timeout) }),
  };
}

/** The session-ID cache: in-process, or the `sessionStore` every server shares (sessions sealed under `sessionStoreKey`). */
function resolveSessionStore(provider: CryptoProvider, o: ServerOptions, size: number, timeout: number): SessionLookup {
  const store = o.sessionStore;
  if (store === undefined) {
    if (o.sessionStoreKey !== undefined) throw new TypeError('The "sessionStoreKey" option is for a "sessionStore"');
    return new SessionCache(size, timeout);
  }
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
    throw new TypeError('The "sessionStore" option must have get, set and delete methods');
  }
  const key = o.sessionStoreKey;
  if (!(key instanceof Uint8Array) || key.length < MIN_SESSION_STORE_KEY_LENGTH) {
    throw new TypeError(`The "sessionStoreKey" option (the same on every server sharing the store) must be a Buffer of at least ${MIN_SESSION_STORE_KEY_LENGTH} bytes`);
  }
  return new StoredSessions(provider, store, key, timeout);
}

/** A Buffer of several concatenated 48-byte keys is a rotation list. */
function splitTicketKeys(b: Uint8Array): Uint8Array[] {
  if (b.length === 0 || b.length % TICKET_KEY_LENGTH !== 0) throw new RangeError(`The "ticketKeys" option must be a multiple of ${TICKET_KEY_LENGTH} bytes`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += TICKET_KEY_LENGTH) out.push(b.slice(i, i + TICKET_KEY_LENGTH));
  return out;
}

function resolveServerPsk(o: ServerOptions): ServerPskConfig | undefined {
  if (o.pskIdentityHint !== undefined && typeof o.pskIdentityHint !== 'string') throw new TypeError('The "pskIdentityHint" option must be a string');
  if (o.pskCallback === undefined) return undefined;
  const cb = o.pskCallback;
  if (typeof cb !== 'function') throw new TypeError('The "pskCallback" option must be a function');
  const lookup = (identity: Uint8Array, peer: PeerAddress) => {
    const r = callUser(() => cb(new TextDecoder().decode(identity), { address: peer.address, port: peer.port }), 'pskCallback');
    return isPromise(r) ? r.then(checkPskResult) : checkPskResult(r);
  };
  const hint = o.pskIdentityHint !== undefined ? new TextEncoder().encode(o.pskIdentityHint) : undefined;
  if (hint && hint.length > 0xffff) throw new RangeError('The "pskIdentityHint" option must be at most 65535 bytes');
  return { lookup, ...(hint && { hint }) };
}

/** Call an application callback: a synchronous throw becomes the same typed error as a rejection. */
function callUser<T>(f: () => T, name: string): T {
  try {
    return f();
  } catch (e) {
    throw new DtlsError('ERR_DTLS_CALLBACK', `${name} failed: ${(e as Error)?.message ?? e}`, 'internal_error', { cause: e });
  }
}

function checkPskResult(v: unknown): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (!(v instanceof Uint8Array)) throw new TypeError('pskCallback must return a Buffer, null, or a Promise of one');
  return v;
}

/**
 * The client's `psk` option, for the PSK suites: `{ identity, key }`, or a
 * function of the server's identity hint (UTF-8 decoded; `undefined` when
 * the server sent none) that gives them, perhaps asynchronously. A string
 * identity is sent as UTF-8. Without `ciphers`, a client with a `psk` offers
 * only the PSK suites.
 *
 * @example
 * ```ts
 * import { connectAsync, type ClientPskOption } from 'puredtls';
 *
 * declare function keyFor(hint: string | undefined): Promise<Uint8Array>;
 * const fixed: ClientPskOption = { identity: 'device-17', key: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex') };
 * const byHint: ClientPskOption = async (hint) => ({ identity: 'device-17', key: await keyFor(hint) });
 * const client = await connectAsync({ host: 'coap.example', port: 5684, psk: fixed });
 * ```
 */
export type ClientPskOption =
  | { identity: string | Uint8Array; key: Uint8Array }
  | ((hint: string | undefined) => { identity: string | Uint8Array; key: Uint8Array } | Promise<{ identity: string | Uint8Array; key: Uint8Array }>);

function resolveClientPsk(v: ClientPskOption | undefined): ClientPskCallback | undefined {
  if (v === undefined) return undefined;
  const norm = (p: { identity: string | Uint8Array; key: Uint8Array }): ClientPsk => {
    if (!p || typeof p !== 'object') throw new TypeError('psk must give { identity, key }');
    const identity = typeof p.identity === 'string' ? new TextEncoder().encode(p.identity) : p.identity;
    if (!(identity instanceof Uint8Array) || !(p.key instanceof Uint8Array) || p.key.length === 0) {
      throw new TypeError('psk must give { identity: string | Buffer, key: Buffer }');
    }
    if (identity.length > 0xffff || p.key.length > 0xffff) throw new RangeError('a PSK identity and key are at most 65535 bytes');
    return { identity, key: p.key };
  };
  if (typeof v === 'function') {
    return (hint) => {
      const r = v(hint && new TextDecoder().decode(hint));
      return isPromise(r) ? r.then(norm) : norm(r);
    };
  }
  const fixed = norm(v);
  return () => fixed;
}

/** What the client needs besides its certificate check (which the caller builds: it reports `authorized`). */
export interface ResolvedClient {
  readonly provider: CryptoProvider;
  readonly settings: ConnectionSettings;
  readonly suites: CipherSuite[];
  /** DTLS 1.3 suites offered (empty when `maxVersion` is 1.2). */
  readonly suites13: Suite13[];
  readonly groups13: Group13[];
  readonly versions: VersionRange;
  /** A DTLS 1.3 session to resume (the `session` option holding one). */
  readonly session13?: Uint8Array;
  readonly identity?: { signingKey: SigningKey; chain: Uint8Array[] };
  readonly ca?: Uint8Array[];
  /** `crl` and `allowSha1Certificates`, for the server chain check. */
  readonly chainPolicy: ChainPolicy;
  readonly rejectUnauthorized: boolean;
  readonly requireExtendedMasterSecret: boolean;
  readonly groups: GroupName[];
  readonly psk?: ClientPskCallback;
  readonly session?: ClientSession;
  readonly sessionTickets: boolean;
  readonly alpnProtocols?: Uint8Array[];
  readonly srtpProfiles?: number[];
  readonly connectionId?: Uint8Array;
  readonly rawPublicKey?: Uint8Array;
  readonly verifyRawPublicKey?: (spki: Uint8Array) => boolean;
}

export function resolveClientConfig(options: ClientConfigOptions): ResolvedClient {
  return resolvingOptions(() => clientConfig(options));
}

type ClientConfigOptions = CommonOptions & { rejectUnauthorized?: boolean; psk?: ClientPskOption; session?: Uint8Array; sessionTickets?: boolean };

function clientConfig(options: ClientConfigOptions): ResolvedClient {
  options = seedCompatible(options, 'client');
  const provider = resolveProvider(options.crypto);
  const settings = resolveSettings(provider, options);
  const rejectUnauthorized = checkBoolean('rejectUnauthorized', options.rejectUnauthorized, true);
  const requireExtendedMasterSecret = checkBoolean('requireExtendedMasterSecret', options.requireExtendedMasterSecret, false);
  const raw = checkBoolean('rawPublicKey', options.rawPublicKey, false);
  const identity = options.key !== undefined || options.cert !== undefined ? resolveIdentity(provider, options.key, options.cert, raw) : undefined;
  const verifyRaw = resolveVerifyRaw(options.verifyRawPublicKey);
  const ca = resolveCa(options.ca);
  const chainPolicy = resolveChainPolicy(options);
  const psk = resolveClientPsk(options.psk);
  // Without `ciphers`, a client given a PSK offers the PSK suites only (the IoT/CoAP
  // way); otherwise the certificate suites, with CBC last for legacy servers.
  const listed = resolveCiphers(options.ciphers) ?? clientDefaultSuites().filter((s) => (psk ? s.auth === 'PSK' : true));
  const suites = listed.filter((s) => s.auth !== 'PSK' || psk !== undefined);
  if (suites.length === 0) throw Object.assign(new RangeError('The "ciphers" option allows no suite usable by the client'), { code: 'ERR_DTLS_NO_CIPHERS' });
  const groups = resolveGroups(options.ecdhCurve);
  const sessionTickets = checkBoolean('sessionTickets', options.sessionTickets, true);
  const versions = resolveVersions(options);
  let session: ClientSession | undefined;
  let session13: Uint8Array | undefined;
  if (options.session !== undefined) {
    if (!(options.session instanceof Uint8Array)) throw new TypeError('The "session" option must be a Buffer from getSession()');
    try {
      session = decodeClientSession(options.session);
    } catch {
      try {
        decodeClientSession13(options.session);
        session13 = Uint8Array.from(options.session);
      } catch {
        throw new TypeError('The "session" option is not a session from getSession()');
      }
    }
  }
  const suites13 = versions.max === 13 ? resolveCiphers13(options.ciphers) : [];
  return { provider, settings, suites, chainPolicy, rejectUnauthorized, requireExtendedMasterSecret, groups, sessionTickets, ...(psk && { psk }), ...(session && { session }),
    suites13, groups13: resolveGroups13(options.ecdhCurve), versions, ...(session13 && { session13 }),
    ...optional('alpnProtocols', resolveAlpn(options.ALPNProtocols)), ...optional('srtpProfiles', resolveSrtp(options.srtpProfiles)),
    ...optional('connectionId', resolveClientCid(provider, options.connectionId)),
    ...optional('rawPublicKey', raw ? identity?.spki : undefined),
    ...optional('verifyRawPublicKey', verifyRaw), ...(identity && { identity }), ...(ca && { ca }) };
}

/** The sans-IO client handshake configuration, with a plain chain check (trust + name). */
export function clientHandshakeConfig(r: ResolvedClient, servername: string | undefined, nameToCheck: string, check?: (chain: readonly Uint8Array[]) => ServerChainCheck): Client13Config {
  const checkServerChain = check ?? ((chain: readonly Uint8Array[]): ServerChainCheck => {
    const res = checkChain(r.provider, chain, { ...r.chainPolicy, ca: r.ca ?? [], purpose: 'serverAuth', host: nameToCheck });
    if (res.ok) return res;
    if (!r.rejectUnauthorized && res.key) return { ok: true, key: res.key, authorized: false, error: res.error };
    return { ok: false, error: res.error };
  });
  return {
    suites: r.suites, certChain: r.identity?.chain ?? [], requireExtendedMasterSecret: r.requireExtendedMasterSecret, groups: r.groups,
    checkServerChain, ...(servername !== undefined && { servername }), ...(r.identity && { signingKey: r.identity.signingKey }),
    ...(r.psk && { psk: r.psk }), ...(r.session && { session: r.session }), sessionTickets: r.sessionTickets,
    ...optional('alpnProtocols', r.alpnProtocols), ...optional('srtpProfiles', r.srtpProfiles),
    ...optional('connectionId', r.connectionId),
    ...optional('rawPublicKey', r.rawPublicKey), ...optional('verifyRawPublicKey', r.verifyRawPublicKey),
    ...(r.verifyRawPublicKey && { rejectRawPublicKey: r.rejectUnauthorized }),
    suites13: r.suites13, groups13: r.groups13,
    // One key share in the first ClientHello (the first non-hybrid group): a server that wants another asks (HelloRetryRequest).
    keyShareGroups: r.groups13.filter((g) => g !== 'x25519mlkem768').slice(0, 1),
    offer12: r.versions.min === 12,
    ...(r.session13 && { session13: r.session13 }),
  };
}

function safeSubject(der: Uint8Array): Uint8Array | undefined {
  try {
    return parseCertificate(der).subject.der;
  } catch {
    return undefined;
  }
}
