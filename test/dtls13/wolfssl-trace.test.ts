/**
 * DTLS 1.3 against a real implementation: handshakes recorded between
 * wolfSSL's example client and server (test/fixtures/dtls13/record-wolfssl.sh)
 * with an external PSK and psk_ke, so that every secret follows from the PSK
 * and the transcript. Replaying them checks, against wolfSSL's bytes: the
 * "dtls13" key schedule, both PSK binders (after a HelloRetryRequest, over
 * message_hash), the record-number key and mask, nonce and additional data of
 * every record, both Finished messages, the ACKs and the NewSessionTicket —
 * for the five suites, with both providers.
 *
 * One deviation, wolfSSL's: 5.5.4 (Debian 12's, our interop peer) reads the
 * ChaCha20 block counter of the record-number mask big-endian on little-endian
 * Linux (its `#ifdef BIG_ENDIAN` matched a macro of <endian.h>; fixed upstream
 * in wolfSSL PR #6641, 2023). RFC 9147 §4.2.3 passes the first 4 ciphertext
 * bytes to the RFC 8439 block function, whose counter is little-endian, as
 * QUIC's (RFC 9001 §5.4.4) and OpenSSL's are; so do we. The ChaCha20
 * recording is replayed once with our mask — which must fail exactly there —
 * and once through a provider that swaps the counter bytes as 5.5.4 does,
 * which opens everything: the rest of the ChaCha20 path is checked all the same.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { ReceiveEpoch13 } from '../../src/dtls13/epoch.js';
import { hashLength } from '../../src/dtls13/hkdf.js';
import {
  applicationTrafficSecrets, binderKey, earlySecret, handshakeSecret, handshakeTrafficSecrets, keyScheduleParams, masterSecret,
  pskBinder, resumptionMasterSecret, resumptionPsk, trafficKeys, verifyFinished,
} from '../../src/dtls13/key-schedule.js';
import { decodeAck } from '../../src/dtls13/messages/ack.js';
import { decodeClientHello, legacyFieldsAlert } from '../../src/dtls13/messages/client-hello.js';
import { decodeEncryptedExtensions } from '../../src/dtls13/messages/encrypted-extensions.js';
import { decodeFinished13 } from '../../src/dtls13/messages/finished.js';
import { decodeNewSessionTicket13 } from '../../src/dtls13/messages/new-session-ticket.js';
import { decodeOfferedPsks, decodeSelectedIdentity } from '../../src/dtls13/messages/pre-shared-key.js';
import { decodeServerHello13, downgradeSentinel, isHelloRetryRequest } from '../../src/dtls13/messages/server-hello.js';
import { decodeCookie, decodePskKeyExchangeModes } from '../../src/dtls13/messages/simple-extensions.js';
import { DtlsVersion, decodeSelectedVersion, decodeSupportedVersionsList } from '../../src/dtls13/messages/supported-versions.js';
import { RecordProtection13 } from '../../src/dtls13/protection.js';
import { parseDatagram13 } from '../../src/dtls13/record.js';
import { type Suite13, suite13ByName } from '../../src/dtls13/suites.js';
import { Transcript13, binderLayout, truncatedClientHello } from '../../src/dtls13/transcript.js';
import { findExtension } from '../../src/handshake/extensions.js';
import { decodeHandshakeFragment } from '../../src/handshake/header.js';
import { ExtensionType, HandshakeType } from '../../src/handshake/registry.js';
import { ContentType } from '../../src/record/content-type.js';
import { hex, toHex } from '../codec/hex.js';
import { providers } from '../crypto/helpers.js';

interface Recording {
  readonly suite: string;
  readonly psk: string;
  readonly identity: string;
  readonly datagrams: readonly { readonly from: 'client' | 'server'; readonly hex: string }[];
}

const DIR = new URL('../fixtures/dtls13/', import.meta.url);
const RECORDINGS: [string, Recording][] = readdirSync(DIR).filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Recording]);
/** wolfSSL's suite names → IANA names. */
const ianaName = (wolf: string): string => ({
  'TLS13-AES128-GCM-SHA256': 'TLS_AES_128_GCM_SHA256', 'TLS13-AES256-GCM-SHA384': 'TLS_AES_256_GCM_SHA384',
  'TLS13-CHACHA20-POLY1305-SHA256': 'TLS_CHACHA20_POLY1305_SHA256', 'TLS13-AES128-CCM-SHA256': 'TLS_AES_128_CCM_SHA256',
  'TLS13-AES128-CCM-8-SHA256': 'TLS_AES_128_CCM_8_SHA256',
})[wolf]!;

