/**
 * The stateless front door (src/endpoint/front-door.ts): what a datagram
 * before any association gets. Two cases the cookie exchange itself does not
 * cover: a record-layer version that is not DTLS's, and a first ClientHello
 * fragment claiming more than a handshake message may hold. Neither may get
 * any reply (no HelloVerifyRequest to amplify, no state).
 */
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import { ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
import { peekClientHello } from '../../src/endpoint/front-door.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';
import { serverIdentity, SERVER_ADDR } from '../helpers/net.js';
import { HT, fragment, rawRecord } from '../robustness/helpers/wire.js';

/** The first datagram of a genuine client: its ClientHello without a cookie. */
function firstHello(): Uint8Array {
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', servername: 'localhost' }, SERVER_ADDR, 0);
  return client.takeOutgoing()[0]!.data;
}

function endpoint(maxHandshakeMessageSize?: number): ServerEndpoint {
  return new ServerEndpoint(resolveServerConfig({ ...serverIdentity('ecdsa-p256'), ...(maxHandshakeMessageSize && { maxHandshakeMessageSize }) }).config);
}

/** Everything the endpoint queued for the wire. */
function replies(ep: ServerEndpoint, dg: Uint8Array): number {
  ep.receive(dg, '10.9.9.9', 4000, 0);
  return ep.takeTransmits().length;
}

describe('the stateless front door', () => {
  it('answers a genuine first ClientHello with one HelloVerifyRequest (the control case)', () => {
    const ep = endpoint();
    expect(replies(ep, firstHello())).toBe(1);
    expect(ep.stats.helloVerifyRequests).toBe(1);
  });

  it.each([['0x0303 (TLS 1.2)', 0x0303], ['0x0301 (TLS 1.0)', 0x0301], ['0x00fd', 0x00fd], ['0xfffd', 0xfffd]])(
    'gives no reply to a ClientHello whose record-layer version is %s, and keeps nothing',
    (_name, version) => {
      const dg = firstHello();
      const rewritten = Uint8Array.from(dg);
      rewritten[1] = version >> 8;
      rewritten[2] = version & 0xff;
      expect(peekClientHello(rewritten, 16_384)).toBeNull();
      const ep = endpoint();
      expect(replies(ep, rewritten)).toBe(0);
      expect(ep.stats.helloVerifyRequests).toBe(0);
      expect(ep.size).toBe(0);
    },
  );

  it('gives no reply to a first ClientHello fragment claiming a total length above maxHandshakeMessageSize', () => {
    const dg = firstHello();
    const body = dg.subarray(13 + 12);
    // The genuine hello's first 200 bytes (version, random, session_id, cookie: the
    // prefix the cookie covers) as fragment 0 of a message claiming 20,000 bytes.
    const first = fragment(HT.client_hello, 0, body.subarray(0, 200), { length: 20_000, offset: 0 });
    const rec = rawRecord(22, 0xfefd, 0, 0, first.length, first);
    expect(peekClientHello(rec, 16_384)).toBeNull();
    const ep = endpoint();
    expect(replies(ep, rec)).toBe(0);
    expect(ep.size).toBe(0);
    // The same fragment within a raised limit is an ordinary fragmented ClientHello: answered.
    const roomy = endpoint(32_768);
    expect(replies(roomy, rec)).toBe(1);
  });
});
