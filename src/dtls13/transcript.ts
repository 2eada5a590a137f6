/**
 * The DTLS 1.3 handshake transcript (RFC 9147 §5.2): "the message transcript
 * is computed over the original TLS 1.3-style Handshake messages without the
 * message_seq, fragment_offset, and fragment_length values" — each message
 * as `msg_type(1) ‖ length(3) ‖ body`, not as the 12-byte DTLS header that
 * DTLS 1.2 hashes. Also: the synthetic `message_hash` that replaces the first
 * ClientHello after a HelloRetryRequest (RFC 8446 §4.4.1), and the truncated
 * ClientHello that PSK binders are computed over (RFC 8446 §4.2.11.2).
 */
import { Reader } from '../codec/reader.js';
import { concatBytes } from '../crypto/bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { DecodeError } from '../errors.js';
import { ExtensionType, HandshakeType } from '../handshake/registry.js';
import { type Tls13Hash, hashLength } from './hkdf.js';

/** Length of the TLS 1.3 handshake header: msg_type(1) ‖ uint24 length. */
export const TLS13_HANDSHAKE_HEADER_LENGTH = 4;

/**
 * A handshake message in TLS 1.3 form (RFC 8446 §4):
 * ```
 * struct { HandshakeType msg_type; uint24 length; select (msg_type) { ... } body; } Handshake;
 * ```
 */
export function tls13Message(msgType: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(TLS13_HANDSHAKE_HEADER_LENGTH + body.length);
  writeTls13Message(out, 0, msgType, body);
  return out;
}

/** Write `msg_type ‖ uint24 length ‖ body` at `at` of `out` (which has the room). */
function writeTls13Message(out: Uint8Array, at: number, msgType: number, body: Uint8Array): void {
  if (body.length > 0xffffff) throw new RangeError(`handshake body of ${body.length} bytes`);
  out[at] = msgType;
  out[at + 1] = (body.length >>> 16) & 0xff;
  out[at + 2] = (body.length >>> 8) & 0xff;
  out[at + 3] = body.length & 0xff;
  out.set(body, at + TLS13_HANDSHAKE_HEADER_LENGTH);
}

/**
 * The synthetic message that stands for the first ClientHello after a
 * HelloRetryRequest (RFC 8446 §4.4.1):
 * `message_hash(254) ‖ 00 00 ‖ Hash.length ‖ Hash(ClientHello1)`, where
 * ClientHello1 is in TLS 1.3 form. Takes the hash, so that a stateless server
 * can keep only the hash in its cookie (RFC 9147 §5.1).
 */
export function messageHashMessage(clientHello1Hash: Uint8Array): Uint8Array {
  if (clientHello1Hash.length !== 32 && clientHello1Hash.length !== 48) {
    throw new RangeError(`message_hash of a ${clientHello1Hash.length}-byte hash`);
  }
  return tls13Message(HandshakeType.message_hash, clientHello1Hash);
}

/**
 * The running transcript of one handshake, kept as bytes: the hash is known
 * only once the ServerHello picked the suite, and a HelloRetryRequest
 * rewrites the beginning. Holds copies of what it is given, in one buffer
 * that grows by doubling: a handshake hashes its transcript after most
 * messages, and appending never copies what is already there more than a few
 * times (a buffer outgrown is wiped).
 */
export class Transcript13 {
  private buf = new Uint8Array(0);
  private total = 0;
  /**
   * The hash of the transcript as it stands, kept until a message is added:
   * the server hashes the transcript through its Finished for the
   * application secrets and again to check the client's Finished.
   */
  private lastHash: { readonly provider: CryptoProvider; readonly alg: Tls13Hash; readonly value: Uint8Array } | undefined;

  /** Append a message given by its type and body (the DTLS header fields are not hashed: RFC 9147 §5.2). */
  add(msgType: number, body: Uint8Array): void {
    if (body.length > 0xffffff) throw new RangeError(`handshake body of ${body.length} bytes`);
    const at = this.reserve(TLS13_HANDSHAKE_HEADER_LENGTH + body.length);
    writeTls13Message(this.buf, at, msgType, body);
  }

  /** Append a message already in TLS 1.3 form (4-byte header), e.g. a `message_hash`. */
  addMessage(message: Uint8Array): void {
    const at = this.reserve(message.length);
    this.buf.set(message, at);
  }

