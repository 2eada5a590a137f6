/**
 * Fuzz target: hello extensions. Input: the extensions block of a hello
 * (`Extension extensions<0..2^16-1>`, as `decodeExtensions` reads it).
 *
 * `decodeExtensions` throws only DecodeError and never returns a duplicate
 * type; the block re-encodes to its bytes (an empty block is omitted);
 * every typed helper (supported_groups, ec_point_formats,
 * signature_algorithms, renegotiation_info, server_name, the empty
 * extensions) throws only DecodeError and round-trips. When the block does
 * not decode, the raw input goes through every typed helper instead.
 */
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import { decodeExtensions, encodeExtensions, findExtension } from '../../src/handshake/extensions.js';
import { check, decodeOrReject, emptyExtensionsBlockOmitted, equalBytes } from './lib/oracle.js';
import { decodeKnownExtensions, decodeTypedExtension } from './lib/extensions.js';

export function fuzz(buf: Buffer): void {
  const exts = decodeOrReject(() => decodeExtensions(new Reader(buf)));
  if (exts === undefined) {
    decodeTypedExtension(undefined, buf);
    return;
  }
  const types = new Set(exts.map((e) => e.type));
  check(types.size === exts.length, 'duplicate extension type returned');
  for (const e of exts) check(findExtension(exts, e.type) === e.data, 'findExtension does not find the entry');
  const again = encode((w) => encodeExtensions(w, exts), buf.length + 8);
  check(equalBytes(again, buf) || emptyExtensionsBlockOmitted(buf, again), 'extensions do not re-encode to their bytes');
  decodeKnownExtensions(exts);
}
