/**
 * The DTLS 1.3 client's ClientHello (RFC 9147 §5.3, RFC 8446 §4.1.2): what
 * it offers for 1.3 — supported_versions, key shares, groups, signature
 * schemes, PSKs with their binders (§4.2.11.2) — and, when the client also
 * offers DTLS 1.2, everything the DTLS 1.2 client's hello carries, so that a
 * 1.2 server can answer the same message (RFC 8446 §4.1.2 / Appendix D).
 *
 * @module
 */
import { encode } from '../../codec/writer.js';
import type { ClientPsk } from '../../handshake/client-handshake.js';
import { flagExtension } from '../../handshake/common.js';
import {
  CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, ecPointFormats, renegotiationInfo, serverName,
  signatureAlgorithms, supportedGroups, useSrtp,
} from '../../handshake/extensions.js';
import { type ClientHello, encodeClientHello } from '../../handshake/messages/client-hello.js';
import { SIGNATURE_SCHEMES, groupId } from '../../handshake/negotiation.js';
import { ExtensionType as E, HandshakeType as HT } from '../../handshake/registry.js';
import type { Client13Config, HandshakeDriver13 } from '../driver.js';
import { encodeKeyShareClientHello } from '../messages/key-share.js';
import { encodeOfferedPsks, obfuscateTicketAge } from '../messages/pre-shared-key.js';
import { PskKeyExchangeMode, encodeCookie, encodePskKeyExchangeModes, encodeSignatureSchemeList } from '../messages/simple-extensions.js';
import { DtlsVersion, encodeSupportedVersionsList } from '../messages/supported-versions.js';
import { type ClientSession13, decodeClientSession13 } from '../session.js';
import { suite13ById } from '../suites.js';
import { type Transcript13, truncatedClientHello } from '../transcript.js';
import { type ClientShare13, type Psk13, SCHEMES13, binderLength, computeBinder, ext, group13Id } from './common13.js';

/** A PSK the client offers: the identity on the wire, and for a ticket the session it resumes. */
export interface OfferedPsk13 extends Psk13 {
  readonly identity: Uint8Array;
  readonly session?: ClientSession13;
  /** The external PSK's identity, as text (for `negotiated.pskIdentity`). */
  readonly external?: string;
}

/** A ClientHello as sent: the structure (for a fallback to DTLS 1.2), its body, and the secrets behind its offers. */
export interface SentHello {
  readonly hello: ClientHello;
  readonly body: Uint8Array;
  /** Our key shares, by NamedGroup code point. */
  readonly shares: ReadonlyMap<number, ClientShare13>;
  readonly psks: readonly OfferedPsk13[];
  /** The extension types offered: what a server may answer (RFC 8446 §4.2). */
  readonly offered: ReadonlySet<number>;
}

/**
 * The PSKs to offer (RFC 8446 §4.2.11): the ticket of `session13` first —
 * unless expired, for another server name, or for a hash none of our suites
 * has — then the external PSK, which is SHA-256 (§4.2.11: the default hash).
 */
export function offeredPsks(cfg: Client13Config, nowMs: number, external: ClientPsk | undefined): OfferedPsk13[] {
  const out: OfferedPsk13[] = [];
  const session = resumableSession(cfg, nowMs);
  if (session) {
    out.push({ identity: session.ticket, key: session.psk, hash: suite13ById(session.suiteId)!.hash, kind: 'resumption', session });
  }
  if (external && cfg.suites13.some((s) => s.hash === 'sha256')) {
    out.push({ identity: external.identity, key: external.key, hash: 'sha256', kind: 'external', external: new TextDecoder().decode(external.identity) });
  }
  return out;
}

function resumableSession(cfg: Client13Config, nowMs: number): ClientSession13 | undefined {
  if (!cfg.session13) return undefined;
  let s: ClientSession13;
  try {
    s = decodeClientSession13(cfg.session13);
  } catch {
    return undefined;
  }
  const suite = suite13ById(s.suiteId);
  if (!suite || !cfg.suites13.some((x) => x.hash === suite.hash)) return undefined;
  if (nowMs < s.created || nowMs - s.created > s.lifetime * 1000) return undefined;
  // RFC 8446 §4.6.1: resume only for the server name of the original session.
  if (s.servername !== cfg.servername) return undefined;
  return s;
}

