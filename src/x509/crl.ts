/**
 * Certificate revocation lists (RFC 5280 §5): decoding, and the structural
 * rules a CRL must meet before it can decide anything. A CRL that breaks them
 * (no cRLNumber, no nextUpdate, an unknown critical extension, a delta or
 * indirect CRL, a partitioned CRL we cannot scope...) is refused when it is
 * loaded, with a message naming the rule: CRLs are local configuration.
 */
import type * as asn1js from 'asn1js';
import { KeyError } from '../errors.js';
import { constantTimeEqual } from '../crypto/ct.js';
import { bitString, booleanValue, children, decodeDer, derProblem, innerTlvs, integerBytes, isContext, octetString, oid, primitiveBytes, rawBytes, seq, smallInteger } from './asn1.js';
import { type AuthorityKeyIdentifier, type CertificateExtension, type DistributionPointName, decodeDistributionPointName, reasonFlags } from './extensions.js';
import { decodeExtensions } from './extensions.js';
import { decodeWith, fail } from './malformed.js';
import { type X509Name, decodeName } from './names.js';
import { OID } from './oids.js';
import type { SignedObject } from './signature.js';
import { decodeTime } from './time.js';
import { toBytes, toHex } from './util.js';

/** issuingDistributionPoint (RFC 5280 §5.2.5): the scope of a CRL. */
export interface IssuingDistributionPoint {
  readonly name?: DistributionPointName;
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  readonly onlySomeReasons?: Uint8Array;
  readonly indirectCrl: boolean;
  readonly onlyContainsAttributeCerts: boolean;
}

/** One revoked certificate. */
export interface RevokedEntry {
  /** serialNumber INTEGER contents. */
  readonly serial: Uint8Array;
  readonly revocationDate: Date;
  /** CRLReason (RFC 5280 §5.3.1), when the entry gives one. */
  readonly reason?: number;
}

/** A decoded CRL. */
export interface ParsedCrl extends SignedObject {
  readonly der: Uint8Array;
  readonly version: 1 | 2;
  readonly issuer: X509Name;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** Revoked entries by serial number (lowercase hex of the INTEGER contents). */
  readonly entries: ReadonlyMap<string, RevokedEntry>;
  readonly extensions: readonly CertificateExtension[];
  readonly crlNumber: Uint8Array | undefined;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  /** Why this CRL cannot be used (empty when it can). */
  readonly problems: readonly string[];
}

/** The key {@link ParsedCrl.entries} uses for a serial number. */
export function serialKey(serial: Uint8Array): string {
  return toHex(serial);
}

/** CRLReason names (RFC 5280 §5.3.1), for messages. */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

function decodeIdp(value: Uint8Array): IssuingDistributionPoint {
  const parts = seq(decodeDer(value));
  if (parts === undefined) fail('malformed issuingDistributionPoint');
  const out: {
    name?: DistributionPointName; onlyContainsUserCerts: boolean; onlyContainsCACerts: boolean; onlySomeReasons?: Uint8Array;
    indirectCrl: boolean; onlyContainsAttributeCerts: boolean;
  } = { onlyContainsUserCerts: false, onlyContainsCACerts: false, indirectCrl: false, onlyContainsAttributeCerts: false };
  let last = -1;
  const flag = (p: asn1js.AsnType): boolean => {
    const b = primitiveBytes(p);
    if (b?.length !== 1 || (b[0] !== 0xff && b[0] !== 0)) fail('malformed issuingDistributionPoint flag');
    return b[0] === 0xff;
  };
  for (const p of parts) {
    const tag = p.idBlock.tagNumber;
    if (p.idBlock.tagClass !== 3 || tag <= last || tag > 5) fail('malformed issuingDistributionPoint');
    last = tag;
    if (tag === 0) out.name = decodeDistributionPointName(p, 'issuingDistributionPoint distributionPoint');
    else if (tag === 1) out.onlyContainsUserCerts = flag(p);
    else if (tag === 2) out.onlyContainsCACerts = flag(p);
    else if (tag === 3) out.onlySomeReasons = reasonFlags(p, 'onlySomeReasons');
    else if (tag === 4) out.indirectCrl = flag(p);
    else out.onlyContainsAttributeCerts = flag(p);
  }
  return out;
}

