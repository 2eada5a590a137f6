import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import type { Extension } from '../../handshake/extensions.js';
import { decodeExtensionBlock, encodeExtensionBlock } from './extension-block.js';

/** Longest ticket lifetime a server may announce: 7 days (RFC 8446 §4.6.1). */
export const MAX_TICKET_LIFETIME = 604800;

/**
 * NewSessionTicket of TLS 1.3 (RFC 8446 §4.6.1), a post-handshake message
 * in epoch 3+ that the client ACKs (RFC 9147 §5.8.4):
 * ```
 * struct {
 *   uint32 ticket_lifetime;
 *   uint32 ticket_age_add;
 *   opaque ticket_nonce<0..255>;
 *   opaque ticket<1..2^16-1>;
 *   Extension extensions<0..2^16-2>;
 * } NewSessionTicket;
 * ```
 * The resumption PSK is HKDF-Expand-Label(resumption_master_secret,
 * "resumption", ticket_nonce, Hash.length) (see `resumptionPsk`). A lifetime
 * above {@link MAX_TICKET_LIFETIME} decodes; clients must not keep the ticket
 * longer than 7 days.
 */
export interface NewSessionTicket13 {
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

const readU32 = (r: Reader, what: string): number => r.u16(what) * 0x10000 + r.u16(what);
const writeU32 = (w: Writer, v: number): void => {
  w.u16(Math.floor(v / 0x10000) & 0xffff).u16(v & 0xffff);
};

/** Decode a TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeNewSessionTicket13(r: Reader): NewSessionTicket13 {
  const ticketLifetime = readU32(r, 'ticket_lifetime');
  const ticketAgeAdd = readU32(r, 'ticket_age_add');
  const ticketNonce = copyBytes(r.vec8(0, 255, 'ticket_nonce'));
  const ticket = copyBytes(r.vec16(1, 0xffff, 'ticket'));
  const extensions = decodeExtensionBlock(r, 0, 0xfffe);
  r.end('NewSessionTicket');
  return { ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions };
}

/** Encode a TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1). */
export function encodeNewSessionTicket13(w: Writer, m: NewSessionTicket13): void {
  writeU32(w, m.ticketLifetime);
  writeU32(w, m.ticketAgeAdd);
  w.opaque8(m.ticketNonce).opaque16(m.ticket);
  encodeExtensionBlock(w, m.extensions);
}
