/**
 * The stateless front door (src/endpoint/front-door.ts): what a datagram
 * before any association gets. Two cases the cookie exchange itself does not
 * cover: a record-layer version that is not DTLS's, and a first ClientHello
 * fragment claiming more than a handshake message may hold. Neither may get
 * any reply (no HelloVerifyRequest to amplify, no state).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import { type ServerEndpointEvent, ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
import { helloVerifyRequest, peekClientHello } from '../../src/endpoint/front-door.js';
import type { ServerOptions } from '../../src/options.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';
import type { RecordTrace } from '../../src/trace.js';
import { serverIdentity, SERVER_ADDR } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { PSK_IDENTITY, PSK_KEY } from '../robustness/helpers/peers.js';
import { CT, HT, encodeHello, fragment, message, plainMessages, rawRecord, record, recordsOf, rewriteClientHello } from '../robustness/helpers/wire.js';
import type { ClientHello } from '../../src/handshake/messages/client-hello.js';
import { toHex } from '../codec/hex.js';

/** The first datagram of a genuine client: its ClientHello without a cookie. */
function firstHello(): Uint8Array {
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', servername: 'localhost' }, SERVER_ADDR, 0);
  return client.takeOutgoing()[0]!.data;
}

function endpoint(options: Partial<ServerOptions> = {}): ServerEndpoint {
  return new ServerEndpoint(resolveServerConfig({ ...serverIdentity('ecdsa-p256'), ...options }).config);
}

/** Everything the endpoint queued for the wire. */
function replies(ep: ServerEndpoint, dg: Uint8Array): number {
  ep.receive(dg, '10.9.9.9', 4000, 0);
  return ep.takeTransmits().length;
}

describe('helloVerifyRequest never answers with more bytes than it was sent', () => {
  it('returns the HelloVerifyRequest when it fits the hello\'s size exactly, and nothing when it is one byte larger', () => {
    const h = peekClientHello(firstHello(), 16_384)!;
    const cookie = new Uint8Array(32).fill(7);
    const hvr = helloVerifyRequest(h, cookie, 1500)!;
    // 13-byte record header, 12-byte handshake header, version, cookie length, cookie.
    expect(hvr.record.length).toBe(13 + 12 + 2 + 1 + 32);
    expect(toHex(helloVerifyRequest(h, cookie, hvr.record.length)!.record)).toBe(toHex(hvr.record));
    expect(helloVerifyRequest(h, cookie, hvr.record.length - 1)).toBeUndefined();
    expect(helloVerifyRequest(h, cookie, 0)).toBeUndefined();
  });
});

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
    const roomy = endpoint({ maxHandshakeMessageSize: 32_768 });
    expect(replies(roomy, rec)).toBe(1);
  });
});

describe('what peekClientHello takes for a ClientHello', () => {
  const dg = firstHello();
  /** The ClientHello's body: after the record header (13 bytes) and the handshake header (12). */
  const body = dg.subarray(25);
  const edited = (edit: (b: Uint8Array) => void): Uint8Array => {
    const b = Uint8Array.from(dg);
    edit(b);
    return b;
  };
  /** Bytes [from, to) of the genuine ClientHello as one fragment of a message of `length` bytes, alone in an epoch-0 record. */
  const helloFragment = (from: number, to: number, o: { offset?: number; length?: number } = {}): Uint8Array => {
    const f = fragment(HT.client_hello, 0, body.subarray(from, to), { length: o.length ?? body.length, offset: o.offset ?? from });
    return rawRecord(CT.handshake, 0xfefd, 0, 0, f.length, f);
  };

  it('a genuine first ClientHello: its epoch-0 record, message_seq 0 and its fields', () => {
    const h = peekClientHello(dg, 16_384)!;
    expect(h.record.epoch).toBe(0);
    expect(h.messageSeq).toBe(0);
    expect(h.hello.clientVersion).toBe(0xfefd);
    expect(h.hello.random).toEqual(body.subarray(2, 34));
    expect(h.hello.cookie).toHaveLength(0);
  });

  it.each([
    ['a datagram shorter than a record header and a handshake header (24 bytes)', () => dg.subarray(0, 24)],
    ['an application_data record', () => edited((b) => { b[0] = CT.appData; })],
    ['a record of epoch 1', () => edited((b) => { b[4] = 1; })],
    ['a record of epoch 256', () => edited((b) => { b[3] = 1; })],
    ['an epoch-0 handshake record holding a ClientKeyExchange', () => edited((b) => { b[13] = HT.client_key_exchange; })],
  ])('not a ClientHello (undefined: the datagram is for an association, if there is one): %s', (_what, make) => {
    expect(peekClientHello(make(), 16_384)).toBeUndefined();
  });

  it('a ClientHello truncated to its record and handshake headers (25 bytes) is one that gets no answer (null)', () => {
    expect(peekClientHello(dg.subarray(0, 25), 16_384)).toBeNull();
  });

  it('the first fragment of a ClientHello, holding little more than the prefix the cookie covers, is one', () => {
    // 60 bytes: version, random, session_id, cookie, and part of the cipher suites.
    const h = peekClientHello(helloFragment(0, 60), 16_384);
    expect(h?.hello.random).toEqual(body.subarray(2, 34));
  });

  it('a later fragment is not answered (null), even when its bytes read as a ClientHello prefix', () => {
    // The hello's first 60 bytes, presented as the fragment at offset 100 of a longer message.
    expect(peekClientHello(helloFragment(0, 60, { offset: 100, length: body.length + 100 }), 16_384)).toBeNull();
  });

  it('a ClientHello may declare exactly maxHandshakeMessageSize bytes, not one more', () => {
    const rec = helloFragment(0, 60, { length: 20_000 });
    expect(peekClientHello(rec, 20_000)).not.toBeNull();
    expect(peekClientHello(rec, 19_999)).toBeNull();
  });
});

