/**
 * The DTLS 1.3 server's reading of a ClientHello and its choices (RFC 8446
 * §4.1.1, RFC 9147 §5.3): the checks a 1.3 ClientHello must pass, cipher
 * suite, key-exchange group and key share, whether a HelloRetryRequest must
 * ask for another share, the tickets among the offered PSKs, and the
 * HelloRetryRequest's body. Used by the server machine (`server13.ts`) and by
 * the stateless front door, which must choose exactly as the machine will.
 *
 * @module
 */
import { Reader } from '../../codec/reader.js';
import { Writer } from '../../codec/writer.js';
import { HandshakeError } from '../../errors.js';
import { findExtension, serverName, supportedGroups } from '../../handshake/extensions.js';
import type { ClientHello } from '../../handshake/messages/client-hello.js';
import { ExtensionType as E, HandshakeType as HT } from '../../handshake/registry.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { TLS13_HANDSHAKE_HEADER_LENGTH, tls13Message } from '../transcript.js';
import type { TicketKeys } from '../../handshake/session.js';
import type { Group13, Server13Config } from '../driver.js';
import type { Tls13Hash } from '../hkdf.js';
import { legacyFieldsAlert } from '../messages/client-hello.js';
import { type KeyShareEntry, decodeKeyShareClientHello } from '../messages/key-share.js';
import { type OfferedPsks, decodeOfferedPsks } from '../messages/pre-shared-key.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../messages/server-hello.js';
import { PskKeyExchangeMode, decodePskKeyExchangeModes, decodeSignatureSchemeList } from '../messages/simple-extensions.js';
import { DtlsVersion, decodeSupportedVersionsList } from '../messages/supported-versions.js';
import { type Session13, openTicket13 } from '../session.js';
import { type Suite13, suite13ById } from '../suites.js';
import { group13Id } from './common13.js';

/** What a DTLS 1.3 server reads from a ClientHello, checked once. */
export interface ClientHello13 {
  readonly hello: ClientHello;
  /** supported_groups, as NamedGroup code points (empty when absent). */
  readonly groups: readonly number[];
  /** key_share's entries (empty when absent, or when the client waits for a HelloRetryRequest). */
  readonly shares: readonly KeyShareEntry[];
  /** signature_algorithms (absent: no certificate authentication is possible). */
  readonly sigAlgs?: readonly number[];
  /** pre_shared_key, the last extension. */
  readonly psks?: OfferedPsks;
  /** psk_key_exchange_modes. */
  readonly pskModes: readonly number[];
  /** server_name, when it names a host. */
  readonly servername?: string;
}

const decodeWith = <T>(data: Uint8Array, f: (r: Reader) => T): T => f(new Reader(data));

/**
 * Check a ClientHello for DTLS 1.3 and read what the server needs (RFC 9147
 * §5.3, RFC 8446 §4.1.2, §4.2, §9.2). Throws a `HandshakeError` with the
 * alert to send, or a `DecodeError` (decode_error) for a malformed extension.
 */
