/**
 * Human- and filter-friendly dissection of DTLS 1.2 datagrams.
 *
 * {@link describeDatagram} walks the DTLS record headers in a datagram and,
 * for plaintext (epoch 0) handshake records, the handshake message headers
 * inside them. It never throws: on malformed input it stops at the first bad
 * record and marks it with a `malformed` reason. {@link flightOf} guesses which
 * handshake flight (RFC 6347 §4.2.4 numbering) a datagram belongs to, which
 * lets a {@link VirtualNetwork} filter say "drop the 2nd datagram of flight 4".
 *
 * @example
 * ```ts
 * import { describeDatagram, flightOf, formatRecords } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array; // e.g. the `data` a DatagramFilter sees
 * const records = describeDatagram(datagram);
 * records[0]?.handshake?.[0]?.name; // e.g. 'client_hello'
 * flightOf(records, { fromServer: false }); // e.g. 1 or 3
 * console.log(formatRecords(records));
 * // handshake e0/0 [client_hello m0 0+121/121 cookie=0]
 * ```
 *
 * @module
 */

import { Reader } from '../codec/reader.js';
import { DecodeError } from '../errors.js';
import { HANDSHAKE_HEADER_LENGTH as HEADER_LENGTH, decodeHandshakeFragment } from '../handshake/header.js';
import { decodeHelloPrefix } from '../handshake/messages/client-hello.js';
import { decodeHelloVerifyRequest } from '../handshake/messages/hello-verify-request.js';
import { HandshakeTypes } from '../handshake/registry.js';
import { ContentType as ContentTypes, RECORD_HEADER_LENGTH as RECORD_HEADER } from '../record/content-type.js';
import { readRecordHeader, recordHeaderLength } from '../record/record.js';

/**
 * Size of a DTLS record header: type, version, epoch, sequence_number,
 * length (a `tls12_cid` record adds its connection ID). The record layer's
 * own constant.
 *
 * @example
 * ```ts
 * import { describeDatagram, RECORD_HEADER_LENGTH } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * const headerBytes = describeDatagram(datagram).length * RECORD_HEADER_LENGTH; // without connection IDs
 * ```
 */
export const RECORD_HEADER_LENGTH = RECORD_HEADER;

/**
 * Size of a DTLS handshake message header: msg_type, length, message_seq,
 * fragment_offset, fragment_length. The handshake layer's own constant.
 *
 * @example
 * ```ts
 * import { HANDSHAKE_HEADER_LENGTH, RECORD_HEADER_LENGTH } from 'puredtls/testing';
 *
 * // Where the first message body starts in a datagram that begins with a plaintext handshake record
 * const bodyOffset = RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH; // 25
 * ```
 */
export const HANDSHAKE_HEADER_LENGTH = HEADER_LENGTH;

/**
 * DTLS record content types (RFC 6347, RFC 9146, RFC 9853): the `type` of a
 * {@link RecordInfo}. The record layer's own registry.
 *
 * @example
 * ```ts
 * import { ContentType, type DatagramFilter } from 'puredtls/testing';
 *
 * // Lose every datagram that carries application data
 * const noData: DatagramFilter = (dg) =>
 *   dg.records.some((r) => r.type === ContentType.application_data) ? 'drop' : 'pass';
 * ```
 */
export const ContentType = ContentTypes;

/**
 * Handshake message types used by DTLS 1.2: the `msgType` of a
 * {@link HandshakeInfo}. The handshake layer's own registry.
 *
 * @example
 * ```ts
 * import { HandshakeType, type DatagramFilter } from 'puredtls/testing';
 *
 * // Hold back every datagram with a Certificate by 500 ms
 * const slowCertificates: DatagramFilter = (dg) =>
 *   dg.records.some((r) => r.handshake?.some((h) => h.msgType === HandshakeType.certificate)) ? { delay: 500 } : 'pass';
 * ```
 */
export const HandshakeType = HandshakeTypes.values;

/** Value → name of a frozen name → value registry. */
function namesOf(values: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  return new Map(Object.entries(values).map(([k, v]) => [v, k]));
}
const contentTypeNames = namesOf(ContentType);
const handshakeTypeNames = namesOf(HandshakeType);

/**
 * Name of a content type, or `unknown(n)`.
 *
 * @example
 * ```ts
 * import { contentTypeName } from 'puredtls/testing';
 *
 * contentTypeName(21); // 'alert'
 * contentTypeName(99); // 'unknown(99)'
 * ```
 */
export function contentTypeName(type: number): string {
  return contentTypeNames.get(type) ?? `unknown(${type})`;
}

