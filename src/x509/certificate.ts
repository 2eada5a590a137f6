/**
 * X.509 certificate decoding (RFC 5280) into a plain, immutable description,
 * and its Node `tls.PeerCertificate`-shaped view.
 *
 * Decoding uses asn1js after a strict DER framing check, and validates the
 * RFC 5280 structure field by field. (pkijs's schema pass is not used here:
 * it tripled the cost per certificate and checks nothing these decoders do
 * not; pkijs builds certificates in `selfsigned.ts`.) Every failure on
 * malformed input is a {@link CertificateError} with code
 * `ERR_DTLS_BAD_CERTIFICATE` and alert `bad_certificate`; nothing else is
 * ever thrown, whatever the input bytes.
 */
import * as asn1js from 'asn1js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { CertificateError, DtlsError } from '../errors.js';
import type { CryptoProvider, EcCurve, KeyKind } from '../crypto/provider.js';
import {
  bitString,
  booleanValue,
  children,
  decodeDer,
  derProblem,
  integerBytes,
  isContext,
  octetString,
  oid,
  primitiveBytes,
  rawBytes,
  seq,
  set,
  smallInteger,
} from './asn1.js';
import { formatIpAddress, formatIpAddressNode } from './ip.js';
import { ATTRIBUTE_SHORT_NAMES, CURVE_ASN1_NAME, CURVE_BITS, CURVE_BY_OID, OID } from './oids.js';
import { colonHex, latin1, toBytes, toHex } from './util.js';

/**
 * A distinguished name as Node shows it: short attribute names (`CN`, `O`, ...) → value, arrays for repeated attributes.
 *
 * @example
 * ```ts
 * import type { Peer } from 'puredtls';
 *
 * declare const peer: Peer;
 * const { subject } = peer.getPeerCertificate(); // { O: 'Example', OU: ['Devices', 'EU'], CN: 'device-1' }
 * subject.CN; // 'device-1'
 * ```
 */
export type DistinguishedName = Record<string, string | string[]>;

/** One attribute of a distinguished name. */
export interface NameAttribute {
  /** Dotted OID of the attribute type. */
  readonly oid: string;
  /** OpenSSL short name (`CN`), or the dotted OID when unknown. */
  readonly name: string;
  /** The value as text (UTF-8/BMP/Universal strings decoded; other types `#` + DER hex). */
  readonly value: string;
}

/** The keyUsage bits (RFC 5280 §4.2.1.3). */
export interface KeyUsageFlags {
  readonly digitalSignature: boolean;
  /** Also called contentCommitment. */
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

/** The subject public key. */
export interface CertificatePublicKey {
  /** Dotted OID of the key algorithm. */
  readonly algorithm: string;
  /** What the key verifies; `unknown` for algorithms/curves we do not support. */
  readonly kind: KeyKind | 'unknown';
  readonly curve?: EcCurve;
  /** RSA modulus bits, EC order bits (256/384/521), 253 for Ed25519 (OpenSSL's values). */
  readonly bits?: number;
  /** The subjectPublicKey BIT STRING contents (EC point, Ed25519 key, PKCS#1 RSAPublicKey). */
  readonly raw: Uint8Array;
  /** RSA modulus, uppercase hex without leading zeros (Node's `modulus`). */
  readonly modulus?: string;
  /** RSA public exponent as Node prints it (`0x10001`). */
  readonly exponent?: string;
}

/** One extension as found in the certificate. */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING contents (DER of the extension value). */
  readonly value: Uint8Array;
}

/** A nameConstraints subtree of a type we enforce. */
export type NameConstraintBase =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly address: Uint8Array; readonly mask: Uint8Array }
  | { readonly type: 'dirName'; readonly rdns: readonly string[] }
  | { readonly type: 'other'; readonly tag: number };

/** The nameConstraints extension (RFC 5280 §4.2.1.10). */
export interface NameConstraints {
  readonly permitted: readonly NameConstraintBase[];
  readonly excluded: readonly NameConstraintBase[];
}