// --- the endpoint, before and around its associations ----------------------------------

const ADDR = '10.9.9.9';
/** RFC 8446 §4.1.3: the random of a HelloRetryRequest. */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const PORT = 4000;

function client(options: Partial<ConstructorParameters<typeof DtlsClientNode>[0]> = {}): DtlsClientNode {
  return new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', ...options }, SERVER_ADDR, 0);
}

/**
 * Carry datagrams between a client node at `port` and the endpoint, without
 * loss, until neither has anything to send (`upTo`: only the first `upTo`
 * datagrams from the client).
 */
function converse(ep: ServerEndpoint, c: DtlsClientNode, port = PORT, upTo = Infinity): void {
  let sent = 0;
  for (let round = 0; round < 50; round++) {
    const out = c.takeOutgoing().slice(0, Math.max(0, upTo - sent));
    sent += out.length;
    for (const d of out) ep.receive(d.data, ADDR, port, 0);
    const back = ep.takeTransmits().filter((t) => t.address === ADDR && t.port === port);
    for (const t of back) c.receive(t.data, SERVER_ADDR, 0);
    if (out.length === 0 && back.length === 0) return;
  }
  throw new Error('the conversation did not settle');
}

const dropReasons = (events: readonly ServerEndpointEvent[]): string[] => events.flatMap((e) => (e.type === 'drop' ? [e.reason] : []));

