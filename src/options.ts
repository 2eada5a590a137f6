import type { Socket } from 'node:dgram';
import { type ConnectionSettings, DEFAULT_SETTINGS } from './connection/settings.js';
import { parseCipherList } from './crypto/cipher-list.js';
import { defaultProvider, providerByName } from './crypto/index.js';
import type { CryptoProvider, GroupName, SigningKey } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import type { Group13 } from './dtls13/driver.js';
import { type Suite13, suite13ByName } from './dtls13/suites.js';
import type { VersionRange } from './endpoint/endpoint.js';
import { DEFAULT_ENDPOINT_LIMITS, type EndpointLimits } from './endpoint/server-endpoint.js';
import { KeyError } from './errors.js';
import { DEFAULT_REASSEMBLY_LIMITS } from './handshake/reassembler.js';
import { keyMatchesCertificate, loadPrivateKey, spkiOfPrivateKey } from './x509/keys.js';
import { certificatesFromPem, crlsFromPem } from './x509/pem.js';
import { loadCrl } from './x509/crl.js';
import type { ChainPolicy } from './peer-info.js';
import { SRTP_PROFILES } from './handshake/extensions.js';
import type { ClusterOptions } from './cluster/options.js';
import type { SessionStore } from './handshake/session-store.js';

/**
 * PEM text or DER bytes, or a list of them (Node's `tls` shapes): what the
 * `cert` and `ca` options take.
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { createServer } from 'puredtls';
 *
 * declare const key: Buffer;
 * createServer({ key, cert: fs.readFileSync('chain.pem'), ca: [fs.readFileSync('ca1.pem'), fs.readFileSync('ca2.pem')] });
 * ```
 */
export type PemInput = string | Buffer | Uint8Array | readonly (string | Buffer | Uint8Array)[];

/**
 * Options shared by the server ({@link ServerOptions}) and the client
 * ({@link ConnectOptions}). Wrong types and out-of-range values throw a
 * `TypeError` or `RangeError` naming the option.
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { createServer, type CommonOptions } from 'puredtls';
 *
 * const common: CommonOptions = {
 *   key: fs.readFileSync('key.pem'), cert: fs.readFileSync('cert.pem'),
 *   ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
 *   ecdhCurve: 'X25519:P-256', mtu: 1200, handshakeTimeout: 10_000,
 * };
 * createServer({ ...common, requestCert: true, ca: fs.readFileSync('ca.pem') });
 * ```
 */
