/**
 * Shared checks of the fuzz targets. A target "crashes" by throwing: jsfuzz
 * (and tools/fuzz/run.mjs) count any exception escaping `fuzz()` as a finding.
 */
import { isDeepStrictEqual } from 'node:util';
import { Reader } from '../../../src/codec/reader.js';
import { Writer } from '../../../src/codec/writer.js';
import { DecodeError } from '../../../src/errors.js';

/** A broken invariant: always a finding. */
export class FuzzInvariantError extends Error {
  override name = 'FuzzInvariantError';
}

export function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new FuzzInvariantError(what);
}

/**
 * Run a decoder. `DecodeError` is how decoders reject malformed input by
 * design ("Decoders throw only this", src/errors.ts); anything else escapes.
 */
export function decodeOrReject<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/**
 * The decoder contract of one message type: decode the whole input; if it
 * decodes, the encoder must give bytes that decode to the same value, and
 * those bytes must equal the input (`canonical`) unless `allowedDifference`
 * says the difference is legitimate.
 */
export function roundTrip<T>(
  input: Uint8Array,
  decode: (r: Reader) => T,
  encode: (w: Writer, m: T) => void,
  allowedDifference?: (input: Uint8Array, reencoded: Uint8Array) => boolean,
): T | undefined {
  const value = decodeOrReject(() => decode(new Reader(input)));
  if (value === undefined) return undefined;
  const w = new Writer(input.length + 16);
  encode(w, value);
  const again = w.finish();
  const value2 = decodeOrReject(() => decode(new Reader(again)));
  check(value2 !== undefined, `re-encoded value does not decode: ${hex(again)}`);
  check(isDeepStrictEqual(normalize(value), normalize(value2)), 'decode(encode(decode(x))) differs from decode(x)');
  if (!equalBytes(input, again)) {
    check(allowedDifference?.(input, again) === true, `encode(decode(x)) != x: ${hex(again)}`);
  }
  return value;
}

/** Uint8Array views of different buffers compare equal by content. */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A cursor over the fuzz input for targets that interpret it as a program. Reads past the end give 0 / empty. */
export class FuzzInput {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(): number {
    return this.pos < this.buf.length ? this.buf[this.pos++]! : 0;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u24(): number {
    return (this.u8() << 16) | (this.u8() << 8) | this.u8();
  }
  /** Up to `n` bytes (fewer at the end of the input). */
  take(n: number): Uint8Array {
    const end = Math.min(this.buf.length, this.pos + n);
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }
}

/**
 * Hellos: an extensions block that is present but empty (`00 00`) decodes
 * like an absent one, and the encoder omits it. That is the only accepted
 * difference between a hello and its re-encoding.
 */
export function emptyExtensionsBlockOmitted(input: Uint8Array, reencoded: Uint8Array): boolean {
  const n = reencoded.length;
  return input.length === n + 2 && input[n] === 0 && input[n + 1] === 0 && equalBytes(input.subarray(0, n), reencoded);
}
