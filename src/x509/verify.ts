/**
 * Synchronous certificate path validation (RFC 5280 §6 with the rules of
 * docs/x509.md), host-name checking (RFC 6125) and revocation with CRLs
 * (RFC 5280 §6.3). Signatures are verified through the
 * {@link CryptoProvider}; no WebCrypto, no promises. Path building is in
 * `build.ts`, the checks of one path in `validate.ts`; the error codes and
 * their alerts in `codes.ts` (and docs/x509.md).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { CertificateError, DtlsError, KeyError } from '../errors.js';
import { TooComplex, defaultBudget } from './budget.js';
import { buildPath } from './build.js';
import { type ParsedCertificate, parseCertificate, sameCertificate } from './certificate.js';
import { CertificateErrorCode as C, certError } from './codes.js';
import { type ParsedCrl, loadCrl } from './crl.js';
import { SignatureChecks, verifySignature } from './signature.js';
import { type CertificatePurpose, type ValidationContext, validatePath } from './validate.js';

export { CertificateErrorCode } from './codes.js';
export { checkHostname, matchDnsName, isValidDnsName } from './hostname.js';
export { signatureSchemeFor } from './signature.js';
export type { CertificatePurpose } from './validate.js';

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** Trust anchors: DER certificates (or already parsed ones). */
  ca: readonly (Uint8Array | ParsedCertificate)[];
  /** `serverAuth` when verifying a server, `clientAuth` for a client. */
  purpose: CertificatePurpose;
  /** Name the leaf must match: a DNS name or an IPv4/IPv6 literal. Not checked when omitted. */
  host?: string;
  /** Verification time; defaults to now. Compared in whole seconds (RFC 5280 times have no fraction). */
  now?: Date;
  /** Longest accepted path, trust anchor included. Default 10 (at most 32). */
  maxDepth?: number;
  /** CRLs (DER or loaded) to check the revocation status of each certificate whose issuer has one. */
  crls?: readonly (Uint8Array | ParsedCrl)[];
  /** Accept SHA-1 signatures on certificates and CRLs (legacy PKIs). Default false. */
  allowSha1Certificates?: boolean;
  /**
   * Hold trust anchors to the CA profile (critical basicConstraints, keyUsage,
   * subjectKeyIdentifier, RFC 5280 encodings) like intermediates. Default
   * true; the client turns it off for Node's bundled root store only.
   */
  strictAnchors?: boolean;
}

/** Outcome of {@link verifyChain}. */
export type VerifyChainResult =
  | { ok: true; chain: ParsedCertificate[] }
  | { ok: false; error: CertificateError };

/** Most certificates accepted from the peer (each one is decoded). */
const MAX_CHAIN_CERTS = 32;

/** Anchors and CRLs are configuration, passed again for every handshake: decoded once per buffer. */
const parsedAnchors = new WeakMap<Uint8Array, ParsedCertificate>();
const loadedCrls = new WeakMap<Uint8Array, ParsedCrl>();

