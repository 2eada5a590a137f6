import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { findExtension } from '../../../src/handshake/extensions.js';
import { decodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { ExtensionType as E, HandshakeType as HT } from '../../../src/handshake/registry.js';
import { Client13Handshake } from '../../../src/dtls13/handshake/client13.js';
import { helloRetryRequestBody } from '../../../src/dtls13/handshake/negotiate13.js';
import { decodeKeyShareClientHello } from '../../../src/dtls13/messages/key-share.js';
import { isHelloRetryRequest, decodeServerHello13 } from '../../../src/dtls13/messages/server-hello.js';
import { decodeCookie } from '../../../src/dtls13/messages/simple-extensions.js';
import { SUITES_13 } from '../../../src/dtls13/suites.js';
import { Loopback, PROVIDERS13, clientConfig, handshake, serverConfig } from './loopback.js';

const hello = (body: Uint8Array) => decodeClientHello(new Reader(body));
const sharesOf = (body: Uint8Array) => decodeKeyShareClientHello(new Reader(findExtension(hello(body).extensions, E.key_share)!)).clientShares.map((s) => s.group);
const cookie = Uint8Array.from({ length: 40 }, (_, i) => i);

describe.each(PROVIDERS13)('HelloRetryRequest ($name provider)', (provider) => {
  it('asks for a key share when the client sent none, and completes (stateful, RFC 8446 §4.1.4)', async () => {
    const l = await handshake(provider, serverConfig(provider), clientConfig(provider, {}, { keyShareGroups: [] }));
    expect(l.client.completed).toBe(1);
    expect(l.server.completed).toBe(1);
    const hrr = decodeServerHello13(new Reader(l.server.flights[0]![0]!.body));
    expect(isHelloRetryRequest(hrr)).toBe(true);
    const [ch1, ch2] = [l.client.flights[0]![0]!, l.client.flights[1]![0]!];
    expect(sharesOf(ch1.body)).toEqual([]);
    expect(sharesOf(ch2.body)).toEqual([0x1d]);
    expect(hello(ch2.body).random).toEqual(hello(ch1.body).random);
    expect([ch1.seq, ch2.seq]).toEqual([0, 1]);
    expect(l.server.machine.negotiated?.group).toBe('x25519');
  });

  it('asks for a group the server accepts when the client shared only another one', async () => {
    const l = await handshake(provider, serverConfig(provider, {}, { groups13: ['secp256r1'] }), clientConfig(provider, {}, { keyShareGroups: ['x25519'] }));
    expect(l.client.completed).toBe(1);
    expect(sharesOf(l.client.flights[1]![0]!.body)).toEqual([0x17]);
    expect(l.client.machine.negotiated?.group).toBe('secp256r1');
  });

  it('asks for the hybrid X25519MLKEM768 share when the server prefers it and the client only listed it', async () => {
    const l = await handshake(provider, serverConfig(provider, {}, { groups13: ['x25519mlkem768', 'x25519'] }),
      clientConfig(provider, {}, { groups13: ['x25519', 'x25519mlkem768'], keyShareGroups: [] }));
    expect(l.client.completed).toBe(1);
    expect(sharesOf(l.client.flights[1]![0]!.body)).toEqual([0x11ec]);
    expect(l.client.machine.negotiated?.group).toBe('x25519mlkem768');
  });

  it('continues from a stateless HelloRetryRequest: the cookie comes back, the transcript starts with message_hash', async () => {
    const l = new Loopback(provider).startStateless(serverConfig(provider), clientConfig(provider, {}, { keyShareGroups: [] }), cookie);
    await l.run();
    expect(l.server.error).toBeUndefined();
    expect(l.client.completed).toBe(1);
    expect(l.server.completed).toBe(1);
    const ch2 = l.client.flights[1]![0]!;
    expect(decodeCookie(new Reader(findExtension(hello(ch2.body).extensions, E.cookie)!)).cookie).toEqual(cookie);
    expect(l.server.flights[0]![0]!.seq).toBe(1);
    expect(l.server.machine.negotiated?.group).toBe('x25519');
  });

  it('continues from a cookie-only HelloRetryRequest when the key share was fine', async () => {
    const l = new Loopback(provider).startStateless(serverConfig(provider), clientConfig(provider), cookie);
    await l.run();
    expect(l.client.completed).toBe(1);
    expect(sharesOf(l.client.flights[1]![0]!.body)).toEqual([0x1d]);
  });

  it('refuses a second ClientHello without the key share the HelloRetryRequest asked for', async () => {
    const l = new Loopback(provider).startStateless(serverConfig(provider), clientConfig(provider, {}, { keyShareGroups: [] }), cookie,
      (r) => ({ ...r, group: 'secp384r1' }));
    await l.run();
    expect(l.errorOf('server')?.alert).toBe('illegal_parameter');
  });

  it('refuses a second ClientHello that drops the HelloRetryRequest suite', async () => {
    const l = new Loopback(provider).startStateless(serverConfig(provider, {}, { suites13: SUITES_13 }), clientConfig(provider), cookie,
      (r) => ({ ...r, suite: SUITES_13[4]! }));
    await l.run();
    expect(l.errorOf('server')?.alert).toBe('illegal_parameter');
  });

  it('aborts on a second HelloRetryRequest with unexpected_message', async () => {
    const l = new Loopback(provider);
    let n = 0;
    l.tamper = (from, m) => (from === 'server' && m.msgType === HT.server_hello && ++n === 2
      ? { ...m, body: helloRetryRequestBody(SUITES_13[0]!, 'secp256r1', cookie) } : m);
    l.start(serverConfig(provider), clientConfig(provider, {}, { keyShareGroups: [] }));
    await l.run();
    expect(l.errorOf('client')?.alert).toBe('unexpected_message');
  });

  const clientAlone = (hrr: Uint8Array, keyShareGroups: ('x25519' | 'secp256r1')[] = ['x25519']) => {
    const l = new Loopback(provider);
    l.client.guard(() => {
      l.client.machine = new Client13Handshake(l.client, clientConfig(provider, {}, { keyShareGroups }));
    });
    l.client.guard(() => l.client.machine.handleMessage({ msgType: HT.server_hello, messageSeq: 0, body: hrr, epoch: 0 }));
    return l;
  };

  it('refuses a HelloRetryRequest that would change nothing (illegal_parameter)', () => {
    expect(clientAlone(helloRetryRequestBody(SUITES_13[0]!, undefined, undefined)).errorOf('client')?.alert).toBe('illegal_parameter');
  });

  it('refuses a HelloRetryRequest for a group already shared, or not offered (illegal_parameter)', () => {
    expect(clientAlone(helloRetryRequestBody(SUITES_13[0]!, 'x25519', cookie)).errorOf('client')?.alert).toBe('illegal_parameter');
    expect(clientAlone(helloRetryRequestBody(SUITES_13[0]!, 'x25519mlkem768', cookie)).errorOf('client')?.alert).toBe('illegal_parameter');
  });

  it('refuses a HelloRetryRequest for a suite not offered (illegal_parameter)', () => {
    expect(clientAlone(helloRetryRequestBody(SUITES_13[4]!, 'secp256r1', cookie)).errorOf('client')?.alert).toBe('illegal_parameter');
  });

  it('answers a HelloRetryRequest in the same epoch 0 flight pattern: one ClientHello with only the asked share', () => {
    const l = clientAlone(helloRetryRequestBody(SUITES_13[0]!, 'secp256r1', cookie));
    expect(l.client.error).toBeUndefined();
    expect(l.client.flights).toHaveLength(2);
    expect(sharesOf(l.client.flights[1]![0]!.body)).toEqual([0x17]);
  });
});
