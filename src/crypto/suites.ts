import type { AeadAlg, HashAlg } from './provider.js';

/**
 * The cipher-suite registry: one row per suite. Adding a suite is adding a row;
 * nothing else switches on suite ids.
 */

/**
 * How a suite agrees on its premaster secret (the {@link CipherSuite.kx} of a
 * suite): `ECDHE`, ephemeral elliptic-curve Diffie-Hellman (RFC 8422);
 * `PSK`, the pre-shared key alone (RFC 4279); `ECDHE_PSK`, ECDHE mixed with
 * a pre-shared key (RFC 5489). `ECDHE` and `ECDHE_PSK` are forward secret.
 *
 * @example
 * ```ts
 * import { CIPHER_SUITES, type KeyExchange } from 'puredtls';
 *
 * const forwardSecret: readonly KeyExchange[] = ['ECDHE', 'ECDHE_PSK'];
 * const ciphers = CIPHER_SUITES.filter((s) => forwardSecret.includes(s.kx)).map((s) => s.openssl).join(':');
 * ```
 */
export type KeyExchange = 'ECDHE' | 'PSK' | 'ECDHE_PSK';

/**
 * How the server (and a client that is asked to) proves its identity in a
 * suite (the {@link CipherSuite.auth} of a suite): `ECDSA`, a signature with
 * an ECDSA or Ed25519 key (the ECDHE-ECDSA suites); `RSA`, a signature with an
 * RSA key (the ECDHE-RSA suites); `PSK`, knowledge of the pre-shared key.
 *
 * @example
 * ```ts
 * import { CIPHER_SUITES, type Authentication } from 'puredtls';
 *
 * const auth: Authentication = 'RSA';
 * const rsaSuites = CIPHER_SUITES.filter((s) => s.auth === auth).map((s) => s.openssl);
 * // ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305', ...]
 * ```
 */
export type Authentication = 'ECDSA' | 'RSA' | 'PSK';

/**
 * AEAD record protection (RFC 5288 GCM, RFC 6655/7251 CCM, RFC 7905
 * ChaCha20-Poly1305): the {@link CipherSuite.protection} of an AEAD suite.
 *
 * @example
 * ```ts
 * import { parseCipherList, type AeadProtection } from 'puredtls';
 *
 * const [suite] = parseCipherList('ECDHE-ECDSA-CHACHA20-POLY1305');
 * if (suite?.protection.kind === 'aead') {
 *   const p: AeadProtection = suite.protection;
 *   p.alg;                                   // 'chacha20-poly1305'
 *   p.fixedIvLength + p.explicitNonceLength; // 12: the whole nonce is implicit
 *   p.tagLength;                             // 16 bytes added to each record
 * }
 * ```
 */
export interface AeadProtection {
  readonly kind: 'aead';
  /** The AEAD algorithm. */
  readonly alg: AeadAlg;
  /** Key length in bytes. */
  readonly keyLength: 16 | 32;
  /** Implicit IV from the key block: 4 bytes (GCM/CCM salt) or 12 (ChaCha20 IV). */
  readonly fixedIvLength: 4 | 12;
  /** Explicit nonce carried in each record: 8 (GCM/CCM) or 0 (ChaCha20). */
  readonly explicitNonceLength: 8 | 0;
  /** Authentication tag length in bytes: 8 for the `CCM_8` suites, else 16. */
  readonly tagLength: 16 | 8;
}

/**
 * AES-CBC + HMAC record protection (RFC 5246 §6.2.3.2, RFC 7366
 * encrypt-then-MAC): the {@link CipherSuite.protection} of a CBC suite.
 *
 * @example
 * ```ts
 * import { parseCipherList, type CbcProtection } from 'puredtls';
 *
 * const [suite] = parseCipherList('ECDHE-ECDSA-AES256-SHA384');
 * if (suite?.protection.kind === 'cbc') {
 *   const p: CbcProtection = suite.protection;
 *   p.keyLength; // 32 (AES-256)
 *   p.macAlg;    // 'sha384'
 *   p.macLength; // 48
 * }
 * ```
 */
export interface CbcProtection {
  readonly kind: 'cbc';
  /** AES key length in bytes. */
  readonly keyLength: 16 | 32;
  /** The HMAC hash. */
  readonly macAlg: HashAlg;
  /** HMAC length in bytes: 20, 32 or 48 for SHA-1, SHA-256, SHA-384. */
  readonly macLength: 20 | 32 | 48;
}