describe('the endpoint routes datagrams before and around its associations', () => {
  it('a record that is no ClientHello, from an address without an association, is dropped: no association', () => {
    const ep = endpoint();
    ep.receive(record(CT.appData, 1, 5, new Uint8Array(40)), ADDR, PORT, 0);
    expect(dropReasons(ep.takeEvents())).toEqual(['no association']);
    expect(ep.takeTransmits()).toEqual([]);
  });

  it('a verified ClientHello starts one association: a connection event for it, counted in handshakesStarted', () => {
    const ep = endpoint();
    const c = client();
    converse(ep, c);
    expect(c.established).toBe(true);
    const assoc = ep.get(ADDR, PORT)!;
    const events = ep.takeEvents();
    expect(events.filter((e) => e.type === 'connection')).toEqual([{ type: 'connection', assoc }]);
    expect(events.findIndex((e) => e.type === 'connection')).toBeLessThan(events.findIndex((e) => e.type === 'secure'));
    expect(ep.stats).toMatchObject({ helloVerifyRequests: 1, handshakesStarted: 1, dropped: 0 });
  });

  it('S-18: a copy of the ClientHello with the cookie, arriving after the handshake, is dropped as stale; the association stays', () => {
    const ep = endpoint();
    const c = client();
    const withCookie = cookieHello(ep, c);
    ep.receive(withCookie, ADDR, PORT, 0);
    for (const t of ep.takeTransmits()) c.receive(t.data, SERVER_ADDR, 0);
    converse(ep, c);
    expect(c.established).toBe(true);
    const assoc = ep.get(ADDR, PORT)!;
    ep.takeEvents();
    ep.receive(withCookie, ADDR, PORT, 0);
    expect(dropReasons(ep.takeEvents())).toEqual(['stale ClientHello of an established association']);
    expect(ep.takeTransmits()).toEqual([]);
    expect(ep.get(ADDR, PORT)).toBe(assoc);
    expect(assoc.conn.isClosed).toBe(false);
  });

  it('a retransmitted ClientHello of a handshake in progress goes to its association, which sends its flight again', () => {
    const ep = endpoint();
    const c = client();
    const withCookie = cookieHello(ep, c);
    ep.receive(withCookie, ADDR, PORT, 0);
    const flight = ep.takeTransmits();
    expect(flight.some((t) => plainMessages(t.data).some((m) => m.msgType === HT.server_hello))).toBe(true);
    ep.takeEvents();
    // The server's flight was lost; the client's timer fires and it sends its ClientHello
    // again (a new record sequence number, the same random).
    const at = c.nextTimeout()!;
    c.onTimeout(at);
    const resent = c.takeOutgoing();
    expect(resent).toHaveLength(1);
    expect(plainMessages(resent[0]!.data)[0]!.body).toEqual(plainMessages(withCookie)[0]!.body);
    ep.receive(resent[0]!.data, ADDR, PORT, at);
    expect(dropReasons(ep.takeEvents())).toEqual([]);
    const again = ep.takeTransmits();
    expect(again.some((t) => plainMessages(t.data).some((m) => m.msgType === HT.server_hello))).toBe(true);
    expect(ep.size).toBe(1);
  });

  it('the later fragments of a fragmented ClientHello go to the association its first fragment (and cookie) started', () => {
    const ep = endpoint();
    const c = client();
    const withCookie = cookieHello(ep, c);
    const rec = recordsOf(withCookie)[0]!;
    const hello = plainMessages(withCookie)[0]!;
    expect(hello.msgType).toBe(HT.client_hello);
    // Cut after the prefix the cookie covers (version, random, session_id, cookie: 68 bytes).
    const cut = 80;
    const part = (from: number, to: number) => fragment(HT.client_hello, hello.messageSeq, hello.body.subarray(from, to), { length: hello.body.length, offset: from });
    ep.receive(record(CT.handshake, 0, rec.seq, part(0, cut)), ADDR, PORT, 0);
    expect(ep.size).toBe(1);
    expect(ep.takeTransmits()).toEqual([]);
    ep.receive(record(CT.handshake, 0, rec.seq + 1, part(cut, hello.body.length)), ADDR, PORT, 0);
    expect(dropReasons(ep.takeEvents())).toEqual([]);
    const flight = ep.takeTransmits();
    expect(flight.some((t) => plainMessages(t.data).some((m) => m.msgType === HT.server_hello))).toBe(true);
  });

  it('S-18: a new handshake, with a verified cookie, from the address of an established association replaces it (ERR_DTLS_REPLACED)', () => {
    const ep = endpoint();
    const first = client();
    converse(ep, first);
    expect(first.established).toBe(true);
    const old = ep.get(ADDR, PORT)!;
    ep.takeEvents();
    // The same address and port, a new client (rebooted device, NAT reuse).
    const next = client();
    converse(ep, next);
    expect(next.established).toBe(true);
    const closes = ep.takeEvents().flatMap((e) => (e.type === 'close' ? [e] : []));
    expect(closes.map((e) => [e.assoc === old, e.error?.code])).toEqual([[true, 'ERR_DTLS_REPLACED']]);
    expect(ep.size).toBe(1);
    expect(ep.get(ADDR, PORT)).not.toBe(old);
  });

  it('maxConnections counts established associations, not handshakes in progress; at the limit a verified ClientHello is dropped (connection limit)', () => {
    const ep = endpoint({ maxConnections: 2 });
    const a = client();
    converse(ep, a, 4001);
    expect(a.established).toBe(true);
    // b: a handshake in progress (its ClientHello with the cookie got the server's flight, nothing more).
    const b = client();
    ep.receive(cookieHello(ep, b, 4002), ADDR, 4002, 0);
    expect(ep.size).toBe(2);
    expect(ep.handshakeCount).toBe(1);
    // One established association below the limit of 2: c may start, and completes.
    const c = client();
    converse(ep, c, 4003);
    expect(c.established).toBe(true);
    ep.takeEvents();
    // Two established: the limit. d gets its HelloVerifyRequest, and nothing for its verified hello.
    const d = client();
    const withCookie = cookieHello(ep, d, 4004);
    ep.receive(withCookie, ADDR, 4004, 0);
    expect(ep.takeTransmits().filter((t) => t.port === 4004)).toEqual([]);
    expect(dropReasons(ep.takeEvents())).toEqual(['connection limit']);
    expect(ep.get(ADDR, 4004)).toBeUndefined();
    expect(ep.size).toBe(3);
  });

  it('maxHandshakesPerAddress: a further verified ClientHello from the same address is dropped (per-address handshake limit)', () => {
    const ep = endpoint({ maxHandshakesPerAddress: 1 });
    ep.receive(cookieHello(ep, client(), 4001), ADDR, 4001, 0);
    expect(ep.handshakeCount).toBe(1);
    ep.takeEvents();
    ep.receive(cookieHello(ep, client(), 4002), ADDR, 4002, 0);
    expect(dropReasons(ep.takeEvents())).toEqual(['per-address handshake limit']);
    expect(ep.get(ADDR, 4002)).toBeUndefined();
  });

  it('the PSK lookup is told the address and port of the client', () => {
    const seen: { address: string; port: number }[] = [];
    const ep = endpoint({
      pskCallback: (identity, info) => {
        seen.push({ ...info });
        return identity === PSK_IDENTITY ? PSK_KEY : null;
      },
    });
    const c = client({ psk: { identity: PSK_IDENTITY, key: PSK_KEY } } as Partial<ConstructorParameters<typeof DtlsClientNode>[0]>);
    converse(ep, c);
    expect(c.established).toBe(true);
    expect(seen).toEqual([{ address: ADDR, port: PORT }]);
  });

  it('a tls12_cid record to a server without Connection IDs goes to the association of its address', () => {
    const ep = endpoint();
    const c = client();
    converse(ep, c);
    expect(c.established).toBe(true);
    ep.takeEvents();
    ep.receive(rawRecord(25, 0xfefd, 1, 9, 40, new Uint8Array(40)), ADDR, PORT, 0);
    const drops = ep.takeEvents().flatMap((e) => (e.type === 'drop' ? [e] : []));
    expect(drops).toHaveLength(1);
    expect(drops[0]!.reason).not.toBe('unknown cid');
    expect(ep.get(ADDR, PORT)?.conn.isClosed).toBe(false);
  });

  it('record traces name the connection: "server ADDR:PORT (stateless)" for the cookie exchange, "server ADDR:PORT" once the association exists', () => {
    const traces: (RecordTrace & { dir: string })[] = [];
    const onIn = (m: unknown): void => { traces.push({ dir: 'in', ...(m as RecordTrace) }); };
    const onOut = (m: unknown): void => { traces.push({ dir: 'out', ...(m as RecordTrace) }); };
    subscribe('puredtls:record:in', onIn);
    subscribe('puredtls:record:out', onOut);
    const ep = endpoint();
    const c = client();
    try {
      converse(ep, c);
    } finally {
      unsubscribe('puredtls:record:in', onIn);
      unsubscribe('puredtls:record:out', onOut);
    }
    expect(c.established).toBe(true);
    const server = traces.filter((t) => t.connection.startsWith('server'));
    const stateless = `server ${ADDR}:${PORT} (stateless)`;
    expect(server.slice(0, 2)).toMatchObject([
      { dir: 'in', connection: stateless, epoch: 0, seq: 0, type: 'handshake', fragments: [{ message: 'client_hello' }] },
      { dir: 'out', connection: stateless, epoch: 0, seq: 0, type: 'handshake', fragments: [{ message: 'hello_verify_request' }] },
    ]);
    const rest = server.slice(2);
    expect(rest.length).toBeGreaterThan(4);
    expect(new Set(rest.map((t) => t.connection))).toEqual(new Set([`server ${ADDR}:${PORT}`]));
    expect(rest.some((t) => t.dir === 'out' && t.fragments?.some((f) => f.message === 'server_hello'))).toBe(true);
  });
});

