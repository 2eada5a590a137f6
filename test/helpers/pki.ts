import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The test PKI (copied from ../shared/pki; every key here is public). */
export const PKI_DIR = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));

export function pki(name: string): Buffer {
  return readFileSync(PKI_DIR + name);
}
export function pkiPath(name: string): string {
  return PKI_DIR + name;
}
