import { unsafe } from '@noble/ciphers/aes.js';
import { constantTimeEqual } from './ct.js';
import { cryptoError } from './fail.js';

/**
 * AES-CCM (RFC 3610, NIST SP 800-38C) over a raw AES block function, for
 * runtimes without node:crypto. Nonces of 7 to 13 bytes (L = 15 − nonce
 * length; TLS uses 12, RFC 6655), tags of 4 to 16 even bytes (TLS uses 16
 * and 8). The key schedule is computed once per instance.
 */
export interface AesCcm {
  readonly tagLength: number;
  /** Returns ciphertext || tag. Throws `ERR_DTLS_CRYPTO` on a bad nonce length. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or `null` when the tag does not verify or the input is malformed. Never throws. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

/** Little-endian word of 4 bytes at `o` (the layout noble's AES rounds use). */
const rd = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Create an AES-CCM instance for a 16-, 24- or 32-byte key. */
export function aesCcm(key: Uint8Array, tagLength: number): AesCcm {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw cryptoError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  if (tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) throw cryptoError(`CCM tag length ${tagLength} is invalid`);
  const xk = unsafe.expandKeyLE(key);
  const M = tagLength;
  // CBC-MAC state, as the four little-endian words of the block.
  const st = new Uint32Array(4);

  const absorb = (b: Uint8Array, o: number): void => {
    const r = unsafe.encrypt(xk, st[0]! ^ rd(b, o), st[1]! ^ rd(b, o + 4), st[2]! ^ rd(b, o + 8), st[3]! ^ rd(b, o + 12));
    st[0] = r.s0; st[1] = r.s1; st[2] = r.s2; st[3] = r.s3;
  };

  /** CBC-MAC over B0 || encoded AAD || message (RFC 3610 §2.2); returns T (16 bytes). */
  const mac = (nonce: Uint8Array, aad: Uint8Array, msg: Uint8Array): Uint8Array => {
    const L = 15 - nonce.length;
    const a = aad.length;
    const aHdr = a === 0 ? 0 : a < 0xff00 ? 2 : 6;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: needs 4 GiB of associated data
    if (a > 0xffffffff) throw cryptoError('CCM associated data too long');
    const head = new Uint8Array(16 + ((aHdr + a + 15) & ~15));
    head[0] = (a > 0 ? 0x40 : 0) | (((M - 2) / 2) << 3) | (L - 1);
    head.set(nonce, 1);
    let len = msg.length;
    for (let i = 15; i > 15 - L; i--) {
      head[i] = len & 0xff;
      len = Math.floor(len / 256);
    }
    // Stryker disable next-line ConditionalExpression: → true: with aHdr 0 the writes fall past the end of a 16-byte header and are ignored; with aHdr 6 the next block overwrites them
    if (aHdr === 2) {
      head[16] = a >>> 8; head[17] = a & 0xff;
    }
    if (aHdr === 6) {
      head[16] = 0xff; head[17] = 0xfe;
      head[18] = a >>> 24; head[19] = (a >>> 16) & 0xff; head[20] = (a >>> 8) & 0xff; head[21] = a & 0xff;
    }
    head.set(aad, 16 + aHdr);
    st.fill(0);
    for (let o = 0; o < head.length; o += 16) absorb(head, o);
    const full = msg.length & ~15;
    for (let o = 0; o < full; o += 16) absorb(msg, o);
    if (full < msg.length) {
      const last = new Uint8Array(16);
      last.set(msg.subarray(full));
      absorb(last, 0);
    }
    const t = new Uint8Array(16);
    // Stryker disable next-line EqualityOperator: t[16] is past the end of a 16-byte array: the write is ignored
    for (let i = 0; i < 16; i++) t[i] = (st[i >> 2]! >>> ((i & 3) * 8)) & 0xff;
    return t;
  };

  /** CTR keystream from counter `from`, XORed over `src` into `dst` (RFC 3610 §2.3). */
  const ctr = (nonce: Uint8Array, from: number, src: Uint8Array, dst: Uint8Array): void => {
    const L = 15 - nonce.length;
    const a = new Uint8Array(16);
    a[0] = L - 1;
    a.set(nonce, 1);
    // Stryker disable next-line EqualityOperator: one more counter block when the length is a multiple of 16, of which no byte is used
    for (let o = 0, i = from; o < src.length; o += 16, i++) {
      let c = i;
      for (let j = 15; j > 15 - L; j--) {
        a[j] = c & 0xff;
        c = Math.floor(c / 256);
      }
      const r = unsafe.encrypt(xk, rd(a, 0), rd(a, 4), rd(a, 8), rd(a, 12));
      const w = [r.s0, r.s1, r.s2, r.s3];
      const n = Math.min(16, src.length - o);
      for (let j = 0; j < n; j++) dst[o + j] = src[o + j]! ^ ((w[j >> 2]! >>> ((j & 3) * 8)) & 0xff);
    }
  };

  const nonceOk = (nonce: Uint8Array, msgLen: number): boolean => {
    if (nonce.length < 7 || nonce.length > 13) return false;
    const L = 15 - nonce.length;
    return msgLen < 2 ** (8 * L); // exact in a double up to 2^64 (L = 8)
  };

  /** The tag: first M bytes of T XOR E(A0). */
  const tagOf = (nonce: Uint8Array, t: Uint8Array): Uint8Array => {
    const tag = new Uint8Array(M);
    ctr(nonce, 0, t.subarray(0, M), tag);
    return tag;
  };

  return {
    tagLength: M,
    seal(nonce, aad, plaintext) {
      if (!nonceOk(nonce, plaintext.length)) throw cryptoError(`CCM: bad nonce length ${nonce.length} for this message`);
      const out = new Uint8Array(plaintext.length + M);
      out.set(tagOf(nonce, mac(nonce, aad, plaintext)), plaintext.length);
      ctr(nonce, 1, plaintext, out);
      return out;
    },
    open(nonce, aad, ciphertextAndTag) {
      try {
        const n = ciphertextAndTag.length - M;
        // Stryker disable next-line ConditionalExpression,LogicalOperator: a ciphertext shorter than the tag makes new Uint8Array(n < 0) throw, caught as null; a nonce of another length builds another B0 and counter blocks, and the tag check refuses
        if (n < 0 || !nonceOk(nonce, n)) return null;
        const pt = new Uint8Array(n);
        ctr(nonce, 1, ciphertextAndTag.subarray(0, n), pt);
        const tag = tagOf(nonce, mac(nonce, aad, pt));
        if (!constantTimeEqual(tag, ciphertextAndTag.subarray(n))) {
          // Stryker disable next-line BlockStatement,CallExpression: the buffer is dropped unreturned
          pt.fill(0);
          return null;
        }
        return pt;
      } catch {
        return null;
      }
    },
  };
}
