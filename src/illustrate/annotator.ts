/**
 * Reading bytes and labelling them at once: an {@link Annotator} wraps the
 * project's bounds-checked `Reader` and records, for every value it reads,
 * a {@link Field} with its byte range. Reads throw `DecodeError` exactly as
 * the codec does; callers catch it and label what remains as undecodable.
 */
import { Reader } from '../codec/reader.js';
import type { Field } from './model.js';

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A value as shown in a table: short byte strings in full, long ones by length. */
export function shortHex(b: Uint8Array, max = 32): string {
  return b.length === 0 ? '(empty)' : b.length <= max ? hex(b) : `${hex(b.subarray(0, 16))}… (${b.length} bytes)`;
}

export interface Label {
  readonly note?: string;
  readonly rfc?: string;
}

type Mutable = { -readonly [K in keyof Field]: Field[K] };

export class Annotator {
  readonly fields: Field[] = [];
  private readonly r: Reader;

  /**
   * Read `buf[start, end)`; `origin` is the buffer offset that counts as 0 in
   * the fields (the start of the block the fields describe).
   */
  constructor(private readonly buf: Uint8Array, start = 0, end = buf.length, private readonly origin = 0) {
    this.r = new Reader(buf, start, end);
  }

  static of(bytes: Uint8Array): Annotator {
    return new Annotator(bytes);
  }

  /** Throws `DecodeError` unless every byte was read. */
  end(what: string): void {
    this.r.end(what);
  }

  get at(): number {
    return this.r.offset - this.origin;
  }

  get remaining(): number {
    return this.r.remaining;
  }

  private push(name: string, start: number, value: string | undefined, label: Label, children?: Field[]): void {
    const f: Mutable = { name, start, end: this.at };
    if (value !== undefined) f.value = value;
    if (label.note) f.note = label.note;
    if (label.rfc) f.rfc = label.rfc;
    if (children && children.length) f.children = children;
    this.fields.push(f);
  }

  private int(name: string, width: 1 | 2 | 3 | 6, show: ((v: number) => string) | undefined, label: Label): number {
    const start = this.at;
    const v = width === 1 ? this.r.u8(name) : width === 2 ? this.r.u16(name) : width === 3 ? this.r.u24(name) : this.r.u48(name);
    this.push(name, start, show ? show(v) : String(v), label);
    return v;
  }

  u8(name: string, show?: (v: number) => string, label: Label = {}): number {
    return this.int(name, 1, show, label);
  }
  u16(name: string, show?: (v: number) => string, label: Label = {}): number {
    return this.int(name, 2, show, label);
  }
  u24(name: string, show?: (v: number) => string, label: Label = {}): number {
    return this.int(name, 3, show, label);
  }
  u48(name: string, show?: (v: number) => string, label: Label = {}): number {
    return this.int(name, 6, show, label);
  }

  /** `n` opaque bytes. */
  bytes(name: string, n: number, label: Label = {}, show?: (b: Uint8Array) => string): Uint8Array {
    const start = this.at;
    const b = this.r.bytes(n, name);
    this.push(name, start, show ? show(b) : shortHex(b), label);
    return b;
  }

  /** Step over `n` bytes another annotator labelled (a sub-range read on its own). */
  skip(n: number, what: string): void {
    this.r.bytes(n, what);
  }

  /** The rest of the input as one field. */
  rest(name: string, label: Label = {}, show?: (b: Uint8Array) => string): Uint8Array {
    return this.bytes(name, this.r.remaining, label, show);
  }

  /**
   * A length-prefixed vector (`lenBytes` of length, then the body). With
   * `inner`, the body is read field by field by a child annotator (its
   * fields become the vector's children); else it is one opaque value.
   */
  vec(name: string, lenBytes: 1 | 2 | 3, label: Label, inner?: (a: Annotator) => void, show?: (b: Uint8Array) => string): Uint8Array {
    const start = this.at;
    const n = lenBytes === 1 ? this.r.u8(name) : lenBytes === 2 ? this.r.u16(name) : this.r.u24(name);
    const lenField: Field = { name: `${name} length`, start, end: this.at, value: String(n) };
    const bodyStart = this.r.offset;
    const value = this.r.bytes(n, name);
    const children: Field[] = [lenField];
    if (inner) {
      const a = new Annotator(this.buf, bodyStart, bodyStart + n, this.origin);
      try {
        inner(a);
        a.end(name);
      } catch (e) {
        a.fields.push({ name: 'undecodable', start: a.at, end: bodyStart + n - this.origin, note: (e as Error).message });
      }
      children.push(...a.fields);
      this.push(name, start, show ? show(value) : undefined, label, children);
    } else {
      if (n > 0) children.push({ name: `${name} body`, start: bodyStart - this.origin, end: this.at, value: show ? show(value) : shortHex(value) });
      this.push(name, start, show ? show(value) : shortHex(value), label, children);
    }
    return value;
  }

  /** Fields produced by `fn` grouped under one parent spanning them. */
  group(name: string, label: Label, fn: (a: Annotator) => void, value?: string): void {
    const start = this.at;
    const collected: Field[] = [];
    const before = this.fields.length;
    try {
      fn(this);
    } finally {
      collected.push(...this.fields.splice(before));
      this.push(name, start, value, label, collected);
    }
  }

  /** A field for bytes already consumed elsewhere (offsets relative to this annotator's origin). */
  add(field: Field): void {
    this.fields.push(field);
  }
}
