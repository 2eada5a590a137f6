/**
 * The STYLE tests every decoder gets — the vector round-trips byte for byte,
 * every truncation and a trailing byte are rejected with DecodeError, decoded
 * fields are copies, random and mutated bytes throw exactly DecodeError or
 * re-encode to themselves, and random values survive encode → decode — as
 * one call, so that each message's test file holds only what is particular
 * to it.
 */
import type fc from 'fast-check';
import { expect, it } from 'vitest';
import { concat, hex, toHex } from '../../codec/hex.js';
import {
  type Decode, type Encode, assertDecodeOrReencode, assertEncodeDecode, decodeBytes, encodeMessage,
  expectEveryTruncationRejected, expectNoAliasing, expectRejects,
} from '../../handshake/messages/helpers.js';

export interface CodecCase<T> {
  readonly decode: Decode<T>;
  readonly encode: Encode<T>;
  /** A valid encoding. */
  readonly vector: Uint8Array;
  /** What `vector` decodes to. */
  readonly value: T;
  /** Random valid values. */
  readonly arbitrary: fc.Arbitrary<T>;
  /** Message of the trailing-bytes error, e.g. 'KeyUpdate: 1 trailing bytes'. */
  readonly trailing: string | RegExp;
  /** Prefix lengths of `vector` that are themselves valid encodings. */
  readonly validPrefixes?: readonly number[];
}

export function codecSuite<T>(c: CodecCase<T>): void {
  it('decodes the vector', () => {
    expect(decodeBytes(c.decode, c.vector)).toEqual(c.value);
  });

  it('re-encodes the vector byte for byte', () => {
    expect(toHex(encodeMessage(c.encode, decodeBytes(c.decode, c.vector)))).toBe(toHex(c.vector));
  });

  it('rejects every truncation', () => {
    expectEveryTruncationRejected(c.decode, c.vector, c.validPrefixes);
  });

  it('rejects trailing bytes', () => {
    expectRejects(c.decode, concat(c.vector, hex('00')), c.trailing);
  });

  it('copies what it decodes out of the input (S-66)', () => {
    expectNoAliasing(c.decode, c.vector);
  });

  it('random bytes throw exactly DecodeError or re-encode to themselves', () => {
    assertDecodeOrReencode(c.decode, c.encode, c.arbitrary.map((m) => encodeMessage(c.encode, m)));
  });

  it('encode → decode is the identity on random values', () => {
    assertEncodeDecode(c.decode, c.encode, c.arbitrary);
  });
}
