/**
 * The small TLS 1.3 extensions DTLS 1.3 uses (RFC 8446 §4.2), one codec
 * each: psk_key_exchange_modes, cookie, early_data, signature_algorithms_cert;
 * and connection_id, which DTLS 1.3 takes from RFC 9146 (RFC 9147 §9).
 */
import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { DecodeError } from '../../errors.js';

/** PskKeyExchangeMode (RFC 8446 §4.2.9). */
export const PskKeyExchangeMode = Object.freeze({ psk_ke: 0, psk_dhe_ke: 1 } as const);

/**
 * psk_key_exchange_modes (RFC 8446 §4.2.9):
 * `struct { PskKeyExchangeMode ke_modes<1..255>; } PskKeyExchangeModes;`.
 * Unknown modes are kept (and ignored by the handshake).
 */
export interface PskKeyExchangeModes {
  readonly keModes: readonly number[];
}

/** Decode psk_key_exchange_modes (RFC 8446 §4.2.9): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodePskKeyExchangeModes(r: Reader): PskKeyExchangeModes {
  const keModes = r.vec8Numbers(1, 255, 'ke_modes');
  r.end('psk_key_exchange_modes');
  return { keModes };
}

/** Encode psk_key_exchange_modes (RFC 8446 §4.2.9). */
export function encodePskKeyExchangeModes(w: Writer, m: PskKeyExchangeModes): void {
  w.vec8((w) => m.keModes.forEach((k) => w.u8(k)));
}

/**
 * cookie (RFC 8446 §4.2.2), the return-routability check of DTLS 1.3 (RFC
 * 9147 §5.1): `struct { opaque cookie<1..2^16-1>; } Cookie;`.
 */
export interface CookieExtension {
  readonly cookie: Uint8Array;
}

/** Decode a cookie extension (RFC 8446 §4.2.2): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeCookie(r: Reader): CookieExtension {
  const cookie = copyBytes(r.vec16(1, 0xffff, 'cookie'));
  r.end('cookie');
  return { cookie };
}

/** Encode a cookie extension (RFC 8446 §4.2.2). */
export function encodeCookie(w: Writer, m: CookieExtension): void {
  w.opaque16(m.cookie);
}

/**
 * early_data (RFC 8446 §4.2.10): empty in a ClientHello and in
 * EncryptedExtensions; `uint32 max_early_data_size` in a NewSessionTicket.
 * This stack never sends early data and refuses it (epoch 1, RFC 9147 §6.1):
 * the decoders exist to recognize the extension.
 */
export function decodeEarlyDataIndication(r: Reader): true {
  r.end('early_data');
  return true;
}

/** early_data of a NewSessionTicket: `struct { uint32 max_early_data_size; } EarlyDataIndication;`. */
export interface MaxEarlyDataSize {
  readonly maxEarlyDataSize: number;
}

/** Decode a NewSessionTicket's early_data (RFC 8446 §4.2.10): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeMaxEarlyDataSize(r: Reader): MaxEarlyDataSize {
  const hi = r.u16('max_early_data_size');
  const lo = r.u16('max_early_data_size');
  r.end('early_data');
  return { maxEarlyDataSize: hi * 0x10000 + lo };
}

/** Encode a NewSessionTicket's early_data (RFC 8446 §4.2.10). */
export function encodeMaxEarlyDataSize(w: Writer, m: MaxEarlyDataSize): void {
  w.u16(Math.floor(m.maxEarlyDataSize / 0x10000) & 0xffff).u16(m.maxEarlyDataSize & 0xffff);
}

/**
 * signature_algorithms_cert (RFC 8446 §4.2.3), and signature_algorithms in
 * its TLS 1.3 reading (same wire form):
 * `struct { SignatureScheme supported_signature_algorithms<2..2^16-2>; } SignatureSchemeList;`.
 */
export interface SignatureSchemeList {
  readonly schemes: readonly number[];
}

/** Decode signature_algorithms_cert (RFC 8446 §4.2.3): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeSignatureSchemeList(r: Reader): SignatureSchemeList {
  const list = r.subVec16(2, 0xfffe, 'supported_signature_algorithms');
  r.end('signature_algorithms_cert');
  if (list.remaining % 2 !== 0) throw new DecodeError('supported_signature_algorithms: odd length');
  const schemes: number[] = [];
  while (list.remaining > 0) schemes.push(list.u16('SignatureScheme'));
  return { schemes };
}

/** Encode signature_algorithms_cert (RFC 8446 §4.2.3). */
export function encodeSignatureSchemeList(w: Writer, m: SignatureSchemeList): void {
  w.vec16((w) => m.schemes.forEach((s) => w.u16(s)));
}

/**
 * connection_id (RFC 9146 §3, used by DTLS 1.3 per RFC 9147 §9):
 * `struct { opaque cid<0..2^8-1>; } ConnectionId;` — the CID the sender wants
 * to receive (empty: it sends CIDs but wants none).
 */
export interface ConnectionIdExtension {
  readonly cid: Uint8Array;
}

/** Decode connection_id (RFC 9146 §3): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeConnectionIdExtension(r: Reader): ConnectionIdExtension {
  const cid = copyBytes(r.vec8(0, 255, 'cid'));
  r.end('connection_id');
  return { cid };
}

/** Encode connection_id (RFC 9146 §3). */
export function encodeConnectionIdExtension(w: Writer, m: ConnectionIdExtension): void {
  w.opaque8(m.cid);
}
