/**
 * The node:crypto AEAD and CBC wrappers on a runtime whose ciphers hold bytes
 * back until `final()` and that has no cipher list to ask (node:crypto as some
 * runtimes implement it; Node's own `final()` returns nothing for GCM,
 * ChaCha20-Poly1305 and unpadded CBC, so these paths are otherwise never run).
 * The results must be exactly node:crypto's.
 */
import * as real from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { concat, counting, toHex } from '../codec/hex.js';

/** A cipher that returns all but the last 5 bytes from each `update` and the rest from `final`. */
function holdingBack<T extends real.Cipher | real.Decipher>(c: T): T {
  let held: Uint8Array = new Uint8Array(0);
  return new Proxy(c, {
    get(target, prop) {
      if (prop === 'update') {
        return (data: Uint8Array): Buffer => {
          const all = concat(held, target.update(data));
          const keep = Math.min(5, all.length);
          held = all.slice(all.length - keep);
          return Buffer.from(all.subarray(0, all.length - keep));
        };
      }
      if (prop === 'final') return (): Buffer => Buffer.from(concat(held, target.final()));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const fake = {
  ...real,
  getCiphers: (): string[] => { throw new Error('no cipher list in this runtime'); },
  createCipheriv: (...a: Parameters<typeof real.createCipheriv>) => holdingBack(real.createCipheriv(...a)),
  createDecipheriv: (...a: Parameters<typeof real.createDecipheriv>) => holdingBack(real.createDecipheriv(...a)),
};

vi.mock('../../src/crypto/node-crypto.js', () => ({ nodeCrypto: () => fake, requireNodeCrypto: () => fake }));

const { nodeAead, nodeCbc } = await import('../../src/crypto/node-aead.js');

describe('node:crypto wrappers when final() returns bytes and getCiphers() throws', () => {
  it.each(['aes-128-gcm', 'chacha20-poly1305'] as const)('%s: seal, sealTo and open give node:crypto\'s bytes', (alg) => {
    const key = counting(alg === 'aes-128-gcm' ? 16 : 32, 3);
    const nonce = counting(12, 0x60);
    const ad = counting(13, 0x20);
    const pt = counting(41, 1);
    const c = real.createCipheriv(alg, key, nonce, { authTagLength: 16 } as never) as real.CipherGCM;
    c.setAAD(ad);
    const want = concat(c.update(pt), c.final(), c.getAuthTag());
    const a = nodeAead(alg, key);
    expect(toHex(a.seal(nonce, ad, pt))).toBe(toHex(want));
    const out = new Uint8Array(want.length + 7);
    a.sealTo!(nonce, ad, pt, out, 7);
    expect(toHex(out.subarray(7))).toBe(toHex(want));
    expect(toHex(a.open(nonce, ad, want)!)).toBe(toHex(pt));
    const framed = concat(counting(3), want, counting(2));
    expect(toHex(a.openAt!(nonce, ad, framed, 3, want.length)!)).toBe(toHex(pt));
  });

  it('AES-CBC encrypts and decrypts as node:crypto does', () => {
    const key = counting(16, 9);
    const iv = counting(16, 0x80);
    const data = counting(48, 5);
    const c = real.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    const want = concat(c.update(data), c.final());
    const cbc = nodeCbc(key);
    expect(toHex(cbc.encrypt(iv, data))).toBe(toHex(want));
    expect(toHex(cbc.decrypt(iv, want))).toBe(toHex(data));
  });
});
