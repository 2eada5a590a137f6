import { DtlsError } from '../errors.js';
import { nodeCrypto } from './node-crypto.js';
import { nodeProvider } from './node-provider.js';
import { nobleProvider } from './noble-provider.js';
import type { CryptoProvider } from './provider.js';
import { allNative, composeProvider, probeNative } from './compose.js';

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
 * The provider to use when none is configured, decided once, on first call,
 * per algorithm: {@link nodeProvider} when the runtime's node:crypto has
 * everything (Node.js), {@link nobleProvider} when it has nothing, and in
 * between a provider that takes node:crypto for each algorithm it has and
 * `@noble` (our CCM for AES-CCM) for the others. Its `name` says which:
 * `'node+noble(chacha20-poly1305,ccm,chacha20-mask)'` on Bun, `'node+noble(ccm)'` on Deno.
 *
 * @example
 * ```ts
 * import { defaultProvider } from 'puredtls';
 *
 * const provider = defaultProvider();
 * provider.name; // 'node' on Node.js; 'noble' without node:crypto; 'node+noble(ccm)' on Deno
 * const token = provider.randomBytes(16);
 * ```
 */
export function defaultProvider(): CryptoProvider {
  chosen ??= selectProvider();
  return chosen;
}

function selectProvider(): CryptoProvider {
  if (nodeCrypto() === undefined) return nobleProvider;
  const support = probeNative(nodeProvider, nobleProvider);
  if (allNative(support)) return nodeProvider;
  if (!support.random || !support.hashes) return nobleProvider;
  return composeProvider(nodeProvider, nobleProvider, support);
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
