/**
 * DTLS 1.3 record protection (RFC 9147 §4, §4.2.3; RFC 8446 §5.2–§5.4) for
 * one direction of one epoch.
 *
 * Sealing, in this order:
 * 1. DTLSInnerPlaintext = content ‖ ContentType ‖ zeros (RFC 8446 §5.2), padded
 *    so that the ciphertext has the 16 bytes the mask samples (§4.2.3: CCM_8).
 * 2. Nonce = iv XOR the 64-bit sequence number, left-padded to 12 bytes (RFC
 *    8446 §5.3). In DTLS 1.3 "the 64-bit sequence_number is used as the
 *    sequence number for the AEAD computation; unlike DTLS 1.2, the epoch is
 *    not included" (RFC 9147 §4).
 * 3. Additional data = the unified header exactly as sent — flags, CID,
 *    sequence number bits, length — "but prior to record number encryption"
 *    (RFC 9147 §4): the sequence number bytes in the clear.
 * 4. Record number encryption (§4.2.3): the sequence number bytes of the header
 *    XOR the mask of the ciphertext's first 16 bytes.
 *
 * Opening reverses it: unmask the sequence number bits, reconstruct the full
 * number (§4.2.2, by the caller: see {@link ReceiveEpoch13}), rebuild the
 * header with the clear bits as additional data, open, strip the padding.
 */
import type { Aead, CryptoProvider, RecordNumberMask } from '../crypto/provider.js';
import type { AlertName } from '../errors.js';
import { ContentType } from '../record/content-type.js';
import type { TrafficKeys } from './key-schedule.js';
import { type CiphertextRecord13, MAX_CIPHERTEXT_13, encodeUnifiedHeader } from './record.js';
import { MAX_SEQ_13, SAMPLE_LENGTH, maskSequenceNumber } from './record-number.js';
import type { Suite13 } from './suites.js';

/** Largest DTLSInnerPlaintext (RFC 8446 §5.4: 2^14 + 1 bytes). */
export const MAX_INNER_PLAINTEXT = 2 ** 14 + 1;

/** Content types that may appear inside a DTLSCiphertext (RFC 9147 §4.1, Figure 5; heartbeat is not negotiated). */
const INNER_TYPES: ReadonlySet<number> = new Set([ContentType.alert, ContentType.handshake, ContentType.application_data, ContentType.ack]);

/** The per-record nonce (RFC 8446 §5.3): the 64-bit sequence number, left-padded to the IV length, XOR the IV. */
export function recordNonce13(iv: Uint8Array, seq: number): Uint8Array {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ_13) throw new RangeError(`sequence number ${seq} out of range`);
  const nonce = Uint8Array.from(iv);
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq - hi * 0x1_0000_0000;
  const n = nonce.length;
  // Bytes n-8 .. n-1 hold the big-endian 64-bit sequence number (its top 16 bits are 0 here).
  nonce[n - 6]! ^= (hi >>> 8) & 0xff;
  nonce[n - 5]! ^= hi & 0xff;
  nonce[n - 4]! ^= (lo >>> 24) & 0xff;
  nonce[n - 3]! ^= (lo >>> 16) & 0xff;
  nonce[n - 2]! ^= (lo >>> 8) & 0xff;
  nonce[n - 1]! ^= lo & 0xff;
  return nonce;
}

/** DTLSInnerPlaintext (RFC 9147 §4, RFC 8446 §5.2): `content ‖ type ‖ zeros[padding]`. */
export function encodeInnerPlaintext(type: number, content: Uint8Array, padding = 0): Uint8Array {
  const out = new Uint8Array(content.length + 1 + padding);
  out.set(content, 0);
  out[content.length] = type;
  return out;
}

/** What an authenticated DTLSInnerPlaintext held, or why it is unacceptable. */
export type InnerPlaintext =
  | { readonly kind: 'ok'; readonly type: number; readonly content: Uint8Array }
  | { readonly kind: 'fatal'; readonly alert: AlertName; readonly reason: string };

/**
 * Parse an authenticated DTLSInnerPlaintext: the content type is the last
 * non-zero byte (RFC 8446 §5.4). All zeros, more than 2^14 + 1 bytes, or a
 * type that cannot be inside a DTLSCiphertext is fatal (RFC 8446 §5.4
 * unexpected_message / record_overflow, §5: unexpected record type): the peer
 * sent it, since it authenticated.
 */
export function decodeInnerPlaintext(inner: Uint8Array): InnerPlaintext {
  if (inner.length > MAX_INNER_PLAINTEXT) return { kind: 'fatal', alert: 'record_overflow', reason: `inner plaintext of ${inner.length} bytes` };
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) return { kind: 'fatal', alert: 'unexpected_message', reason: 'inner plaintext has no content type (all zeros)' };
  const type = inner[i]!;
  if (!INNER_TYPES.has(type)) return { kind: 'fatal', alert: 'unexpected_message', reason: `content type ${type} inside a DTLSCiphertext` };
  return { kind: 'ok', type, content: inner.subarray(0, i) };
}

/** How to frame a record being sealed. */
export interface SealOptions {
  /** 1: 8-bit sequence number field, 2: 16-bit (RFC 9147 §4: the S bit). Default 2. */
  readonly seqLength?: 1 | 2;
  /** Write the length field (the L bit). Default true; false only for a datagram's last record. */
  readonly includeLength?: boolean;
  /** The peer's connection ID (C bit), if one was negotiated. */
  readonly cid?: Uint8Array;
  /** Extra zero bytes of padding (RFC 8446 §5.4). */
  readonly padding?: number;
}

/**
 * AEAD protection and record-number encryption for one direction of one
 * epoch, from that direction's {@link TrafficKeys}. Holds copies of the keys;
 * `wipe()` forgets them.
 */
