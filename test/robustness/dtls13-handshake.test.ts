/**
 * DTLS 1.3 handshakes under hostile input, both crypto providers, on the
 * wire (issue 13, ROBUSTNESS.md S-11…S-24, S-42/S-51 as they apply to 1.3,
 * DOS-01/02/04/05/06/07/08/09, SM-01/10, FRAG-09): the server's stateless
 * HelloRetryRequest keeps nothing before the cookie and never answers with
 * more bytes than it got; a legacy_version other than 0xfefd, a compression
 * method other than null, a legacy cookie, and 1.2-only extensions in a 1.3
 * ServerHello are refused with the right alert; renegotiation_info is not
 * required of a 1.3 peer. (The machines' own refusals are
 * test/dtls13/handshake/refusals.test.ts; these go through the endpoints.)
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { decodeServerHello13, encodeServerHello13, isHelloRetryRequest } from '../../src/dtls13/messages/server-hello.js';
import { encodeCookie } from '../../src/dtls13/messages/simple-extensions.js';
import { encodePlaintextRecord13, parseDatagram13 } from '../../src/dtls13/record.js';
import { findExtension } from '../../src/handshake/extensions.js';
import { type ClientHello, decodeClientHello, encodeClientHello } from '../../src/handshake/messages/client-hello.js';
import { ExtensionType as E, HandshakeType as HT } from '../../src/handshake/registry.js';
import { ContentType } from '../../src/record/content-type.js';
import type { ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { type NetAddress, VirtualNetwork } from '../../src/testing/network.js';
import { serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import {
  CLIENT_ADDR, PROVIDERS13, Rewriting, SERVER_ADDR, conn13, established13, handshakeMessage, pair13, sealed, serverConn13, rewritePlaintext,
} from './helpers/dtls13.js';

const CA = pki('ca-bundle.pem');
const COOKIE_SECRET = new Uint8Array(32).fill(0x42);
/** The virtual time the genuine hellos were made at (their cookies are of its period). */
const T0 = 0;
const alertsReceived = (c: DtlsClientNode) => c.events.flatMap((e) => (e.type === 'alert' && e.direction === 'received' ? [e.description] : []));
const ALERT = { protocol_version: 70, illegal_parameter: 47, unsupported_extension: 110 } as const;

/** Edit the ClientHello bodies of a datagram. */
const editHello = (edit: (h: ClientHello) => ClientHello) => (data: Uint8Array) =>
  rewritePlaintext(data, (type, body) => (type === HT.client_hello ? encode((w) => encodeClientHello(w, edit(decodeClientHello(new Reader(body))))) : body));

/** A server and a DTLS 1.3 client, either of which may rewrite what it sends. */
function wirePair(provider: CryptoProvider, o: { client?: Record<string, unknown>; server?: ServerOptions; rewriteClient?: (d: Uint8Array) => Uint8Array; rewriteServer?: (d: Uint8Array) => Uint8Array } = {}) {
  const net = new VirtualNetwork({ seed: 1 });
  const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, cookieSecret: COOKIE_SECRET, ...o.server });
  const client = new DtlsClientNode({ ca: CA, servername: 'localhost', crypto: provider, minVersion: 'DTLSv1.3', ...o.client }, SERVER_ADDR, net.now);
  net.attach(SERVER_ADDR, o.rewriteServer ? new Rewriting(server, o.rewriteServer) : server, { role: 'server' });
  net.attach(CLIENT_ADDR, o.rewriteClient ? new Rewriting(client, o.rewriteClient) : client, { role: 'client' });
  net.run({ until: () => client.closed || (client.established && server.established > 0), maxTime: 10_000 });
  return { net, server, client };
}

/** The datagrams of a genuine DTLS 1.3 handshake: the first ClientHello, the HelloRetryRequest, the ClientHello with the cookie. */
function genuineHellos(provider: CryptoProvider, client: Record<string, unknown> = {}): { ch1: Uint8Array; hrr: Uint8Array; ch2: Uint8Array } {
  const seen: Uint8Array[] = [];
  const p = pair13({ provider, server: { cookieSecret: COOKIE_SECRET }, client, impairments: { filter: (dg) => (seen.push(dg.data.slice()), 'pass') } });
  p.net.run({ until: () => seen.length >= 3, maxTime: 100 });
  return { ch1: seen[0]!, hrr: seen[1]!, ch2: seen[2]! };
}