export interface CommonOptions {
  /** Private key, PEM (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
  key?: string | Buffer;
  /** Certificate chain, PEM, leaf first. */
  cert?: PemInput;
  /** Trusted CA certificates, PEM. */
  ca?: PemInput;
  /**
   * Certificate revocation lists, PEM (`X509 CRL` blocks) or DER, one or
   * several (Node's `tls` shapes). Every certificate of the peer's path whose
   * issuer has a CRL here is checked against it: a revoked one fails the
   * handshake with `ERR_DTLS_CERT_REVOKED` and the `certificate_revoked`
   * alert; an issuer whose CRLs are all unusable (expired, not yet valid,
   * bad signature, issuer without cRLSign) fails it too. A CRL that breaks
   * RFC 5280 (no cRLNumber or nextUpdate, an unknown critical extension, a
   * delta or indirect CRL) throws here. See docs/x509.md.
   */
  crl?: PemInput;
  /**
   * Accept SHA-1 signatures on certificates and CRLs, for legacy PKIs
   * (old IoT devices). Default false: such chains fail with
   * `ERR_DTLS_CERT_WEAK_SIGNATURE`.
   */
  allowSha1Certificates?: boolean;
  /** Largest datagram sent, in bytes. Default 1452 (1500 − IPv6 − UDP headers). */
  mtu?: number;
  /** Allowed cipher suites, OpenSSL cipher-list syntax or IANA names. */
  ciphers?: string;
  /** Milliseconds a handshake may take before it is abandoned. Default 30 000. */
  handshakeTimeout?: number;
  /** Crypto provider: 'node' (node:crypto), 'noble' (pure JavaScript) or a provider object. Default: node:crypto when present. */
  crypto?: 'node' | 'noble' | CryptoProvider;
  /** ECDHE groups, in preference order, colon-separated as in Node's tls: `X25519`, `P-256` (`prime256v1`), `P-384` (`secp384r1`). Default 'X25519:P-256:P-384'. */
  ecdhCurve?: string;
  /**
   * The lowest protocol version to speak: `'DTLSv1.2'` (default) or
   * `'DTLSv1.3'` (as Node's tls `minVersion`).
   */
  minVersion?: 'DTLSv1.2' | 'DTLSv1.3';
  /** The highest protocol version to speak: `'DTLSv1.3'` (default) or `'DTLSv1.2'`. */
  maxVersion?: 'DTLSv1.2' | 'DTLSv1.3';
  /** Refuse peers that do not negotiate the extended master secret (RFC 7627). Default false. */
  requireExtendedMasterSecret?: boolean;
  /** First retransmission timeout in ms (RFC 6347 §4.2.4.1). Default 1000. */
  retransmitTimeout?: number;
  /** Largest retransmission timeout in ms. Default 60 000. */
  maxRetransmitTimeout?: number;
  /** Retransmissions of one flight before the handshake fails. Default 10. */
  maxRetransmits?: number;
  /** Close the connection after this many records fail authentication (0: never). Default 0 (128 for CCM_8 suites). */
  maxBadRecords?: number;
  /** ALPN protocols (RFC 7301), in preference order: the client offers them, the server picks its first the client offered. */
  ALPNProtocols?: readonly (string | Uint8Array)[];
  /** DTLS-SRTP profiles (RFC 5764) by OpenSSL name, e.g. 'SRTP_AES128_CM_SHA1_80', in preference order. */
  srtpProfiles?: readonly string[];
  /**
   * Raw public keys (RFC 7250): present `key` as a bare public key instead of a
   * certificate when the peer accepts one (`cert` becomes optional). Default false.
   */
  rawPublicKey?: boolean;
  /**
   * Trust a peer's raw public key (its SubjectPublicKeyInfo, DER): return true to
   * accept it. Enables RawPublicKey peers (CoAP/LwM2M devices without a PKI).
   */
  verifyRawPublicKey?: (spki: Buffer) => boolean;
  /**
   * Connection IDs (RFC 9146), so a peer whose address changes keeps its session:
   * the length of the random CID we ask the peer to use (server: 1..255, client:
   * 0..255, 0 meaning "I send CIDs but need none"), or a function making it (the
   * server's must always return the same length). Default: off.
   */
  connectionId?: number | (() => Uint8Array);
  /** Largest handshake message accepted, in bytes. Default 16 384. */
  maxHandshakeMessageSize?: number;
  /** Largest certificate chain message accepted, in bytes. Default 65 536. */
  maxCertificateSize?: number;
  /** Bytes buffered for one handshake's reassembly. Default 98 304. */
  maxHandshakeBytes?: number;
}

/**
 * `createServer` options: the `openssl-dtls` ones, then puredtls's own (and
 * those of {@link CommonOptions}).
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { createServer } from 'puredtls';
 *
 * declare function lookUpKey(identity: string): Promise<Buffer | null>;
 * const server = createServer({
 *   key: fs.readFileSync('server.key'), cert: fs.readFileSync('server.crt'),
 *   ca: fs.readFileSync('ca.crt'), requestCert: true, rejectUnauthorized: true, // mutual TLS
 *   pskCallback: async (identity) => lookUpKey(identity),                      // and PSK devices
 * });
 * ```
 */
