import { cryptoError } from '../crypto/fail.js';
import type { BlockCipher, CryptoProvider, HashAlg } from '../crypto/provider.js';
import type { CbcProtection, CipherSuite } from '../crypto/suites.js';
import type { DirectionKeys, RecordProtection } from './protection.js';
import { writeU48 } from './record.js';

/**
 * CBC + HMAC record protection for the DTLS 1.2 CBC suites (S-49: only when
 * the application names them).
 *
 * - MAC-then-encrypt (RFC 5246 §6.2.3.2, DTLS seq_num = epoch(2)‖seq(6),
 *   RFC 6347 §4.1.2.1):
 *   `fragment = IV ‖ AES-CBC(plaintext ‖ MAC ‖ padding)`,
 *   `MAC = HMAC(mac_key, seq_num ‖ type ‖ version ‖ length ‖ plaintext)`.
 * - Encrypt-then-MAC (RFC 7366):
 *   `fragment = IV ‖ AES-CBC(plaintext ‖ padding) ‖ MAC`,
 *   `MAC = HMAC(mac_key, seq_num ‖ type ‖ version ‖ length(IV ‖ ciphertext) ‖ IV ‖ ciphertext)`.
 *
 * The IV is 16 fresh bytes from `provider.randomBytes` per record. We send
 * minimal padding (`p + 1 ≤ 16` bytes of value `p`) and accept any valid
 * padding up to 256 bytes.
 */

const BLOCK = 16;
/** seq_num(8) ‖ type(1) ‖ version(2) ‖ length(2). */
const HEADER = 13;
/** The longest padding run (padding bytes plus the length byte). */
const MAX_PAD_RUN = 256;

// Constant-time helpers on small non-negative integers (< 2^30): no branches,
// no secret-dependent memory indices. Masks are all-ones (-1) or 0.

/** -1 when `a < b`, else 0. */
function ltMask(a: number, b: number): number {
  return (a - b) >> 31;
}

/** -1 when `a === b`, else 0. */
function eqMask(a: number, b: number): number {
  return ((a ^ b) - 1) >> 31;
}

/** Write the MAC header seq_num ‖ type ‖ version ‖ length at `out[0..13)`. */
function writeMacHeader(out: Uint8Array, epoch: number, seq: number, type: number, version: number, length: number): void {
  out[0] = (epoch >>> 8) & 0xff;
  out[1] = epoch & 0xff;
  writeU48(out, 2, seq);
  out[8] = type & 0xff;
  out[9] = (version >>> 8) & 0xff;
  out[10] = version & 0xff;
  out[11] = (length >>> 8) & 0xff;
  out[12] = length & 0xff;
}

/**
 * Copy the `macLength` bytes at secret offset `macStart` out of `p` without a
 * secret-dependent index (the OpenSSL `ssl3_cbc_copy_mac` technique): one
 * pass over the last `macLength + 256` bytes collects the MAC rotated by a
 * secret amount, then a `macLength²` pass undoes the rotation.
 */
function copyMacConstantTime(p: Uint8Array, macStart: number, macLength: number): Uint8Array {
  const n = p.length;
  const macEnd = macStart + macLength;
  const scanStart = Math.max(0, n - (macLength + MAX_PAD_RUN));
  const rotated = new Uint8Array(macLength);
  let inMac = 0;
  let rotateOffset = 0;
  let j = 0;
  // Stryker disable next-line EqualityOperator: one step past a typed array's end: the write is ignored, the read is undefined, which ORs/XORs as 0
  for (let i = scanStart; i < n; i++) {
    const started = eqMask(i, macStart);
    inMac = (inMac | started) & ltMask(i, macEnd);
    rotateOffset |= j & started;
    rotated[j]! |= p[i]! & inMac;
    j = (j + 1) & ltMask(j + 1, macLength);
  }
  const out = new Uint8Array(macLength);
  // Stryker disable next-line EqualityOperator: one step past a typed array's end: the write is ignored, the read is undefined, which ORs/XORs as 0
  for (let k = 0; k < macLength; k++) {
    let idx = k + rotateOffset;
    idx -= macLength & ~ltMask(idx, macLength);
    let b = 0;
    // Stryker disable next-line EqualityOperator: one step past a typed array's end: the write is ignored, the read is undefined, which ORs/XORs as 0
    for (let r = 0; r < macLength; r++) b |= rotated[r]! & eqMask(r, idx);
    out[k] = b;
  }
  return out;
}

