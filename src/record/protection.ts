import type { Aead, CryptoProvider } from '../crypto/provider.js';
import type { AeadProtection, CipherSuite } from '../crypto/suites.js';
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
  /** Forget key material. */
  wipe(): void;
}

/** Key material for one direction. */
export interface DirectionKeys {
  readonly macKey: Uint8Array;
  readonly encKey: Uint8Array;
  readonly iv: Uint8Array;
}

/** The additional data of an AEAD record (RFC 5246 §6.2.3.3 with the DTLS epoch‖seq, S-10). */
export function additionalData(epoch: number, seq: number, type: number, version: number, length: number): Uint8Array {
  const ad = new Uint8Array(13);
  ad[0] = epoch >>> 8;
  ad[1] = epoch & 0xff;
  writeU48(ad, 2, seq);
  ad[8] = type;
  ad[9] = version >>> 8;
  ad[10] = version & 0xff;
  ad[11] = length >>> 8;
  ad[12] = length & 0xff;
  return ad;
}

/**
 * The additional data of a tls12_cid record (RFC 9146 §5):
 * seq_num_placeholder (8 × 0xff) ‖ tls12_cid ‖ cid_length ‖ tls12_cid ‖ version ‖
 * epoch ‖ sequence_number ‖ cid ‖ length_of_DTLSInnerPlaintext.
 */
export function cidAdditionalData(epoch: number, seq: number, version: number, cid: Uint8Array, length: number): Uint8Array {
  const ad = new Uint8Array(8 + 3 + 2 + 8 + cid.length + 2);
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
  return ad;
}

/**
 * The per-record nonce. GCM/CCM (RFC 5288 §3, RFC 6655 §3): the 4-byte salt
 * followed by the 8-byte explicit nonce, which is epoch‖seq — never random,
 * never repeated (S-10). ChaCha20-Poly1305 (RFC 7905 §2): the 12-byte IV XOR
 * the left-padded epoch‖seq.
 */
export function aeadNonce(p: AeadProtection, iv: Uint8Array, epoch: number, seq: number): Uint8Array {
  const nonce = new Uint8Array(12);
  if (p.fixedIvLength === 4) {
    nonce.set(iv.subarray(0, 4), 0);
    nonce[4] = epoch >>> 8;
    nonce[5] = epoch & 0xff;
    writeU48(nonce, 6, seq);
  } else {
    nonce[4] = epoch >>> 8;
    nonce[5] = epoch & 0xff;
    writeU48(nonce, 6, seq);
    for (let i = 0; i < 12; i++) nonce[i]! ^= iv[i]!;
  }
  return nonce;
}

class AeadRecordProtection implements RecordProtection {
  readonly maxExpansion: number;
  constructor(private readonly p: AeadProtection, private readonly aead: Aead, private readonly iv: Uint8Array) {
    this.maxExpansion = p.explicitNonceLength + p.tagLength;
  }

  seal(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array {
    const nonce = aeadNonce(this.p, this.iv, epoch, seq);
    const ad = cid ? cidAdditionalData(epoch, seq, version, cid, plaintext.length) : additionalData(epoch, seq, type, version, plaintext.length);
    const sealed = this.aead.seal(nonce, ad, plaintext);
    if (this.p.explicitNonceLength === 0) return sealed;
    const out = new Uint8Array(8 + sealed.length);
    out.set(nonce.subarray(4, 12), 0);
    out.set(sealed, 8);
    return out;
  }

  open(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null {
    const explicit = this.p.explicitNonceLength;
    if (fragment.length < explicit + this.p.tagLength) return null;
    let nonce: Uint8Array;
    if (explicit === 8) {
      nonce = new Uint8Array(12);
      nonce.set(this.iv.subarray(0, 4), 0);
      nonce.set(fragment.subarray(0, 8), 4);
    } else {
      nonce = aeadNonce(this.p, this.iv, epoch, seq);
    }
    const body = fragment.subarray(explicit);
    const n = body.length - this.p.tagLength;
    const ad = cid ? cidAdditionalData(epoch, seq, version, cid, n) : additionalData(epoch, seq, type, version, n);
    return this.aead.open(nonce, ad, body);
  }

  wipe(): void {
    this.iv.fill(0);
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
