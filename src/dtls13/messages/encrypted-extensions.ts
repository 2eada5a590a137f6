import type { Reader } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import type { Extension } from '../../handshake/extensions.js';
import { decodeExtensionBlock, encodeExtensionBlock } from './extension-block.js';

/**
 * EncryptedExtensions (RFC 8446 §4.3.1), the server's extensions that do not
 * shape the keys, sent in epoch 2:
 * ```
 * struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
 * ```
 */
export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
}

/** Decode an EncryptedExtensions (RFC 8446 §4.3.1): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeEncryptedExtensions(r: Reader): EncryptedExtensions {
  const extensions = decodeExtensionBlock(r, 0);
  r.end('EncryptedExtensions');
  return { extensions };
}

/** Encode an EncryptedExtensions (RFC 8446 §4.3.1). */
export function encodeEncryptedExtensions(w: Writer, m: EncryptedExtensions): void {
  encodeExtensionBlock(w, m.extensions);
}
