import { KeyError } from '../errors.js';

/** DER universal tags used by key containers. */
export const Tag = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const);

/** One decoded TLV: its tag byte and content bytes. */
export interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
}

const fail = (what: string): KeyError => new KeyError(`malformed key DER: ${what}`);

/**
 * A strict, bounds-checked DER reader over one level of a structure: definite
 * lengths only, low tag numbers only, every length checked against what is
 * left. Errors are {@link KeyError}s (the input is key material).
 */
export class DerReader {
  private pos: number;
  constructor(private readonly buf: Uint8Array, start = 0, private readonly end = buf.length) {
    this.pos = start;
  }

  /** Nothing left at this level. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Tag of the next element, or `undefined` at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  /** Read the next element, whatever its tag. */
  next(what: string): Tlv {
    const b = this.buf;
    let p = this.pos;
    if (p + 2 > this.end) throw fail(`${what}: truncated header`);
    const tag = b[p++]!;
    if ((tag & 0x1f) === 0x1f) throw fail(`${what}: high tag number`);
    let len = b[p++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw fail(`${what}: indefinite length`);
      if (n > 4) throw fail(`${what}: length too long`);
      if (p + n > this.end) throw fail(`${what}: truncated length`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
      if (len < 0x80) throw fail(`${what}: non-minimal length`);
    }
    if (len > this.end - p) throw fail(`${what}: length ${len} exceeds the ${this.end - p} bytes left`);
    this.pos = p + len;
    return { tag, value: b.subarray(p, p + len) };
  }

  /** Read the next element and check its tag; returns its content. */
  expect(tag: number, what: string): Uint8Array {
    const t = this.next(what);
    if (t.tag !== tag) throw fail(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
    return t.value;
  }

  /** Enter a SEQUENCE. */
  sequence(what: string): DerReader {
    const v = this.expect(Tag.SEQUENCE, what);
    return new DerReader(v);
  }

  /** A non-negative INTEGER's magnitude bytes (leading zero stripped). */
  unsignedInteger(what: string): Uint8Array {
    const v = this.expect(Tag.INTEGER, what);
    if (v.length === 0) throw fail(`${what}: empty integer`);
    if (v[0]! & 0x80) throw fail(`${what}: negative integer`);
    return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
  }

  /** A small non-negative INTEGER as a number (versions). */
  smallInteger(what: string): number {
    const v = this.unsignedInteger(what);
    if (v.length > 4) throw fail(`${what}: integer too large`);
    let n = 0;
    for (const x of v) n = n * 256 + x;
    return n;
  }

  /** An OBJECT IDENTIFIER in dotted form. */
  oid(what: string): string {
    return decodeOid(this.expect(Tag.OID, what), what);
  }

  /** An OCTET STRING's content. */
  octetString(what: string): Uint8Array {
    return this.expect(Tag.OCTET_STRING, what);
  }

  /** A BIT STRING's content, which must have no unused bits. */
  bitString(what: string): Uint8Array {
    const v = this.expect(Tag.BIT_STRING, what);
    if (v.length === 0 || v[0] !== 0) throw fail(`${what}: bit string with unused bits`);
    return v.subarray(1);
  }

  /** Throw unless this level has been read completely. */
  finish(what: string): void {
    if (!this.done) throw fail(`${what}: trailing data`);
  }
}

/** Decode OBJECT IDENTIFIER content bytes to dotted form. */
export function decodeOid(v: Uint8Array, what = 'oid'): string {
  if (v.length === 0 || v.length > 64) throw fail(`${what}: bad OID length`);
  const arcs: number[] = [];
  let acc = 0;
  let first = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (acc === 0 && b === 0x80) throw fail(`${what}: non-minimal OID arc`);
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw fail(`${what}: OID arc too large`);
    if (b & 0x80) {
      if (i === v.length - 1) throw fail(`${what}: truncated OID`);
      continue;
    }
    if (first) {
      const a = acc < 40 ? 0 : acc < 80 ? 1 : 2;
      arcs.push(a, acc - a * 40);
      first = false;
    } else {
      arcs.push(acc);
    }
    acc = 0;
  }
  return arcs.join('.');
}