export class RecordProtection13 {
  private readonly aead: Aead;
  private readonly rfcMask: RecordNumberMask;
  private readonly iv: Uint8Array;
  /**
   * How the ChaCha20 mask reads its block counter from the sample. RFC 9147
   * §4.2.3 with RFC 8439's block function: little-endian ('le', the
   * default). wolfSSL before 5.6.4 read it big-endian ('be'); a receiver
   * that finds a peer doing so uses the same order both ways (see
   * `RecordLayer13`). AES masks have no counter: the setting does not
   * apply to them.
   */
  counterOrder: 'le' | 'be' = 'le';

  constructor(provider: CryptoProvider, readonly suite: Suite13, keys: TrafficKeys) {
    if (keys.iv.length !== suite.ivLength) throw new RangeError(`IV of ${keys.iv.length} bytes for ${suite.name}`);
    this.aead = provider.createAead(suite.aead, keys.key);
    this.rfcMask = provider.createRecordNumberMask(suite.mask, keys.sn);
    this.iv = Uint8Array.from(keys.iv);
  }

  /** The mask function in the counter order in use. */
  private readonly mask: RecordNumberMask = (sample) => {
    if (this.counterOrder === 'le' || this.suite.mask !== 'chacha20') return this.rfcMask(sample);
    const swapped = Uint8Array.from(sample);
    swapped[0] = sample[3]!;
    swapped[1] = sample[2]!;
    swapped[2] = sample[1]!;
    swapped[3] = sample[0]!;
    return this.rfcMask(swapped);
  };

  /** Whether the mask has a counter whose byte order a peer may have got wrong (ChaCha20). */
  get counterOrderMatters(): boolean {
    return this.suite.mask === 'chacha20';
  }

  /** Bytes of padding a `contentLength`-byte record needs so that its ciphertext is at least 16 bytes (§4.2.3). */
  minimumPadding(contentLength: number): number {
    return Math.max(0, SAMPLE_LENGTH - this.suite.tagLength - (contentLength + 1));
  }

  /**
   * Seal one record of `epoch` with the full sequence number `seq`: returns
   * the whole DTLSCiphertext (unified header with the encrypted sequence
   * number, then encrypted_record).
   */
  seal(type: number, content: Uint8Array, epoch: number, seq: number, opts: SealOptions = {}): Uint8Array {
    const padding = Math.max(opts.padding ?? 0, this.minimumPadding(content.length));
    const innerLength = content.length + 1 + padding;
    if (innerLength > MAX_INNER_PLAINTEXT) throw new RangeError(`inner plaintext of ${innerLength} bytes exceeds 2^14 + 1`);
    const length = innerLength + this.suite.tagLength;
    if (length > MAX_CIPHERTEXT_13) throw new RangeError(`record of ${length} bytes exceeds 2^14 + 256`);
    const seqLength = opts.seqLength ?? 2;
    const header = encodeUnifiedHeader({
      epoch, seq, seqLength, ...(opts.cid && { cid: opts.cid }), ...((opts.includeLength ?? true) && { length }),
    });
    // One buffer: the header, then the inner plaintext (content ‖ type ‖ zeros) sealed in place
    // into encrypted_record (the AEAD's allocation-free path; otherwise `seal` and a copy).
    const h = header.length;
    const out = new Uint8Array(h + length);
    out.set(header, 0);
    out.set(content, h);
    out[h + content.length] = type;
    const inner = out.subarray(h, h + innerLength);
    const nonce = recordNonce13(this.iv, seq);
    if (this.aead.sealTo) {
      this.aead.sealTo(nonce, header, inner, out, h);
    } else {
      const sealed = this.aead.seal(nonce, header, inner);
      out.set(sealed, h);
    }
    const seqOffset = 1 + (opts.cid?.length ?? 0);
    maskSequenceNumber(this.mask, out.subarray(0, h), seqOffset, seqLength, out.subarray(h));
    return out;
  }

  /**
   * The record's sequence number bits in the clear (8 or 16 bits), or
   * `undefined` when the record is too short to sample (§4.2.3). Does not
   * modify the record.
   */
  sequenceBits(rec: CiphertextRecord13): number | undefined {
    if (rec.encryptedRecord.length < SAMPLE_LENGTH) return undefined;
    const m = this.mask(rec.encryptedRecord.subarray(0, SAMPLE_LENGTH));
    const b0 = rec.header[rec.seqOffset]! ^ m[0]!;
    return rec.seqLength === 1 ? b0 : (b0 << 8) | (rec.header[rec.seqOffset + 1]! ^ m[1]!);
  }

  /**
   * Authenticate and decrypt `rec` as sequence number `seq` (reconstructed
   * from {@link sequenceBits}). Returns the DTLSInnerPlaintext (padding not
   * yet stripped: see {@link decodeInnerPlaintext}), or `null` when it does
   * not authenticate. Never throws.
   */
  open(rec: CiphertextRecord13, seq: number): Uint8Array | null {
    if (rec.encryptedRecord.length < SAMPLE_LENGTH || !Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ_13) return null;
    const aad = Uint8Array.from(rec.header);
    // The low 8 or 16 bits of the 48-bit number, without 32-bit bitwise arithmetic on it (S-64).
    if (rec.seqLength === 1) {
      aad[rec.seqOffset] = seq % 0x100;
    } else {
      aad[rec.seqOffset] = Math.floor(seq / 0x100) % 0x100;
      aad[rec.seqOffset + 1] = seq % 0x100;
    }
    return this.aead.open(recordNonce13(this.iv, seq), aad, rec.encryptedRecord);
  }

  /** Forget the IV (the AEAD and mask keep their own key copies until collected). */
  wipe(): void {
    this.iv.fill(0);
  }
}
