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

/**
 * Hash algorithms of a {@link CryptoProvider}: the PRF and Finished hashes,
 * the HMACs of the CBC suites, and the hashes of signature schemes.
 *
 * @example
 * ```ts
 * import { defaultProvider, type HashAlg } from 'puredtls';
 *
 * const alg: HashAlg = 'sha384';
 * const p = defaultProvider();
 * p.hash(alg, new TextEncoder().encode('abc')).length; // 48
 * const mac = p.hmac('sha256', p.randomBytes(32), new TextEncoder().encode('message'));
 * ```
 */
export type HashAlg = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/**
 * AEAD record ciphers, for {@link CryptoProvider.createAead}. `*-ccm8` are
 * AES-CCM with an 8-byte tag. All take a 12-byte nonce.
 *
 * @example
 * ```ts
 * import { defaultProvider, type AeadAlg } from 'puredtls';
 *
 * const alg: AeadAlg = 'aes-128-ccm8';
 * const aead = defaultProvider().createAead(alg, new Uint8Array(16));
 * aead.tagLength; // 8
 * ```
 */
export type AeadAlg =
  | 'aes-128-gcm'
  | 'aes-256-gcm'
  | 'chacha20-poly1305'
  | 'aes-128-ccm'
  | 'aes-256-ccm'
  | 'aes-128-ccm8'
  | 'aes-256-ccm8';

/**
 * Named groups for ECDHE, by their TLS names: what
 * {@link CryptoProvider.generateKeyShare} takes. (The `ecdhCurve` option
 * names them as Node does: `X25519`, `P-256`, `P-384`.)
 *
 * @example
 * ```ts
 * import { defaultProvider, type GroupName } from 'puredtls';
 *
 * const group: GroupName = 'secp256r1';
 * defaultProvider().generateKeyShare(group).publicKey.length; // 65: 0x04 || X || Y
 * ```
 */
export type GroupName = 'x25519' | 'secp256r1' | 'secp384r1';

/**
 * Record-number encryption masks of DTLS 1.3 (RFC 9147 §4.2.3), for
 * {@link CryptoProvider.createRecordNumberMask}: AES-ECB of one block with a
 * 16- or 32-byte `sn_key` (the AES-based suites), or the ChaCha20 block
 * function with a 32-byte key (TLS_CHACHA20_POLY1305_SHA256).
 *
 * @example
 * ```ts
 * import { defaultProvider, type MaskAlg } from 'puredtls';
 *
 * const alg: MaskAlg = 'aes-128-ecb';
 * const mask = defaultProvider().createRecordNumberMask(alg, new Uint8Array(16));
 * mask(new Uint8Array(16)).length; // 16
 * ```
 */
export type MaskAlg = 'aes-128-ecb' | 'aes-256-ecb' | 'chacha20';

/**
 * A record-number mask keyed once per epoch and direction (RFC 9147 §4.2.3):
 * maps the first 16 bytes of a record's ciphertext (the sample) to a 16-byte
 * mask whose leading bytes are XORed onto the 8- or 16-bit sequence number.
 * Made by {@link CryptoProvider.createRecordNumberMask}.
 * - AES: `Mask = AES-ECB(sn_key, Ciphertext[0..15])`.
 * - ChaCha20: `Mask = ChaCha20(sn_key, Ciphertext[0..3], Ciphertext[4..15])`,
 *   i.e. the first 16 bytes of the RFC 8439 §2.3 block whose counter is the
 *   sample's first 4 bytes read little-endian and whose nonce is the next 12.
 *
 * Throws `ERR_DTLS_CRYPTO` when the sample is not 16 bytes.
 *
 * @example
 * ```ts
 * import { defaultProvider, type RecordNumberMask } from 'puredtls';
 *
 * const p = defaultProvider();
 * const mask: RecordNumberMask = p.createRecordNumberMask('chacha20', p.randomBytes(32));
 * const ciphertext = p.randomBytes(40);
 * const m = mask(ciphertext.subarray(0, 16)); // XOR m[0] (and m[1]) onto the sequence number
 * ```
 */
export type RecordNumberMask = (sample: Uint8Array) => Uint8Array;

