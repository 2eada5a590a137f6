import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * One key share (RFC 8446 §4.2.8):
 * ```
 * struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
 * ```
 * `key_exchange` is the X25519 public key (32 bytes) or the uncompressed
 * P-256/P-384 point (§4.2.8.2).
 */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

function readEntry(r: Reader): KeyShareEntry {
  const group = r.u16('group');
  const keyExchange = copyBytes(r.vec16(1, 0xffff, 'key_exchange'));
  return { group, keyExchange };
}

const writeEntry = (w: Writer, e: KeyShareEntry): void => {
  w.u16(e.group).opaque16(e.keyExchange);
};

/**
 * key_share in a ClientHello (RFC 8446 §4.2.8):
 * `struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;`
 * (empty when the client waits for a HelloRetryRequest to pick the group).
 * Two entries for one group are the peer's error (illegal_parameter, §4.2.8):
 * the handshake checks that, the codec keeps them.
 */
export interface KeyShareClientHello {
  readonly clientShares: readonly KeyShareEntry[];
}

/** Decode a ClientHello's key_share (RFC 8446 §4.2.8): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeKeyShareClientHello(r: Reader): KeyShareClientHello {
  const list = r.subVec16(0, 0xffff, 'client_shares');
  r.end('key_share');
  const clientShares: KeyShareEntry[] = [];
  while (list.remaining > 0) clientShares.push(readEntry(list));
  return { clientShares };
}

/** Encode a ClientHello's key_share (RFC 8446 §4.2.8). */
export function encodeKeyShareClientHello(w: Writer, m: KeyShareClientHello): void {
  w.vec16((w) => m.clientShares.forEach((e) => writeEntry(w, e)));
}

/** key_share in a ServerHello (RFC 8446 §4.2.8): `struct { KeyShareEntry server_share; } KeyShareServerHello;`. */
export interface KeyShareServerHello {
  readonly serverShare: KeyShareEntry;
}

/** Decode a ServerHello's key_share (RFC 8446 §4.2.8): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeKeyShareServerHello(r: Reader): KeyShareServerHello {
  const serverShare = readEntry(r);
  r.end('key_share');
  return { serverShare };
}

/** Encode a ServerHello's key_share (RFC 8446 §4.2.8). */
export function encodeKeyShareServerHello(w: Writer, m: KeyShareServerHello): void {
  writeEntry(w, m.serverShare);
}

/** key_share in a HelloRetryRequest (RFC 8446 §4.2.8): `struct { NamedGroup selected_group; } KeyShareHelloRetryRequest;`. */
export interface KeyShareHelloRetryRequest {
  readonly selectedGroup: number;
}

/** Decode a HelloRetryRequest's key_share (RFC 8446 §4.2.8): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeKeyShareHelloRetryRequest(r: Reader): KeyShareHelloRetryRequest {
  const selectedGroup = r.u16('selected_group');
  r.end('key_share');
  return { selectedGroup };
}

/** Encode a HelloRetryRequest's key_share (RFC 8446 §4.2.8). */
export function encodeKeyShareHelloRetryRequest(w: Writer, m: KeyShareHelloRetryRequest): void {
  w.u16(m.selectedGroup);
}
