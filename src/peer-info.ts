import type { CryptoProvider, VerifyingKey } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import { CertificateError, type DtlsError } from './errors.js';
import type { NegotiatedView } from './endpoint/endpoint.js';
import type { ServerChainCheck } from './handshake/client-handshake.js';
import { nodeBuiltin } from './node-builtin.js';
import { type PeerCertificate, parseCertificate, toPeerCertificate } from './x509/certificate.js';
import { spkiOfCertificate } from './x509/keys.js';
import { pemEncode } from './x509/pem.js';
import type { ParsedCrl } from './x509/crl.js';
import { verifyChain } from './x509/verify.js';

/**
 * The negotiated cipher suite, as Node's `tlsSocket.getCipher()` returns it.
 *
 * @example
 * ```ts
 * import type { Peer } from 'puredtls';
 *
 * declare const peer: Peer;
 * peer.getCipher(); // { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', version: 'DTLSv1.2' }
 * ```
 */
export interface CipherInfo {
  /** OpenSSL name, e.g. `ECDHE-ECDSA-AES128-GCM-SHA256`. */
  readonly name: string;
  /** IANA name, e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`. */
  readonly standardName: string;
  /** The protocol version. */
  readonly version: 'DTLSv1.2' | 'DTLSv1.3';
}

/** Application data as the Buffer a `message` listener gets: the same bytes, never copied. */
export function messageBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** What either version negotiated (1.2's shape; a 1.3 handshake adds `protocol`, `suite13`, `pskMode`). */
export type AnyNegotiated = NegotiatedView;

/** The cipher suite of a handshake (DTLS 1.3's suites have one name: OpenSSL uses the IANA one). */
export function cipherInfo(n: AnyNegotiated | undefined): CipherInfo | undefined {
  if (!n) return undefined;
  if (n.suite13) return { name: n.suite13.name, standardName: n.suite13.name, version: 'DTLSv1.3' };
  const suite: CipherSuite = n.suite;
  return { name: suite.openssl, standardName: suite.iana, version: 'DTLSv1.2' };
}

/** The peer's chain as PEM, leaf first; an empty Buffer when it sent none (openssl-dtls `getCertChain`). */
export function certChainPem(n: AnyNegotiated | undefined): Buffer {
  const certs = n?.peerCertificates ?? [];
  return Buffer.from(certs.map((c) => pemEncode('CERTIFICATE', c)).join(''), 'latin1');
}

/** Node-style `getPeerCertificate(detailed)`: `{}` when there is none. Fingerprints are hashed by `provider`. */
export function peerCertificate(n: AnyNegotiated | undefined, detailed = false, provider?: CryptoProvider): PeerCertificate | Record<string, never> {
  const certs = n?.peerCertificates ?? [];
  if (certs.length === 0) return {};
  try {
    const parsed = certs.map((c) => parseCertificate(c));
    return toPeerCertificate(parsed[0]!, detailed ? parsed.slice(1) : [], provider);
  } catch {
    return {};
  }
}

/** The certificate-checking options of both roles (`crl`, `allowSha1Certificates`), resolved. */
export interface ChainPolicy {
  readonly crls?: readonly ParsedCrl[];
  readonly allowSha1Certificates?: boolean;
  /** false for Node's bundled roots (see `VerifyChainOptions.strictAnchors`). */
  readonly strictAnchors?: boolean;
}

/**
 * Check a peer chain for a handshake: full validation against `ca` when
 * given; always the leaf key, so signatures are still verified when
 * validation fails and the application chose not to reject (S-54).
 */
export function checkChain(
  provider: CryptoProvider,
  chain: readonly Uint8Array[],
  opts: { ca: readonly Uint8Array[] | undefined; purpose: 'serverAuth' | 'clientAuth'; host?: string } & ChainPolicy,
): { ok: true; key: VerifyingKey } | { ok: false; error: DtlsError; key?: VerifyingKey } {
  let key: VerifyingKey | undefined;
  try {
    key = provider.importVerifyingKey(spkiOfCertificate(chain[0]!));
  } catch {
    key = undefined;
  }
  const res = verifyChain(provider, [...chain], {
    ca: opts.ca ?? [], purpose: opts.purpose, ...(opts.host !== undefined && { host: opts.host }),
    ...(opts.crls !== undefined && { crls: opts.crls }), allowSha1Certificates: opts.allowSha1Certificates === true,
    strictAnchors: opts.strictAnchors !== false,
  });
  if (!res.ok) return key ? { ok: false, error: res.error, key } : { ok: false, error: res.error };
  if (!key) return { ok: false, error: new CertificateError('ERR_DTLS_BAD_CERTIFICATE', 'the certificate key cannot be used', 'unsupported_certificate') };
  return { ok: true, key };
}

/** How a client checks the server's chain: the `connect` options that say it, resolved. */
export interface ServerCheckOptions {
  /** Trusted CAs; Node's bundled roots when undefined. */
  readonly ca: Uint8Array[] | undefined;
  /** The name the certificate must carry (SAN DNS/IP). */
  readonly name: string;
  readonly rejectUnauthorized: boolean;
  readonly policy: ChainPolicy;
  readonly checkServerIdentity?: ((hostname: string, cert: PeerCertificate) => Error | undefined) | undefined;
}

/**
 * The client's check of the server's chain, for `connect` and the sans-IO
 * client alike: validation against `ca` (Node's bundled roots by default,
 * trusted as names and keys) and the name, or `checkServerIdentity` in place
 * of the name check. `error` is why the chain is not authorized (also when
 * `rejectUnauthorized` is false and the handshake goes on).
 */
export function checkServerChain(provider: CryptoProvider, chain: readonly Uint8Array[], o: ServerCheckOptions): { check: ServerChainCheck; error: DtlsError | undefined } {
  const custom = o.checkServerIdentity;
  // Node's bundled roots are trusted as names and keys (strictAnchors: false); a `ca` given is held to the CA profile.
  const res = checkChain(provider, chain, { ...o.policy, ca: o.ca ?? systemRoots(), strictAnchors: o.ca !== undefined, purpose: 'serverAuth', ...(custom ? {} : { host: o.name }) });
  let error: DtlsError | undefined = res.ok ? undefined : res.error;
  if (!error && custom) {
    let verdict: Error | undefined;
    try {
      verdict = custom(o.name, toPeerCertificate(parseCertificate(chain[0]!), [], provider));
    } catch (e) {
      verdict = e as Error;
    }
    if (verdict) error = new CertificateError('ERR_DTLS_CERT_NAME_MISMATCH', verdict.message, 'bad_certificate');
  }
  if (error && o.rejectUnauthorized) return { check: { ok: false, error }, error };
  if (!res.key) return { check: { ok: false, error: error ?? new CertificateError('ERR_DTLS_BAD_CERTIFICATE', 'server key unusable') }, error };
  return { check: { ok: true, key: res.key, authorized: error === undefined, ...(error && { error }) }, error };
}

let roots: Uint8Array[] | undefined;
/** Node's bundled root CAs, when the runtime has node:tls (the default `ca` of the client). */
function systemRoots(): Uint8Array[] {
  if (roots) return roots;
  const tls = nodeBuiltin<typeof import('node:tls')>('node:tls');
  const list: Uint8Array[] = [];
  for (const pem of tls?.rootCertificates ?? []) {
    const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    list.push(new Uint8Array(Buffer.from(b64, 'base64')));
  }
  roots = list;
  return list;
}