/** The whole handshake messages of a record's fragment (loopback: never fragmented). */
function messages(fragment: Uint8Array): { msgType: number; messageSeq: number; body: Uint8Array }[] {
  const r = new Reader(fragment);
  const out: { msgType: number; messageSeq: number; body: Uint8Array }[] = [];
  while (r.remaining > 0) {
    const f = decodeHandshakeFragment(r);
    expect(f.fragmentOffset === 0 && f.body.length === f.length, 'a whole message').toBe(true);
    out.push({ msgType: f.msgType, messageSeq: f.messageSeq, body: f.body });
  }
  return out;
}

/** Replay one recording; returns what was seen, for the assertions. */
function replay(p: CryptoProvider, rec: Recording) {
  const suite: Suite13 = suite13ByName(ianaName(rec.suite))!;
  const k = keyScheduleParams(p, suite.hash);
  const psk = hex(rec.psk);
  const early = earlySecret(k, psk);
  const bk = binderKey(k, early, 'external');
  const t = new Transcript13();
  const seen = {
    plaintext: [] as string[], binders: [] as boolean[], hrrCookie: undefined as Uint8Array | undefined, echoedCookie: undefined as Uint8Array | undefined,
    finished: { server: false, client: false }, appData: { client: [] as string[], server: [] as string[] },
    acks: [] as { from: string; numbers: { epoch: number; seq: number }[] }[], opened: { client: new Set<string>(), server: new Set<string>() },
    tickets: [] as Uint8Array[], failures: [] as string[], encryptedExtensions: 0, alerts: [] as string[],
  };
  const receivers: Record<'client' | 'server', Map<number, ReceiveEpoch13>> = { client: new Map(), server: new Map() };
  let hsTraffic: { client: Uint8Array; server: Uint8Array } | undefined;
  let master: Uint8Array | undefined;
  const protect = (secret: Uint8Array) => new RecordProtection13(p, suite, trafficKeys(k, secret, suite.keyLength));

  const onHandshake = (from: 'client' | 'server', epoch: number, m: { msgType: number; body: Uint8Array }) => {
    switch (m.msgType) {
      case HandshakeType.client_hello: {
        const ch = decodeClientHello(new Reader(m.body));
        expect(legacyFieldsAlert(ch)).toBeUndefined();
        expect(ch.clientVersion).toBe(DtlsVersion.DTLS1_2);
        expect(decodeSupportedVersionsList(new Reader(findExtension(ch.extensions, ExtensionType.supported_versions)!)).versions).toContain(DtlsVersion.DTLS1_3);
        expect(decodePskKeyExchangeModes(new Reader(findExtension(ch.extensions, ExtensionType.psk_key_exchange_modes)!)).keModes).toContain(0);
        const offered = decodeOfferedPsks(new Reader(findExtension(ch.extensions, ExtensionType.pre_shared_key)!));
        // wolfSSL's test callback names its TLS 1.3 PSK after the hash: "Client_identitySHA256".
        expect(new TextDecoder().decode(offered.identities[0]!.identity)).toMatch(new RegExp(`^${rec.identity}SHA(256|384)$`));
        const cookie = findExtension(ch.extensions, ExtensionType.cookie);
        if (cookie) seen.echoedCookie = decodeCookie(new Reader(cookie)).cookie;
        const binder = pskBinder(k, bk, t.hashWith(p, suite.hash, truncatedClientHello(m.body)));
        seen.binders.push(toHex(binder) === toHex(binderLayout(m.body).binders[0]!));
        seen.plaintext.push('ClientHello');
        t.add(m.msgType, m.body);
        return;
      }
      case HandshakeType.server_hello: {
        const sh = decodeServerHello13(new Reader(m.body));
        expect(sh.legacyVersion).toBe(DtlsVersion.DTLS1_2);
        expect(sh.legacySessionIdEcho.length).toBe(0);
        expect(sh.cipherSuite).toBe(suite.id);
        expect(decodeSelectedVersion(new Reader(findExtension(sh.extensions, ExtensionType.supported_versions)!)).selectedVersion).toBe(DtlsVersion.DTLS1_3);
        if (isHelloRetryRequest(sh)) {
          seen.plaintext.push('HelloRetryRequest');
          seen.hrrCookie = decodeCookie(new Reader(findExtension(sh.extensions, ExtensionType.cookie)!)).cookie;
          t.replaceClientHelloWithMessageHash(p, suite.hash);
          t.add(m.msgType, m.body);
          return;
        }
        seen.plaintext.push('ServerHello');
        expect(downgradeSentinel(sh.random)).toBeUndefined();
        expect(findExtension(sh.extensions, ExtensionType.key_share)).toBeUndefined(); // psk_ke
        expect(decodeSelectedIdentity(new Reader(findExtension(sh.extensions, ExtensionType.pre_shared_key)!)).selectedIdentity).toBe(0);
        t.add(m.msgType, m.body);
        hsTraffic = handshakeTrafficSecrets(k, handshakeSecret(k, early), t.hash(p, suite.hash));
        receivers.server.set(2, new ReceiveEpoch13(2, protect(hsTraffic.server)));
        receivers.client.set(2, new ReceiveEpoch13(2, protect(hsTraffic.client)));
        master = masterSecret(k, handshakeSecret(k, early));
        return;
      }
      case HandshakeType.encrypted_extensions:
        expect(from).toBe('server');
        decodeEncryptedExtensions(new Reader(m.body));
        seen.encryptedExtensions++;
        t.add(m.msgType, m.body);
        return;
      case HandshakeType.finished: {
        const vd = decodeFinished13(new Reader(m.body), hashLength(suite.hash));
        seen.finished[from] = verifyFinished(k, hsTraffic![from], t.hash(p, suite.hash), vd.verifyData);
        t.add(m.msgType, m.body);
        if (from === 'server') {
          const ap = applicationTrafficSecrets(k, master!, t.hash(p, suite.hash));
          receivers.server.set(3, new ReceiveEpoch13(3, protect(ap.server)));
          receivers.client.set(3, new ReceiveEpoch13(3, protect(ap.client)));
        }
        return;
      }
      case HandshakeType.new_session_ticket: {
        expect([from, epoch]).toEqual(['server', 3]);
        const nst = decodeNewSessionTicket13(new Reader(m.body));
        const res = resumptionMasterSecret(k, master!, t.hash(p, suite.hash));
        expect(resumptionPsk(k, res, nst.ticketNonce).length).toBe(hashLength(suite.hash));
        seen.tickets.push(nst.ticket);
        return;
      }
      default:
        seen.failures.push(`unexpected handshake message ${m.msgType} from ${from}`);
    }
  };

  for (const d of rec.datagrams) {
    const parsed = parseDatagram13(hex(d.hex));
    expect(parsed.dropped, `${d.from} ${d.hex.slice(0, 16)}`).toBeUndefined();
    for (const r of parsed.records) {
      if (r.kind === 'plaintext') {
        expect(r.type).toBe(ContentType.handshake);
        for (const m of messages(r.fragment)) onHandshake(d.from, 0, m);
        continue;
      }
      const recv = receivers[d.from].get(r.epochBits === 2 ? 2 : 3);
      if (!recv) {
        seen.failures.push(`${d.from}: no keys for epoch bits ${r.epochBits}`);
        continue;
      }
      const opened = recv.open(r);
      if (opened.kind !== 'record') {
        seen.failures.push(`${d.from} epoch ${recv.epoch}: ${opened.kind} ${'reason' in opened ? opened.reason : ''}`);
        continue;
      }
      seen.opened[d.from].add(`${opened.epoch}/${opened.seq}`);
      if (opened.type === ContentType.handshake) for (const m of messages(opened.content)) onHandshake(d.from, opened.epoch, m);
      else if (opened.type === ContentType.ack) seen.acks.push({ from: d.from, numbers: [...decodeAck(new Reader(opened.content)).recordNumbers] });
      else if (opened.type === ContentType.application_data) seen.appData[d.from].push(new TextDecoder().decode(opened.content).replace(/\0+$/, ''));
      else if (opened.type === ContentType.alert) seen.alerts.push(`${d.from}: ${toHex(opened.content)}`);
      else seen.failures.push(`${d.from}: content type ${opened.type}`);
    }
  }
  return seen;
}

