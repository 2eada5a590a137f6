/**
 * The node:crypto AEAD wrapper on a runtime whose node:crypto lacks a cipher
 * (Bun's has no AES-CCM or ChaCha20-Poly1305, Deno's no AES-CCM): the AEAD is
 * refused with ERR_DTLS_CRYPTO when it is made, not with an untyped error at
 * the first record, and the cipher list is asked once per cipher.
 */
import * as real from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const asked: string[] = [];
const fake = {
  ...real,
  getCiphers: (): string[] => {
    asked.push('getCiphers');
    return ['aes-128-gcm', 'aes-256-gcm'];
  },
};

vi.mock('../../src/crypto/node-crypto.js', () => ({ nodeCrypto: () => fake, requireNodeCrypto: () => fake }));

const { nodeAead } = await import('../../src/crypto/node-aead.js');

describe('node:crypto without a cipher', () => {
  it('an AEAD whose cipher the runtime lacks is ERR_DTLS_CRYPTO when it is made; one it has works; the list is asked once per cipher', () => {
    expect(() => nodeAead('aes-128-ccm', new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => nodeAead('chacha20-poly1305', new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => nodeAead('aes-128-ccm', new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    const a = nodeAead('aes-128-gcm', new Uint8Array(16));
    const b = nodeAead('aes-128-gcm', new Uint8Array(16));
    const sealed = a.seal(new Uint8Array(12), new Uint8Array(0), Uint8Array.of(1, 2, 3));
    expect(b.open(new Uint8Array(12), new Uint8Array(0), sealed)).toEqual(Uint8Array.of(1, 2, 3));
    // aes-128-ccm, chacha20-poly1305, aes-128-gcm: once each.
    expect(asked).toHaveLength(3);
  });
});
