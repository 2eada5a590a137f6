/**
 * The server's stateless front door (RFC 6347 §4.2.1; S-11…S-14, DOS-01):
 * recognise a ClientHello in a datagram without keeping anything, and answer
 * one without a valid cookie with a HelloVerifyRequest. Nothing is allocated
 * for a client here; the endpoint makes its association only once the
 * cookie verifies. DTLS 1.3's HelloRetryRequest cookie (RFC 9147 §5.1) will
 * sit beside the HelloVerifyRequest.
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { DecodeError } from '../errors.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment, encodeHandshakeFragment } from '../handshake/header.js';
import { type HelloPrefix, decodeClientHello, decodeHelloPrefix } from '../handshake/messages/client-hello.js';
import { encodeHelloVerifyRequest } from '../handshake/messages/hello-verify-request.js';
import { ExtensionType, HandshakeType } from '../handshake/registry.js';
import { ContentType, DTLS1_0, DTLS1_2, RECORD_HEADER_LENGTH } from '../record/content-type.js';
import { type DtlsRecord, encodeRecord, parseDatagram } from '../record/record.js';

/** A ClientHello found in a datagram before any state exists. */
export interface PeekedHello {
  /** The record that carried it (epoch 0). */
  readonly record: DtlsRecord;
  readonly messageSeq: number;
  /**
   * The whole ClientHello, or the prefix the cookie covers when the message is
   * fragmented. Its extensions' data are views into the datagram: read them
   * now, copy what is kept.
   */
  readonly hello: HelloPrefix;
  /** The ClientHello's body, when the record holds it whole. */
  readonly body?: Uint8Array;
}

/** The major byte of every DTLS version (0xFEFF, 0xFEFD, 0xFEFC). */
const DTLS_MAJOR = 0xfe;

/**
 * If the datagram starts with an epoch-0 handshake record holding a
 * ClientHello (or the first fragment of one), decode it. `undefined`: not a
 * ClientHello; `null`: one that must get no answer (malformed, a later
 * fragment, a record version that is not DTLS's, or a declared length above
 * `maxMessage`).
 */
export function peekClientHello(data: Uint8Array, maxMessage: number): PeekedHello | null | undefined {
  if (data.length < RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH || data[0] !== ContentType.handshake || data[3] !== 0 || data[4] !== 0) return undefined;
  if (data[RECORD_HEADER_LENGTH] !== HandshakeType.client_hello) return undefined;
  // A record-layer version that is not a DTLS version (major 0xFE) is not answered.
  if (data[1] !== DTLS_MAJOR) return null;
  const { records } = parseDatagram(data);
  const record = records[0];
  if (!record) return null;
  try {
    const r = new Reader(record.fragment);
    const frag = decodeHandshakeFragment(r);
    // Later fragments of a fragmented ClientHello belong to an association, if any;
    // a ClientHello claiming more than a handshake message may hold is not answered.
    if (frag.fragmentOffset !== 0 || frag.length > maxMessage) return null;
    // A whole ClientHello is decoded completely (SM-26: malformed ones get nothing);
    // the first fragment of one a small MTU split must hold the prefix the cookie
    // covers: version, random, session_id and the cookie itself.
    const whole = frag.body.length === frag.length;
    const hello = whole ? decodeClientHello(new Reader(frag.body), false) : decodeHelloPrefix(new Reader(frag.body));
    return { record, messageSeq: frag.messageSeq, hello, ...(whole && { body: frag.body }) };
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/**
 * Is this datagram a first ClientHello: an epoch-0 handshake record holding a
 * whole ClientHello with no cookie, neither DTLS 1.2's legacy cookie nor DTLS
 * 1.3's cookie extension? Read from the bytes in place, without decoding or
 * allocating, for the hello rate limit: only these may be dropped unread
 * (they cost the server a stateless answer; a hello with a cookie is a client
 * one round trip in). Anything it cannot tell — a fragment, a malformed or
 * truncated hello — is `false`, and takes the normal path.
 */
export function isCookielessHello(data: Uint8Array): boolean {
  const n = data.length;
  const R = RECORD_HEADER_LENGTH;
  if (n < R + HANDSHAKE_HEADER_LENGTH + 35 || data[0] !== ContentType.handshake || data[1] !== DTLS_MAJOR || data[3] !== 0 || data[4] !== 0) return false;
  if (data[R] !== HandshakeType.client_hello) return false;
  const u16 = (i: number) => (data[i]! << 8) | data[i + 1]!;
  const u24 = (i: number) => (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
  const length = u24(R + 1);
  // Whole and unfragmented: offset 0, fragment length = message length, inside the record and the datagram.
  if (R + u16(11) > n || u24(R + 6) !== 0 || u24(R + 9) !== length || HANDSHAKE_HEADER_LENGTH + length > u16(11)) return false;
  const end = R + HANDSHAKE_HEADER_LENGTH + length;
  let i = R + HANDSHAKE_HEADER_LENGTH + 34; // client_version, random
  i += 1 + data[i]!; // session_id
  if (i >= end || data[i] !== 0) return false; // a legacy cookie: a second ClientHello
  i += 1;
  if (i + 2 > end) return false;
  i += 2 + u16(i); // cipher_suites
  if (i + 1 > end) return false;
  i += 1 + data[i]!; // compression_methods
  if (i === end) return true; // no extensions
  if (i + 2 > end || i + 2 + u16(i) !== end) return false;
  for (i += 2; i + 4 <= end; i += 4 + u16(i + 2)) {
    if (u16(i) === ExtensionType.cookie) return false;
  }
  return i === end;
}

/**
 * The HelloVerifyRequest answering `h` (RFC 6347 §4.2.1): server_version
 * 0xfeff, the record sequence number copied from the ClientHello (S-13),
 * never retransmitted. `undefined` when it would be larger than the
 * ClientHello it answers (amplification ≤ 1×).
 */
export function helloVerifyRequest(h: PeekedHello, cookie: Uint8Array, helloSize: number): { record: Uint8Array; fragment: Uint8Array } | undefined {
  const body = new Writer(3 + cookie.length);
  encodeHelloVerifyRequest(body, { serverVersion: DTLS1_0, cookie });
  const b = body.finish();
  const w = new Writer(HANDSHAKE_HEADER_LENGTH + b.length);
  encodeHandshakeFragment(w, HandshakeType.hello_verify_request, b.length, h.messageSeq, 0, b);
  const fragment = w.finish();
  const record = encodeRecord(ContentType.handshake, DTLS1_2, 0, h.record.seq, fragment);
  return record.length > helloSize ? undefined : { record, fragment };
}