export interface ServerOptions extends CommonOptions {
  /** Request a certificate from clients. Default false. */
  requestCert?: boolean;
  /** Reject clients whose certificate does not verify (with `requestCert`). Default false, as in openssl-dtls. */
  rejectUnauthorized?: boolean;
  /** The UDP socket to serve on. Default a new 'udp6' socket. */
  socket?: Socket;
  /** Milliseconds an established connection may stay idle before it is closed. Default 600 000. */
  connectionTimeout?: number;
  /** Secret for the stateless cookies (≥ 16 bytes); share it between workers. Default random. */
  cookieSecret?: Uint8Array;
  /** Run the cookie exchange (HelloVerifyRequest). Default true; turn off only for paths verified otherwise. */
  cookieExchange?: boolean;
  /** Concurrent half-open handshakes, total. Default 1000. */
  maxHandshakes?: number;
  /** Concurrent half-open handshakes per source address. Default 100. */
  maxHandshakesPerAddress?: number;
  /** Established connections, total. Default 100 000. */
  maxConnections?: number;
  /**
   * First (cookieless) ClientHellos answered per second, in total; a flood
   * above it is dropped unread, so it cannot take the CPU established
   * connections need (clients retransmit). 0: no limit. Default 2 000 (about the full handshakes a core completes per second).
   */
  maxHelloRate?: number;
  /**
   * Pre-shared keys (RFC 4279): called with the client's identity, returns the key,
   * `null` for an unknown identity, or a Promise of either. Enables the PSK suites;
   * `key`/`cert` become optional.
   */
  pskCallback?: (identity: string, info: { address: string; port: number }) => Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;
  /** PSK identity hint sent to clients. */
  pskIdentityHint?: string;
  /**
   * SNI (RFC 6066): the `{ key, cert }` to use for a server name the client asked
   * for, or undefined for the default; may return a Promise, or take a Node-style
   * `(servername, cb)` callback.
   */
  SNICallback?: (servername: string, cb?: (err: Error | null, ctx?: { key: string | Uint8Array; cert: PemInput }) => void) =>
    | {
      /** The private key for this name, PEM. */
      key: string | Uint8Array;
      /** The certificate chain for this name, PEM, leaf first. */
      cert: PemInput;
    }
    | undefined | null | void
    | Promise<{
      /** The private key for this name, PEM. */
      key: string | Uint8Array;
      /** The certificate chain for this name, PEM, leaf first. */
      cert: PemInput;
    } | undefined | null>;
  /** Sessions kept for session-ID resumption (0 turns the cache off). Default 1024. */
  sessionCacheSize?: number;
  /** Seconds a session may be resumed, by ID or ticket. Default 300 (as Node's tls). */
  sessionTimeout?: number;
  /** Issue and accept session tickets (RFC 5077). Default true. */
  sessionTickets?: boolean;
  /**
   * Ticket keys: 48 bytes (16-byte name, 32-byte AES-256-GCM key), or a list whose
   * first key encrypts and all decrypt (rotation). Share them between processes so
   * any accepts the others' tickets. Default random.
   */
  ticketKeys?: Uint8Array | readonly Uint8Array[];
  /**
   * A session store every server of a cluster shares (e.g. Redis, `puredtls/redis`),
   * so that any of them resumes a session ID another one made. The handshake waits
   * for its `get`. Default: an in-process cache of `sessionCacheSize` sessions.
   */
  sessionStore?: SessionStore;
  /** Key (≥ 32 bytes, the same on every server) sealing the sessions put in `sessionStore`: the store never sees a master secret. Required with `sessionStore`. */
  sessionStoreKey?: Uint8Array;
  /**
   * Make this server one node of a cluster across machines (docs/scaling.md, "A
   * cluster"): its Connection IDs name it, and a client's record whose CID names
   * another node is forwarded there over an authenticated node-to-node channel.
   * Sets the Connection IDs (not with `connectionId`).
   */
  cluster?: ClusterOptions;
}

/**
 * Options as openssl-dtls read them, so that code written for it runs
 * unchanged. It took `opts.mtu || 1452`-style defaults and tested booleans for
 * truth, so:
 * - `null` stands for "not given", for every option;
 * - `mtu`, `handshakeTimeout` and `connectionTimeout` that are falsy (`0`,
 *   `''`, `false`, `NaN`) take the default; `ciphers: ''` is the default list;
 * - the server's `requestCert` and `rejectUnauthorized` take any value for its
 *   truth (`1`, `'yes'` are true; `0`, `''` false).
 *
 * What the seed could not have meant either still throws, naming the option
 * (`mtu: 'abc'`, `mtu: 20`, `ciphers: 'NOPE'`, `key: 42`).
 */
export function seedCompatible<T extends object>(options: T, role: 'server' | 'client'): T {
  if (options === null || typeof options !== 'object') return options;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== null) o[k] = v;
  for (const k of ['mtu', 'handshakeTimeout', 'connectionTimeout']) if (k in o && !o[k]) delete o[k];
  if (o.ciphers === '') delete o.ciphers;
  if (role === 'server') {
    for (const k of ['requestCert', 'rejectUnauthorized']) if (k in o && o[k] !== undefined) o[k] = Boolean(o[k]);
  }
  return o as T;
}

