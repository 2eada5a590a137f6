/**
 * Object identifiers used by the x509 modules.
 */

/** Well-known OIDs (dotted form). */
export const OID = Object.freeze({
  // Public key algorithms
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  // Named curves
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  // Signature algorithms
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  mgf1: '1.2.840.113549.1.1.8',
  // Hashes
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // Extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  // Extended key usages
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  // Access methods
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  // CRL and CRL entry extensions
  crlNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  holdInstructionCode: '2.5.29.23',
  invalidityDate: '2.5.29.24',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  freshestCrl: '2.5.29.46',
  // Attribute types
  commonName: '2.5.4.3',
  emailAddress: '1.2.840.113549.1.9.1',
} as const);

/**
 * OpenSSL short names of distinguished-name attribute types (what Node uses as
 * keys of `subject`/`issuer`). Unknown types are keyed by their dotted OID.
 */
export const ATTRIBUTE_SHORT_NAMES: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.4', 'SN'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.9', 'street'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.12', 'title'],
  ['2.5.4.13', 'description'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.41', 'name'],
  ['2.5.4.42', 'GN'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.45', 'x500UniqueIdentifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['2.5.4.65', 'pseudonym'],
  ['2.5.4.72', 'role'],
  ['2.5.4.97', 'organizationIdentifier'],
  ['1.2.840.113549.1.9.1', 'emailAddress'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'jurisdictionL'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'jurisdictionST'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'jurisdictionC'],
]);

/** Names of the curves we support, by OID. */
export const CURVE_BY_OID: ReadonlyMap<string, 'P-256' | 'P-384' | 'P-521'> = new Map([
  [OID.prime256v1, 'P-256'],
  [OID.secp384r1, 'P-384'],
  [OID.secp521r1, 'P-521'],
] as const);

/** OID of each supported curve. */
export const OID_BY_CURVE = Object.freeze({
  'P-256': OID.prime256v1,
  'P-384': OID.secp384r1,
  'P-521': OID.secp521r1,
} as const);

/** Private-scalar / coordinate size in bytes of each curve. */
export const CURVE_BYTES = Object.freeze({ 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const);

/** Order size in bits of each curve (OpenSSL's `bits` for an EC key). */
export const CURVE_BITS = Object.freeze({ 'P-256': 256, 'P-384': 384, 'P-521': 521 } as const);

/** OpenSSL's ASN.1 curve names (Node's `asn1Curve`). */
export const CURVE_ASN1_NAME = Object.freeze({
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
} as const);
