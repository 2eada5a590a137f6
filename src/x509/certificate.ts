/**
 * X.509 certificate decoding (RFC 5280 §4.1) into a plain, immutable
 * description of what the certificate says. Extensions are decoded by
 * `extensions.ts`, names by `names.ts` and `general-names.ts`; the Node
 * `tls.PeerCertificate` view (display strings, fingerprints) is built on
 * demand by `peer-certificate.ts`, which this module re-exports.
 *
 * Decoding uses asn1js after a strict DER framing check, and validates the
 * RFC 5280 structure field by field. (A schema pass such as pkijs's is not
 * used: it tripled the cost per certificate and checks nothing these
 * decoders do not.) Every failure on malformed input is a
 * {@link CertificateError} with code `ERR_DTLS_BAD_CERTIFICATE` and alert
 * `bad_certificate`; nothing else is ever thrown, whatever the input bytes.
 */
import { CertificateError } from '../errors.js';
import { constantTimeEqual } from '../crypto/ct.js';
import { bitString, booleanValue, children, decodeDer, derProblem, integerBytes, isContext, octetString, oid, rawBytes, seq, smallInteger } from './asn1.js';
import { type CertificateExtension, type DecodedExtensions, decodeExtensions } from './extensions.js';
import { decodeWith, fail } from './malformed.js';
import { type X509Name, decodeName } from './names.js';
import { type CertificatePublicKey, decodePublicKey } from './public-key.js';
import { decodeTime } from './time.js';
import { toBytes } from './util.js';

export type { CertificateExtension, KeyUsageFlags, NameConstraints, BasicConstraints, AuthorityKeyIdentifier } from './extensions.js';
export type { GeneralName } from './general-names.js';
export type { NameAttribute, X509Name } from './names.js';
export { nameKey } from './names.js';
export type { CertificatePublicKey } from './public-key.js';
export { formatCertificateTime } from './time.js';
export { type DistinguishedName, type PeerCertificate, toPeerCertificate } from './peer-certificate.js';

/** A decoded certificate. All byte fields are copies owned by this object. */
export interface ParsedCertificate extends DecodedExtensions {
  /** The whole certificate, DER. */
  readonly der: Uint8Array;
  /** The exact TBSCertificate bytes (what the signature covers). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /** serialNumber INTEGER contents (two's complement, as encoded). */
  readonly serial: Uint8Array;
  readonly subject: X509Name;
  readonly issuer: X509Name;
  /** Start of the validity period. */
  readonly validFrom: Date;
  /** End of the validity period (inclusive). */
  readonly validTo: Date;
  /** SubjectPublicKeyInfo, DER (exact bytes from the certificate). */
  readonly spki: Uint8Array;
  readonly publicKey: CertificatePublicKey;
  /** Every extension, in order. */
  readonly extensions: readonly CertificateExtension[];
  /** OIDs of critical extensions this module does not process (a verifier must reject the certificate). */
  readonly unhandledCriticalExtensions: readonly string[];
  /**
   * RFC 5280 profile rules the certificate breaks without being undecodable
   * (time encodings, extension criticality, a negative serial number...): a
   * validator refuses the certificate, `getPeerCertificate()` still shows it.
   */
  readonly profileProblems: readonly string[];
  /** Dotted OID of the outer signatureAlgorithm. */
  readonly signatureAlgorithm: string;
  /** DER of the outer signatureAlgorithm parameters, when present (e.g. RSASSA-PSS params). */
  readonly signatureAlgorithmParams: Uint8Array | undefined;
  /** Whether the TBS `signature` AlgorithmIdentifier equals the outer one byte for byte (RFC 5280 §4.1.1.2). */
  readonly signatureAlgorithmsMatch: boolean;
  /** The signature BIT STRING contents (DER `Ecdsa-Sig-Value` for ECDSA). */
  readonly signature: Uint8Array;
  /** Subject and issuer names are equal (RFC 5280 comparison). */
  readonly selfIssued: boolean;
}

/** Decode the optional `[0] EXPLICIT Version`; returns the version and the index of the serial number. */
function decodeVersion(first: Parameters<typeof children>[0]): { version: 1 | 2 | 3; next: number } {
  if (!isContext(first, 0)) return { version: 1, next: 0 };
  const inner = children(first);
  const v = inner?.length === 1 ? smallInteger(inner[0]) : undefined;
  if (v === undefined || v > 2) fail('unsupported certificate version');
  return { version: (v + 1) as 1 | 2 | 3, next: 1 };
}

