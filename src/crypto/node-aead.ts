import type { CipherCCMTypes, CipherGCMTypes, KeyObject } from 'node:crypto';
import { aeadSpec, nonceOk, requireNonce } from './aead-spec.js';
import { plain } from './bytes.js';
import { cryptoError } from './fail.js';
import { type NodeCrypto, requireNodeCrypto } from './node-crypto.js';
import type { Aead, AeadAlg, BlockCipher } from './provider.js';

// Shared by every AEAD of this thread: node reads them before its call returns.
const TAG16 = Object.freeze({ authTagLength: 16 });
const TAG8 = Object.freeze({ authTagLength: 8 });
const ccmAad = { plaintextLength: 0 };
const tag16 = new Uint8Array(16);
const tag8 = new Uint8Array(8);

const hasCipher = new Map<string, boolean>();

/**
 * Refuse, with `ERR_DTLS_CRYPTO` when the key is made, a cipher this
 * runtime's node:crypto does not have (Bun's lacks AES-CCM and
 * ChaCha20-Poly1305, Deno's AES-CCM) rather than an untyped `Unknown cipher`
 * at the first record. Asked once per cipher.
 */
function requireCipher(c: NodeCrypto, name: string): void {
  let has = hasCipher.get(name);
  if (has === undefined) {
    try {
      has = c.getCiphers().includes(name);
    } catch {
      has = true; // no list to ask: let the cipher itself tell
    }
    hasCipher.set(name, has);
  }
  if (!has) throw cryptoError(`node:crypto in this runtime has no ${name}; use crypto: 'noble' or the default provider`);
}

/** Records an AEAD protects with the raw key before importing it into a KeyObject (see {@link nodeAead}). */
export const RAW_KEY_RECORDS = 12;

/**
 * An {@link Aead} over node:crypto. Each record is one `createCipheriv` /
 * `createDecipheriv` (node has no way to re-key an existing cipher object
 * with a new nonce). The first {@link RAW_KEY_RECORDS} records pass the raw
 * key; after them the key is imported once into a KeyObject, which makes
 * each record about 0.35 µs cheaper but costs 4 µs to make: a handshake's
 * epochs, which protect a few records each, never pay for it. CCM uses
 * node's native AES-CCM (tag 16 or 8, `plaintextLength` declared).
 *
 * `sealTo` writes straight into the caller's record buffer and `openAt`
 * returns the Buffer node's `update` produced: the record layer allocates
 * nothing else per record. What node allocates inside (the cipher object,
 * `update`/`final`/`getAuthTag` results) is out of our hands.
 */
export function nodeAead(alg: AeadAlg, key: Uint8Array): Aead {
  const c = requireNodeCrypto();
  const s = aeadSpec(alg, key);
  requireCipher(c, s.cipherName);
  let raw: Uint8Array | undefined = Uint8Array.from(key);
  let keyObj: KeyObject | undefined;
  let rawUses = 0;
  // Stryker disable all: which form of the same key node:crypto gets (raw, or a KeyObject made from it)
  // changes no output, only the cost; test/crypto/aead.test.ts checks 40 records across the switch.
  const keyArg = (): KeyObject | Uint8Array => {
    if (keyObj !== undefined) return keyObj;
    if (++rawUses <= RAW_KEY_RECORDS) return raw!;
    keyObj = c.createSecretKey(raw!);
    raw!.fill(0);
    raw = undefined;
    return keyObj;
  };
  // Stryker restore all
  const tagLength = s.tagLength;
  const tagOption = tagLength === 16 ? TAG16 : TAG8;
  const ccm = s.family === 'ccm';
  // GCM and ChaCha20-Poly1305 share node's GCM-style API; CCM declares the plaintext length.
  const name = s.cipherName as CipherGCMTypes;
  const ccmName = s.cipherName as CipherCCMTypes;

  const sealTo = (nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void => {
    requireNonce(s, nonce);
    const n = plaintext.length;
    if (ccm) {
      const ci = c.createCipheriv(ccmName, keyArg(), nonce, tagOption);
      ccmAad.plaintextLength = n;
      ci.setAAD(aad, ccmAad);
      out.set(ci.update(plaintext), offset);
      ci.final();
      out.set(ci.getAuthTag(), offset + n);
      return;
    }
    const ci = c.createCipheriv(name, keyArg(), nonce, tagOption);
    ci.setAAD(aad);
    const body = ci.update(plaintext);
    out.set(body, offset);
    const rest = ci.final();
    // Stryker disable next-line ConditionalExpression,EqualityOperator: setting an empty array writes nothing
    if (rest.length > 0) out.set(rest, offset + body.length);
    out.set(ci.getAuthTag(), offset + n);
  };

  // The received tag is copied into a shared scratch rather than passed as a view
  // (one allocation less per record); setAuthTag copies it.
  const tag = tagLength === 16 ? tag16 : tag8;
  const openAt = (nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): Uint8Array | null => {
    const n = length - tagLength;
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: n < 0 and the end: the tag is then read from past the end (zeros) or from the body, and the view clamped, so the tag check refuses (short of a tag forgery); offset < 0, which can pick the real tag, is tested
    if (n < 0 || offset < 0 || offset + length > buf.length || !nonceOk(s, nonce)) return null;
    // Stryker disable next-line EqualityOperator: tag[tagLength] is past the end of the scratch: the write is ignored
    for (let i = 0; i < tagLength; i++) tag[i] = buf[offset + n + i]!;
    try {
      if (ccm) {
        const d = c.createDecipheriv(ccmName, keyArg(), nonce, tagOption);
        d.setAuthTag(tag);
        ccmAad.plaintextLength = n;
        d.setAAD(aad, ccmAad);
        const pt = d.update(buf.subarray(offset, offset + n));
        d.final();
        return pt;
      }
      const d = c.createDecipheriv(name, keyArg(), nonce, tagOption);
      d.setAuthTag(tag);
      d.setAAD(aad);
      const pt = d.update(buf.subarray(offset, offset + n));
      const rest = d.final();
      // Stryker disable next-line ConditionalExpression: the copy holds the same bytes
      if (rest.length === 0) return pt;
      const out = new Uint8Array(pt.length + rest.length);
      out.set(pt, 0);
      out.set(rest, pt.length);
      return out;
    } catch {
      return null;
    }
  };

  return {
    keyLength: s.keyLength,
    tagLength,
    seal(nonce, aad, plaintext) {
      const out = new Uint8Array(plaintext.length + tagLength);
      sealTo(nonce, aad, plaintext, out, 0);
      return out;
    },
    open(nonce, aad, ct) {
      const pt = openAt(nonce, aad, ct, 0, ct.length);
      return pt === null ? null : plain(pt);
    },
    sealTo,
    openAt,
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
    // Stryker disable next-line ConditionalExpression: the copy holds the same bytes
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
