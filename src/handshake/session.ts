import { toHex as hex } from '../codec/bytes.js';
import { Reader, copyBytes } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import { DecodeError } from '../errors.js';

/**
 * A resumable session (RFC 5246 §7.3, RFC 5077): what an abbreviated
 * handshake needs, and the peer's identity as verified by the full handshake
 * it came from (a resumed session keeps it).
 */
export interface Session {
  readonly suiteId: number;
  readonly masterSecret: Uint8Array;
  /** The session used the extended master secret (RFC 7627 §5.3: resumption must keep this). */
  readonly extendedMasterSecret: boolean;
  readonly encryptThenMac: boolean;
  /** Seconds since the epoch when the full handshake completed. */
  readonly created: number;
  /** The peer's certificate chain, DER, leaf first. */
  readonly peerCertificates: readonly Uint8Array[];
  readonly authorized: boolean;
  readonly pskIdentity?: string;
  readonly servername?: string;
  /** The peer's raw public key (SubjectPublicKeyInfo, DER) when it authenticated with one (RFC 7250). */
  readonly peerRawPublicKey?: Uint8Array;
}

/** A client's copy: the session plus how to ask for it again. */
export interface ClientSession extends Session {
  /** The session ID the server gave (empty for ticket-only sessions). */
  readonly sessionId: Uint8Array;
  /** The server's ticket (RFC 5077), if any. */
  readonly ticket?: Uint8Array;
  /** The ticket lifetime hint, seconds (0: unspecified). */
  readonly lifetime: number;
}

const SESSION_VERSION = 1;
const CLIENT_MAGIC = 0x50445331; // "PDS1"

function writeSession(w: Writer, s: Session): void {
  w.u8(SESSION_VERSION).u16(s.suiteId).opaque8(s.masterSecret);
  const rpk = s.peerRawPublicKey;
  w.u8((s.extendedMasterSecret ? 1 : 0) | (s.encryptThenMac ? 2 : 0) | (s.authorized ? 4 : 0) | (rpk ? 8 : 0));
  w.u48(s.created);
  w.vec24((w) => s.peerCertificates.forEach((c) => w.opaque24(c)));
  w.opaque16(new TextEncoder().encode(s.pskIdentity ?? ''));
  w.opaque8(new TextEncoder().encode(s.servername ?? ''));
  // Flag 8: the peer's raw public key follows (sessions without it encode as before).
  if (rpk) w.opaque16(rpk);
}

function readSession(r: Reader): Session {
  const version = r.u8('session version');
  if (version !== SESSION_VERSION) throw new DecodeError(`session version ${version}`);
  const suiteId = r.u16('suite');
  const masterSecret = copyBytes(r.vec8(48, 48, 'master secret'));
  const flags = r.u8('flags');
  const created = r.u48('created');
  const certs = r.subVec24(0, 0xffffff, 'peer certificates');
  const peerCertificates: Uint8Array[] = [];
  while (certs.remaining > 0) peerCertificates.push(copyBytes(certs.vec24(1, 0xffffff, 'certificate')));
  const psk = new TextDecoder().decode(r.vec16(0, 0xffff, 'psk identity'));
  const sni = new TextDecoder().decode(r.vec8(0, 255, 'servername'));
  const rpk = (flags & 8) !== 0 ? copyBytes(r.vec16(1, 0xffff, 'raw public key')) : undefined;
  return {
    suiteId, masterSecret, created, peerCertificates,
    extendedMasterSecret: (flags & 1) !== 0, encryptThenMac: (flags & 2) !== 0, authorized: (flags & 4) !== 0,
    ...(psk && { pskIdentity: psk }), ...(sni && { servername: sni }), ...(rpk && { peerRawPublicKey: rpk }),
  };
}

/** Serialize a session for a ticket's plaintext. */
export function encodeSession(s: Session): Uint8Array {
  const w = new Writer();
  writeSession(w, s);
  return w.finish();
}

export function decodeSession(b: Uint8Array): Session {
  const r = new Reader(b);
  const s = readSession(r);
  r.end('session');
  return s;
}

/** The client's session as the opaque Buffer `getSession()` returns and `connect({ session })` takes. */
export function encodeClientSession(s: ClientSession): Uint8Array {
  const w = new Writer(512);
  w.u16(CLIENT_MAGIC >>> 16).u16(CLIENT_MAGIC & 0xffff);
  writeSession(w, s);
  w.opaque8(s.sessionId).opaque16(s.ticket ?? new Uint8Array(0)).u48(s.lifetime);
  return w.finish();
}

