import type { Reader } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';

/** DTLS versions as supported_versions carries them (RFC 9147 §5.3: "0xfefc is used to indicate DTLS 1.3"). */
export const DtlsVersion = Object.freeze({ DTLS1_0: 0xfeff, DTLS1_2: 0xfefd, DTLS1_3: 0xfefc } as const);

/**
 * supported_versions in a ClientHello (RFC 8446 §4.2.1), the versions in
 * the client's order of preference:
 * ```
 * struct { select (Handshake.msg_type) { case client_hello: ProtocolVersion versions<2..254>; ... }; } SupportedVersions;
 * ```
 */
export interface SupportedVersionsList {
  readonly versions: readonly number[];
}

/** Decode a ClientHello's supported_versions (RFC 8446 §4.2.1): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeSupportedVersionsList(r: Reader): SupportedVersionsList {
  const list = r.subVec8(2, 254, 'versions');
  r.end('supported_versions');
  if (list.remaining % 2 !== 0) throw new DecodeError('versions: odd length');
  const versions: number[] = [];
  while (list.remaining > 0) versions.push(list.u16('ProtocolVersion'));
  return { versions };
}

/** Encode a ClientHello's supported_versions (RFC 8446 §4.2.1). */
export function encodeSupportedVersionsList(w: Writer, m: SupportedVersionsList): void {
  w.vec8((w) => m.versions.forEach((v) => w.u16(v)));
}

/**
 * supported_versions in a ServerHello or HelloRetryRequest (RFC 8446 §4.2.1):
 * `ProtocolVersion selected_version;`.
 */
export interface SelectedVersion {
  readonly selectedVersion: number;
}

/** Decode a ServerHello's supported_versions (RFC 8446 §4.2.1): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeSelectedVersion(r: Reader): SelectedVersion {
  const selectedVersion = r.u16('selected_version');
  r.end('supported_versions');
  return { selectedVersion };
}

/** Encode a ServerHello's supported_versions (RFC 8446 §4.2.1). */
export function encodeSelectedVersion(w: Writer, m: SelectedVersion): void {
  w.u16(m.selectedVersion);
}