/** A decoded certificate. All byte fields are copies owned by this object. */
export interface ParsedCertificate {
  /** The whole certificate, DER. */
  readonly der: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Serial number as Node prints it: uppercase hex, leading zero bytes stripped (`-` prefix if negative). */
  readonly serialNumber: string;
  /** Subject, Node tls-style (`{ O: '...', CN: '...' }`, null prototype like Node). */
  readonly subject: DistinguishedName;
  /** Issuer, Node tls-style. */
  readonly issuer: DistinguishedName;
  /** Subject as Node's `X509Certificate.subject`: one RDN per line (`O=...\nCN=...`), RFC 2253 escaping. */
  readonly subjectString: string;
  /** Issuer as Node's `X509Certificate.issuer`. */
  readonly issuerString: string;
  /** Subject attributes, one array per RDN, in certificate order. */
  readonly subjectAttributes: readonly (readonly NameAttribute[])[];
  /** Issuer attributes, one array per RDN. */
  readonly issuerAttributes: readonly (readonly NameAttribute[])[];
  /** DER of the subject Name. */
  readonly subjectDer: Uint8Array;
  /** DER of the issuer Name. */
  readonly issuerDer: Uint8Array;
  /** Start of the validity period. */
  readonly validFrom: Date;
  /** End of the validity period (inclusive). */
  readonly validTo: Date;
  /** Subject alternative names in Node's format (`DNS:a, IP Address:127.0.0.1`), `undefined` without the extension. */
  readonly subjectAltName: string | undefined;
  /** dNSName SANs, as encoded (IA5). */
  readonly dnsNames: readonly string[];
  /** iPAddress SANs as text: dotted IPv4, RFC 5952 IPv6 (`::1`). */
  readonly ipAddresses: readonly string[];
  /** iPAddress SANs, raw 4- or 16-byte values. */
  readonly ipAddressBytes: readonly Uint8Array[];
  /** rfc822Name SANs. */
  readonly emailAddresses: readonly string[];
  /** uniformResourceIdentifier SANs. */
  readonly uris: readonly string[];
  /** directoryName SANs, each as canonical RDN keys (see {@link nameKey}). */
  readonly directoryNames: readonly (readonly string[])[];
  /** Whether the subjectAltName extension is present at all. */
  readonly hasSubjectAltName: boolean;
  /** SHA-1 of the DER, `AB:CD:...` (Node's `fingerprint`). */
  readonly fingerprint: string;
  /** SHA-256 of the DER, `AB:CD:...` (Node's `fingerprint256`). */
  readonly fingerprint256: string;
  /** SHA-512 of the DER, `AB:CD:...` (Node's `fingerprint512`). */
  readonly fingerprint512: string;
  /** SubjectPublicKeyInfo, DER (exact bytes from the certificate). */
  readonly spki: Uint8Array;
  readonly publicKey: CertificatePublicKey;
  /** basicConstraints cA. */
  readonly isCA: boolean;
  /** Whether a basicConstraints extension is present. */
  readonly hasBasicConstraints: boolean;
  /** basicConstraints pathLenConstraint. */
  readonly pathLen: number | undefined;
  /** keyUsage, `undefined` without the extension. */
  readonly keyUsage: KeyUsageFlags | undefined;
  /** extKeyUsage OIDs, `undefined` without the extension. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** nameConstraints, `undefined` without the extension. */
  readonly nameConstraints: NameConstraints | undefined;
  /** subjectKeyIdentifier, lowercase hex. */
  readonly subjectKeyIdentifier: string | undefined;
  /** authorityKeyIdentifier keyIdentifier, lowercase hex. */
  readonly authorityKeyIdentifier: string | undefined;
  /** authorityInfoAccess as Node's `infoAccess` (`{ 'OCSP - URI': [...] }`). */
  readonly infoAccess: Record<string, string[]> | undefined;
  /** Every extension, in order. */
  readonly extensions: readonly CertificateExtension[];
  /** OIDs of critical extensions this module does not process (a verifier must reject the certificate). */
  readonly unhandledCriticalExtensions: readonly string[];
  /** Dotted OID of the outer signatureAlgorithm. */
  readonly signatureAlgorithm: string;
  /** DER of the outer signatureAlgorithm parameters, when present (e.g. RSASSA-PSS params). */
  readonly signatureAlgorithmParams: Uint8Array | undefined;
  /** Whether the TBS `signature` AlgorithmIdentifier equals the outer one byte for byte (RFC 5280 §4.1.1.2). */
  readonly signatureAlgorithmsMatch: boolean;
  /** The exact TBSCertificate bytes (what the signature covers). */
  readonly tbs: Uint8Array;
  /** The signature BIT STRING contents (DER `Ecdsa-Sig-Value` for ECDSA). */
  readonly signature: Uint8Array;
  /** Subject and issuer names are equal (RFC 5280 comparison). */
  readonly selfIssued: boolean;
  /** Canonical subject name key, for name comparison. */
  readonly subjectKey: string;
  /** Canonical issuer name key. */
  readonly issuerKey: string;
}

/**
 * A peer's certificate as a plain object, in the shape and formats of Node's
 * `tls.PeerCertificate` (what `tlsSocket.getPeerCertificate()` returns), so
 * code written for Node's `tls` reads it unchanged. `peer.getPeerCertificate()`
 * and `client.getPeerCertificate()` return it (`{}` when the peer sent no
 * certificate); `checkServerIdentity(name, cert)` receives it.
 *
 * @example
 * ```ts
 * import type { Peer } from 'puredtls';
 *
 * declare const peer: Peer;
 * declare const pinned: string; // the fingerprint256 we expect
 * const cert = peer.getPeerCertificate();
 * cert.subject.CN;      // 'client-ecdsa'
 * cert.subjectaltname;  // 'DNS:localhost, IP Address:127.0.0.1'
 * cert.valid_to;        // 'Jan  1 00:00:00 2045 GMT'
 * cert.fingerprint256;  // 'F5:22:E3:...:57:53'
 * if (cert.fingerprint256 !== pinned) peer.end();
 * ```
 */
