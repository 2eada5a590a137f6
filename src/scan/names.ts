/**
 * Names of the code points the scanner and the illustrator show, beyond the
 * ones the stack itself implements: every group a server might pick (FFDHE,
 * P-521, X448), every TLS 1.2 signature scheme, and the TLS 1.3 extensions a
 * DTLS 1.3 probe sends. Unknown values print as hex.
 */
import { ExtensionTypes, HandshakeTypes, NamedGroups } from '../handshake/registry.js';
import { SignatureScheme } from '../crypto/provider.js';
import { contentTypeName as recordTypeName } from '../record/content-type.js';
import { alertName as alertDescriptionName } from '../errors.js';

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

/** Extension code points the scanner sends that the stack does not negotiate. */
export const ScanExtension = Object.freeze({
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  alpn: 16,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  key_share: 51,
  connection_id: 54,
  renegotiation_info: 0xff01,
} as const);

const EXTRA_EXTENSIONS = new Map<number, string>([
  [28, 'record_size_limit'], [41, 'pre_shared_key'], [42, 'early_data'], [43, 'supported_versions'], [44, 'cookie'],
  [45, 'psk_key_exchange_modes'], [47, 'certificate_authorities'], [49, 'post_handshake_auth'], [50, 'signature_algorithms_cert'],
  [51, 'key_share'], [13172, 'next_protocol_negotiation'],
]);

export function extensionName(t: number): string {
  const n = ExtensionTypes.nameOf(t);
  return n.startsWith('0x') ? EXTRA_EXTENSIONS.get(t) ?? n : n;
}

/** Named groups (RFC 8422 §5.1.1, RFC 7919 §2, RFC 8446 §4.2.7). */
export const Group = Object.freeze({
  secp256r1: 23, secp384r1: 24, secp521r1: 25, x25519: 29, x448: 30,
  ffdhe2048: 256, ffdhe3072: 257, ffdhe4096: 258, ffdhe6144: 259, ffdhe8192: 260,
} as const);

const GROUP_LABELS = new Map<number, string>([
  [23, 'P-256'], [24, 'P-384'], [25, 'P-521'], [29, 'X25519'], [30, 'X448'],
  [256, 'ffdhe2048'], [257, 'ffdhe3072'], [258, 'ffdhe4096'], [259, 'ffdhe6144'], [260, 'ffdhe8192'],
]);

/** A group's usual name (`P-256`, `X25519`, `ffdhe2048`), or its hex value. */
export function groupName(g: number): string {
  return GROUP_LABELS.get(g) ?? (NamedGroups.nameOf(g).startsWith('0x') ? hex4(g) : NamedGroups.nameOf(g));
}

/** SignatureScheme values (RFC 8446 §4.2.3 names; the TLS 1.2 hash/signature pairs they encode). */
export const Scheme = Object.freeze({
  ...SignatureScheme,
  rsa_pkcs1_md5: 0x0101,
  rsa_pkcs1_sha224: 0x0301,
  ecdsa_sha224: 0x0303,
  dsa_sha1: 0x0202,
  dsa_sha256: 0x0402,
  ed448: 0x0808,
} as const);

const SCHEME_NAMES = new Map<number, string>(Object.entries(Scheme).map(([k, v]) => [v, k]));

export function schemeName(s: number): string {
  return SCHEME_NAMES.get(s) ?? hex4(s);
}

export function handshakeName(t: number): string {
  return HandshakeTypes.nameOf(t);
}

export function alertName(d: number): string {
  return alertDescriptionName(d);
}

export function contentTypeName(t: number): string {
  return recordTypeName(t);
}

/** DTLS protocol versions on the wire. */
export const Version = Object.freeze({ dtls10: 0xfeff, dtls12: 0xfefd, dtls13: 0xfefc } as const);

export function versionName(v: number): string {
  switch (v) {
    case 0xfeff: return 'DTLS 1.0';
    case 0xfefd: return 'DTLS 1.2';
    case 0xfefc: return 'DTLS 1.3';
    case 0x0303: return 'TLS 1.2';
    default: return hex4(v);
  }
}
