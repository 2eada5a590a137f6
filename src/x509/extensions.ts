/**
 * Certificate extension decoders (RFC 5280 §4.2). Each takes the extnValue
 * contents and returns a plain value or throws {@link Malformed}.
 * {@link decodeExtensions} dispatches a certificate's list, records the
 * critical extensions nobody here understands, and notes the criticality and
 * form rules of the profile that a certificate can break and still be shown
 * (a validator refuses it; `getPeerCertificate()` still displays it).
 */
import type * as asn1js from 'asn1js';
import { bitString, booleanValue, children, decodeDer, integerBytes, isContext, octetString, oid, primitiveBytes, seq, smallInteger } from './asn1.js';
import { type GeneralName, decodeGeneralName, decodeGeneralNames } from './general-names.js';
import { fail } from './malformed.js';
import { OID } from './oids.js';
import { toBytes } from './util.js';

/** One extension as found in the certificate (or CRL). */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING contents (DER of the extension value). */
  readonly value: Uint8Array;
}

/** basicConstraints (RFC 5280 §4.2.1.9). */
export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLen: number | undefined;
  readonly critical: boolean;
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

/** authorityKeyIdentifier (RFC 5280 §4.2.1.1). */
export interface AuthorityKeyIdentifier {
  readonly keyIdentifier?: Uint8Array;
  readonly issuer?: readonly GeneralName[];
  /** authorityCertSerialNumber, INTEGER contents. */
  readonly serial?: Uint8Array;
}

/** nameConstraints (RFC 5280 §4.2.1.10): the `base` of each subtree (minimum 0, no maximum). */
export interface NameConstraints {
  readonly permitted: readonly GeneralName[];
  readonly excluded: readonly GeneralName[];
  readonly critical: boolean;
}

/** One AccessDescription of authorityInfoAccess (RFC 5280 §4.2.2.1). */
export interface AccessDescription {
  readonly method: string;
  readonly location: GeneralName;
}

/** A DistributionPointName: a full name, or a name relative to the CRL issuer. */
export interface DistributionPointName {
  readonly fullName?: readonly GeneralName[];
  /** Set when the point is a nameRelativeToCRLIssuer (kept as its DER). */
  readonly relativeName?: Uint8Array;
}

/** One DistributionPoint of cRLDistributionPoints (RFC 5280 §4.2.1.13). */
export interface DistributionPoint {
  readonly name?: DistributionPointName;
  readonly reasons?: Uint8Array;
  readonly crlIssuer?: readonly GeneralName[];
}

/** policyConstraints (RFC 5280 §4.2.1.11). */
export interface PolicyConstraints {
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
}

/** The extensions {@link decodeExtensions} interprets. */
export interface DecodedExtensions {
  readonly basicConstraints?: BasicConstraints;
  readonly keyUsage?: KeyUsageFlags;
  readonly extKeyUsage?: readonly string[];
  /** The subjectAltName entries; `undefined` without the extension. */
  readonly subjectAltName?: readonly GeneralName[];
  readonly subjectAltNameCritical?: boolean;
  readonly nameConstraints?: NameConstraints;
  readonly subjectKeyIdentifier?: Uint8Array;
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier;
  readonly authorityInfoAccess?: readonly AccessDescription[];
  readonly crlDistributionPoints?: readonly DistributionPoint[];
  readonly certificatePolicies?: readonly string[];
  readonly policyConstraints?: PolicyConstraints;
  readonly policyMappings?: readonly (readonly [issuerDomain: string, subjectDomain: string])[];
  readonly inhibitAnyPolicy?: number;
}

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

function decodeBasicConstraints(value: Uint8Array, critical: boolean): BasicConstraints {
  const parts = seq(decodeDer(value));
  if (parts === undefined || parts.length > 2) fail('malformed basicConstraints');
  let ca = false;
  let k = 0;
  if (booleanValue(parts[0]) !== undefined) {
    ca = booleanValue(parts[0])!;
    k = 1;
  }
  let pathLen: number | undefined;
  if (k < parts.length) {
    pathLen = smallInteger(parts[k]);
    if (pathLen === undefined || k + 1 !== parts.length) fail('malformed basicConstraints pathLenConstraint');
  }
  return { ca, pathLen, critical };
}