export interface PeerCertificate {
  /** The subject's distinguished name, by short attribute name: `{ O: 'Example', CN: 'localhost' }`; an array for a repeated attribute. */
  subject: DistinguishedName;
  /** The issuer's distinguished name, as `subject`. */
  issuer: DistinguishedName;
  /** The subjectAltName extension as OpenSSL prints it: `'DNS:localhost, IP Address:127.0.0.1'`. Absent without the extension. */
  subjectaltname?: string;
  /** The authorityInfoAccess extension: access method (`'OCSP - URI'`, `'CA Issuers - URI'`) → locations. Absent without the extension. */
  infoAccess?: Record<string, string[]>;
  /** Whether the certificate is a CA (basicConstraints CA:TRUE, and keyCertSign when keyUsage is present). */
  ca: boolean;
  /** RSA keys: the modulus, uppercase hex. */
  modulus?: string;
  /** The key size in bits (RSA modulus, EC curve). */
  bits?: number;
  /** RSA keys: the public exponent, hex with `0x` (`'0x10001'`). */
  exponent?: string;
  /** The public key: the SubjectPublicKeyInfo DER (RSA) or the uncompressed point (EC). */
  pubkey?: Buffer;
  /** EC keys: the curve's ASN.1 name (`'prime256v1'`). */
  asn1Curve?: string;
  /** EC keys: the curve's NIST name (`'P-256'`). */
  nistCurve?: string;
  /** Start of validity, as OpenSSL prints it: `'Jan  1 00:00:00 2025 GMT'`. */
  valid_from: string;
  /** End of validity, as `valid_from`. */
  valid_to: string;
  /** SHA-1 fingerprint of the DER certificate, uppercase hex pairs joined by `:`. */
  fingerprint: string;
  /**
   * SHA-256 fingerprint of the DER certificate, uppercase hex pairs joined by
   * `:` (`'F5:22:E3:...'`): what WebRTC's `a=fingerprint:sha-256` carries, and
   * what to pin.
   */
  fingerprint256: string;
  /** SHA-512 fingerprint of the DER certificate, as `fingerprint256`. */
  fingerprint512: string;
  /** The extendedKeyUsage purposes, as dotted OIDs (`'1.3.6.1.5.5.7.3.1'` is serverAuth). Absent without the extension. */
  ext_key_usage?: string[];
  /** The serial number, uppercase hex. */
  serialNumber: string;
  /** The certificate, DER. */
  raw: Buffer;
  /** Set when an issuer chain was given (Node's `getPeerCertificate(true)`); a self-signed root points to itself. */
  issuerCertificate?: PeerCertificate;
}

/** Extensions this module understands (critical ones are not "unhandled"). */
const HANDLED_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.authorityInfoAccess,
  // Recognized, not enforced (no policy processing; see verify.ts).
  OID.certificatePolicies,
  OID.policyConstraints,
  OID.policyMappings,
  OID.inhibitAnyPolicy,
  OID.crlDistributionPoints,
  OID.issuerAltName,
]);

class Malformed extends Error {}

function fail(what: string): never {
  throw new Malformed(what);
}

function badCertificate(message: string): CertificateError {
  return new CertificateError('ERR_DTLS_BAD_CERTIFICATE', message, 'bad_certificate');
}

// ---------------------------------------------------------------------------
// Strings and names

const utf8 = new TextDecoder('utf-8');

/** Text of a directory string (ASN1_STRING_to_UTF8 semantics); `undefined` for non-string types. */
function stringValue(node: asn1js.AsnType): string | undefined {
  if (node.idBlock.tagClass !== 1 || node.idBlock.isConstructed) return undefined;
  const bytes = primitiveBytes(node);
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
      if (bytes.length % 2 !== 0) return undefined;
      let s = '';
      for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return s;
    }
    case 28: {
      // UniversalString (UTF-32BE)
      if (bytes.length % 4 !== 0) return undefined;
      let s = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const cp = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
        if (cp > 0x10ffff) return undefined;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return undefined;
  }
}

