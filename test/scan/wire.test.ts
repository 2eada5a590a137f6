/**
 * The scanner against servers that lie: a fake UDP server (in this process)
 * answers with crafted or random datagrams. Whatever comes back, probes end
 * with an outcome, never an exception; a crafted DTLS 1.3
 * HelloRetryRequest and a downgrade-sentinel ServerHello are read right.
 */
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/codec/writer.js';
import { defaultProvider } from '../../src/crypto/index.js';
import { encodeHelloVerifyRequest } from '../../src/handshake/messages/hello-verify-request.js';
import { encodeServerHello } from '../../src/handshake/messages/server-hello.js';
import { HandshakeType } from '../../src/handshake/registry.js';
import { DOWNGRADE_SENTINEL_12, hasDowngradeSentinel, probeDtls13 } from '../../src/scan/dtls13.js';
import { type ScanContext, exchangeHello } from '../../src/scan/exchange.js';
import { IANA_SUITES, ianaSuite } from '../../src/scan/iana-suites.js';
import { Budget } from '../../src/scan/transport.js';
import { FlightReader, SeqCounter, datagram, handshakeRecords } from '../../src/scan/wire.js';

const HRR_RANDOM = Uint8Array.from(Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'));

/** A UDP server that answers every datagram with what `answer` returns. */
async function fakeServer(answer: (dg: Uint8Array, n: number) => Uint8Array[]): Promise<{ port: number; received: Uint8Array[]; close: () => void }> {
  const s = dgram.createSocket('udp4');
  const received: Uint8Array[] = [];
  s.on('message', (msg, rinfo) => {
    received.push(new Uint8Array(msg));
    for (const out of answer(new Uint8Array(msg), received.length - 1)) s.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, received, close: () => s.close() };
}

let server: { close: () => void } | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

function context(port: number): ScanContext {
  return {
    target: { host: '127.0.0.1', address: '127.0.0.1', family: 4, port }, budget: new Budget(100, 1000, performance.now() + 20_000),
    provider: defaultProvider(), replyTimeout: 300, log: () => {},
  };
}

const ext = (type: number, data: Uint8Array) => ({ type, data });

describe('FlightReader', () => {
  it('never throws on arbitrary datagrams, and notes what it could not read', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const rd = new FlightReader();
      rd.add(bytes);
      expect(Array.isArray(rd.malformed)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('reassembles a message from fragments in any order, once', () => {
    const body = Uint8Array.from({ length: 100 }, (_, i) => i);
    const recs = handshakeRecords(HandshakeType.certificate, 2, body, new SeqCounter(), { fragment: 30 });
    const rd = new FlightReader();
    for (const r of [...recs].reverse()) rd.add(r);
    rd.add(recs[0]!); // a duplicate after completion
    expect(rd.messages).toHaveLength(1);
    expect(rd.messages[0]!.body).toEqual(body);
    expect(rd.messages[0]!.fragments).toBe(4);
    expect(rd.fragmented).toBe(true);
    expect(rd.duplicates).toBe(1);
  });

  it('notes a fragment that disagrees on the length, and a declared 16 MiB message, without allocating it', () => {
    const rd = new FlightReader();
    const a = handshakeRecords(HandshakeType.certificate, 1, new Uint8Array(40), new SeqCounter(), { fragment: 20 })[0]!;
    const b = handshakeRecords(HandshakeType.certificate, 1, new Uint8Array(50), new SeqCounter(), { fragment: 20 })[1]!;
    rd.add(datagram([a, b]));
    expect(rd.malformed.join()).toMatch(/disagree on the length/);
    const huge = Uint8Array.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14, 11, 0xff, 0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 2, 1, 2]);
    rd.add(huge);
    expect(rd.malformed.join()).toMatch(/16777215 bytes declared/);
  });
});

describe('exchange with a lying server', () => {
  it('random answers end as malformed or silence, never as an exception', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 120 }), async (junk) => {
      const s = await fakeServer(() => [junk]);
      try {
        const ex = await exchangeHello(context(s.port), { suites: [0xc02b] }, { helloOnly: true });
        expect(['malformed', 'silence', 'alert', 'helloVerifyRequestOnly', 'serverHello']).toContain(ex.outcome);
      } finally {
        s.close();
      }
    }), { numRuns: 25 });
  }, 60_000);

  it('a HelloVerifyRequest with a 255-byte cookie is followed, and a truncated one is malformed', async () => {
    const hvr = (cookie: Uint8Array) => datagram(handshakeRecords(HandshakeType.hello_verify_request, 0,
      encode((w) => encodeHelloVerifyRequest(w, { serverVersion: 0xfeff, cookie })), new SeqCounter()));
    const s = await fakeServer((_, n) => (n === 0 ? [hvr(new Uint8Array(255).fill(0xff))] : []));
    server = s;
    const ex = await exchangeHello(context(s.port), { suites: [0xc02b] }, { helloOnly: true });
    expect(ex.hvrs[0]?.cookie.length).toBe(255);
    expect(s.received).toHaveLength(3); // hello, hello with the cookie, its resend after silence
    const bad = hvr(new Uint8Array(4));
    const cut = Uint8Array.from(bad);
    cut[cut.length - 5] = 200; // the cookie length now runs past the message
    const t = await fakeServer(() => [cut]);
    try {
      const ex2 = await exchangeHello(context(t.port), { suites: [0xc02b] }, { helloOnly: true });
      expect(ex2.outcome).toBe('malformed');
    } finally {
      t.close();
    }
  });
});

