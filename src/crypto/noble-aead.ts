import { cbc, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { aeadSpec, nonceOk, requireNonce } from './aead-spec.js';
import { aesCcm } from './ccm.js';
import { cryptoError } from './fail.js';
import type { Aead, AeadAlg, BlockCipher } from './provider.js';

/**
 * An {@link Aead} over @noble/ciphers (GCM, ChaCha20-Poly1305) and the pure
 * {@link aesCcm}. noble's AEAD objects are one-shot per nonce, so one is made
 * per record from the stored key copy.
 */
export function nobleAead(alg: AeadAlg, key: Uint8Array): Aead {
  const s = aeadSpec(alg, key);
  if (s.family === 'ccm') {
    const ccm = aesCcm(key, s.tagLength);
    return withOffsets({
      keyLength: s.keyLength,
      tagLength: s.tagLength,
      seal(nonce, aad, plaintext) {
        // Stryker disable next-line CallExpression: the pure AES-CCM refuses the same nonce lengths (7 to 13) with the same ERR_DTLS_CRYPTO
        requireNonce(s, nonce);
        return ccm.seal(nonce, aad, plaintext);
      },
      open: (nonce, aad, ct) => (nonceOk(s, nonce) ? ccm.open(nonce, aad, ct) : null),
    });
  }
  const k = key.slice();
  const make = s.family === 'gcm' ? gcm : chacha20poly1305;
  return withOffsets({
    keyLength: s.keyLength,
    tagLength: s.tagLength,
    seal(nonce, aad, plaintext) {
      requireNonce(s, nonce);
      return make(k, nonce, aad).encrypt(plaintext);
    },
    open(nonce, aad, ct) {
      // Stryker disable next-line ConditionalExpression,LogicalOperator: noble throws on a short ciphertext or a bad nonce, and the catch below turns that into null
      if (ct.length < s.tagLength || !nonceOk(s, nonce)) return null;
      try {
        return make(k, nonce, aad).decrypt(ct);
      } catch {
        return null;
      }
    },
  });
}

/**
 * `sealTo`/`openAt` over `seal`/`open`: noble's AEADs return new arrays (and
 * expand the key per call), so these only save the caller its view and copy.
 */
function withOffsets(a: Aead): Aead {
  return {
    ...a,
    sealTo(nonce, aad, plaintext, out, offset) {
      out.set(a.seal(nonce, aad, plaintext), offset);
    },
    openAt(nonce, aad, buf, offset, length) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: length < 0: an empty or reversed view holds no tag, so open refuses it anyway (offset < 0 and the end are tested)
      if (offset < 0 || length < 0 || offset + length > buf.length) return null;
      return a.open(nonce, aad, buf.subarray(offset, offset + length));
    },
  };
}

/** AES-CBC without padding over @noble/ciphers. */
export function nobleCbc(key: Uint8Array): BlockCipher {
  if (key.length !== 16 && key.length !== 32) throw cryptoError(`AES-CBC key must be 16 or 32 bytes, got ${key.length}`);
  const k = key.slice();
  const check = (iv: Uint8Array, data: Uint8Array): void => {
    if (iv.length !== 16) throw cryptoError(`AES-CBC IV must be 16 bytes, got ${iv.length}`);
    if (data.length % 16 !== 0) throw cryptoError(`AES-CBC data length ${data.length} is not a multiple of 16`);
  };
  return {
    keyLength: key.length,
    encrypt(iv, data) {
      check(iv, data);
      return cbc(k, iv, { disablePadding: true }).encrypt(data);
    },
    decrypt(iv, data) {
      check(iv, data);
      return cbc(k, iv, { disablePadding: true }).decrypt(data);
    },
  };
}
