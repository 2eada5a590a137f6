import type { CipherSuite } from '../../../src/crypto/suites.js';
import { type DirectionKeys, keyBlockLayout } from '../../../src/record/protection.js';

/** The record protections the record target opens every fragment with. */
export const PROTECTED_SUITES: readonly { readonly name: string; readonly etm: boolean }[] = [
  { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', etm: false },
  { name: 'ECDHE-ECDSA-AES128-CCM8', etm: false },
  { name: 'ECDHE-ECDSA-CHACHA20-POLY1305', etm: false },
  { name: 'ECDHE-ECDSA-AES128-SHA', etm: false },
  { name: 'ECDHE-ECDSA-AES256-SHA384', etm: false },
  { name: 'ECDHE-ECDSA-AES128-SHA256', etm: true },
];

/** Fixed keys: byte i of each key is a function of i and the part. */
export function protectionKeys(suite: CipherSuite): DirectionKeys {
  const { macLength, keyLength, ivLength } = keyBlockLayout(suite);
  const fill = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k) & 0xff);
  return { macKey: fill(macLength, 1), encKey: fill(keyLength, 2), iv: fill(ivLength, 3) };
}
