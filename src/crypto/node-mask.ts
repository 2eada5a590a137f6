import { plain } from './bytes.js';
import { checkMaskKey, checkSample } from './mask-spec.js';
import { requireNodeCrypto } from './node-crypto.js';
import type { MaskAlg, RecordNumberMask } from './provider.js';

const ZEROS = new Uint8Array(16);

/**
 * The record-number mask of RFC 9147 §4.2.3 over node:crypto (OpenSSL).
 * AES: one `aes-*-ecb` cipher without padding, kept for the epoch (ECB keeps
 * no state between blocks). ChaCha20: OpenSSL's `chacha20` takes a 16-byte
 * IV that is the 32-bit block counter, little-endian, followed by the 12-byte
 * nonce — exactly the sample's layout in RFC 9147 — so the sample is the IV
 * and the mask is the keystream over 16 zero bytes.
 */
export function nodeRecordNumberMask(alg: MaskAlg, key: Uint8Array): RecordNumberMask {
  checkMaskKey(alg, key);
  const c = requireNodeCrypto();
  if (alg === 'chacha20') {
    // A cipher per record (the sample is its IV): a KeyObject, imported once, pays for itself.
    const keyObj = c.createSecretKey(key);
    return (sample) => {
      checkSample(sample);
      return plain(c.createCipheriv('chacha20', keyObj, sample).update(ZEROS));
    };
  }
  // One cipher for the epoch, made from the raw key: a KeyObject would only add its import (4 µs).
  const cipher = c.createCipheriv(alg, key, null).setAutoPadding(false);
  return (sample) => {
    checkSample(sample);
    return plain(cipher.update(sample));
  };
}
