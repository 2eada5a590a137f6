/**
 * The Node `tls.PeerCertificate` view of a decoded certificate: the display
 * strings and formats of `tlsSocket.getPeerCertificate()` (OpenSSL's), and
 * the fingerprints, hashed through a {@link CryptoProvider} when the view is
 * built (decoding never hashes).
 */
import { defaultProvider } from '../crypto/index.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { ParsedCertificate } from './certificate.js';
import type { AccessDescription } from './extensions.js';
import type { GeneralName } from './general-names.js';
import { formatIpAddressNode } from './ip.js';
import { type X509Name, escape2253 } from './names.js';
import { CURVE_ASN1_NAME, OID } from './oids.js';
import { formatCertificateTime } from './time.js';
import { colonHex, toHex } from './util.js';

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

/** `name` as Node's `subject`/`issuer` object (null prototype, arrays for repeated attributes). */
export function nameObject(name: X509Name): DistinguishedName {
  const out = Object.create(null) as DistinguishedName;
  for (const rdn of name.rdns) {
    for (const a of rdn) {
      const prev = out[a.name];
      if (prev === undefined) out[a.name] = a.value;
      else if (Array.isArray(prev)) prev.push(a.value);
      else out[a.name] = [prev, a.value];
    }
  }
  return out;
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

/** A directoryName as OpenSSL's XN_FLAG_RFC2253 prints it: entries reversed (multi-valued RDNs included). */
function rfc2253(name: X509Name): string {
  const entries = name.rdns.flatMap((rdn, set) => rdn.map((a) => ({ set, text: `${a.name}=${escape2253(a.value)}` })));
  entries.reverse();
  return entries.map((e, k) => (k === 0 ? '' : entries[k - 1]!.set === e.set ? '+' : ',') + e.text).join('');
}

/** One GeneralName as Node prints it in `subjectaltname`. */
function printGeneralName(gn: GeneralName): string {
  switch (gn.type) {
    case 'otherName':
      return 'othername:<unsupported>';
    case 'email':
      return 'email:' + printAltName(gn.value);
    case 'dns':
      return 'DNS:' + printAltName(gn.value);
    case 'x400':
      return 'X400Name:<unsupported>';
    case 'dirName':
      return 'DirName:' + printAltName(rfc2253(gn.name), true);
    case 'ediParty':
      return 'EdiPartyName:<unsupported>';
    case 'uri':
      return 'URI:' + printAltName(gn.value);
    case 'ip':
      return 'IP Address:' + formatIpAddressNode(gn.bytes);
    case 'registeredId':
      return 'Registered ID:' + gn.id;
  }
}

/** The subjectAltName extension as Node's `subjectaltname` string (`DNS:a, IP Address:127.0.0.1`). */
export function subjectAltNameText(names: readonly GeneralName[]): string {
  return names.map(printGeneralName).join(', ');
}

/** authorityInfoAccess as Node's `infoAccess` (`{ 'OCSP - URI': [...] }`): URI and DNS locations only. */
export function infoAccessObject(list: readonly AccessDescription[]): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  for (const { method, location } of list) {
    if (location.type !== 'uri' && location.type !== 'dns') continue;
    const methodName = method === OID.ocsp ? 'OCSP' : method === OID.caIssuers ? 'CA Issuers' : method;
    (out[`${methodName} - ${location.type === 'uri' ? 'URI' : 'DNS'}`] ??= []).push(location.value);
  }
  return out;
}

function hexNoLeadingZeroBytes(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return toHex(b.subarray(i), true);
}

/** The serial number as Node prints it: uppercase hex, leading zero bytes stripped, `-` for a negative one (like BN_bn2hex). */
export function serialNumberHex(v: Uint8Array): string {
  if ((v[0]! & 0x80) === 0) return hexNoLeadingZeroBytes(v);
  const mag = new Uint8Array(v.length);
  let carry = 1;
  for (let i = v.length - 1; i >= 0; i--) {
    const x = (~v[i]! & 0xff) + carry;
    mag[i] = x & 0xff;
    carry = x >> 8;
  }
  return '-' + hexNoLeadingZeroBytes(mag);
}

/** Node's `ca` flag: `X509_check_ca() == 1` (CA:TRUE, and keyCertSign if keyUsage is present). */
function nodeCaFlag(c: ParsedCertificate): boolean {
  return c.basicConstraints?.ca === true && (c.keyUsage === undefined || c.keyUsage.keyCertSign);
}

function toBuffer(b: Uint8Array): Buffer {
  const B = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  // Outside Node there is no Buffer: a Uint8Array is the closest thing.
  return B !== undefined ? B.from(b) : (b as Buffer);
}

/** The three fingerprints of a DER certificate (`AB:CD:...`), hashed by `provider`. */
export function fingerprints(der: Uint8Array, provider: CryptoProvider = defaultProvider()): { fingerprint: string; fingerprint256: string; fingerprint512: string } {
  return {
    fingerprint: colonHex(provider.hash('sha1', der)),
    fingerprint256: colonHex(provider.hash('sha256', der)),
    fingerprint512: colonHex(provider.hash('sha512', der)),
  };
}

function single(c: ParsedCertificate, provider: CryptoProvider): PeerCertificate {
  const o: Partial<PeerCertificate> = {};
  o.subject = nameObject(c.subject);
  o.issuer = nameObject(c.issuer);
  if (c.subjectAltName !== undefined) o.subjectaltname = subjectAltNameText(c.subjectAltName);
  if (c.authorityInfoAccess !== undefined) o.infoAccess = infoAccessObject(c.authorityInfoAccess);
  o.ca = nodeCaFlag(c);
  const pk = c.publicKey;
  if (pk.kind === 'rsa' && pk.algorithm === OID.rsaEncryption && pk.rsa !== undefined) {
    o.modulus = hexNoLeadingZeroBytes(pk.rsa.modulus);
    o.bits = pk.bits!;
    o.exponent = '0x' + hexNoLeadingZeroBytes(pk.rsa.exponent).replace(/^0+(?=.)/, '');
    o.pubkey = toBuffer(c.spki);
  } else if (pk.kind === 'ecdsa' && pk.curve !== undefined) {
    o.bits = pk.bits!;
    o.pubkey = toBuffer(pk.raw);
    o.asn1Curve = CURVE_ASN1_NAME[pk.curve];
    o.nistCurve = pk.curve;
  }
  o.valid_from = formatCertificateTime(c.validFrom);
  o.valid_to = formatCertificateTime(c.validTo);
  Object.assign(o, fingerprints(c.der, provider));
  if (c.extKeyUsage !== undefined) o.ext_key_usage = [...c.extKeyUsage];
  o.serialNumber = serialNumberHex(c.serial);
  o.raw = toBuffer(c.der);
  return o as PeerCertificate;
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
 * @param provider Hashes the fingerprints (default: {@link defaultProvider}).
 */
export function toPeerCertificate(parsed: ParsedCertificate, issuerChain: readonly ParsedCertificate[] = [], provider?: CryptoProvider): PeerCertificate {
  const p = provider ?? defaultProvider();
  const head = single(parsed, p);
  let cur = head;
  let curParsed = parsed;
  for (const issuer of issuerChain) {
    if (issuer.der.length === curParsed.der.length && issuer.der.every((x, k) => x === curParsed.der[k])) break;
    const next = single(issuer, p);
    cur.issuerCertificate = next;
    cur = next;
    curParsed = issuer;
  }
  if (issuerChain.length > 0 && curParsed.selfIssued) cur.issuerCertificate = cur;
  return head;
}
