/**
 * Synchronous certificate path validation (RFC 5280 §6, the parts a TLS peer
 * needs) and host-name checking (RFC 6125). Signatures are verified through
 * the {@link CryptoProvider}; no WebCrypto, no promises.
 *
 * Error codes of the {@link CertificateError} returned by {@link verifyChain}
 * (`code` → `alert`):
 *
 * | code | alert | when |
 * | --- | --- | --- |
 * | `ERR_DTLS_CERT_MISSING` | `handshake_failure` | the chain is empty |
 * | `ERR_DTLS_BAD_CERTIFICATE` | `bad_certificate` | a certificate of the chain cannot be decoded |
 * | `ERR_DTLS_CERT_UNTRUSTED` | `unknown_ca` | no trust anchor can be reached: unknown issuer, missing intermediate, self-signed certificate not in `ca` |
 * | `ERR_DTLS_CERT_BAD_SIGNATURE` | `bad_certificate` | an issuer with the right name is there but its key does not verify the signature (or the algorithm is unsupported, or the TBS and outer algorithms differ) |
 * | `ERR_DTLS_CERT_CHAIN_TOO_LONG` | `bad_certificate` | no anchor within `maxDepth` (10) certificates, or more than 32 certificates sent |
 * | `ERR_DTLS_CERT_EXPIRED` | `certificate_expired` | `now` is after some certificate's notAfter |
 * | `ERR_DTLS_CERT_NOT_YET_VALID` | `bad_certificate` | `now` is before some certificate's notBefore (OpenSSL sends `bad_certificate` for this too) |
 * | `ERR_DTLS_CERT_NOT_CA` | `bad_certificate` | an issuer is not a CA: an intermediate without basicConstraints CA:TRUE, an anchor with CA:FALSE, or an issuer whose keyUsage lacks keyCertSign |
 * | `ERR_DTLS_CERT_PATH_LENGTH` | `bad_certificate` | a pathLenConstraint is exceeded |
 * | `ERR_DTLS_CERT_NAME_CONSTRAINTS` | `bad_certificate` | a name violates an issuer's nameConstraints (or uses a constrained name type we do not check) |
 * | `ERR_DTLS_CERT_UNHANDLED_CRITICAL_EXTENSION` | `unsupported_certificate` | a certificate has a critical extension we do not process |
 * | `ERR_DTLS_CERT_BAD_KEY_USAGE` | `unsupported_certificate` | the leaf's keyUsage does not allow digitalSignature |
 * | `ERR_DTLS_CERT_BAD_EKU` | `unsupported_certificate` | the leaf's (or an intermediate's) extKeyUsage lacks the purpose and anyExtendedKeyUsage |
 * | `ERR_DTLS_CERT_NAME_MISMATCH` | `bad_certificate` | `host` matches neither the SANs nor (without SANs) the CN |
 *
 * Not implemented: revocation (CRL/OCSP), certificate policies (the policy
 * extensions are recognized and ignored, as with OpenSSL's default of no
 * explicit policy), nameConstraints other than dNSName / iPAddress /
 * directoryName (certificates carrying names of another constrained type are
 * rejected).
 */
import { CertificateError, DtlsError, KeyError } from '../errors.js';
import type { CryptoProvider, VerifyingKey } from '../crypto/provider.js';
import { SignatureScheme } from '../crypto/provider.js';
import { children, decodeDer, oid, seq, smallInteger } from './asn1.js';
import type { CertificatePublicKey, NameConstraintBase, ParsedCertificate } from './certificate.js';
import { formatCertificateTime, parseCertificate } from './certificate.js';
import { parseIpAddress } from './ip.js';
import { OID } from './oids.js';
import { bytesEqual } from './util.js';