/** The Extensions `[3]` list and the unique identifiers before it. */
function decodeExtensionList(rest: readonly NonNullable<ReturnType<typeof seq>>[number][], version: number): CertificateExtension[] {
  const extensions: CertificateExtension[] = [];
  let lastTag = 0;
  for (const item of rest) {
    const tag = item.idBlock.tagClass === 3 ? item.idBlock.tagNumber : -1;
    // Stryker disable next-line ConditionalExpression: a tag below 1 is at most lastTag (0 at first)
    if (tag < 1 || tag > 3 || tag <= lastTag) fail('unexpected TBSCertificate field');
    lastTag = tag;
    if (tag !== 3) {
      // issuerUniqueID / subjectUniqueID: [1]/[2] IMPLICIT BIT STRING, v2 or v3 only.
      if (version === 1 || item.idBlock.isConstructed) fail('malformed unique identifier');
      continue;
    }
    if (version !== 3) fail('extensions in a non-v3 certificate');
    const list = children(item)?.length === 1 ? seq(children(item)![0]) : undefined;
    if (list === undefined || list.length === 0) fail('malformed extensions');
    for (const ext of list) {
      const parts = seq(ext);
      const extOid = oid(parts?.[0]);
      // Stryker disable next-line ConditionalExpression: without parts there is no OID
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
  return extensions;
}

function parseUnchecked(input: Uint8Array): ParsedCertificate {
  const der = toBytes(input);
  const problem = derProblem(der);
  if (problem !== undefined) fail(`not DER: ${problem}`);
  const top = seq(decodeDer(der));
  if (top === undefined || top.length !== 3) fail('not a Certificate SEQUENCE');
  // RFC 5280 §4.1 structure, checked field by field.
  const tbsNode = top[0]!;
  const tbsItems = seq(tbsNode);
  if (tbsItems === undefined) fail('malformed TBSCertificate');
  const { version, next: i } = decodeVersion(tbsItems[0]);
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
  const notBefore = decodeTime(validity[0], 'notBefore');
  const notAfter = decodeTime(validity[1], 'notAfter');
  const subject = decodeName(tbsItems[i + 4], 'subject');
  const spkiNode = tbsItems[i + 5]!;
  const publicKey = decodePublicKey(spkiNode);

  const sigAlgParts = seq(top[1]);
  const signatureAlgorithm = oid(sigAlgParts?.[0]);
  if (sigAlgParts === undefined || sigAlgParts.length > 2 || signatureAlgorithm === undefined) fail('malformed signatureAlgorithm');
  const sigParams = sigAlgParts[1];
  const sigBits = bitString(top[2]);
  if (sigBits === undefined || sigBits.unusedBits !== 0) fail('malformed signatureValue');

  const extensions = decodeExtensionList(tbsItems.slice(i + 6), version);
  const ext = decodeExtensions(extensions);
  const profileProblems = [...ext.problems];
  for (const t of [notBefore, notAfter]) if (t.problem !== undefined) profileProblems.push(`${t.problem} (RFC 5280 §4.1.2.5)`);
  if ((serial[0]! & 0x80) !== 0) profileProblems.push('negative serial number (RFC 5280 §4.1.2.2)');
  if (issuer.rdns.length === 0) profileProblems.push('empty issuer name (RFC 5280 §4.1.2.4)');
  if (subject.rdns.length === 0 && ext.decoded.subjectAltName === undefined) {
    profileProblems.push('empty subject and no subjectAltName (RFC 5280 §4.1.2.6)');
  } else if (subject.rdns.length === 0 && ext.decoded.subjectAltNameCritical !== true) {
    profileProblems.push('empty subject with a non-critical subjectAltName (RFC 5280 §4.2.1.6)');
  }
  return Object.freeze({
    ...ext.decoded,
    der,
    tbs: toBytes(rawBytes(tbsNode)),
    version,
    serial: toBytes(serial),
    subject,
    issuer,
    validFrom: notBefore.date,
    validTo: notAfter.date,
    spki: toBytes(rawBytes(spkiNode)),
    publicKey: Object.freeze(publicKey),
    extensions,
    unhandledCriticalExtensions: ext.unhandledCritical,
    profileProblems,
    signatureAlgorithm,
    signatureAlgorithmParams: sigParams === undefined ? undefined : toBytes(rawBytes(sigParams)),
    signatureAlgorithmsMatch: constantTimeEqual(rawBytes(tbsSigAlg), rawBytes(top[1]!)),
    signature: toBytes(sigBits.bytes),
    selfIssued: subject.key === issuer.key,
  });
}

/**
 * Decode a DER certificate.
 *
 * The DER must be exactly one certificate: definite minimal lengths, no
 * trailing bytes, a well-formed RFC 5280 structure, readable times (`Z`
 * form), no duplicate extensions, no extensions in v1/v2 certificates, and
 * well-formed values for the extensions it interprets (basicConstraints,
 * keyUsage, extKeyUsage, subjectAltName, nameConstraints, SKI/AKI,
 * authorityInfoAccess, cRLDistributionPoints, the policy extensions).
 * Unknown extensions are kept undecoded; unknown critical ones are listed in
 * `unhandledCriticalExtensions`; profile rules broken by an otherwise
 * readable certificate in `profileProblems`.
 *
 * @param der Certificate DER (a `Buffer` is accepted; it is copied).
 * @throws {CertificateError} `ERR_DTLS_BAD_CERTIFICATE` (alert `bad_certificate`) for any malformed input; never anything else.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  return decodeWith(der, 'certificate', parseUnchecked, (message) => new CertificateError('ERR_DTLS_BAD_CERTIFICATE', message, 'bad_certificate'));
}

/** Whether `a` and `b` are the same certificate (same DER). */
export function sameCertificate(a: ParsedCertificate, b: ParsedCertificate): boolean {
  // Stryker disable next-line ConditionalExpression: a fast path; the same object has the same DER
  return a === b || constantTimeEqual(a.der, b.der);
}
