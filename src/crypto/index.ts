import { DtlsError } from '../errors.js';
import { nodeCrypto } from './node-crypto.js';
import { nodeProvider, nodeProviderWorks } from './node-provider.js';
import { nobleProvider } from './noble-provider.js';
import type { CryptoProvider } from './provider.js';

export * from './provider.js';
export { nodeProvider, nodeProviderWorks } from './node-provider.js';
export { nobleProvider } from './noble-provider.js';
export { testProvider } from './test-provider.js';
export { nodeCrypto } from './node-crypto.js';
export { constantTimeEqual } from './ct.js';
export { pHash, prf, masterSecret, extendedMasterSecret, keyBlock, verifyData } from './prf.js';
export { aesCcm, type AesCcm } from './ccm.js';
export { parsePkcs8, parseSpki, type PrivateKeyInfo, type PublicKeyInfo } from './der-keys.js';
export { schemeInfo, HASH_LENGTH, type SchemeInfo } from './schemes.js';

let chosen: CryptoProvider | undefined;

/**
 * The provider to use when none is configured: {@link nodeProvider} when the
 * runtime has a working node:crypto, else {@link nobleProvider}. Decided
 * once, on first call.
 *
 * @example
 * ```ts
 * import { defaultProvider } from 'puredtls';
 *
 * const provider = defaultProvider();
 * provider.name; // 'node' on Node.js; 'noble' where node:crypto is missing or incomplete
 * const token = provider.randomBytes(16);
 * ```
 */
export function defaultProvider(): CryptoProvider {
  chosen ??= nodeProviderWorks() ? nodeProvider : nobleProvider;
  return chosen;
}

/** A provider by name; 'node' throws `ERR_DTLS_NO_NODE_CRYPTO` when the runtime lacks node:crypto. */
export function providerByName(name: 'node' | 'noble'): CryptoProvider {
  if (name === 'noble') return nobleProvider;
  if (name === 'node') {
    if (nodeCrypto() === undefined) {
      throw new DtlsError('ERR_DTLS_NO_NODE_CRYPTO', 'node:crypto is not available in this runtime', 'internal_error');
    }
    return nodeProvider;
  }
  throw new DtlsError('ERR_DTLS_CRYPTO', `unknown crypto provider ${String(name)}`, 'internal_error');
}
