/**
 * The seed corpus: real inputs taken from handshakes between our own client
 * and server (the deterministic recordings of lib/recordings.ts), plus a few
 * crafted edge cases where a recording has no example (all three key
 * exchange kinds, Finished, reassembler programs). tools/fuzz/seed.mjs
 * bundles this file and writes the result to fuzz/corpus/<target>/seed-*.
 */
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { suiteByName } from '../../src/crypto/suites.js';
import { encodeExtensions } from '../../src/handshake/extensions.js';
import { decodeHandshakeFragment } from '../../src/handshake/header.js';
import { decodeClientHello } from '../../src/handshake/messages/client-hello.js';
import { decodeServerHello } from '../../src/handshake/messages/server-hello.js';
import { encodeCertificate } from '../../src/handshake/messages/certificate.js';
import { encodeCertificateRequest } from '../../src/handshake/messages/certificate-request.js';
import { encodeClientKeyExchange } from '../../src/handshake/messages/client-key-exchange.js';
import { encodeServerKeyExchange } from '../../src/handshake/messages/server-key-exchange.js';
import { HandshakeType as HT } from '../../src/handshake/registry.js';
import { ContentType } from '../../src/record/content-type.js';
import { createProtection } from '../../src/record/protection.js';
import { encodeRecord, parseDatagram } from '../../src/record/record.js';
import { certificatesFromPem } from '../../src/x509/pem.js';
import { CLIENT_ADDR, SCENARIOS, SCENARIOS13, SERVER_ADDR, type Scenario, T0, encodeSteps, newClient, newServer } from '../targets/lib/endpoints.js';
import caBundle from '../../test/fixtures/pki/ca-bundle.pem';
import rsaChain from '../../test/fixtures/pki/server-rsa2048.chain.pem';
import ed25519Chain from '../../test/fixtures/pki/server-ed25519.chain.pem';
import p384Chain from '../../test/fixtures/pki/server-ecdsa-p384.chain.pem';
import expired from '../../test/fixtures/pki/client-expired.crt.pem';
import selfSigned from '../../test/fixtures/pki/client-selfsigned.crt.pem';
import { PROTECTED_SUITES, protectionKeys } from '../targets/lib/protections.js';
import { FUZZ_SUITES_13, fuzzKeys13 } from '../targets/dtls13-record.js';
import { BINDER_LAYOUT_SELECTOR, DTLS13_CODECS } from '../targets/dtls13-messages.js';
import { RecordProtection13 } from '../../src/dtls13/protection.js';
import { encodePlaintextRecord13, parseDatagram13 } from '../../src/dtls13/record.js';
import { encodeAck } from '../../src/dtls13/messages/ack.js';
import { suite13ByName } from '../../src/dtls13/suites.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../src/dtls13/messages/server-hello.js';
import {
  allServerDatagrams, clientFlightsAfterHello, clientHelloWithCookie, recording, serverFlightsAfter, serverFlightsBeforeFinished,
} from '../targets/lib/recordings.js';

export type Seeds = Record<string, { name: string; data: Uint8Array }[]>;

const KX_INDEX = { ECDHE: 0, PSK: 1, ECDHE_PSK: 2 } as const;

function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/**
 * The whole-handshake seeds are only useful if they still complete a
 * handshake when the targets replay them: check that they do.
 */
function verifyHandshakeSeeds(): void {
  for (const s of [...SCENARIOS, ...SCENARIOS13]) {
    const results: Record<string, boolean> = {};
    const a = newServer(s, true);
    a.receive(clientHelloWithCookie(s), CLIENT_ADDR, T0);
    for (const d of clientFlightsAfterHello(s, true)) a.receive(d, CLIENT_ADDR, T0);
    results['server, cookie'] = a.established === 1;
    const b = newServer(s, false);
    for (const d of clientFlightsAfterHello(s, false)) b.receive(d, CLIENT_ADDR, T0);
    results['server, direct'] = b.established === 1;
    const c = newClient(s);
    for (const d of allServerDatagrams(s)) c.receive(d, SERVER_ADDR, T0);
    results['client, all'] = c.established && c.received.length === 1;
    const e = newClient(s);
    for (const d of [...serverFlightsBeforeFinished(s), ...serverFlightsAfter(s)]) e.receive(d, SERVER_ADDR, T0);
    results['client, replay'] = e.established && e.received.length === 1;
    const failed = Object.entries(results).filter(([, ok]) => !ok).map(([k]) => k);
    if (failed.length > 0) throw new Error(`${s}: the recorded handshake does not complete on replay (${failed.join(', ')})`);
  }
}

