/**
 * Distinguished names (RFC 5280 §4.1.2.4, §4.1.2.6): decoding into
 * attributes, the canonical comparison key of RFC 5280 §7.1, and the one-line
 * text form OpenSSL and Node print (`X509Certificate.subject`).
 */
import type * as asn1js from 'asn1js';
import { decodeDer, oid, primitiveBytes, rawBytes, seq, set } from './asn1.js';
import { Malformed } from './malformed.js';
import { ATTRIBUTE_SHORT_NAMES } from './oids.js';
import { latin1, toBytes, toHex } from './util.js';

/** One attribute of a distinguished name. */
export interface NameAttribute {
  /** Dotted OID of the attribute type. */
  readonly oid: string;
  /** OpenSSL short name (`CN`), or the dotted OID when unknown. */
  readonly name: string;
  /** The value as text (UTF-8/BMP/Universal strings decoded; other types `#` + DER hex). */
  readonly value: string;
}

/** A decoded `Name` (SEQUENCE OF RelativeDistinguishedName). */
export interface X509Name {
  /** The exact DER of the Name. */
  readonly der: Uint8Array;
  /** Attributes, one array per RDN, in certificate order. */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** Canonical key of each RDN (attribute order inside an RDN ignored). */
  readonly rdnKeys: readonly string[];
  /** Canonical key of the whole name: equal keys mean equal names under RFC 5280 §7.1. */
  readonly key: string;
}

const utf8 = new TextDecoder('utf-8');

/** Text of a directory string (ASN1_STRING_to_UTF8 semantics); `undefined` for non-string types. */
export function stringValue(node: asn1js.AsnType): string | undefined {
  if (node.idBlock.tagClass !== 1 || node.idBlock.isConstructed) return undefined;
  const bytes = primitiveBytes(node);
  // Stryker disable next-line ConditionalExpression: a universal primitive always has its contents
  if (bytes === undefined) return undefined;
  switch (node.idBlock.tagNumber) {
    case 12: // UTF8String
      return utf8.decode(bytes);
    case 18: // NumericString
    case 19: // PrintableString
    case 20: // TeletexString (T61, read as Latin-1 like OpenSSL)
    case 21: // VideotexString
    case 22: // IA5String
    case 25: // GraphicString
    case 26: // VisibleString
    case 27: // GeneralString
      return latin1(bytes);
    case 30: {
      // BMPString (UTF-16BE)
      // Stryker disable next-line ConditionalExpression: asn1js refuses a BMPString of odd length itself
      if (bytes.length % 2 !== 0) return undefined;
      let s = '';
      for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return s;
    }
    case 28: {
      // UniversalString (UTF-32BE)
      // Stryker disable next-line ConditionalExpression: asn1js refuses a UniversalString not a multiple of 4 itself
      if (bytes.length % 4 !== 0) return undefined;
      let s = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const cp = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
        if (cp > 0x10ffff) return undefined;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    // Stryker disable next-line ConditionalExpression: falling out of the switch returns undefined as well
    default:
      return undefined;
  }
}

/** RFC 2253 escaping as OpenSSL's `ASN1_STRFLGS_ESC_2253 | ESC_CTRL | UTF8_CONVERT` prints it. */
export function escape2253(value: string): string {
  let out = '';
  const chars = Array.from(value);
  chars.forEach((c, i) => {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) {
      out += '\\' + code.toString(16).toUpperCase().padStart(2, '0');
    } else if (',+"\\<>;'.includes(c) || (i === 0 && (c === '#' || c === ' ')) || (i === chars.length - 1 && c === ' ')) {
      out += '\\' + c;
    } else {
      out += c;
    }
  });
  return out;
}

/** Canonical form of an attribute value for name comparison (RFC 5280 §7.1, simplified RFC 4518). */
function canonicalValue(node: asn1js.AsnType): string {
  const s = stringValue(node);
  if (s === undefined) return '#' + toHex(rawBytes(node));
  return 's:' + s.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** Decode a `Name` (SEQUENCE OF RDN); throws {@link Malformed} naming `what`. */
export function decodeName(node: asn1js.AsnType | undefined, what: string): X509Name {
  const rdnNodes = seq(node);
  // Stryker disable next-line ConditionalExpression: seq(undefined) is undefined
  if (node === undefined || rdnNodes === undefined) throw new Malformed(`${what} is not a Name`);
  const rdns: NameAttribute[][] = [];
  const rdnKeys: string[] = [];
  for (const rdn of rdnNodes) {
    const avas = set(rdn);
    if (avas === undefined || avas.length === 0) throw new Malformed(`${what}: malformed RDN`);
    const attrs: NameAttribute[] = [];
    const canon: [string, string][] = [];
    for (const ava of avas) {
      const parts = seq(ava);
      const type = oid(parts?.[0]);
      if (parts === undefined || parts.length !== 2 || type === undefined) throw new Malformed(`${what}: malformed attribute`);
      const valueNode = parts[1]!;
      attrs.push({ oid: type, name: ATTRIBUTE_SHORT_NAMES.get(type) ?? type, value: stringValue(valueNode) ?? '#' + toHex(rawBytes(valueNode), true) });
      canon.push([type, canonicalValue(valueNode)]);
    }
    rdns.push(attrs);
    rdnKeys.push(JSON.stringify(canon.sort()));
  }
  return { der: toBytes(rawBytes(node)), rdns, rdnKeys, key: JSON.stringify(rdnKeys) };
}

/**
 * Canonical comparison key of a DER `Name`: equal keys mean equal names under
 * RFC 5280 §7.1 (case-insensitive, whitespace-folded string attributes;
 * attribute order inside an RDN ignored). `undefined` when `der` is not a Name.
 */
export function nameKey(der: Uint8Array): string | undefined {
  // Stryker disable BlockStatement: an empty catch returns undefined as well (a mark inside the try block does not reach the catch block; this one also covers the try block's mutant, which the tests kill)
  try {
    // Stryker disable next-line StringLiteral: the message is not kept
    return decodeName(decodeDer(der), 'name').key;
  } catch {
    return undefined;
  }
}

// Stryker restore BlockStatement

/** The values of every attribute of type `attrOid` in `name`, in order. */
export function attributeValues(name: X509Name, attrOid: string): string[] {
  const out: string[] = [];
  for (const rdn of name.rdns) for (const a of rdn) if (a.oid === attrOid) out.push(a.value);
  return out;
}

/** `name` as Node's `X509Certificate.subject` prints it: one RDN per line (`O=...\nCN=...`), RFC 2253 escaping. */
export function formatName(name: X509Name): string {
  return name.rdns.map((rdn) => rdn.map((a) => `${a.name}=${escape2253(a.value)}`).join(' + ')).join('\n');
}

/** `name` on one line, for messages: `O=Example, CN=host` (`(empty name)` when it has no RDN). */
export function describeName(name: X509Name): string {
  return formatName(name).replace(/\n/g, ', ') || '(empty name)';
}