/**
 * Name of a handshake message type, or `unknown(n)`.
 *
 * @example
 * ```ts
 * import { HandshakeType, handshakeTypeName } from 'puredtls/testing';
 *
 * handshakeTypeName(HandshakeType.server_hello_done); // 'server_hello_done'
 * handshakeTypeName(99);                              // 'unknown(99)'
 * ```
 */
export function handshakeTypeName(msgType: number): string {
  return handshakeTypeNames.get(msgType) ?? `unknown(${msgType})`;
}

/**
 * One handshake message (or message fragment) header found in a plaintext
 * handshake record: the `handshake` entries of a {@link RecordInfo}.
 *
 * @example
 * ```ts
 * import { describeDatagram, type HandshakeInfo } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * const messages: HandshakeInfo[] = describeDatagram(datagram).flatMap((r) => r.handshake ?? []);
 * for (const h of messages) console.log(`${h.name} seq=${h.messageSeq} ${h.fragmentOffset}+${h.fragmentLength}/${h.length}`);
 * const fragmented = messages.some((h) => h.fragmentLength < h.length);
 * ```
 */
export interface HandshakeInfo {
  /** Byte offset of the handshake header within the datagram. */
  offset: number;
  /** `msg_type`. */
  msgType: number;
  /** Message name (`client_hello`, `certificate`, ...) or `unknown(n)`. */
  name: string;
  /** Total length of the (reassembled) message body. */
  length: number;
  /** `message_seq`. */
  messageSeq: number;
  /** `fragment_offset`. */
  fragmentOffset: number;
  /** `fragment_length` as declared. */
  fragmentLength: number;
  /** The fragment bytes that are actually present (may be shorter if malformed). */
  body: Uint8Array;
  /**
   * For a `client_hello` / `hello_verify_request` fragment that starts at
   * offset 0 and is long enough: the length of the cookie (0 = no cookie).
   */
  cookieLength?: number;
  /** Set when this header is truncated or inconsistent; parsing stopped here. */
  malformed?: string;
}

/**
 * One DTLS record found in a datagram by {@link describeDatagram}.
 *
 * @example
 * ```ts
 * import { describeDatagram, type RecordInfo } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * const records: RecordInfo[] = describeDatagram(datagram);
 * const protectedRecords = records.filter((r) => r.encrypted).length;
 * const alert = records.find((r) => r.alert !== undefined)?.alert; // { level, description } of a plaintext alert
 * const problem = records.find((r) => r.malformed !== undefined)?.malformed;
 * ```
 */
export interface RecordInfo {
  /** Byte offset of the record header within the datagram. */
  offset: number;
  /** Content type byte (0 if the header is truncated to nothing). */
  type: number;
  /** Content type name, e.g. `handshake`, or `unknown(n)`. */
  typeName: string;
  /** Protocol version as a u16 (0xfefd = DTLS 1.2, 0xfeff = DTLS 1.0); 0 if truncated. */
  version: number;
  /** Epoch; 0 if truncated. */
  epoch: number;
  /** 48-bit sequence number (exact: fits in a JS number); 0 if truncated. */
  seq: number;
  /** Connection ID bytes of a `tls12_cid` record (only when the caller gave `cidLength`). */
  cid?: Uint8Array;
  /** Declared `length` field; 0 if truncated. */
  length: number;
  /** The fragment bytes actually present (shorter than `length` if malformed). */
  fragment: Uint8Array;
  /** True when the payload is protected (epoch ≥ 1 or a `tls12_cid` record). */
  encrypted: boolean;
  /** Handshake headers inside a plaintext (epoch 0) handshake record. */
  handshake?: HandshakeInfo[];
  /** Level and description of a plaintext (epoch 0) alert. */
  alert?: { level: number; description: number };
  /**
   * Set when the record is malformed (truncated header, length past the end
   * of the datagram, unknown CID length). It is then the last record returned.
   * A record whose *handshake* content is malformed is not itself marked; look
   * at its `handshake` entries.
   */
  malformed?: string;
}

/**
 * Options for {@link describeDatagram} (and {@link VirtualNetworkOptions.describe}).
 *
 * @example Endpoints that use 8-byte connection IDs (RFC 9146)
 * ```ts
 * import { describeDatagram, VirtualNetwork, type DescribeOptions } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * const options: DescribeOptions = { cidLength: 8 };
 * describeDatagram(datagram, options)[0]?.cid;
 * const net = new VirtualNetwork({ describe: options }); // so that filters and the log parse tls12_cid records
 * ```
 */