/** Decode an Extensions SEQUENCE (shared shape with certificates); duplicates are malformed. */
function decodeExtensionSequence(node: asn1js.AsnType | undefined, what: string): CertificateExtension[] {
  const list = seq(node);
  if (list === undefined || list.length === 0) fail(`malformed ${what}`);
  const out: CertificateExtension[] = [];
  for (const ext of list) {
    const parts = seq(ext);
    const extOid = oid(parts?.[0]);
    // Stryker disable next-line ConditionalExpression: without parts there is no OID, and with one part the OID is no OCTET STRING value: refused below
    if (parts === undefined || extOid === undefined || parts.length < 2 || parts.length > 3) fail(`malformed ${what}`);
    const critical = parts.length === 3 ? booleanValue(parts[1]) : false;
    const value = octetString(parts[parts.length - 1]);
    if (critical === undefined || value === undefined) fail(`malformed ${what}`);
    if (out.some((e) => e.oid === extOid)) fail(`duplicate ${what} ${extOid}`);
    out.push({ oid: extOid, critical, value: toBytes(value) });
  }
  return out;
}

function decodeEntry(node: asn1js.AsnType, version: number, problems: string[]): RevokedEntry {
  const parts = seq(node);
  const serial = integerBytes(parts?.[0]);
  // Stryker disable next-line ConditionalExpression: without parts there is no serial
  if (parts === undefined || serial === undefined || parts.length < 2 || parts.length > 3) fail('malformed revokedCertificates entry');
  const date = decodeTime(parts[1], 'revocationDate');
  if (date.problem !== undefined) problems.push(`${date.problem} (RFC 5280 §5.1.2.6)`);
  let reason: number | undefined;
  if (parts.length === 3) {
    if (version !== 2) fail('CRL entry extensions in a v1 CRL');
    for (const e of decodeExtensionSequence(parts[2], 'crlEntryExtension')) {
      if (e.oid === OID.reasonCode) {
        const v = decodeDer(e.value);
        if (v?.idBlock.tagClass !== 1 || v.idBlock.tagNumber !== 10) fail('malformed reasonCode');
        const b = primitiveBytes(v);
        if (b?.length !== 1 || b[0]! > 10 || b[0] === 7) fail('malformed reasonCode');
        reason = b[0]!;
        if (reason === 8) problems.push('removeFromCRL entry in a complete CRL (RFC 5280 §5.3.1: delta CRLs only)');
      } else if (e.oid === OID.certificateIssuer) {
        problems.push('certificateIssuer entry extension: indirect CRLs are not supported');
      } else if (e.critical && e.oid !== OID.invalidityDate && e.oid !== OID.holdInstructionCode) {
        problems.push(`unknown critical CRL entry extension ${e.oid} (RFC 5280 §5.3)`);
      }
    }
  }
  return { serial: toBytes(serial), revocationDate: date.date, ...(reason !== undefined && { reason }) };
}

