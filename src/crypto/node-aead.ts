import type { CipherCCMTypes, CipherGCMTypes, KeyObject } from 'node:crypto';
import { aeadSpec, nonceOk, requireNonce } from './aead-spec.js';
import { plain } from './bytes.js';
import { cryptoError } from './fail.js';
import { requireNodeCrypto } from './node-crypto.js';
import type { Aead, AeadAlg, BlockCipher } from './provider.js';

/**
 * An {@link Aead} over node:crypto. The key is imported once into a
 * KeyObject; each record is one `createCipheriv` / `createDecipheriv`. CCM
 * uses node's native AES-CCM (tag 16 or 8, `plaintextLength` declared).
 */
export function nodeAead(alg: AeadAlg, key: Uint8Array): Aead {
  const c = requireNodeCrypto();
  const s = aeadSpec(alg, key);
  const keyObj: KeyObject = c.createSecretKey(key);
  const tagLength = s.tagLength;
  const authTagLength = tagLength;

  if (s.family === 'ccm') {
    const name = s.cipherName as CipherCCMTypes;
    return {
      keyLength: s.keyLength,
      tagLength,
      seal(nonce, aad, plaintext) {
        requireNonce(s, nonce);
        const ci = c.createCipheriv(name, keyObj, nonce, { authTagLength });
        ci.setAAD(aad, { plaintextLength: plaintext.length });
        const out = new Uint8Array(plaintext.length + tagLength);
        out.set(ci.update(plaintext), 0);
        ci.final();
        out.set(ci.getAuthTag(), plaintext.length);
        return out;
      },
      open(nonce, aad, ct) {
        const n = ct.length - tagLength;
        if (n < 0 || !nonceOk(s, nonce)) return null;
        try {
          const d = c.createDecipheriv(name, keyObj, nonce, { authTagLength });
          d.setAuthTag(ct.subarray(n));
          d.setAAD(aad, { plaintextLength: n });
          const pt = d.update(ct.subarray(0, n));
          d.final();
          return plain(pt);
        } catch {
          return null;
        }
      },
    };
  }

  // GCM and ChaCha20-Poly1305 share node's GCM-style API.
  const name = s.cipherName as CipherGCMTypes;
  return {
    keyLength: s.keyLength,
    tagLength,
    seal(nonce, aad, plaintext) {
      requireNonce(s, nonce);
      const ci = c.createCipheriv(name, keyObj, nonce, { authTagLength });
      ci.setAAD(aad);
      const out = new Uint8Array(plaintext.length + tagLength);
      const body = ci.update(plaintext);
      out.set(body, 0);
      const rest = ci.final();
      if (rest.length > 0) out.set(rest, body.length);
      out.set(ci.getAuthTag(), plaintext.length);
      return out;
    },
    open(nonce, aad, ct) {
      const n = ct.length - tagLength;
      if (n < 0 || !nonceOk(s, nonce)) return null;
      try {
        const d = c.createDecipheriv(name, keyObj, nonce, { authTagLength });
        d.setAuthTag(ct.subarray(n));
        d.setAAD(aad);
        const pt = d.update(ct.subarray(0, n));
        const rest = d.final();
        if (rest.length === 0) return plain(pt);
        const out = new Uint8Array(pt.length + rest.length);
        out.set(pt, 0);
        out.set(rest, pt.length);
        return out;
      } catch {
        return null;
      }
    },
  };
}

/** AES-CBC without padding over node:crypto. */
export function nodeCbc(key: Uint8Array): BlockCipher {
  const c = requireNodeCrypto();
  if (key.length !== 16 && key.length !== 32) throw cryptoError(`AES-CBC key must be 16 or 32 bytes, got ${key.length}`);
  const keyObj = c.createSecretKey(key);
  const name = key.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc';
  const run = (decrypt: boolean, iv: Uint8Array, data: Uint8Array): Uint8Array => {
    if (iv.length !== 16) throw cryptoError(`AES-CBC IV must be 16 bytes, got ${iv.length}`);
    if (data.length % 16 !== 0) throw cryptoError(`AES-CBC data length ${data.length} is not a multiple of 16`);
    const ci = decrypt ? c.createDecipheriv(name, keyObj, iv) : c.createCipheriv(name, keyObj, iv);
    ci.setAutoPadding(false);
    const body = ci.update(data);
    const rest = ci.final();
    if (rest.length === 0) return plain(body);
    const out = new Uint8Array(body.length + rest.length);
    out.set(body, 0);
    out.set(rest, body.length);
    return out;
  };
  return {
    keyLength: key.length,
    encrypt: (iv, data) => run(false, iv, data),
    decrypt: (iv, data) => run(true, iv, data),
  };
}
