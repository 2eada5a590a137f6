import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyShareFromPrivate as nobleShare } from '../../src/crypto/noble-provider.js';
import { keyShareFromPrivate as nodeShare } from '../../src/crypto/node-provider.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import {
  DTLS13_LABEL_PREFIX, TLS13_LABEL_PREFIX, deriveSecret, emptyHash, hkdfExpand, hkdfExpandLabel, hkdfExtract, hkdfLabel,
} from '../../src/dtls13/hkdf.js';
import {
  applicationTrafficSecrets, binderKey, clientEarlyTrafficSecret, earlyExporterMasterSecret, earlySecret, exportKeyingMaterial,
  exporterMasterSecret, finishedKey, finishedVerifyData, handshakeSecret, handshakeSecretWithoutPsk, handshakeTrafficSecrets, keyScheduleParams, masterSecret,
  nextTrafficSecret, pskBinder, resumptionMasterSecret, resumptionPsk, trafficKeys, verifyFinished,
} from '../../src/dtls13/key-schedule.js';
import { Transcript13, truncatedClientHello } from '../../src/dtls13/transcript.js';
import { DtlsError } from '../../src/errors.js';
import { counting, hex, toHex } from '../codec/hex.js';
import { providers } from '../crypto/helpers.js';
import { S3, S4 } from './rfc8448.js';

const shareFromPrivate = (p: CryptoProvider) => (p.name === 'node' ? nodeShare : nobleShare);
/** A transcript of TLS 1.3-form messages (the RFC 8448 messages carry their 4-byte headers). */
function transcriptOf(...messages: Uint8Array[]): Transcript13 {
  const t = new Transcript13();
  for (const m of messages) t.addMessage(m);
  return t;
}

/** The hex of a directional secret pair and of the key and IV each gives (AES-128: 16-byte keys). */
function secretsAndKeys(k: ReturnType<typeof keyScheduleParams>, secrets: { client: Uint8Array; server: Uint8Array }) {
  const c = trafficKeys(k, secrets.client, 16);
  const s = trafficKeys(k, secrets.server, 16);
  return {
    client: toHex(secrets.client), server: toHex(secrets.server),
    clientKey: toHex(c.key), clientIv: toHex(c.iv), serverKey: toHex(s.key), serverIv: toHex(s.iv),
  };
}