/** What one ClientHello carries beyond the configuration. */
export interface HelloInputs {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly shares: ReadonlyMap<number, ClientShare13>;
  readonly psks: readonly OfferedPsk13[];
  /** The cookie of a HelloRetryRequest (RFC 8446 §4.2.2). */
  readonly cookie?: Uint8Array;
}

/**
 * Build, bind and send a ClientHello (one flight), adding it to the
 * transcript. `transcript` holds what precedes it: nothing, or
 * message_hash(ClientHello1) and the HelloRetryRequest — the binders cover
 * that too (RFC 8446 §4.2.11.2).
 */
export function sendClientHello(d: HandshakeDriver13, cfg: Client13Config, transcript: Transcript13, inp: HelloInputs): SentHello {
  const extensions = helloExtensions(cfg, inp);
  const modes = cfg.pskModes ?? ['psk_dhe_ke', 'psk_ke'];
  if (inp.psks.length > 0 || cfg.sessionTickets !== false) {
    extensions.push(ext(E.psk_key_exchange_modes, (w) => encodePskKeyExchangeModes(w, { keModes: modes.map((m) => PskKeyExchangeMode[m]) })));
  }
  const suites = [...cfg.suites13.map((s) => s.id), ...(cfg.offer12 ? cfg.suites.map((s) => s.id) : [])];
  const base: Omit<ClientHello, 'extensions'> = {
    clientVersion: DtlsVersion.DTLS1_2, random: inp.random, sessionId: inp.sessionId, cookie: new Uint8Array(0),
    cipherSuites: suites, compressionMethods: [0],
  };
  let hello: ClientHello = { ...base, extensions };
  if (inp.psks.length > 0) {
    const now = d.now;
    const identities = inp.psks.map((p) => ({
      identity: p.identity,
      obfuscatedTicketAge: p.session ? obfuscateTicketAge(Math.max(0, Math.floor(now - p.session.created)), p.session.ticketAgeAdd) : 0,
    }));
    const withBinders = (binders: Uint8Array[]): ClientHello => ({
      ...base, extensions: [...extensions, ext(E.pre_shared_key, (w) => encodeOfferedPsks(w, { identities, binders }))],
    });
    // Binders are computed over the hello truncated before them: encode with placeholders of the right lengths first.
    const draft = encode((w) => encodeClientHello(w, withBinders(inp.psks.map((p) => new Uint8Array(binderLength(p.hash))))), 1024);
    const truncated = truncatedClientHello(draft);
    hello = withBinders(inp.psks.map((p) => computeBinder(d.provider, p, transcript, truncated)));
  }
  const body = encode((w) => encodeClientHello(w, hello), 1024);
  transcript.add(HT.client_hello, body);
  d.sendMessage(HT.client_hello, body);
  d.flushFlight();
  return { hello, body, shares: inp.shares, psks: inp.psks, offered: new Set(hello.extensions.map((e) => e.type)) };
}

