import fc from 'fast-check';
import { expect } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { type Writer, encode } from '../../../src/codec/writer.js';
import { DecodeError } from '../../../src/errors.js';

export type Decode<T> = (r: Reader) => T;
export type Encode<T> = (w: Writer, m: T) => void;

/** Decode a whole message body (the decoders check for trailing bytes themselves). */
export function decodeBytes<T>(decode: Decode<T>, bytes: Uint8Array): T {
  return decode(new Reader(bytes));
}

export function encodeMessage<T>(enc: Encode<T>, m: T): Uint8Array {
  return encode((w) => enc(w, m));
}

/** The error `f` throws; fails unless it is exactly a DecodeError (not a subclass, not a RangeError). */
export function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as Error).constructor).toBe(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError, nothing was thrown');
}

/** Expect the decoder to reject `bytes` with a DecodeError whose message matches `field`. */
export function expectRejects<T>(decode: Decode<T>, bytes: Uint8Array, field: RegExp | string): void {
  const err = decodeError(() => decodeBytes(decode, bytes));
  if (typeof field === 'string') expect(err.message).toContain(field);
  else expect(err.message).toMatch(field);
}

/** The decoded value, or the DecodeError; anything else thrown fails the test. */
export function decodeOrError<T>(decode: Decode<T>, bytes: Uint8Array): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: decodeBytes(decode, bytes) };
  } catch (e) {
    if (e instanceof DecodeError && e.constructor === DecodeError) return { ok: false };
    throw e;
  }
}

/**
 * Bytes near a valid encoding: each valid encoding with a few random edits
 * (overwrite a byte, truncate, insert, delete a span, append). Random bytes
 * alone almost never get past the first length field; these reach every check.
 */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 3 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([bytes, edits]) => {
    let b = bytes.slice();
    for (const e of edits) {
      const at = b.length === 0 ? 0 : ('at' in e ? e.at % (b.length + 1) : 0);
      switch (e.kind) {
        case 'set':
          if (b.length > 0) b[at % b.length] = e.v;
          break;
        case 'truncate':
          b = b.slice(0, at);
          break;
        case 'insert':
          b = Uint8Array.from([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
          break;
        case 'delete':
          b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + e.n)]);
          break;
        case 'append':
          b = Uint8Array.from([...b, ...e.bytes]);
          break;
      }
    }
    return b;
  });
}

/** Arbitrary input for a decoder: random bytes, and edited valid encodings. */
export function decoderInput(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(valid), valid);
}

/**
 * The STYLE property: on any input the decoder throws exactly DecodeError, or
 * what it decoded re-encodes to the input byte for byte.
 */
export function assertDecodeOrReencode<T>(decode: Decode<T>, enc: Encode<T>, valid: fc.Arbitrary<Uint8Array>, numRuns = 1000): void {
  fc.assert(fc.property(decoderInput(valid), (bytes) => {
    const res = decodeOrError(decode, bytes);
    if (res.ok) expect(encodeMessage(enc, res.value)).toEqual(bytes);
  }), { numRuns });
}

/** encode(random valid message) → decode → deep-equal, and the bytes decode without trailing data. */
export function assertEncodeDecode<T>(decode: Decode<T>, enc: Encode<T>, messages: fc.Arbitrary<T>, numRuns = 300): void {
  fc.assert(fc.property(messages, (m) => {
    const bytes = encodeMessage(enc, m);
    expect(decodeBytes(decode, bytes)).toEqual(m);
  }), { numRuns });
}

/** Every strict prefix of `bytes` is rejected with a DecodeError (except the lengths listed as valid). */
export function expectEveryTruncationRejected<T>(decode: Decode<T>, bytes: Uint8Array, validLengths: readonly number[] = []): void {
  for (let n = 0; n < bytes.length; n++) {
    if (validLengths.includes(n)) continue;
    decodeError(() => decodeBytes(decode, bytes.subarray(0, n)));
  }
}

/** Decoded fields are copies: overwriting the input afterwards changes nothing (S-66). */
export function expectNoAliasing<T>(decode: Decode<T>, bytes: Uint8Array): void {
  const copy = bytes.slice();
  const m = decodeBytes(decode, copy);
  const before = structuredClone(m);
  copy.fill(0x5a);
  expect(m).toEqual(before);
}

export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u8 = fc.integer({ min: 0, max: 0xff });
export const bytesOf = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