export function checkBoolean(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`The "${name}" option must be a boolean`);
  return v;
}

export function checkInt(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`The "${name}" option must be an integer`);
  if (v < min || v > max) throw new RangeError(`The "${name}" option must be between ${min} and ${max}, got ${v}`);
  return v;
}

function checkPemLike(name: string, v: unknown): void {
  const ok = (x: unknown) => typeof x === 'string' || x instanceof Uint8Array;
  if (!(ok(v) || (Array.isArray(v) && v.every(ok)))) {
    throw new TypeError(`The "${name}" option must be a string, Buffer or array of them`);
  }
}

export function resolveProvider(v: CommonOptions['crypto']): CryptoProvider {
  if (v === undefined) return defaultProvider();
  if (v === 'node' || v === 'noble') return providerByName(v);
  if (typeof v === 'object' && v !== null && typeof v.createAead === 'function') return v;
  throw new TypeError('The "crypto" option must be "node", "noble" or a CryptoProvider');
}

export function resolveCiphers(v: unknown, optionName = 'ciphers'): CipherSuite[] | undefined {
  return resolveCipherLists(v, optionName).suites12;
}

/** The DTLS 1.3 suites a `ciphers` list names, or the default ones. */
export function resolveCiphers13(v: unknown, optionName = 'ciphers'): Suite13[] {
  return resolveCipherLists(v, optionName).suites13 ?? DEFAULT_SUITES_13.map((n) => suite13ByName(n)!);
}

/** Load a key and chain pair, checking that they belong together. */
export function resolveIdentity(provider: CryptoProvider, key: unknown, cert: unknown, rawPublicKey = false): { signingKey: SigningKey; chain: Uint8Array[]; spki: Uint8Array } {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) throw new TypeError('The "key" option must be a string or Buffer (PEM)');
  const loaded = inOption('key', () => loadPrivateKey(key));
  const spki = inOption('key', () => spkiOfPrivateKey(loaded));
  const signingKey = (): SigningKey => inOption('key', () => provider.importSigningKey(loaded.pkcs8));
  if (cert === undefined && rawPublicKey) return { signingKey: signingKey(), chain: [], spki };
  checkPemLike('cert', cert);
  const chain = inOption('cert', () => certificatesFromPem(cert as PemInput));
  if (chain.length === 0) throw new KeyError('The "cert" option holds no certificate');
  if (!keyMatchesCertificate(provider, loaded, chain[0]!)) throw new KeyError('The "key" option does not match the certificate in "cert"');
  return { signingKey: signingKey(), chain, spki };
}

/** Run `load`, naming the option in a `KeyError` it throws (`The "cert" option: no CERTIFICATE PEM block found`). */
function inOption<T>(name: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof KeyError && !err.message.startsWith('The "')) throw new KeyError(`The "${name}" option: ${err.message}`, { cause: err });
    throw err;
  }
}

const GROUP_NAMES: Record<string, GroupName> = {
  x25519: 'x25519', 'p-256': 'secp256r1', prime256v1: 'secp256r1', secp256r1: 'secp256r1',
  'p-384': 'secp384r1', secp384r1: 'secp384r1',
};

/** The hybrid post-quantum group's names (DTLS 1.3 only, draft-ietf-tls-ecdhe-mlkem; IANA 0x11EC). */
const KEM_GROUP_NAMES: Record<string, Group13> = { x25519mlkem768: 'x25519mlkem768' };

/** Parse `ecdhCurve` ('auto' or a colon list) into the groups of DTLS 1.2 (the hybrid post-quantum group is 1.3's: skipped here). */
export function resolveGroups(v: unknown): GroupName[] {
  return resolveGroups13(v).filter((g): g is GroupName => g !== 'x25519mlkem768');
}

/**
 * Parse `ecdhCurve` into DTLS 1.3's groups, in order: X25519MLKEM768 only
 * when it is named (it is offered or accepted only when configured).
 */
