import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { nodeProvider } from '../../../src/crypto/index.js';
import { TicketKeys } from '../../../src/handshake/session.js';
import { type ClientHello, decodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { ExtensionType as E } from '../../../src/handshake/registry.js';
import { Client13Handshake } from '../../../src/dtls13/handshake/client13.js';
import { chooseHelloRetry, clientHello1Hash, helloRetryRequestBody, legacySessionIdEcho, readClientHello13 } from '../../../src/dtls13/handshake/negotiate13.js';
import { isHelloRetryRequest, decodeServerHello13 } from '../../../src/dtls13/messages/server-hello.js';
import { SUITES_13 } from '../../../src/dtls13/suites.js';
import { tls13Message } from '../../../src/dtls13/transcript.js';
import type { Client13Config } from '../../../src/dtls13/driver.js';
import { hex } from '../../codec/hex.js';
import { LoopDriver, clientConfig, handshake, serverConfig } from './loopback.js';

const provider = nodeProvider;
const clock = { now: 1_700_000_000_000 };

function helloOf(c: Client13Config): { hello: ClientHello; body: Uint8Array } {
  const d = new LoopDriver('client', provider, clock);
  d.peer = d;
  new Client13Handshake(d, c);
  const body = d.sent[0]!.body;
  return { hello: decodeClientHello(new Reader(body)), body };
}

describe('helloRetryRequestBody', () => {
  it('encodes legacy_version, the HelloRetryRequest random, the suite, supported_versions, key_share and cookie', () => {
    const body = helloRetryRequestBody(SUITES_13[0]!, 'x25519', Uint8Array.of(1, 2, 3));
    expect(body).toEqual(hex(
      'fefd' + 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c' + '00' + '1301' + '00'
      + '0015' + '002b0002fefc' + '00330002001d' + '002c00050003010203',
    ));
    expect(isHelloRetryRequest(decodeServerHello13(new Reader(body)))).toBe(true);
  });

  it('leaves out key_share without a group and cookie without one', () => {
    expect(helloRetryRequestBody(SUITES_13[1]!, undefined, undefined)).toEqual(hex(
      'fefd' + 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c' + '00' + '1302' + '00' + '0006' + '002b0002fefc',
    ));
    expect(helloRetryRequestBody(SUITES_13[0]!, 'x25519mlkem768', undefined).subarray(-6)).toEqual(hex('0033000211ec'));
  });
});

describe('legacySessionIdEcho (RFC 9147 §5.3, and wolfSSL up to 5.9.0)', () => {
  const id = new Uint8Array(32).fill(7);
  const base: ClientHello = { clientVersion: 0xfefd, random: new Uint8Array(32), sessionId: id, cookie: new Uint8Array(0), cipherSuites: [0x1301], compressionMethods: [0], extensions: [] };
  it('is empty for a hello without a legacy_session_id, or one that does not resume with a PSK', () => {
    expect(legacySessionIdEcho({ ...base, sessionId: new Uint8Array(0), extensions: [{ type: E.pre_shared_key, data: new Uint8Array(0) }] })).toEqual(new Uint8Array(0));
    expect(legacySessionIdEcho(base)).toEqual(new Uint8Array(0));
  });
  it('is the client\'s legacy_session_id when it resumes with a PSK and sends one (what wolfSSL 5.5.4 waits for)', () => {
    expect(legacySessionIdEcho({ ...base, extensions: [{ type: E.pre_shared_key, data: new Uint8Array(0) }] })).toEqual(id);
    expect(helloRetryRequestBody(SUITES_13[0]!, undefined, undefined, id).subarray(34, 67)).toEqual(Uint8Array.of(32, ...id));
  });
});

describe('chooseHelloRetry (what a stateless front door asks, as the server machine will choose)', () => {
  const server = serverConfig(provider);

  it('needs no key share when the client sent one the server accepts', () => {
    expect(chooseHelloRetry(helloOf(clientConfig(provider)).hello, server, clock.now)).toEqual({ suite: SUITES_13[0] });
  });

  it('asks for the server preferred group the client supports when it sent no usable share', () => {
    expect(chooseHelloRetry(helloOf(clientConfig(provider, {}, { keyShareGroups: [] })).hello, server, clock.now).group).toBe('x25519');
    const p384 = serverConfig(provider, {}, { groups13: ['secp384r1', 'x25519'] });
    expect(chooseHelloRetry(helloOf(clientConfig(provider, {}, { keyShareGroups: ['secp256r1'] })).hello, p384, clock.now).group).toBe('secp384r1');
  });

  it('keeps a share the client sent over a preferred group it did not share (no round trip)', () => {
    const pref = serverConfig(provider, {}, { groups13: ['secp384r1', 'x25519'] });
    expect(chooseHelloRetry(helloOf(clientConfig(provider)).hello, pref, clock.now).group).toBeUndefined();
  });

  it('needs no share for a psk_ke-only PSK offer, but one for psk_dhe_ke', () => {
    const s = serverConfig(provider, { pskCallback: () => null });
    const psk = { psk: () => ({ identity: Uint8Array.of(1), key: new Uint8Array(32) }), keyShareGroups: [] };
    expect(chooseHelloRetry(helloOf(clientConfig(provider, {}, { ...psk, pskModes: ['psk_ke'] })).hello, s, clock.now).group).toBeUndefined();
    expect(chooseHelloRetry(helloOf(clientConfig(provider, {}, { ...psk, pskModes: ['psk_dhe_ke'] })).hello, s, clock.now).group).toBe('x25519');
  });

  it('picks a suite of the hash of a ticket it will resume', async () => {
    const tickets = new TicketKeys(provider, [new Uint8Array(48).fill(1)], 3600);
    const s = serverConfig(provider, {}, { suites13: SUITES_13, sessions: { tickets } });
    const first = await handshake(provider, s, clientConfig(provider, {}, { suites13: [SUITES_13[1]!] }));
    const c = clientConfig(provider, {}, { suites13: SUITES_13, session13: first.client.tickets[0]! });
    expect(chooseHelloRetry(helloOf(c).hello, s, first.clock.now).suite).toBe(SUITES_13[1]);
    expect(chooseHelloRetry(helloOf(clientConfig(provider, {}, { suites13: SUITES_13 })).hello, s, first.clock.now).suite).toBe(SUITES_13[0]);
  });

  it('throws the alert for a ClientHello that cannot lead to a 1.3 handshake', () => {
    const { hello } = helloOf(clientConfig(provider));
    expect(() => chooseHelloRetry(hello, serverConfig(provider, {}, { suites13: [SUITES_13[4]!] }), clock.now)).toThrow(expect.objectContaining({ alert: 'handshake_failure' }));
    expect(() => chooseHelloRetry({ ...hello, cookie: Uint8Array.of(1) }, server, clock.now)).toThrow(expect.objectContaining({ alert: 'illegal_parameter' }));
    const noGroup = serverConfig(provider, {}, { groups13: ['secp384r1'] });
    const c = clientConfig(provider, {}, { groups13: ['x25519'] });
    expect(() => chooseHelloRetry(helloOf(c).hello, noGroup, clock.now)).toThrow(expect.objectContaining({ alert: 'handshake_failure' }));
  });
});

describe('readClientHello13 and clientHello1Hash', () => {
  it('reads what the server needs', () => {
    const ch = readClientHello13(helloOf(clientConfig(provider)).hello);
    expect(ch.shares.map((s) => s.group)).toEqual([0x1d]);
    expect(ch.groups).toEqual([0x1d, 0x17, 0x18]);
    expect(ch.servername).toBe('localhost');
    expect(ch.sigAlgs).toContain(0x0804);
    expect(ch.pskModes).toEqual([1, 0]);
    expect(ch.hello.extensions.some((e) => e.type === E.supported_versions)).toBe(true);
  });

  it('hashes ClientHello1 in TLS 1.3 form with the suite hash', () => {
    const { body } = helloOf(clientConfig(provider));
    expect(clientHello1Hash(provider, SUITES_13[1]!, body)).toEqual(provider.hash('sha384', tls13Message(1, body)));
  });

  it('hashes each hello alone: a longer one before, a shorter one after, one too long for the reused buffer', () => {
    const { body } = helloOf(clientConfig(provider));
    const long = Uint8Array.of(...body, ...new Uint8Array(300).fill(0xab));
    const huge = new Uint8Array(5000).fill(0x5a);
    for (const b of [long, body, huge, body.subarray(0, 40), long]) {
      expect(clientHello1Hash(provider, SUITES_13[0]!, b)).toEqual(provider.hash('sha256', tls13Message(1, b)));
    }
  });
});
