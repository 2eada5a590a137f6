import type { CryptoProvider, VerifyingKey } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import { CertificateError, type DtlsError } from './errors.js';
import type { NegotiatedView } from './endpoint/endpoint.js';
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