export function resolveGroups13(v: unknown): Group13[] {
  if (v === undefined || v === 'auto') return ['x25519', 'secp256r1', 'secp384r1'];
  if (typeof v !== 'string') throw new TypeError('The "ecdhCurve" option must be a string');
  const out: Group13[] = [];
  for (const part of v.split(':')) {
    const name = part.trim().toLowerCase();
    const g = GROUP_NAMES[name] ?? KEM_GROUP_NAMES[name];
    if (!g) throw new RangeError(`The "ecdhCurve" option names an unsupported group: ${part}`);
    if (!out.includes(g)) out.push(g);
  }
  if (!out.some((g) => g !== 'x25519mlkem768')) throw new RangeError('The "ecdhCurve" option needs a group besides X25519MLKEM768 (for DTLS 1.2 and HelloRetryRequest fallbacks)');
  return out;
}

export type { VersionRange } from './endpoint/endpoint.js';

const VERSION_NAMES: Record<string, 12 | 13> = { 'DTLSv1.2': 12, 'DTLSv1.3': 13 };

/** `minVersion` / `maxVersion` ('DTLSv1.2', 'DTLSv1.3', as Node's tls names them); default both. */
export function resolveVersions(o: { minVersion?: unknown; maxVersion?: unknown; ciphers?: unknown }): VersionRange {
  const one = (name: 'minVersion' | 'maxVersion', v: unknown, dflt: 12 | 13): 12 | 13 => {
    if (v === undefined || v === null) return dflt;
    const n = typeof v === 'string' ? VERSION_NAMES[v] : undefined;
    if (n === undefined) throw new RangeError(`The "${name}" option must be 'DTLSv1.2' or 'DTLSv1.3', got ${JSON.stringify(v)}`);
    return n;
  };
  const min = one('minVersion', o.minVersion, 12);
  let max = one('maxVersion', o.maxVersion, 13);
  if (min > max) throw new RangeError(`The "minVersion" option (${o.minVersion}) is above "maxVersion" (${o.maxVersion})`);
  // As Node's tls does: a cipher list that names no 1.3 suite keeps a 1.2-capable endpoint at 1.2
  // (code written for DTLS 1.2 pins its suites that way); with minVersion DTLSv1.3, 1.3's defaults apply.
  if (max === 13 && min === 12 && typeof o.ciphers === 'string' && resolveCipherLists(o.ciphers).suites13 === undefined) max = 12;
  return { min, max };
}

/** DTLS 1.3's default suites: the AEADs, CCM_8 only when named (RFC 9147 §4.5.3 deems it for constrained uses). */
export const DEFAULT_SUITES_13: readonly string[] = Object.freeze([
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256',
]);

/**
 * Split a `ciphers` list into DTLS 1.3 suite names (IANA names, which are
 * also OpenSSL's) and the DTLS 1.2 cipher list (OpenSSL syntax), as OpenSSL
 * keeps `-ciphersuites` apart from `-cipher`: naming 1.3 suites chooses the
 * 1.3 suites only; a list without any keeps 1.3's default (used when
 * `minVersion` is DTLSv1.3: otherwise such a list turns 1.3 off, see
 * {@link resolveVersions}), and the reverse.
 */
export function resolveCipherLists(v: unknown, optionName = 'ciphers'): { suites12?: CipherSuite[]; suites13?: Suite13[] } {
  if (v === undefined) return {};
  if (typeof v !== 'string') throw new TypeError(`The "${optionName}" option must be a string`);
  const tokens = v.split(/[:, ]+/).filter((t) => t.length > 0);
  const names13 = tokens.filter((t) => suite13ByName(t.replace(/^[+!-]/, '')) !== undefined);
  const rest = tokens.filter((t) => !names13.includes(t));
  const suites13: Suite13[] = [];
  for (const t of names13) {
    if (/^[!-]/.test(t)) continue;
    const s = suite13ByName(t.replace(/^\+/, ''))!;
    if (!suites13.includes(s) && !names13.some((x) => /^[!-]/.test(x) && x.slice(1) === s.name)) suites13.push(s);
  }
  return {
    ...(rest.length > 0 && { suites12: parseCipherList(rest.join(':'), { optionName }) }),
    ...(names13.length > 0 && { suites13 }),
  };
}

/** ALPN names as bytes (1..255 each). */
export function resolveAlpn(v: unknown): Uint8Array[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new TypeError('The "ALPNProtocols" option must be an array of strings or Buffers');
  return v.map((p) => {
    const b = typeof p === 'string' ? new TextEncoder().encode(p) : p;
    if (!(b instanceof Uint8Array) || b.length < 1 || b.length > 255) throw new RangeError('ALPN protocol names are 1 to 255 bytes');
    return b;
  });
}

