/**
 * Signatures on certificates and CRLs: which TLS SignatureScheme verifies
 * an X.509 signatureAlgorithm with a given issuer key, which algorithms and
 * keys are strong enough, and the verification itself through the
 * {@link CryptoProvider} (synchronous; never throws).
 */
import type { CryptoProvider, VerifyingKey } from '../crypto/provider.js';
import { SignatureScheme } from '../crypto/provider.js';
import { children, decodeDer, oid, seq, smallInteger } from './asn1.js';
import type { CertificatePublicKey } from './public-key.js';
import { OID } from './oids.js';

/** What a signature is made with: a certificate's or a CRL's outer signatureAlgorithm. */
export interface SignedObject {
  readonly signatureAlgorithm: string;
  readonly signatureAlgorithmParams: Uint8Array | undefined;
  /** Whether the algorithm inside the signed part equals the outer one (RFC 5280 §4.1.1.2, §5.1.1.2). */
  readonly signatureAlgorithmsMatch: boolean;
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
}

const HASH_BY_OID: ReadonlyMap<string, 'sha1' | 'sha256' | 'sha384' | 'sha512'> = new Map([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
  [OID.sha384, 'sha384'],
  [OID.sha512, 'sha512'],
] as const);

const HASH_LEN = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const;

function hashOfAlgorithmIdentifier(node: ReturnType<typeof decodeDer>): string | undefined {
  const parts = seq(node);
  // An empty SEQUENCE has no OID: refused below.
  if (parts === undefined || parts.length > 2) return undefined;
  const id = oid(parts[0]);
  // Stryker disable next-line ConditionalExpression: HASH_BY_OID has no entry for undefined either (this also ignores the → true mutant, which the tests kill)
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
  // Stryker disable next-line StringLiteral: the SHA-1 defaults are refused below, as any other value not SHA-256/384/512 would be
  let hash = 'sha1';
  // Stryker disable next-line StringLiteral: the same
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
      // Stryker disable next-line ConditionalExpression: an undefined hash differs from mgfHash (a string) below, or is no SHA-2
      if (h === undefined) return undefined;
      hash = h;
    } else if (tag === 1) {
      const mgf = seq(inner[0]);
      if (mgf?.length !== 2 || oid(mgf[0]) !== OID.mgf1) return undefined;
      const h = hashOfAlgorithmIdentifier(mgf[1]);
      // Stryker disable next-line ConditionalExpression: an undefined mgfHash differs from hash (a string) below
      if (h === undefined) return undefined;
      mgfHash = h;
    } else {
      const v = smallInteger(inner[0]);
      // Stryker disable next-line ConditionalExpression: an undefined salt or trailer differs from what is required below
      if (v === undefined) return undefined;
      if (tag === 2) salt = v;
      else trailer = v;
    }
  }
  if (hash !== mgfHash || trailer !== 1) return undefined;
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,StringLiteral: SHA-1 passing here would map to no scheme in signatureSchemeFor (the check narrows the type)
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') return undefined;
  if (salt !== HASH_LEN[hash]) return undefined;
  return hash;
}

/** ECDSA and RSA PKCS#1 v1.5 signature OIDs: the key type they need and their scheme. */
const SIMPLE_SCHEMES: ReadonlyMap<string, { key: 'ecdsa' | 'rsa'; scheme: number }> = new Map([
  [OID.ecdsaWithSha1, { key: 'ecdsa', scheme: SignatureScheme.ecdsa_sha1 }],
  [OID.ecdsaWithSha256, { key: 'ecdsa', scheme: SignatureScheme.ecdsa_secp256r1_sha256 }],
  [OID.ecdsaWithSha384, { key: 'ecdsa', scheme: SignatureScheme.ecdsa_secp384r1_sha384 }],
  [OID.ecdsaWithSha512, { key: 'ecdsa', scheme: SignatureScheme.ecdsa_secp521r1_sha512 }],
  [OID.sha1WithRsa, { key: 'rsa', scheme: SignatureScheme.rsa_pkcs1_sha1 }],
  [OID.sha256WithRsa, { key: 'rsa', scheme: SignatureScheme.rsa_pkcs1_sha256 }],
  [OID.sha384WithRsa, { key: 'rsa', scheme: SignatureScheme.rsa_pkcs1_sha384 }],
  [OID.sha512WithRsa, { key: 'rsa', scheme: SignatureScheme.rsa_pkcs1_sha512 }],
]);

