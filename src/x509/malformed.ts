/**
 * The internal error the x509 decoders throw on malformed input; the public
 * parse functions turn it into a typed `CertificateError` (internal; not
 * re-exported by `src/x509/index.ts`).
 */
export class Malformed extends Error {}

/** Throw a {@link Malformed} describing `what`. */
export function fail(what: string): never {
  throw new Malformed(what);
}