/** A provider whose ChaCha20 record-number mask reads the block counter big-endian, as wolfSSL 5.5.4 does. */
function wolfssl554Mask(p: CryptoProvider): CryptoProvider {
  return {
    ...p,
    createRecordNumberMask(alg, key) {
      const mask = p.createRecordNumberMask(alg, key);
      if (alg !== 'chacha20') return mask;
      return (sample) => mask(Uint8Array.from([sample[3]!, sample[2]!, sample[1]!, sample[0]!, ...sample.subarray(4)]));
    },
  };
}
const isChacha = (rec: Recording): boolean => rec.suite.includes('CHACHA20');

describe.each(providers)('wolfSSL DTLS 1.3 recordings, replayed ($name)', (p) => {
  it('has recordings for the five suites', () => {
    expect(RECORDINGS.map(([, r]) => ianaName(r.suite)).sort()).toEqual([
      'TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    ]);
  });

  it.each(RECORDINGS)('%s: every record opens, binders and Finished verify, data and ACKs read', (_, rec) => {
    const seen = replay(isChacha(rec) ? wolfssl554Mask(p) : p, rec);
    expect(seen.failures).toEqual([]);
    expect(seen.plaintext).toEqual(['ClientHello', 'HelloRetryRequest', 'ClientHello', 'ServerHello']);
    expect(seen.binders).toEqual([true, true]);
    expect(toHex(seen.echoedCookie!)).toBe(toHex(seen.hrrCookie!));
    expect(seen.encryptedExtensions).toBe(1);
    expect(seen.finished).toEqual({ server: true, client: true });
    expect(seen.appData.client.join('')).toContain('hello wolfssl!');
    expect(seen.appData.server.join('')).toContain('I hear you fa shizzle!');
    expect(seen.tickets.length).toBeGreaterThanOrEqual(1);
    expect(seen.acks.length).toBeGreaterThanOrEqual(1);
    for (const a of seen.acks) {
      const other = a.from === 'client' ? seen.opened.server : seen.opened.client;
      for (const n of a.numbers) expect(other.has(`${n.epoch}/${n.seq}`), `${a.from} ACKs ${n.epoch}/${n.seq}`).toBe(true);
    }
  });

  it('ChaCha20: wolfSSL 5.5.4\'s record numbers do not unmask with the RFC 9147 mask (its big-endian counter)', () => {
    const rec = RECORDINGS.map(([, r]) => r).find(isChacha)!;
    const seen = replay(p, rec);
    expect(seen.failures[0]).toBe('server epoch 2: dropped record failed authentication');
    expect(seen.finished).toEqual({ server: false, client: false });
  });
});