/**
 * Hybrid post-quantum key-exchange groups, whose key shares come from a KEM
 * rather than Diffie-Hellman: `x25519mlkem768` is X25519MLKEM768 (0x11EC,
 * draft-ietf-tls-ecdhe-mlkem), ML-KEM-768 (FIPS 203) with X25519. For
 * {@link CryptoProvider.generateKemKeyShare} and
 * {@link CryptoProvider.encapsulateKeyShare}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type KemGroupName } from 'puredtls';
 *
 * const group: KemGroupName = 'x25519mlkem768';
 * defaultProvider().generateKemKeyShare(group).publicKey.length; // 1216: 1184 (ML-KEM-768) + 32 (X25519)
 * ```
 */
export type KemGroupName = 'x25519mlkem768';

/**
 * The client's side of a hybrid key share (draft-ietf-tls-ecdhe-mlkem §3):
 * its `publicKey` is the ML-KEM-768 encapsulation key (1184 bytes) followed
 * by an X25519 public key (32 bytes); `decapsulate` takes the server's share —
 * the ML-KEM ciphertext (1088 bytes) followed by the server's X25519 public
 * key — and returns the shared secret, the ML-KEM shared secret (32 bytes)
 * followed by the X25519 one (32 bytes). Made by
 * {@link CryptoProvider.generateKemKeyShare}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type KemKeyShare } from 'puredtls';
 *
 * const p = defaultProvider();
 * const client: KemKeyShare = p.generateKemKeyShare('x25519mlkem768');
 * const server = p.encapsulateKeyShare('x25519mlkem768', client.publicKey);
 * client.decapsulate(server.share); // the same 64 bytes as server.secret
 * ```
 */
export interface KemKeyShare {
  readonly group: KemGroupName;
  readonly publicKey: Uint8Array;
  /** Throws a `DtlsError` with alert `illegal_parameter` when the server's share is malformed or its X25519 result is zero. */
  decapsulate(serverShare: Uint8Array): Uint8Array;
}

/**
 * The server's side of a hybrid key share: the share to send back in its
 * ServerHello and the shared secret. Made by
 * {@link CryptoProvider.encapsulateKeyShare}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type KemEncapsulation } from 'puredtls';
 *
 * declare const clientShare: Uint8Array; // from the ClientHello's key_share
 * const e: KemEncapsulation = defaultProvider().encapsulateKeyShare('x25519mlkem768', clientShare);
 * e.share.length;  // 1120: ML-KEM-768 ciphertext (1088) + X25519 public key (32)
 * e.secret.length; // 64
 * ```
 */
export interface KemEncapsulation {
  readonly share: Uint8Array;
  readonly secret: Uint8Array;
}

/**
 * An AEAD keyed once; used for every record of one direction of an epoch.
 * Made by {@link CryptoProvider.createAead}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type Aead } from 'puredtls';
 *
 * const p = defaultProvider();
 * const aead: Aead = p.createAead('aes-128-gcm', p.randomBytes(16));
 * const nonce = p.randomBytes(12);
 * const aad = new TextEncoder().encode('header');
 * const sealed = aead.seal(nonce, aad, new TextEncoder().encode('hello')); // 5 + 16 bytes
 * aead.open(nonce, aad, sealed); // the plaintext, or null when anything was altered
 * ```
 */
export interface Aead {
  /** Key length in bytes. */
  readonly keyLength: number;
  /** Tag length in bytes (appended by `seal`). */
  readonly tagLength: number;
  /** Returns ciphertext || tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or `null` when the tag does not verify or the input is too short. Never throws. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
  /**
   * Optional, for the record layer's allocation-free path: write
   * ciphertext ‖ tag (`plaintext.length + tagLength` bytes) into `out` at
   * `offset`. `plaintext` may be a view of `out` (in place): read all of it
   * before writing.
   * Without it, the record layer calls `seal` and copies.
   */
  sealTo?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /**
   * Optional: `open` of the `length` bytes of `buf` at `offset` (ciphertext ‖
   * tag) without the caller making a view. Returns a new array the caller
   * owns (it may be a `Buffer`), or `null`. Never throws.
   */
  openAt?(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): Uint8Array | null;
}

/**
 * AES-CBC without padding (the record layer pads), for the CBC suites. Made
 * by {@link CryptoProvider.createCbc}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type BlockCipher } from 'puredtls';
 *
 * const p = defaultProvider();
 * const cbc: BlockCipher = p.createCbc(p.randomBytes(32)); // AES-256
 * const iv = p.randomBytes(16);
 * const ciphertext = cbc.encrypt(iv, new Uint8Array(32)); // two blocks in, two blocks out
 * cbc.decrypt(iv, ciphertext); // 32 zero bytes
 * ```
 */