describe.each(providers)('RFC 8448 §3, simple 1-RTT handshake, with the "tls13 " prefix ($name)', (p) => {
  const k = keyScheduleParams(p, 'sha256', TLS13_LABEL_PREFIX);
  const ecdhe = shareFromPrivate(p)('x25519', S3.serverPrivate).computeSecret(S3.clientPublic);
  const t = transcriptOf(S3.clientHello, S3.serverHello);
  const helloHash = t.hash(p, 'sha256');
  const early = earlySecret(k);
  const hs = handshakeSecret(k, early, ecdhe);
  const hsTraffic = handshakeTrafficSecrets(k, hs, helloHash);
  const master = masterSecret(k, hs);

  it('agrees on the x25519 shared secret and the hello hash', () => {
    expect(toHex(ecdhe)).toBe(S3.ecdhe);
    expect(toHex(shareFromPrivate(p)('x25519', S3.clientPrivate).computeSecret(S3.serverPublic))).toBe(S3.ecdhe);
    expect(toHex(helloHash)).toBe(S3.helloHash);
  });

  it('derives the early, handshake and master secrets', () => {
    expect(toHex(early)).toBe(S3.early);
    expect(toHex(hs)).toBe(S3.handshake);
    expect(toHex(master)).toBe(S3.master);
  });

  it('derives the handshake traffic secrets and their keys and IVs', () => {
    expect(secretsAndKeys(k, hsTraffic)).toEqual({
      client: S3.clientHandshakeTraffic, server: S3.serverHandshakeTraffic, clientKey: S3.clientHandshakeKey, clientIv: S3.clientHandshakeIv,
      serverKey: S3.serverHandshakeKey, serverIv: S3.serverHandshakeIv,
    });
  });

  it('hashes the transcript message by message as the trace does', () => {
    const tr = transcriptOf(S3.clientHello, S3.serverHello);
    const hashes: string[] = [];
    for (const m of [S3.encryptedExtensions, S3.certificate, S3.certificateVerify, S3.serverFinished, S3.clientFinished]) {
      tr.addMessage(m);
      hashes.push(toHex(tr.hash(p, 'sha256')));
    }
    expect(hashes).toEqual([S3.hashAfterEE, S3.hashAfterCertificate, S3.hashAfterCertificateVerify, S3.hashAfterServerFinished, S3.hashAfterClientFinished]);
  });

  it('computes and verifies both Finished messages', () => {
    const serverVd = finishedVerifyData(k, hsTraffic.server, hex(S3.hashAfterCertificateVerify));
    expect(toHex(serverVd)).toBe(toHex(S3.serverFinished.subarray(4)));
    const clientVd = finishedVerifyData(k, hsTraffic.client, hex(S3.hashAfterServerFinished));
    expect(toHex(clientVd)).toBe(toHex(S3.clientFinished.subarray(4)));
    expect(verifyFinished(k, hsTraffic.client, hex(S3.hashAfterServerFinished), clientVd)).toBe(true);
    const bad = clientVd.slice();
    bad[31]! ^= 1;
    expect(verifyFinished(k, hsTraffic.client, hex(S3.hashAfterServerFinished), bad)).toBe(false);
    expect(verifyFinished(k, hsTraffic.client, hex(S3.hashAfterServerFinished), clientVd.subarray(0, 31))).toBe(false);
  });

  it('derives the application traffic secrets, keys and IVs and the exporter master secret', () => {
    expect(secretsAndKeys(k, applicationTrafficSecrets(k, master, hex(S3.hashAfterServerFinished)))).toEqual({
      client: S3.clientApplicationTraffic, server: S3.serverApplicationTraffic, clientKey: S3.clientApplicationKey, clientIv: S3.clientApplicationIv,
      serverKey: S3.serverApplicationKey, serverIv: S3.serverApplicationIv,
    });
    expect(toHex(exporterMasterSecret(k, master, hex(S3.hashAfterServerFinished)))).toBe(S3.exporterMaster);
  });

  it('derives the resumption master secret and the ticket PSK for nonce 00 00', () => {
    const res = resumptionMasterSecret(k, master, hex(S3.hashAfterClientFinished));
    expect(toHex(res)).toBe(S3.resumptionMaster);
    expect(toHex(resumptionPsk(k, res, hex('0000')))).toBe(S3.resumptionPsk);
  });
});

