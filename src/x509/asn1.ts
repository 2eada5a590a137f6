/**
 * asn1js helpers shared by the x509 modules (internal; not re-exported by
 * `src/x509/index.ts`). Nothing here throws on malformed input: decoders
 * return `undefined` and the caller raises its own typed error.
 */
import * as asn1js from 'asn1js';

/** Deepest nesting accepted by {@link derProblem}. */
const MAX_DEPTH = 48;

/**
 * Structural DER check of a TLV tree: definite, minimal lengths that nest
 * exactly, multi-byte tags well formed, nesting at most 48 deep. Constructed
 * values are checked recursively; primitive contents are not interpreted.
 * Returns a description of the first problem, or `undefined` when the bytes are
 * exactly one well-formed TLV (or several, with `allowMany`).
 */
export function derProblem(b: Uint8Array, allowMany = false): string | undefined {
  if (b.length === 0) return 'empty input';
  const walk = (start: number, end: number, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return 'nesting too deep';
    let p = start;
    while (p < end) {
      const tag = b[p++]!;
      if ((tag & 0x1f) === 0x1f) {
        // High tag number form: base-128, no leading 0x80, bounded.
        let n = 0;
        for (;;) {
          if (p >= end) return 'truncated tag';
          const t = b[p++]!;
          if (n === 0 && t === 0x80) return 'non-minimal tag';
          if (++n > 4) return 'tag number too large';
          if ((t & 0x80) === 0) break;
        }
      }
      if (p >= end) return 'truncated length';
      let len = b[p++]!;
      if (len === 0x80) return 'indefinite length';
      // Stryker disable next-line EqualityOperator: len === 0x80 returned 'indefinite length' just above
      if (len > 0x80) {
        const n = len & 0x7f;
        if (n > 4) return 'length too large';
        if (p + n > end) return 'truncated length';
        if (b[p] === 0) return 'non-minimal length';
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
        if (len < 0x80) return 'non-minimal length';
      }
      if (len > end - p) return 'value overruns its container';
      if (tag & 0x20) {
        const err = walk(p, p + len, depth + 1);
        if (err !== undefined) return err;
      }
      p += len;
      if (depth === 0 && !allowMany && p !== end) return 'trailing data';
    }
    return undefined;
  };
  return walk(0, b.length, 0);
}

/**
 * Length in bytes of the TLV at the start of `b` (header included), or
 * `undefined` when the header is malformed or the value overruns `b`.
 */
export function tlvLength(b: Uint8Array, offset = 0): number | undefined {
  let p = offset;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: at or past the end the tag reads undefined, no high tag, and the length check below returns undefined
  if (p >= b.length) return undefined;
  const tag = b[p++]!;
  if ((tag & 0x1f) === 0x1f) {
    let n = 0;
    for (;;) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: at the end the byte reads undefined and ends the loop, and the length check below returns undefined
      if (p >= b.length || ++n > 4) return undefined;
      if ((b[p++]! & 0x80) === 0) break;
    }
  }
  if (p >= b.length) return undefined;
  let len = b[p++]!;
  if (len === 0x80) return undefined;
  // Stryker disable next-line EqualityOperator: len === 0x80 returned just above
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4 || p + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  if (len > b.length - p) return undefined;
  return p + len - offset;
}

/**
 * The TLVs directly inside the constructed TLV that `b` holds (already
 * checked with {@link derProblem}), as raw slices (views of `b`), for
 * structures too large to hand to asn1js whole (a CRL's list of entries).
 * `undefined` when `b` is not one constructed TLV.
 */
export function innerTlvs(b: Uint8Array): Uint8Array[] | undefined {
  const total = tlvLength(b);
  if (total !== b.length || (b[0]! & 0x20) === 0 || (b[0]! & 0x1f) === 0x1f) return undefined;
  let p = 1;
  const first = b[p++]!;
  // Stryker disable next-line EqualityOperator: tlvLength refused an indefinite length (0x80)
  if (first > 0x80) p += first & 0x7f;
  const out: Uint8Array[] = [];
  while (p < b.length) {
    const n = tlvLength(b, p);
    if (n === undefined) return undefined;
    out.push(b.subarray(p, p + n));
    p += n;
  }
  return out;
}

/**
 * Decode exactly one DER value (strict structure, no trailing bytes) with
 * asn1js. `undefined` on any problem; never throws. The result's views alias
 * `b`: copy what you keep, and do not mutate `b` while using it.
 */
export function decodeDer(b: Uint8Array): asn1js.AsnType | undefined {
  if (derProblem(b) !== undefined) return undefined;
  // Stryker disable BlockStatement: an empty catch returns undefined as well (a mark inside the try block does not reach the catch block; this one also covers the try block's mutant, which the tests kill)
  try {
    // No embedded parsing of OCTET/BIT STRING contents (we decode those
    // explicitly), no input copy (callers own `b` and copy what they keep).
    const r = asn1js.fromBER(b, {
      // Stryker disable next-line BooleanLiteral: asn1js keeps what it parses inside a string in valueBlock.value, which nothing here reads (and catches its errors)
      parseEmbedded: false,
      copyInput: false,
    });
    // Stryker disable next-line ConditionalExpression: derProblem has checked b is exactly one TLV, so asn1js reads all of it or sets result.error
    if (r.offset !== b.length || r.result.error) return undefined;
    return r.result;
  } catch {
    return undefined;
  }
}