/** Decode a keyUsage BIT STRING; `empty` when no bit is set (RFC 5280 §4.2.1.3 forbids that). */
export function decodeKeyUsage(value: Uint8Array): { flags: KeyUsageFlags; empty: boolean } {
  const bits = bitString(decodeDer(value));
  if (bits === undefined) fail('malformed keyUsage');
  const flags = Object.fromEntries(KEY_USAGE_NAMES.map((n) => [n, false])) as Record<(typeof KEY_USAGE_NAMES)[number], boolean>;
  const total = bits.bytes.length * 8 - bits.unusedBits;
  let any = false;
  KEY_USAGE_NAMES.forEach((name, i) => {
    if (i < total) flags[name] = ((bits.bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
    any ||= flags[name];
  });
  return { flags, empty: !any };
}

function decodeOidList(value: Uint8Array, what: string): string[] {
  const items = seq(decodeDer(value));
  if (items === undefined || items.length === 0) fail(`malformed ${what}`);
  return items.map((it) => oid(it) ?? fail(`malformed ${what}`));
}

/** The GeneralName children of an IMPLICIT [n] GeneralNames node (at least one). */
function implicitGeneralNames(node: asn1js.AsnType, what: string): GeneralName[] {
  const items = children(node);
  if (items === undefined || items.length === 0) fail(`malformed ${what}`);
  return items.map((item) => decodeGeneralName(item, what));
}

/** Context-tagged fields `[0]`, `[1]`, ... in ascending order, each at most once; returns them by tag. */
function taggedFields(parts: readonly asn1js.AsnType[], maxTag: number, what: string): Map<number, asn1js.AsnType> {
  const out = new Map<number, asn1js.AsnType>();
  let last = -1;
  for (const p of parts) {
    const tag = p.idBlock.tagNumber;
    if (p.idBlock.tagClass !== 3 || tag <= last || tag > maxTag) fail(`malformed ${what}`);
    last = tag;
    out.set(tag, p);
  }
  return out;
}

function decodeAuthorityKeyIdentifier(value: Uint8Array): AuthorityKeyIdentifier {
  const parts = seq(decodeDer(value));
  if (parts === undefined) fail('malformed authorityKeyIdentifier');
  const f = taggedFields(parts, 2, 'authorityKeyIdentifier');
  const out: { keyIdentifier?: Uint8Array; issuer?: GeneralName[]; serial?: Uint8Array } = {};
  const kid = f.get(0);
  if (kid !== undefined) {
    const b = primitiveBytes(kid);
    if (b === undefined) fail('malformed authorityKeyIdentifier keyIdentifier');
    out.keyIdentifier = toBytes(b);
  }
  const issuer = f.get(1);
  if (issuer !== undefined) out.issuer = implicitGeneralNames(issuer, 'authorityKeyIdentifier authorityCertIssuer');
  const serial = f.get(2);
  if (serial !== undefined) {
    const b = primitiveBytes(serial);
    if (b === undefined || b.length === 0) fail('malformed authorityKeyIdentifier authorityCertSerialNumber');
    out.serial = toBytes(b);
  }
  return out;
}

function decodeSubtrees(node: asn1js.AsnType): GeneralName[] {
  const subtrees = children(node);
  if (subtrees === undefined || subtrees.length === 0) fail('malformed nameConstraints');
  return subtrees.map((st) => {
    const parts = seq(st);
    if (parts === undefined || parts.length === 0) fail('malformed GeneralSubtree');
    // minimum MUST be 0 (tolerated when encoded explicitly), maximum MUST be absent (RFC 5280 §4.2.1.10).
    for (const extra of parts.slice(1)) {
      if (isContext(extra, 1)) fail('nameConstraints maximum is not supported');
      const min = isContext(extra, 0) ? primitiveBytes(extra) : undefined;
      if (min === undefined) fail('malformed GeneralSubtree');
      if (min.length !== 1 || min[0] !== 0) fail('nameConstraints minimum other than 0 is not supported');
    }
    return decodeGeneralName(parts[0]!, 'GeneralSubtree base');
  });
}

function decodeNameConstraints(value: Uint8Array, critical: boolean): NameConstraints {
  const parts = seq(decodeDer(value));
  if (parts === undefined || parts.length === 0) fail('malformed nameConstraints');
  const f = taggedFields(parts, 1, 'nameConstraints');
  const permitted = f.get(0);
  const excluded = f.get(1);
  return { permitted: permitted ? decodeSubtrees(permitted) : [], excluded: excluded ? decodeSubtrees(excluded) : [], critical };
}

function decodeInfoAccess(value: Uint8Array): AccessDescription[] {
  const items = seq(decodeDer(value));
  if (items === undefined || items.length === 0) fail('malformed authorityInfoAccess');
  return items.map((item) => {
    const parts = seq(item);
    const method = oid(parts?.[0]);
    if (parts?.length !== 2 || method === undefined) fail('malformed AccessDescription');
    return { method, location: decodeGeneralName(parts[1]!, 'accessLocation') };
  });
}

/** Decode a DistributionPointName (the EXPLICIT `[0]` wrapper's content). */
export function decodeDistributionPointName(wrapper: asn1js.AsnType, what: string): DistributionPointName {
  const inner = children(wrapper);
  if (inner?.length !== 1) fail(`malformed ${what}`);
  const choice = inner[0]!;
  if (isContext(choice, 0)) return { fullName: implicitGeneralNames(choice, `${what} fullName`) };
  if (isContext(choice, 1) && children(choice)?.length) return { relativeName: toBytes(choice.valueBeforeDecodeView) };
  fail(`malformed ${what}`);
}

/** ReasonFlags BIT STRING contents (IMPLICIT, so a primitive `[n]`). */
export function reasonFlags(node: asn1js.AsnType, what: string): Uint8Array {
  const b = primitiveBytes(node);
  if (b === undefined || b.length === 0 || b[0]! > 7) fail(`malformed ${what}`);
  return toBytes(b);
}

function decodeCrlDistributionPoints(value: Uint8Array): DistributionPoint[] {
  const items = seq(decodeDer(value));
  if (items === undefined || items.length === 0) fail('malformed cRLDistributionPoints');
  return items.map((item) => {
    const parts = seq(item);
    if (parts === undefined || parts.length === 0) fail('malformed DistributionPoint');
    const f = taggedFields(parts, 2, 'DistributionPoint');
    const name = f.get(0);
    const reasons = f.get(1);
    const crlIssuer = f.get(2);
    return {
      ...(name !== undefined && { name: decodeDistributionPointName(name, 'distributionPoint') }),
      ...(reasons !== undefined && { reasons: reasonFlags(reasons, 'DistributionPoint reasons') }),
      ...(crlIssuer !== undefined && { crlIssuer: implicitGeneralNames(crlIssuer, 'cRLIssuer') }),
    };
  });
}

function decodeCertificatePolicies(value: Uint8Array): string[] {
  const items = seq(decodeDer(value));
  if (items === undefined || items.length === 0) fail('malformed certificatePolicies');
  const ids = items.map((item) => {
    const parts = seq(item);
    const id = oid(parts?.[0]);
    if (id === undefined || parts!.length > 2 || (parts!.length === 2 && seq(parts![1]) === undefined)) fail('malformed PolicyInformation');
    return id;
  });
  if (new Set(ids).size !== ids.length) fail('certificatePolicies lists a policy twice');
  return ids;
}

function decodePolicyConstraints(value: Uint8Array): PolicyConstraints {
  const parts = seq(decodeDer(value));
  if (parts === undefined || parts.length === 0) fail('malformed policyConstraints');
  const f = taggedFields(parts, 1, 'policyConstraints');
  const skip = (n: asn1js.AsnType | undefined): number | undefined => {
    if (n === undefined) return undefined;
    const b = primitiveBytes(n);
    if (b === undefined || b.length === 0 || b.length > 4 || (b[0]! & 0x80) !== 0) fail('malformed policyConstraints SkipCerts');
    return b.reduce((a, x) => a * 256 + x, 0);
  };
  const require = skip(f.get(0));
  const inhibit = skip(f.get(1));
  return { ...(require !== undefined && { requireExplicitPolicy: require }), ...(inhibit !== undefined && { inhibitPolicyMapping: inhibit }) };
}

function decodePolicyMappings(value: Uint8Array): [string, string][] {
  const items = seq(decodeDer(value));
  if (items === undefined || items.length === 0) fail('malformed policyMappings');
  return items.map((item) => {
    const parts = seq(item);
    const a = oid(parts?.[0]);
    const b = oid(parts?.[1]);
    if (parts?.length !== 2 || a === undefined || b === undefined) fail('malformed policyMappings');
    return [a, b];
  });
}

/** Extensions this module understands (critical ones are not "unhandled"). */
const HANDLED = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.authorityInfoAccess,
  OID.certificatePolicies,
  OID.policyConstraints,
  OID.policyMappings,
  OID.inhibitAnyPolicy,
  OID.crlDistributionPoints,
  OID.issuerAltName,
]);

