/**
 * Fuzz target: the record parser. Input: one datagram.
 *
 * - `parseDatagram` never throws; its records tile a prefix of the datagram
 *   (the whole datagram unless it reports `dropped`), each re-encodes to its
 *   raw bytes, and lengths and sequence numbers are in range.
 * - Every record goes through an epoch-0 RecordLayer (never throws; no
 *   sequence number is accepted twice; plaintext is the fragment).
 * - Every fragment is opened by the record protection of six suites with
 *   fixed keys (GCM, CCM_8, ChaCha20, CBC with and without encrypt_then_mac):
 *   `open` never throws, and whatever it opens seals and opens back.
 */
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { suiteByName } from '../../src/crypto/suites.js';
import { MAX_CIPHERTEXT, MAX_SEQUENCE, RECORD_HEADER_LENGTH } from '../../src/record/content-type.js';
import { type RecordProtection, createProtection } from '../../src/record/protection.js';
import { encodeRecord, parseDatagram } from '../../src/record/record.js';
import { RecordLayer } from '../../src/record/record-layer.js';
import { check, equalBytes } from './lib/oracle.js';
import { PROTECTED_SUITES, protectionKeys } from './lib/protections.js';

const protections: { name: string; p: RecordProtection }[] = PROTECTED_SUITES.map(({ name, etm }) => {
  const suite = suiteByName(name)!;
  return { name: `${name}${etm ? '+etm' : ''}`, p: createProtection(nodeProvider, suite, protectionKeys(suite), etm) };
});

export function fuzz(buf: Buffer): void {
  const { records, dropped } = parseDatagram(buf);
  let consumed = 0;
  const layer = new RecordLayer(64);
  const accepted = new Set<number>();
  for (const rec of records) {
    check(rec.fragment.length >= 1 && rec.fragment.length <= MAX_CIPHERTEXT, `fragment length ${rec.fragment.length}`);
    check(rec.raw.length === RECORD_HEADER_LENGTH + rec.fragment.length, 'raw length');
    check(Number.isSafeInteger(rec.seq) && rec.seq >= 0 && rec.seq <= MAX_SEQUENCE, `seq ${rec.seq}`);
    check(rec.epoch >= 0 && rec.epoch <= 0xffff && rec.type >= 0 && rec.type <= 0xff && rec.version >= 0 && rec.version <= 0xffff, 'header field range');
    check(equalBytes(rec.raw, buf.subarray(consumed, consumed + rec.raw.length)), 'records do not tile the datagram');
    check(equalBytes(encodeRecord(rec.type, rec.version, rec.epoch, rec.seq, rec.fragment), rec.raw), 'record does not re-encode to its bytes');
    consumed += rec.raw.length;

    const opened = layer.open(rec);
    if (typeof opened !== 'string') {
      check(rec.epoch === 0, 'a record of an epoch without keys was opened');
      check(!accepted.has(rec.seq), `epoch-0 sequence number ${rec.seq} accepted twice`);
      accepted.add(rec.seq);
      check(equalBytes(opened.data, rec.fragment), 'epoch-0 plaintext differs from the fragment');
    }

    for (const { name, p } of protections) {
      const pt = p.open(rec.type, rec.version, rec.epoch, rec.seq, rec.fragment);
      if (pt === null) continue;
      check(pt.length <= rec.fragment.length, `${name}: plaintext longer than the fragment`);
      const again = p.open(rec.type, rec.version, rec.epoch, rec.seq, p.seal(rec.type, rec.version, rec.epoch, rec.seq, pt));
      check(again !== null && equalBytes(again, pt), `${name}: seal/open round trip failed`);
    }
  }
  check(dropped === undefined ? consumed === buf.length : consumed < buf.length, `consumed ${consumed} of ${buf.length}, dropped=${dropped}`);
}
