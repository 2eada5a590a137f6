/**
 * ClientHellos as the scanner sends them: a {@link HelloSpec} says what to
 * offer, {@link buildClientHello} turns it into the project's `ClientHello`
 * (encoded by its codec). Each extension is written with the project's
 * extension encoders where one exists, else with the generic
 * `{ type, data }` form.
 */
import { encode } from '../codec/writer.js';
import { EMPTY_RENEGOTIATION_INFO_SCSV } from '../crypto/suites.js';
import type { ClientHello } from '../handshake/messages/client-hello.js';
import { encodeClientHello } from '../handshake/messages/client-hello.js';
import {
  type Extension, alpn, connectionIdExt, ecPointFormats, renegotiationInfo, serverName, signatureAlgorithms,
  supportedGroups, useSrtp,
} from '../handshake/extensions.js';
import { Group, Scheme, ScanExtension as X, Version } from './names.js';

/** Every group a 1.2 ClientHello of ours offers by default (curves first, then FFDHE). */
export const ALL_GROUPS: readonly number[] = [
  Group.x25519, Group.secp256r1, Group.secp384r1, Group.secp521r1, Group.x448,
  Group.ffdhe2048, Group.ffdhe3072, Group.ffdhe4096, Group.ffdhe6144, Group.ffdhe8192,
];

/** Every signature scheme a ClientHello of ours offers by default, strongest first. */
export const ALL_SCHEMES: readonly number[] = [
  Scheme.ecdsa_secp256r1_sha256, Scheme.ecdsa_secp384r1_sha384, Scheme.ecdsa_secp521r1_sha512,
  Scheme.ed25519, Scheme.ed448,
  Scheme.rsa_pss_rsae_sha256, Scheme.rsa_pss_rsae_sha384, Scheme.rsa_pss_rsae_sha512,
  Scheme.rsa_pss_pss_sha256, Scheme.rsa_pss_pss_sha384, Scheme.rsa_pss_pss_sha512,
  Scheme.rsa_pkcs1_sha256, Scheme.rsa_pkcs1_sha384, Scheme.rsa_pkcs1_sha512,
  Scheme.ecdsa_sha224, Scheme.rsa_pkcs1_sha224, Scheme.dsa_sha256,
  Scheme.ecdsa_sha1, Scheme.rsa_pkcs1_sha1, Scheme.dsa_sha1,
];

/** What a ClientHello offers. Every field has a default that a typical client would send. */
export interface HelloSpec {
  /** client_version; default DTLS 1.2. */
  readonly version?: number;
  readonly suites: readonly number[];
  /** supported_groups; default {@link ALL_GROUPS}; `[]` leaves the extension out. */
  readonly groups?: readonly number[];
  /** signature_algorithms; default {@link ALL_SCHEMES}; `[]` leaves it out. */
  readonly schemes?: readonly number[];
  readonly random?: Uint8Array;
  readonly sessionId?: Uint8Array;
  /** Offer extended_master_secret (default true). */
  readonly ems?: boolean;
  /** Offer encrypt_then_mac (default true). */
  readonly etm?: boolean;
  /** Secure renegotiation signal: the extension (default), the SCSV, or none. */
  readonly reneg?: 'extension' | 'scsv' | 'none';
  /** renegotiation_info contents (a renegotiating client's verify_data). */
  readonly renegData?: Uint8Array;
  readonly sni?: string;
  readonly alpn?: readonly string[];
  readonly srtp?: readonly number[];
  /** session_ticket: `true` for an empty one (asking for a ticket), bytes to resume. */
  readonly ticket?: true | Uint8Array;
  /** connection_id: the CID we want the server to put on records to us. */
  readonly cid?: Uint8Array;
  /** heartbeat with mode peer_allowed_to_send (RFC 6520). */
  readonly heartbeat?: boolean;
  /** record_size_limit (RFC 8449). */
  readonly recordSizeLimit?: number;
  /** srp with this user name (RFC 5054), for SRP suites. */
  readonly srpUser?: string;
  /** More extensions, appended as given (e.g. the DTLS 1.3 ones). */
  readonly extra?: readonly Extension[];
  /** Leave ec_point_formats out (default: sent when `groups` has a curve). */
  readonly noPointFormats?: boolean;
  /** Grow the hello to about this many bytes with a padding extension (RFC 7685). */
  readonly padTo?: number;
}