/** Parse `connect({ session })`; throws DecodeError when it is not one of ours. */
export function decodeClientSession(b: Uint8Array): ClientSession {
  const r = new Reader(b);
  if (r.u16('magic') !== CLIENT_MAGIC >>> 16 || r.u16('magic') !== (CLIENT_MAGIC & 0xffff)) throw new DecodeError('not a puredtls session');
  const s = readSession(r);
  const sessionId = copyBytes(r.vec8(0, 32, 'session id'));
  const ticket = copyBytes(r.vec16(0, 0xffff, 'ticket'));
  const lifetime = r.u48('lifetime');
  r.end('session');
  return { ...s, sessionId, lifetime, ...(ticket.length > 0 && { ticket }) };
}

/**
 * The server's session-ID cache: bounded (oldest evicted first) and with a
 * lifetime. Entries are removed when they expire or are found unusable.
 */
export class SessionCache {
  private readonly map = new Map<string, Session>();
  constructor(readonly maxSize: number, readonly lifetimeSeconds: number) {}

  get size(): number {
    return this.map.size;
  }

  set(id: Uint8Array, s: Session): void {
    if (this.maxSize <= 0 || id.length === 0) return;
    const k = hex(id);
    this.map.delete(k);
    this.map.set(k, s);
    while (this.map.size > this.maxSize) this.map.delete(this.map.keys().next().value!);
  }

  get(id: Uint8Array, nowSeconds: number): Session | undefined {
    if (id.length === 0) return undefined;
    const k = hex(id);
    const s = this.map.get(k);
    if (!s) return undefined;
    if (nowSeconds - s.created > this.lifetimeSeconds) {
      this.map.delete(k);
      return undefined;
    }
    return s;
  }

  delete(id: Uint8Array): void {
    this.map.delete(hex(id));
  }
}


/** Length of a ticket key: a 16-byte name and a 32-byte AES-256-GCM key. */
export const TICKET_KEY_LENGTH = 48;

/**
 * Session tickets (RFC 5077 §4, the recommended format's spirit): a ticket is
 * `key_name(16) ‖ nonce(12) ‖ AES-256-GCM(session)`, with the key name as
 * additional data. The first key encrypts; every key decrypts, so keys can be
 * rotated and shared between processes.
 */
export class TicketKeys {
  /** Each key with its AEAD, imported once when the key is set (not per ticket). */
  private keys: { name: Uint8Array; key: Uint8Array; aead: Aead }[] = [];

  constructor(private readonly provider: CryptoProvider, keys: readonly Uint8Array[], readonly lifetimeSeconds: number) {
    this.set(keys);
  }

  /** Replace the keys (the first one encrypts new tickets). */
  set(keys: readonly Uint8Array[]): void {
    if (keys.length === 0) throw new RangeError('at least one ticket key is needed');
    this.keys = keys.map((k) => {
      if (!(k instanceof Uint8Array) || k.length !== TICKET_KEY_LENGTH) throw new RangeError(`a ticket key is ${TICKET_KEY_LENGTH} bytes`);
      const key = k.slice(16, 48);
      return { name: k.slice(0, 16), key, aead: this.provider.createAead('aes-256-gcm', key) };
    });
  }

  /** The current keys, concatenated (Node's `getTicketKeys`). */
  get(): Uint8Array[] {
    return this.keys.map((k) => {
      const out = new Uint8Array(48);
      out.set(k.name, 0);
      out.set(k.key, 16);
      return out;
    });
  }

  seal(s: Session): Uint8Array {
    return this.sealBytes(encodeSession(s));
  }

  /**
   * Seal any plaintext with the current key: `key_name ‖ nonce ‖
   * AES-256-GCM(plaintext)`. DTLS 1.2 sessions and DTLS 1.3 tickets share the
   * keys; each plaintext starts with its own version byte, so neither decodes
   * as the other.
   */
  sealBytes(plaintext: Uint8Array): Uint8Array {
    const k = this.keys[0]!;
    const nonce = this.provider.randomBytes(12);
    const body = k.aead.seal(nonce, k.name, plaintext);
    const out = new Uint8Array(16 + 12 + body.length);
    out.set(k.name, 0);
    out.set(nonce, 16);
    out.set(body, 28);
    return out;
  }

  /** The plaintext of a ticket sealed by {@link sealBytes} with any of the keys, or undefined (unknown key, forged). Never throws. */
  openBytes(ticket: Uint8Array): Uint8Array | undefined {
    if (ticket.length < 16 + 12 + 16) return undefined;
    const name = ticket.subarray(0, 16);
    const k = this.keys.find((x) => x.name.every((b, i) => b === name[i]));
    if (!k) return undefined;
    return k.aead.open(ticket.subarray(16, 28), k.name, ticket.subarray(28)) ?? undefined;
  }

  /** The session inside a ticket, or undefined (unknown key, forged, malformed or expired). Never throws. */
  open(ticket: Uint8Array, nowSeconds: number): Session | undefined {
    const plain = this.openBytes(ticket);
    if (!plain) return undefined;
    try {
      const s = decodeSession(plain);
      if (nowSeconds - s.created > this.lifetimeSeconds) return undefined;
      return s;
    } catch {
      return undefined;
    }
  }
}
