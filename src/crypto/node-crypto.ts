import { DtlsError } from '../errors.js';

/** The `node:crypto` module's type. Type-only: nothing is imported at run time. */
export type NodeCrypto = typeof import('node:crypto');

let cached: NodeCrypto | null | undefined;

/**
 * The `node:crypto` module when the runtime has one, else `undefined`.
 *
 * Obtained through `process.getBuiltinModule` (Node ≥ 20.16) rather than a
 * static import, so that the package still loads in runtimes without
 * `node:crypto` (browsers, workers) and under `require(esm)`. Looked up once.
 */
export function nodeCrypto(): NodeCrypto | undefined {
  if (cached === undefined) {
    let mod: NodeCrypto | undefined;
    try {
      mod = globalThis.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
    } catch {
      mod = undefined;
    }
    cached = mod ?? null;
  }
  return cached ?? undefined;
}

/** {@link nodeCrypto}, or a `DtlsError` (`ERR_DTLS_NO_NODE_CRYPTO`) when it is missing. */
export function requireNodeCrypto(): NodeCrypto {
  const c = nodeCrypto();
  if (c === undefined) {
    throw new DtlsError('ERR_DTLS_NO_NODE_CRYPTO', 'node:crypto is not available in this runtime', 'internal_error');
  }
  return c;
}