const ext = (type: number, data: Uint8Array): Extension => ({ type, data });

/** The extensions of a spec, in the order a typical client sends them. */
export function helloExtensions(spec: HelloSpec): Extension[] {
  const out: Extension[] = [];
  if (spec.sni !== undefined) out.push(ext(X.server_name, encode((w) => serverName.encode(w, spec.sni!))));
  const groups = spec.groups ?? ALL_GROUPS;
  if (groups.length > 0) out.push(ext(X.supported_groups, encode((w) => supportedGroups.encode(w, groups))));
  if (groups.some((g) => g < 256) && !spec.noPointFormats) out.push(ext(X.ec_point_formats, encode((w) => ecPointFormats.encode(w, [0]))));
  const schemes = spec.schemes ?? ALL_SCHEMES;
  if (schemes.length > 0) out.push(ext(X.signature_algorithms, encode((w) => signatureAlgorithms.encode(w, schemes))));
  if (spec.srtp?.length) out.push(ext(X.use_srtp, encode((w) => useSrtp.encode(w, spec.srtp!))));
  if (spec.heartbeat) out.push(ext(X.heartbeat, Uint8Array.of(1)));
  if (spec.alpn?.length) {
    const names = spec.alpn.map((n) => new TextEncoder().encode(n));
    out.push(ext(X.alpn, encode((w) => alpn.encode(w, names))));
  }
  if (spec.srpUser !== undefined) out.push(ext(12, encode((w) => w.opaque8(new TextEncoder().encode(spec.srpUser!)))));
  if (spec.etm ?? true) out.push(ext(X.encrypt_then_mac, new Uint8Array(0)));
  if (spec.ems ?? true) out.push(ext(X.extended_master_secret, new Uint8Array(0)));
  if (spec.recordSizeLimit !== undefined) out.push(ext(X.record_size_limit, encode((w) => w.u16(spec.recordSizeLimit!))));
  if (spec.ticket !== undefined) out.push(ext(X.session_ticket, spec.ticket === true ? new Uint8Array(0) : spec.ticket));
  if (spec.cid !== undefined) out.push(ext(X.connection_id, encode((w) => connectionIdExt.encode(w, spec.cid!))));
  out.push(...(spec.extra ?? []));
  if ((spec.reneg ?? 'extension') === 'extension') {
    out.push(ext(X.renegotiation_info, encode((w) => renegotiationInfo.encode(w, spec.renegData ?? new Uint8Array(0)))));
  }
  return out;
}

/** The ClientHello of a spec, with the cookie of a HelloVerifyRequest when there was one. */
export function buildClientHello(spec: HelloSpec, random: Uint8Array, cookie: Uint8Array = new Uint8Array(0)): ClientHello {
  const suites = [...spec.suites];
  if (spec.reneg === 'scsv') suites.push(EMPTY_RENEGOTIATION_INFO_SCSV);
  const hello: ClientHello = {
    clientVersion: spec.version ?? Version.dtls12,
    random,
    sessionId: spec.sessionId ?? new Uint8Array(0),
    cookie,
    cipherSuites: suites,
    compressionMethods: [0],
    extensions: helloExtensions(spec),
  };
  const short = (spec.padTo ?? 0) - encodeHello(hello).length - 4;
  if (short <= 0) return hello;
  return { ...hello, extensions: [...hello.extensions, { type: 21, data: new Uint8Array(short) }] };
}

/** The encoded ClientHello body. */
export function encodeHello(hello: ClientHello): Uint8Array {
  return encode((w) => encodeClientHello(w, hello), 512);
}
