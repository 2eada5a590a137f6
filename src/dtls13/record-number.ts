/**
 * Record numbers of DTLS 1.3: the encryption of the sequence number field
 * (RFC 9147 §4.2.3) and the reconstruction of the full sequence number and
 * epoch from the bits a record carries (§4.2.2).
 */
import type { RecordNumberMask } from '../crypto/provider.js';

/** Bytes of ciphertext the mask samples; shorter records cannot be read (RFC 9147 §4.2.3). */
export const SAMPLE_LENGTH = 16;

/** Largest sequence number we use or accept (2^48 - 1: numbers stay exact, RFC 9147 §4 keeps the high 16 bits 0 for plaintext). */
export const MAX_SEQ_13 = 2 ** 48 - 1;

/**
 * XOR the leading bytes of the mask onto the `seqLength`-byte sequence number
 * at `header[seqOffset..]`, in place (RFC 9147 §4.2.3: "the encrypted sequence
 * number is computed by XORing the leading bytes of the mask with the on-the-wire
 * representation of the sequence number. Decryption is accomplished by the same
 * process"). The sample is `encryptedRecord[0..16)`; returns `false`, leaving
 * the header untouched, when the record is shorter ("Receivers MUST reject
 * shorter records as if they had failed deprotection").
 */
export function maskSequenceNumber(
  mask: RecordNumberMask, header: Uint8Array, seqOffset: number, seqLength: 1 | 2, encryptedRecord: Uint8Array,
): boolean {
  if (encryptedRecord.length < SAMPLE_LENGTH) return false;
  const m = mask(encryptedRecord.subarray(0, SAMPLE_LENGTH));
  for (let i = 0; i < seqLength; i++) header[seqOffset + i]! ^= m[i]!;
  return true;
}

/**
 * The full sequence number whose low `bits` bits are `partial` and which is
 * numerically closest to `expected` — one plus the highest sequence number
 * successfully deprotected in the epoch, or 0 before any (RFC 9147 §4.2.2).
 * Ties go to the higher candidate, as in QUIC (RFC 9000 Appendix A.3, whose
 * packet-number encoding DTLS 1.3 borrowed). Never below 0 nor above 2^48 - 1.
 */
export function reconstructSequenceNumber(expected: number, bits: 8 | 16, partial: number): number {
  const window = bits === 8 ? 0x100 : 0x10000;
  const half = window / 2;
  let candidate = Math.floor(expected / window) * window + (partial % window);
  if (candidate + half <= expected && candidate + window <= MAX_SEQ_13) candidate += window;
  else if (candidate > expected + half && candidate >= window) candidate -= window;
  return candidate;
}

/**
 * The full epoch of a record from its two low bits (RFC 9147 §4.2.2, §6.1).
 * `current` is the newest epoch the receiver reads; `readable` the epochs it
 * holds keys for. The current epoch when its bits match; otherwise the most
 * recent past readable epoch with those bits. Epoch 1 (0-RTT) is never
 * returned: early data is not accepted. `undefined` when nothing fits — the
 * record is then dropped as failing deprotection (§6.1).
 */
export function reconstructEpoch(epochBits: number, current: number, readable: readonly number[]): number | undefined {
  const bits = epochBits & 3;
  let best: number | undefined;
  for (const e of readable) {
    if (e % 4 !== bits || e > current || e < 2) continue;
    if (best === undefined || e > best) best = e;
  }
  return best;
}
