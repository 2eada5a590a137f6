import { Reader } from '../codec/reader.js';
import { DecodeError } from '../errors.js';
import { ContentType, MAX_CIPHERTEXT, RECORD_HEADER_LENGTH } from './content-type.js';

/**
 * A DTLS record as read off a datagram (RFC 6347 §4.1):
 * ```
 * struct {
 *   ContentType type;
 *   ProtocolVersion version;
 *   uint16 epoch;
 *   uint48 sequence_number;
 *   uint16 length;
 *   opaque fragment[DTLSPlaintext.length];
 * } DTLSPlaintext;
 * ```
 * `fragment` aliases the datagram: copy what you keep (S-66).
 */
export interface DtlsRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit sequence number; exact as a JavaScript number. */
  readonly seq: number;
  /** The connection ID of a tls12_cid record (RFC 9146 §4). */
  readonly cid?: Uint8Array;
  readonly fragment: Uint8Array;
  /** The 13 header bytes plus fragment, as received. */
  readonly raw: Uint8Array;
}

/** The records of one datagram, and why parsing stopped early if it did. */
export interface ParsedDatagram {
  readonly records: DtlsRecord[];
  /** Set when the rest of the datagram was dropped (S-02). */
  readonly dropped?: string;
}

/**
 * The header of a DTLS record (RFC 6347 §4.1); a `tls12_cid` record (RFC 9146
 * §4) carries its connection ID between the sequence number and the length.
 */
export interface RecordHeader {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit sequence number; exact as a JavaScript number. */
  readonly seq: number;
  /** The connection ID of a tls12_cid record (aliases the input). */
  readonly cid?: Uint8Array;
  /** The `length` field: the fragment's declared size. */
  readonly length: number;
}

/**
 * Size of the header of a record of content type `type`: 13 bytes, plus the
 * connection ID of a tls12_cid record. RFC 9146 §4: the header does not say
 * how long the CID is; only its receiver knows (`cidLength`).
 */
export function recordHeaderLength(type: number, cidLength: number): number {
  return type === ContentType.tls12_cid ? RECORD_HEADER_LENGTH + cidLength : RECORD_HEADER_LENGTH;
}

/**
 * Read one record header; a tls12_cid record's CID is `cidLength` bytes long.
 *
 * @throws DecodeError (`ERR_DTLS_DECODE`) naming the field, on short input
 *   (fewer than {@link recordHeaderLength} bytes).
 */
export function readRecordHeader(r: Reader, cidLength: number): RecordHeader {
  const type = r.u8('record type');
  const version = r.u16('record version');
  const epoch = r.u16('record epoch');
  const seq = r.u48('record sequence_number');
  if (type !== ContentType.tls12_cid) return { type, version, epoch, seq, length: r.u16('record length') };
  const cid = r.bytes(cidLength, 'record connection_id');
  return { type, version, epoch, seq, cid, length: r.u16('record length') };
}

/**
 * Split a datagram into records. A record whose length runs past the end of
 * the datagram or above 2^14+2048 ends parsing: it and the rest of the
 * datagram are dropped (S-02). Never throws.
 */
export function parseDatagram(data: Uint8Array, cidLength = 0): ParsedDatagram {
  const records: DtlsRecord[] = [];
  const r = new Reader(data);
  while (r.remaining > 0) {
    if (r.remaining < RECORD_HEADER_LENGTH) return { records, dropped: 'truncated record header' };
    const start = r.offset;
    const type = data[start]!;
    // Without a CID of ours a tls12_cid record cannot be framed.
    if (type === ContentType.tls12_cid && cidLength === 0) return { records, dropped: 'tls12_cid record without a negotiated CID' };
    if (r.remaining < recordHeaderLength(type, cidLength)) return { records, dropped: 'truncated record header' };
    const { version, epoch, seq, cid, length } = readRecordHeader(r, cidLength);
    if (length > MAX_CIPHERTEXT) return { records, dropped: 'record length above 2^14+2048' };
    // REC-06: no record of ours is empty (a protected one carries at least a tag).
    if (length === 0) return { records, dropped: 'zero-length record' };
    if (length > r.remaining) return { records, dropped: 'record length past end of datagram' };
    const fragment = r.bytes(length);
    records.push({ type, version, epoch, seq, fragment, ...(cid && { cid }), raw: data.subarray(start, r.offset) });
  }
  return { records };
}

/** Write a record header at `offset` of `out`. */
export function writeRecordHeader(
  out: Uint8Array, offset: number, type: number, version: number, epoch: number, seq: number, length: number,
): void {
  out[offset] = type;
  out[offset + 1] = version >>> 8;
  out[offset + 2] = version & 0xff;
  out[offset + 3] = epoch >>> 8;
  out[offset + 4] = epoch & 0xff;
  writeU48(out, offset + 5, seq);
  out[offset + 11] = length >>> 8;
  out[offset + 12] = length & 0xff;
}

/** Write a 48-bit number without 32-bit bitwise truncation (S-64). */
export function writeU48(out: Uint8Array, offset: number, v: number): void {
  // Below 2^32 (nearly always) no division: no intermediate doubles to box.
  let hi = 0;
  let lo = v;
  if (v > 0xffff_ffff) {
    hi = Math.floor(v / 0x1_0000_0000);
    lo = v - hi * 0x1_0000_0000;
  }
  out[offset] = (hi >>> 8) & 0xff;
  out[offset + 1] = hi & 0xff;
  out[offset + 2] = (lo >>> 24) & 0xff;
  out[offset + 3] = (lo >>> 16) & 0xff;
  out[offset + 4] = (lo >>> 8) & 0xff;
  out[offset + 5] = lo & 0xff;
}

/** Encode a whole record (header + fragment). */
export function encodeRecord(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array {
  if (fragment.length > MAX_CIPHERTEXT) throw new DecodeError('record fragment too long');
  const out = new Uint8Array(RECORD_HEADER_LENGTH + fragment.length);
  writeRecordHeader(out, 0, type, version, epoch, seq, fragment.length);
  out.set(fragment, RECORD_HEADER_LENGTH);
  return out;
}
