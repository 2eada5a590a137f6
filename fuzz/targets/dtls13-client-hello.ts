/**
 * Fuzz target: how a DTLS 1.3 server reads a ClientHello (RFC 9147 §5.1,
 * §5.3; RFC 8446 §4.1.2, §4.2), before any state exists. Input: a
 * ClientHello body (DTLS form).
 *
 * - `decodeClientHello` throws only `DecodeError`; the front door's
 *   `offersDtls13` and `cookieOf` never throw;
 * - `readClientHello13` (the 1.3 extensions: supported_versions,
 *   supported_groups, key_share, signature_algorithms, pre_shared_key and
 *   psk_key_exchange_modes, server_name) and `chooseHelloRetry` throw only
 *   `DtlsError` (with an alert) or `DecodeError`; what they return holds:
 *   one key share per group, each in supported_groups; one binder per PSK
 *   identity, pre_shared_key last; the suite chosen is offered and ours; a
 *   group asked for is supported, ours, and not already shared;
 * - the HelloRetryRequest built from the choice decodes as one, names that
 *   suite, and carries the cookie back;
 * - `openRetryCookie` never throws; a cookie opens only for the address it
 *   was made for (the seeds' genuine ones, for the recordings' client), to
 *   a consistent state;
 * - the same hello in a record: `peekClientHello` never throws.
 */
import { resolveServerConfig } from '../../src/config.js';
import { Reader } from '../../src/codec/reader.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { chooseHelloRetry, helloRetryRequestBody, readClientHello13 } from '../../src/dtls13/handshake/negotiate13.js';
import { group13Id } from '../../src/dtls13/handshake/common13.js';
import { decodeServerHello13, isHelloRetryRequest } from '../../src/dtls13/messages/server-hello.js';
import { encodePlaintextRecord13 } from '../../src/dtls13/record.js';
import { cookieOf, offersDtls13, openRetryCookie } from '../../src/endpoint/front-door13.js';
import { peekClientHello } from '../../src/endpoint/front-door.js';
import { DecodeError, DtlsError } from '../../src/errors.js';
import { CookieFactory } from '../../src/handshake/cookie.js';
import { encodeHandshakeFragment } from '../../src/handshake/header.js';
import { decodeClientHello } from '../../src/handshake/messages/client-hello.js';
import { ExtensionType as E, HandshakeType as HT } from '../../src/handshake/registry.js';
import { ContentType } from '../../src/record/content-type.js';
import { encode } from '../../src/codec/writer.js';
import { check, decodeOrReject } from './lib/oracle.js';
import serverKey from '../../test/fixtures/pki/server-ecdsa-p256.key.pem';
import serverCert from '../../test/fixtures/pki/server-ecdsa-p256.crt.pem';

const T = 1_000_000;
const config = resolveServerConfig({
  key: serverKey, cert: serverCert, crypto: nodeProvider, cookieSecret: new Uint8Array(32).fill(0x5a),
  ticketKeys: new Uint8Array(48).fill(0x77), pskCallback: (id) => (id === 'fuzz' ? new Uint8Array(32).fill(1) : null),
}).config.handshake;
const cookies = new CookieFactory(nodeProvider, new Uint8Array(32).fill(0x5a));

/** Run `fn`; a DtlsError or DecodeError is a refusal (undefined), anything else escapes. */
function refuseOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DtlsError || e instanceof DecodeError) return undefined;
    throw e;
  }
}

export function fuzz(buf: Buffer): void {
  const body = new Uint8Array(buf);
  // The front door sees it in a record first: never throws.
  if (body.length <= 0x3fff - 12) {
    const record = encodePlaintextRecord13(ContentType.handshake, 0, encode((w) => encodeHandshakeFragment(w, HT.client_hello, body.length, 0, 0, body)));
    peekClientHello(record, 16_384);
  }
  const hello = decodeOrReject(() => decodeClientHello(new Reader(body)));
  if (hello === undefined) return;
  offersDtls13(hello);
  const cookie = cookieOf(hello);
  if (cookie !== undefined) {
    // The seeds' cookies are genuine for the recordings' client address (same secret, same period): such a
    // cookie opens to a consistent state. For any other address no cookie opens (the MAC binds it).
    const state = openRetryCookie(cookies, '10.0.0.2', 50000, cookie, T, config.suites13);
    if (state !== undefined) {
      check(config.suites13.includes(state.suite) && state.clientHello1Hash.length === (state.suite.hash === 'sha256' ? 32 : 48), 'a cookie opened to a suite or hash that does not fit');
      check(isHelloRetryRequest(decodeServerHello13(new Reader(state.helloRetryRequest))), 'the rebuilt HelloRetryRequest is not one');
    }
    check(openRetryCookie(cookies, '::1', 1, cookie, T, config.suites13) === undefined, 'a cookie opened for an address it was not made for');
  }
  const ch = refuseOr(() => readClientHello13(hello));
  if (ch !== undefined) {
    const groups = new Set<number>();
    for (const s of ch.shares) {
      check(!groups.has(s.group) && ch.groups.includes(s.group), 'a key share twice, or for a group not in supported_groups');
      groups.add(s.group);
    }
    if (ch.psks) {
      check(ch.psks.identities.length === ch.psks.binders.length, 'not one binder per PSK identity');
      check(hello.extensions[hello.extensions.length - 1]!.type === E.pre_shared_key, 'pre_shared_key accepted elsewhere than last');
    }
  }
  const choice = refuseOr(() => chooseHelloRetry(hello, config, T));
  if (choice === undefined) return;
  check(ch !== undefined, 'chooseHelloRetry accepted a hello readClientHello13 refuses');
  check(hello.cipherSuites.includes(choice.suite.id) && config.suites13.includes(choice.suite), 'a suite not offered, or not ours');
  if (choice.group !== undefined) {
    const id = group13Id(choice.group);
    check(ch.groups.includes(id) && config.groups13.includes(choice.group), 'a HelloRetryRequest for a group not supported, or not ours');
    check(!ch.shares.some((s) => s.group === id), 'a HelloRetryRequest for a group the client already shared');
  }
  const marker = Uint8Array.of(0xc0, 0x0c, 0x1e);
  const hrr = decodeServerHello13(new Reader(helloRetryRequestBody(choice.suite, choice.group, marker)));
  check(isHelloRetryRequest(hrr) && hrr.cipherSuite === choice.suite.id, 'the HelloRetryRequest is not one, or names another suite');
  check(hrr.extensions.some((e) => e.type === E.cookie), 'the HelloRetryRequest lost its cookie');
}