/** What {@link decodeExtensions} found. */
export interface ExtensionsResult {
  readonly decoded: DecodedExtensions;
  /** OIDs of critical extensions not in the handled set (a validator must refuse the certificate). */
  readonly unhandledCritical: string[];
  /** RFC 5280 rules about these extensions that the certificate breaks (criticality, empty values). */
  readonly problems: string[];
}

/** Decode the extensions a certificate carries (duplicates are refused by the caller). */
export function decodeExtensions(list: readonly CertificateExtension[]): ExtensionsResult {
  const d: { -readonly [K in keyof DecodedExtensions]: DecodedExtensions[K] } = {};
  const unhandledCritical: string[] = [];
  const problems: string[] = [];
  const mustNotBeCritical = (e: CertificateExtension, name: string, clause: string): void => {
    if (e.critical) problems.push(`${name} is critical (RFC 5280 ${clause}: MUST be non-critical)`);
  };
  for (const e of list) {
    switch (e.oid) {
      case OID.basicConstraints:
        d.basicConstraints = decodeBasicConstraints(e.value, e.critical);
        break;
      case OID.keyUsage: {
        const ku = decodeKeyUsage(e.value);
        if (ku.empty) problems.push('keyUsage has no bit set (RFC 5280 §4.2.1.3)');
        d.keyUsage = Object.freeze(ku.flags);
        break;
      }
      case OID.extKeyUsage:
        d.extKeyUsage = decodeOidList(e.value, 'extKeyUsage');
        break;
      case OID.subjectAltName:
        d.subjectAltName = decodeGeneralNames(decodeDer(e.value), 'subjectAltName');
        d.subjectAltNameCritical = e.critical;
        break;
      case OID.nameConstraints:
        d.nameConstraints = decodeNameConstraints(e.value, e.critical);
        break;
      case OID.subjectKeyIdentifier: {
        const v = octetString(decodeDer(e.value));
        if (v === undefined) fail('malformed subjectKeyIdentifier');
        mustNotBeCritical(e, 'subjectKeyIdentifier', '§4.2.1.2');
        d.subjectKeyIdentifier = toBytes(v);
        break;
      }
      case OID.authorityKeyIdentifier: {
        const aki = decodeAuthorityKeyIdentifier(e.value);
        mustNotBeCritical(e, 'authorityKeyIdentifier', '§4.2.1.1');
        if (aki.keyIdentifier === undefined) problems.push('authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)');
        if ((aki.issuer === undefined) !== (aki.serial === undefined)) {
          problems.push('authorityKeyIdentifier has only one of authorityCertIssuer and authorityCertSerialNumber (RFC 5280 §4.2.1.1)');
        }
        d.authorityKeyIdentifier = aki;
        break;
      }
      case OID.authorityInfoAccess:
        d.authorityInfoAccess = decodeInfoAccess(e.value);
        mustNotBeCritical(e, 'authorityInfoAccess', '§4.2.2.1');
        break;
      case OID.crlDistributionPoints:
        d.crlDistributionPoints = decodeCrlDistributionPoints(e.value);
        break;
      case OID.certificatePolicies:
        d.certificatePolicies = decodeCertificatePolicies(e.value);
        break;
      case OID.policyConstraints:
        d.policyConstraints = decodePolicyConstraints(e.value);
        if (!e.critical) problems.push('policyConstraints is not critical (RFC 5280 §4.2.1.11: MUST be critical)');
        break;
      case OID.policyMappings:
        d.policyMappings = decodePolicyMappings(e.value);
        break;
      case OID.inhibitAnyPolicy: {
        const n = smallInteger(decodeDer(e.value));
        if (n === undefined) fail('malformed inhibitAnyPolicy');
        if (!e.critical) problems.push('inhibitAnyPolicy is not critical (RFC 5280 §4.2.1.14: MUST be critical)');
        d.inhibitAnyPolicy = n;
        break;
      }
      case OID.issuerAltName:
        decodeGeneralNames(decodeDer(e.value), 'issuerAltName');
        break;
      default:
        if (e.critical && !HANDLED.has(e.oid)) unhandledCritical.push(e.oid);
    }
  }
  return { decoded: d, unhandledCritical, problems };
}

/** Contents of the INTEGER `node` (two's complement), for CRL numbers and serials. */
export function integerContents(node: asn1js.AsnType | undefined): Uint8Array | undefined {
  const b = integerBytes(node);
  return b === undefined ? undefined : toBytes(b);
}
