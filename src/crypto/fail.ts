import { DtlsError } from '../errors.js';

/**
 * A misuse of a crypto primitive (wrong key or nonce length, unsupported
 * algorithm): a bug in the caller, reported as `ERR_DTLS_CRYPTO` with alert
 * `internal_error`.
 */
export function cryptoError(message: string, cause?: unknown): DtlsError {
  return new DtlsError('ERR_DTLS_CRYPTO', message, 'internal_error', cause === undefined ? undefined : { cause });
}
