import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extendedMasterSecret, keyBlock, masterSecret, pHash, prf, verifyData } from '../../src/crypto/prf.js';
import { hex, providers, referencePrf, toHex, utf8 } from './helpers.js';

/** The widely circulated TLS 1.2 PRF vectors (IETF TLS WG list, msg03416; also in BearSSL's tests). */
const VECTORS = [
  { hash: 'sha256' as const, secret: '9bbe436ba940f017b17652849a71db35', seed: 'a0ba9f936cda311827a6f796ffd5198c',
    out: 'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66' },
  { hash: 'sha384' as const, secret: 'b80b733d6ceefcdc71566ea48e5567df', seed: 'cd665cf6a8447dd6ff8b27555edb7465',
    out: '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f' },
];


describe.each(providers)('TLS 1.2 PRF ($name provider)', (p) => {
  it.each(VECTORS)('$hash test vector', (v) => {
    const out = prf(p, v.hash, hex(v.secret), 'test label', hex(v.seed), v.out.length / 2);
    expect(toHex(out)).toBe(v.out);
    // Every prefix length is the prefix of the long output.
    for (const n of [0, 1, 31, 32, 33, 48, 49]) expect(toHex(prf(p, v.hash, hex(v.secret), 'test label', hex(v.seed), n))).toBe(v.out.slice(0, 2 * n));
  });

  it('pHash is prf with the label prepended', () => {
    const v = VECTORS[0]!;
    expect(toHex(pHash(p, 'sha256', hex(v.secret), new Uint8Array([...utf8('test label'), ...hex(v.seed)]), 100))).toBe(v.out);
  });

  it('derivations match an independent implementation (property)', () => {
    fc.assert(fc.property(
      fc.constantFrom('sha256' as const, 'sha384' as const),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 48 }),
      fc.integer({ min: 1, max: 200 }),
      (hash, pre, cr, sr, hh, n) => {
        const ms = masterSecret(p, hash, pre, cr, sr);
        expect(ms.length).toBe(48);
        expect(toHex(ms)).toBe(referencePrf(hash, pre, 'master secret', new Uint8Array([...cr, ...sr]), 48));
        expect(toHex(extendedMasterSecret(p, hash, pre, hh))).toBe(referencePrf(hash, pre, 'extended master secret', hh, 48));
        expect(toHex(keyBlock(p, hash, ms, sr, cr, n))).toBe(referencePrf(hash, ms, 'key expansion', new Uint8Array([...sr, ...cr]), n));
        for (const label of ['client finished', 'server finished'] as const) {
          const vd = verifyData(p, hash, ms, label, hh);
          expect(vd.length).toBe(12);
          expect(toHex(vd)).toBe(referencePrf(hash, ms, label, hh, 12));
        }
      }), { numRuns: 60 });
  });
});
