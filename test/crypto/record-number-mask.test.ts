import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chacha20Block } from '../../src/crypto/chacha20-block.js';
import { DtlsError } from '../../src/errors.js';
import { hex, providers, toHex } from './helpers.js';

const KEY32 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const SUNSCREEN = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
/** RFC 8439 §2.4.2: the first 16 ciphertext bytes of the sunscreen text (key 00..1f, counter 1, nonce 00000000 0000004a 00000000). */
const SUNSCREEN_CT16 = hex('6e2e359a2568f98041ba0728dd0d6981');

/** An RFC 9147 §4.2.3 sample: counter (little-endian) ‖ 12-byte nonce. */
const sample = (counterLE: string, nonce: string): Uint8Array => hex(counterLE + nonce);

describe('chacha20Block (RFC 8439 §2.3)', () => {
  it('matches the §2.3.2 block function test vector', () => {
    const block = chacha20Block(KEY32, 1, hex('000000090000004a00000000'));
    expect(toHex(block)).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e'
      + 'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e');
  });
});

describe.each(providers)('createRecordNumberMask ($name)', (p) => {
  it('AES-128-ECB: FIPS-197 Appendix C.1', () => {
    const mask = p.createRecordNumberMask('aes-128-ecb', hex('000102030405060708090a0b0c0d0e0f'));
    expect(toHex(mask(hex('00112233445566778899aabbccddeeff')))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
  });

  it('AES-256-ECB: FIPS-197 Appendix C.3', () => {
    const mask = p.createRecordNumberMask('aes-256-ecb', KEY32);
    expect(toHex(mask(hex('00112233445566778899aabbccddeeff')))).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  it('AES-128-ECB: SP 800-38A F.1.1, all four blocks with one mask function', () => {
    const mask = p.createRecordNumberMask('aes-128-ecb', hex('2b7e151628aed2a6abf7158809cf4f3c'));
    const blocks = [
      ['6bc1bee22e409f96e93d7e117393172a', '3ad77bb40d7a3660a89ecaf32466ef97'],
      ['ae2d8a571e03ac9c9eb76fac45af8e51', 'f5d3d58503b9699de785895a96fdbaaf'],
      ['30c81c46a35ce411e5fbc1191a0a52ef', '43b1cd7f598ece23881b00e3ed030688'],
      ['f69f2445df4f9b17ad2b417be66c3710', '7b0c785e27e8ad3f8223207104725dd4'],
    ];
    for (const [pt, ct] of blocks) expect(toHex(mask(hex(pt!)))).toBe(ct);
  });

  it('AES-256-ECB: SP 800-38A F.1.5', () => {
    const mask = p.createRecordNumberMask('aes-256-ecb', hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'));
    expect(toHex(mask(hex('6bc1bee22e409f96e93d7e117393172a')))).toBe('f3eed1bdb5d2a03c064b5a7e3db181f8');
  });

  it('ChaCha20: the §2.3.2 block (counter 1) from a sample laid out as RFC 9147 §4.2.3 says', () => {
    const mask = p.createRecordNumberMask('chacha20', KEY32);
    expect(toHex(mask(sample('01000000', '000000090000004a00000000')))).toBe('10f1e7e4d13b5915500fdd1fa32071c4');
  });

  it('ChaCha20: the §2.4.2 keystream (ciphertext XOR plaintext) from its sample', () => {
    const mask = p.createRecordNumberMask('chacha20', KEY32);
    const m = mask(sample('01000000', '000000000000004a00000000'));
    const keystream = SUNSCREEN_CT16.map((b, i) => b ^ SUNSCREEN[i]!);
    expect(toHex(m)).toBe(toHex(keystream));
  });

  it('ChaCha20: the block counter is read little-endian and may be 0xffffffff', () => {
    const mask = p.createRecordNumberMask('chacha20', KEY32);
    const nonce = '000000090000004a00000000';
    expect(toHex(mask(sample('ffffffff', nonce)))).toBe(toHex(chacha20Block(KEY32, 0xffffffff, hex(nonce)).subarray(0, 16)));
    expect(toHex(mask(sample('00000001', nonce)))).toBe(toHex(chacha20Block(KEY32, 0x01000000, hex(nonce)).subarray(0, 16)));
  });

  it('agrees with the other provider on random keys and samples', () => {
    const [a, b] = providers;
    fc.assert(fc.property(
      fc.constantFrom('aes-128-ecb' as const, 'aes-256-ecb' as const, 'chacha20' as const),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (alg, key32, s) => {
        const key = alg === 'aes-128-ecb' ? key32.subarray(0, 16) : key32;
        expect(toHex(a!.createRecordNumberMask(alg, key)(s))).toBe(toHex(b!.createRecordNumberMask(alg, key)(s)));
      },
    ), { numRuns: 200 });
  });

  it('does not depend on the caller keeping the key', () => {
    const key = KEY32.slice();
    const mask = p.createRecordNumberMask('chacha20', key);
    key.fill(0);
    expect(toHex(mask(sample('01000000', '000000090000004a00000000')))).toBe('10f1e7e4d13b5915500fdd1fa32071c4');
  });

  it.each([
    ['aes-128-ecb', 32], ['aes-256-ecb', 16], ['chacha20', 16],
  ] as const)('rejects a %s key of %d bytes with ERR_DTLS_CRYPTO', (alg, n) => {
    expect(() => p.createRecordNumberMask(alg, new Uint8Array(n))).toThrow(DtlsError);
  });

  it('rejects a sample that is not 16 bytes with ERR_DTLS_CRYPTO', () => {
    const mask = p.createRecordNumberMask('aes-128-ecb', new Uint8Array(16));
    expect(() => mask(new Uint8Array(15))).toThrow(/16 bytes/);
    expect(() => mask(new Uint8Array(17))).toThrow(/16 bytes/);
  });
});
