import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * NewSessionTicket (RFC 5077 §3.3):
 * ```
 * struct {
 *   uint32 ticket_lifetime_hint;
 *   opaque ticket<0..2^16-1>;
 * } NewSessionTicket;
 * ```
 */
export interface NewSessionTicket {
  readonly lifetimeHint: number;
  readonly ticket: Uint8Array;
}

export function decodeNewSessionTicket(r: Reader): NewSessionTicket {
  const hi = r.u16('ticket_lifetime_hint');
  const lo = r.u16('ticket_lifetime_hint');
  const ticket = copyBytes(r.vec16(0, 0xffff, 'ticket'));
  r.end('NewSessionTicket');
  return { lifetimeHint: hi * 0x10000 + lo, ticket };
}

export function encodeNewSessionTicket(w: Writer, m: NewSessionTicket): void {
  w.u16(Math.floor(m.lifetimeHint / 0x10000) & 0xffff).u16(m.lifetimeHint & 0xffff).opaque16(m.ticket);
}