export function readClientHello13(hello: ClientHello): ClientHello13 {
  if (hello.clientVersion !== DtlsVersion.DTLS1_2) {
    throw new HandshakeError('ERR_DTLS_PROTOCOL_VERSION', `DTLS 1.3 ClientHello with legacy_version 0x${hello.clientVersion.toString(16)} (must be 0xfefd)`, 'protocol_version');
  }
  const legacy = legacyFieldsAlert(hello);
  if (legacy !== undefined) {
    throw new HandshakeError('ERR_DTLS_BAD_CLIENT_HELLO', 'DTLS 1.3 ClientHello with a legacy_cookie, a compression method other than null, or no extensions', legacy);
  }
  const exts = hello.extensions;
  const sv = findExtension(exts, E.supported_versions);
  if (sv === undefined || !decodeWith(sv, decodeSupportedVersionsList).versions.includes(DtlsVersion.DTLS1_3)) {
    throw new HandshakeError('ERR_DTLS_PROTOCOL_VERSION', 'client does not offer DTLS 1.3', 'protocol_version');
  }
  const groupsExt = findExtension(exts, E.supported_groups);
  const groups = groupsExt !== undefined ? supportedGroups.decode(groupsExt) : [];
  const ksExt = findExtension(exts, E.key_share);
  const shares = ksExt !== undefined ? decodeWith(ksExt, decodeKeyShareClientHello).clientShares : [];
  if (ksExt !== undefined && groupsExt === undefined) {
    throw new HandshakeError('ERR_DTLS_MISSING_EXTENSION', 'key_share without supported_groups', 'missing_extension');
  }
  const seen = new Set<number>();
  for (const s of shares) {
    // RFC 8446 §4.2.8: one share per group, each for a group in supported_groups.
    if (seen.has(s.group) || !groups.includes(s.group)) {
      throw new HandshakeError('ERR_DTLS_BAD_KEY_SHARE', `key_share for group 0x${s.group.toString(16)} twice or not in supported_groups`, 'illegal_parameter');
    }
    seen.add(s.group);
  }
  const sigExt = findExtension(exts, E.signature_algorithms);
  const pskExt = findExtension(exts, E.pre_shared_key);
  const modesExt = findExtension(exts, E.psk_key_exchange_modes);
  let psks: OfferedPsks | undefined;
  if (pskExt !== undefined) {
    if (exts[exts.length - 1]!.type !== E.pre_shared_key) {
      throw new HandshakeError('ERR_DTLS_BAD_PSK', 'pre_shared_key is not the last extension', 'illegal_parameter');
    }
    if (modesExt === undefined) throw new HandshakeError('ERR_DTLS_MISSING_EXTENSION', 'pre_shared_key without psk_key_exchange_modes', 'missing_extension');
    psks = decodeWith(pskExt, decodeOfferedPsks);
    if (psks.identities.length !== psks.binders.length) {
      throw new HandshakeError('ERR_DTLS_BAD_PSK', 'pre_shared_key has not one binder per identity', 'illegal_parameter');
    }
  }
  const sniExt = findExtension(exts, E.server_name);
  const servername = sniExt !== undefined && sniExt.length > 0 ? serverName.decode(sniExt) : undefined;
  return {
    hello, groups, shares, pskModes: modesExt !== undefined ? decodeWith(modesExt, decodePskKeyExchangeModes).keModes : [],
    ...(sigExt !== undefined && { sigAlgs: decodeWith(sigExt, decodeSignatureSchemeList).schemes }),
    ...(psks && { psks }), ...(servername !== undefined && { servername }),
  };
}

/** The suite: the first of ours (server preference, RFC 8446 §4.1.1) the client offers, with `hash` when a PSK needs it. */
export function chooseSuite13(ch: ClientHello13, suites: readonly Suite13[], hash?: Tls13Hash): Suite13 | undefined {
  const offered = suites.filter((s) => ch.hello.cipherSuites.includes(s.id));
  return (hash !== undefined ? offered.find((s) => s.hash === hash) : undefined) ?? offered[0];
}

/**
 * The (EC)DHE group: our most preferred one the client sent a share for;
 * failing that, our most preferred one it supports (a HelloRetryRequest must
 * then ask for its share).
 */
export function chooseGroup13(ch: ClientHello13, groups: readonly Group13[]): { group: Group13; share?: KeyShareEntry } | undefined {
  for (const group of groups) {
    const share = ch.shares.find((s) => s.group === group13Id(group));
    if (share) return { group, share };
  }
  const group = groups.find((g) => ch.groups.includes(group13Id(g)));
  return group && { group };
}

/** A ticket the client offered that we can resume: its index among the identities, and the session. */
export interface OfferedTicket {
  readonly index: number;
  readonly session: Session13;
}

/**
 * The first offered identity that is a ticket of ours (RFC 8446 §4.6.1),
 * unexpired, for a suite we allow, for the server name asked now, and
 * resumable under this configuration (a session without a trusted client
 * certificate is not resumed when one is required). Never throws.
 */