function anchorOf(input: Uint8Array | ParsedCertificate): ParsedCertificate {
  if (!(input instanceof Uint8Array)) return input;
  let c = parsedAnchors.get(input);
  if (c === undefined) {
    try {
      c = parseCertificate(input);
    } catch (e) {
      throw new KeyError(`invalid trust anchor in ca: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    parsedAnchors.set(input, c);
  }
  return c;
}

function crlOf(input: Uint8Array | ParsedCrl): ParsedCrl {
  if (!(input instanceof Uint8Array)) return input;
  let c = loadedCrls.get(input);
  // Stryker disable next-line ConditionalExpression: a cache: a CRL decoded again gives the same verdicts (the loaded CRL is never returned)
  if (c === undefined) {
    c = loadCrl(input);
    // Stryker disable next-line CallExpression: the same cache
    loadedCrls.set(input, c);
  }
  return c;
}

/**
 * Whether `issuer`'s public key verifies `cert`'s signature; also `false`
 * when the TBS and outer signature algorithms differ, the algorithm is
 * unsupported or the key cannot be imported. Never throws.
 */
export function verifyCertificateSignature(provider: CryptoProvider, cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return verifySignature(provider, cert, issuer);
}

/**
 * Validate a certificate chain as received from a peer.
 *
 * Builds a path from the leaf (`chain[0]`) to a trust anchor using the other
 * certificates of `chain` (any order; unrelated extra certificates are
 * ignored; the root itself may be included) and `opts.ca`, trying every
 * candidate issuer within a work bound until a path passes every check of
 * docs/x509.md: signatures (no SHA-1 unless allowed), the certificate
 * profile of each certificate for its role, validity times, pathLen, name
 * constraints of every form, policy constraints, keyUsage and
 * extendedKeyUsage for `purpose`, the host name, and the CRLs. A leaf that
 * is itself a trust anchor is accepted as is (pinned certificates).
 * Returns the validated path, leaf first, anchor last; or the error of the
 * most telling failure (docs/x509.md lists the codes).
 *
 * @throws {KeyError} only for local configuration errors: something in
 *   `opts.ca` that is not a certificate, a CRL in `opts.crls` that is
 *   malformed or unusable; {@link TypeError} for an invalid `opts.now`.
 *   Peer data never makes it throw.
 */
export function verifyChain(
  provider: CryptoProvider,
  chain: readonly (Uint8Array | ParsedCertificate)[],
  opts: VerifyChainOptions,
): VerifyChainResult {
  if (opts.now !== undefined && !(opts.now instanceof Date && Number.isFinite(opts.now.getTime()))) {
    throw new TypeError('verifyChain: opts.now must be a valid Date');
  }
  const anchors = opts.ca.map(anchorOf);
  const crls = (opts.crls ?? []).map(crlOf);
  try {
    return verifyParsed(provider, chain, anchors, crls, opts);
  } catch (e) {
    if (e instanceof TooComplex) return { ok: false, error: certError(C.TOO_COMPLEX, `certificate path validation gave up: ${e.message}`) };
    if (e instanceof CertificateError) return { ok: false, error: e };
    if (e instanceof DtlsError) return { ok: false, error: new CertificateError(e.code, e.message, e.alert ?? 'bad_certificate') };
    return { ok: false, error: certError(C.BAD_CERTIFICATE, `certificate verification failed: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

function verifyParsed(
  provider: CryptoProvider,
  chainInput: readonly (Uint8Array | ParsedCertificate)[],
  anchors: readonly ParsedCertificate[],
  crls: readonly ParsedCrl[],
  opts: VerifyChainOptions,
): VerifyChainResult {
  if (chainInput.length === 0) return { ok: false, error: certError(C.MISSING, 'no certificate was presented') };
  if (chainInput.length > MAX_CHAIN_CERTS) {
    return { ok: false, error: certError(C.CHAIN_TOO_LONG, `the peer sent ${chainInput.length} certificates (at most ${MAX_CHAIN_CERTS} are accepted)`) };
  }
  const chain = chainInput.map((c) => (c instanceof Uint8Array ? parseCertificate(c) : c));
  // RFC 5280 times have whole seconds: compare in whole seconds (notAfter is inclusive to its last millisecond).
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000;
  const maxDepth = Number.isInteger(opts.maxDepth) ? Math.max(1, Math.min(opts.maxDepth!, 32)) : 10;
  const anchorSet = new Set(anchors);
  // Candidates: anchors first, then the peer's certificates (without duplicates).
  const pool: ParsedCertificate[] = [...anchors];
  // Stryker disable next-line MethodExpression: the leaf in the pool is never a candidate (it is path[0], or an anchor already there)
  const peers = chain.slice(1);
  for (const c of peers) if (!pool.some((p) => sameCertificate(p, c))) pool.push(c);
  const leaf = anchors.find((a) => sameCertificate(a, chain[0]!)) ?? chain[0]!;
  const budget = defaultBudget();
  const signatures = new SignatureChecks(provider, budget);
  const ctx: ValidationContext = {
    allowSha1: opts.allowSha1Certificates === true,
    now,
    budget,
    signatures,
    purpose: opts.purpose,
    host: opts.host,
    anchors: { strict: opts.strictAnchors !== false },
    crls,
  };
  const result = buildPath(leaf, pool, anchorSet, {
    allowSha1: ctx.allowSha1,
    maxDepth,
    budget,
    signatures,
    validate: (path) => validatePath(path, ctx),
  });
  return 'path' in result ? { ok: true, chain: result.path } : { ok: false, error: result.error };
}