function extensionProblems(exts: readonly CertificateExtension[], problems: string[]): {
  crlNumber?: Uint8Array; aki?: AuthorityKeyIdentifier; idp?: IssuingDistributionPoint;
} {
  const out: { crlNumber?: Uint8Array; aki?: AuthorityKeyIdentifier; idp?: IssuingDistributionPoint } = {};
  for (const e of exts) {
    switch (e.oid) {
      case OID.crlNumber: {
        const n = integerBytes(decodeDer(e.value));
        if (n === undefined || (n[0]! & 0x80) !== 0 || n.length > 21) fail('malformed cRLNumber');
        if (e.critical) problems.push('cRLNumber is critical (RFC 5280 §5.2.3: MUST be non-critical)');
        out.crlNumber = toBytes(n);
        break;
      }
      case OID.authorityKeyIdentifier: {
        const d = decodeExtensions([e]);
        problems.push(...d.problems);
        out.aki = d.decoded.authorityKeyIdentifier;
        break;
      }
      case OID.issuingDistributionPoint: {
        const idp = decodeIdp(e.value);
        out.idp = idp;
        if (!e.critical) problems.push('issuingDistributionPoint is not critical (RFC 5280 §5.2.5: MUST be critical)');
        if (idp.indirectCrl) problems.push('indirect CRLs are not supported');
        if (idp.onlySomeReasons !== undefined) problems.push('a CRL for only some revocation reasons (onlySomeReasons) cannot decide alone');
        if (idp.onlyContainsAttributeCerts) problems.push('a CRL of attribute certificates (onlyContainsAttributeCerts) says nothing about public-key certificates');
        if (idp.onlyContainsUserCerts && idp.onlyContainsCACerts) problems.push('issuingDistributionPoint asserts both onlyContainsUserCerts and onlyContainsCACerts');
        if (idp.name?.relativeName !== undefined) problems.push('issuingDistributionPoint uses nameRelativeToCRLIssuer (only fullName URIs are supported)');
        if (idp.name?.fullName?.some((n) => n.type !== 'uri')) problems.push('issuingDistributionPoint fullName has a name other than a URI');
        break;
      }
      case OID.deltaCrlIndicator:
        problems.push('delta CRLs are not supported');
        break;
      case OID.issuerAltName:
      case OID.freshestCrl:
      case OID.authorityInfoAccess:
        break;
      default:
        if (e.critical) problems.push(`unknown critical CRL extension ${e.oid} (RFC 5280 §5.2)`);
    }
  }
  return out;
}

/** Decode one TLV slice on its own (asn1js bounds the nodes per call: a CRL's entries are decoded one by one). */
function node(raw: Uint8Array | undefined, what: string): asn1js.AsnType {
  const n = raw === undefined ? undefined : decodeDer(raw);
  if (n === undefined) fail(`malformed ${what}`);
  return n;
}

