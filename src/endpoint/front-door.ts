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
import { HandshakeType } from '../handshake/registry.js';
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