/** The extensions before psk_key_exchange_modes and pre_shared_key. */
function helloExtensions(cfg: Client13Config, inp: HelloInputs): Extension[] {
  const versions = cfg.offer12 ? [DtlsVersion.DTLS1_3, DtlsVersion.DTLS1_2] : [DtlsVersion.DTLS1_3];
  const groups = cfg.groups13.map(group13Id);
  if (cfg.offer12) for (const g of cfg.groups) if (!groups.includes(groupId(g))) groups.push(groupId(g));
  const schemes = cfg.offer12 ? [...SCHEMES13, ...SIGNATURE_SCHEMES.filter((s) => !SCHEMES13.includes(s))] : [...SCHEMES13];
  const certSchemes = [...SCHEMES13, ...SIGNATURE_SCHEMES.filter((s) => !SCHEMES13.includes(s))];
  const out: Extension[] = [];
  const sni = cfg.servername;
  if (sni && !isIpLiteral(sni)) out.push(ext(E.server_name, (w) => serverName.encode(w, sni)));
  out.push(
    ext(E.supported_versions, (w) => encodeSupportedVersionsList(w, { versions })),
    ext(E.supported_groups, (w) => supportedGroups.encode(w, groups)),
    ext(E.key_share, (w) => encodeKeyShareClientHello(w, {
      clientShares: [...inp.shares].map(([group, s]) => ({ group, keyExchange: s.publicKey })),
    })),
    ext(E.signature_algorithms, (w) => signatureAlgorithms.encode(w, schemes)),
    ext(E.signature_algorithms_cert, (w) => encodeSignatureSchemeList(w, { schemes: certSchemes })),
  );
  const cookie = inp.cookie;
  if (cookie) out.push(ext(E.cookie, (w) => encodeCookie(w, { cookie })));
  if (cfg.alpnProtocols && cfg.alpnProtocols.length > 0) {
    const names = cfg.alpnProtocols;
    out.push(ext(E.application_layer_protocol_negotiation, (w) => alpn.encode(w, names)));
  }
  if (cfg.srtpProfiles && cfg.srtpProfiles.length > 0) {
    const profiles = cfg.srtpProfiles;
    out.push(ext(E.use_srtp, (w) => useSrtp.encode(w, profiles)));
  }
  if (cfg.verifyRawPublicKey) out.push(ext(E.server_certificate_type, (w) => certificateTypes.encodeList(w, [CertificateType.RawPublicKey, CertificateType.X509])));
  if (cfg.rawPublicKey) {
    const types = cfg.certChain.length > 0 ? [CertificateType.RawPublicKey, CertificateType.X509] : [CertificateType.RawPublicKey];
    out.push(ext(E.client_certificate_type, (w) => certificateTypes.encodeList(w, types)));
  }
  const cid = cfg.connectionId;
  if (cid) out.push(ext(E.connection_id, (w) => connectionIdExt.encode(w, cid)));
  if (cfg.offer12) out.push(...dtls12Extensions(cfg));
  return out;
}

/**
 * What only a DTLS 1.2 server reads, as the DTLS 1.2 client sends it
 * (`ClientHandshake.sendHello`): ec_point_formats, extended_master_secret,
 * renegotiation_info, encrypt_then_mac (with a CBC suite), rrc (with a CID,
 * RFC 9853), session_ticket (RFC 5077). A 1.3 server ignores them; they must
 * not come back in a 1.3 ServerHello (`checkExtensions`).
 */
function dtls12Extensions(cfg: Client13Config): Extension[] {
  const out: Extension[] = [
    ext(E.ec_point_formats, (w) => ecPointFormats.encode(w, [0])),
    flagExtension(E.extended_master_secret),
    ext(E.renegotiation_info, (w) => renegotiationInfo.encode(w, new Uint8Array(0))),
  ];
  if (cfg.suites.some((s) => s.protection.kind === 'cbc')) out.push(flagExtension(E.encrypt_then_mac));
  if (cfg.connectionId) out.push(flagExtension(E.rrc));
  const session = cfg.session;
  if (cfg.sessionTickets !== false || session?.ticket) out.push({ type: E.session_ticket, data: session?.ticket ?? new Uint8Array(0) });
  return out;
}

/** The legacy_session_id: a DTLS 1.2 session's ID (or, for a ticket-only one, a random one) when offering 1.2 with one (RFC 8446 §4.1.2). */
export function legacySessionId(d: HandshakeDriver13, cfg: Client13Config): Uint8Array {
  const s = cfg.offer12 ? cfg.session : undefined;
  if (!s) return new Uint8Array(0);
  return s.sessionId.length > 0 ? s.sessionId : d.provider.randomBytes(32);
}

function isIpLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}
