import type { ConnectionSettings } from './connection.js';
import { defaultSuites } from './crypto/cipher-list.js';
import type { CryptoProvider, GroupName, SigningKey } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import type { ServerEndpointConfig } from './endpoint/server-endpoint.js';
import type { ClientHandshakeConfig, ServerChainCheck } from './handshake/client-handshake.js';
import { suiteFitsKey } from './handshake/negotiation.js';
import type { ServerHandshakeConfig } from './handshake/server-handshake.js';
import {
  type CommonOptions, type ServerOptions, checkBoolean, resolveCa, resolveCiphers, resolveIdentity, resolveLimits,
  resolveGroups, resolveProvider, resolveSettings,
} from './options.js';
import { checkChain } from './peer-info.js';
import { parseCertificate } from './x509/certificate.js';

/**
 * Resolve `createServer` options once into the frozen configuration of the
 * sans-IO server endpoint. Throws `TypeError`/`RangeError` naming the option.
 */
export function resolveServerConfig(options: ServerOptions): { config: ServerEndpointConfig; provider: CryptoProvider } {
  if (options === null || typeof options !== 'object') throw new TypeError('createServer options must be an object');
  const provider = resolveProvider(options.crypto);
  const settings: ConnectionSettings = resolveSettings(provider, options);
  const requestCert = checkBoolean('requestCert', options.requestCert, false);
  const rejectUnauthorized = checkBoolean('rejectUnauthorized', options.rejectUnauthorized, false);
  const cookieExchange = checkBoolean('cookieExchange', options.cookieExchange, true);
  const requireEms = checkBoolean('requireExtendedMasterSecret', options.requireExtendedMasterSecret, false);
  if (options.key === undefined) throw new TypeError('The "key" option is required');
  if (options.cert === undefined) throw new TypeError('The "cert" option is required');
  const identity = resolveIdentity(provider, options.key, options.cert);
  const ca = resolveCa(options.ca);
  const listed = resolveCiphers(options.ciphers) ?? defaultSuites();
  const suites = listed.filter((s) => recordLayerSupports(s) && suiteFitsKey(s, identity.signingKey.kind));
  if (suites.length === 0) {
    throw Object.assign(new RangeError(`The "ciphers" option allows no suite usable with a ${identity.signingKey.kind} key`), { code: 'ERR_DTLS_NO_CIPHERS' });
  }
  let cookieSecret = options.cookieSecret;
  if (cookieSecret !== undefined && (!(cookieSecret instanceof Uint8Array) || cookieSecret.length < 16)) {
    throw new TypeError('The "cookieSecret" option must be a Buffer of at least 16 bytes');
  }
  cookieSecret ??= provider.randomBytes(32);
  const handshake: ServerHandshakeConfig = Object.freeze({
    suites, signingKey: identity.signingKey, certChain: identity.chain, requestCert, rejectUnauthorized,
    caNames: (ca ?? []).map((c) => safeSubject(c)).filter((n): n is Uint8Array => n !== undefined),
    requireExtendedMasterSecret: requireEms,
    groups: resolveGroups(options.ecdhCurve),
    checkClientChain: (chain: readonly Uint8Array[]) => checkChain(provider, chain, { ca, purpose: 'clientAuth' }),
  });
  const config = Object.freeze({ settings, handshake, cookieSecret, cookieExchange, limits: resolveLimits(options) });
  return { config, provider };
}

/** What the client needs besides its certificate check (which the caller builds: it reports `authorized`). */
export interface ResolvedClient {
  readonly provider: CryptoProvider;
  readonly settings: ConnectionSettings;
  readonly suites: CipherSuite[];
  readonly identity?: { signingKey: SigningKey; chain: Uint8Array[] };
  readonly ca?: Uint8Array[];
  readonly rejectUnauthorized: boolean;
  readonly requireExtendedMasterSecret: boolean;
  readonly groups: GroupName[];
}

export function resolveClientConfig(options: CommonOptions & { rejectUnauthorized?: boolean }): ResolvedClient {
  const provider = resolveProvider(options.crypto);
  const settings = resolveSettings(provider, options);
  const rejectUnauthorized = checkBoolean('rejectUnauthorized', options.rejectUnauthorized, true);
  const requireExtendedMasterSecret = checkBoolean('requireExtendedMasterSecret', options.requireExtendedMasterSecret, false);
  const identity = options.key !== undefined || options.cert !== undefined ? resolveIdentity(provider, options.key, options.cert) : undefined;
  const ca = resolveCa(options.ca);
  const suites = (resolveCiphers(options.ciphers) ?? defaultSuites()).filter((s) => recordLayerSupports(s) && s.auth !== 'PSK');
  if (suites.length === 0) throw Object.assign(new RangeError('The "ciphers" option allows no suite usable by the client'), { code: 'ERR_DTLS_NO_CIPHERS' });
  const groups = resolveGroups(options.ecdhCurve);
  return { provider, settings, suites, rejectUnauthorized, requireExtendedMasterSecret, groups, ...(identity && { identity }), ...(ca && { ca }) };
}

/** The sans-IO client handshake configuration, with a plain chain check (trust + name). */
export function clientHandshakeConfig(r: ResolvedClient, servername: string | undefined, nameToCheck: string, check?: (chain: readonly Uint8Array[]) => ServerChainCheck): ClientHandshakeConfig {
  const checkServerChain = check ?? ((chain: readonly Uint8Array[]): ServerChainCheck => {
    const res = checkChain(r.provider, chain, { ca: r.ca ?? [], purpose: 'serverAuth', host: nameToCheck });
    if (res.ok) return res;
    if (!r.rejectUnauthorized && res.key) return { ok: true, key: res.key };
    return { ok: false, error: res.error };
  });
  return {
    suites: r.suites, certChain: r.identity?.chain ?? [], requireExtendedMasterSecret: r.requireExtendedMasterSecret, groups: r.groups,
    checkServerChain, ...(servername !== undefined && { servername }), ...(r.identity && { signingKey: r.identity.signingKey }),
  };
}

/** Suites whose record protection is built (CBC comes with its own module). */
function recordLayerSupports(s: CipherSuite): boolean {
  return s.protection.kind === 'aead';
}

function safeSubject(der: Uint8Array): Uint8Array | undefined {
  try {
    return parseCertificate(der).subjectDer;
  } catch {
    return undefined;
  }
}
