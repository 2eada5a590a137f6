import type { CryptoProvider, VerifyingKey } from './crypto/provider.js';
import type { CipherSuite } from './crypto/suites.js';
import { CertificateError, type DtlsError } from './errors.js';
import type { Negotiated } from './handshake/server-handshake.js';
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
  /** The protocol version: always `'DTLSv1.2'`. */
  readonly version: 'DTLSv1.2';
}

/** Application data as the Buffer a `message` listener gets: the same bytes, never copied. */
export function messageBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function cipherInfo(suite: CipherSuite | undefined): CipherInfo | undefined {
  return suite && { name: suite.openssl, standardName: suite.iana, version: 'DTLSv1.2' };
}

/** The peer's chain as PEM, leaf first; an empty Buffer when it sent none (openssl-dtls `getCertChain`). */
export function certChainPem(n: Negotiated | undefined): Buffer {
  const certs = n?.peerCertificates ?? [];
  return Buffer.from(certs.map((c) => pemEncode('CERTIFICATE', c)).join(''), 'latin1');
}

/** Node-style `getPeerCertificate(detailed)`: `{}` when there is none. Fingerprints are hashed by `provider`. */
export function peerCertificate(n: Negotiated | undefined, detailed = false, provider?: CryptoProvider): PeerCertificate | Record<string, never> {
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