/** Stable codes of the {@link CertificateError}s of this module (see the module table). */
export const CertificateErrorCode = Object.freeze({
  MISSING: 'ERR_DTLS_CERT_MISSING',
  BAD_CERTIFICATE: 'ERR_DTLS_BAD_CERTIFICATE',
  UNTRUSTED: 'ERR_DTLS_CERT_UNTRUSTED',
  BAD_SIGNATURE: 'ERR_DTLS_CERT_BAD_SIGNATURE',
  CHAIN_TOO_LONG: 'ERR_DTLS_CERT_CHAIN_TOO_LONG',
  EXPIRED: 'ERR_DTLS_CERT_EXPIRED',
  NOT_YET_VALID: 'ERR_DTLS_CERT_NOT_YET_VALID',
  NOT_CA: 'ERR_DTLS_CERT_NOT_CA',
  PATH_LENGTH: 'ERR_DTLS_CERT_PATH_LENGTH',
  NAME_CONSTRAINTS: 'ERR_DTLS_CERT_NAME_CONSTRAINTS',
  UNHANDLED_CRITICAL_EXTENSION: 'ERR_DTLS_CERT_UNHANDLED_CRITICAL_EXTENSION',
  BAD_KEY_USAGE: 'ERR_DTLS_CERT_BAD_KEY_USAGE',
  BAD_EKU: 'ERR_DTLS_CERT_BAD_EKU',
  NAME_MISMATCH: 'ERR_DTLS_CERT_NAME_MISMATCH',
} as const);

/** What the end-entity certificate is checked for. */
export type CertificatePurpose = 'serverAuth' | 'clientAuth';

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** Trust anchors: DER certificates (or already parsed ones). */
  ca: readonly (Uint8Array | ParsedCertificate)[];
  /** `serverAuth` when verifying a server, `clientAuth` for a client. */
  purpose: CertificatePurpose;
  /** Name the leaf must match: a DNS name or an IPv4/IPv6 literal. Not checked when omitted. */
  host?: string;
  /** Verification time; defaults to now. */
  now?: Date;
  /** Longest accepted path, trust anchor included. Default 10. */
  maxDepth?: number;
}

/** Outcome of {@link verifyChain}. */
export type VerifyChainResult =
  | { ok: true; chain: ParsedCertificate[] }
  | { ok: false; error: CertificateError };

const PURPOSE_OID: Record<CertificatePurpose, string> = { serverAuth: OID.serverAuth, clientAuth: OID.clientAuth };

const HASH_BY_OID: ReadonlyMap<string, 'sha1' | 'sha256' | 'sha384' | 'sha512'> = new Map([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
  [OID.sha384, 'sha384'],
  [OID.sha512, 'sha512'],
] as const);

const HASH_LEN = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const;

function hashOfAlgorithmIdentifier(node: ReturnType<typeof decodeDer>): string | undefined {
  const parts = seq(node);
  if (parts === undefined || parts.length < 1 || parts.length > 2) return undefined;
  const id = oid(parts[0]);
  if (id === undefined) return undefined;
  // Parameters must be absent or NULL.
  if (parts.length === 2 && !(parts[1]!.idBlock.tagClass === 1 && parts[1]!.idBlock.tagNumber === 5)) return undefined;
  return HASH_BY_OID.get(id);
}