export function findTicket(ch: ClientHello13, cfg: Server13Config, nowMs: number): OfferedTicket | undefined {
  const keys: TicketKeys | undefined = cfg.sessions?.tickets;
  if (!keys || !ch.psks) return undefined;
  const ids = ch.psks.identities;
  for (let index = 0; index < ids.length; index++) {
    const session = openTicket13(keys, ids[index]!.identity, nowMs);
    if (!session) continue;
    const suite = suite13ById(session.suiteId);
    if (!suite || !cfg.suites13.some((s) => s.hash === suite.hash && ch.hello.cipherSuites.includes(s.id))) continue;
    if (cfg.requestCert && cfg.rejectUnauthorized && !session.authorized && session.pskIdentity === undefined) continue;
    // A session is for the server name it was made for (RFC 8446 §4.6.1, RFC 6066 §3): another name gets a full handshake.
    if (session.servername !== ch.servername) continue;
    return { index, session };
  }
  return undefined;
}

/**
 * The hash a PSK the client offered would need (RFC 8446 §4.2.11): a
 * ticket's suite hash; SHA-256 for an external PSK (the default when none
 * was agreed) when we have external PSKs; undefined otherwise.
 */
export function pskHash(ch: ClientHello13, cfg: Server13Config, ticket: OfferedTicket | undefined): Tls13Hash | undefined {
  if (ticket) return suite13ById(ticket.session.suiteId)!.hash;
  return ch.psks && cfg.psk ? 'sha256' : undefined;
}

/** Does the client accept this PSK key exchange mode (RFC 8446 §4.2.9)? */
export function offersMode(ch: ClientHello13, mode: keyof typeof PskKeyExchangeMode): boolean {
  return ch.pskModes.includes(PskKeyExchangeMode[mode]);
}

/** What a HelloRetryRequest says: the suite it fixes and, when it asks for one, the group of the key share wanted. */
export interface HelloRetryChoice {
  readonly suite: Suite13;
  readonly group?: Group13;
}

/**
 * The choice a HelloRetryRequest answering this ClientHello makes (RFC 8446
 * §4.1.4, RFC 9147 §5.1), as the server machine will make it: the suite, and
 * a group when the client sent no share we accept and a handshake with
 * (EC)DHE needs one (a full handshake, or psk_dhe_ke). A client that offers
 * only psk_ke with a PSK we may accept needs no share. Throws a
 * `HandshakeError` (with its alert) when the ClientHello cannot lead to a
 * DTLS 1.3 handshake with us. `nowMs` dates tickets.
 */
export function chooseHelloRetry(hello: ClientHello, cfg: Server13Config, nowMs: number): HelloRetryChoice {
  const ch = readClientHello13(hello);
  const hash = pskHash(ch, cfg, findTicket(ch, cfg, nowMs));
  const suite = chooseSuite13(ch, cfg.suites13, hash);
  if (!suite) throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no DTLS 1.3 cipher suite in common', 'handshake_failure');
  const g = chooseGroup13(ch, cfg.groups13);
  if (g?.share) return { suite };
  const pskKe = hash !== undefined && offersMode(ch, 'psk_ke');
  if (pskKe && !offersMode(ch, 'psk_dhe_ke')) return { suite };
  if (g) return { suite, group: g.group };
  if (pskKe) return { suite };
  throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no key-exchange group in common', 'handshake_failure');
}

/**
 * The legacy_session_id_echo of our ServerHello or HelloRetryRequest. RFC
 * 9147 §5.3: a DTLS 1.3 server does not echo the client's legacy_session_id,
 * so it is empty — except for a client that resumes (offers pre_shared_key)
 * with a non-empty legacy_session_id. wolfSSL up to 5.9.0 sends its session's
 * ID there and aborts (INVALID_PARAMETER) unless it comes back, as its own
 * servers did (later wolfSSL keeps that behind WOLFSSL_DTLS13_5_9_0_COMPAT).
 * A conformant client sends an ID only for a pre-1.3 session it holds, which
 * it does not offer beside a DTLS 1.3 PSK; an empty one is never echoed.
 */
export function legacySessionIdEcho(hello: ClientHello): Uint8Array {
  if (hello.sessionId.length === 0 || findExtension(hello.extensions, E.pre_shared_key) === undefined) return new Uint8Array(0);
  return hello.sessionId;
}