export function generateSeeds(): Seeds {
  verifyHandshakeSeeds();
  const seeds: Seeds = {};
  const seen = new Map<string, Set<string>>();
  const add = (target: string, name: string, data: Uint8Array) => {
    const key = Buffer.from(data).toString('hex');
    const s = seen.get(target) ?? new Set<string>();
    seen.set(target, s);
    if (s.has(key)) return;
    s.add(key);
    (seeds[target] ??= []).push({ name, data: data.slice() });
  };

  // --- Datagrams and handshake messages of the recorded handshakes ---------
  for (const scenario of SCENARIOS) {
    const rec = recording(scenario);
    for (const [variant, log] of [['cookie', rec.cookie], ['direct', rec.direct]] as const) {
      log.forEach((d, i) => {
        if (variant === 'cookie') add('record', `${scenario}-${i}-${d.dir}`, d.data);
        for (const [j, r] of parseDatagram(d.data).records.entries()) {
          if (r.type !== ContentType.handshake || r.epoch !== 0) continue;
          add('handshake-header', `${scenario}-${variant}-${i}-${j}`, r.fragment);
          const reader = new Reader(r.fragment);
          while (reader.remaining > 0) {
            const f = decodeHandshakeFragment(reader);
            if (f.fragmentOffset !== 0 || f.body.length !== f.length) continue;
            const n = `${scenario}-${variant}`;
            const seq = f.messageSeq;
            switch (f.msgType) {
              case HT.client_hello: {
                add('client-hello', `${n}-${seq}`, f.body);
                const exts = decodeClientHello(new Reader(f.body)).extensions;
                add('extensions', `client-${n}-${seq}`, encode((w) => encodeExtensions(w, exts)));
                break;
              }
              case HT.server_hello: {
                add('server-hello', n, f.body);
                const exts = decodeServerHello(new Reader(f.body)).extensions;
                add('extensions', `server-${n}`, encode((w) => encodeExtensions(w, exts)));
                break;
              }
              case HT.hello_verify_request:
                add('hello-verify-request', n, f.body);
                break;
              case HT.certificate:
                add('certificate', `${n}-${d.dir}`, f.body);
                break;
              case HT.server_key_exchange:
                add('server-key-exchange', n, cat([scenario === 'psk' ? KX_INDEX.ECDHE_PSK : KX_INDEX.ECDHE], f.body));
                break;
              case HT.certificate_request:
                add('certificate-request', n, f.body);
                break;
              case HT.client_key_exchange:
                add('client-key-exchange', n, cat([scenario === 'psk' ? KX_INDEX.ECDHE_PSK : KX_INDEX.ECDHE], f.body));
                break;
              case HT.certificate_verify:
                add('certificate-verify', n, f.body);
                break;
              default:
                break;
            }
          }
        }
      });
    }
  }

  // --- Crafted messages where the recordings have no example --------------
  const point = Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : i));
  const x25519 = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const sig = Uint8Array.from({ length: 70 }, (_, i) => (i * 7) & 0xff);
  const ske = (m: Parameters<typeof encodeServerKeyExchange>[1]) => encode((w) => encodeServerKeyExchange(w, m));
  add('server-key-exchange', 'crafted-psk-hint', cat([KX_INDEX.PSK], ske({ pskIdentityHint: new TextEncoder().encode('hint') })));
  add('server-key-exchange', 'crafted-psk-empty', cat([KX_INDEX.PSK], ske({ pskIdentityHint: new Uint8Array(0) })));
  add('server-key-exchange', 'crafted-ecdhe-psk', cat([KX_INDEX.ECDHE_PSK], ske({ pskIdentityHint: new Uint8Array(0), ecdh: { namedGroup: 29, publicKey: x25519 } })));
  add('server-key-exchange', 'crafted-ecdhe-p256', cat([KX_INDEX.ECDHE], ske({ ecdh: { namedGroup: 23, publicKey: point }, signature: { scheme: 0x0403, signature: sig } })));
  const cke = (m: Parameters<typeof encodeClientKeyExchange>[1]) => encode((w) => encodeClientKeyExchange(w, m));
  add('client-key-exchange', 'crafted-ecdhe', cat([KX_INDEX.ECDHE], cke({ publicKey: point })));
  add('client-key-exchange', 'crafted-psk', cat([KX_INDEX.PSK], cke({ pskIdentity: new TextEncoder().encode('Client_identity') })));
  add('client-key-exchange', 'crafted-ecdhe-psk', cat([KX_INDEX.ECDHE_PSK], cke({ pskIdentity: new TextEncoder().encode('id'), publicKey: x25519 })));
  add('certificate-request', 'crafted-no-cas', encode((w) => encodeCertificateRequest(w, { certificateTypes: [64], signatureAlgorithms: [0x0403, 0x0804], certificateAuthorities: [] })));
  add('certificate', 'crafted-empty', encode((w) => encodeCertificate(w, { certificates: [] })));
  for (const [name, pem] of Object.entries({ caBundle, rsaChain, ed25519Chain, p384Chain, expired, selfSigned })) {
    add('certificate', `fixture-${name}`, encode((w) => encodeCertificate(w, { certificates: certificatesFromPem(pem) }), 8192));
  }
  add('certificate-verify', 'crafted-ed25519', cat([0x08, 0x07, 0x00, 0x40], new Uint8Array(64).fill(0x11)));
  add('finished', 'zero', new Uint8Array(12));
  add('finished', 'pattern', Uint8Array.from({ length: 12 }, (_, i) => i * 21));
  add('finished', 'short', new Uint8Array(11).fill(0xff));
  add('finished', 'long', new Uint8Array(13).fill(0x80));
  add('hello-verify-request', 'crafted-dtls12-empty-cookie', Uint8Array.of(0xfe, 0xfd, 0x00));
  add('extensions', 'crafted-sni', encode((w) => encodeExtensions(w, [
    { type: 0, data: encode((x) => x.vec16((y) => y.u8(0).opaque16(new TextEncoder().encode('example.com')).u8(1).opaque16(Uint8Array.of(1)))) },
    { type: 23, data: new Uint8Array(0) },
    { type: 22, data: new Uint8Array(0) },
    { type: 0xff01, data: Uint8Array.of(0) },
  ])));
  add('extensions', 'crafted-empty-block', Uint8Array.of(0, 0));

  // --- Protected records for the record target ----------------------------
  for (const { name, etm } of PROTECTED_SUITES) {
    const suite = suiteByName(name)!;
    const p = createProtection(nodeProvider, suite, protectionKeys(suite), etm);
    const appData = encodeRecord(ContentType.application_data, 0xfefd, 1, 1, p.seal(ContentType.application_data, 0xfefd, 1, 1, new TextEncoder().encode('fuzz')));
    const finished = encodeRecord(ContentType.handshake, 0xfefd, 1, 0, p.seal(ContentType.handshake, 0xfefd, 1, 0, cat([20, 0, 0, 12, 0, 5, 0, 0, 0, 0, 0, 12], new Uint8Array(12).fill(7))));
    add('record', `sealed-${name}${etm ? '-etm' : ''}`, cat(finished, appData));
  }

  // --- DTLS 1.3 records and messages ---------------------------------------
  for (const name of FUZZ_SUITES_13) {
    const suite = suite13ByName(name)!;
    const p = new RecordProtection13(nodeProvider, suite, fuzzKeys13(suite));
    const hs = p.seal(ContentType.handshake, cat([20, 0, 0, 32, 0, 5, 0, 0, 0, 0, 0, 32], new Uint8Array(32).fill(7)), 2, 0, { seqLength: 2 });
    const ack = p.seal(ContentType.ack, cat([0, 16], new Uint8Array(7), [2], new Uint8Array(8)), 3, 1, { seqLength: 1 });
    const app = p.seal(ContentType.application_data, new TextEncoder().encode('fuzz'), 3, 300, { seqLength: 1, includeLength: false });
    const plain = encodePlaintextRecord13(ContentType.handshake, 0, cat([2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], [0]));
    add('dtls13-record', `sealed-${name}`, cat([0], plain, hs, ack, app));
    const cid = Uint8Array.of(0xc1, 0xd2);
    add('dtls13-record', `sealed-cid-${name}`, cat([2], p.seal(ContentType.application_data, new Uint8Array(3), 2, 70000, { cid }), p.seal(ContentType.alert, Uint8Array.of(1, 0), 2, 70001, { cid, includeLength: false })));
  }
  const codecIndex = (name: string) => DTLS13_CODECS.findIndex(([n]) => n === name);
  const msg = (name: string, value: unknown) => {
    const [, , enc] = DTLS13_CODECS[codecIndex(name)]!;
    add('dtls13-messages', name, cat([codecIndex(name)], encode((w) => enc(w, value), 4096)));
  };
  const ext = (type: number, data: Uint8Array) => ({ type, data });
  msg('server-hello', { legacyVersion: 0xfefd, random: new Uint8Array(32).fill(9), legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301, legacyCompressionMethod: 0, extensions: [ext(43, Uint8Array.of(0xfe, 0xfc)), ext(51, cat([0, 29, 0, 32], x25519))] });
  add('dtls13-messages', 'hello-retry-request', cat([codecIndex('server-hello'), 0xfe, 0xfd], HELLO_RETRY_REQUEST_RANDOM, [0, 0x13, 0x02, 0, 0, 0x12, 0, 43, 0, 2, 0xfe, 0xfc, 0, 51, 0, 2, 0, 23, 0, 44, 0, 2, 0xab, 0xcd]));
  msg('encrypted-extensions', { extensions: [ext(10, Uint8Array.of(0, 2, 0, 29)), ext(54, Uint8Array.of(2, 1, 2))] });
  msg('certificate-request', { certificateRequestContext: new Uint8Array(0), extensions: [ext(13, Uint8Array.of(0, 4, 4, 3, 8, 4))] });
  msg('certificate', { certificateRequestContext: new Uint8Array(0), certificateList: certificatesFromPem(p384Chain).map((data) => ({ data, extensions: [] })) });
  msg('finished', { verifyData: new Uint8Array(32).fill(3) });
  msg('new-session-ticket', { ticketLifetime: 7200, ticketAgeAdd: 0xfad6aac5, ticketNonce: Uint8Array.of(0, 0), ticket: new Uint8Array(80).fill(5), extensions: [ext(42, Uint8Array.of(0, 0, 4, 0))] });
  msg('key-update', { requestUpdate: 1 });
  msg('ack', { recordNumbers: [{ epoch: 2, seq: 0 }, { epoch: 3, seq: 1 }] });
  msg('new-connection-id', { cids: [Uint8Array.of(1, 2), Uint8Array.of(3)], usage: 1 });
  msg('request-connection-id', { numCids: 3 });
  msg('supported-versions-list', { versions: [0xfefc, 0xfefd] });
  msg('selected-version', { selectedVersion: 0xfefc });
  msg('key-share-client-hello', { clientShares: [{ group: 29, keyExchange: x25519 }, { group: 23, keyExchange: point }] });
  msg('key-share-server-hello', { serverShare: { group: 29, keyExchange: x25519 } });
  msg('key-share-hrr', { selectedGroup: 24 });
  msg('offered-psks', { identities: [{ identity: new Uint8Array(40).fill(1), obfuscatedTicketAge: 0xfad6aacb }], binders: [new Uint8Array(32).fill(2)] });
  msg('selected-identity', { selectedIdentity: 0 });
  msg('psk-key-exchange-modes', { keModes: [1, 0] });
  msg('cookie', { cookie: new Uint8Array(48).fill(4) });
  msg('max-early-data-size', { maxEarlyDataSize: 0 });
  msg('signature-scheme-list', { schemes: [0x0403, 0x0804, 0x0807] });
  msg('connection-id', { cid: Uint8Array.of(0xc1, 0xd2) });
  msg('session13', { suiteId: 0x1301, psk: new Uint8Array(32).fill(8), ticketAgeAdd: 1, created: 1_800_000_000_000, lifetime: 7200, maxEarlyData: 0, peerCertificates: [], authorized: false, servername: 'example.com' });
  {
    // A DTLS 1.3 ClientHello with a PSK offer, for the binder layout (dtls and tls layouts).
    const psk = encode((w) => DTLS13_CODECS[codecIndex('offered-psks')]![2](w, { identities: [{ identity: new Uint8Array(20).fill(1), obfuscatedTicketAge: 5 }], binders: [new Uint8Array(32).fill(2)] }));
    const exts = encode((w) => encodeExtensions(w, [ext(43, Uint8Array.of(2, 0xfe, 0xfc)), ext(45, Uint8Array.of(1, 1)), ext(41, psk)]));
    const dtls = cat([0xfe, 0xfd], new Uint8Array(32).fill(6), [0, 0, 0, 2, 0x13, 0x01, 1, 0], exts);
    const tls = cat([0x03, 0x03], new Uint8Array(32).fill(6), [0, 0, 2, 0x13, 0x01, 1, 0], exts);
    add('dtls13-messages', 'binder-layout-dtls', cat([BINDER_LAYOUT_SELECTOR], dtls));
    add('dtls13-messages', 'binder-layout-tls', cat([BINDER_LAYOUT_SELECTOR + 1], tls));
  }

  // --- Whole handshakes -----------------------------------------------------
  const wholeHandshakes = (scenarios: readonly Scenario[], serverTarget: string, clientTarget: string) => scenarios.forEach((scenario, i) => {
    const cookie = clientFlightsAfterHello(scenario, true);
    const direct = clientFlightsAfterHello(scenario, false);
    add(serverTarget, `${scenario}-cookie`, cat([i << 1], encodeSteps(cookie)));
    add(serverTarget, `${scenario}-direct`, cat([(i << 1) | 1], encodeSteps(direct)));
    // The same, with a timer step (retransmission) before the client's last flight and after the handshake.
    add(serverTarget, `${scenario}-cookie-tick`, cat([i << 1], [0, 0], encodeSteps(cookie), [0, 0]));
    const all = allServerDatagrams(scenario);
    const after = serverFlightsAfter(scenario);
    add(clientTarget, `${scenario}-all`, cat([i << 1], encodeSteps(all)));
    add(clientTarget, `${scenario}-replay`, cat([(i << 1) | 1], encodeSteps(after)));
    // Application data from the client once established (top bit of the last step).
    const withSend = encodeSteps(after);
    const lastLen = after[after.length - 1]!.length;
    withSend[withSend.length - lastLen - 2]! |= 0x80;
    add(clientTarget, `${scenario}-replay-send`, cat([(i << 1) | 1], [0, 0], withSend));
  });
  wholeHandshakes(SCENARIOS, 'server-handshake', 'client-handshake');
  wholeHandshakes(SCENARIOS13, 'dtls13-server-handshake', 'dtls13-client-handshake');

  // --- DTLS 1.3 recordings: datagrams for the record target, ClientHellos for the 1.3 front door ---
  for (const scenario of SCENARIOS13) {
    const rec = recording(scenario);
    for (const [variant, log] of [['cookie', rec.cookie], ['direct', rec.direct]] as const) {
      log.forEach((d, i) => {
        // The record target's receiver expects a CID of 0-3 bytes: the CID scenario's records (4 bytes) go in as they are, CID-less.
        if (variant === 'cookie' && scenario !== 'ccm8-cid13') add('dtls13-record', `${scenario}-${i}-${d.dir}`, cat([0], d.data));
        for (const r of parseDatagram13(d.data).records) {
          if (r.kind !== 'plaintext' || r.type !== ContentType.handshake) continue;
          const f = decodeHandshakeFragment(new Reader(r.fragment));
          if (f.msgType === HT.client_hello && f.fragmentOffset === 0 && f.body.length === f.length) add('dtls13-client-hello', `${scenario}-${variant}-${i}`, f.body);
        }
      });
    }
  }

  // --- Spoofed records spliced into whole handshakes ----------------------
  // Records anyone on the path can send without keys, at three points of a
  // completing handshake: before the peer's last flight, after it, and after
  // the application data. The targets check that none of them gets
  // unauthenticated data through or tears down an established session, and
  // jsfuzz splices them into other inputs.
  const spoofs: Record<string, Uint8Array> = {
    'appdata-epoch0': encodeRecord(ContentType.application_data, 0xfefd, 0, 200, new TextEncoder().encode('spoofed')),
    'alert-fatal-epoch0': encodeRecord(ContentType.alert, 0xfefd, 0, 201, Uint8Array.of(2, 40)),
    'ccs-malformed-epoch0': encodeRecord(ContentType.change_cipher_spec, 0xfefd, 0, 202, Uint8Array.of(1, 1)),
    'ccs-epoch0': encodeRecord(ContentType.change_cipher_spec, 0xfefd, 0, 203, Uint8Array.of(1)),
    'appdata-epoch1-forged': encodeRecord(ContentType.application_data, 0xfefd, 1, 40, Uint8Array.from({ length: 40 }, (_, k) => k)),
    'hello-request-epoch0': encodeRecord(ContentType.handshake, 0xfefd, 0, 204, cat([0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0])),
  };
  const spliced = (flights: Uint8Array[], at: number, rec: Uint8Array) => [...flights.slice(0, at), rec, ...flights.slice(at)];
  {
    const i = SCENARIOS.indexOf('ecdsa');
    const c2s = clientFlightsAfterHello('ecdsa', true); // flight 5 (one datagram or more), data, close_notify
    const s2c = serverFlightsAfter('ecdsa'); // flight 6, echo
    for (const [name, rec] of Object.entries(spoofs)) {
      for (const [pos, at] of [['before-last-flight', 0], ['after-last-flight', c2s.length - 2], ['after-data', c2s.length - 1]] as const) {
        add('server-handshake', `ecdsa-cookie-spoof-${name}-${pos}`, cat([i << 1], encodeSteps(spliced(c2s, at, rec))));
      }
      for (const [pos, at] of [['before-last-flight', 0], ['after-last-flight', s2c.length - 1], ['after-data', s2c.length]] as const) {
        add('client-handshake', `ecdsa-replay-spoof-${name}-${pos}`, cat([(i << 1) | 1], encodeSteps(spliced(s2c, at, rec))));
      }
    }
  }

  // The DTLS 1.3 handshakes with records anyone on the path can send without keys: a plaintext fatal
  // alert, plaintext application data, a plaintext ACK naming the peer's records, a forged protected
  // record of the application epoch, and a first ClientHello on the association's 5-tuple.
  {
    const i = SCENARIOS13.indexOf('ecdsa13');
    const ackOf = (numbers: { epoch: number; seq: number }[]) => encodePlaintextRecord13(ContentType.ack, 210, encode((w) => encodeAck(w, { recordNumbers: numbers })));
    const spoofs13: Record<string, Uint8Array> = {
      'alert-fatal-epoch0': encodePlaintextRecord13(ContentType.alert, 211, Uint8Array.of(2, 40)),
      'appdata-epoch0': cat([ContentType.application_data, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 212, 0, 7], new TextEncoder().encode('spoofed')),
      'ack-epoch0': ackOf([{ epoch: 2, seq: 0 }, { epoch: 2, seq: 1 }, { epoch: 3, seq: 0 }, { epoch: 0, seq: 1 }]),
      'appdata-epoch3-forged': cat([0x2f, 0x12, 0x34, 0, 40], Uint8Array.from({ length: 40 }, (_, k) => k)),
    };
    const c2s = clientFlightsAfterHello('ecdsa13', true);
    const s2c = serverFlightsAfter('ecdsa13');
    const hello = recording('ecdsa13').cookie.find((r) => r.dir === 'c2s')!.data;
    for (const [name, rec] of Object.entries({ ...spoofs13, 'client-hello-epoch0': hello })) {
      for (const [pos, at] of [['before-last-flight', 0], ['after-last-flight', 1], ['after-data', c2s.length - 1]] as const) {
        add('dtls13-server-handshake', `ecdsa13-cookie-spoof-${name}-${pos}`, cat([i << 1], encodeSteps(spliced(c2s, at, rec))));
      }
    }
    for (const [name, rec] of Object.entries(spoofs13)) {
      for (const [pos, at] of [['before-last-flight', 0], ['after-data', s2c.length]] as const) {
        add('dtls13-client-handshake', `ecdsa13-replay-spoof-${name}-${pos}`, cat([(i << 1) | 1], encodeSteps(spliced(s2c, at, rec))));
      }
    }
  }

  // --- Reassembler programs -------------------------------------------------
  const frag = (op: number, type: number, len: number, seq: number, off: number, flen: number) =>
    [op, type, len >> 16, (len >> 8) & 0xff, len & 0xff, seq >> 8, seq & 0xff, off >> 16, (off >> 8) & 0xff, off & 0xff, flen >> 8, flen & 0xff];
  const POP = 4, DISCARD = 5, RESET = 6, CLEAR = 7;
  add('reassembler', 'in-order', cat([0], frag(0, 1, 100, 0, 0, 100), [POP], frag(0, 2, 60, 1, 0, 60), frag(0, 11, 700, 2, 0, 700), [POP]));
  add('reassembler', 'fragmented-reverse', cat([0], frag(0, 11, 1000, 0, 600, 400), frag(0, 11, 1000, 0, 300, 300), frag(0, 11, 1000, 0, 0, 300), [POP]));
  add('reassembler', 'overlap-duplicate', cat([0], frag(0, 2, 90, 0, 0, 50), frag(0, 2, 90, 0, 40, 50), frag(0, 2, 90, 0, 40, 50), frag(0, 2, 90, 0, 20, 10), [POP]));
  add('reassembler', 'future-and-window', cat([1], frag(0, 2, 10, 3, 0, 10), frag(0, 2, 10, 5, 0, 10), frag(0, 2, 10, 0, 0, 10), frag(0, 2, 10, 1, 0, 10), frag(0, 2, 10, 2, 0, 10), [POP]));
  add('reassembler', 'limits-small', cat([1], frag(0, 11, 700, 0, 0, 200), frag(0, 1, 301, 1, 0, 1), frag(0, 1, 300, 1, 0, 300), frag(0, 2, 300, 2, 0, 0), [POP]));
  add('reassembler', 'mismatch-and-epochs', cat([0], frag(0, 2, 40, 0, 0, 20), frag(8, 3, 40, 0, 20, 20), frag(8, 2, 41, 0, 20, 20), frag(8, 2, 40, 0, 20, 20), [POP]));
  add('reassembler', 'discard-reset-clear', cat([0], frag(0, 14, 0, 0, 0, 0), [DISCARD], frag(0, 14, 5, 0, 0, 5), [RESET, 2], frag(0, 16, 33, 2, 0, 33), [CLEAR], frag(0, 16, 33, 2, 0, 33), [POP]));
  const many: number[] = [0];
  for (let k = 0; k < 70; k++) many.push(...frag(0, 11, 2000, 0, k * 20, 10));
  add('reassembler', 'too-many-ranges', cat(many, [POP]));
  add('reassembler', 'outside-declared', cat([0], frag(0, 1, 10, 0, 5, 10), frag(0, 1, 10, 0, 0, 10), [POP]));

  return seeds;
}