export interface DescribeOptions {
  /**
   * Length of the connection ID in `tls12_cid` (type 25) records. The record
   * header does not carry it; without this option parsing stops at such a record.
   */
  cidLength?: number;
}

/**
 * Parse the DTLS records in a datagram, one after another, with the stack's
 * own decoders (the record layer's header reader, the handshake layer's
 * fragment decoder). Never throws: stops at the first record they reject and
 * marks it with `malformed`, showing what its header fields say.
 * Returned byte arrays are views into `data` (no copies).
 *
 * @example
 * ```ts
 * import { describeDatagram } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * for (const r of describeDatagram(datagram)) {
 *   console.log(r.typeName, r.epoch, r.seq, r.handshake?.map((h) => h.name));
 * }
 * ```
 */
export function describeDatagram(data: Uint8Array, options: DescribeOptions = {}): RecordInfo[] {
  const out: RecordInfo[] = [];
  const r = new Reader(data);
  while (r.remaining > 0) {
    const rec = describeRecord(data, r, options.cidLength);
    out.push(rec);
    if (rec.malformed !== undefined) break;
  }
  return out;
}

/** Field sizes of a record header up to the sequence number: type, version, epoch, sequence_number. */
const RECORD_PREFIX = [1, 2, 2, 6] as const;
/** Field sizes of a handshake header: msg_type, length, message_seq, fragment_offset, fragment_length. */
const HANDSHAKE_FIELDS = [1, 3, 2, 3, 3] as const;

/**
 * Read the fields of a header that cannot be read whole (truncated, or
 * rejected by the stack's decoder), as far as the bytes go; the missing ones are 0.
 */
function fieldsOf(r: Reader, sizes: readonly (1 | 2 | 3 | 6)[]): number[] {
  const out: number[] = [];
  for (const n of sizes) {
    if (r.remaining < n) out.push(0);
    else out.push(n === 1 ? r.u8() : n === 2 ? r.u16() : n === 3 ? r.u24() : r.u48());
  }
  return out;
}

/** The record at the reader's position; the reader moves past it unless it is malformed. */
function describeRecord(data: Uint8Array, r: Reader, cidLength: number | undefined): RecordInfo {
  const offset = r.offset;
  const type = data[offset]!;
  const cid = type === ContentType.tls12_cid;
  // -1: a tls12_cid record whose CID length the caller did not give.
  const cidBytes = !cid ? 0 : cidLength !== undefined && Number.isInteger(cidLength) && cidLength >= 0 ? cidLength : -1;
  if (r.remaining < RECORD_HEADER_LENGTH || cidBytes < 0 || r.remaining < recordHeaderLength(type, cidBytes)) {
    return unframed(data, r, cidBytes);
  }
  const header = readRecordHeader(r, cidBytes);
  const available = r.remaining;
  const fragmentStart = r.offset;
  const rec: RecordInfo = {
    offset,
    type,
    typeName: contentTypeName(type),
    version: header.version,
    epoch: header.epoch,
    seq: header.seq,
    length: header.length,
    fragment: r.bytes(Math.min(header.length, available)),
    encrypted: cid || header.epoch >= 1,
  };
  if (header.cid !== undefined) rec.cid = header.cid;
  if (header.length > available) rec.malformed = `record length ${header.length} exceeds the ${available} remaining bytes`;
  if (!rec.encrypted) {
    if (type === ContentType.handshake) rec.handshake = describeHandshakes(data, fragmentStart, r.offset);
    else if (type === ContentType.alert && rec.fragment.length >= 2) {
      const alert = new Reader(rec.fragment);
      rec.alert = { level: alert.u8('alert level'), description: alert.u8('alert description') };
    }
  }
  return rec;
}

/**
 * A record whose header cannot be read (truncated, or a tls12_cid record of
 * unknown CID length): its fields as far as they go, and why it stops there.
 */
function unframed(data: Uint8Array, r: Reader, cidBytes: number): RecordInfo {
  const offset = r.offset;
  const remaining = r.remaining;
  const [type = 0, version = 0, epoch = 0, seq = 0] = fieldsOf(r, RECORD_PREFIX);
  const rec: RecordInfo = { offset, type, typeName: contentTypeName(type), version, epoch, seq, length: 0, fragment: r.rest(), encrypted: true };
  if (remaining < RECORD_HEADER_LENGTH) {
    rec.fragment = data.subarray(data.length);
    rec.encrypted = false;
    rec.malformed = `truncated record header (${remaining} of ${RECORD_HEADER_LENGTH} bytes)`;
  } else if (cidBytes < 0) rec.malformed = 'tls12_cid record: connection ID length unknown (pass cidLength)';
  else rec.malformed = `truncated tls12_cid record header (cid length ${cidBytes})`;
  return rec;
}