export interface BlockCipher {
  /** Key length in bytes (16 or 32). */
  readonly keyLength: number;
  /** `data.length` is a multiple of 16. */
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** `data.length` is a multiple of 16. */
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/**
 * An ephemeral ECDHE key pair. Made by
 * {@link CryptoProvider.generateKeyShare}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type KeyShare } from 'puredtls';
 *
 * const p = defaultProvider();
 * const ours: KeyShare = p.generateKeyShare('x25519');
 * const theirs = p.generateKeyShare('x25519');
 * const secret = ours.computeSecret(theirs.publicKey); // 32 bytes
 * theirs.computeSecret(ours.publicKey);                 // the same 32 bytes
 * ```
 */
export interface KeyShare {
  /** The group the key pair is on. */
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

/**
 * Kind of a key: what it signs with. The `kind` of a {@link SigningKey} or
 * {@link VerifyingKey}.
 *
 * @example
 * ```ts
 * import { defaultProvider, type KeyKind } from 'puredtls';
 *
 * declare const pkcs8: Uint8Array; // a PKCS#8 DER private key
 * const kind: KeyKind = defaultProvider().importSigningKey(pkcs8).kind;
 * // ECDSA and Ed25519 keys serve the ECDHE-ECDSA suites, RSA keys the ECDHE-RSA ones
 * const ciphers = kind === 'rsa' ? 'ECDHE-RSA-AES128-GCM-SHA256' : 'ECDHE-ECDSA-AES128-GCM-SHA256';
 * ```
 */
export type KeyKind = 'ecdsa' | 'rsa' | 'ed25519';

/**
 * Curve of an ECDSA key: the `curve` of a {@link SigningKey} or
 * {@link VerifyingKey} of kind `ecdsa`.
 *
 * @example
 * ```ts
 * import { defaultProvider, type EcCurve } from 'puredtls';
 *
 * declare const spki: Uint8Array; // a SubjectPublicKeyInfo DER public key
 * const key = defaultProvider().importVerifyingKey(spki);
 * const curve: EcCurve | undefined = key.kind === 'ecdsa' ? key.curve : undefined;
 * ```
 */
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/**
 * TLS SignatureScheme code points (RFC 8446 §4.2.3 names, used by TLS 1.2 as
 * hash||sig pairs): what {@link SigningKey.sign} and {@link VerifyingKey.verify} take.
 *
 * @example
 * ```ts
 * import { SignatureScheme, nodeProvider } from 'puredtls';
 *
 * declare const pkcs8: Uint8Array; // an EC P-256 private key, PKCS#8 DER
 * declare const spki: Uint8Array; // its public key, SubjectPublicKeyInfo DER
 * const data = new TextEncoder().encode('signed data');
 * const signature = nodeProvider.importSigningKey(pkcs8).sign(SignatureScheme.ecdsa_secp256r1_sha256, data);
 * nodeProvider.importVerifyingKey(spki).verify(SignatureScheme.ecdsa_secp256r1_sha256, data, signature); // true
 * ```
 */
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

/**
 * A private key ready to sign. Made by
 * {@link CryptoProvider.importSigningKey}.
 *
 * @example
 * ```ts
 * import { createPrivateKey, X509Certificate } from 'node:crypto';
 * import { createSelfSigned, defaultProvider, type SigningKey } from 'puredtls';
 *
 * const { keyPem, certPem } = createSelfSigned();
 * const p = defaultProvider();
 * const key: SigningKey = p.importSigningKey(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' }));
 * key.kind;  // 'ecdsa'
 * key.curve; // 'P-256'
 * const ECDSA_SECP256R1_SHA256 = 0x0403; // a TLS SignatureScheme
 * const data = new TextEncoder().encode('signed content');
 * const signature = key.sign(ECDSA_SECP256R1_SHA256, data);
 * const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
 * p.importVerifyingKey(spki).verify(ECDSA_SECP256R1_SHA256, data, signature); // true
 * ```
 */
export interface SigningKey {
  readonly kind: KeyKind;
  /** The curve of an ECDSA key. */
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

/**
 * A public key ready to verify. Made by
 * {@link CryptoProvider.importVerifyingKey}.
 *
 * @example
 * ```ts
 * import { X509Certificate } from 'node:crypto';
 * import { defaultProvider, type VerifyingKey } from 'puredtls';
 *
 * declare const certPem: string, data: Uint8Array, signature: Uint8Array;
 * const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
 * const key: VerifyingKey = defaultProvider().importVerifyingKey(spki);
 * const RSA_PSS_RSAE_SHA256 = 0x0804; // a TLS SignatureScheme
 * if (key.kind === 'rsa' && key.verify(RSA_PSS_RSAE_SHA256, data, signature)) console.log(`valid, ${key.bits}-bit RSA`);
 * ```
 */
export interface VerifyingKey {
  readonly kind: KeyKind;
  /** The curve of an ECDSA key. */
  readonly curve?: EcCurve;
  /** RSA modulus size in bits. */
  readonly bits?: number;
  /** `false` for a wrong signature, a malformed one, or a scheme that does not fit the key. Never throws. */
  verify(scheme: number, data: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * The crypto provider: every cryptographic operation of the stack goes
 * through this one interface. Two implementations pass the same vectors:
 * {@link nodeProvider} (node:crypto, fast) and {@link nobleProvider}
 * (@noble/*, runs anywhere); {@link defaultProvider} picks node:crypto when
 * the runtime has it. The `crypto` option of servers and clients takes one.
 *
 * Byte values are `Uint8Array` (a `Buffer` is accepted). Keys are imported
 * once and the returned objects reused. Nothing throws on authentication
 * failure: `open` returns `null`, `verify` returns `false`.
 *
 * @example A provider that counts the record keys, delegating to node:crypto
 * ```ts
 * import { createSelfSigned, createServer, nodeProvider, type CryptoProvider } from 'puredtls';
 *
 * let aeadKeys = 0;
 * const counting: CryptoProvider = {
 *   ...nodeProvider,
 *   name: 'counting',
 *   createAead(alg, key) {
 *     aeadKeys++;
 *     return nodeProvider.createAead(alg, key);
 *   },
 * };
 * const { keyPem, certPem } = createSelfSigned(counting);
 * const server = createServer({ key: keyPem, cert: certPem, crypto: counting });
 * ```
 */
export interface CryptoProvider {
  /** 'node' or 'noble' (or a test provider's name). */
  readonly name: string;
  /** `n` cryptographically secure random bytes. */
  randomBytes(n: number): Uint8Array;
  /** The digest of `data`. */
  hash(alg: HashAlg, data: Uint8Array): Uint8Array;
  /** HMAC of `data` with `key`. */
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HMAC with a key imported once, for many messages (the PRF, cookies). */
  hmacKey(alg: HashAlg, key: Uint8Array): (data: Uint8Array) => Uint8Array;
  /** Import a key once; `seal`/`open` many times. */
  createAead(alg: AeadAlg, key: Uint8Array): Aead;
  /** AES-CBC (16- or 32-byte key), no padding. */
  createCbc(key: Uint8Array): BlockCipher;
  /**
   * The DTLS 1.3 record-number mask function for one epoch's `sn_key`
   * (RFC 9147 §4.2.3): AES-128/256-ECB of one block, or the raw ChaCha20
   * block function. Throws `ERR_DTLS_CRYPTO` for a wrong key length.
   */
  createRecordNumberMask(alg: MaskAlg, key: Uint8Array): RecordNumberMask;
  /** A fresh ephemeral ECDHE key pair. */
  generateKeyShare(group: GroupName): KeyShare;
  /** A fresh hybrid key share for a ClientHello (draft-ietf-tls-ecdhe-mlkem). */
  generateKemKeyShare(group: KemGroupName): KemKeyShare;
  /**
   * The server's answer to a client's hybrid key share: encapsulate to its
   * ML-KEM key and do X25519 with a fresh key. Throws a `DtlsError` with alert
   * `illegal_parameter` when the client's share is malformed (length, the
   * FIPS 203 §7.2 modulus check, an X25519 result of zero).
   */
  encapsulateKeyShare(group: KemGroupName, clientShare: Uint8Array): KemEncapsulation;
  /** Import a PKCS#8 DER private key (EC P-256/P-384, RSA, Ed25519). Throws `KeyError`. */
  importSigningKey(pkcs8: Uint8Array): SigningKey;
  /** Import a SubjectPublicKeyInfo DER public key. Throws `KeyError`. */
  importVerifyingKey(spki: Uint8Array): VerifyingKey;
}