describe('a scan of a server that answers nonsense', () => {
  it('ends, reports the malformed answers as a finding, and says the rest could not be tested', async () => {
    // A handshake record whose length runs 4 KiB past the end of the datagram.
    const s = await fakeServer(() => [Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 1, 2)]);
    server = s;
    const { scan } = await import('../../src/scan/scan.js');
    const r = await scan({ host: '127.0.0.1', port: s.port, replyTimeout: 200, timerWindow: 500, spoofWindow: 300 });
    expect(r.reachable).toBe(true);
    expect(r.malformedAnswers).toContain('record length past end of datagram');
    expect(r.findings.map((f) => f.id)).toContain('malformed-answers');
    expect(r.versions.dtls12).toEqual({ supported: null, answer: 'malformed answer: record length past end of datagram' });
    expect(r.cipherSuites.accepted).toEqual([]);
  }, 60_000);
});

describe('DTLS 1.3 detection', () => {
  it('reads a HelloRetryRequest: DTLS 1.3, its cookie, group and suite', async () => {
    const hrr = encode((w) => encodeServerHello(w, {
      serverVersion: 0xfefd, random: HRR_RANDOM, sessionId: new Uint8Array(0), cipherSuite: 0x1302, compressionMethod: 0,
      extensions: [ext(43, Uint8Array.of(0xfe, 0xfc)), ext(51, Uint8Array.of(0, 24)), ext(44, encode((w) => w.opaque16(new Uint8Array(20).fill(7))))],
    }));
    let hello: Uint8Array | undefined;
    const s = await fakeServer((dg) => {
      hello ??= dg;
      return [datagram(handshakeRecords(HandshakeType.server_hello, 0, hrr, new SeqCounter()))];
    });
    server = s;
    const r = await probeDtls13(context(s.port), 'example.test');
    expect(r).toMatchObject({ supported: true, helloRetryRequest: true, hrrCookie: true, selectedGroup: 'P-384', selectedSuite: 'TLS_AES_256_GCM_SHA384' });
    // The hello offered DTLS 1.3 (supported_versions 0xfefc) with an empty key_share.
    const hex = Buffer.from(hello!).toString('hex');
    expect(hex).toContain('002b000504fefcfefd');
    expect(hex).toContain('003300020000');
  });

  it('a DTLS 1.2 ServerHello to the 1.3 hello means no 1.3; the sentinel is read from a random', async () => {
    const sh = encode((w) => encodeServerHello(w, {
      serverVersion: 0xfefd, random: new Uint8Array(32).fill(1), sessionId: new Uint8Array(0), cipherSuite: 0xc02b, compressionMethod: 0, extensions: [],
    }));
    const s = await fakeServer(() => [datagram(handshakeRecords(HandshakeType.server_hello, 0, sh, new SeqCounter()))]);
    server = s;
    expect(await probeDtls13(context(s.port), undefined)).toMatchObject({ supported: false, answer: 'ServerHello for DTLS 1.2' });
    const random = new Uint8Array(32);
    random.set(DOWNGRADE_SENTINEL_12, 24);
    expect(hasDowngradeSentinel(random)).toBe(true);
    expect(hasDowngradeSentinel(new Uint8Array(32))).toBe(false);
  });
});

describe('suite catalogue', () => {
  it('holds 265 distinct suites whose properties come from their IANA names', () => {
    expect(new Set(IANA_SUITES.map((s) => s.id)).size).toBe(265);
    expect(ianaSuite(0x0003)).toMatchObject({ export: true, rc4: true, dtlsOk: false, kx: 'RSA_EXPORT' });
    expect(ianaSuite(0x000a)).toMatchObject({ tripleDes: true, cbc: true, forwardSecret: false, dtls10: true });
    expect(ianaSuite(0xc0ae)).toMatchObject({ aead: true, mac: 'AEAD', kx: 'ECDHE_ECDSA', forwardSecret: true, dtls10: false });
    expect(ianaSuite(0x0000)).toMatchObject({ nullCipher: true, anonymous: true });
    expect(ianaSuite(0xc0aa)).toMatchObject({ kx: 'DHE_PSK', psk: true });
    expect(ianaSuite(0x0018)).toMatchObject({ anonymous: true, rc4: true });
  });
});
