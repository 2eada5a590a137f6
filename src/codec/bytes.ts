/** Byte helpers shared by the protocol layers (not for secrets: see crypto/ct.ts). */

/** Do two byte strings hold the same bytes? (Public data only: not constant-time.) */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lowercase hex. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export { concatBytes } from '../crypto/bytes.js';