describe.each(providers)('RFC 8448 §4, resumed handshake, with the "tls13 " prefix ($name)', (p) => {
  const k = keyScheduleParams(p, 'sha256', TLS13_LABEL_PREFIX);
  const early = earlySecret(k, hex(S4.psk));
  const chBody = S4.clientHello.subarray(4);

  it('derives the early secret from the ticket PSK, the binder key and the binder', () => {
    expect(toHex(early)).toBe(S4.early);
    const bk = binderKey(k, early, 'resumption');
    expect(toHex(bk)).toBe(S4.binderKey);
    expect(toHex(finishedKey(k, bk))).toBe(S4.binderFinishedKey);
    const truncated = truncatedClientHello(chBody, 'tls');
    expect(toHex(truncated)).toBe(toHex(S4.clientHelloPrefix));
    const binderHash = new Transcript13().hashWith(p, 'sha256', truncated);
    expect(toHex(binderHash)).toBe(S4.binderHash);
    expect(toHex(pskBinder(k, bk, binderHash))).toBe(S4.binder);
  });

  it('derives the early traffic and early exporter secrets over the whole ClientHello', () => {
    const chHash = transcriptOf(S4.clientHello).hash(p, 'sha256');
    const cet = clientEarlyTrafficSecret(k, early, chHash);
    expect(toHex(cet)).toBe(S4.clientEarlyTraffic);
    expect(toHex(earlyExporterMasterSecret(k, early, chHash))).toBe(S4.earlyExporterMaster);
    const keys = trafficKeys(k, cet, 16);
    expect([toHex(keys.key), toHex(keys.iv)]).toEqual([S4.clientEarlyKey, S4.clientEarlyIv]);
  });

  it('derives every secret of the PSK-DHE handshake', () => {
    const ecdhe = shareFromPrivate(p)('x25519', S4.serverPrivate).computeSecret(S4.clientPublic);
    expect(toHex(ecdhe)).toBe(S4.ecdhe);
    const t = transcriptOf(S4.clientHello, S4.serverHello);
    const helloHash = t.hash(p, 'sha256');
    expect(toHex(helloHash)).toBe(S4.helloHash);
    const hs = handshakeSecret(k, early, ecdhe);
    expect(toHex(hs)).toBe(S4.handshake);
    const hsTraffic = handshakeTrafficSecrets(k, hs, helloHash);
    expect(toHex(hsTraffic.client)).toBe(S4.clientHandshakeTraffic);
    expect(toHex(hsTraffic.server)).toBe(S4.serverHandshakeTraffic);
    const sk = trafficKeys(k, hsTraffic.server, 16);
    expect([toHex(sk.key), toHex(sk.iv)]).toEqual([S4.serverHandshakeKey, S4.serverHandshakeIv]);
    expect(toHex(finishedKey(k, hsTraffic.server))).toBe(S4.serverFinishedKey);
    const master = masterSecret(k, hs);
    expect(toHex(master)).toBe(S4.master);
    t.addMessage(S4.encryptedExtensions);
    expect(toHex(finishedVerifyData(k, hsTraffic.server, t.hash(p, 'sha256')))).toBe(toHex(S4.serverFinished.subarray(4)));
    t.addMessage(S4.serverFinished);
    const sfHash = t.hash(p, 'sha256');
    const ap = applicationTrafficSecrets(k, master, sfHash);
    expect(toHex(ap.client)).toBe(S4.clientApplicationTraffic);
    expect(toHex(ap.server)).toBe(S4.serverApplicationTraffic);
    expect(toHex(exporterMasterSecret(k, master, sfHash))).toBe(S4.exporterMaster);
    const sak = trafficKeys(k, ap.server, 16);
    const cak = trafficKeys(k, ap.client, 16);
    expect([toHex(sak.key), toHex(sak.iv), toHex(cak.key), toHex(cak.iv)])
      .toEqual([S4.serverApplicationKey, S4.serverApplicationIv, S4.clientApplicationKey, S4.clientApplicationIv]);
    // TLS 1.3 over TCP sends EndOfEarlyData here (the trace did 0-RTT); DTLS 1.3 omits it (RFC 9147 §5.6).
    t.addMessage(S4.endOfEarlyData);
    const chk = trafficKeys(k, hsTraffic.client, 16);
    expect([toHex(chk.key), toHex(chk.iv)]).toEqual([S4.clientHandshakeKey, S4.clientHandshakeIv]);
    expect(toHex(finishedVerifyData(k, hsTraffic.client, t.hash(p, 'sha256')))).toBe(toHex(S4.clientFinished.subarray(4)));
    t.addMessage(S4.clientFinished);
    expect(toHex(resumptionMasterSecret(k, master, t.hash(p, 'sha256')))).toBe(S4.resumptionMaster);
  });

  it('psk_ke: the handshake secret takes zeros for the missing (EC)DHE input', () => {
    const zeros = handshakeSecret(k, early);
    expect(toHex(zeros)).toBe(toHex(handshakeSecret(k, early, new Uint8Array(32))));
    expect(toHex(zeros)).not.toBe(S4.handshake);
  });
});