/**
 * The TLS SignatureScheme that verifies `obj`'s signature with `issuerKey`,
 * from its signatureAlgorithm: ecdsa-with-SHA1/256/384/512 →
 * `ecdsa_sha1`/`ecdsa_secp256r1_sha256`/`ecdsa_secp384r1_sha384`/
 * `ecdsa_secp521r1_sha512` (DER signature as-is), sha1/256/384/512WithRSAEncryption →
 * `rsa_pkcs1_*`, RSASSA-PSS (SHA-256/384/512, MGF1 with the same hash, salt
 * = hash length) → `rsa_pss_rsae_*` (`rsa_pss_pss_*` for an id-RSASSA-PSS
 * issuer key), Ed25519 → `ed25519`. `undefined` when unsupported or when the
 * issuer key's type does not fit the algorithm.
 */
export function signatureSchemeFor(obj: Pick<SignedObject, 'signatureAlgorithm' | 'signatureAlgorithmParams'>, issuerKey: CertificatePublicKey): number | undefined {
  const params = obj.signatureAlgorithmParams;
  const isNull = params !== undefined && params.length === 2 && params[0] === 0x05 && params[1] === 0x00;
  const ecdsa = issuerKey.kind === 'ecdsa' && params === undefined;
  // An rsaEncryption key is always of kind rsa (public-key.ts).
  const rsa = issuerKey.algorithm === OID.rsaEncryption && (params === undefined || isNull);
  const simple = SIMPLE_SCHEMES.get(obj.signatureAlgorithm);
  if (simple !== undefined) return (simple.key === 'ecdsa' ? ecdsa : rsa) ? simple.scheme : undefined;
  switch (obj.signatureAlgorithm) {
    case OID.rsassaPss: {
      if (issuerKey.kind !== 'rsa') return undefined;
      const hash = pssHash(params);
      // Stryker disable next-line ConditionalExpression: the tables below have no entry for undefined either
      if (hash === undefined) return undefined;
      if (issuerKey.algorithm === OID.rsassaPss) {
        return { sha256: SignatureScheme.rsa_pss_pss_sha256, sha384: SignatureScheme.rsa_pss_pss_sha384, sha512: SignatureScheme.rsa_pss_pss_sha512 }[hash];
      }
      return { sha256: SignatureScheme.rsa_pss_rsae_sha256, sha384: SignatureScheme.rsa_pss_rsae_sha384, sha512: SignatureScheme.rsa_pss_rsae_sha512 }[hash];
    }
    case OID.ed25519:
      return issuerKey.kind === 'ed25519' && params === undefined ? SignatureScheme.ed25519 : undefined;
    // Stryker disable next-line ConditionalExpression: without the default clause the function returns undefined as well
    default:
      return undefined;
  }
}

/** Signature algorithms refused as too weak (SHA-1 only when allowed), by OID. */
const WEAK_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  [OID.sha1WithRsa, 'sha1WithRSAEncryption'],
  [OID.ecdsaWithSha1, 'ecdsa-with-SHA1'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
  ['2.16.840.1.101.3.4.3.1', 'dsa-with-sha224'],
  ['2.16.840.1.101.3.4.3.2', 'dsa-with-sha256'],
]);

/** Why `obj`'s signature algorithm is refused as weak (`undefined` when it is not): MD2/MD5, DSA, SHA-1 unless `allowSha1`. */
export function weakAlgorithm(obj: Pick<SignedObject, 'signatureAlgorithm'>, allowSha1: boolean): string | undefined {
  const name = WEAK_ALGORITHMS.get(obj.signatureAlgorithm);
  if (name === undefined) return undefined;
  if (allowSha1 && (obj.signatureAlgorithm === OID.sha1WithRsa || obj.signatureAlgorithm === OID.ecdsaWithSha1)) return undefined;
  return name.includes('sha1') || name.includes('SHA1') ? `${name} (SHA-1 signatures are refused unless allowSha1Certificates is set)` : name;
}