// Stryker restore BlockStatement
/** Children of a constructed value, `undefined` for a primitive one. */
export function children(node: asn1js.AsnType | undefined): asn1js.AsnType[] | undefined {
  if (node instanceof asn1js.Constructed) return node.valueBlock.value as asn1js.AsnType[];
  return undefined;
}

/** Children of a universal SEQUENCE, else `undefined`. */
export function seq(node: asn1js.AsnType | undefined): asn1js.AsnType[] | undefined {
  return node instanceof asn1js.Sequence ? (node.valueBlock.value as asn1js.AsnType[]) : undefined;
}

/** Children of a universal SET, else `undefined`. */
export function set(node: asn1js.AsnType | undefined): asn1js.AsnType[] | undefined {
  return node instanceof asn1js.Set ? (node.valueBlock.value as asn1js.AsnType[]) : undefined;
}

/** Dotted OID of an OBJECT IDENTIFIER node, else `undefined`. */
export function oid(node: asn1js.AsnType | undefined): string | undefined {
  if (!(node instanceof asn1js.ObjectIdentifier)) return undefined;
  // DER (X.690 §8.19.2): each subidentifier in the fewest octets, so none starts with 0x80.
  // asn1js only warns, and decodes 55 1d 80 13 as 2.5.29.19 like 55 1d 13.
  const raw = node.valueBeforeDecodeView;
  // Stryker disable next-line EqualityOperator: a length byte of 0x80 (indefinite) was refused by derProblem
  const body = raw.subarray(raw[1]! < 0x80 ? 2 : 2 + (raw[1]! & 0x7f));
  // A subidentifier starts at 0 or after a byte without the 0x80 bit (at 0, body[-1] is undefined, and undefined & 0x80 is 0).
  // Stryker disable next-line EqualityOperator: body[body.length] is undefined, not 0x80
  for (let i = 0; i < body.length; i++) if (body[i] === 0x80 && (body[i - 1]! & 0x80) === 0) return undefined;
  const s = node.valueBlock.toString();
  return /^\d+(\.\d+)+$/.test(s) ? s : undefined;
}

/** True for a context-specific `[n]` tag (constructed or primitive). */
export function isContext(node: asn1js.AsnType | undefined, n: number): boolean {
  return node !== undefined && node.idBlock.tagClass === 3 && node.idBlock.tagNumber === n;
}

/** Contents of a primitive value (no header), else `undefined`. */
export function primitiveBytes(node: asn1js.AsnType | undefined): Uint8Array | undefined {
  if (node === undefined || node.idBlock.isConstructed) return undefined;
  const vb = (node as asn1js.Primitive).valueBlock as { valueHexView?: Uint8Array } | undefined;
  // BIT STRING keeps the unused-bits octet out of valueHexView; callers use bitString().
  // Stryker disable next-line OptionalChaining: every decoded primitive has a valueBlock
  return vb?.valueHexView;
}

/** Contents of a universal OCTET STRING (primitive form). */
export function octetString(node: asn1js.AsnType | undefined): Uint8Array | undefined {
  if (!(node instanceof asn1js.OctetString) || node.idBlock.isConstructed) return undefined;
  return node.valueBlock.valueHexView;
}

/** Bits of a universal BIT STRING (primitive form) and its unused-bit count. */
export function bitString(node: asn1js.AsnType | undefined): { bytes: Uint8Array; unusedBits: number } | undefined {
  if (!(node instanceof asn1js.BitString) || node.idBlock.isConstructed) return undefined;
  const unusedBits = node.valueBlock.unusedBits;
  const bytes = node.valueBlock.valueHexView;
  // Stryker disable next-line ConditionalExpression: asn1js refuses more than 7 unused bits itself
  if (unusedBits > 7) return undefined;
  if (bytes.length === 0 && unusedBits !== 0) return undefined;
  return { bytes, unusedBits };
}

/** Two's-complement contents of a universal INTEGER (not an ENUMERATED, which asn1js derives from Integer). */
export function integerBytes(node: asn1js.AsnType | undefined): Uint8Array | undefined {
  if (!(node instanceof asn1js.Integer) || node instanceof asn1js.Enumerated) return undefined;
  const v = node.valueBlock.valueHexView;
  return v.length > 0 ? v : undefined;
}

/** Small non-negative INTEGER value (≤ 2^31), else `undefined`. */
export function smallInteger(node: asn1js.AsnType | undefined): number | undefined {
  const v = integerBytes(node);
  if (v === undefined || v.length > 5 || (v[0]! & 0x80) !== 0) return undefined;
  let n = 0;
  for (const x of v) n = n * 256 + x;
  return n <= 0x7fffffff ? n : undefined;
}

/** BOOLEAN value (DER: 0x00 or 0xFF), else `undefined`. */
export function booleanValue(node: asn1js.AsnType | undefined): boolean | undefined {
  if (!(node instanceof asn1js.Boolean)) return undefined;
  const v = node.valueBlock.valueHexView;
  if (v.length !== 1) return undefined;
  if (v[0] === 0) return false;
  if (v[0] === 0xff) return true;
  return undefined;
}

/** The DER encoding of an asn1js node as a fresh `Uint8Array`. */
export function encode(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.toBER(false));
}

/** The exact bytes a decoded node came from (header included). */
export function rawBytes(node: asn1js.AsnType): Uint8Array {
  return node.valueBeforeDecodeView;
}

/** A DER TLV with `tag` (one byte) around already-encoded `contents`. */
export function derTlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of contents) n += c.length;
  const len: number[] = [];
  if (n < 0x80) len.push(n);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len.push(0x80 | bytes.length, ...bytes);
  }
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  let o = 1 + len.length;
  for (const c of contents) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