/** SRTP profile names to code points. */
export function resolveSrtp(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new TypeError('The "srtpProfiles" option must be an array of profile names');
  return v.map((n) => {
    const id = typeof n === 'string' ? SRTP_PROFILES[n] : undefined;
    if (id === undefined) throw new RangeError(`unknown SRTP profile ${String(n)} (known: ${Object.keys(SRTP_PROFILES).join(', ')})`);
    return id;
  });
}

/** The `crl` and `allowSha1Certificates` options: what both roles pass to certificate validation. */
export function resolveChainPolicy(o: CommonOptions): ChainPolicy {
  const allowSha1Certificates = checkBoolean('allowSha1Certificates', o.allowSha1Certificates, false);
  if (o.crl === undefined) return Object.freeze({ allowSha1Certificates });
  checkPemLike('crl', o.crl);
  try {
    const crls = crlsFromPem(o.crl).map(loadCrl);
    return Object.freeze({ crls, allowSha1Certificates });
  } catch (e) {
    throw new KeyError(`The "crl" option: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function resolveCa(v: unknown): Uint8Array[] | undefined {
  if (v === undefined) return undefined;
  checkPemLike('ca', v);
  return inOption('ca', () => certificatesFromPem(v as PemInput));
}

/** Connection settings from options. */
export function resolveSettings(provider: CryptoProvider, o: CommonOptions & Partial<ServerOptions>): ConnectionSettings {
  return Object.freeze({
    ...DEFAULT_SETTINGS,
    provider,
    mtu: checkInt('mtu', o.mtu, DEFAULT_SETTINGS.mtu, 100, 65_507),
    handshakeTimeout: checkInt('handshakeTimeout', o.handshakeTimeout, DEFAULT_SETTINGS.handshakeTimeout, 1, 2 ** 31 - 1),
    connectionTimeout: checkInt('connectionTimeout', o.connectionTimeout, DEFAULT_SETTINGS.connectionTimeout, 1, 2 ** 31 - 1),
    retransmitInitial: checkInt('retransmitTimeout', o.retransmitTimeout, DEFAULT_SETTINGS.retransmitInitial, 1, 60_000),
    retransmitMax: checkInt('maxRetransmitTimeout', o.maxRetransmitTimeout, DEFAULT_SETTINGS.retransmitMax, 1, 600_000),
    maxRetransmits: checkInt('maxRetransmits', o.maxRetransmits, DEFAULT_SETTINGS.maxRetransmits, 0, 100),
    maxBadRecords: checkInt('maxBadRecords', o.maxBadRecords, DEFAULT_SETTINGS.maxBadRecords, 0, 2 ** 31 - 1),
    reassembly: Object.freeze({
      ...DEFAULT_REASSEMBLY_LIMITS,
      maxMessage: checkInt('maxHandshakeMessageSize', o.maxHandshakeMessageSize, DEFAULT_REASSEMBLY_LIMITS.maxMessage, 256, 2 ** 24 - 1),
      maxCertificate: checkInt('maxCertificateSize', o.maxCertificateSize, DEFAULT_REASSEMBLY_LIMITS.maxCertificate, 256, 2 ** 24 - 1),
      maxBuffered: checkInt('maxHandshakeBytes', o.maxHandshakeBytes, DEFAULT_REASSEMBLY_LIMITS.maxBuffered, 1024, 2 ** 28),
    }),
  });
}

export function resolveLimits(o: ServerOptions): EndpointLimits {
  return Object.freeze({
    maxHandshakes: checkInt('maxHandshakes', o.maxHandshakes, DEFAULT_ENDPOINT_LIMITS.maxHandshakes, 1, 2 ** 31 - 1),
    maxHandshakesPerAddress: checkInt('maxHandshakesPerAddress', o.maxHandshakesPerAddress, DEFAULT_ENDPOINT_LIMITS.maxHandshakesPerAddress, 1, 2 ** 31 - 1),
    maxConnections: checkInt('maxConnections', o.maxConnections, DEFAULT_ENDPOINT_LIMITS.maxConnections, 1, 2 ** 31 - 1),
    maxHelloRate: checkInt('maxHelloRate', o.maxHelloRate, DEFAULT_ENDPOINT_LIMITS.maxHelloRate, 0, 2 ** 31 - 1),
  });
}
