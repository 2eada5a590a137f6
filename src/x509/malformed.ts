/**
 * The internal error the x509 decoders throw on malformed input; the public
 * parse functions turn it into a typed `CertificateError` (internal; not
 * re-exported by `src/x509/index.ts`).
 */
import { DtlsError } from '../errors.js';

export class Malformed extends Error {}

/** Throw a {@link Malformed} describing `what`. */
export function fail(what: string): never {
  throw new Malformed(what);
}

/**
 * Run `decode` on `input`, which must be a Uint8Array. A {@link Malformed}
 * (or any other non-`DtlsError`) thrown on the way becomes
 * `toError("malformed <what>: <detail>")`; nothing else escapes.
 */
export function decodeWith<T>(input: unknown, what: string, decode: (b: Uint8Array) => T, toError: (message: string, cause: unknown) => Error): T {
  try {
    if (!(input instanceof Uint8Array)) fail(`${what} must be a Uint8Array`);
    return decode(input);
  } catch (err) {
    if (err instanceof DtlsError) throw err;
    const detail = err instanceof Malformed ? err.message : `decoder error: ${err instanceof Error ? err.message : String(err)}`;
    throw toError(`malformed ${what}: ${detail}`, err);
  }
}
