import { describe, expect, it } from 'vitest';
import { defaultProvider, nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { composeProvider, probeNative } from '../../src/crypto/compose.js';
import type { AeadAlg, CryptoProvider } from '../../src/crypto/provider.js';
import { DtlsError } from '../../src/errors.js';
import { runtime } from '../helpers/runtime.js';

const AEADS: readonly AeadAlg[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305', 'aes-128-ccm', 'aes-256-ccm', 'aes-128-ccm8', 'aes-256-ccm8'];

describe('the default provider, per algorithm', () => {
  it(`is what ${runtime} gets: node:crypto where it has the algorithm, @noble where it does not`, () => {
    const expected = { node: 'node', bun: 'node+noble(chacha20-poly1305,ccm,chacha20-mask)', deno: 'node+noble(ccm)' }[runtime];
    expect(defaultProvider().name).toBe(expected);
    expect(defaultProvider()).toBe(defaultProvider());
  });

  it('seals and opens every AEAD like the pure provider', () => {
    const p = defaultProvider();
    const nonce = new Uint8Array(12).fill(1);
    const aad = new Uint8Array(13).fill(2);
    const msg = new TextEncoder().encode('per-algorithm provider');
    for (const alg of AEADS) {
      const key = new Uint8Array(alg.startsWith('aes-128') ? 16 : 32).fill(3);
      const sealed = p.createAead(alg, key).seal(nonce, aad, msg);
      expect(sealed, alg).toEqual(nobleProvider.createAead(alg, key).seal(nonce, aad, msg));
      expect(nobleProvider.createAead(alg, key).open(nonce, aad, sealed), alg).toEqual(msg);
    }
  });

  it('node:crypto refuses an AEAD this runtime lacks with ERR_DTLS_CRYPTO when the key is made, not later', () => {
    const support = probeNative(nodeProvider, nobleProvider);
    for (const alg of AEADS) {
      const key = new Uint8Array(alg.startsWith('aes-128') ? 16 : 32);
      if (support.aead[alg]) {
        expect(() => nodeProvider.createAead(alg, key)).not.toThrow();
      } else {
        expect(() => nodeProvider.createAead(alg, key)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
      }
    }
  });
});

describe('composeProvider', () => {
  /** The runtime's full provider (nodeProvider on Node) without CCM: what Deno's node:crypto looks like. */
  const full = defaultProvider();
  const noCcm: CryptoProvider = {
    ...full,
    name: 'partial',
    createAead(alg, key) {
      if (alg.includes('ccm')) throw new DtlsError('ERR_DTLS_CRYPTO', 'Unknown cipher');
      return full.createAead(alg, key);
    },
  };

  it('takes each algorithm from the native provider when it gives the pure provider\'s bytes, else from the pure one', () => {
    const support = probeNative(noCcm, nobleProvider);
    expect(support.aead).toEqual({
      'aes-128-gcm': true, 'aes-256-gcm': true, 'chacha20-poly1305': true,
      'aes-128-ccm': false, 'aes-256-ccm': false, 'aes-128-ccm8': false, 'aes-256-ccm8': false,
    });
    expect([support.random, support.hashes, support.cbc, support.signatures]).toEqual([true, true, true, true]);
    expect(support.groups).toEqual({ x25519: true, secp256r1: true, secp384r1: true });
    expect(support.masks).toEqual({ 'aes-128-ecb': true, 'aes-256-ecb': true, chacha20: true });
    const p = composeProvider(noCcm, nobleProvider, support);
    expect(p.name).toBe('partial+noble(ccm)');
    expect(() => p.createAead('aes-128-ccm8', new Uint8Array(16))).not.toThrow();
    expect(p.hash).toBe(noCcm.hash);
  });

  it('takes the DTLS 1.3 record-number mask per algorithm: ChaCha20 from the pure provider where the runtime has no bare ChaCha20 (Bun)', () => {
    const noChacha20Stream: CryptoProvider = {
      ...full,
      name: 'bunlike',
      createRecordNumberMask(alg, key) {
        if (alg === 'chacha20') throw new DtlsError('ERR_DTLS_CRYPTO', 'Unknown cipher');
        return full.createRecordNumberMask(alg, key);
      },
    };
    const support = probeNative(noChacha20Stream, nobleProvider);
    expect(support.masks).toEqual({ 'aes-128-ecb': true, 'aes-256-ecb': true, chacha20: false });
    const p = composeProvider(noChacha20Stream, nobleProvider, support);
    expect(p.name).toBe('bunlike+noble(chacha20-mask)');
    const key = new Uint8Array(32).fill(7);
    const sample = new Uint8Array(16).fill(9);
    expect(p.createRecordNumberMask('chacha20', key)(sample)).toEqual(nobleProvider.createRecordNumberMask('chacha20', key)(sample));
    expect(p.createRecordNumberMask('aes-128-ecb', key.subarray(0, 16))(sample)).toEqual(full.createRecordNumberMask('aes-128-ecb', key.subarray(0, 16))(sample));
  });

  it('does not trust a native algorithm that gives other bytes', () => {
    const wrong: CryptoProvider = {
      ...full,
      name: 'wrong',
      hash: (alg, data) => full.hash(alg, data).map((b) => b ^ 1),
      generateKeyShare: (g) => {
        const k = full.generateKeyShare(g);
        return g === 'x25519' ? { ...k, computeSecret: (peer: Uint8Array) => k.computeSecret(peer).map((b) => b ^ 1) } : k;
      },
    };
    const support = probeNative(wrong, nobleProvider);
    expect(support.hashes).toBe(false);
    expect(support.groups.x25519).toBe(false);
    expect(support.groups.secp256r1).toBe(true);
    expect(composeProvider(wrong, nobleProvider, support).name).toBe('wrong+noble(hash,x25519)');
  });

  it('signs with the pure provider\'s key when the native one throws, and verifies with it when the native one says no', () => {
    const nistOnlyMatchingHash: CryptoProvider = {
      ...nodeProvider,
      importSigningKey(pkcs8) {
        const k = nodeProvider.importSigningKey(pkcs8);
        return { ...k, sign: (scheme, data) => (scheme === 0x0203 ? (() => { throw new DtlsError('ERR_DTLS_CRYPTO', 'no'); })() : k.sign(scheme, data)) };
      },
      importVerifyingKey(spki) {
        const k = nodeProvider.importVerifyingKey(spki);
        return { ...k, verify: (scheme, data, sig) => scheme !== 0x0203 && k.verify(scheme, data, sig) };
      },
    };
    const p = composeProvider(nistOnlyMatchingHash, nobleProvider, probeNative(nistOnlyMatchingHash, nobleProvider));
    const pkcs8 = Uint8Array.from(Buffer.from('308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721a1440342000460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299', 'hex'));
    const spki = Uint8Array.from(Buffer.from('3059301306072a8648ce3d020106082a8648ce3d0301070342000460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299', 'hex'));
    const msg = new TextEncoder().encode('TLS 1.2 allows any hash with ECDSA');
    const sig = p.importSigningKey(pkcs8).sign(0x0203, msg);
    expect(nobleProvider.importVerifyingKey(spki).verify(0x0203, msg, sig)).toBe(true);
    const v = p.importVerifyingKey(spki);
    expect(v.verify(0x0203, msg, sig)).toBe(true);
    expect(v.verify(0x0203, msg.subarray(1), sig)).toBe(false);
  });
});