/** Largest RSA modulus accepted (as OpenSSL's OPENSSL_RSA_MAX_MODULUS_BITS): bigger keys cost too much to verify. */
const MAX_RSA_BITS = 16_384;
/** Smallest RSA modulus accepted. */
export const MIN_RSA_BITS = 2048;

/**
 * Why a public key is refused (`undefined` when it is fine): RSA below 2048
 * or above 16384 bits, an even or tiny RSA exponent, an elliptic curve other
 * than P-256/P-384/P-521 (P-192, explicit parameters...), Ed448, DSA and
 * anything else we cannot verify with.
 */
export function keyProblem(key: CertificatePublicKey): string | undefined {
  switch (key.kind) {
    case 'rsa': {
      const bits = key.bits ?? 0;
      if (bits < MIN_RSA_BITS) return `RSA key of ${bits} bits (at least ${MIN_RSA_BITS} are required)`;
      if (bits > MAX_RSA_BITS) return `RSA key of ${bits} bits (at most ${MAX_RSA_BITS} are supported)`;
      const e = key.rsa?.exponent;
      if (e === undefined || (e[e.length - 1]! & 1) === 0 || (e.length === 1 && e[0]! < 3)) return 'RSA key with an invalid public exponent';
      return undefined;
    }
    case 'ecdsa':
    case 'ed25519':
      return undefined;
    default:
      if (key.algorithm === OID.ecPublicKey) {
        return key.namedCurve === undefined ? 'EC key with explicit curve parameters' : `EC key on curve ${key.namedCurve} (only P-256, P-384 and P-521 are accepted)`;
      }
      if (key.algorithm === '1.2.840.10040.4.1') return 'DSA key';
      return `key of unsupported algorithm ${key.algorithm}`;
  }
}

/** Something that carries a key: a certificate (as issuer). */
export interface KeyHolder {
  readonly spki: Uint8Array;
  readonly publicKey: CertificatePublicKey;
}

/**
 * Whether `issuer`'s public key verifies `obj`'s signature (see
 * {@link signatureSchemeFor}); `false` also when the inner and outer
 * algorithms differ or the key cannot be imported. Never throws.
 */
export function verifySignature(provider: CryptoProvider, obj: SignedObject, issuer: KeyHolder, key?: VerifyingKey | null): boolean {
  if (!obj.signatureAlgorithmsMatch) return false;
  const scheme = signatureSchemeFor(obj, issuer.publicKey);
  // Stryker disable next-line ConditionalExpression: no key verifies with an undefined scheme (false, or a throw caught below)
  if (scheme === undefined) return false;
  let k = key;
  if (k === undefined) {
    try {
      k = provider.importVerifyingKey(issuer.spki);
    } catch {
      k = null;
    }
  }
  // Stryker disable next-line ConditionalExpression: null.verify throws below, which returns false too
  if (k === null) return false;
  try {
    return k.verify(scheme, obj.tbs, obj.signature);
  } catch {
    return false;
  }
}

/**
 * The signature checks of one validation (certificates and CRLs): each key
 * imported once, each (signed object, issuer) pair verified once, each
 * verification spending from the work budget.
 */
export class SignatureChecks {
  private readonly keys = new Map<KeyHolder, VerifyingKey | null>();
  private readonly results = new Map<SignedObject, Map<KeyHolder, boolean>>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly budget: { signature(): void },
  ) {}

  /** Whether `issuer`'s key verifies `obj` (see {@link verifySignature}). */
  verify(obj: SignedObject, issuer: KeyHolder): boolean {
    let byIssuer = this.results.get(obj);
    if (byIssuer === undefined) this.results.set(obj, (byIssuer = new Map()));
    let ok = byIssuer.get(issuer);
    if (ok === undefined) {
      this.budget.signature();
      let key = this.keys.get(issuer);
      if (key === undefined) {
        try {
          key = this.provider.importVerifyingKey(issuer.spki);
        } catch {
          key = null;
        }
        this.keys.set(issuer, key);
      }
      ok = verifySignature(this.provider, obj, issuer, key);
      byIssuer.set(issuer, ok);
    }
    return ok;
  }
}