describe('the endpoint\'s DTLS 1.3 front door: the stateless HelloRetryRequest', () => {
  const client13 = (options: Partial<ConstructorParameters<typeof DtlsClientNode>[0]> = {}) => client({ maxVersion: 'DTLSv1.3', ...options });
  const isHrr = (d: Uint8Array) => plainMessages(d).some((m) => m.msgType === HT.server_hello && toHex(m.body.subarray(2, 34)) === HRR_RANDOM);

  it('a first ClientHello offering 1.3 gets a HelloRetryRequest with a cookie, and nothing is kept; the second, with it, starts the association', () => {
    const ep = endpoint();
    const c = client13();
    ep.receive(c.takeOutgoing()[0]!.data, ADDR, PORT, 0);
    const hrr = ep.takeTransmits();
    expect(hrr).toHaveLength(1);
    expect(isHrr(hrr[0]!.data)).toBe(true);
    expect(ep.size).toBe(0);
    expect(ep.stats).toMatchObject({ helloRetryRequests: 1, helloVerifyRequests: 0, handshakesStarted: 0 });
    c.receive(hrr[0]!.data, SERVER_ADDR, 0);
    converse(ep, c);
    expect(c.established).toBe(true);
    expect(ep.size).toBe(1);
    expect(ep.stats).toMatchObject({ helloRetryRequests: 1, handshakesStarted: 1 });
    const events = ep.takeEvents();
    expect(events.filter((e) => e.type === 'connection')).toEqual([{ type: 'connection', assoc: ep.get(ADDR, PORT) }]);
  });

  it('a second ClientHello whose cookie was altered gets a fresh HelloRetryRequest, and still nothing is kept', () => {
    const ep = endpoint();
    const c = client13();
    ep.receive(c.takeOutgoing()[0]!.data, ADDR, PORT, 0);
    c.receive(ep.takeTransmits()[0]!.data, SERVER_ADDR, 0);
    const second = c.takeOutgoing()[0]!.data;
    const altered = rewriteClientHello(second, (h) => ({
      ...h,
      extensions: h.extensions.map((e) => (e.type === 44 ? { type: 44, data: Uint8Array.from(e.data, (b, i) => (i === e.data.length - 1 ? b ^ 1 : b)) } : e)),
    }));
    ep.receive(altered, ADDR, PORT, 0);
    const out = ep.takeTransmits();
    expect(out).toHaveLength(1);
    expect(isHrr(out[0]!.data)).toBe(true);
    expect(ep.size).toBe(0);
    expect(ep.stats).toMatchObject({ helloRetryRequests: 2, handshakesStarted: 0 });
    // The genuine second ClientHello still starts the association.
    ep.receive(second, ADDR, PORT, 0);
    expect(ep.size).toBe(1);
  });

  it('without the cookie exchange, a ClientHello whose key share fits starts the association at once', () => {
    const ep = endpoint({ cookieExchange: false });
    const c = client13();
    ep.receive(c.takeOutgoing()[0]!.data, ADDR, PORT, 0);
    expect(ep.size).toBe(1);
    expect(ep.stats).toMatchObject({ helloRetryRequests: 0, handshakesStarted: 1 });
    for (const t of ep.takeTransmits()) c.receive(t.data, SERVER_ADDR, 0);
    converse(ep, c);
    expect(c.established).toBe(true);
  });

  it('without the cookie exchange, a ClientHello whose key share does not fit still gets a stateless HelloRetryRequest', () => {
    const ep = endpoint({ cookieExchange: false, ecdhCurve: 'P-256' });
    const c = client13({ ecdhCurve: 'X25519:P-256' });
    ep.receive(c.takeOutgoing()[0]!.data, ADDR, PORT, 0);
    expect(ep.takeTransmits().map((t) => isHrr(t.data))).toEqual([true]);
    expect(ep.size).toBe(0);
    expect(ep.stats).toMatchObject({ helloRetryRequests: 1, handshakesStarted: 0 });
  });

  it('the limits hold on the 1.3 path: a verified second ClientHello over the per-address limit is dropped, with or without the cookie exchange', () => {
    for (const cookieExchange of [true, false]) {
      const ep = endpoint({ cookieExchange, maxHandshakesPerAddress: 1 });
      const [a, b] = [client13(), client13()];
      // Each client's hello that the server verifies (the second one, with the cookie, or
      // the first without the cookie exchange); a's handshake stays in progress.
      for (const [c, port] of [[a, 4001], [b, 4002]] as const) {
        ep.receive(c.takeOutgoing()[0]!.data, ADDR, port, 0);
        if (!cookieExchange) continue;
        for (const t of ep.takeTransmits().filter((x) => x.port === port)) c.receive(t.data, SERVER_ADDR, 0);
        for (const d of c.takeOutgoing()) ep.receive(d.data, ADDR, port, 0);
      }
      expect(ep.get(ADDR, 4001), `cookieExchange ${cookieExchange}`).toBeDefined();
      expect(ep.get(ADDR, 4002), `cookieExchange ${cookieExchange}`).toBeUndefined();
      expect(dropReasons(ep.takeEvents())).toContain('per-address handshake limit');
      expect(ep.stats.handshakesStarted).toBe(1);
    }
  });

  it('the 1.3 PSK lookup is told the address and port of the client', () => {
    const seen: { address: string; port: number }[] = [];
    const ep = endpoint({
      pskCallback: (identity, info) => {
        seen.push({ ...info });
        return identity === PSK_IDENTITY ? PSK_KEY : null;
      },
    });
    const c = client13({ psk: { identity: PSK_IDENTITY, key: PSK_KEY } } as Partial<ConstructorParameters<typeof DtlsClientNode>[0]>);
    converse(ep, c);
    expect(c.established).toBe(true);
    expect(ep.get(ADDR, PORT)?.negotiated?.protocol).toBe('DTLSv1.3');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((x) => `${x.address}:${x.port}`))).toEqual(new Set([`${ADDR}:${PORT}`]));
  });

  it('a 1.3 association is a server: it acknowledges the client\'s Finished at once, so a client with a certificate completes without waiting', () => {
    // No tickets: no NewSessionTicket to acknowledge the Finished implicitly; only the server's ACK does.
    const ep = endpoint({ requestCert: true, rejectUnauthorized: true, ca: pki('ca-bundle.pem'), sessionTickets: false });
    const c = client13({ key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.chain.pem') });
    converse(ep, c);
    expect(c.established).toBe(true);
    const assoc = ep.get(ADDR, PORT)!;
    expect(assoc.negotiated?.protocol).toBe('DTLSv1.3');
    expect(assoc.negotiated?.authorized).toBe(true);
  });

  it('a server that speaks only 1.3 answers a 1.2-only ClientHello with protocol_version, statelessly', () => {
    const ep = endpoint({ minVersion: 'DTLSv1.3' });
    const dg = client().takeOutgoing()[0]!.data;
    ep.receive(dg, ADDR, PORT, 0);
    const out = ep.takeTransmits();
    // A fatal protocol_version alert (70) in a plaintext record with the ClientHello's record sequence number.
    expect(out.map((t) => toHex(t.data))).toEqual([`15fefd0000${toHex(dg.subarray(5, 11))}00020246`]);
    expect(dropReasons(ep.takeEvents())).toEqual(['the client does not offer DTLS 1.3']);
    expect(ep.size).toBe(0);
  });

  it('a 1.3 ClientHello with no suite in common gets handshake_failure, statelessly', () => {
    const ep = endpoint({ ciphers: 'TLS_AES_128_GCM_SHA256' });
    ep.receive(client13({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }).takeOutgoing()[0]!.data, ADDR, PORT, 0);
    const out = ep.takeTransmits();
    expect(out).toHaveLength(1);
    expect(toHex(recordsOf(out[0]!.data)[0]!.fragment)).toBe('0228');
    expect(dropReasons(ep.takeEvents())).toEqual(['no DTLS 1.3 cipher suite in common']);
    expect(ep.size).toBe(0);
  });

  it('a 1.3 ClientHello with a malformed key_share gets decode_error, statelessly', () => {
    const ep = endpoint();
    const bad = rewriteClientHello(client13().takeOutgoing()[0]!.data, (h) => ({
      ...h, extensions: h.extensions.map((e) => (e.type === 51 ? { type: 51, data: Uint8Array.of(0, 9, 0, 0x1d) } : e)),
    }));
    ep.receive(bad, ADDR, PORT, 0);
    const out = ep.takeTransmits();
    expect(out).toHaveLength(1);
    expect(toHex(recordsOf(out[0]!.data)[0]!.fragment)).toBe('0232');
    expect(dropReasons(ep.takeEvents())).toHaveLength(1);
    expect(ep.size).toBe(0);
  });

  it('a ClientHello too small for the HelloRetryRequest it would need gets nothing (no amplification)', () => {
    const ep = endpoint();
    // Only what 1.3 negotiation needs, and no key share: the HelloRetryRequest would ask for
    // one and carry a 69-byte cookie, more than this hello's size.
    const tiny: ClientHello = {
      clientVersion: 0xfefd, random: new Uint8Array(32).fill(7), sessionId: new Uint8Array(0), cookie: new Uint8Array(0),
      cipherSuites: [0x1301], compressionMethods: [0],
      extensions: [
        { type: 43, data: Uint8Array.of(2, 0xfe, 0xfc) },
        { type: 10, data: Uint8Array.of(0, 2, 0, 0x1d) },
        { type: 13, data: Uint8Array.of(0, 2, 4, 3) },
        { type: 51, data: Uint8Array.of(0, 0) },
      ],
    };
    const dg = record(CT.handshake, 0, 0, message(HT.client_hello, 0, encodeHello(tiny)));
    ep.receive(dg, ADDR, PORT, 0);
    expect(ep.takeTransmits()).toEqual([]);
    expect(dropReasons(ep.takeEvents())).toEqual(['HelloRetryRequest would exceed ClientHello']);
    expect(ep.stats.helloRetryRequests).toBe(0);
    // The same hello padded to a realistic size gets its HelloRetryRequest.
    const padded = record(CT.handshake, 0, 0, message(HT.client_hello, 0, encodeHello({ ...tiny, extensions: [...tiny.extensions, { type: 21, data: new Uint8Array(120) }] })));
    ep.receive(padded, ADDR, PORT, 0);
    expect(ep.takeTransmits().map((t) => isHrr(t.data))).toEqual([true]);
  });

  it('record traces of the HelloRetryRequest exchange name the connection "server ADDR:PORT (stateless)"', () => {
    const traces: (RecordTrace & { dir: string })[] = [];
    const onIn = (m: unknown): void => { traces.push({ dir: 'in', ...(m as RecordTrace) }); };
    const onOut = (m: unknown): void => { traces.push({ dir: 'out', ...(m as RecordTrace) }); };
    subscribe('puredtls:record:in', onIn);
    subscribe('puredtls:record:out', onOut);
    try {
      endpoint().receive(client13().takeOutgoing()[0]!.data, ADDR, PORT, 0);
    } finally {
      unsubscribe('puredtls:record:in', onIn);
      unsubscribe('puredtls:record:out', onOut);
    }
    const stateless = `server ${ADDR}:${PORT} (stateless)`;
    expect(traces.filter((t) => t.connection.startsWith('server'))).toMatchObject([
      { dir: 'in', connection: stateless, epoch: 0, type: 'handshake', fragments: [{ message: 'client_hello' }] },
      { dir: 'out', connection: stateless, epoch: 0, type: 'handshake', fragments: [{ message: 'server_hello' }] },
    ]);
  });

  it('record traces of a 1.3 association name it "server ADDR:PORT"', () => {
    const traces: RecordTrace[] = [];
    const onOut = (m: unknown): void => { traces.push(m as RecordTrace); };
    const ep = endpoint();
    const c = client13();
    subscribe('puredtls:record:out', onOut);
    try {
      converse(ep, c);
    } finally {
      unsubscribe('puredtls:record:out', onOut);
    }
    expect(c.established).toBe(true);
    const server = traces.filter((t) => t.connection.startsWith('server'));
    expect(server.length).toBeGreaterThan(2);
    expect(new Set(server.slice(1).map((t) => t.connection))).toEqual(new Set([`server ${ADDR}:${PORT}`]));
  });
});

/**
 * Deliver the client's first ClientHello (from ADDR:`port`), hand the
 * HelloVerifyRequest back, and return the client's ClientHello with the
 * cookie, not yet delivered.
 */
function cookieHello(ep: ServerEndpoint, c: DtlsClientNode, port = PORT): Uint8Array {
  ep.receive(c.takeOutgoing()[0]!.data, ADDR, port, 0);
  const hvr = ep.takeTransmits().filter((t) => t.port === port);
  expect(hvr).toHaveLength(1);
  c.receive(hvr[0]!.data, SERVER_ADDR, 0);
  const out = c.takeOutgoing();
  expect(out).toHaveLength(1);
  return out[0]!.data.slice();
}