/** Decode RSASSA-PSS-params; only hash = MGF1 hash, salt = hash length, trailer 1 is accepted. */
function pssHash(params: Uint8Array | undefined): 'sha256' | 'sha384' | 'sha512' | undefined {
  if (params === undefined) return undefined; // defaults are SHA-1: not offered
  const parts = seq(decodeDer(params));
  if (parts === undefined) return undefined;
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let salt = 20;
  let trailer = 1;
  let last = -1;
  for (const p of parts) {
    const tag = p.idBlock.tagNumber;
    if (p.idBlock.tagClass !== 3 || tag <= last || tag > 3) return undefined;
    last = tag;
    const inner = children(p);
    if (inner?.length !== 1) return undefined;
    if (tag === 0) {
      const h = hashOfAlgorithmIdentifier(inner[0]);
      if (h === undefined) return undefined;
      hash = h;
    } else if (tag === 1) {
      const mgf = seq(inner[0]);
      if (mgf?.length !== 2 || oid(mgf[0]) !== OID.mgf1) return undefined;
      const h = hashOfAlgorithmIdentifier(mgf[1]);
      if (h === undefined) return undefined;
      mgfHash = h;
    } else if (tag === 2) {
      const s = smallInteger(inner[0]);
      if (s === undefined) return undefined;
      salt = s;
    } else {
      const t = smallInteger(inner[0]);
      if (t === undefined) return undefined;
      trailer = t;
    }
  }
  if (hash !== mgfHash || trailer !== 1 || (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512')) return undefined;
  if (salt !== HASH_LEN[hash]) return undefined;
  return hash;
}

/**
 * The TLS SignatureScheme that verifies `cert`'s signature with `issuerKey`,
 * from the certificate's signatureAlgorithm: ecdsa-with-SHA1/256/384/512 →
 * `ecdsa_sha1`/`ecdsa_secp256r1_sha256`/`ecdsa_secp384r1_sha384`/
 * `ecdsa_secp521r1_sha512` (DER signature as-is), sha1/256/384/512WithRSAEncryption →
 * `rsa_pkcs1_*`, RSASSA-PSS (SHA-256/384/512, MGF1 with the same hash, salt
 * = hash length) → `rsa_pss_rsae_*` (`rsa_pss_pss_*` for an id-RSASSA-PSS
 * issuer key), Ed25519 → `ed25519`. `undefined` when unsupported or when the
 * issuer key's type does not fit the algorithm.
 */
export function signatureSchemeFor(cert: ParsedCertificate, issuerKey: CertificatePublicKey): number | undefined {
  const params = cert.signatureAlgorithmParams;
  const isNull = params !== undefined && params.length === 2 && params[0] === 0x05 && params[1] === 0x00;
  const ecdsa = issuerKey.kind === 'ecdsa';
  const rsa = issuerKey.kind === 'rsa' && issuerKey.algorithm === OID.rsaEncryption;
  switch (cert.signatureAlgorithm) {
    case OID.ecdsaWithSha1:
      return ecdsa && params === undefined ? SignatureScheme.ecdsa_sha1 : undefined;
    case OID.ecdsaWithSha256:
      return ecdsa && params === undefined ? SignatureScheme.ecdsa_secp256r1_sha256 : undefined;
    case OID.ecdsaWithSha384:
      return ecdsa && params === undefined ? SignatureScheme.ecdsa_secp384r1_sha384 : undefined;
    case OID.ecdsaWithSha512:
      return ecdsa && params === undefined ? SignatureScheme.ecdsa_secp521r1_sha512 : undefined;
    case OID.sha1WithRsa:
      return rsa && (params === undefined || isNull) ? SignatureScheme.rsa_pkcs1_sha1 : undefined;
    case OID.sha256WithRsa:
      return rsa && (params === undefined || isNull) ? SignatureScheme.rsa_pkcs1_sha256 : undefined;
    case OID.sha384WithRsa:
      return rsa && (params === undefined || isNull) ? SignatureScheme.rsa_pkcs1_sha384 : undefined;
    case OID.sha512WithRsa:
      return rsa && (params === undefined || isNull) ? SignatureScheme.rsa_pkcs1_sha512 : undefined;
    case OID.rsassaPss: {
      if (issuerKey.kind !== 'rsa') return undefined;
      const hash = pssHash(params);
      if (hash === undefined) return undefined;
      if (issuerKey.algorithm === OID.rsassaPss) {
        return { sha256: SignatureScheme.rsa_pss_pss_sha256, sha384: SignatureScheme.rsa_pss_pss_sha384, sha512: SignatureScheme.rsa_pss_pss_sha512 }[hash];
      }
      return { sha256: SignatureScheme.rsa_pss_rsae_sha256, sha384: SignatureScheme.rsa_pss_rsae_sha384, sha512: SignatureScheme.rsa_pss_rsae_sha512 }[hash];
    }
    case OID.ed25519:
      return issuerKey.kind === 'ed25519' && params === undefined ? SignatureScheme.ed25519 : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether `issuer`'s public key verifies `cert`'s signature (see
 * {@link signatureSchemeFor}); also `false` when the TBS and outer signature
 * algorithms differ or the key cannot be imported. Never throws.
 */
export function verifyCertificateSignature(provider: CryptoProvider, cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return verifyWith(provider, cert, issuer, undefined);
}

function verifyWith(
  provider: CryptoProvider,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  keyCache: Map<string, VerifyingKey | null> | undefined,
): boolean {
  if (!cert.signatureAlgorithmsMatch) return false;
  const scheme = signatureSchemeFor(cert, issuer.publicKey);
  if (scheme === undefined) return false;
  let key = keyCache?.get(issuer.fingerprint256);
  if (key === undefined) {
    try {
      key = provider.importVerifyingKey(issuer.spki);
    } catch {
      key = null;
    }
    keyCache?.set(issuer.fingerprint256, key);
  }
  if (key === null) return false;
  try {
    return key.verify(scheme, cert.tbs, cert.signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Host names (RFC 6125)

const DNS_CHARS = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

function normalizeDnsName(name: string): string | undefined {
  let s = name.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  return DNS_CHARS.test(s) ? s : undefined;
}

/**
 * RFC 6125 §6.4 match of a presented DNS identifier against a reference host
 * (both lowercased, trailing dot ignored): exact match, or a wildcard that is
 * the whole leftmost label (`*.example.com`) of a name with at least three
 * labels, matching exactly one non-empty label. Partial-label wildcards
 * (`f*.example.com`) and wildcards elsewhere never match.
 */
export function matchDnsName(pattern: string, host: string): boolean {
  const h = normalizeDnsName(host);
  if (h === undefined) return false;
  let p = pattern.toLowerCase();
  if (p.endsWith('.')) p = p.slice(0, -1);
  if (!p.startsWith('*.')) {
    const exact = normalizeDnsName(p);
    return exact !== undefined && exact === h;
  }
  const rest = normalizeDnsName(p.slice(2));
  if (rest === undefined || rest.split('.').length < 2) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === rest;
}

/**
 * Whether `cert` is valid for `host` (RFC 6125): an IP literal (IPv4, or
 * IPv6 in any RFC 4291 form, brackets allowed) matches only iPAddress SANs,
 * byte for byte; a DNS name matches dNSName SANs (see {@link matchDnsName}),
 * or the subject CNs when the certificate has no subjectAltName extension at
 * all. Case-insensitive; a trailing dot is ignored.
 */
export function checkHostname(cert: ParsedCertificate, host: string): boolean {
  const ip = parseIpAddress(host);
  if (ip !== undefined) return cert.ipAddressBytes.some((b) => bytesEqual(b, ip));
  if (normalizeDnsName(host) === undefined) return false;
  const cn = cert.subject['CN'];
  const names = cert.hasSubjectAltName ? cert.dnsNames : cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
  return names.some((n) => matchDnsName(n, host));
}

// ---------------------------------------------------------------------------
// Name constraints

function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c) && n.length > c.length;
  return n === c || n.endsWith('.' + c);
}

function ipWithin(ip: Uint8Array, address: Uint8Array, mask: Uint8Array): boolean {
  if (ip.length !== address.length) return false;
  for (let i = 0; i < ip.length; i++) if ((ip[i]! & mask[i]!) !== (address[i]! & mask[i]!)) return false;
  return true;
}

function rdnsWithin(rdns: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= rdns.length && prefix.every((k, i) => rdns[i] === k);
}

function rdnKeysOf(cert: ParsedCertificate): string[] {
  const keys: unknown = JSON.parse(cert.subjectKey);
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** Looks like a host name (for CN checks against dNSName constraints). */
function looksLikeHostname(s: string): boolean {
  return /^(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\.?$/.test(s);
}

/** Returns a violation message, or `undefined`. */
function nameConstraintViolation(cert: ParsedCertificate, isLeaf: boolean, ca: ParsedCertificate): string | undefined {
  const nc = ca.nameConstraints!;
  const dns = [...cert.dnsNames];
  if (isLeaf && dns.length === 0) {
    const cn = cert.subject['CN'];
    for (const v of cn === undefined ? [] : Array.isArray(cn) ? cn : [cn]) if (looksLikeHostname(v)) dns.push(v);
  }
  const ips = cert.ipAddressBytes;
  const dirs: (readonly string[])[] = [...cert.directoryNames];
  const subjectRdns = rdnKeysOf(cert);
  if (subjectRdns.length > 0) dirs.push(subjectRdns);
  const otherTags = new Set<number>();
  if (cert.emailAddresses.length > 0) otherTags.add(1);
  if (cert.uris.length > 0) otherTags.add(6);

  const matches = (base: NameConstraintBase): { type: string; hit: (i: number) => boolean; count: number } => {
    switch (base.type) {
      case 'dns':
        return { type: 'dns', count: dns.length, hit: (i) => dnsWithin(dns[i]!, base.value) };
      case 'ip':
        return { type: 'ip', count: ips.length, hit: (i) => ipWithin(ips[i]!, base.address, base.mask) };
      case 'dirName':
        return { type: 'dirName', count: dirs.length, hit: (i) => rdnsWithin(dirs[i]!, base.rdns) };
      default:
        return { type: `other${base.tag}`, count: 0, hit: () => false };
    }
  };
  for (const base of [...nc.permitted, ...nc.excluded]) {
    if (base.type === 'other' && otherTags.has(base.tag)) {
      return `name constraint of unsupported type [${base.tag}] applies to a name of the certificate`;
    }
  }
  for (const base of nc.excluded) {
    const m = matches(base);
    for (let i = 0; i < m.count; i++) if (m.hit(i)) return `a ${m.type} name is in an excluded subtree`;
  }
  const permittedByType = new Map<string, NameConstraintBase[]>();
  for (const base of nc.permitted) {
    const t = base.type === 'other' ? `other${base.tag}` : base.type;
    permittedByType.set(t, [...(permittedByType.get(t) ?? []), base]);
  }
  for (const [type, bases] of permittedByType) {
    if (type.startsWith('other')) continue;
    const probes = bases.map(matches);
    const count = probes[0]!.count;
    for (let i = 0; i < count; i++) {
      if (!probes.some((p) => p.hit(i))) return `a ${type} name is outside the permitted subtrees`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Path building and validation

function describe(c: ParsedCertificate): string {
  return c.subjectString.replace(/\n/g, ', ') || '(empty subject)';
}

function err(code: string, message: string, alert: ConstructorParameters<typeof CertificateError>[2]): CertificateError {
  return new CertificateError(code, message, alert);
}

function isCaForAnchor(c: ParsedCertificate): boolean {
  // Trust anchors are trusted by configuration: accept v1 roots and roots
  // without basicConstraints, but not an explicit CA:FALSE.
  return !c.hasBasicConstraints || c.isCA;
}

/** Validate one candidate path (leaf first, trust anchor last). */
function validatePath(path: readonly ParsedCertificate[], opts: VerifyChainOptions, now: Date): CertificateError | undefined {
  const n = path.length;
  for (let i = 0; i < n; i++) {
    const c = path[i]!;
    if (c.unhandledCriticalExtensions.length > 0) {
      return err(
        CertificateErrorCode.UNHANDLED_CRITICAL_EXTENSION,
        `certificate at depth ${i} (${describe(c)}) has unsupported critical extension ${c.unhandledCriticalExtensions.join(', ')}`,
        'unsupported_certificate',
      );
    }
  }
  const t = now.getTime();
  for (let i = 0; i < n; i++) {
    const c = path[i]!;
    if (t < c.validFrom.getTime()) {
      return err(
        CertificateErrorCode.NOT_YET_VALID,
        `certificate at depth ${i} (${describe(c)}) is not yet valid (notBefore ${formatCertificateTime(c.validFrom)})`,
        'bad_certificate',
      );
    }
    if (t > c.validTo.getTime()) {
      return err(
        CertificateErrorCode.EXPIRED,
        `certificate at depth ${i} (${describe(c)}) has expired (notAfter ${formatCertificateTime(c.validTo)})`,
        'certificate_expired',
      );
    }
  }
  // Issuers: CA status, keyCertSign, path length.
  let nonSelfIssuedIntermediates = 0;
  for (let i = 1; i < n; i++) {
    const c = path[i]!;
    const isAnchor = i === n - 1;
    const ca = isAnchor ? isCaForAnchor(c) : c.hasBasicConstraints && c.isCA;
    if (!ca) {
      return err(
        CertificateErrorCode.NOT_CA,
        `issuer certificate at depth ${i} (${describe(c)}) is not a CA (basicConstraints CA:TRUE missing)`,
        'bad_certificate',
      );
    }
    if (c.keyUsage !== undefined && !c.keyUsage.keyCertSign) {
      return err(
        CertificateErrorCode.NOT_CA,
        `issuer certificate at depth ${i} (${describe(c)}) has keyUsage without keyCertSign`,
        'bad_certificate',
      );
    }
    if (c.pathLen !== undefined && nonSelfIssuedIntermediates > c.pathLen) {
      return err(
        CertificateErrorCode.PATH_LENGTH,
        `path length constraint ${c.pathLen} of certificate at depth ${i} (${describe(c)}) exceeded`,
        'bad_certificate',
      );
    }
    if (!c.selfIssued) nonSelfIssuedIntermediates++;
  }
  // Name constraints of every CA apply to the certificates below it
  // (self-issued intermediates excepted, RFC 5280 §6.1.3 (b)).
  for (let i = 1; i < n; i++) {
    const ca = path[i]!;
    if (ca.nameConstraints === undefined) continue;
    for (let j = 0; j < i; j++) {
      const c = path[j]!;
      if (j > 0 && c.selfIssued) continue;
      const v = nameConstraintViolation(c, j === 0, ca);
      if (v !== undefined) {
        return err(
          CertificateErrorCode.NAME_CONSTRAINTS,
          `certificate at depth ${j} (${describe(c)}) violates the name constraints of depth ${i}: ${v}`,
          'bad_certificate',
        );
      }
    }
  }
  // Purpose: leaf keyUsage and EKU; intermediates' EKU must not exclude the purpose.
  const leaf = path[0]!;
  if (leaf.keyUsage !== undefined && !leaf.keyUsage.digitalSignature) {
    return err(
      CertificateErrorCode.BAD_KEY_USAGE,
      `certificate (${describe(leaf)}) keyUsage does not allow digitalSignature`,
      'unsupported_certificate',
    );
  }
  const purpose = PURPOSE_OID[opts.purpose];
  for (let i = 0; i < n - 1; i++) {
    const eku = path[i]!.extKeyUsage;
    if (eku !== undefined && !eku.includes(purpose) && !eku.includes(OID.anyExtendedKeyUsage)) {
      return err(
        CertificateErrorCode.BAD_EKU,
        `certificate at depth ${i} (${describe(path[i]!)}) extendedKeyUsage does not allow ${opts.purpose}`,
        'unsupported_certificate',
      );
    }
  }
  if (opts.host !== undefined && !checkHostname(leaf, opts.host)) {
    const names = leaf.hasSubjectAltName ? leaf.subjectAltName : `CN=${String(leaf.subject['CN'] ?? '')}`;
    return err(
      CertificateErrorCode.NAME_MISMATCH,
      `host "${opts.host}" does not match the certificate (${names ?? ''})`,
      'bad_certificate',
    );
  }
  return undefined;
}

function toParsed(input: Uint8Array | ParsedCertificate, provider: CryptoProvider): ParsedCertificate {
  return input instanceof Uint8Array ? parseCertificate(input, provider) : input;
}

/**
 * Validate a certificate chain as received from a peer.
 *
 * Builds a path from the leaf (`chain[0]`) to a trust anchor using the other
 * certificates of `chain` (any order; unrelated extra certificates are
 * ignored; the root itself may be included) and `opts.ca`: an issuer must
 * match the certificate's issuer name (RFC 5280 comparison) and its key must
 * verify the signature. Alternative paths are explored (bounded, no loops,
 * at most `maxDepth` certificates); the first path that passes every check
 * wins. Then checks validity times of every certificate (anchor included),
 * CA status / keyCertSign / pathLenConstraint of every issuer, name
 * constraints, leaf keyUsage (digitalSignature) and extKeyUsage (the purpose
 * or anyExtendedKeyUsage; also for intermediates that carry one), and the
 * host name. A leaf that is itself a trust anchor is accepted as is (pinned
 * self-signed certificates). Returns the validated path, leaf first, anchor
 * last. See the module documentation for the error codes.
 *
 * @throws {KeyError} only when `opts.ca` contains something that is not a
 *   certificate, {@link TypeError} for an invalid `opts.now` (local
 *   configuration errors); peer data never makes it throw.
 */
export function verifyChain(
  provider: CryptoProvider,
  chain: readonly (Uint8Array | ParsedCertificate)[],
  opts: VerifyChainOptions,
): VerifyChainResult {
  if (opts.now !== undefined && !(opts.now instanceof Date && Number.isFinite(opts.now.getTime()))) {
    throw new TypeError('verifyChain: opts.now must be a valid Date');
  }
  const anchors: ParsedCertificate[] = [];
  for (const a of opts.ca) {
    try {
      anchors.push(toParsed(a, provider));
    } catch (e) {
      throw new KeyError(`invalid trust anchor in ca: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  try {
    return verifyParsed(provider, chain, anchors, opts);
  } catch (e) {
    if (e instanceof CertificateError) return { ok: false, error: e };
    if (e instanceof DtlsError) return { ok: false, error: err(e.code, e.message, e.alert ?? 'bad_certificate') };
    return {
      ok: false,
      error: err(CertificateErrorCode.BAD_CERTIFICATE, `certificate verification failed: ${e instanceof Error ? e.message : String(e)}`, 'bad_certificate'),
    };
  }
}

/** Most paths / signature checks explored before giving up. */
const MAX_STEPS = 64;
/** Most certificates accepted from the peer (each one is decoded). */
const MAX_CHAIN_CERTS = 32;

function verifyParsed(
  provider: CryptoProvider,
  chainInput: readonly (Uint8Array | ParsedCertificate)[],
  anchors: readonly ParsedCertificate[],
  opts: VerifyChainOptions,
): VerifyChainResult {
  if (chainInput.length === 0) {
    return { ok: false, error: err(CertificateErrorCode.MISSING, 'no certificate was presented', 'handshake_failure') };
  }
  if (chainInput.length > MAX_CHAIN_CERTS) {
    return {
      ok: false,
      error: err(CertificateErrorCode.CHAIN_TOO_LONG, `the peer sent ${chainInput.length} certificates (at most ${MAX_CHAIN_CERTS} are accepted)`, 'bad_certificate'),
    };
  }
  const chain = chainInput.map((c) => toParsed(c, provider));
  const now = opts.now ?? new Date();
  const maxDepth = Number.isInteger(opts.maxDepth) ? Math.max(1, Math.min(opts.maxDepth!, 32)) : 10;
  const anchorIds = new Set(anchors.map((a) => a.fingerprint256));
  const seen = new Set<string>(anchorIds);
  // Candidates: anchors first, then the peer's certificates (deduplicated).
  const pool: ParsedCertificate[] = [...anchors];
  for (const c of chain.slice(1)) {
    if (!seen.has(c.fingerprint256)) {
      seen.add(c.fingerprint256);
      pool.push(c);
    }
  }
  const keyCache = new Map<string, VerifyingKey | null>();
  const sigCache = new Map<string, boolean>();
  const sigOk = (c: ParsedCertificate, issuer: ParsedCertificate): boolean => {
    const k = `${c.fingerprint256}/${issuer.fingerprint256}`;
    let v = sigCache.get(k);
    if (v === undefined) {
      v = verifyWith(provider, c, issuer, keyCache);
      sigCache.set(k, v);
    }
    return v;
  };

  const leaf = chain[0]!;
  let steps = 0;
  let firstFailure: CertificateError | undefined;
  let badSignature: string | undefined;
  let tooLong = false;
  let selfSignedTop: ParsedCertificate | undefined;
  let found: ParsedCertificate[] | undefined;

  const search = (path: ParsedCertificate[]): boolean => {
    const cur = path[path.length - 1]!;
    if (anchorIds.has(cur.fingerprint256)) {
      const e = validatePath(path, opts, now);
      if (e === undefined) {
        found = path;
        return true;
      }
      firstFailure ??= e;
      return false;
    }
    if (path.length >= maxDepth) {
      tooLong = true;
      return false;
    }
    const candidates = pool.filter((p) => p.subjectKey === cur.issuerKey && !path.some((q) => q.fingerprint256 === p.fingerprint256));
    // Prefer issuers whose subjectKeyIdentifier matches the authorityKeyIdentifier.
    candidates.sort((a, b) => rank(cur, a) - rank(cur, b));
    let wrongKey: ParsedCertificate | undefined;
    for (const cand of candidates) {
      if (++steps > MAX_STEPS) return false;
      if (!sigOk(cur, cand)) {
        wrongKey ??= cand;
        continue;
      }
      if (search([...path, cand])) return true;
    }
    // A self-signed certificate that is not an anchor is "untrusted", even
    // when an anchor bears the same name (with another key).
    if (cur.selfIssued && sigOk(cur, cur)) selfSignedTop ??= cur;
    else if (wrongKey !== undefined) {
      badSignature ??= `signature of certificate at depth ${path.length - 1} (${describe(cur)}) does not verify with the key of ${describe(wrongKey)}`;
    }
    return false;
  };
  search([leaf]);

  if (found !== undefined) return { ok: true, chain: found };
  if (firstFailure !== undefined) return { ok: false, error: firstFailure };
  if (badSignature !== undefined) {
    return { ok: false, error: err(CertificateErrorCode.BAD_SIGNATURE, badSignature, 'bad_certificate') };
  }
  if (tooLong) {
    return {
      ok: false,
      error: err(CertificateErrorCode.CHAIN_TOO_LONG, `no trust anchor within ${maxDepth} certificates`, 'bad_certificate'),
    };
  }
  let message: string;
  if (selfSignedTop === leaf) message = `self-signed certificate (${describe(leaf)}) is not trusted`;
  else if (selfSignedTop !== undefined) message = `self-signed certificate in chain (${describe(selfSignedTop)}) is not trusted`;
  else message = `unable to get issuer certificate "${leafIssuerOf(chain, pool)}": unknown CA or missing intermediate`;
  return { ok: false, error: err(CertificateErrorCode.UNTRUSTED, message, 'unknown_ca') };
}

function rank(cert: ParsedCertificate, issuer: ParsedCertificate): number {
  if (cert.authorityKeyIdentifier === undefined || issuer.subjectKeyIdentifier === undefined) return 1;
  return cert.authorityKeyIdentifier === issuer.subjectKeyIdentifier ? 0 : 2;
}

/** Issuer name of the topmost certificate we could chain to (for the message). */
function leafIssuerOf(chain: readonly ParsedCertificate[], pool: readonly ParsedCertificate[]): string {
  let cur = chain[0]!;
  const visited = new Set<string>();
  for (;;) {
    visited.add(cur.fingerprint256);
    const next = pool.find((p) => p.subjectKey === cur.issuerKey && !visited.has(p.fingerprint256));
    if (next === undefined) return cur.issuerString.replace(/\n/g, ', ');
    cur = next;
  }
}