/** RFC 2253 escaping as OpenSSL's `ASN1_STRFLGS_ESC_2253 | ESC_CTRL | UTF8_CONVERT` prints it. */
function escape2253(value: string): string {
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

interface DecodedName {
  attributes: NameAttribute[][];
  keys: string[];
  object: DistinguishedName;
  text: string;
  der: Uint8Array;
}

/** Canonical key of one RDN (attribute order within the SET does not matter). */
function rdnKey(avas: readonly { oid: string; canon: string }[]): string {
  return JSON.stringify(avas.map((a) => [a.oid, a.canon]).sort());
}

/** Decode a `Name` (SEQUENCE OF RDN). */
function decodeName(node: asn1js.AsnType | undefined, what: string): DecodedName {
  const rdns = seq(node);
  if (node === undefined || rdns === undefined) fail(`${what} is not a Name`);
  const attributes: NameAttribute[][] = [];
  const keys: string[] = [];
  const object: DistinguishedName = Object.create(null) as DistinguishedName;
  const lines: string[] = [];
  for (const rdn of rdns) {
    const avas = set(rdn);
    if (avas === undefined || avas.length === 0) fail(`${what}: malformed RDN`);
    const attrs: NameAttribute[] = [];
    const canon: { oid: string; canon: string }[] = [];
    for (const ava of avas) {
      const parts = seq(ava);
      const type = oid(parts?.[0]);
      if (parts === undefined || parts.length !== 2 || type === undefined) fail(`${what}: malformed attribute`);
      const valueNode = parts[1]!;
      const text = stringValue(valueNode) ?? '#' + toHex(rawBytes(valueNode), true);
      const name = ATTRIBUTE_SHORT_NAMES.get(type) ?? type;
      attrs.push({ oid: type, name, value: text });
      canon.push({ oid: type, canon: canonicalValue(valueNode) });
      const prev = object[name];
      if (prev === undefined) object[name] = text;
      else if (Array.isArray(prev)) prev.push(text);
      else object[name] = [prev, text];
    }
    attributes.push(attrs);
    keys.push(rdnKey(canon));
    lines.push(attrs.map((a) => `${a.name}=${escape2253(a.value)}`).join(' + '));
  }
  return { attributes, keys, object, text: lines.join('\n'), der: toBytes(rawBytes(node)) };
}

/**
 * Canonical comparison key of a DER `Name`: equal keys mean equal names under
 * RFC 5280 §7.1 (case-insensitive, whitespace-folded string attributes;
 * attribute order inside an RDN ignored). `undefined` when `der` is not a Name.
 */
export function nameKey(der: Uint8Array): string | undefined {
  try {
    return JSON.stringify(decodeName(decodeDer(der), 'name').keys);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Times

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as OpenSSL's `ASN1_TIME_print` (and Node's `valid_from`): `Jan  1 00:00:00 2025 GMT`. */
export function formatCertificateTime(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${MONTHS[d.getUTCMonth()]!} ${String(d.getUTCDate()).padStart(2, ' ')} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`
  );
}

/** Decode a `Time` (UTCTime or GeneralizedTime, `Z` form as RFC 5280 requires). */
function decodeTime(node: asn1js.AsnType | undefined, what: string): Date {
  const isUtc = node instanceof asn1js.UTCTime && !(node instanceof asn1js.GeneralizedTime);
  const isGen = node instanceof asn1js.GeneralizedTime;
  const bytes = isUtc || isGen ? primitiveBytes(node) : undefined;
  if (bytes === undefined) fail(`${what} is not a Time`);
  const s = latin1(bytes);
  const m = isUtc
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(s);
  if (m === null) fail(`${what}: malformed time "${s}"`);
  let year = Number(m[1]);
  if (isUtc) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, minute, second] = [2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const ms = m[7] !== undefined ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const t = Date.UTC(year, month! - 1, day!, hour!, minute!, second!, ms);
  const d = new Date(t);
  if (
    Number.isNaN(t) ||
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month! - 1 ||
    d.getUTCDate() !== day ||
    d.getUTCHours() !== hour ||
    d.getUTCMinutes() !== minute ||
    d.getUTCSeconds() !== second
  ) {
    fail(`${what}: invalid date "${s}"`);
  }
  // Date.UTC maps years 0..99 to 1900..1999.
  if (year < 100) d.setUTCFullYear(year);
  return d;
}

// ---------------------------------------------------------------------------
// Public key

function hexNoLeadingZeroBytes(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return toHex(b.subarray(i), true);
}

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

function decodePublicKey(node: asn1js.AsnType | undefined): CertificatePublicKey {
  const parts = seq(node);
  const alg = seq(parts?.[0]);
  const algorithm = oid(alg?.[0]);
  const key = bitString(parts?.[1]);
  if (parts?.length !== 2 || alg === undefined || alg.length > 2 || algorithm === undefined || key === undefined) {
    fail('malformed subjectPublicKeyInfo');
  }
  if (key.unusedBits !== 0) fail('subjectPublicKey has unused bits');
  const raw = toBytes(key.bytes);
  const params = alg[1];
  switch (algorithm) {
    case OID.ecPublicKey: {
      const curveOid = oid(params);
      const curve = curveOid === undefined ? undefined : CURVE_BY_OID.get(curveOid);
      if (curve === undefined) return { algorithm, kind: 'unknown', raw };
      return { algorithm, kind: 'ecdsa', curve, bits: CURVE_BITS[curve], raw };
    }
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      const rsa = seq(decodeDer(raw));
      const n = integerBytes(rsa?.[0]);
      const e = integerBytes(rsa?.[1]);
      if (rsa?.length !== 2 || n === undefined || e === undefined || (n[0]! & 0x80) !== 0 || (e[0]! & 0x80) !== 0) {
        fail('malformed RSA public key');
      }
      let exponent = hexNoLeadingZeroBytes(e).replace(/^0+(?=.)/, '');
      exponent = '0x' + exponent;
      return { algorithm, kind: 'rsa', bits: bitLength(n), raw, modulus: hexNoLeadingZeroBytes(n), exponent };
    }
    case OID.ed25519:
      if (params !== undefined || raw.length !== 32) fail('malformed Ed25519 public key');
      return { algorithm, kind: 'ed25519', bits: 253, raw };
    default:
      return { algorithm, kind: 'unknown', raw };
  }
}

// ---------------------------------------------------------------------------
// Extensions

const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

function decodeKeyUsage(value: Uint8Array): KeyUsageFlags {
  const bits = bitString(decodeDer(value));
  if (bits === undefined) fail('malformed keyUsage');
  const flags: Record<(typeof KEY_USAGE_NAMES)[number], boolean> = {
    digitalSignature: false,
    nonRepudiation: false,
    keyEncipherment: false,
    dataEncipherment: false,
    keyAgreement: false,
    keyCertSign: false,
    cRLSign: false,
    encipherOnly: false,
    decipherOnly: false,
  };
  const total = bits.bytes.length * 8 - bits.unusedBits;
  KEY_USAGE_NAMES.forEach((name, i) => {
    if (i < total) flags[name] = ((bits.bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
  });
  return flags;
}

interface GeneralName {
  tag: number;
  node: asn1js.AsnType;
}

function generalNames(node: asn1js.AsnType | undefined, what: string): GeneralName[] {
  const items = seq(node);
  if (items === undefined) fail(`malformed ${what}`);
  return items.map((item) => {
    if (item.idBlock.tagClass !== 3 || item.idBlock.tagNumber > 8) fail(`malformed ${what}: bad GeneralName`);
    return { tag: item.idBlock.tagNumber, node: item };
  });
}

/** IA5String contents of an implicitly tagged GeneralName. */
function ia5(gn: GeneralName, what: string): string {
  const b = primitiveBytes(gn.node);
  if (b === undefined) fail(`malformed ${what}`);
  for (const x of b) if (x > 0x7f) fail(`${what} is not IA5`);
  return latin1(b);
}

/** Node's PrintAltName: names with unsafe characters are JSON-quoted. */
function printAltName(name: string, utf8Mode = false): string {
  let safe = true;
  for (const c of name) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === '\\' || c === ',' || c === "'") safe = false;
    else if (utf8Mode ? code < 0x20 || code === 0x7f : code < 0x20 || code > 0x7e) safe = false;
  }
  if (safe) return name;
  let out = '"';
  for (const c of name) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === '\\') out += '\\' + c;
    else if ((code >= 0x20 && c !== ',' && code <= 0x7e) || (utf8Mode && code >= 0x80)) out += c;
    else out += '\\u' + code.toString(16).padStart(4, '0');
  }
  return out + '"';
}

interface SanResult {
  text: string;
  dns: string[];
  ips: Uint8Array[];
  emails: string[];
  uris: string[];
  dirNames: string[][];
}

function decodeSubjectAltName(value: Uint8Array): SanResult {
  const names = generalNames(decodeDer(value), 'subjectAltName');
  if (names.length === 0) fail('empty subjectAltName');
  const out: SanResult = { text: '', dns: [], ips: [], emails: [], uris: [], dirNames: [] };
  const printed: string[] = [];
  for (const gn of names) {
    switch (gn.tag) {
      case 0: {
        const parts = children(gn.node);
        const type = oid(parts?.[0]);
        if (type === undefined || parts?.length !== 2 || !isContext(parts[1], 0)) fail('malformed otherName');
        printed.push(`othername:<unsupported>`);
        break;
      }
      case 1: {
        const s = ia5(gn, 'rfc822Name');
        out.emails.push(s);
        printed.push('email:' + printAltName(s));
        break;
      }
      case 2: {
        const s = ia5(gn, 'dNSName');
        out.dns.push(s);
        printed.push('DNS:' + printAltName(s));
        break;
      }
      case 3:
        printed.push('X400Name:<unsupported>');
        break;
      case 4: {
        const inner = children(gn.node);
        if (inner?.length !== 1) fail('malformed directoryName');
        const name = decodeName(inner[0], 'directoryName');
        out.dirNames.push(name.keys);
        // OpenSSL's XN_FLAG_RFC2253 reverses the entry list (multi-valued RDNs included).
        const entries = name.attributes.flatMap((rdn, set) => rdn.map((a) => ({ set, text: `${a.name}=${escape2253(a.value)}` })));
        entries.reverse();
        const rfc2253 = entries.map((e, k) => (k === 0 ? '' : entries[k - 1]!.set === e.set ? '+' : ',') + e.text).join('');
        printed.push('DirName:' + printAltName(rfc2253, true));
        break;
      }
      case 5:
        printed.push('EdiPartyName:<unsupported>');
        break;
      case 6: {
        const s = ia5(gn, 'uniformResourceIdentifier');
        out.uris.push(s);
        printed.push('URI:' + printAltName(s));
        break;
      }
      case 7: {
        const b = primitiveBytes(gn.node);
        if (b === undefined) fail('malformed iPAddress');
        if (b.length === 4 || b.length === 16) out.ips.push(toBytes(b));
        printed.push('IP Address:' + formatIpAddressNode(b));
        break;
      }
      case 8: {
        const b = primitiveBytes(gn.node);
        if (b === undefined) fail('malformed registeredID');
        const id = b.length < 128 ? oid(decodeDer(Uint8Array.of(0x06, b.length, ...b))) : undefined;
        if (id === undefined) fail('malformed registeredID');
        printed.push('Registered ID:' + id);
        break;
      }
    }
  }
  out.text = printed.join(', ');
  return out;
}

function decodeSubtrees(node: asn1js.AsnType | undefined): NameConstraintBase[] {
  const subtrees = children(node);
  if (subtrees === undefined || subtrees.length === 0) fail('malformed nameConstraints');
  return subtrees.map((st): NameConstraintBase => {
    const parts = seq(st);
    if (parts === undefined || parts.length === 0) fail('malformed GeneralSubtree');
    const base = parts[0]!;
    if (base.idBlock.tagClass !== 3) fail('malformed GeneralSubtree base');
    // minimum/maximum are not used in PKIX (minimum MUST be 0, maximum absent).
    for (const extra of parts.slice(1)) {
      if (isContext(extra, 1)) fail('nameConstraints maximum is not supported');
      if (!isContext(extra, 0)) fail('malformed GeneralSubtree');
    }
    const gn: GeneralName = { tag: base.idBlock.tagNumber, node: base };
    switch (gn.tag) {
      case 2:
        return { type: 'dns', value: ia5(gn, 'dNSName constraint') };
      case 7: {
        const b = primitiveBytes(base);
        if (b === undefined || (b.length !== 8 && b.length !== 32)) fail('malformed iPAddress constraint');
        const half = b.length / 2;
        return { type: 'ip', address: toBytes(b.subarray(0, half)), mask: toBytes(b.subarray(half)) };
      }
      case 4: {
        const inner = children(base);
        if (inner?.length !== 1) fail('malformed directoryName constraint');
        return { type: 'dirName', rdns: decodeName(inner[0], 'directoryName constraint').keys };
      }
      default:
        return { type: 'other', tag: gn.tag };
    }
  });
}

function decodeNameConstraints(value: Uint8Array): NameConstraints {
  const parts = seq(decodeDer(value));
  if (parts === undefined || parts.length === 0 || parts.length > 2) fail('malformed nameConstraints');
  let permitted: NameConstraintBase[] = [];
  let excluded: NameConstraintBase[] = [];
  let last = -1;
  for (const p of parts) {
    if (isContext(p, 0) && last < 0) permitted = decodeSubtrees(p);
    else if (isContext(p, 1) && last < 1) excluded = decodeSubtrees(p);
    else fail('malformed nameConstraints');
    last = p.idBlock.tagNumber;
  }
  return { permitted, excluded };
}

function decodeInfoAccess(value: Uint8Array): Record<string, string[]> {
  const items = seq(decodeDer(value));
  if (items === undefined || items.length === 0) fail('malformed authorityInfoAccess');
  const out = Object.create(null) as Record<string, string[]>;
  for (const item of items) {
    const parts = seq(item);
    const method = oid(parts?.[0]);
    if (parts?.length !== 2 || method === undefined || parts[1]!.idBlock.tagClass !== 3) fail('malformed AccessDescription');
    const methodName = method === OID.ocsp ? 'OCSP' : method === OID.caIssuers ? 'CA Issuers' : method;
    const gn: GeneralName = { tag: parts[1]!.idBlock.tagNumber, node: parts[1]! };
    let key: string;
    let text: string;
    if (gn.tag === 6) {
      key = `${methodName} - URI`;
      text = ia5(gn, 'accessLocation');
    } else if (gn.tag === 2) {
      key = `${methodName} - DNS`;
      text = ia5(gn, 'accessLocation');
    } else {
      continue;
    }
    (out[key] ??= []).push(text);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Hashes

function hashes(der: Uint8Array, provider?: CryptoProvider): { s1: Uint8Array; s256: Uint8Array; s512: Uint8Array } {
  if (provider !== undefined) {
    return { s1: provider.hash('sha1', der), s256: provider.hash('sha256', der), s512: provider.hash('sha512', der) };
  }
  return { s1: sha1(der), s256: sha256(der), s512: sha512(der) };
}

// ---------------------------------------------------------------------------
// Certificate

function serialHex(v: Uint8Array): string {
  if ((v[0]! & 0x80) === 0) return hexNoLeadingZeroBytes(v);
  // Negative (not allowed by RFC 5280 but seen in the wild): print -|v| like BN_bn2hex.
  const mag = new Uint8Array(v.length);
  let carry = 1;
  for (let i = v.length - 1; i >= 0; i--) {
    const x = (~v[i]! & 0xff) + carry;
    mag[i] = x & 0xff;
    carry = x >> 8;
  }
  return '-' + hexNoLeadingZeroBytes(mag);
}

function parseUnchecked(input: Uint8Array, provider?: CryptoProvider): ParsedCertificate {
  const der = toBytes(input);
  const problem = derProblem(der);
  if (problem !== undefined) fail(`not DER: ${problem}`);
  const outer = decodeDer(der);
  const top = seq(outer);
  if (outer === undefined || top === undefined || top.length !== 3) fail('not a Certificate SEQUENCE');
  // RFC 5280 §4.1 structure, checked field by field below.
  const tbsNode = top[0]!;
  const tbsItems = seq(tbsNode);
  if (tbsItems === undefined) fail('malformed TBSCertificate');
  let i = 0;
  let version = 1;
  if (isContext(tbsItems[0], 0)) {
    const inner = children(tbsItems[0]);
    const v = inner?.length === 1 ? smallInteger(inner[0]) : undefined;
    if (v === undefined || v > 2) fail('unsupported certificate version');
    version = v + 1;
    i = 1;
  }
  if (tbsItems.length < i + 6) fail('TBSCertificate is missing fields');
  const serial = integerBytes(tbsItems[i]);
  if (serial === undefined) fail('malformed serialNumber');
  const tbsSigAlg = tbsItems[i + 1]!;
  const tbsSigAlgParts = seq(tbsSigAlg);
  if (tbsSigAlgParts === undefined || tbsSigAlgParts.length > 2 || oid(tbsSigAlgParts[0]) === undefined) {
    fail('malformed TBSCertificate signature algorithm');
  }
  const issuer = decodeName(tbsItems[i + 2], 'issuer');
  const validity = seq(tbsItems[i + 3]);
  if (validity?.length !== 2) fail('malformed validity');
  const validFrom = decodeTime(validity[0], 'notBefore');
  const validTo = decodeTime(validity[1], 'notAfter');
  const subject = decodeName(tbsItems[i + 4], 'subject');
  const spkiNode = tbsItems[i + 5];
  if (spkiNode === undefined) fail('missing subjectPublicKeyInfo');
  const publicKey = decodePublicKey(spkiNode);
  const spki = toBytes(rawBytes(spkiNode));

  // Signature algorithm and value.
  const sigAlgParts = seq(top[1]);
  const signatureAlgorithm = oid(sigAlgParts?.[0]);
  if (sigAlgParts === undefined || sigAlgParts.length > 2 || signatureAlgorithm === undefined) {
    fail('malformed signatureAlgorithm');
  }
  const sigParams = sigAlgParts[1];
  const sigBits = bitString(top[2]);
  if (sigBits === undefined || sigBits.unusedBits !== 0) fail('malformed signatureValue');
  const rawTbsAlg = rawBytes(tbsSigAlg);
  const rawOuterAlg = rawBytes(top[1]!);
  const signatureAlgorithmsMatch =
    rawTbsAlg.length === rawOuterAlg.length && rawTbsAlg.every((x, k) => x === rawOuterAlg[k]);

  // Extensions.
  const extensions: CertificateExtension[] = [];
  const rest = tbsItems.slice(i + 6);
  let lastTag = 0;
  for (const item of rest) {
    const tag = item.idBlock.tagClass === 3 ? item.idBlock.tagNumber : -1;
    if (tag < 1 || tag > 3 || tag <= lastTag) fail('unexpected TBSCertificate field');
    lastTag = tag;
    if (tag !== 3) {
      // issuerUniqueID / subjectUniqueID: [1]/[2] IMPLICIT BIT STRING, v2 or v3 only.
      if (version === 1 || item.idBlock.isConstructed) fail('malformed unique identifier');
      continue;
    }
    if (version !== 3) fail('extensions in a non-v3 certificate');
    if (children(item)?.length !== 1) fail('malformed extensions');
    const list = seq(children(item)?.[0]);
    if (list === undefined || list.length === 0) fail('malformed extensions');
    for (const ext of list) {
      const parts = seq(ext);
      const extOid = oid(parts?.[0]);
      if (parts === undefined || extOid === undefined || parts.length < 2 || parts.length > 3) fail('malformed extension');
      let critical = false;
      if (parts.length === 3) {
        const c = booleanValue(parts[1]);
        if (c === undefined) fail('malformed extension critical flag');
        critical = c;
      }
      const value = octetString(parts[parts.length - 1]);
      if (value === undefined) fail('malformed extnValue');
      if (extensions.some((e) => e.oid === extOid)) fail(`duplicate extension ${extOid}`);
      extensions.push({ oid: extOid, critical, value: toBytes(value) });
    }
  }

  let isCA = false;
  let hasBasicConstraints = false;
  let pathLen: number | undefined;
  let keyUsage: KeyUsageFlags | undefined;
  let extKeyUsage: string[] | undefined;
  let san: SanResult | undefined;
  let nameConstraints: NameConstraints | undefined;
  let subjectKeyIdentifier: string | undefined;
  let authorityKeyIdentifier: string | undefined;
  let infoAccess: Record<string, string[]> | undefined;
  const unhandledCriticalExtensions: string[] = [];
  for (const ext of extensions) {
    switch (ext.oid) {
      case OID.basicConstraints: {
        const parts = seq(decodeDer(ext.value));
        if (parts === undefined || parts.length > 2) fail('malformed basicConstraints');
        hasBasicConstraints = true;
        let k = 0;
        if (parts[0] instanceof asn1js.Boolean) {
          const v = booleanValue(parts[0]);
          if (v === undefined) fail('malformed basicConstraints cA');
          isCA = v;
          k = 1;
        }
        if (k < parts.length) {
          pathLen = smallInteger(parts[k]);
          if (pathLen === undefined || k + 1 !== parts.length) fail('malformed basicConstraints pathLenConstraint');
        }
        break;
      }
      case OID.keyUsage:
        keyUsage = decodeKeyUsage(ext.value);
        break;
      case OID.extKeyUsage: {
        const items = seq(decodeDer(ext.value));
        if (items === undefined || items.length === 0) fail('malformed extKeyUsage');
        extKeyUsage = items.map((it) => oid(it) ?? fail('malformed extKeyUsage'));
        break;
      }
      case OID.subjectAltName:
        san = decodeSubjectAltName(ext.value);
        break;
      case OID.nameConstraints:
        nameConstraints = decodeNameConstraints(ext.value);
        break;
      case OID.subjectKeyIdentifier: {
        const v = octetString(decodeDer(ext.value));
        if (v === undefined) fail('malformed subjectKeyIdentifier');
        subjectKeyIdentifier = toHex(v);
        break;
      }
      case OID.authorityKeyIdentifier: {
        const parts = seq(decodeDer(ext.value));
        if (parts === undefined) fail('malformed authorityKeyIdentifier');
        const kid = parts.find((p) => isContext(p, 0));
        if (kid !== undefined) {
          const b = primitiveBytes(kid);
          if (b === undefined) fail('malformed authorityKeyIdentifier');
          authorityKeyIdentifier = toHex(b);
        }
        break;
      }
      case OID.authorityInfoAccess:
        infoAccess = decodeInfoAccess(ext.value);
        break;
      default:
        if (ext.critical && !HANDLED_EXTENSIONS.has(ext.oid)) unhandledCriticalExtensions.push(ext.oid);
    }
  }

  const h = hashes(der, provider);
  const subjectKey = JSON.stringify(subject.keys);
  const issuerKey = JSON.stringify(issuer.keys);
  return Object.freeze({
    der,
    version,
    serialNumber: serialHex(serial),
    subject: Object.freeze(subject.object),
    issuer: Object.freeze(issuer.object),
    subjectString: subject.text,
    issuerString: issuer.text,
    subjectAttributes: subject.attributes,
    issuerAttributes: issuer.attributes,
    subjectDer: subject.der,
    issuerDer: issuer.der,
    validFrom,
    validTo,
    subjectAltName: san?.text,
    dnsNames: san?.dns ?? [],
    ipAddresses: (san?.ips ?? []).map((b) => formatIpAddress(b)!),
    ipAddressBytes: san?.ips ?? [],
    emailAddresses: san?.emails ?? [],
    uris: san?.uris ?? [],
    directoryNames: san?.dirNames ?? [],
    hasSubjectAltName: san !== undefined,
    fingerprint: colonHex(h.s1),
    fingerprint256: colonHex(h.s256),
    fingerprint512: colonHex(h.s512),
    spki,
    publicKey: Object.freeze(publicKey),
    isCA,
    hasBasicConstraints,
    pathLen,
    keyUsage: keyUsage === undefined ? undefined : Object.freeze(keyUsage),
    extKeyUsage,
    nameConstraints,
    subjectKeyIdentifier,
    authorityKeyIdentifier,
    infoAccess,
    extensions,
    unhandledCriticalExtensions,
    signatureAlgorithm,
    signatureAlgorithmParams: sigParams === undefined ? undefined : toBytes(rawBytes(sigParams)),
    signatureAlgorithmsMatch,
    tbs: toBytes(rawBytes(tbsNode)),
    signature: toBytes(sigBits.bytes),
    selfIssued: subjectKey === issuerKey,
    subjectKey,
    issuerKey,
  });
}

/**
 * Decode a DER certificate.
 *
 * The DER must be exactly one certificate: definite minimal lengths, no
 * trailing bytes, a well-formed RFC 5280 structure, valid times (`Z` form),
 * no duplicate extensions, no extensions in v1/v2 certificates, and
 * well-formed values for the extensions it interprets (basicConstraints,
 * keyUsage, extKeyUsage, subjectAltName, nameConstraints, SKI/AKI,
 * authorityInfoAccess). Unknown extensions are kept undecoded; unknown
 * critical ones are listed in `unhandledCriticalExtensions`.
 *
 * @param der Certificate DER (a `Buffer` is accepted; it is copied).
 * @param provider Optional: compute fingerprints with this provider instead of @noble/hashes.
 * @throws {CertificateError} `ERR_DTLS_BAD_CERTIFICATE` (alert `bad_certificate`) for any malformed input; never anything else.
 */
export function parseCertificate(der: Uint8Array, provider?: CryptoProvider): ParsedCertificate {
  try {
    if (!(der instanceof Uint8Array)) fail('certificate must be a Uint8Array');
    return parseUnchecked(der, provider);
  } catch (err) {
    if (err instanceof DtlsError) throw err;
    const detail = err instanceof Malformed ? err.message : `decoder error: ${err instanceof Error ? err.message : String(err)}`;
    throw badCertificate(`malformed certificate: ${detail}`);
  }
}

/** Node's `ca` flag: `X509_check_ca() == 1` (CA:TRUE, and keyCertSign if keyUsage is present). */
function nodeCaFlag(c: ParsedCertificate): boolean {
  return c.hasBasicConstraints && c.isCA && (c.keyUsage === undefined || c.keyUsage.keyCertSign);
}

function toBuffer(b: Uint8Array): Buffer {
  const B = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  // Outside Node there is no Buffer: a Uint8Array is the closest thing.
  return B !== undefined ? B.from(b) : (b as Buffer);
}

function clonePlain<T extends Record<string, string | string[]>>(o: T): T {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as T;
}

/**
 * A Node `tls.PeerCertificate`-like plain object for `parsed`, with the same
 * fields, formats and key order as Node's `getPeerCertificate()` (subject /
 * issuer null-prototype objects, `subjectaltname`, `valid_from` as
 * `Jan  1 00:00:00 2025 GMT`, uppercase colon fingerprints, `serialNumber`
 * uppercase hex, `raw` Buffer, RSA `modulus`/`exponent`, EC `asn1Curve` /
 * `nistCurve`, `pubkey`).
 *
 * @param issuerChain The issuers above `parsed`, nearest first: each becomes
 *   the previous one's `issuerCertificate` (Node's detailed form); a
 *   self-signed last certificate points to itself, as in Node.
 */
export function toPeerCertificate(parsed: ParsedCertificate, issuerChain: readonly ParsedCertificate[] = []): PeerCertificate {
  const single = (c: ParsedCertificate): PeerCertificate => {
    const o: Partial<PeerCertificate> = {};
    o.subject = clonePlain(c.subject);
    o.issuer = clonePlain(c.issuer);
    if (c.subjectAltName !== undefined) o.subjectaltname = c.subjectAltName;
    if (c.infoAccess !== undefined) {
      const ia = Object.create(null) as Record<string, string[]>;
      for (const [k, v] of Object.entries(c.infoAccess)) ia[k] = [...v];
      o.infoAccess = ia;
    }
    o.ca = nodeCaFlag(c);
    const pk = c.publicKey;
    if (pk.kind === 'rsa' && pk.algorithm === OID.rsaEncryption) {
      o.modulus = pk.modulus!;
      o.bits = pk.bits!;
      o.exponent = pk.exponent!;
      o.pubkey = toBuffer(c.spki);
    } else if (pk.kind === 'ecdsa' && pk.curve !== undefined) {
      o.bits = pk.bits!;
      o.pubkey = toBuffer(pk.raw);
      o.asn1Curve = CURVE_ASN1_NAME[pk.curve];
      o.nistCurve = pk.curve;
    }
    o.valid_from = formatCertificateTime(c.validFrom);
    o.valid_to = formatCertificateTime(c.validTo);
    o.fingerprint = c.fingerprint;
    o.fingerprint256 = c.fingerprint256;
    o.fingerprint512 = c.fingerprint512;
    if (c.extKeyUsage !== undefined) o.ext_key_usage = [...c.extKeyUsage];
    o.serialNumber = c.serialNumber;
    o.raw = toBuffer(c.der);
    return o as PeerCertificate;
  };
  const head = single(parsed);
  let cur = head;
  let curParsed = parsed;
  for (const issuer of issuerChain) {
    if (issuer.der.length === curParsed.der.length && issuer.der.every((x, k) => x === curParsed.der[k])) break;
    const next = single(issuer);
    cur.issuerCertificate = next;
    cur = next;
    curParsed = issuer;
  }
  if (issuerChain.length > 0 && curParsed.selfIssued) cur.issuerCertificate = cur;
  return head;
}
