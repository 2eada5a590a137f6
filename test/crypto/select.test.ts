import { describe, expect, it, vi } from 'vitest';
import { constantTimeEqual } from '../../src/crypto/ct.js';
import { defaultProvider, nodeProviderWorks, providerByName } from '../../src/crypto/index.js';
import { nodeCrypto } from '../../src/crypto/node-crypto.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import type { GroupName } from '../../src/crypto/provider.js';
import { testProvider } from '../../src/crypto/test-provider.js';
import { fixtureKey, providers, toHex } from './helpers.js';

const GROUPS: readonly GroupName[] = ['x25519', 'secp256r1', 'secp384r1'];

describe('provider selection', () => {
  it('finds node:crypto through process.getBuiltinModule', () => {
    expect(nodeCrypto()).toBeDefined();
    expect(typeof nodeCrypto()!.createCipheriv).toBe('function');
  });

  it('defaultProvider picks node here, once', () => {
    expect(nodeProviderWorks()).toBe(true);
    expect(defaultProvider()).toBe(nodeProvider);
    expect(defaultProvider()).toBe(defaultProvider());
  });

  it('providerByName', () => {
    expect(providerByName('node')).toBe(nodeProvider);
    expect(providerByName('noble')).toBe(nobleProvider);
    expect(() => providerByName('other' as 'node')).toThrow(/unknown crypto provider/);
  });

  it('without node:crypto: noble is the default, node is refused, RSA keys throw KeyError', async () => {
    vi.resetModules();
    const spy = vi.spyOn(process, 'getBuiltinModule').mockImplementation((() => undefined) as unknown as typeof process.getBuiltinModule);
    try {
      const idx = await import('../../src/crypto/index.js');
      expect(idx.nodeCrypto()).toBeUndefined();
      expect(idx.defaultProvider().name).toBe('noble');
      expect(() => idx.providerByName('node')).toThrow(expect.objectContaining({ code: 'ERR_DTLS_NO_NODE_CRYPTO' }));
      expect(() => idx.nodeProvider.randomBytes(4)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_NO_NODE_CRYPTO' }));
      expect(() => idx.nobleProvider.importSigningKey(fixtureKey('server-rsa2048').pkcs8))
        .toThrow(expect.objectContaining({ code: 'ERR_DTLS_INVALID_KEY', message: expect.stringMatching(/RSA keys need node:crypto/) }));
      const ec = idx.nobleProvider.importSigningKey(fixtureKey('server-ecdsa-p256').pkcs8);
      expect(ec.sign(0x0403, new Uint8Array(3)).length).toBeGreaterThan(60);
    } finally {
      spy.mockRestore();
      vi.resetModules();
    }
  });
});

describe.each(providers)('testProvider over $name', (base) => {
  it('is deterministic per seed', () => {
    const a = testProvider(7, base);
    const b = testProvider(7, base);
    const c = testProvider(8, base);
    const [ra, rb, rc] = [a, b, c].map((x) => toHex(x.randomBytes(45)));
    expect(ra).toBe(rb);
    expect(ra).not.toBe(rc);
    for (const g of GROUPS) {
      const sa = a.generateKeyShare(g);
      const sb = b.generateKeyShare(g);
      expect(toHex(sa.publicKey)).toBe(toHex(sb.publicKey));
      expect(toHex(sa.publicKey)).not.toBe(toHex(c.generateKeyShare(g).publicKey));
    }
    expect(a.name).toBe(`test:${base.name}:7`);
  });

  it('gives the same randoms and shares whatever the base', () => {
    const a = testProvider(99, base);
    const b = testProvider(99, nobleProvider);
    expect(toHex(a.randomBytes(10))).toBe(toHex(b.randomBytes(10)));
    for (const g of GROUPS) expect(toHex(a.generateKeyShare(g).publicKey)).toBe(toHex(b.generateKeyShare(g).publicKey));
  });

  it('key shares agree with real providers; everything else is the base', () => {
    const t = testProvider(1, base);
    for (const g of GROUPS) {
      const mine = t.generateKeyShare(g);
      const real = nodeProvider.generateKeyShare(g);
      expect(toHex(mine.computeSecret(real.publicKey))).toBe(toHex(real.computeSecret(mine.publicKey)));
    }
    expect(toHex(t.hash('sha256', new Uint8Array(0)))).toBe(toHex(base.hash('sha256', new Uint8Array(0))));
    const aead = t.createAead('aes-128-ccm8', new Uint8Array(16));
    const n = new Uint8Array(12);
    expect(base.createAead('aes-128-ccm8', new Uint8Array(16)).open(n, n, aead.seal(n, n, n))).toEqual(n);
  });
});

describe('constantTimeEqual', () => {
  it('compares bytes', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('never equates arrays of different lengths, whichever is longer (a prefix, trailing zeros)', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 0]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0]), new Uint8Array(0))).toBe(false);
  });

  it('sees a difference in any single bit of any byte', () => {
    const a = Uint8Array.from({ length: 12 }, (_, i) => i * 17);
    for (let i = 0; i < a.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = a.slice();
        b[i]! ^= 1 << bit;
        expect(constantTimeEqual(a, b), `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });
});