function describeHandshakes(data: Uint8Array, start: number, end: number): HandshakeInfo[] {
  const out: HandshakeInfo[] = [];
  const r = new Reader(data, start, end);
  while (r.remaining > 0) {
    const hs = describeHandshake(data, r, end);
    out.push(hs);
    if (hs.malformed !== undefined) break;
  }
  return out;
}

/** The handshake fragment at the reader's position, as the handshake layer decodes it (or why it does not). */
function describeHandshake(data: Uint8Array, r: Reader, end: number): HandshakeInfo {
  const offset = r.offset;
  const remaining = r.remaining;
  if (remaining >= HANDSHAKE_HEADER_LENGTH) {
    try {
      const f = decodeHandshakeFragment(r);
      return withCookie({
        offset,
        msgType: f.msgType,
        name: handshakeTypeName(f.msgType),
        length: f.length,
        messageSeq: f.messageSeq,
        fragmentOffset: f.fragmentOffset,
        fragmentLength: f.body.length,
        body: f.body,
      });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
    }
  }
  // Rejected: show what the header says and the bytes that are there.
  const fields = new Reader(data, offset, end);
  const [msgType = 0, length = 0, messageSeq = 0, fragmentOffset = 0, fragmentLength = 0] = fieldsOf(fields, HANDSHAKE_FIELDS);
  const available = fields.remaining;
  let malformed: string;
  if (remaining < HANDSHAKE_HEADER_LENGTH) malformed = `truncated handshake header (${remaining} of ${HANDSHAKE_HEADER_LENGTH} bytes)`;
  else if (fragmentLength > available) malformed = `fragment_length ${fragmentLength} exceeds the ${available} remaining bytes of the record`;
  else malformed = `fragment ${fragmentOffset}+${fragmentLength} exceeds message length ${length}`;
  return withCookie({
    offset,
    msgType,
    name: handshakeTypeName(msgType),
    length,
    messageSeq,
    fragmentOffset,
    fragmentLength,
    body: fields.bytes(Math.min(fragmentLength, available)),
    malformed,
  });
}

/**
 * Add the cookie length of a ClientHello / HelloVerifyRequest fragment that
 * starts at offset 0, when the message's decoder reads the cookie from it.
 */
