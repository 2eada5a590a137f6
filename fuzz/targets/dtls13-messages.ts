/**
 * Fuzz target: the DTLS 1.3 message and extension decoders. Input: byte 0
 * picks the decoder (modulo their number), the rest is its input.
 *
 * Each decoder throws only DecodeError; what it decodes re-encodes to the
 * same bytes and decodes to the same value. Also: the binder layout of a
 * ClientHello and the ticket plaintext decoder throw only DecodeError, and a
 * truncated ClientHello is a prefix of the message.
 */
import type { Reader } from '../../src/codec/reader.js';
import type { Writer } from '../../src/codec/writer.js';
import { decodeAck, encodeAck } from '../../src/dtls13/messages/ack.js';
import { decodeCertificate13, encodeCertificate13 } from '../../src/dtls13/messages/certificate.js';
import { decodeCertificateRequest13, encodeCertificateRequest13 } from '../../src/dtls13/messages/certificate-request.js';
import { decodeNewConnectionId, decodeRequestConnectionId, encodeNewConnectionId, encodeRequestConnectionId } from '../../src/dtls13/messages/connection-id.js';
import { decodeEncryptedExtensions, encodeEncryptedExtensions } from '../../src/dtls13/messages/encrypted-extensions.js';
import { decodeFinished13, encodeFinished13 } from '../../src/dtls13/messages/finished.js';
import {
  decodeKeyShareClientHello, decodeKeyShareHelloRetryRequest, decodeKeyShareServerHello, encodeKeyShareClientHello,
  encodeKeyShareHelloRetryRequest, encodeKeyShareServerHello,
} from '../../src/dtls13/messages/key-share.js';
import { decodeKeyUpdate, encodeKeyUpdate } from '../../src/dtls13/messages/key-update.js';
import { decodeNewSessionTicket13, encodeNewSessionTicket13 } from '../../src/dtls13/messages/new-session-ticket.js';
import { decodeOfferedPsks, decodeSelectedIdentity, encodeOfferedPsks, encodeSelectedIdentity } from '../../src/dtls13/messages/pre-shared-key.js';
import { decodeServerHello13, encodeServerHello13 } from '../../src/dtls13/messages/server-hello.js';
import {
  decodeConnectionIdExtension, decodeCookie, decodeMaxEarlyDataSize, decodePskKeyExchangeModes, decodeSignatureSchemeList,
  encodeConnectionIdExtension, encodeCookie, encodeMaxEarlyDataSize, encodePskKeyExchangeModes, encodeSignatureSchemeList,
} from '../../src/dtls13/messages/simple-extensions.js';
import {
  decodeSelectedVersion, decodeSupportedVersionsList, encodeSelectedVersion, encodeSupportedVersionsList,
} from '../../src/dtls13/messages/supported-versions.js';
import { decodeSession13, encodeSession13 } from '../../src/dtls13/session.js';
import { binderLayout, truncatedClientHello } from '../../src/dtls13/transcript.js';
import { check, decodeOrReject, equalBytes, roundTrip } from './lib/oracle.js';

type Codec = readonly [string, (r: Reader) => unknown, (w: Writer, m: unknown) => void];
const codec = <T>(name: string, d: (r: Reader) => T, e: (w: Writer, m: T) => void): Codec => [name, d, e as (w: Writer, m: unknown) => void];

/** The decoders, in the order byte 0 selects them (the seeds depend on it: append only). */
export const DTLS13_CODECS: readonly Codec[] = [
  codec('server-hello', decodeServerHello13, encodeServerHello13),
  codec('encrypted-extensions', decodeEncryptedExtensions, encodeEncryptedExtensions),
  codec('certificate-request', decodeCertificateRequest13, encodeCertificateRequest13),
  codec('certificate', decodeCertificate13, encodeCertificate13),
  codec('finished', (r) => decodeFinished13(r), encodeFinished13),
  codec('new-session-ticket', decodeNewSessionTicket13, encodeNewSessionTicket13),
  codec('key-update', decodeKeyUpdate, encodeKeyUpdate),
  codec('ack', decodeAck, encodeAck),
  codec('new-connection-id', decodeNewConnectionId, encodeNewConnectionId),
  codec('request-connection-id', decodeRequestConnectionId, encodeRequestConnectionId),
  codec('supported-versions-list', decodeSupportedVersionsList, encodeSupportedVersionsList),
  codec('selected-version', decodeSelectedVersion, encodeSelectedVersion),
  codec('key-share-client-hello', decodeKeyShareClientHello, encodeKeyShareClientHello),
  codec('key-share-server-hello', decodeKeyShareServerHello, encodeKeyShareServerHello),
  codec('key-share-hrr', decodeKeyShareHelloRetryRequest, encodeKeyShareHelloRetryRequest),
  codec('offered-psks', decodeOfferedPsks, encodeOfferedPsks),
  codec('selected-identity', decodeSelectedIdentity, encodeSelectedIdentity),
  codec('psk-key-exchange-modes', decodePskKeyExchangeModes, encodePskKeyExchangeModes),
  codec('cookie', decodeCookie, encodeCookie),
  codec('max-early-data-size', decodeMaxEarlyDataSize, encodeMaxEarlyDataSize),
  codec('signature-scheme-list', decodeSignatureSchemeList, encodeSignatureSchemeList),
  codec('connection-id', decodeConnectionIdExtension, encodeConnectionIdExtension),
  codec('session13', (r) => decodeSession13(r.rest()), (w, s: Parameters<typeof encodeSession13>[0]) => {
    w.bytes(encodeSession13(s));
  }),
];

/** Selector values past the codecs: the ClientHello binder layout, in both hello formats. */
export const BINDER_LAYOUT_SELECTOR = DTLS13_CODECS.length;

export function fuzz(buf: Buffer): void {
  if (buf.length === 0) return;
  const which = buf[0]! % (DTLS13_CODECS.length + 2);
  const body = buf.subarray(1);
  if (which >= BINDER_LAYOUT_SELECTOR) {
    const format = which === BINDER_LAYOUT_SELECTOR ? 'dtls' : 'tls';
    const layout = decodeOrReject(() => binderLayout(body, format));
    if (layout === undefined) return;
    check(layout.truncatedBodyLength < body.length && layout.binders.length >= 1, 'binder layout out of range');
    const t = truncatedClientHello(body, format);
    check(equalBytes(t.subarray(4), body.subarray(0, layout.truncatedBodyLength)), 'the truncated ClientHello is not a prefix of the body');
    return;
  }
  const [, decode, encode] = DTLS13_CODECS[which]!;
  roundTrip(body, decode, encode);
}
