/**
 * GeneralName (RFC 5280 §4.2.1.6): the names a subjectAltName, a name
 * constraint, an authorityKeyIdentifier or a CRL distribution point carries.
 * Decoding only checks the ASN.1 form (and that IA5 strings are ASCII); what
 * a name may contain is the validator's business (`hostname.ts`,
 * `name-constraints.ts`).
 */
import type * as asn1js from 'asn1js';
import { children, decodeDer, isContext, oid, primitiveBytes, seq } from './asn1.js';
import { fail } from './malformed.js';
import { type X509Name, decodeName } from './names.js';
import { latin1, toBytes } from './util.js';

/** One GeneralName, by CHOICE alternative. */
export type GeneralName =
  | { readonly type: 'otherName'; readonly typeId: string; readonly value: Uint8Array }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'x400' }
  | { readonly type: 'dirName'; readonly name: X509Name }
  | { readonly type: 'ediParty' }
  | { readonly type: 'uri'; readonly value: string }
  /** Raw iPAddress octets, of whatever length the certificate carries (4 and 16 are the valid ones). */
  | { readonly type: 'ip'; readonly bytes: Uint8Array }
  | { readonly type: 'registeredId'; readonly id: string };

/** The GeneralName type of each CHOICE tag `[0]`..`[8]`. */
export const GENERAL_NAME_TYPES = ['otherName', 'email', 'dns', 'x400', 'dirName', 'ediParty', 'uri', 'ip', 'registeredId'] as const;

/** A GeneralName type name. */
export type GeneralNameType = (typeof GENERAL_NAME_TYPES)[number];

/** IA5String contents of an implicitly tagged GeneralName; non-ASCII bytes are malformed. */
export function ia5(node: asn1js.AsnType, what: string): string {
  const b = primitiveBytes(node);
  if (b === undefined) fail(`malformed ${what}`);
  for (const x of b) if (x > 0x7f) fail(`${what} is not IA5`);
  return latin1(b);
}

/** Decode one GeneralName (a context-tagged node). */
export function decodeGeneralName(node: asn1js.AsnType, what: string): GeneralName {
  if (node.idBlock.tagClass !== 3 || node.idBlock.tagNumber > 8) fail(`malformed ${what}: bad GeneralName`);
  switch (node.idBlock.tagNumber) {
    case 0: {
      const parts = children(node);
      const typeId = oid(parts?.[0]);
      const inner = parts?.[1] === undefined ? undefined : children(parts[1]);
      // Stryker disable next-line OptionalChaining: without parts typeId is undefined, and the test stops there
      if (typeId === undefined || parts?.length !== 2 || !isContext(parts[1], 0) || inner?.length !== 1) fail(`malformed ${what}: otherName`);
      return { type: 'otherName', typeId, value: toBytes(inner[0]!.valueBeforeDecodeView) };
    }
    case 1:
      return { type: 'email', value: ia5(node, `${what} rfc822Name`) };
    case 2:
      return { type: 'dns', value: ia5(node, `${what} dNSName`) };
    case 3:
      if (!node.idBlock.isConstructed) fail(`malformed ${what}: x400Address`);
      return { type: 'x400' };
    case 4: {
      const inner = children(node);
      if (inner?.length !== 1) fail(`malformed ${what}: directoryName`);
      return { type: 'dirName', name: decodeName(inner[0], `${what} directoryName`) };
    }
    case 5:
      if (!node.idBlock.isConstructed) fail(`malformed ${what}: ediPartyName`);
      return { type: 'ediParty' };
    case 6:
      return { type: 'uri', value: ia5(node, `${what} uniformResourceIdentifier`) };
    case 7: {
      const b = primitiveBytes(node);
      if (b === undefined) fail(`malformed ${what}: iPAddress`);
      return { type: 'ip', bytes: toBytes(b) };
    }
    default: {
      const b = primitiveBytes(node);
      if (b === undefined) fail(`malformed ${what}: registeredID`);
      // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: oid() refuses an empty OID, and 128 bytes or more make the one-byte length below invalid DER, which decodeDer refuses
      const id = b.length > 0 && b.length < 128 ? oid(decodeDer(Uint8Array.of(0x06, b.length, ...b))) : undefined;
      if (id === undefined) fail(`malformed ${what}: registeredID`);
      return { type: 'registeredId', id };
    }
  }
}

/** Decode `GeneralNames` (SEQUENCE OF GeneralName); an empty sequence is malformed. */
export function decodeGeneralNames(node: asn1js.AsnType | undefined, what: string): GeneralName[] {
  const items = seq(node);
  if (items === undefined || items.length === 0) fail(`malformed ${what}`);
  return items.map((item) => decodeGeneralName(item, what));
}

/** The names of one type in a list, e.g. every dNSName of a subjectAltName. */
export function namesOfType<T extends GeneralNameType>(names: readonly GeneralName[] | undefined, type: T): Extract<GeneralName, { type: T }>[] {
  // Stryker disable next-line ArrayDeclaration: a string entry has no type
  return (names ?? []).filter((n): n is Extract<GeneralName, { type: T }> => n.type === type);
}
