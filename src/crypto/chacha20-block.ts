/**
 * The ChaCha20 block function (RFC 8439 §2.3), for the record-number mask of
 * DTLS 1.3 (RFC 9147 §4.2.3) in the pure-JavaScript provider.
 *
 * Why not @noble/ciphers' `chacha20`: the mask takes the block counter from
 * the record's ciphertext, so every 32-bit value must work, 0xffffffff
 * included; noble refuses that counter (its streams never wrap). The block
 * function itself is defined for every counter value, and this is it, no
 * more: one 64-byte block, no stream.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

const le32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const rotl = (v: number, n: number): number => ((v << n) | (v >>> (32 - n))) >>> 0;

function quarterRound(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[a] = (x[a]! + x[b]!) >>> 0; x[d] = rotl(x[d]! ^ x[a]!, 16);
  x[c] = (x[c]! + x[d]!) >>> 0; x[b] = rotl(x[b]! ^ x[c]!, 12);
  x[a] = (x[a]! + x[b]!) >>> 0; x[d] = rotl(x[d]! ^ x[a]!, 8);
  x[c] = (x[c]! + x[d]!) >>> 0; x[b] = rotl(x[b]! ^ x[c]!, 7);
}

/**
 * One ChaCha20 block (RFC 8439 §2.3): the state is the four constants, the
 * 32-byte key, the 32-bit block `counter` and the 12-byte `nonce`, each as
 * little-endian words; 20 rounds; the input state added back; serialized
 * little-endian. Returns the 64-byte keystream block.
 */
export function chacha20Block(key: Uint8Array, counter: number, nonce: Uint8Array): Uint8Array {
  const init = new Uint32Array(16);
  init.set(SIGMA, 0);
  for (let i = 0; i < 8; i++) init[4 + i] = le32(key, 4 * i);
  init[12] = counter >>> 0;
  for (let i = 0; i < 3; i++) init[13 + i] = le32(nonce, 4 * i);
  const x = init.slice();
  for (let round = 0; round < 10; round++) {
    quarterRound(x, 0, 4, 8, 12);
    quarterRound(x, 1, 5, 9, 13);
    quarterRound(x, 2, 6, 10, 14);
    quarterRound(x, 3, 7, 11, 15);
    quarterRound(x, 0, 5, 10, 15);
    quarterRound(x, 1, 6, 11, 12);
    quarterRound(x, 2, 7, 8, 13);
    quarterRound(x, 3, 4, 9, 14);
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) {
    const v = (x[i]! + init[i]!) >>> 0;
    out[4 * i] = v & 0xff;
    out[4 * i + 1] = (v >>> 8) & 0xff;
    out[4 * i + 2] = (v >>> 16) & 0xff;
    out[4 * i + 3] = v >>> 24;
  }
  x.fill(0);
  init.fill(0);
  return out;
}