/**
 * The CBC record protection.
 *
 * **Constant-time MAC-then-encrypt `open` (Lucky 13, S-49, CRY-01).** After
 * the public length checks, the path taken and the work done depend only on
 * the fragment length, never on the padding or MAC values:
 * - every byte of the largest possible padding window (`min(256, n − macLength)`
 *   bytes) is checked with masks; no early exit on bad padding;
 * - a padding that is bad (inconsistent bytes, or a length byte claiming more
 *   than the record holds) is treated as a padding length of 0 (RFC 5246
 *   §6.2.3.2), so a MAC is still computed;
 * - the MAC is extracted from its secret position with a constant-time
 *   rotate-copy, not a secret index;
 * - "MAC over the maximal length": the real HMAC covers the 13-byte header
 *   and the real data, and a second (dummy) HMAC is fed the remaining bytes,
 *   so the two HMAC calls always take `13 + n − macLength − 1` bytes in total
 *   (`n` the ciphertext length), whatever the padding;
 * - padding-ok and MAC-ok are combined with bitwise operations and decided
 *   once, at the end.
 *
 * **Residual limitation.** The provider's HMAC is one-shot, so the two HMACs
 * each round their input up to a whole hash block (64 bytes, 128 for
 * SHA-384) separately: the total number of compression-function calls can
 * still differ by one between padding lengths (the difference Lucky 13
 * measures), whereas a hand-built HMAC with an incremental, copyable state
 * (as s2n and OpenSSL do) can make it exact. On top of that, a JavaScript
 * runtime gives no timing guarantees (JIT tiers, garbage collection,
 * allocation, the node:crypto call boundary). The countermeasure removes
 * the large padding/MAC-dependent differences; it is not a proof of
 * constant time. Prefer AEAD suites, or Encrypt-then-MAC (where the MAC is
 * checked before any decryption and padding is never an oracle), and cap
 * bad records (S-41).
 *
 * `open` never throws: short records (CRY-02), ciphertext lengths that are
 * not a multiple of 16 and any internal failure give `null`.
 */
class CbcRecordProtection implements RecordProtection {
  readonly maxExpansion: number;
  private readonly macAlg: HashAlg;
  private readonly macLength: number;
  /** Folded dummy-HMAC output, so the dummy computation is observably used. */
  private sink = 0;

  constructor(
    private readonly provider: CryptoProvider,
    p: CbcProtection,
    private readonly cipher: BlockCipher,
    private readonly macKey: Uint8Array,
    private readonly encryptThenMac: boolean,
  ) {
    this.macAlg = p.macAlg;
    this.macLength = p.macLength;
    // IV + MAC + at most one block of padding (the most we send).
    this.maxExpansion = BLOCK + p.macLength + BLOCK;
  }

  seal(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    return this.encryptThenMac
      ? this.sealEtm(type, version, epoch, seq, plaintext)
      : this.sealMte(type, version, epoch, seq, plaintext);
  }