/** An independent HKDF-Expand-Label: node:crypto's hkdf with an info block built here by hand. */
function nodeExpandLabel(hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, context: Uint8Array, length: number, prefix: string): Uint8Array {
  const full = Buffer.from(prefix + label, 'ascii');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([context.length]), context]);
  // node:crypto has no expand-only HKDF (hkdfSync always extracts first): RFC 5869 §2.3 with node's HMAC.
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac(hash, secret).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, length));
}

describe.each(providers)('the "dtls13" prefix (RFC 9147 §5.9), against node:crypto ($name)', (p) => {
  it('HkdfLabel is uint16 length ‖ "dtls13" + label ‖ context, with no space after dtls13', () => {
    expect(toHex(hkdfLabel('key', new Uint8Array(0), 16))).toBe('0010' + '09' + toHex(new TextEncoder().encode('dtls13key')) + '00');
    expect(toHex(hkdfLabel('key', new Uint8Array(0), 16, TLS13_LABEL_PREFIX))).toBe('001009746c733133206b657900');
    expect(DTLS13_LABEL_PREFIX).toBe('dtls13');
  });

  it('HKDF-Extract and HKDF-Expand agree with hkdfSync for random inputs, SHA-256 and SHA-384', () => {
    fc.assert(fc.property(
      fc.constantFrom('sha256' as const, 'sha384' as const),
      fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 1, max: 200 }),
      (hash, salt, ikm, info, length) => {
        const expected = new Uint8Array(hkdfSync(hash, ikm, salt, info, length));
        const prk = hkdfExtract(p, hash, salt, ikm);
        expect(toHex(hkdfExpand(p, hash, prk, info, length))).toBe(toHex(expected));
      },
    ), { numRuns: 100 });
  });

  it('HKDF-Expand-Label with "dtls13" matches an independent expansion for every label of the schedule', () => {
    for (const hash of ['sha256', 'sha384'] as const) {
      const n = hash === 'sha256' ? 32 : 48;
      const secret = Uint8Array.from({ length: n }, (_, i) => i * 7 + 1);
      const ctx = p.hash(hash, new TextEncoder().encode('transcript'));
      for (const [label, context, length] of [
        ['derived', emptyHash(p, hash), n], ['c hs traffic', ctx, n], ['s hs traffic', ctx, n], ['c ap traffic', ctx, n],
        ['s ap traffic', ctx, n], ['exp master', ctx, n], ['res master', ctx, n], ['ext binder', emptyHash(p, hash), n],
        ['res binder', emptyHash(p, hash), n], ['key', new Uint8Array(0), 16], ['key', new Uint8Array(0), 32], ['iv', new Uint8Array(0), 12],
        ['sn', new Uint8Array(0), 16], ['sn', new Uint8Array(0), 32], ['finished', new Uint8Array(0), n], ['traffic upd', new Uint8Array(0), n],
        ['resumption', hex('0000'), n], ['exporter', ctx, 42],
      ] as const) {
        expect(toHex(hkdfExpandLabel(p, hash, secret, label, context, length)), `${hash} ${label}`)
          .toBe(toHex(nodeExpandLabel(hash, secret, label, context, length, 'dtls13')));
      }
    }
  });

  it('the DTLS 1.3 schedule differs from TLS 1.3 from the first "derived" on (key separation)', () => {
    const d = keyScheduleParams(p, 'sha256');
    const t = keyScheduleParams(p, 'sha256', TLS13_LABEL_PREFIX);
    expect(toHex(earlySecret(d))).toBe(S3.early); // HKDF-Extract has no label
    expect(toHex(handshakeSecret(d, earlySecret(d), hex(S3.ecdhe)))).not.toBe(S3.handshake);
    expect(toHex(handshakeSecret(t, earlySecret(t), hex(S3.ecdhe)))).toBe(S3.handshake);
  });

  it('without a PSK, the handshake secret comes from the cached "derived" constant: RFC 8448 §3, and the same as the long way for every hash and prefix', () => {
    const t = keyScheduleParams(p, 'sha256', TLS13_LABEL_PREFIX);
    expect(toHex(handshakeSecretWithoutPsk(t, hex(S3.ecdhe)))).toBe(S3.handshake);
    const ecdhe = counting(48, 5);
    for (const hash of ['sha256', 'sha384'] as const) {
      for (const prefix of [DTLS13_LABEL_PREFIX, TLS13_LABEL_PREFIX]) {
        const k = keyScheduleParams(p, hash, prefix);
        const long = toHex(handshakeSecret(k, earlySecret(k), ecdhe));
        // Twice: the first call fills the cache, the second reads it; a caller wiping its result does not reach the cache.
        const first = handshakeSecretWithoutPsk(k, ecdhe);
        expect(toHex(first)).toBe(long);
        first.fill(0);
        expect(toHex(handshakeSecretWithoutPsk(k, ecdhe))).toBe(long);
      }
    }
  });

  it('Transcript-Hash("") is the hash of nothing, each caller getting its own copy', () => {
    for (const hash of ['sha256', 'sha384'] as const) {
      const a = emptyHash(p, hash);
      expect(toHex(a)).toBe(toHex(p.hash(hash, new Uint8Array(0))));
      a.fill(0);
      expect(toHex(emptyHash(p, hash))).toBe(toHex(p.hash(hash, new Uint8Array(0))));
    }
  });

  it('traffic keys carry the record-number key "sn", as long as the AEAD key (RFC 9147 §4.2.3)', () => {
    const k = keyScheduleParams(p, 'sha384');
    const secret = new Uint8Array(48).fill(3);
    const keys = trafficKeys(k, secret, 32);
    expect(keys.key.length).toBe(32);
    expect(keys.iv.length).toBe(12);
    expect(toHex(keys.sn)).toBe(toHex(nodeExpandLabel('sha384', secret, 'sn', new Uint8Array(0), 32, 'dtls13')));
    expect(toHex(keys.sn)).not.toBe(toHex(keys.key));
  });

  it('KeyUpdate: "traffic upd" gives the next epoch secret (RFC 8446 §7.2)', () => {
    const k = keyScheduleParams(p, 'sha256');
    const s0 = hex(S3.clientApplicationTraffic);
    const s1 = nextTrafficSecret(k, s0);
    expect(toHex(s1)).toBe(toHex(nodeExpandLabel('sha256', s0, 'traffic upd', new Uint8Array(0), 32, 'dtls13')));
    expect(toHex(nextTrafficSecret(k, s1))).not.toBe(toHex(s1));
  });

  it('Derive-Secret rejects a transcript hash of the wrong length', () => {
    expect(() => deriveSecret(p, 'sha384', new Uint8Array(48), 'c hs traffic', new Uint8Array(32))).toThrow(DtlsError);
  });

  it('HkdfLabel rejects a context above 255 bytes', () => {
    expect(() => hkdfLabel('exporter', new Uint8Array(256), 32)).toThrow(DtlsError);
  });
});

describe('the exporter (RFC 8446 §7.5) against node:tls over TLS 1.3', () => {
  it.each(providers)('matches exportKeyingMaterial from EXPORTER_SECRET ($name)', async (p) => {
    const { exportWithNodeTls } = await import('./node-tls-exporter.js');
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'] as const) {
      const r = await exportWithNodeTls(suite, 'EXPERIMENTAL-puredtls', new TextEncoder().encode('context'), 48);
      const hash = suite === 'TLS_AES_256_GCM_SHA384' ? 'sha384' : 'sha256';
      const k = keyScheduleParams(p, hash, TLS13_LABEL_PREFIX);
      expect(toHex(exportKeyingMaterial(k, r.exporterSecret, 'EXPERIMENTAL-puredtls', new TextEncoder().encode('context'), 48))).toBe(toHex(r.exported));
      expect(toHex(exportKeyingMaterial(k, r.exporterSecret, 'EXPERIMENTAL-puredtls', undefined, 48))).toBe(toHex(r.exportedNoContext));
    }
  });
});