function parseUnchecked(input: Uint8Array): ParsedCrl {
  const der = toBytes(input);
  const problem = derProblem(der);
  if (problem !== undefined) fail(`not DER: ${problem}`);
  const top = der[0] === 0x30 ? innerTlvs(der) : undefined;
  if (top === undefined || top.length !== 3) fail('not a CertificateList SEQUENCE');
  const tbs = top[0]!;
  const raw = tbs[0] === 0x30 ? innerTlvs(tbs) : undefined;
  if (raw === undefined) fail('malformed TBSCertList');
  let i = 0;
  let version: 1 | 2 = 1;
  if (raw[0]?.[0] === 0x02) {
    // Stryker disable next-line StringLiteral: a primitive INTEGER that derProblem accepted always decodes
    if (smallInteger(node(raw[0], 'CRL version')) !== 1) fail('unsupported CRL version');
    version = 2;
    i = 1;
  }
  const tbsSigAlg = raw[i];
  const sigAlgOid = oid(seq(node(tbsSigAlg, 'TBSCertList signature algorithm'))?.[0]);
  // Stryker disable next-line ConditionalExpression: node() refused a missing field with the same message
  if (tbsSigAlg === undefined || sigAlgOid === undefined) fail('malformed TBSCertList signature algorithm');
  const issuer = decodeName(node(raw[i + 1], 'CRL issuer'), 'CRL issuer');
  const problems: string[] = [];
  const thisUpdate = decodeTime(node(raw[i + 2], 'thisUpdate'), 'thisUpdate');
  let k = i + 3;
  let nextUpdate: ReturnType<typeof decodeTime> | undefined;
  if (raw[k]?.[0] === 0x17 || raw[k]?.[0] === 0x18) {
    nextUpdate = decodeTime(node(raw[k], 'nextUpdate'), 'nextUpdate');
    k++;
  }
  for (const t of [thisUpdate, nextUpdate]) if (t?.problem !== undefined) problems.push(`${t.problem} (RFC 5280 §5.1.2.4)`);
  if (nextUpdate === undefined) problems.push('no nextUpdate (RFC 5280 §5.1.2.5: conforming CRL issuers MUST include it)');
  const entries = new Map<string, RevokedEntry>();
  if (raw[k]?.[0] === 0x30) {
    const list = innerTlvs(raw[k]!);
    // Stryker disable next-line ConditionalExpression: innerTlvs of a SEQUENCE derProblem accepted is never undefined
    if (list === undefined || list.length === 0) fail('malformed revokedCertificates');
    for (const e of list) {
      const entry = decodeEntry(node(e, 'revokedCertificates entry'), version, problems);
      const key = serialKey(entry.serial);
      if (entries.has(key)) problems.push(`serial number ${key} is listed twice`);
      entries.set(key, entry);
    }
    k++;
  }
  let extensions: CertificateExtension[] = [];
  if (raw[k] !== undefined) {
    const wrapper = node(raw[k], 'crlExtensions');
    if (!isContext(wrapper, 0) || children(wrapper)?.length !== 1 || version !== 2) fail('malformed crlExtensions');
    extensions = decodeExtensionSequence(children(wrapper)![0], 'crlExtension');
    k++;
  }
  if (k !== raw.length) fail('unexpected TBSCertList field');
  const ext = extensionProblems(extensions, problems);
  if (ext.crlNumber === undefined) problems.push('no cRLNumber (RFC 5280 §5.2.3: conforming CRL issuers MUST include it)');
  const sigAlgParts = seq(node(top[1], 'CRL signatureAlgorithm'));
  const signatureAlgorithm = oid(sigAlgParts?.[0]);
  if (sigAlgParts === undefined || sigAlgParts.length > 2 || signatureAlgorithm === undefined) fail('malformed CRL signatureAlgorithm');
  const sigBits = bitString(node(top[2], 'CRL signatureValue'));
  if (sigBits === undefined || sigBits.unusedBits !== 0) fail('malformed CRL signatureValue');
  return Object.freeze({
    der,
    tbs: toBytes(tbs),
    version,
    issuer,
    thisUpdate: thisUpdate.date,
    nextUpdate: nextUpdate?.date,
    entries,
    extensions,
    crlNumber: ext.crlNumber,
    authorityKeyIdentifier: ext.aki,
    issuingDistributionPoint: ext.idp,
    problems,
    signatureAlgorithm,
    signatureAlgorithmParams: sigAlgParts[1] === undefined ? undefined : toBytes(rawBytes(sigAlgParts[1])),
    signatureAlgorithmsMatch: constantTimeEqual(tbsSigAlg, top[1]!),
    signature: toBytes(sigBits.bytes),
  });
}

/**
 * Decode a DER CRL (RFC 5280 §5.1). Structure errors throw; rules a readable
 * CRL breaks are listed in `problems` (see {@link loadCrl}).
 *
 * @throws {KeyError} `ERR_DTLS_INVALID_KEY` for malformed input (CRLs are configuration, not peer data).
 */
export function parseCrl(der: Uint8Array): ParsedCrl {
  return decodeWith(der, 'CRL', parseUnchecked, (message, cause) => new KeyError(message, { cause }));
}

/**
 * Decode a CRL and refuse it unless it can be used: every entry of
 * `problems` is a reason (no cRLNumber or nextUpdate, a GeneralizedTime
 * before 2050, an unknown critical extension, a delta or indirect CRL...).
 *
 * @throws {KeyError} naming the CRL's issuer and the first problem.
 */
export function loadCrl(der: Uint8Array): ParsedCrl {
  const crl = parseCrl(der);
  if (crl.problems.length > 0) {
    const name = crl.issuer.rdns.map((r) => r.map((a) => `${a.name}=${a.value}`).join('+')).join(', ');
    throw new KeyError(`the CRL of "${name}" cannot be used: ${crl.problems[0]!}`);
  }
  return crl;
}
