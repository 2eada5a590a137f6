/**
 * What a DTLS 1.3 resumption ticket carries (RFC 8446 §4.6.1: the server
 * must recover the resumption PSK and the parameters it was made under), and
 * the client's copy of a ticket. Tickets are sealed with the server's
 * {@link TicketKeys}, the same keys as DTLS 1.2's tickets (`ticketKeys`).
 *
 * Version separation: the sealed plaintext starts with a version byte —
 * {@link TICKET13_VERSION} here, 1 for a DTLS 1.2 session — and each decoder
 * refuses the other's, so a 1.3 ticket is never accepted as a 1.2 session nor
 * the reverse. The client's copy starts with its own magic ("PDS3") for the
 * same reason (1.2 client sessions start with "PDS1").
 */
import { Reader, copyBytes } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { DecodeError } from '../errors.js';
import type { TicketKeys } from '../handshake/session.js';

/** First byte of a sealed DTLS 1.3 ticket's plaintext (a DTLS 1.2 session's is 1). */
export const TICKET13_VERSION = 0x14;
const CLIENT_MAGIC_13 = 0x50445333; // "PDS3"

/**
 * A DTLS 1.3 session as resumption needs it, and the peer's identity as
 * verified by the full handshake it came from (a resumed session keeps it,
 * like 1.2's `Session`).
 */
export interface Session13 {
  /** The cipher suite of the handshake that made the ticket; resumption must use a suite with the same hash (RFC 8446 §4.2.11). */
  readonly suiteId: number;
  /** The resumption PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  readonly psk: Uint8Array;
  /**
   * Server side: the same PSK derived with TLS 1.3's `"tls13 "` label prefix,
   * as wolfSSL before 5.6.2 derives it in DTLS 1.3 (its issue 6366). Tried
   * only when a binder does not verify under `psk`, so that such clients
   * resume; both derive from the one resumption_master_secret.
   */
  readonly pskTls13Label?: Uint8Array;
  /** ticket_age_add of the NewSessionTicket (RFC 8446 §4.6.1), to de-obfuscate the client's ticket age. */
  readonly ticketAgeAdd: number;
  /** When the ticket was issued (server) or received (client), milliseconds since the epoch. */
  readonly created: number;
  /** ticket_lifetime announced, seconds (at most 604800). */
  readonly lifetime: number;
  /** Always 0: this stack never offers early data (RFC 9147 §6.1 epoch 1 is refused). */
  readonly maxEarlyData: 0;
  /** The ALPN protocol agreed, if any (RFC 8446 §4.6.1: checked when accepting early data; kept for the resumed connection). */
  readonly alpn?: Uint8Array;
  readonly servername?: string;
  /** The peer's certificate chain, DER, leaf first. */
  readonly peerCertificates: readonly Uint8Array[];
  readonly authorized: boolean;
  /** The peer's raw public key (SubjectPublicKeyInfo, DER) when it authenticated with one (RFC 7250). */
  readonly peerRawPublicKey?: Uint8Array;
  /** The external PSK identity of the original handshake, if it was PSK-only. */
  readonly pskIdentity?: string;
}

