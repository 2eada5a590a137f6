import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/** ConnectionIdUsage (RFC 9147 §9). */
export const ConnectionIdUsage = Object.freeze({ cid_immediate: 0, cid_spare: 1 } as const);

/**
 * NewConnectionId (RFC 9147 §9), a post-handshake message:
 * ```
 * enum { cid_immediate(0), cid_spare(1), (255) } ConnectionIdUsage;
 * opaque ConnectionId<0..2^8-1>;
 * struct { ConnectionId cids<0..2^16-1>; ConnectionIdUsage usage; } NewConnectionId;
 * ```
 * With cid_immediate one of the CIDs MUST be used for all future records.
 */
export interface NewConnectionId {
  readonly cids: readonly Uint8Array[];
  readonly usage: number;
}

/** Decode a NewConnectionId (RFC 9147 §9): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeNewConnectionId(r: Reader): NewConnectionId {
  const list = r.subVec16(0, 0xffff, 'cids');
  const usage = r.u8('usage');
  r.end('NewConnectionId');
  const cids: Uint8Array[] = [];
  while (list.remaining > 0) cids.push(copyBytes(list.vec8(0, 255, 'ConnectionId')));
  return { cids, usage };
}

/** Encode a NewConnectionId (RFC 9147 §9). */
export function encodeNewConnectionId(w: Writer, m: NewConnectionId): void {
  w.vec16((w) => m.cids.forEach((c) => w.opaque8(c)));
  w.u8(m.usage);
}

/**
 * RequestConnectionId (RFC 9147 §9): `struct { uint8 num_cids; } RequestConnectionId;`
 * — answered by a NewConnectionId with usage cid_spare and up to num_cids CIDs.
 */
export interface RequestConnectionId {
  readonly numCids: number;
}

/** Decode a RequestConnectionId (RFC 9147 §9): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeRequestConnectionId(r: Reader): RequestConnectionId {
  const numCids = r.u8('num_cids');
  r.end('RequestConnectionId');
  return { numCids };
}

/** Encode a RequestConnectionId (RFC 9147 §9). */
export function encodeRequestConnectionId(w: Writer, m: RequestConnectionId): void {
  w.u8(m.numCids);
}