/**
 * How a suite protects records: {@link AeadProtection} or
 * {@link CbcProtection}, told apart by `kind`.
 *
 * @example
 * ```ts
 * import { CIPHER_SUITES, type Protection } from 'puredtls';
 *
 * // The most bytes protection adds to a record's payload.
 * function maxOverhead(p: Protection): number {
 *   return p.kind === 'aead'
 *     ? p.explicitNonceLength + p.tagLength // explicit nonce + tag
 *     : 16 + 16 + p.macLength;              // IV + padding (at most 16) + MAC
 * }
 * const overheads = CIPHER_SUITES.map((s) => [s.openssl, maxOverhead(s.protection)] as const);
 * ```
 */
export type Protection = AeadProtection | CbcProtection;

/**
 * One cipher suite of the registry ({@link CIPHER_SUITES}): its code point,
 * its names and what it is made of. {@link parseCipherList} returns these.
 *
 * @example
 * ```ts
 * import { parseCipherList, type CipherSuite } from 'puredtls';
 *
 * const suite: CipherSuite | undefined = parseCipherList('ECDHE-ECDSA-AES128-GCM-SHA256')[0];
 * suite?.id;              // 0xc02b
 * suite?.iana;            // 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
 * suite?.kx;              // 'ECDHE'
 * suite?.auth;            // 'ECDSA'
 * suite?.protection.kind; // 'aead'
 * suite?.prfHash;         // 'sha256'
 * ```
 */
export interface CipherSuite {
  /** The TLS code point, e.g. `0xc02b`. */
  readonly id: number;
  /** IANA name, e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`. */
  readonly iana: string;
  /** OpenSSL name, e.g. `ECDHE-ECDSA-AES128-GCM-SHA256`. */
  readonly openssl: string;
  /** Key exchange. */
  readonly kx: KeyExchange;
  /** Authentication. */
  readonly auth: Authentication;
  /** Record protection. */
  readonly protection: Protection;
  /** Hash of the TLS 1.2 PRF (and of the Finished messages). */
  readonly prfHash: 'sha256' | 'sha384';
  /** Symmetric strength in bits, for AES128/AES256 style aliases. */
  readonly bits: 128 | 256;
  /** Cipher family, for aliases (AESGCM, AESCCM, AESCCM8, CHACHA20, AES). */
  readonly cipher: 'AESGCM' | 'AESCCM' | 'AESCCM8' | 'CHACHA20' | 'AESCBC';
}

const gcm = (bits: 128 | 256): AeadProtection => ({
  kind: 'aead', alg: bits === 128 ? 'aes-128-gcm' : 'aes-256-gcm', keyLength: bits === 128 ? 16 : 32,
  fixedIvLength: 4, explicitNonceLength: 8, tagLength: 16,
});
const ccm = (bits: 128 | 256, tag: 16 | 8): AeadProtection => ({
  kind: 'aead',
  alg: (`aes-${bits}-ccm${tag === 8 ? '8' : ''}`) as AeadAlg,
  keyLength: bits === 128 ? 16 : 32, fixedIvLength: 4, explicitNonceLength: 8, tagLength: tag,
});
const chacha: AeadProtection = {
  kind: 'aead', alg: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0, tagLength: 16,
};
const cbc = (bits: 128 | 256, mac: 'sha1' | 'sha256' | 'sha384'): CbcProtection => ({
  kind: 'cbc', keyLength: bits === 128 ? 16 : 32, macAlg: mac, macLength: mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48,
});

type Row = [number, string, string, KeyExchange, Authentication, Protection, 'sha256' | 'sha384', 128 | 256, CipherSuite['cipher']];