  /** Room for `n` more bytes; returns where they go. */
  private reserve(n: number): number {
    this.lastHash = undefined;
    const at = this.total;
    if (at + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(at + n, 2 * this.buf.length, 1024));
      grown.set(this.buf.subarray(0, at));
      this.buf.fill(0);
      this.buf = grown;
    }
    this.total = at + n;
    return at;
  }

  /** Number of bytes held. */
  get length(): number {
    return this.total;
  }

  /** All messages so far, concatenated: a view, valid until the next change. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.total);
  }

  /** Transcript-Hash of the messages so far (RFC 8446 §4.4.1). */
  hash(provider: CryptoProvider, hash: Tls13Hash): Uint8Array {
    const c = this.lastHash;
    if (c !== undefined && c.provider === provider && c.alg === hash) return c.value.slice();
    const value = provider.hash(hash, this.bytes());
    this.lastHash = { provider, alg: hash, value: value.slice() };
    return value;
  }

  /** Transcript-Hash of the messages so far followed by `more`, without adding it (a truncated ClientHello for a binder). */
  hashWith(provider: CryptoProvider, hash: Tls13Hash, more: Uint8Array): Uint8Array {
    return provider.hash(hash, concatBytes(this.bytes(), more));
  }

  /**
   * After a HelloRetryRequest (RFC 8446 §4.4.1): the transcript so far must
   * be exactly the first ClientHello; it becomes `message_hash` of it. The
   * caller then adds the HelloRetryRequest and the second ClientHello.
   */
  replaceClientHelloWithMessageHash(provider: CryptoProvider, hash: Tls13Hash): void {
    const ch1 = this.bytes();
    if (ch1.length === 0 || ch1[0] !== HandshakeType.client_hello) throw new RangeError('the transcript does not start with a ClientHello');
    const synthetic = messageHashMessage(provider.hash(hash, ch1));
    hashLength(hash);
    this.clear();
    this.addMessage(synthetic);
  }

  /** Forget the messages (wiped). */
  clear(): void {
    this.lastHash = undefined;
    this.buf.fill(0);
    this.buf = new Uint8Array(0);
    this.total = 0;
  }
}

/**
 * The ClientHello layout: DTLS 1.3's has `legacy_cookie` after
 * `legacy_session_id` (RFC 9147 §5.3), TLS 1.3's does not (RFC 8446 §4.1.2;
 * for checking against RFC 8448).
 */
export type HelloFormat = 'dtls' | 'tls';

/** Where a ClientHello's PSK binders sit (RFC 8446 §4.2.11.2). */
export interface BinderLayout {
  /** Length of the ClientHello body up to, not including, the `binders` vector. */
  readonly truncatedBodyLength: number;
  /** The binders, in identity order. */
  readonly binders: readonly Uint8Array[];
}

/**
 * Find the binders of a ClientHello body whose last extension is
 * `pre_shared_key` (RFC 8446 §4.2.11: it "MUST be the last extension"):
 * ```
 * struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
 * opaque PskBinderEntry<32..255>;
 * ```
 * Throws {@link DecodeError} when the ClientHello does not parse, has no
 * `pre_shared_key`, or has it anywhere but last.
 */
export function binderLayout(clientHelloBody: Uint8Array, format: HelloFormat = 'dtls'): BinderLayout {
  const r = new Reader(clientHelloBody);
  r.u16('legacy_version');
  r.bytes(32, 'random');
  r.vec8(0, 32, 'legacy_session_id');
  if (format === 'dtls') r.vec8(0, 255, 'legacy_cookie');
  r.vec16(2, 0xfffe, 'cipher_suites');
  r.vec8(1, 255, 'legacy_compression_methods');
  const exts = r.subVec16(8, 0xffff, 'extensions');
  r.end('ClientHello');
  while (exts.remaining > 0) {
    const type = exts.u16('extension_type');
    const data = exts.subVec16(0, 0xffff, 'extension_data');
    if (type !== ExtensionType.pre_shared_key) continue;
    if (exts.remaining !== 0) throw new DecodeError('pre_shared_key is not the last extension');
    data.vec16(7, 0xffff, 'identities');
    const truncatedBodyLength = data.offset;
    const list = data.subVec16(33, 0xffff, 'binders');
    data.end('pre_shared_key');
    const binders: Uint8Array[] = [];
    while (list.remaining > 0) binders.push(Uint8Array.from(list.vec8(32, 255, 'PskBinderEntry')));
    return { truncatedBodyLength, binders };
  }
  throw new DecodeError('ClientHello has no pre_shared_key');
}

/**
 * The truncated ClientHello that binders cover (RFC 8446 §4.2.11.2): the
 * ClientHello in TLS 1.3 form — its header keeps the full length — up to
 * and not including the `binders` vector of `pre_shared_key`. Append it (with
 * {@link Transcript13.hashWith}) after any earlier messages (ClientHello1 as
 * `message_hash` and the HelloRetryRequest).
 */
export function truncatedClientHello(clientHelloBody: Uint8Array, format: HelloFormat = 'dtls'): Uint8Array {
  const { truncatedBodyLength } = binderLayout(clientHelloBody, format);
  return tls13Message(HandshakeType.client_hello, clientHelloBody).subarray(0, TLS13_HANDSHAKE_HEADER_LENGTH + truncatedBodyLength);
}
