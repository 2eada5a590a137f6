import { Reader } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';
import { DecodeError } from '../errors.js';
import { ExtensionType } from './registry.js';

/**
 * Hello extensions (RFC 5246 §7.4.1.4):
 * ```
 * struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
 * Extension extensions<0..2^16-1>;
 * ```
 * Kept as an ordered list of raw entries; typed accessors below decode the
 * ones we understand. Unknown extensions are kept (and ignored).
 */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** Read an extensions block (the rest of a hello). Duplicate types are a decode error (RFC 5246 §7.4.1.4). */
export function decodeExtensions(r: Reader): Extension[] {
  if (r.remaining === 0) return [];
  const list = r.subVec16(0, 0xffff, 'extensions');
  r.end('hello');
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (list.remaining > 0) {
    const type = list.u16('extension_type');
    const data = list.vec16(0, 0xffff, 'extension_data');
    if (seen.has(type)) throw new DecodeError(`duplicate extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function encodeExtensions(w: Writer, exts: readonly Extension[]): void {
  if (exts.length === 0) return;
  w.vec16((w) => {
    for (const e of exts) w.u16(e.type).opaque16(e.data);
  });
}

export function findExtension(exts: readonly Extension[], type: number): Uint8Array | undefined {
  for (const e of exts) if (e.type === type) return e.data;
  return undefined;
}

function readU16List(data: Uint8Array, what: string, lenBytes: 1 | 2, itemBytes: 1 | 2): number[] {
  const r = new Reader(data);
  const sub = lenBytes === 1 ? r.subVec8(itemBytes, 0xff, what) : r.subVec16(itemBytes, 0xffff, what);
  r.end(what);
  if (sub.remaining % itemBytes !== 0) throw new DecodeError(`${what}: odd length`);
  const out: number[] = [];
  while (sub.remaining > 0) out.push(itemBytes === 2 ? sub.u16(what) : sub.u8(what));
  return out;
}

/** supported_groups (RFC 8422 §5.1.1): `NamedGroup named_group_list<2..2^16-1>`. */
export const supportedGroups = {
  decode: (d: Uint8Array) => readU16List(d, 'supported_groups', 2, 2),
  encode: (w: Writer, groups: readonly number[]) => w.vec16((w) => groups.forEach((g) => w.u16(g))),
};

/** ec_point_formats (RFC 8422 §5.1.2): `ECPointFormat ec_point_format_list<1..2^8-1>`. */
export const ecPointFormats = {
  decode: (d: Uint8Array) => readU16List(d, 'ec_point_formats', 1, 1),
  encode: (w: Writer, formats: readonly number[]) => w.vec8((w) => formats.forEach((f) => w.u8(f))),
};

/** signature_algorithms (RFC 5246 §7.4.1.4.1): `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`. */
export const signatureAlgorithms = {
  decode: (d: Uint8Array) => readU16List(d, 'signature_algorithms', 2, 2),
  encode: (w: Writer, schemes: readonly number[]) => w.vec16((w) => schemes.forEach((s) => w.u16(s))),
};

/** renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`. */
export const renegotiationInfo = {
  decode(d: Uint8Array): Uint8Array {
    const r = new Reader(d);
    const v = r.vec8(0, 255, 'renegotiated_connection');
    r.end('renegotiation_info');
    return v;
  },
  encode: (w: Writer, v: Uint8Array) => w.opaque8(v),
};

/** server_name (RFC 6066 §3): a host_name entry, if any. */
export const serverName = {
  decode(d: Uint8Array): string | undefined {
    if (d.length === 0) return undefined; // the server's empty acknowledgement
    const r = new Reader(d);
    const list = r.subVec16(1, 0xffff, 'server_name_list');
    r.end('server_name');
    let host: string | undefined;
    while (list.remaining > 0) {
      const type = list.u8('name_type');
      const name = list.vec16(1, 0xffff, 'host_name');
      if (type === 0) {
        if (host !== undefined) throw new DecodeError('server_name: two host_name entries');
        host = new TextDecoder().decode(name);
      }
    }
    return host;
  },
  encode(w: Writer, host: string): void {
    const name = new TextEncoder().encode(host);
    w.vec16((w) => w.u8(0).opaque16(name));
  },
};

/** An extension whose body must be empty (extended_master_secret, encrypt_then_mac). */
export function isEmptyExtension(d: Uint8Array, what: string): true {
  if (d.length !== 0) throw new DecodeError(`${what}: must be empty`);
  return true;
}

export { ExtensionType };

/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1):
 * `opaque ProtocolName<1..2^8-1>; ProtocolName protocol_name_list<2..2^16-1>`.
 * The server's answer holds exactly one name.
 */
export const alpn = {
  decode(d: Uint8Array): Uint8Array[] {
    const r = new Reader(d);
    const list = r.subVec16(2, 0xffff, 'protocol_name_list');
    r.end('application_layer_protocol_negotiation');
    const out: Uint8Array[] = [];
    while (list.remaining > 0) out.push(list.vec8(1, 255, 'ProtocolName'));
    return out;
  },
  encode(w: Writer, names: readonly Uint8Array[]): void {
    w.vec16((w) => names.forEach((n) => w.opaque8(n)));
  },
};

/**
 * use_srtp (RFC 5764 §4.1.1):
 * `SRTPProtectionProfile SRTPProtectionProfiles<2..2^16-1>; opaque srtp_mki<0..255>`.
 */
export const useSrtp = {
  decode(d: Uint8Array): { profiles: number[]; mki: Uint8Array } {
    const r = new Reader(d);
    const list = r.subVec16(2, 0xfffe, 'SRTPProtectionProfiles');
    if (list.remaining % 2 !== 0) throw new DecodeError('SRTPProtectionProfiles: odd length');
    const profiles: number[] = [];
    while (list.remaining > 0) profiles.push(list.u16());
    const mki = r.vec8(0, 255, 'srtp_mki');
    r.end('use_srtp');
    return { profiles, mki };
  },
  encode(w: Writer, profiles: readonly number[], mki: Uint8Array = new Uint8Array(0)): void {
    w.vec16((w) => profiles.forEach((p) => w.u16(p)));
    w.opaque8(mki);
  },
};

/** DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2), by their OpenSSL names. */
export const SRTP_PROFILES: Readonly<Record<string, number>> = Object.freeze({
  SRTP_AES128_CM_SHA1_80: 0x0001,
  SRTP_AES128_CM_SHA1_32: 0x0002,
  SRTP_AEAD_AES_128_GCM: 0x0007,
  SRTP_AEAD_AES_256_GCM: 0x0008,
});

export function srtpProfileName(id: number): string {
  for (const [k, v] of Object.entries(SRTP_PROFILES)) if (v === id) return k;
  return `0x${id.toString(16).padStart(4, '0')}`;
}

/** connection_id (RFC 9146 §3): `opaque cid<0..2^8-1>`. */
export const connectionIdExt = {
  decode(d: Uint8Array): Uint8Array {
    const r = new Reader(d);
    const cid = r.vec8(0, 255, 'cid');
    r.end('connection_id');
    return Uint8Array.from(cid);
  },
  encode: (w: Writer, cid: Uint8Array) => w.opaque8(cid),
};

/** CertificateType (RFC 7250 §3): X.509 or a raw SubjectPublicKeyInfo. */
export const CertificateType = Object.freeze({ X509: 0, RawPublicKey: 2 } as const);

/**
 * client_certificate_type / server_certificate_type (RFC 7250 §3): in a
 * ClientHello `CertificateType types<1..2^8-1>`, in a ServerHello one type.
 */
export const certificateTypes = {
  decodeList(d: Uint8Array): number[] {
    const r = new Reader(d);
    const list = r.vec8Numbers(1, 255, 'certificate types');
    r.end('certificate_type');
    return list;
  },
  decodeOne(d: Uint8Array): number {
    const r = new Reader(d);
    const t = r.u8('certificate type');
    r.end('certificate_type');
    return t;
  },
  encodeList: (w: Writer, types: readonly number[]) => w.vec8((w) => types.forEach((t) => w.u8(t))),
  encodeOne: (w: Writer, type: number) => w.u8(type),
};
