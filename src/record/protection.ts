import type { Aead, CryptoProvider } from '../crypto/provider.js';
import type { AeadProtection, CipherSuite } from '../crypto/suites.js';
import { plain } from '../crypto/bytes.js';
import { createCbcProtection } from './cbc.js';
import { writeU48 } from './record.js';

/**
 * Protection of one direction of one epoch: turns a plaintext fragment into
 * the record's protected fragment and back.
 */
export interface RecordProtection {
  /** Bytes a protected fragment adds to the plaintext at most (explicit nonce, tag, MAC, padding). */
  readonly maxExpansion: number;
  /** With `cid`, `type` is tls12_cid and the additional data follows RFC 9146 §5. */
  seal(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array;
  /** The plaintext, or `null` when the record does not authenticate. Never throws. */
  open(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null;
  /**
   * AEAD only (the allocation-free record path): the exact protected length
   * of a `plaintextLength`-byte plaintext, and `seal` writing that many bytes
   * into `out` at `offset`. `plaintext` may be a view of `out` past the
   * explicit nonce: the AEAD reads all of it before writing (sealing in place).
   */
  sealedLength?(plaintextLength: number): number;
  sealTo?(out: Uint8Array, offset: number, type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): void;
  /** AEAD only: `open` of `buf[offset, offset + length)` without a view; the result is a new array the caller owns. */
  openAt?(type: number, version: number, epoch: number, seq: number, buf: Uint8Array, offset: number, length: number, cid?: Uint8Array): Uint8Array | null;
  /** Forget key material. */
  wipe(): void;
}

/** Key material for one direction. */
export interface DirectionKeys {
  readonly macKey: Uint8Array;
  readonly encKey: Uint8Array;
  readonly iv: Uint8Array;
}

/** Write the additional data of an AEAD record (RFC 5246 §6.2.3.3 with the DTLS epoch‖seq, S-10) into `ad[0..13)`. */
export function writeAdditionalData(ad: Uint8Array, epoch: number, seq: number, type: number, version: number, length: number): void {
  ad[0] = epoch >>> 8;
  ad[1] = epoch & 0xff;
  writeU48(ad, 2, seq);
  ad[8] = type;
  ad[9] = version >>> 8;
  ad[10] = version & 0xff;
  ad[11] = length >>> 8;
  ad[12] = length & 0xff;
}

/** The additional data of an AEAD record (RFC 5246 §6.2.3.3 with the DTLS epoch‖seq, S-10). */
export function additionalData(epoch: number, seq: number, type: number, version: number, length: number): Uint8Array {
  const ad = new Uint8Array(13);
  writeAdditionalData(ad, epoch, seq, type, version, length);
  return ad;
}

/** Length of the tls12_cid additional data for a CID of `cidLength` bytes. */
const cidAdLength = (cidLength: number): number => 8 + 3 + 2 + 8 + cidLength + 2;

/** Write the tls12_cid additional data (see {@link cidAdditionalData}) into `ad`. */
function writeCidAdditionalData(ad: Uint8Array, epoch: number, seq: number, version: number, cid: Uint8Array, length: number): void {
  ad.fill(0xff, 0, 8);
  ad[8] = 25;
  ad[9] = cid.length;
  ad[10] = 25;
  ad[11] = version >>> 8;
  ad[12] = version & 0xff;
  ad[13] = epoch >>> 8;
  ad[14] = epoch & 0xff;
  writeU48(ad, 15, seq);
  ad.set(cid, 21);
  ad[21 + cid.length] = length >>> 8;
  ad[22 + cid.length] = length & 0xff;
}

/**
 * The additional data of a tls12_cid record (RFC 9146 §5):
 * seq_num_placeholder (8 × 0xff) ‖ tls12_cid ‖ cid_length ‖ tls12_cid ‖ version ‖
 * epoch ‖ sequence_number ‖ cid ‖ length_of_DTLSInnerPlaintext.
 */
export function cidAdditionalData(epoch: number, seq: number, version: number, cid: Uint8Array, length: number): Uint8Array {
  const ad = new Uint8Array(cidAdLength(cid.length));
  writeCidAdditionalData(ad, epoch, seq, version, cid, length);
  return ad;
}

/** Write the per-record nonce (see {@link aeadNonce}) into `nonce[0..12)`. */
function writeNonce(nonce: Uint8Array, p: AeadProtection, iv: Uint8Array, epoch: number, seq: number): void {
  // Stryker disable next-line ConditionalExpression: XOR with a 4-byte IV: bytes 4…11 XOR undefined (0) are unchanged, bytes 0…3 become the IV: the same nonce
  if (p.fixedIvLength === 4) {
    nonce[0] = iv[0]!;
    nonce[1] = iv[1]!;
    nonce[2] = iv[2]!;
    nonce[3] = iv[3]!;
    nonce[4] = epoch >>> 8;
    nonce[5] = epoch & 0xff;
    writeU48(nonce, 6, seq);
  } else {
    nonce[0] = 0;
    nonce[1] = 0;
    nonce[2] = 0;
    nonce[3] = 0;
    nonce[4] = epoch >>> 8;
    nonce[5] = epoch & 0xff;
    writeU48(nonce, 6, seq);
    // Stryker disable next-line EqualityOperator: nonce[12] is past the end: the write is ignored
    for (let i = 0; i < 12; i++) nonce[i]! ^= iv[i]!;
  }
}

/**
 * The per-record nonce. GCM/CCM (RFC 5288 §3, RFC 6655 §3): the 4-byte salt
 * followed by the 8-byte explicit nonce, which is epoch‖seq — never random,
 * never repeated (S-10). ChaCha20-Poly1305 (RFC 7905 §2): the 12-byte IV XOR
 * the left-padded epoch‖seq.
 */
export function aeadNonce(p: AeadProtection, iv: Uint8Array, epoch: number, seq: number): Uint8Array {
  const nonce = new Uint8Array(12);
  writeNonce(nonce, p, iv, epoch, seq);
  return nonce;
}

/**
 * Scratch for the per-record nonce and additional data, shared by every
 * protection of this thread: they are written, handed to the AEAD, which
 * consumes them before it returns, and not needed after. (Per object they
 * cost ~200 bytes per direction per connection; shared, nothing.)
 */
const scratchNonce = new Uint8Array(12);
const scratchAd = new Uint8Array(13);
let scratchCidAd = new Uint8Array(0);

/**
 * AEAD record protection. The nonce and additional data are written into
 * shared scratch buffers for each record, so sealing and opening allocate
 * nothing here.
 */
class AeadRecordProtection implements RecordProtection {
  readonly maxExpansion: number;
  private readonly explicit: number;
  private readonly tag: number;

  constructor(private readonly p: AeadProtection, private readonly aead: Aead, private readonly iv: Uint8Array) {
    this.explicit = p.explicitNonceLength;
    this.tag = p.tagLength;
    this.maxExpansion = p.explicitNonceLength + p.tagLength;
  }

  sealedLength(plaintextLength: number): number {
    return this.explicit + plaintextLength + this.tag;
  }

  /** The additional data for this record, in a scratch buffer. */
  private additional(epoch: number, seq: number, type: number, version: number, length: number, cid?: Uint8Array): Uint8Array {
    if (!cid) {
      writeAdditionalData(scratchAd, epoch, seq, type, version, length);
      return scratchAd;
    }
    const n = cidAdLength(cid.length);
    // Stryker disable next-line ConditionalExpression: a new buffer each time holds the same bytes
    if (scratchCidAd.length !== n) scratchCidAd = new Uint8Array(n);
    writeCidAdditionalData(scratchCidAd, epoch, seq, version, cid, length);
    return scratchCidAd;
  }

  sealTo(out: Uint8Array, offset: number, type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): void {
    const nonce = scratchNonce;
    writeNonce(nonce, this.p, this.iv, epoch, seq);
    const ad = this.additional(epoch, seq, type, version, plaintext.length, cid);
    // Stryker disable next-line ConditionalExpression: with no explicit nonce (ChaCha20) the AEAD output, at least a 16-byte tag, overwrites these 8 bytes
    if (this.explicit === 8) {
      // Stryker disable next-line EqualityOperator: out[offset + 8] is overwritten by the AEAD output right after
      for (let i = 0; i < 8; i++) out[offset + i] = nonce[4 + i]!;
    }
    const at = offset + this.explicit;
    // Stryker disable next-line ConditionalExpression: the fallback (seal, then a copy) writes the same bytes; test/record/allocations.test.ts measures the difference
    if (this.aead.sealTo) this.aead.sealTo(nonce, ad, plaintext, out, at);
    else out.set(this.aead.seal(nonce, ad, plaintext), at);
  }

  seal(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.sealedLength(plaintext.length));
    this.sealTo(out, 0, type, version, epoch, seq, plaintext, cid);
    return out;
  }

  openAt(type: number, version: number, epoch: number, seq: number, buf: Uint8Array, offset: number, length: number, cid?: Uint8Array): Uint8Array | null {
    const explicit = this.explicit;
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: the AEAD's own openAt returns null for fewer bytes than a tag
    if (length < explicit + this.tag) return null;
    const nonce = scratchNonce;
    if (explicit === 8) {
      nonce[0] = this.iv[0]!;
      nonce[1] = this.iv[1]!;
      nonce[2] = this.iv[2]!;
      nonce[3] = this.iv[3]!;
      // Stryker disable next-line EqualityOperator: nonce[12] is past the end: the write is ignored
      for (let i = 0; i < 8; i++) nonce[4 + i] = buf[offset + i]!;
    } else {
      writeNonce(nonce, this.p, this.iv, epoch, seq);
    }
    const n = length - explicit - this.tag;
    const ad = this.additional(epoch, seq, type, version, n, cid);
    // Stryker disable next-line ConditionalExpression: the fallback (open of a view) returns the same plaintext
    if (this.aead.openAt) return this.aead.openAt(nonce, ad, buf, offset + explicit, length - explicit);
    return this.aead.open(nonce, ad, buf.subarray(offset + explicit, offset + length));
  }

  open(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null {
    const pt = this.openAt(type, version, epoch, seq, fragment, 0, fragment.length, cid);
    return pt === null ? null : plain(pt);
  }

  wipe(): void {
    this.iv.fill(0);
    // Stryker disable next-line CallExpression: the scratch nonce holds only public values (epoch, sequence number, the salt already wiped with the IV) and is rewritten per record
    scratchNonce.fill(0);
  }
}

/** Build the protection for one direction of an epoch from its keys. */
export function createProtection(provider: CryptoProvider, suite: CipherSuite, keys: DirectionKeys, encryptThenMac = false): RecordProtection {
  const p = suite.protection;
  if (p.kind === 'aead') {
    return new AeadRecordProtection(p, provider.createAead(p.alg, keys.encKey), Uint8Array.from(keys.iv));
  }
  return createCbcProtection(provider, suite, keys, encryptThenMac);
}

/** Lengths of the key block parts for a suite (RFC 5246 §6.3). */
export function keyBlockLayout(suite: CipherSuite): { macLength: number; keyLength: number; ivLength: number } {
  const p = suite.protection;
  if (p.kind === 'aead') return { macLength: 0, keyLength: p.keyLength, ivLength: p.fixedIvLength };
  return { macLength: p.macLength, keyLength: p.keyLength, ivLength: 0 };
}
