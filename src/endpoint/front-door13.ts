/**
 * DTLS 1.3 at the server's stateless front door (RFC 9147 §5.1, RFC 8446
 * §4.1.4, §4.2.2): which ClientHellos offer 1.3, and the HelloRetryRequest
 * whose cookie lets the server continue from the second ClientHello without
 * having kept anything. The cookie carries what the server decided (suite,
 * group) and the hash of the first ClientHello (it replaces that hello in the
 * transcript, RFC 8446 §4.4.1), with a MAC over the client's address, port
 * and a time period (the 1.2 cookie's secret schedule: servers sharing
 * `cookieSecret` accept each other's cookies).
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { Writer, allocOut } from '../codec/writer.js';
import type { Group13, HelloRetryState } from '../dtls13/driver.js';
import { group13ById, group13Id } from '../dtls13/handshake/common13.js';
import { type HelloRetryRequestFields, helloRetryRequestBody, helloRetryRequestLength, writeHelloRetryRequest } from '../dtls13/handshake/negotiate13.js';
import { DtlsVersion, decodeSupportedVersionsList } from '../dtls13/messages/supported-versions.js';
import { encodePlaintextRecord13 } from '../dtls13/record.js';
import { type Suite13, suite13ById } from '../dtls13/suites.js';
import { DecodeError } from '../errors.js';
import { COOKIE_LENGTH, type CookieFactory } from '../handshake/cookie.js';
import { findExtension } from '../handshake/extensions.js';
import { HANDSHAKE_HEADER_LENGTH } from '../handshake/header.js';
import type { ClientHello } from '../handshake/messages/client-hello.js';
import { ExtensionType, HandshakeType } from '../handshake/registry.js';
import { ContentType, DTLS1_2, RECORD_HEADER_LENGTH } from '../record/content-type.js';

/** Does this ClientHello offer DTLS 1.3 (supported_versions listing 0xFEFC)? Malformed: no. */
export function offersDtls13(hello: ClientHello): boolean {
  const sv = findExtension(hello.extensions, ExtensionType.supported_versions);
  if (sv === undefined) return false;
  try {
    return decodeSupportedVersionsList(new Reader(sv)).versions.includes(DtlsVersion.DTLS1_3);
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
}

/** The cookie extension's value (RFC 8446 §4.2.2), if the hello carries one. */
export function cookieOf(hello: ClientHello): Uint8Array | undefined {
  const ext = findExtension(hello.extensions, ExtensionType.cookie);
  if (ext === undefined) return undefined;
  try {
    const r = new Reader(ext);
    const cookie = r.vec16(1, 0xffff, 'cookie');
    r.end('cookie');
    return cookie;
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/** The fields a cookie carries before its MAC: suite, group (0: none), Hash(ClientHello1). */
function cookiePayload(suite: Suite13, group: Group13 | undefined, clientHello1Hash: Uint8Array): Uint8Array {
  const w = new Writer(5 + clientHello1Hash.length);
  w.u16(suite.id).u16(group === undefined ? 0 : group13Id(group)).opaque8(clientHello1Hash);
  return w.finish();
}

/**
 * A HelloRetryRequest cookie for this client: the payload, then its MAC. Cut
 * from the output slabs: it is written into the HelloRetryRequest and dropped.
 */
export function makeRetryCookie(
  cookies: CookieFactory, address: string, port: number, suite: Suite13, group: Group13 | undefined, clientHello1Hash: Uint8Array, now: number,
): Uint8Array {
  const payload = cookiePayload(suite, group, clientHello1Hash);
  const out = allocOut(payload.length + COOKIE_LENGTH);
  out.set(payload, 0);
  out.set(cookies.macFor(address, port, payload, now), payload.length);
  return out;
}

/**
 * Open a cookie from a second ClientHello: ours, for this address, in this
 * or the previous period, naming a suite we still allow (and its group).
 * Returns the state to continue from, with the HelloRetryRequest rebuilt as
 * it was sent; `undefined` when the cookie is not one.
 */
export function openRetryCookie(
  cookies: CookieFactory, address: string, port: number, cookie: Uint8Array, now: number, suites: readonly Suite13[], echo: Uint8Array,
): HelloRetryState | undefined {
  if (cookie.length <= COOKIE_LENGTH + 5) return undefined;
  const payload = cookie.subarray(0, cookie.length - COOKIE_LENGTH);
  if (!cookies.verifyFor(address, port, payload, cookie.subarray(payload.length), now)) return undefined;
  try {
    const r = new Reader(payload);
    const suite = suite13ById(r.u16('suite'));
    const groupId = r.u16('group');
    const clientHello1Hash = Uint8Array.from(r.vec8(32, 48, 'hash'));
    r.end('cookie');
    const group = groupId === 0 ? undefined : group13ById(groupId);
    if (!suite || !suites.includes(suite) || (groupId !== 0 && group === undefined)) return undefined;
    return { clientHello1Hash, suite, ...(group !== undefined && { group }), helloRetryRequest: helloRetryRequestBody(suite, group, cookie, echo) };
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/**
 * The HelloRetryRequest record answering a first ClientHello: a DTLSPlaintext
 * record with the ClientHello's record sequence number and message_seq (as
 * 1.2's HelloVerifyRequest, S-13), written in one pass into one buffer (a
 * flood of ClientHellos gets one each). `undefined` when it would be larger
 * than the ClientHello (amplification ≤ 1×).
 */
export function helloRetryRequestRecord(
  m: HelloRetryRequestFields, messageSeq: number, recordSeq: number, helloSize: number,
): { record: Uint8Array; fragment: Uint8Array } | undefined {
  const bodyLength = helloRetryRequestLength(m);
  const size = RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + bodyLength;
  if (size > helloSize) return undefined;
  const record = allocOut(size);
  const w = new Writer(record);
  w.u8(ContentType.handshake).u16(DTLS1_2).u16(0).u48(recordSeq).u16(HANDSHAKE_HEADER_LENGTH + bodyLength);
  w.u8(HandshakeType.server_hello).u24(bodyLength).u16(messageSeq).u24(0).u24(bodyLength);
  writeHelloRetryRequest(w, m);
  if (w.finish() !== record) throw new Error(`HelloRetryRequest of ${w.length} bytes, ${size} expected`);
  return { record, fragment: record.subarray(RECORD_HEADER_LENGTH) };
}

/** A fatal alert answering a hello statelessly (a version or suite we cannot speak): small, never amplifying. */
export function plaintextAlert(description: number, recordSeq: number): Uint8Array {
  return encodePlaintextRecord13(ContentType.alert, recordSeq, Uint8Array.of(2, description));
}

