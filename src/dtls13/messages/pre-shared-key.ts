import { type Reader, copyBytes } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';

/**
 * One offered PSK identity (RFC 8446 §4.2.11):
 * `struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;`
 * (the age is 0 for external PSKs).
 */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/**
 * pre_shared_key in a ClientHello (RFC 8446 §4.2.11), which MUST be its
 * last extension:
 * ```
 * opaque PskBinderEntry<32..255>;
 * struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
 * ```
 * One binder per identity, in the same order: a different count is the
 * peer's error (illegal_parameter, §4.2.11); the codec keeps what it got.
 */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

/** Decode a ClientHello's pre_shared_key (RFC 8446 §4.2.11): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeOfferedPsks(r: Reader): OfferedPsks {
  const ids = r.subVec16(7, 0xffff, 'identities');
  const bs = r.subVec16(33, 0xffff, 'binders');
  r.end('pre_shared_key');
  const identities: PskIdentity[] = [];
  while (ids.remaining > 0) {
    const identity = copyBytes(ids.vec16(1, 0xffff, 'identity'));
    const hi = ids.u16('obfuscated_ticket_age');
    const lo = ids.u16('obfuscated_ticket_age');
    identities.push({ identity, obfuscatedTicketAge: hi * 0x10000 + lo });
  }
  const binders: Uint8Array[] = [];
  while (bs.remaining > 0) binders.push(copyBytes(bs.vec8(32, 255, 'PskBinderEntry')));
  return { identities, binders };
}

/** Encode a ClientHello's pre_shared_key (RFC 8446 §4.2.11). */
export function encodeOfferedPsks(w: Writer, m: OfferedPsks): void {
  w.vec16((w) => m.identities.forEach((i) => {
    w.opaque16(i.identity).u16(Math.floor(i.obfuscatedTicketAge / 0x10000) & 0xffff).u16(i.obfuscatedTicketAge & 0xffff);
  }));
  w.vec16((w) => m.binders.forEach((b) => w.opaque8(b)));
}

/** Length of the encoded `binders` vector for binders of these lengths: what a client reserves before computing them. */
export function bindersLength(binderLengths: readonly number[]): number {
  return 2 + binderLengths.reduce((n, l) => n + 1 + l, 0);
}

/** pre_shared_key in a ServerHello (RFC 8446 §4.2.11): `uint16 selected_identity;`, zero-based. */
export interface SelectedIdentity {
  readonly selectedIdentity: number;
}

/** Decode a ServerHello's pre_shared_key (RFC 8446 §4.2.11): the whole input; throws `DecodeError` naming the field. Fields are copies (S-66). */
export function decodeSelectedIdentity(r: Reader): SelectedIdentity {
  const selectedIdentity = r.u16('selected_identity');
  r.end('pre_shared_key');
  return { selectedIdentity };
}

/** Encode a ServerHello's pre_shared_key (RFC 8446 §4.2.11). */
export function encodeSelectedIdentity(w: Writer, m: SelectedIdentity): void {
  w.u16(m.selectedIdentity);
}

/**
 * The client's obfuscated_ticket_age (RFC 8446 §4.2.11.1): the ticket's age
 * in milliseconds plus ticket_age_add, modulo 2^32; and the server's inverse.
 */
export function obfuscateTicketAge(ageMs: number, ticketAgeAdd: number): number {
  if (!Number.isInteger(ageMs) || ageMs < 0) throw new RangeError(`ticket age ${ageMs}`);
  return (ageMs + ticketAgeAdd) % 0x1_0000_0000;
}

/** The ticket age in milliseconds the client meant (RFC 8446 §4.2.11.1), from the obfuscated one. */
export function ticketAgeMs(obfuscatedTicketAge: number, ticketAgeAdd: number): number {
  return (obfuscatedTicketAge - ticketAgeAdd + 0x1_0000_0000) % 0x1_0000_0000;
}