  open(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | null {
    try {
      return this.encryptThenMac
        ? this.openEtm(type, version, epoch, seq, fragment)
        : this.openMte(type, version, epoch, seq, fragment);
    } catch {
      return null;
    }
  }

  wipe(): void {
    this.macKey.fill(0);
  }

  private hmac(data: Uint8Array): Uint8Array {
    return this.provider.hmac(this.macAlg, this.macKey, data);
  }

  private freshIv(): Uint8Array {
    const iv = this.provider.randomBytes(BLOCK);
    // Stryker disable next-line ConditionalExpression: both providers' block ciphers refuse a 15-byte IV with the same ERR_DTLS_CRYPTO (the test of protection-edges.test.ts sees that)
    if (iv.length !== BLOCK) throw cryptoError(`randomBytes(${BLOCK}) returned ${iv.length} bytes`);
    return iv;
  }

  private sealMte(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    const len = plaintext.length;
    const macInput = new Uint8Array(HEADER + len);
    writeMacHeader(macInput, epoch, seq, type, version, len);
    macInput.set(plaintext, HEADER);
    const mac = this.hmac(macInput);
    const unpadded = len + this.macLength + 1;
    const pad = (BLOCK - (unpadded % BLOCK)) % BLOCK;
    const block = new Uint8Array(unpadded + pad);
    block.set(plaintext, 0);
    block.set(mac, len);
    block.fill(pad, len + this.macLength);
    const iv = this.freshIv();
    const ct = this.cipher.encrypt(iv, block);
    const out = new Uint8Array(BLOCK + ct.length);
    out.set(iv, 0);
    out.set(ct, BLOCK);
    return out;
  }

  private sealEtm(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    const len = plaintext.length;
    const pad = (BLOCK - ((len + 1) % BLOCK)) % BLOCK;
    const block = new Uint8Array(len + pad + 1);
    block.set(plaintext, 0);
    block.fill(pad, len);
    const iv = this.freshIv();
    const ct = this.cipher.encrypt(iv, block);
    const bodyLength = BLOCK + ct.length;
    const out = new Uint8Array(bodyLength + this.macLength);
    out.set(iv, 0);
    out.set(ct, BLOCK);
    const macInput = new Uint8Array(HEADER + bodyLength);
    writeMacHeader(macInput, epoch, seq, type, version, bodyLength);
    macInput.set(out.subarray(0, bodyLength), HEADER);
    out.set(this.hmac(macInput), bodyLength);
    return out;
  }

  private openEtm(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | null {
    const macLength = this.macLength;
    // CRY-02: IV, at least one block, MAC; whole blocks only.
    if (fragment.length < BLOCK + BLOCK + macLength) return null;
    const bodyLength = fragment.length - macLength;
    // Stryker disable next-line ConditionalExpression: a partial block makes the block cipher throw, which open turns into null (tested: EtM refuses … a partial block)
    if (bodyLength % BLOCK !== 0) return null;
    const macInput = new Uint8Array(HEADER + bodyLength);
    writeMacHeader(macInput, epoch, seq, type, version, bodyLength);
    macInput.set(fragment.subarray(0, bodyLength), HEADER);
    const expected = this.hmac(macInput);
    const received = fragment.subarray(bodyLength);
    let diff = 0;
    // Stryker disable next-line EqualityOperator: one step past a typed array's end: the write is ignored, the read is undefined, which ORs/XORs as 0
    for (let i = 0; i < macLength; i++) diff |= expected[i]! ^ received[i]!;
    // MAC first: nothing unauthenticated is decrypted (RFC 7366 §3).
    if (diff !== 0) return null;
    const p = this.cipher.decrypt(fragment.subarray(0, BLOCK), fragment.subarray(BLOCK, bodyLength));
    const n = p.length;
    const padLen = p[n - 1]!;
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: the padding loop then reads p[-1] (undefined ^ padLen ≠ 0) and refuses
    if (padLen + 1 > n) return null;
    let bad = 0;
    for (let i = n - 1 - padLen; i < n; i++) bad |= p[i]! ^ padLen;
    if (bad !== 0) return null;
    return p.slice(0, n - 1 - padLen);
  }

  private openMte(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | null {
    const macLength = this.macLength;
    // Public checks (CRY-02): IV + MAC + 1, whole blocks, at least one block.
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator,EqualityOperator: a record too short for IV, MAC and a byte fails the block cipher (thrown, so null) or the padding-and-MAC decision (tested: every short or unaligned fragment, 0 to 80 bytes)
    if (fragment.length < BLOCK + macLength + 1) return null;
    const n = fragment.length - BLOCK;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a partial or empty body fails the block cipher or the padding-and-MAC decision (tested as above)
    if (n % BLOCK !== 0 || n === 0) return null;
    const p = this.cipher.decrypt(fragment.subarray(0, BLOCK), fragment.subarray(BLOCK));
    // Stryker disable next-line ConditionalExpression: both block ciphers return exactly n bytes
    if (p.length !== n) return null;

    // Padding, in constant time over the whole window (no early exit).
    const padLen = p[n - 1]!;
    // -1 when padLen + 1 + macLength <= n.
    // Stryker disable next-line ArithmeticOperator: a padding that leaves no room for the MAC makes the data length negative, and the MAC over it (a prefix of the header) cannot match the record's bytes short of an HMAC forgery
    let good = ~ltMask(n, padLen + 1 + macLength);
    // Stryker disable next-line MethodExpression,ArithmeticOperator: positions past n − macLength are in the padding only when the padding leaves no room for the MAC, which good already refuses
    const window = Math.min(MAX_PAD_RUN, n - macLength);
    let padDiff = 0;
    // Stryker disable next-line EqualityOperator: the extra position is in the padding only when the padding leaves no room for the MAC, which good already refuses
    for (let i = 0; i < window; i++) {
      const inPad = ~ltMask(padLen, i); // i <= padLen
      padDiff |= inPad & (p[n - 1 - i]! ^ padLen);
    }
    good &= eqMask(padDiff, 0);

    // Bad padding: proceed as if the padding length were 0 (RFC 5246 §6.2.3.2).
    const maxData = n - macLength - 1;
    const dataLength = maxData - (padLen & good);

    const received = copyMacConstantTime(p, dataLength, macLength);

    // MAC over the maximal length: the real HMAC over header ‖ data, a dummy
    // HMAC over the rest, 13 + maxData bytes in total whatever the padding.
    const macInput = new Uint8Array(HEADER + maxData);
    macInput.set(p.subarray(0, maxData), HEADER);
    writeMacHeader(macInput, epoch, seq, type, version, dataLength);
    const expected = this.hmac(macInput.subarray(0, HEADER + dataLength));
    const dummy = this.hmac(macInput.subarray(HEADER + dataLength));
    this.sink = (this.sink ^ dummy[0]!) & 0xff;

    let macDiff = 0;
    // Stryker disable next-line EqualityOperator: one step past a typed array's end: the write is ignored, the read is undefined, which ORs/XORs as 0
    for (let i = 0; i < macLength; i++) macDiff |= expected[i]! ^ received[i]!;
    const ok = good & eqMask(macDiff, 0);
    // The single decision.
    if (ok === 0) return null;
    return p.slice(0, dataLength);
  }
}

/**
 * Build the CBC record protection for one direction of an epoch.
 *
 * @param provider      crypto provider (AES key imported once, here).
 * @param suite         a CBC suite of the registry.
 * @param keys          `macKey` (`macLength` bytes) and `encKey` (`keyLength`
 *                      bytes); `iv` is unused (DTLS 1.2 sends an explicit IV per record).
 * @param encryptThenMac whether RFC 7366 encrypt_then_mac was negotiated.
 * @throws `ERR_DTLS_CRYPTO` when the suite is not CBC or a key has the wrong length.
 */
export function createCbcProtection(
  provider: CryptoProvider,
  suite: CipherSuite,
  keys: DirectionKeys,
  encryptThenMac: boolean,
): RecordProtection {
  const p = suite.protection;
  // Stryker disable next-line ConditionalExpression: an AEAD suite has no MAC length, so the MAC key check below throws the same ERR_DTLS_CRYPTO
  if (p.kind !== 'cbc') throw cryptoError(`${suite.openssl} is not a CBC suite`);
  if (keys.macKey.length !== p.macLength) {
    throw cryptoError(`${suite.openssl}: MAC key must be ${p.macLength} bytes, got ${keys.macKey.length}`);
  }
  if (keys.encKey.length !== p.keyLength) {
    throw cryptoError(`${suite.openssl}: key must be ${p.keyLength} bytes, got ${keys.encKey.length}`);
  }
  const cipher = provider.createCbc(keys.encKey);
  return new CbcRecordProtection(provider, p, cipher, Uint8Array.from(keys.macKey), encryptThenMac);
}
