import type { Reader } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/** KeyUpdateRequest (RFC 8446 §4.6.3). */
export const KeyUpdateRequest = Object.freeze({ update_not_requested: 0, update_requested: 1 } as const);

/**
 * KeyUpdate (RFC 8446 §4.6.3; in DTLS 1.3 acknowledged by an ACK before the
 * sender uses its new keys, RFC 9147 §8):
 * ```
 * enum { update_not_requested(0), update_requested(1), (255) } KeyUpdateRequest;
 * struct { KeyUpdateRequest request_update; } KeyUpdate;
 * ```
 * Any other value decodes (so that the handshake can answer it with
 * illegal_parameter, as §4.6.3 requires): see {@link isKnownKeyUpdateRequest}.
 */
export interface KeyUpdate {
  readonly requestUpdate: number;
}

/** Decode a KeyUpdate (RFC 8446 §4.6.3): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeKeyUpdate(r: Reader): KeyUpdate {
  const requestUpdate = r.u8('request_update');
  r.end('KeyUpdate');
  return { requestUpdate };
}

/** Encode a KeyUpdate (RFC 8446 §4.6.3). */
export function encodeKeyUpdate(w: Writer, m: KeyUpdate): void {
  w.u8(m.requestUpdate);
}

/** Is `request_update` 0 or 1 (RFC 8446 §4.6.3: anything else is illegal_parameter)? */
export function isKnownKeyUpdateRequest(v: number): boolean {
  return v === KeyUpdateRequest.update_not_requested || v === KeyUpdateRequest.update_requested;
}
