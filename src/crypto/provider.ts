/**
 * The crypto provider: every cryptographic operation of the stack goes through
 * this one interface. Two implementations exist and pass the same vectors:
 * `nodeProvider` (node:crypto, fast) and `nobleProvider` (@noble/*, runs
 * anywhere). `defaultProvider()` picks node:crypto when the runtime has it.
 *
 * Conventions:
 * - All byte values are `Uint8Array` (a `Buffer` is accepted).
 * - Keys are imported once per connection (or once per server for the
 *   server's own key) and the returned objects reused for every record or
 *   signature.
 * - Nothing here throws on authentication failure: `open` returns `null`,
 *   `verify` returns `false`. Invalid peer key shares throw {@link DtlsError}
 *   with alert `illegal_parameter` (S-50).
 */

export type HashAlg = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** AEAD record ciphers. `*-ccm8` are AES-CCM with an 8-byte tag. */
export type AeadAlg =
  | 'aes-128-gcm'
  | 'aes-256-gcm'
  | 'chacha20-poly1305'
  | 'aes-128-ccm'
  | 'aes-256-ccm'
  | 'aes-128-ccm8'
  | 'aes-256-ccm8';

/** Named groups for ECDHE, by their TLS names. */
export type GroupName = 'x25519' | 'secp256r1' | 'secp384r1';

/** An AEAD keyed once; used for every record of one direction of an epoch. */
export interface Aead {
  readonly keyLength: number;
  readonly tagLength: number;
  /** Returns ciphertext || tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or `null` when the tag does not verify or the input is too short. Never throws. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

/** AES-CBC without padding (the record layer pads), for the CBC suites. */
export interface BlockCipher {
  readonly keyLength: number;
  /** `data.length` is a multiple of 16. */
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** `data.length` is a multiple of 16. */
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** An ephemeral ECDHE key pair. */
export interface KeyShare {
  readonly group: GroupName;
  /** X25519: 32 raw bytes. P-256/P-384: uncompressed point 0x04 || X || Y. */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's public value: the X coordinate for the
   * NIST curves, the 32-byte X25519 output. Throws a `DtlsError` with alert
   * `illegal_parameter` when the point is malformed, not on the curve, the
   * identity, or the X25519 result is all zero (S-50).
   */
  computeSecret(peerPublic: Uint8Array): Uint8Array;
}

/** Kind of a key: what it signs with. */
export type KeyKind = 'ecdsa' | 'rsa' | 'ed25519';
/** Curve of an ECDSA key. */
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/** TLS SignatureScheme code points (RFC 8446 §4.2.3 names, used by TLS 1.2 as hash||sig pairs). */
export const SignatureScheme = Object.freeze({
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
} as const);

/** A private key ready to sign. */
export interface SigningKey {
  readonly kind: KeyKind;
  readonly curve?: EcCurve;
  /** RSA modulus size in bits. */
  readonly bits?: number;
  /**
   * Sign `data` (the whole message; the scheme's hash is applied inside) with
   * the given TLS SignatureScheme. ECDSA signatures are DER
   * (`Ecdsa-Sig-Value`), as TLS puts them on the wire. RSA-PSS uses a salt as
   * long as the hash. Throws a `DtlsError` when the scheme does not fit the key.
   */
  sign(scheme: number, data: Uint8Array): Uint8Array;
}

/** A public key ready to verify. */
export interface VerifyingKey {
  readonly kind: KeyKind;
  readonly curve?: EcCurve;
  readonly bits?: number;
  /** `false` for a wrong signature, a malformed one, or a scheme that does not fit the key. Never throws. */
  verify(scheme: number, data: Uint8Array, signature: Uint8Array): boolean;
}

export interface CryptoProvider {
  /** 'node' or 'noble' (or a test provider's name). */
  readonly name: string;
  randomBytes(n: number): Uint8Array;
  hash(alg: HashAlg, data: Uint8Array): Uint8Array;
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HMAC with a key imported once, for many messages (the PRF, cookies). */
  hmacKey(alg: HashAlg, key: Uint8Array): (data: Uint8Array) => Uint8Array;
  /** Import a key once; `seal`/`open` many times. */
  createAead(alg: AeadAlg, key: Uint8Array): Aead;
  /** AES-CBC (16- or 32-byte key), no padding. */
  createCbc(key: Uint8Array): BlockCipher;
  generateKeyShare(group: GroupName): KeyShare;
  /** Import a PKCS#8 DER private key (EC P-256/P-384, RSA, Ed25519). Throws `KeyError`. */
  importSigningKey(pkcs8: Uint8Array): SigningKey;
  /** Import a SubjectPublicKeyInfo DER public key. Throws `KeyError`. */
  importVerifyingKey(spki: Uint8Array): VerifyingKey;
}
