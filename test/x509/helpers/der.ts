/**
 * A minimal DER writer for tests that need full control over certificates
 * and CRLs (malformed and non-conforming ones included).
 */
import { concat } from '../../codec/hex.js';

export { concat };

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** A TLV with a one-byte `tag` around the concatenated `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concat(...parts);
  return Uint8Array.from([tag, ...lengthBytes(body.length), ...body]);
}

export const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, ...parts);
export const nul = (): Uint8Array => Uint8Array.of(0x05, 0x00);
export const bool = (v: boolean): Uint8Array => Uint8Array.of(0x01, 0x01, v ? 0xff : 0x00);
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const bits = (b: Uint8Array, unused = 0): Uint8Array => tlv(0x03, Uint8Array.of(unused), b);
export const utf8 = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));
export const printable = (s: string): Uint8Array => tlv(0x13, new TextEncoder().encode(s));
export const ia5 = (s: string): Uint8Array => tlv(0x16, new TextEncoder().encode(s));
/** Context-specific, constructed `[n]` (EXPLICIT tagging, or IMPLICIT of a constructed type). */
export const ctx = (n: number, ...parts: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...parts);
/** Context-specific, primitive `[n]` with raw contents (IMPLICIT of a primitive type). */
export const ctxPrim = (n: number, contents: Uint8Array): Uint8Array => tlv(0x80 | n, contents);

/** INTEGER from a number/bigint (minimal two's complement) or from raw contents. */
export function int(v: number | bigint | Uint8Array): Uint8Array {
  if (v instanceof Uint8Array) return tlv(0x02, v);
  let n = BigInt(v);
  const out: number[] = [];
  if (n === 0n) return Uint8Array.of(0x02, 0x01, 0x00);
  const neg = n < 0n;
  for (;;) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
    if (!neg && n === 0n && (out[0]! & 0x80) === 0) break;
    if (neg && n === -1n && (out[0]! & 0x80) !== 0) break;
  }
  return tlv(0x02, Uint8Array.from(out));
}

/** ENUMERATED. */
export const enumerated = (v: number): Uint8Array => Uint8Array.of(0x0a, 0x01, v);

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map((p) => BigInt(p));
  const out: number[] = [];
  const push = (v: bigint): void => {
    const bytes: number[] = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) bytes.unshift(Number(x & 0x7fn) | 0x80);
    out.push(...bytes);
  };
  push(parts[0]! * 40n + parts[1]!);
  for (const p of parts.slice(2)) push(p);
  return tlv(0x06, Uint8Array.from(out));
}

const two = (n: number): string => String(n).padStart(2, '0');

/** UTCTime `YYMMDDHHMMSSZ` (or raw text). */
export function utcTime(d: Date | string): Uint8Array {
  const s = typeof d === 'string' ? d : `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return tlv(0x17, new TextEncoder().encode(s));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (or raw text). */
export function generalizedTime(d: Date | string): Uint8Array {
  const s = typeof d === 'string' ? d : `${String(d.getUTCFullYear()).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return tlv(0x18, new TextEncoder().encode(s));
}

/** The RFC 5280 encoding of a time: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(d: Date): Uint8Array {
  return d.getUTCFullYear() < 2050 ? utcTime(d) : generalizedTime(d);
}

/** Read one TLV at `offset`: its tag, contents and total length. */
export function readTlv(b: Uint8Array, offset = 0): { tag: number; contents: Uint8Array; end: number } {
  const tag = b[offset]!;
  let p = offset + 1;
  let len = b[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  return { tag, contents: b.subarray(p, p + len), end: p + len };
}

/** The children of a constructed TLV's contents. */
export function readChildren(contents: Uint8Array): { tag: number; contents: Uint8Array; raw: Uint8Array }[] {
  const out: { tag: number; contents: Uint8Array; raw: Uint8Array }[] = [];
  let p = 0;
  while (p < contents.length) {
    const t = readTlv(contents, p);
    out.push({ tag: t.tag, contents: t.contents, raw: contents.subarray(p, t.end) });
    p = t.end;
  }
  return out;
}
