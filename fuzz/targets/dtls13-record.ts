/**
 * Fuzz target: the DTLS 1.3 record layer. Input: byte 0 picks the CID length
 * the receiver expects (0–3, low two bits); the rest is one datagram.
 *
 * - `parseDatagram13` never throws; its records tile a prefix of the datagram
 *   (all of it unless it reports `dropped`); a ciphertext record's raw bytes
 *   are its header then its encrypted_record.
 * - Every ciphertext record whose epoch bits say 2 or 3 is opened by the
 *   receive state of that epoch for three suites with fixed keys (AES-128-GCM,
 *   ChaCha20-Poly1305, AES-128-CCM_8): `open` never throws; whatever opens is
 *   sealed again with the same sequence number and opens back to the same
 *   content type and content in a fresh receiver; a sequence number is never
 *   accepted twice in an epoch.
 */
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { ReceiveEpoch13 } from '../../src/dtls13/epoch.js';
import { keyScheduleParams, trafficKeys } from '../../src/dtls13/key-schedule.js';
import { RecordProtection13 } from '../../src/dtls13/protection.js';
import { parseDatagram13 } from '../../src/dtls13/record.js';
import { type Suite13, suite13ByName } from '../../src/dtls13/suites.js';
import { check, equalBytes } from './lib/oracle.js';

export const FUZZ_SUITES_13 = ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_8_SHA256'] as const;

/** Fixed traffic keys of a suite (the seeds are sealed with the same). */
export function fuzzKeys13(suite: Suite13) {
  const secret = Uint8Array.from({ length: suite.hash === 'sha256' ? 32 : 48 }, (_, i) => (i * 29 + 7) & 0xff);
  return trafficKeys(keyScheduleParams(nodeProvider, suite.hash), secret, suite.keyLength);
}

/** One protection per suite, made once (keys are fixed); receive states are fresh for each input. */
const protections = FUZZ_SUITES_13.map((n) => {
  const s = suite13ByName(n)!;
  return { s, p: new RecordProtection13(nodeProvider, s, fuzzKeys13(s)) };
});

export function fuzz(buf: Buffer): void {
  if (buf.length === 0) return;
  const cidLength = buf[0]! & 3;
  const datagram = buf.subarray(1);
  const { records, dropped } = parseDatagram13(datagram, cidLength);
  let consumed = 0;
  const receivers = protections.map(({ s, p }) => ({ s, p, epochs: new Map([2, 3].map((e) => [e, new ReceiveEpoch13(e, p)])) }));
  const accepted = new Set<string>();
  for (const rec of records) {
    check(equalBytes(rec.raw, datagram.subarray(consumed, consumed + rec.raw.length)), 'records do not tile the datagram');
    consumed += rec.raw.length;
    if (rec.kind === 'plaintext') {
      check(rec.epoch === 0 && rec.fragment.length >= 1 && rec.fragment.length <= 2 ** 14, 'plaintext record out of range');
      continue;
    }
    check(rec.raw.length === rec.header.length + rec.encryptedRecord.length, 'ciphertext record length');
    check((rec.cid?.length ?? 0) === (rec.cid ? cidLength : 0), 'CID length');
    for (const { s, p, epochs } of receivers) {
      const recv = epochs.get(rec.epochBits);
      if (!recv) continue;
      const r = recv.open(rec);
      if (r.kind !== 'record') continue;
      const key = `${s.name}/${r.epoch}/${r.seq}`;
      check(!accepted.has(key), `${key} accepted twice`);
      accepted.add(key);
      const again = p.seal(r.type, r.content, r.epoch, r.seq, {
        seqLength: rec.seqLength, includeLength: true, ...(rec.cid && { cid: rec.cid }),
      });
      const reparsed = parseDatagram13(again, cidLength).records[0];
      check(reparsed?.kind === 'ciphertext', `${s.name}: resealed record does not parse`);
      const back = new ReceiveEpoch13(r.epoch, p).open(reparsed);
      check(back.kind === 'record' && back.type === r.type && back.seq === r.seq && equalBytes(back.content, r.content), `${s.name}: seal/open round trip failed`);
    }
  }
  check(dropped === undefined ? consumed === datagram.length : consumed < datagram.length || datagram.length === 0, `consumed ${consumed} of ${datagram.length}, dropped=${dropped}`);
}
