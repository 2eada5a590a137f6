/**
 * DTLS 1.3 record framing (RFC 9147 §4, §4.1): the DTLSPlaintext records of
 * epoch 0 and the DTLSCiphertext records with the unified header.
 * ```
 * struct {
 *   ContentType type; ProtocolVersion legacy_record_version; uint16 epoch = 0;
 *   uint48 sequence_number; uint16 length; opaque fragment[DTLSPlaintext.length];
 * } DTLSPlaintext;
 *
 * struct { opaque unified_hdr[variable]; opaque encrypted_record[length]; } DTLSCiphertext;
 *
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+
 * |0|0|1|C|S|L|E E|   C: CID present, S: 16-bit (1) or 8-bit (0) sequence number,
 * +-+-+-+-+-+-+-+-+   L: length present, EE: low two bits of the epoch
 * | Connection ID |   (if C; its length is known from context)
 * | 8/16-bit seq  |   (encrypted: §4.2.3)
 * | 16-bit length |   (if L; else the record runs to the end of the datagram)
 * +-+-+-+-+-+-+-+-+
 * ```
 * Parsing never throws: a datagram that stops making sense is cut there and
 * the reason given (`dropped`), like the 1.2 parser (S-02). Records alias
 * the datagram: copy what you keep (S-66).
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ContentType, DTLS1_2 } from '../record/content-type.js';

/** Largest DTLSCiphertext.length (RFC 8446 §5.2: 2^14 + 256). */
export const MAX_CIPHERTEXT_13 = 2 ** 14 + 256;
/** Largest DTLSPlaintext.length (RFC 8446 §5.1: 2^14). */
export const MAX_PLAINTEXT_13 = 2 ** 14;

const FIXED_MASK = 0xe0;
const FIXED_BITS = 0x20;
const C_BIT = 0x10;
const S_BIT = 0x08;
const L_BIT = 0x04;
const EPOCH_BITS = 0x03;

/** Does this first byte start a DTLSCiphertext (its top three bits are 001, RFC 9147 §4.1)? */
export function isUnifiedHeader(firstByte: number): boolean {
  return (firstByte & FIXED_MASK) === FIXED_BITS;
}

/** Content types that a DTLS 1.3 endpoint reads as DTLSPlaintext (RFC 9147 §4.1: alert, handshake, ack). */
export function isPlaintextType13(type: number): boolean {
  return type === ContentType.alert || type === ContentType.handshake || type === ContentType.ack;
}

/** An epoch-0 record (RFC 9147 §4). */
export interface PlaintextRecord13 {
  readonly kind: 'plaintext';
  readonly type: number;
  readonly version: number;
  /** Always 0: other epochs are dropped while parsing. */
  readonly epoch: 0;
  /** The 48-bit sequence number. */
  readonly seq: number;
  readonly fragment: Uint8Array;
  /** The header and fragment as received. */
  readonly raw: Uint8Array;
}

/** A DTLSCiphertext record as read, its sequence number still encrypted (RFC 9147 §4). */
export interface CiphertextRecord13 {
  readonly kind: 'ciphertext';
  /** The low two bits of the epoch (the E bits). */
  readonly epochBits: number;
  /** The connection ID, when the C bit is set. */
  readonly cid?: Uint8Array;
  /** Bytes of the sequence number field: 1 (S = 0) or 2 (S = 1). */
  readonly seqLength: 1 | 2;
  /** Whether the L bit is set (a length field is present). */
  readonly lengthPresent: boolean;
  /** The unified header as received: the first byte, the CID, the encrypted sequence number, the length. */
  readonly header: Uint8Array;
  /** Offset of the sequence number field inside `header`. */
  readonly seqOffset: number;
  /** encrypted_record: the AEAD output. */
  readonly encryptedRecord: Uint8Array;
  readonly raw: Uint8Array;
}

/** A record of a DTLS 1.3 datagram: DTLSPlaintext (epoch 0) or DTLSCiphertext (RFC 9147 §4). */
export type Record13 = PlaintextRecord13 | CiphertextRecord13;

/** The records of one datagram, and why parsing stopped early if it did. */
export interface ParsedDatagram13 {
  readonly records: Record13[];
  /** Set when the rest of the datagram was dropped. */
  readonly dropped?: string;
}

/**
 * Split a datagram into DTLS 1.3 records (RFC 9147 §4, §4.1). `cidLength` is
 * the length of the connection ID this endpoint receives (0: none
 * negotiated). The first record that cannot be framed ends parsing:
 * - a first byte that is neither alert, handshake nor ack, nor 001xxxxx (§4.1);
 * - a truncated header, or a length past the end of the datagram or above
 *   2^14 (plaintext) / 2^14 + 256 (ciphertext), or a zero length;
 * - a plaintext record with an epoch other than 0;
 * - a CID when none was negotiated, none when one was (§9.1, §4), or a CID
 *   other than the first record's (§4: "the rest of the datagram MUST be discarded").
 *
 * Never throws.
 */