/** What a HelloRetryRequest says (its body is fixed by these). */
export interface HelloRetryRequestFields {
  readonly suite: Suite13;
  /** The group of the key share asked for, when one is. */
  readonly group?: Group13 | undefined;
  /** The cookie extension's value; none when empty. */
  readonly cookie?: Uint8Array | undefined;
  readonly echo: Uint8Array;
}

/** The length of a HelloRetryRequest's body ({@link writeHelloRetryRequest}). */
export function helloRetryRequestLength(m: HelloRetryRequestFields): number {
  const cookie = m.cookie?.length ?? 0;
  // legacy_version, random, legacy_session_id_echo, suite, compression, the extensions' length,
  // supported_versions, key_share, cookie (each extension: type, length, data).
  return 2 + 32 + 1 + m.echo.length + 2 + 1 + 2 + 6 + (m.group !== undefined ? 6 : 0) + (cookie > 0 ? 6 + cookie : 0);
}

/**
 * Write a HelloRetryRequest's body (RFC 8446 §4.1.4, RFC 9147 §5.4):
 * legacy_version 0xfefd, the HelloRetryRequest random, the
 * legacy_session_id_echo ({@link legacySessionIdEcho}), the suite, and the
 * extensions supported_versions (0xfefc), key_share (the group wanted, when
 * one is) and cookie (when given) — in that order, byte for byte what the
 * server machine puts in the transcript. The stateless front door writes it
 * straight into the record it sends.
 */
export function writeHelloRetryRequest(w: Writer, m: HelloRetryRequestFields): void {
  const cookie = m.cookie?.length ?? 0;
  w.u16(DtlsVersion.DTLS1_2).bytes(HELLO_RETRY_REQUEST_RANDOM).opaque8(m.echo).u16(m.suite.id).u8(0);
  w.u16(6 + (m.group !== undefined ? 6 : 0) + (cookie > 0 ? 6 + cookie : 0));
  w.u16(E.supported_versions).u16(2).u16(DtlsVersion.DTLS1_3);
  if (m.group !== undefined) w.u16(E.key_share).u16(2).u16(group13Id(m.group));
  if (cookie > 0) w.u16(E.cookie).u16(2 + cookie).u16(cookie).bytes(m.cookie!);
}

/** A HelloRetryRequest's body ({@link writeHelloRetryRequest}). */
export function helloRetryRequestBody(suite: Suite13, group: Group13 | undefined, cookie: Uint8Array | undefined, echo: Uint8Array = new Uint8Array(0)): Uint8Array {
  const m = { suite, group, cookie, echo };
  const w = new Writer(helloRetryRequestLength(m));
  writeHelloRetryRequest(w, m);
  return w.finish();
}

/**
 * Hash(ClientHello1) in TLS 1.3 form (RFC 8446 §4.4.1), with the hash of the
 * suite the HelloRetryRequest names: what a stateless HelloRetryRequest
 * cookie keeps (`HelloRetryState.clientHello1Hash`).
 */
export function clientHello1Hash(provider: CryptoProvider, suite: Suite13, clientHelloBody: Uint8Array): Uint8Array {
  // The stateless front door hashes every hello of a flood: the message goes
  // through one reused buffer instead of a fresh copy (see src/codec/writer.ts).
  const n = TLS13_HANDSHAKE_HEADER_LENGTH + clientHelloBody.length;
  if (n > helloScratch.length) return provider.hash(suite.hash, tls13Message(HT.client_hello, clientHelloBody));
  helloScratch[0] = HT.client_hello;
  helloScratch[1] = (clientHelloBody.length >>> 16) & 0xff;
  helloScratch[2] = (clientHelloBody.length >>> 8) & 0xff;
  helloScratch[3] = clientHelloBody.length & 0xff;
  helloScratch.set(clientHelloBody, TLS13_HANDSHAKE_HEADER_LENGTH);
  return provider.hash(suite.hash, helloScratch.subarray(0, n));
}
const helloScratch = new Uint8Array(1536);