/** A fresh server of the test's cookie secret, fed datagrams directly at `T0 + at`. */
function freshServer(provider: CryptoProvider, options: ServerOptions = {}) {
  const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, cookieSecret: COOKIE_SECRET, ...options });
  const feed = (data: Uint8Array, from: NetAddress = CLIENT_ADDR, at = 0) => {
    server.receive(data, from, T0 + at);
    return server.takeOutgoing().map((o) => o.data);
  };
  return { server, feed };
}

/** The ClientHello of a datagram holding one whole ClientHello. */
function helloOf(data: Uint8Array): ClientHello {
  const rec = parseDatagram13(data).records[0]!;
  if (rec.kind !== 'plaintext') throw new Error('not a plaintext record');
  return decodeClientHello(new Reader(rec.fragment.subarray(12)));
}
/** Whether a datagram is a HelloRetryRequest. */
function isHrr(data: Uint8Array): boolean {
  const rec = parseDatagram13(data).records[0];
  return rec?.kind === 'plaintext' && rec.fragment[0] === HT.server_hello && isHelloRetryRequest(decodeServerHello13(new Reader(rec.fragment.subarray(12))));
}

describe.each(PROVIDERS13)('DTLS 1.3 hellos refused on the wire (%s)', (_name, provider) => {
  it('a legacy_version other than 0xfefd: protocol_version; the server keeps nothing', () => {
    for (const v of [0xfeff, 0xfefc, 0x0303]) {
      const p = wirePair(provider, { rewriteClient: editHello((h) => ({ ...h, clientVersion: v })) });
      expect(p.client.closed, `0x${v.toString(16)}`).toBe(true);
      expect(alertsReceived(p.client), `0x${v.toString(16)}`).toEqual([ALERT.protocol_version]);
      expect(p.server.endpoint.size).toBe(0);
      expect(p.server.established).toBe(0);
    }
  });

  it('S-51: a compression method other than null: illegal_parameter', () => {
    const p = wirePair(provider, { rewriteClient: editHello((h) => ({ ...h, compressionMethods: [1, 0] })) });
    expect(alertsReceived(p.client)).toEqual([ALERT.illegal_parameter]);
    expect(p.server.endpoint.size).toBe(0);
  });

  it('a non-empty legacy_cookie (RFC 9147 §5.3): illegal_parameter', () => {
    const p = wirePair(provider, { rewriteClient: editHello((h) => ({ ...h, cookie: new Uint8Array(16).fill(7) })) });
    expect(alertsReceived(p.client)).toEqual([ALERT.illegal_parameter]);
    expect(p.server.endpoint.size).toBe(0);
  });

  it('S-42 is DTLS 1.2\'s: a 1.3-only client sends neither renegotiation_info nor the SCSV, and the server does not require them', () => {
    const { ch1 } = genuineHellos(provider);
    const hello = helloOf(ch1);
    expect(findExtension(hello.extensions, E.renegotiation_info)).toBeUndefined();
    expect(hello.cipherSuites).not.toContain(0x00ff);
    expect(findExtension(hello.extensions, E.encrypt_then_mac)).toBeUndefined();
    const p = wirePair(provider);
    expect(p.client.established && p.server.established === 1).toBe(true);
  });

  it('1.2-only extensions (renegotiation_info, encrypt_then_mac, extended_master_secret) in a 1.3 ServerHello: the client aborts with illegal_parameter, offered or not', () => {
    for (const ext of [E.renegotiation_info, E.encrypt_then_mac, E.extended_master_secret]) {
      for (const offer12 of [false, true]) {
        const data = ext === E.renegotiation_info ? Uint8Array.of(0) : new Uint8Array(0);
        const p = wirePair(provider, {
          client: offer12 ? { minVersion: 'DTLSv1.2' } : {},
          rewriteServer: (d) => rewritePlaintext(d, (type, body) => {
            if (type !== HT.server_hello) return body;
            const sh = decodeServerHello13(new Reader(body));
            if (isHelloRetryRequest(sh)) return body;
            return encode((w) => encodeServerHello13(w, { ...sh, extensions: [...sh.extensions, { type: ext, data }] }));
          }),
        });
        const what = `extension ${ext}, client offering 1.2 too: ${offer12}`;
        expect(p.client.established, what).toBe(false);
        expect(p.client.error?.alert, what).toBe('illegal_parameter');
        expect(p.server.established, what).toBe(0);
      }
    }
  });
});