export function parseDatagram13(data: Uint8Array, cidLength = 0): ParsedDatagram13 {
  const records: Record13[] = [];
  const r = new Reader(data);
  let firstCid: Uint8Array | undefined;
  while (r.remaining > 0) {
    const start = r.offset;
    const first = data[start]!;
    if (isPlaintextType13(first)) {
      if (r.remaining < 13) return { records, dropped: 'truncated record header' };
      const type = r.u8();
      const version = r.u16();
      const epoch = r.u16();
      const seq = r.u48();
      const length = r.u16();
      if (epoch !== 0) return { records, dropped: `plaintext record in epoch ${epoch}` };
      if (length === 0) return { records, dropped: 'zero-length record' };
      if (length > MAX_PLAINTEXT_13) return { records, dropped: 'record length above 2^14' };
      if (length > r.remaining) return { records, dropped: 'record length past end of datagram' };
      const fragment = r.bytes(length);
      records.push({ kind: 'plaintext', type, version, epoch: 0, seq, fragment, raw: data.subarray(start, r.offset) });
      continue;
    }
    if (!isUnifiedHeader(first)) return { records, dropped: `not a DTLS 1.3 record (first byte ${first})` };
    r.u8();
    const hasCid = (first & C_BIT) !== 0;
    const seqLength = (first & S_BIT) !== 0 ? 2 : 1;
    const lengthPresent = (first & L_BIT) !== 0;
    if (hasCid && cidLength === 0) return { records, dropped: 'record with a CID, none negotiated' };
    if (!hasCid && cidLength > 0) return { records, dropped: 'record without the negotiated CID' };
    if (r.remaining < cidLength + seqLength + (lengthPresent ? 2 : 0)) return { records, dropped: 'truncated record header' };
    let cid: Uint8Array | undefined;
    if (hasCid) {
      cid = r.bytes(cidLength);
      if (firstCid === undefined) firstCid = cid;
      else if (!sameBytes(cid, firstCid)) return { records, dropped: 'CID differs from the first record of the datagram' };
    }
    const seqOffset = r.offset - start;
    r.bytes(seqLength);
    let length = r.remaining - (lengthPresent ? 2 : 0);
    if (lengthPresent) {
      length = r.u16();
      if (length > r.remaining) return { records, dropped: 'record length past end of datagram' };
    }
    if (length === 0) return { records, dropped: 'zero-length record' };
    if (length > MAX_CIPHERTEXT_13) return { records, dropped: 'record length above 2^14+256' };
    const header = data.subarray(start, r.offset);
    const encryptedRecord = r.bytes(length);
    records.push({
      kind: 'ciphertext', epochBits: first & EPOCH_BITS, ...(cid && { cid }), seqLength, lengthPresent, header, seqOffset,
      encryptedRecord, raw: data.subarray(start, r.offset),
    });
  }
  return { records };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What goes into a unified header (RFC 9147 §4). */
export interface UnifiedHeaderFields {
  /** The full epoch; its low two bits are sent. */
  readonly epoch: number;
  /** The full sequence number; its low 8 or 16 bits are sent (in the clear here: §4.2.3 encrypts them after sealing). */
  readonly seq: number;
  /** 1: 8-bit sequence number (S = 0); 2: 16-bit (S = 1). */
  readonly seqLength: 1 | 2;
  /** The peer's connection ID, if one was negotiated (C = 1). */
  readonly cid?: Uint8Array;
  /** encrypted_record's length, when the L bit is to be set; omit for the last record of a datagram. */
  readonly length?: number;
}

/** Encode a unified header with the sequence number in the clear: the AEAD's additional data (RFC 9147 §4). */
export function encodeUnifiedHeader(f: UnifiedHeaderFields): Uint8Array {
  const cid = f.cid;
  if (cid !== undefined && cid.length === 0) throw new RangeError('an empty CID is sent as no CID (C = 0)');
  if (cid !== undefined && cid.length > 255) throw new RangeError('CID longer than 255 bytes');
  if (f.length !== undefined && (f.length < 1 || f.length > MAX_CIPHERTEXT_13)) throw new RangeError(`record length ${f.length} out of range`);
  const w = new Writer(1 + (cid?.length ?? 0) + 4);
  w.u8(FIXED_BITS | (cid ? C_BIT : 0) | (f.seqLength === 2 ? S_BIT : 0) | (f.length !== undefined ? L_BIT : 0) | (f.epoch % 4));
  if (cid) w.bytes(cid);
  if (f.seqLength === 2) w.u16(f.seq % 0x10000);
  else w.u8(f.seq % 0x100);
  if (f.length !== undefined) w.u16(f.length);
  return w.finish();
}

/**
 * Encode a DTLSPlaintext record of epoch 0 (RFC 9147 §4). `version` is
 * {254, 253} except on an initial ClientHello, which may use {254, 255}.
 */
export function encodePlaintextRecord13(type: number, seq: number, fragment: Uint8Array, version = DTLS1_2): Uint8Array {
  if (fragment.length < 1 || fragment.length > MAX_PLAINTEXT_13) throw new RangeError(`plaintext fragment of ${fragment.length} bytes`);
  if (!Number.isInteger(seq) || seq < 0 || seq > 2 ** 48 - 1) throw new RangeError(`sequence number ${seq} out of range`);
  const w = new Writer(13 + fragment.length);
  w.u8(type).u16(version).u16(0).u48(seq).opaque16(fragment);
  return w.finish();
}