function withCookie(hs: HandshakeInfo): HandshakeInfo {
  if (hs.fragmentOffset !== 0) return hs;
  try {
    if (hs.msgType === HandshakeType.client_hello) hs.cookieLength = decodeHelloPrefix(new Reader(hs.body)).cookie.length;
    else if (hs.msgType === HandshakeType.hello_verify_request) {
      hs.cookieLength = decodeHelloVerifyRequest(new Reader(hs.body)).cookie.length;
    }
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
  return hs;
}

/**
 * Options for {@link flightOf}.
 *
 * @example
 * ```ts
 * import { describeDatagram, flightOf, type FlightOptions } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * const options: FlightOptions = { fromServer: false };
 * flightOf(describeDatagram(datagram), options); // 1, 3, 5 or undefined
 * ```
 */
export interface FlightOptions {
  /**
   * Whether the datagram was sent by the server (`true`), the client
   * (`false`), or unknown (`undefined`, the default). Needed to number
   * `Certificate`, `ChangeCipherSpec` and encrypted `Finished` datagrams.
   */
  fromServer?: boolean;
}

/**
 * Guess the DTLS 1.2 handshake flight a datagram belongs to, from its records,
 * using the RFC 6347 §4.2.4 numbering of a full handshake with cookie exchange:
 *
 * | flight | sender | content |
 * |---|---|---|
 * | 1 | client | ClientHello with an empty cookie |
 * | 2 | server | HelloVerifyRequest |
 * | 3 | client | ClientHello with a cookie |
 * | 4 | server | ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone |
 * | 5 | client | Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished |
 * | 6 | server | (NewSessionTicket,) ChangeCipherSpec, Finished |
 *
 * The numbers are the same when the server skips the cookie exchange (the
 * ServerHello flight is still 4). In an abbreviated (resumed) handshake the
 * server's ServerHello+CCS+Finished datagram is 4 and the client's reply 5.
 *
 * `Certificate`, `ChangeCipherSpec` and encrypted handshake records (the
 * `Finished`) can only be attributed when `fromServer` is known or another
 * message in the same datagram decides. A ClientHello fragment that does not
 * show the cookie, HelloRequest, alerts and application data give `undefined`.
 * When a datagram mixes flights (never in a correct stack) the highest wins.
 *
 * @example
 * ```ts
 * import { describeDatagram, flightOf } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array; // sent by the server
 * flightOf(describeDatagram(datagram), { fromServer: true }); // 2, 4, 6 or undefined
 * ```
 */
export function flightOf(records: readonly RecordInfo[], options: FlightOptions = {}): number | undefined {
  const { fromServer } = options;
  let flight: number | undefined;
  let certificate = false;
  let finishing = false;
  const bump = (f: number): void => {
    if (flight === undefined || f > flight) flight = f;
  };
  for (const r of records) {
    if (r.type === ContentType.change_cipher_spec) {
      finishing = true;
      continue;
    }
    if (r.type !== ContentType.handshake) continue;
    if (r.encrypted) {
      finishing = true;
      continue;
    }
    for (const h of r.handshake ?? []) {
      switch (h.msgType) {
        case HandshakeType.client_hello:
          if (h.cookieLength !== undefined) bump(h.cookieLength === 0 ? 1 : 3);
          break;
        case HandshakeType.hello_verify_request:
          bump(2);
          break;
        case HandshakeType.server_hello:
        case HandshakeType.server_key_exchange:
        case HandshakeType.certificate_request:
        case HandshakeType.server_hello_done:
          bump(4);
          break;
        case HandshakeType.certificate:
          certificate = true;
          break;
        case HandshakeType.client_key_exchange:
        case HandshakeType.certificate_verify:
          bump(5);
          break;
        case HandshakeType.new_session_ticket:
          bump(6);
          break;
        case HandshakeType.finished:
          finishing = true;
          break;
        default:
          break;
      }
    }
  }
  if (certificate) {
    if (fromServer === true) bump(4);
    else if (fromServer === false) bump(5);
    // else: ambiguous on its own; other messages in the datagram decide.
  }
  if (finishing && flight === undefined) {
    if (fromServer === true) flight = 6;
    else if (fromServer === false) flight = 5;
  }
  return flight;
}

/**
 * True if the records contain a ChangeCipherSpec or a protected handshake
 * record (the Finished, in a handshake).
 *
 * @example Lose the first datagram with a ChangeCipherSpec or Finished
 * ```ts
 * import { hasFinishingRecords, type DatagramFilter } from 'puredtls/testing';
 *
 * let dropped = false;
 * const filter: DatagramFilter = (dg) => {
 *   if (dropped || !hasFinishingRecords(dg.records)) return 'pass';
 *   dropped = true;
 *   return 'drop';
 * };
 * ```
 */
export function hasFinishingRecords(records: readonly RecordInfo[]): boolean {
  return records.some(
    (r) =>
      r.type === ContentType.change_cipher_spec || (r.type === ContentType.handshake && r.encrypted),
  );
}

/**
 * One-line summary of the records of a datagram, for logs. Records are
 * separated by ` | `; each shows `type eEPOCH/SEQ` then handshake fragments
 * `name mMSGSEQ OFFSET+LEN/TOTAL`, alerts `level/description`, or the size of
 * an encrypted payload.
 *
 * @example
 * ```ts
 * import { describeDatagram, formatRecords } from 'puredtls/testing';
 *
 * declare const datagram: Uint8Array;
 * formatRecords(describeDatagram(datagram));
 * // 'handshake e0/1 [server_hello m1 0+70/70, certificate m2 0+300/1200]'
 * ```
 */
export function formatRecords(records: readonly RecordInfo[]): string {
  return records
    .map((r) => {
      let s = `${r.typeName} e${r.epoch}/${r.seq}`;
      if (r.encrypted) s += ` encrypted(${r.fragment.length})`;
      else if (r.handshake) {
        s += ` [${r.handshake
          .map((h) => {
            let t = `${h.name} m${h.messageSeq} ${h.fragmentOffset}+${h.fragmentLength}/${h.length}`;
            if (h.cookieLength !== undefined) t += ` cookie=${h.cookieLength}`;
            if (h.malformed) t += ` !${h.malformed}`;
            return t;
          })
          .join(', ')}]`;
      } else if (r.alert) s += ` ${r.alert.level}/${r.alert.description}`;
      else s += ` (${r.fragment.length})`;
      if (r.malformed) s += ` !${r.malformed}`;
      return s;
    })
    .join(' | ');
}
