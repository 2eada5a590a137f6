import { createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { defaultProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';

/**
 * The runtime's native crypto as users get it by default: `nodeProvider` on
 * Node.js; on Bun and Deno, whose node:crypto lacks some AEADs, node:crypto
 * for what they have and @noble for the rest (src/crypto/compose.ts). Tests
 * that mean "the native provider" use it, so they run on every runtime.
 */
export const nativeProvider: CryptoProvider = defaultProvider();

/** Both providers, for describe.each. */
export const providers: readonly CryptoProvider[] = [nativeProvider, nobleProvider];

/** Hex (whitespace allowed) to bytes. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes to lowercase hex. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** ASCII/UTF-8 string to bytes. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The DER inside the first PEM block of a text. */
export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(pem);
  if (m === null) throw new Error('no PEM block');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** A key of a kind we refuse, from test/fixtures/keys (its README says why they are stored). */
export function refusedKey(name: string): string {
  return readFileSync(new URL(`../fixtures/keys/${name}`, import.meta.url), 'utf8');
}

/** A text file of test/fixtures/pki. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/pki/${name}`, import.meta.url), 'utf8');
}

/** PKCS#8 DER of a fixture key and its SPKI DER (derived with node:crypto). */
export function fixtureKey(name: string): { pkcs8: Uint8Array; spki: Uint8Array } {
  const pkcs8 = pemToDer(fixture(`${name}.key.pem`));
  const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  const spki = new Uint8Array(createPublicKey(priv).export({ type: 'spki', format: 'der' }));
  return { pkcs8, spki };
}

/** Flip one bit of a copy. */
export function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

/** Deterministic pseudo-random bytes for fixed test inputs (not crypto). */
export function pattern(n: number, salt = 0): Uint8Array {
  const out = new Uint8Array(n);
  let x = (salt * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** An independent, straightforward TLS 1.2 PRF (RFC 5246 §5) over node:crypto's HMAC: P_hash(secret, label ‖ seed). */
export function referencePrf(hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, seed: Uint8Array, length: number): string {
  const s = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  let a: Buffer = s;
  let out = Buffer.alloc(0);
  while (out.length < length) {
    a = createHmac(hash, secret).update(a).digest();
    out = Buffer.concat([out, createHmac(hash, secret).update(Buffer.concat([a, s])).digest()]);
  }
  return out.subarray(0, length).toString('hex');
}