describe.each(PROVIDERS13)('DTLS 1.3 front door: nothing before the cookie, never amplifying (%s)', (_name, provider) => {
  it('S-12, DOS-01: 500 first ClientHellos from 500 addresses get one HelloRetryRequest each, none larger than its hello; no association, no timer', () => {
    const { ch1 } = genuineHellos(provider);
    // All at the same instant: no hello rate limit here (it has its own tests).
    const { server, feed } = freshServer(provider, { maxHelloRate: 0 });
    let answers = 0;
    for (let i = 0; i < 500; i++) {
      const out = feed(ch1, { address: `10.9.${i >> 8}.${i & 255}`, port: 1024 + i });
      expect(out).toHaveLength(1);
      expect(isHrr(out[0]!)).toBe(true);
      expect(out[0]!.length).toBeLessThanOrEqual(ch1.length);
      answers++;
    }
    expect(answers).toBe(500);
    expect(server.endpoint.size).toBe(0);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
    expect(server.endpoint.stats.handshakesStarted).toBe(0);
  });

  it('amplification ≤ 1×: whatever a first ClientHello leaves out, the answer is never larger; a hello too small for a HelloRetryRequest gets nothing', () => {
    const { ch1 } = genuineHellos(provider);
    const hello = helloOf(ch1);
    const keep = (types: number[]) => editHello((h) => ({ ...h, extensions: hello.extensions.filter((e) => types.includes(e.type)) }))(ch1);
    const variants = [
      ch1,
      keep([E.supported_versions, E.supported_groups, E.signature_algorithms]),
      keep([E.supported_versions, E.supported_groups, E.key_share, E.signature_algorithms]),
      keep([E.supported_versions, E.supported_groups]),
      editHello((h) => ({ ...h, cipherSuites: [0x1301], extensions: hello.extensions.filter((e) => [E.supported_versions, E.supported_groups].includes(e.type)) }))(ch1),
    ];
    let silent = 0;
    for (const v of variants) {
      const { server, feed } = freshServer(provider);
      const out = feed(v);
      for (const o of out) expect(o.length, `answer to a ${v.length}-byte hello`).toBeLessThanOrEqual(v.length);
      if (out.length === 0) silent++;
      expect(server.endpoint.size).toBe(0);
    }
    // The smallest hello cannot carry the cookie back within its own size: no answer at all.
    expect(silent).toBeGreaterThanOrEqual(1);
  });

  it('DOS-02: a first ClientHello, then 10 s of silence: exactly one HelloRetryRequest, never retransmitted', () => {
    const sent: Uint8Array[] = [];
    const net = new VirtualNetwork({ seed: 1 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    const { ch1 } = genuineHellos(provider);
    net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (dg) => (sent.push(dg.data), 'drop') });
    net.inject(CLIENT_ADDR, SERVER_ADDR, ch1);
    net.run({ maxTime: 10_000 });
    expect(sent).toHaveLength(1);
    expect(isHrr(sent[0]!)).toBe(true);
  });

  it('DOS-05, S-14: a second ClientHello whose cookie is 0xFF×32, one byte, 255 bytes, bit-flipped, or another address\'s gets a fresh HelloRetryRequest and no state', () => {
    const { ch2 } = genuineHellos(provider);
    const hello = helloOf(ch2);
    const cookie = (() => {
      const ext = findExtension(hello.extensions, E.cookie)!;
      return ext.subarray(2);
    })();
    const withCookie = (c: Uint8Array) => editHello((h) => ({
      ...h, extensions: h.extensions.map((e) => (e.type === E.cookie ? { type: e.type, data: encode((w) => encodeCookie(w, { cookie: c })) } : e)),
    }))(ch2);
    const flipped = Uint8Array.from(cookie);
    flipped[flipped.length - 1]! ^= 1;
    const cases: [string, Uint8Array, NetAddress][] = [
      ['0xFF×32', withCookie(new Uint8Array(32).fill(0xff)), CLIENT_ADDR],
      ['one byte', withCookie(Uint8Array.of(1)), CLIENT_ADDR],
      ['255 bytes', withCookie(new Uint8Array(255).fill(0xff)), CLIENT_ADDR],
      ['bit-flipped', withCookie(flipped), CLIENT_ADDR],
      ['another address', ch2, { address: '10.0.0.66', port: CLIENT_ADDR.port }],
      ['another port', ch2, { address: CLIENT_ADDR.address, port: CLIENT_ADDR.port + 1 }],
    ];
    for (const [what, data, from] of cases) {
      const { server, feed } = freshServer(provider);
      const out = feed(data, from);
      expect(out.length <= 1 && out.every(isHrr), what).toBe(true);
      for (const o of out) expect(o.length, what).toBeLessThanOrEqual(data.length);
      expect(server.endpoint.size, what).toBe(0);
      expect(server.endpoint.stats.handshakesStarted, what).toBe(0);
    }
    // The genuine one starts the association.
    const { server, feed } = freshServer(provider);
    feed(ch2);
    expect(server.endpoint.stats.handshakesStarted).toBe(1);
  });

  it('DOS-04, S-15: the genuine cookie is accepted in its period and the next; two periods later it gets a fresh HelloRetryRequest', () => {
    const { ch2 } = genuineHellos(provider);
    // The cookie was made at time 0..10 ms; periods are 60 s.
    for (const [at, accepted] of [[0, true], [60_000, true], [120_000, false], [600_000, false]] as const) {
      const { server } = freshServer(provider);
      server.receive(ch2, CLIENT_ADDR, at);
      const out = server.takeOutgoing().map((o) => o.data);
      expect(server.endpoint.stats.handshakesStarted, `at ${at} ms`).toBe(accepted ? 1 : 0);
      if (!accepted) expect(out.every(isHrr) && out.length === 1, `at ${at} ms`).toBe(true);
    }
  });

  it('DOS-06: a resuming ClientHello from an unverified address gets only a HelloRetryRequest: no ServerHello or Certificate before the cookie', () => {
    const tickets = { ticketKeys: new Uint8Array(48).fill(5) };
    const p = established13({ provider, server: tickets });
    p.net.run({ maxTime: 100 });
    const ticket = p.client.events.find((e) => e.type === 'ticket');
    expect(ticket).toBeDefined();
    const resuming = new DtlsClientNode({ ca: CA, servername: 'localhost', crypto: provider, minVersion: 'DTLSv1.3', session: (ticket as { session: Uint8Array }).session }, SERVER_ADDR, p.net.now);
    const ch1 = resuming.takeOutgoing()[0]!.data;
    expect(findExtension(helloOf(ch1).extensions, E.pre_shared_key)).toBeDefined();
    const { server, feed } = freshServer(provider, tickets);
    const out = feed(ch1, { address: '10.7.7.7', port: 7777 }, p.net.now);
    expect(out).toHaveLength(1);
    expect(isHrr(out[0]!)).toBe(true);
    expect(out[0]!.length).toBeLessThanOrEqual(ch1.length);
    expect(server.endpoint.size).toBe(0);
  });

  it('DOS-07, S-65: 20 verified second ClientHellos that never continue: at most maxHandshakes half-open, the oldest evicted, all freed after handshakeTimeout', () => {
    const { server } = freshServer(provider, { maxHandshakes: 8, maxHandshakesPerAddress: 4, handshakeTimeout: 5_000 });
    for (let i = 0; i < 20; i++) {
      // Each client's own second ClientHello (cookies are bound to the address).
      const from = { address: `10.8.0.${i}`, port: 5000 };
      const client = new DtlsClientNode({ ca: CA, servername: 'localhost', crypto: provider, minVersion: 'DTLSv1.3' }, SERVER_ADDR, T0);
      server.receive(client.takeOutgoing()[0]!.data, from, T0);
      client.receive(server.takeOutgoing()[0]!.data, SERVER_ADDR, T0);
      server.receive(client.takeOutgoing()[0]!.data, from, T0);
      server.takeOutgoing();
      expect(server.endpoint.handshakeCount).toBeLessThanOrEqual(8);
    }
    expect(server.endpoint.stats.handshakesStarted).toBe(20);
    expect(server.endpoint.stats.evicted).toBe(12);
    server.onTimeout(T0 + 5_001);
    server.takeOutgoing();
    expect(server.endpoint.size).toBe(0);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
  });

  it('S-18: a first ClientHello on the 5-tuple of an established 1.3 association gets a HelloRetryRequest and tears nothing down; a stale copy of the second ClientHello neither', () => {
    const seen: Uint8Array[] = [];
    const p = pair13({ provider, server: { cookieSecret: COOKIE_SECRET }, impairments: { filter: (dg) => (seen.push(dg.data.slice()), 'pass') } });
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 1_000 });
    const [ch1, , ch2] = seen;
    const before = serverConn13(p);
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, ch1!);
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, ch2!);
    p.net.run({ maxTime: 100 });
    expect(serverConn13(p)).toBe(before);
    expect(before.isEstablished).toBe(true);
    p.client.send(new TextEncoder().encode('still here'), p.net.now);
    p.net.run({ until: () => p.client.received.length > 0, maxTime: 1_000 });
    expect(p.client.received.map((m) => Buffer.from(m).toString())).toEqual(['still here']);
  });

  it('SM-01, SM-10: a Finished, Certificate or ClientKeyExchange as the first message: no answer, no state', () => {
    const { server, feed } = freshServer(provider);
    for (const type of [HT.finished, HT.certificate, HT.client_key_exchange, HT.key_update]) {
      const rec = encodePlaintextRecord13(ContentType.handshake, 0, handshakeMessage(type, 0, new Uint8Array(32)));
      expect(feed(rec)).toEqual([]);
    }
    expect(server.endpoint.size).toBe(0);
    expect(server.endpoint.nextTimeout()).toBeUndefined();
  });

  it('FRAG-09, S-23: a ClientHello fragment declaring 0xFFFFFF bytes is not answered; after the handshake an authenticated one is dropped before allocation', () => {
    const { server, feed } = freshServer(provider);
    const huge = Uint8Array.of(HT.client_hello, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 10, ...new Uint8Array(10));
    expect(feed(encodePlaintextRecord13(ContentType.handshake, 0, huge))).toEqual([]);
    expect(server.endpoint.size).toBe(0);
    const p = established13({ provider });
    const frag = Uint8Array.of(HT.key_update, 0xff, 0xff, 0xff, 0, 9, 0, 0, 0, 0, 0, 10, ...new Uint8Array(10));
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, sealed(conn13(p.client.conn), ContentType.handshake, frag));
    p.net.run({ maxTime: 50 });
    const s = serverConn13(p);
    expect(s.isClosed).toBe(false);
    expect((s as unknown as { reasm: { bufferedBytes: number } }).reasm.bufferedBytes).toBe(0);
  });

  it('DOS-08: partial messages of 60 KB on many message_seqs (authenticated, after the handshake) stay within maxHandshakeBytes', () => {
    const p = established13({ provider });
    const client = conn13(p.client.conn);
    const s = serverConn13(p);
    const next = (s as unknown as { reasm: { next: number } }).reasm.next;
    let maxBuffered = 0;
    for (let i = 0; i < 20; i++) {
      // Certificate (post-handshake authentication) may be the largest message: 64 KiB.
      const frag = Uint8Array.of(HT.certificate, 0x00, 0xea, 0x60, (next + i) >> 8, (next + i) & 0xff, 0, 0, 0, 0, 0, 100, ...new Uint8Array(100));
      p.net.inject(CLIENT_ADDR, SERVER_ADDR, sealed(client, ContentType.handshake, frag));
      p.net.run({ maxTime: 5 });
      maxBuffered = Math.max(maxBuffered, (s as unknown as { reasm: { bufferedBytes: number } }).reasm.bufferedBytes);
    }
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024);
  });

  it('DOS-09, S-24: 1,000 copies of protected records before the ServerHello: at most 32 buffered, freed at the end; the handshake completes', () => {
    const held: Uint8Array[] = [];
    const p = pair13({
      provider,
      server: { key: pki('server-rsa2048.key.pem'), cert: pki('server-rsa2048.chain.pem'), mtu: 900 },
      client: { mtu: 900 },
    });
    // The server's flight: #1 (ServerHello ...) held back, #2 and #3 (protected only) flood the client first.
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (dg) => (dg.index >= 1 && dg.index <= 3 ? (held.push(dg.data.slice()), 'drop') : 'pass') });
    p.net.run({ until: () => held.length === 3, maxTime: 100 });
    const client = conn13(p.client.conn) as unknown as { futureRecords: unknown[] };
    for (let i = 0; i < 500; i++) {
      p.net.inject(SERVER_ADDR, CLIENT_ADDR, held[1]!);
      p.net.inject(SERVER_ADDR, CLIENT_ADDR, held[2]!);
    }
    p.net.run({ maxTime: 10 });
    expect(client.futureRecords.length).toBeGreaterThan(0);
    expect(client.futureRecords.length).toBeLessThanOrEqual(32);
    p.net.inject(SERVER_ADDR, CLIENT_ADDR, held[0]!);
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 5_000 });
    expect(p.client.established).toBe(true);
    expect(client.futureRecords).toEqual([]);
  });
});