/** The client's copy: the session plus the ticket to send back. */
export interface ClientSession13 extends Session13 {
  readonly ticket: Uint8Array;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8: a name that does not decode is malformed (and would not re-encode to its bytes). */
function utf8(b: Uint8Array, what: string): string {
  try {
    return UTF8.decode(b);
  } catch {
    throw new DecodeError(`${what}: not UTF-8`);
  }
}

const readU32 = (r: Reader, what: string): number => r.u16(what) * 0x10000 + r.u16(what);
const writeU32 = (w: Writer, v: number): Writer => w.u16(Math.floor(v / 0x10000) & 0xffff).u16(v & 0xffff);

function writeSession13(w: Writer, s: Session13): void {
  if (s.psk.length !== 32 && s.psk.length !== 48) throw new RangeError(`resumption PSK of ${s.psk.length} bytes`);
  const rpk = s.peerRawPublicKey;
  w.u8(TICKET13_VERSION).u16(s.suiteId).opaque8(s.psk).opaque8(s.pskTls13Label ?? new Uint8Array(0));
  writeU32(w, s.ticketAgeAdd);
  w.u48(s.created);
  writeU32(w, s.lifetime);
  writeU32(w, s.maxEarlyData);
  w.u8((s.authorized ? 1 : 0) | (rpk ? 2 : 0));
  w.vec24((w) => s.peerCertificates.forEach((c) => w.opaque24(c)));
  w.opaque16(new TextEncoder().encode(s.pskIdentity ?? ''));
  w.opaque8(new TextEncoder().encode(s.servername ?? ''));
  w.opaque8(s.alpn ?? new Uint8Array(0));
  if (rpk) w.opaque16(rpk);
}

function readSession13(r: Reader): Session13 {
  const version = r.u8('ticket version');
  if (version !== TICKET13_VERSION) throw new DecodeError(`not a DTLS 1.3 ticket (version ${version})`);
  const suiteId = r.u16('suite');
  const psk = copyBytes(r.vec8(32, 48, 'psk'));
  if (psk.length !== 32 && psk.length !== 48) throw new DecodeError(`psk: ${psk.length} bytes`);
  const pskTls13Label = copyBytes(r.vec8(0, 48, 'psk (tls13 label)'));
  if (pskTls13Label.length !== 0 && pskTls13Label.length !== psk.length) throw new DecodeError(`psk (tls13 label): ${pskTls13Label.length} bytes`);
  const ticketAgeAdd = readU32(r, 'ticket_age_add');
  const created = r.u48('created');
  const lifetime = readU32(r, 'lifetime');
  const maxEarlyData = readU32(r, 'max_early_data');
  if (maxEarlyData !== 0) throw new DecodeError('max_early_data must be 0');
  const flags = r.u8('flags');
  if ((flags & ~3) !== 0) throw new DecodeError(`flags ${flags}`);
  const certs = r.subVec24(0, 0xffffff, 'peer certificates');
  const peerCertificates: Uint8Array[] = [];
  while (certs.remaining > 0) peerCertificates.push(copyBytes(certs.vec24(1, 0xffffff, 'certificate')));
  const pskIdentity = utf8(r.vec16(0, 0xffff, 'psk identity'), 'psk identity');
  const servername = utf8(r.vec8(0, 255, 'servername'), 'servername');
  const alpn = copyBytes(r.vec8(0, 255, 'alpn'));
  const rpk = (flags & 2) !== 0 ? copyBytes(r.vec16(1, 0xffff, 'raw public key')) : undefined;
  return {
    suiteId, psk, ...(pskTls13Label.length > 0 && { pskTls13Label }), ticketAgeAdd, created, lifetime, maxEarlyData: 0, peerCertificates, authorized: (flags & 1) !== 0,
    ...(pskIdentity && { pskIdentity }), ...(servername && { servername }), ...(alpn.length > 0 && { alpn }), ...(rpk && { peerRawPublicKey: rpk }),
  };
}

/** The plaintext of a DTLS 1.3 ticket. */
export function encodeSession13(s: Session13): Uint8Array {
  const w = new Writer();
  writeSession13(w, s);
  return w.finish();
}

/** Parse a ticket's plaintext; throws DecodeError for anything else, a DTLS 1.2 session included. */
export function decodeSession13(b: Uint8Array): Session13 {
  const r = new Reader(b);
  const s = readSession13(r);
  r.end('ticket');
  return s;
}

/** Seal a session into the opaque `ticket` of a NewSessionTicket (RFC 8446 §4.6.1), with the current ticket key. */
export function sealTicket13(keys: TicketKeys, s: Session13): Uint8Array {
  const plain = encodeSession13(s);
  const ticket = keys.sealBytes(plain);
  plain.fill(0);
  return ticket;
}

/**
 * The session inside a ticket the client offered, or undefined: unknown key,
 * forged, not a DTLS 1.3 ticket (a DTLS 1.2 one included), or older than its
 * lifetime or the keys' (RFC 8446 §4.6.1: never longer than 7 days). `nowMs`
 * is milliseconds since the epoch. Never throws.
 */
export function openTicket13(keys: TicketKeys, ticket: Uint8Array, nowMs: number): Session13 | undefined {
  const plain = keys.openBytes(ticket);
  if (!plain) return undefined;
  try {
    const s = decodeSession13(plain);
    const lifetimeMs = Math.min(s.lifetime, keys.lifetimeSeconds, 604800) * 1000;
    if (nowMs - s.created > lifetimeMs) return undefined;
    return s;
  } catch {
    return undefined;
  } finally {
    plain.fill(0);
  }
}

/** The client's session as an opaque byte string (for `getSession()` / `connect({ session })`). */
export function encodeClientSession13(s: ClientSession13): Uint8Array {
  const w = new Writer(512);
  writeU32(w, CLIENT_MAGIC_13);
  writeSession13(w, s);
  w.opaque16(s.ticket);
  return w.finish();
}

/** Parse a client session; throws DecodeError when it is not a DTLS 1.3 one of ours (a DTLS 1.2 session included). */
export function decodeClientSession13(b: Uint8Array): ClientSession13 {
  const r = new Reader(b);
  if (readU32(r, 'magic') !== CLIENT_MAGIC_13) throw new DecodeError('not a puredtls DTLS 1.3 session');
  const s = readSession13(r);
  const ticket = copyBytes(r.vec16(1, 0xffff, 'ticket'));
  r.end('session');
  return { ...s, ticket };
}