const rows: Row[] = [
  // ECDHE with AEAD: the default list.
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE', 'ECDSA', gcm(128), 'sha256', 128, 'AESGCM'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE', 'ECDSA', gcm(256), 'sha384', 256, 'AESGCM'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE', 'ECDSA', chacha, 'sha256', 256, 'CHACHA20'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE', 'RSA', gcm(128), 'sha256', 128, 'AESGCM'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE', 'RSA', gcm(256), 'sha384', 256, 'AESGCM'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE', 'RSA', chacha, 'sha256', 256, 'CHACHA20'],
  // ECDHE-ECDSA with AES-CCM (RFC 7251).
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', 'ECDHE-ECDSA-AES128-CCM', 'ECDHE', 'ECDSA', ccm(128, 16), 'sha256', 128, 'AESCCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM', 'ECDHE-ECDSA-AES256-CCM', 'ECDHE', 'ECDSA', ccm(256, 16), 'sha256', 256, 'AESCCM'],
  [0xc0ae, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'ECDHE-ECDSA-AES128-CCM8', 'ECDHE', 'ECDSA', ccm(128, 8), 'sha256', 128, 'AESCCM8'],
  [0xc0af, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8', 'ECDHE-ECDSA-AES256-CCM8', 'ECDHE', 'ECDSA', ccm(256, 8), 'sha256', 256, 'AESCCM8'],
  // PSK (RFC 4279, 5487, 6655, 7905) and ECDHE-PSK (RFC 5489).
  [0xc0a8, 'TLS_PSK_WITH_AES_128_CCM_8', 'PSK-AES128-CCM8', 'PSK', 'PSK', ccm(128, 8), 'sha256', 128, 'AESCCM8'],
  [0xc0a4, 'TLS_PSK_WITH_AES_128_CCM', 'PSK-AES128-CCM', 'PSK', 'PSK', ccm(128, 16), 'sha256', 128, 'AESCCM'],
  [0xc0a5, 'TLS_PSK_WITH_AES_256_CCM', 'PSK-AES256-CCM', 'PSK', 'PSK', ccm(256, 16), 'sha256', 256, 'AESCCM'],
  [0xc0a9, 'TLS_PSK_WITH_AES_256_CCM_8', 'PSK-AES256-CCM8', 'PSK', 'PSK', ccm(256, 8), 'sha256', 256, 'AESCCM8'],
  [0x00a8, 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256', 'PSK', 'PSK', gcm(128), 'sha256', 128, 'AESGCM'],
  [0x00a9, 'TLS_PSK_WITH_AES_256_GCM_SHA384', 'PSK-AES256-GCM-SHA384', 'PSK', 'PSK', gcm(256), 'sha384', 256, 'AESGCM'],
  [0xccab, 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'PSK-CHACHA20-POLY1305', 'PSK', 'PSK', chacha, 'sha256', 256, 'CHACHA20'],
  [0xccac, 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-PSK-CHACHA20-POLY1305', 'ECDHE_PSK', 'PSK', chacha, 'sha256', 256, 'CHACHA20'],
  [0x00ae, 'TLS_PSK_WITH_AES_128_CBC_SHA256', 'PSK-AES128-CBC-SHA256', 'PSK', 'PSK', cbc(128, 'sha256'), 'sha256', 128, 'AESCBC'],
  [0xc037, 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256', 'ECDHE-PSK-AES128-CBC-SHA256', 'ECDHE_PSK', 'PSK', cbc(128, 'sha256'), 'sha256', 128, 'AESCBC'],
  // CBC (only when named by the application; S-49).
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE', 'ECDSA', cbc(128, 'sha1'), 'sha256', 128, 'AESCBC'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE', 'ECDSA', cbc(256, 'sha1'), 'sha256', 256, 'AESCBC'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE', 'ECDSA', cbc(128, 'sha256'), 'sha256', 128, 'AESCBC'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE', 'ECDSA', cbc(256, 'sha384'), 'sha384', 256, 'AESCBC'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE', 'RSA', cbc(128, 'sha1'), 'sha256', 128, 'AESCBC'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE', 'RSA', cbc(256, 'sha1'), 'sha256', 256, 'AESCBC'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256', 'ECDHE', 'RSA', cbc(128, 'sha256'), 'sha256', 128, 'AESCBC'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384', 'ECDHE', 'RSA', cbc(256, 'sha384'), 'sha384', 256, 'AESCBC'],
];

/**
 * Every suite puredtls implements (frozen), in registry order, which is our
 * preference order: every AEAD suite before every CBC suite.
 *
 * @example
 * ```ts
 * import { CIPHER_SUITES } from 'puredtls';
 *
 * CIPHER_SUITES.find((s) => s.id === 0xc0ae)?.openssl; // 'ECDHE-ECDSA-AES128-CCM8'
 * const chacha = CIPHER_SUITES.filter((s) => s.cipher === 'CHACHA20').map((s) => s.openssl);
 * // ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'PSK-CHACHA20-POLY1305', 'ECDHE-PSK-CHACHA20-POLY1305']
 * ```
 */
export const CIPHER_SUITES: readonly CipherSuite[] = Object.freeze(
  rows.map(([id, iana, openssl, kx, auth, protection, prfHash, bits, cipher]) =>
    Object.freeze({ id, iana, openssl, kx, auth, protection, prfHash, bits, cipher })),
);

const byId = new Map(CIPHER_SUITES.map((s) => [s.id, s]));
const byName = new Map<string, CipherSuite>();
for (const s of CIPHER_SUITES) {
  byName.set(s.openssl.toUpperCase(), s);
  byName.set(s.iana.toUpperCase(), s);
}

export function suiteById(id: number): CipherSuite | undefined {
  return byId.get(id);
}

/** Look a suite up by its OpenSSL or IANA name (case-insensitive). */
export function suiteByName(name: string): CipherSuite | undefined {
  return byName.get(name.toUpperCase());
}

/** Is this a suite whose handshake involves a certificate (not pure PSK)? */
export function usesCertificate(s: CipherSuite): boolean {
  return s.auth !== 'PSK';
}

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746). */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** TLS_FALLBACK_SCSV (RFC 7507). */
export const FALLBACK_SCSV = 0x5600;
