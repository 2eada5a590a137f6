import type { Reader } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';
import type { Extension } from '../../handshake/extensions.js';

/**
 * An extensions vector that is always present, as in every TLS 1.3 message
 * but the hellos of older versions (RFC 8446 §4.2):
 * `Extension extensions<min..2^16-1>;` — e.g. `<0..2^16-1>` in
 * EncryptedExtensions, `<2..2^16-1>` in CertificateRequest, `<6..2^16-1>` in
 * ServerHello. A type twice is a decode error (§4.2: "There MUST NOT be more
 * than one extension of the same type in a given extension block"). Entries
 * are copies (S-66).
 */
export function decodeExtensionBlock(r: Reader, min: number, max = 0xffff, what = 'extensions'): Extension[] {
  const list = r.subVec16(min, max, what);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (list.remaining > 0) {
    const type = list.u16('extension_type');
    const data = Uint8Array.from(list.vec16(0, 0xffff, 'extension_data'));
    if (seen.has(type)) throw new DecodeError(`${what}: duplicate extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** Write an extensions vector, its length always present (even when empty). */
export function encodeExtensionBlock(w: Writer, exts: readonly Extension[]): void {
  w.vec16((w) => {
    for (const e of exts) w.u16(e.type).opaque16(e.data);
  });
}
