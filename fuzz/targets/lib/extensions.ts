import { Writer, encode } from '../../../src/codec/writer.js';
import {
  type Extension, ExtensionType, ecPointFormats, isEmptyExtension, renegotiationInfo, serverName, signatureAlgorithms,
  supportedGroups,
} from '../../../src/handshake/extensions.js';
import { check, decodeOrReject, equalBytes } from './oracle.js';

type ListCodec = { decode(d: Uint8Array): number[]; encode(w: Writer, v: readonly number[]): unknown };

/** A list-valued helper: decodes (or throws DecodeError), and re-encodes to exactly its input. */
function list(name: string, codec: ListCodec, d: Uint8Array): void {
  const v = decodeOrReject(() => codec.decode(d));
  if (v === undefined) return;
  const again = encode((w) => { codec.encode(w, v); });
  check(equalBytes(again, d), `${name}: does not re-encode to its bytes`);
}

/** Apply the typed helper for one extension's body (all helpers when `type` is undefined). */
export function decodeTypedExtension(type: number | undefined, d: Uint8Array): void {
  const all = type === undefined;
  if (all || type === ExtensionType.supported_groups) list('supported_groups', supportedGroups, d);
  if (all || type === ExtensionType.ec_point_formats) list('ec_point_formats', ecPointFormats, d);
  if (all || type === ExtensionType.signature_algorithms) list('signature_algorithms', signatureAlgorithms, d);
  if (all || type === ExtensionType.renegotiation_info) {
    const v = decodeOrReject(() => renegotiationInfo.decode(d));
    if (v !== undefined) check(equalBytes(encode((w) => { renegotiationInfo.encode(w, v); }), d), 'renegotiation_info: does not re-encode to its bytes');
  }
  if (all || type === ExtensionType.server_name) {
    const host = decodeOrReject(() => serverName.decode(d));
    if (host !== undefined) {
      // Only the host_name survives a re-encoding (other name types are skipped); it must decode to itself.
      const again = encode((w) => serverName.encode(w, host), d.length * 3 + 8);
      const host2 = decodeOrReject(() => serverName.decode(again));
      check(host2 === host, `server_name: ${JSON.stringify(host)} re-decodes as ${JSON.stringify(host2)}`);
    }
  }
  if (all || type === ExtensionType.extended_master_secret || type === ExtensionType.encrypt_then_mac) {
    const ok = decodeOrReject(() => isEmptyExtension(d, 'empty extension'));
    check((ok === true) === (d.length === 0), 'isEmptyExtension disagrees with the length');
  }
}

export function decodeKnownExtensions(exts: readonly Extension[]): void {
  for (const e of exts) decodeTypedExtension(e.type, e.data);
}
