/**
 * Test-only certificate factory: builds certificates with pkijs and signs the
 * TBS bytes synchronously through a CryptoProvider. Covers what the fixture
 * PKI lacks (intermediates, CA:FALSE issuers, EKU variants, validity windows,
 * SAN variants, name constraints, unusual signature algorithms).
 */
import * as asn1js from 'asn1js';
import {
  AlgorithmIdentifier,
  AltName,
  AttributeTypeAndValue,
  BasicConstraints,
  Certificate,
  ExtKeyUsage,
  Extension,
  GeneralName,
  PublicKeyInfo,
  RelativeDistinguishedNames,
  Time,
} from 'pkijs';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import type { CryptoProvider } from '../../../src/crypto/provider.js';
import { SignatureScheme } from '../../../src/crypto/provider.js';
import { parseIpAddress } from '../../../src/x509/ip.js';
import { pemEncode } from '../../../src/x509/pem.js';

export type TestKeyKind = 'p256' | 'p384' | 'rsa2048' | 'ed25519';

export interface TestKey {
  kind: TestKeyKind;
  pkcs8: Uint8Array;
  spki: Uint8Array;
}

const keyCache = new Map<string, TestKey>();

/** A key of `kind`; the same `slot` returns the same key (RSA generation is slow). */
export function testKey(kind: TestKeyKind, slot = 0): TestKey {
  const id = `${kind}/${slot}`;
  let k = keyCache.get(id);
  if (k === undefined) {
    const pair =
      kind === 'p256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : kind === 'p384'
          ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
          : kind === 'rsa2048'
            ? generateKeyPairSync('rsa', { modulusLength: 2048 })
            : generateKeyPairSync('ed25519');
    k = {
      kind,
      pkcs8: new Uint8Array(pair.privateKey.export({ type: 'pkcs8', format: 'der' })),
      spki: new Uint8Array(createPublicKey(pair.privateKey).export({ type: 'spki', format: 'der' })),
    };
    keyCache.set(id, k);
  }
  return k;
}

export type SigAlg = 'ecdsa-sha256' | 'ecdsa-sha384' | 'ecdsa-sha1' | 'rsa-sha256' | 'rsa-sha1' | 'rsa-pss-sha256' | 'ed25519';

export interface TestCert {
  der: Uint8Array;
  pem: string;
  key: TestKey;
  subject: RelativeDistinguishedNames;
  /** Names of the subject, for building children. */
  name: Record<string, string>;
}

export interface CertSpec {
  /** Subject attributes, e.g. `{ CN: 'leaf', O: 'Test' }` (order kept). */
  subject: Record<string, string>;
  /** The issuer (its subject name and key); omitted → self-signed with `key`. */
  issuer?: Pick<TestCert, 'subject' | 'key'>;
  key?: TestKey;
  notBefore?: Date;
  notAfter?: Date;
  /** basicConstraints: `undefined` → no extension. */
  ca?: boolean;
  pathLen?: number;
  /** keyUsage flag names; `undefined` → no extension. */
  keyUsage?: string[];
  /** EKU OIDs; `undefined` → no extension. */
  eku?: string[];
  /** SAN entries: IP literals become iPAddress, others dNSName. `undefined` → no SAN. */
  san?: string[];
  /** Raw extra extensions. */
  extra?: { oid: string; critical: boolean; value: Uint8Array }[];
  /** nameConstraints: permitted/excluded DNS names or `ip/prefix` CIDRs. */
  nameConstraints?: { permitted?: string[]; excluded?: string[] };
  sigAlg?: SigAlg;
  /** Flip a bit of the signature. */
  corruptSignature?: boolean;
  serial?: number;
  version?: 1 | 3;
}

const ATTR_OID: Record<string, string> = {
  CN: '2.5.4.3',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
};

/** A pkijs Name from `{ CN: ..., O: ... }`: one single-valued RDN per attribute, in order. */
export function dn(n: Record<string, string>): RelativeDistinguishedNames {
  const rdns = Object.entries(n).map(
    ([k, v]) =>
      new asn1js.Set({
        value: [
          new AttributeTypeAndValue({
            type: ATTR_OID[k] ?? k,
            value: k === 'C' ? new asn1js.PrintableString({ value: v }) : new asn1js.Utf8String({ value: v }),
          }).toSchema(),
        ],
      }),
  );
  return RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: rdns }).toBER(false));
}

function ab(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function ext(oid: string, critical: boolean, value: asn1js.AsnType | Uint8Array): Extension {
  const der = value instanceof Uint8Array ? value : new Uint8Array(value.toBER(false));
  return new Extension({ extnID: oid, critical, extnValue: ab(der) });
}

function generalName(s: string): GeneralName {
  const ip = parseIpAddress(s);
  if (ip !== undefined) return new GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: ip }) });
  return new GeneralName({ type: 2, value: s });
}

function subtree(s: string): asn1js.Sequence {
  if (s.includes('/')) {
    const [addr, prefix] = s.split('/') as [string, string];
    const ip = parseIpAddress(addr)!;
    const mask = new Uint8Array(ip.length);
    for (let i = 0; i < Number(prefix); i++) mask[i >> 3]! |= 0x80 >> (i & 7);
    const both = new Uint8Array(ip.length * 2);
    both.set(ip);
    both.set(mask, ip.length);
    return new asn1js.Sequence({ value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 7 }, valueHex: both })] });
  }
  return new asn1js.Sequence({
    value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: new TextEncoder().encode(s) })],
  });
}

const KU_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

function keyUsageValue(flags: string[]): asn1js.BitString {
  let bits = 0;
  let highest = 0;
  for (const f of flags) {
    const i = KU_BITS.indexOf(f);
    if (i < 0) throw new Error(`unknown key usage ${f}`);
    bits |= 1 << (15 - i);
    highest = Math.max(highest, i);
  }
  const bytes = highest >= 8 ? [bits >> 8, bits & 0xff] : [bits >> 8];
  const unused = bytes.length * 8 - 1 - highest;
  return new asn1js.BitString({ unusedBits: unused, valueHex: Uint8Array.from(bytes) });
}

const SIG: Record<SigAlg, { oid: string; params?: asn1js.AsnType; scheme: number }> = {
  'ecdsa-sha256': { oid: '1.2.840.10045.4.3.2', scheme: SignatureScheme.ecdsa_secp256r1_sha256 },
  'ecdsa-sha384': { oid: '1.2.840.10045.4.3.3', scheme: SignatureScheme.ecdsa_secp384r1_sha384 },
  'ecdsa-sha1': { oid: '1.2.840.10045.4.1', scheme: SignatureScheme.ecdsa_sha1 },
  'rsa-sha256': { oid: '1.2.840.113549.1.1.11', params: new asn1js.Null(), scheme: SignatureScheme.rsa_pkcs1_sha256 },
  'rsa-sha1': { oid: '1.2.840.113549.1.1.5', params: new asn1js.Null(), scheme: SignatureScheme.rsa_pkcs1_sha1 },
  'rsa-pss-sha256': {
    oid: '1.2.840.113549.1.1.10',
    params: new asn1js.Sequence({
      value: [
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' }), new asn1js.Null()] })],
        }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 1 },
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.8' }),
                new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' }), new asn1js.Null()] }),
              ],
            }),
          ],
        }),
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 2 }, value: [new asn1js.Integer({ value: 32 })] }),
      ],
    }),
    scheme: SignatureScheme.rsa_pss_rsae_sha256,
  },
  ed25519: { oid: '1.3.101.112', scheme: SignatureScheme.ed25519 },
};

function defaultSigAlg(k: TestKey): SigAlg {
  return k.kind === 'rsa2048' ? 'rsa-sha256' : k.kind === 'ed25519' ? 'ed25519' : k.kind === 'p384' ? 'ecdsa-sha384' : 'ecdsa-sha256';
}

function derTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  let o = 1 + len.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const YEAR = 365 * 86_400_000;
let serialCounter = 1000;

/** Build and sign a certificate. */
export function makeCert(provider: CryptoProvider, spec: CertSpec): TestCert {
  const key = spec.key ?? testKey('p256', 0);
  const signer = spec.issuer?.key ?? key;
  const sig = SIG[spec.sigAlg ?? defaultSigAlg(signer)];
  const algId = new AlgorithmIdentifier({ algorithmId: sig.oid, ...(sig.params !== undefined && { algorithmParams: sig.params }) });
  const cert = new Certificate();
  cert.version = spec.version === 1 ? 0 : 2;
  cert.serialNumber = new asn1js.Integer({ value: spec.serial ?? serialCounter++ });
  cert.signature = algId;
  const subject = dn(spec.subject);
  cert.subject = subject;
  cert.issuer = spec.issuer?.subject ?? dn(spec.subject);
  const now = Date.now();
  const nb = spec.notBefore ?? new Date(now - YEAR);
  const na = spec.notAfter ?? new Date(now + YEAR);
  cert.notBefore = new Time({ type: nb.getUTCFullYear() < 2050 ? 0 : 1, value: nb });
  cert.notAfter = new Time({ type: na.getUTCFullYear() < 2050 ? 0 : 1, value: na });
  cert.subjectPublicKeyInfo = PublicKeyInfo.fromBER(ab(key.spki));
  const exts: Extension[] = [];
  if (spec.ca !== undefined) {
    exts.push(
      ext('2.5.29.19', true, new BasicConstraints({ cA: spec.ca, ...(spec.pathLen !== undefined && { pathLenConstraint: spec.pathLen }) }).toSchema()),
    );
  }
  if (spec.keyUsage !== undefined) exts.push(ext('2.5.29.15', true, keyUsageValue(spec.keyUsage)));
  if (spec.eku !== undefined) exts.push(ext('2.5.29.37', false, new ExtKeyUsage({ keyPurposes: spec.eku }).toSchema()));
  if (spec.san !== undefined) exts.push(ext('2.5.29.17', false, new AltName({ altNames: spec.san.map(generalName) }).toSchema()));
  if (spec.nameConstraints !== undefined) {
    const parts: asn1js.AsnType[] = [];
    if (spec.nameConstraints.permitted) {
      parts.push(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: spec.nameConstraints.permitted.map(subtree) }));
    }
    if (spec.nameConstraints.excluded) {
      parts.push(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: spec.nameConstraints.excluded.map(subtree) }));
    }
    exts.push(ext('2.5.29.30', true, new asn1js.Sequence({ value: parts })));
  }
  for (const e of spec.extra ?? []) exts.push(ext(e.oid, e.critical, e.value));
  if (exts.length > 0 && spec.version !== 1) cert.extensions = exts;
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  const signature = provider.importSigningKey(signer.pkcs8).sign(sig.scheme, tbs);
  if (spec.corruptSignature) signature[signature.length - 1]! ^= 0x01;
  const der = derTlv(0x30, tbs, new Uint8Array(algId.toSchema().toBER(false)), derTlv(0x03, Uint8Array.of(0), signature));
  return { der, pem: pemEncode('CERTIFICATE', der), key, subject, name: spec.subject };
}

/** A root CA (self-signed, CA:TRUE, keyCertSign+cRLSign). */
export function makeRoot(provider: CryptoProvider, cn = 'Test Root', key = testKey('p256', 1), extra: Partial<CertSpec> = {}): TestCert {
  return makeCert(provider, { subject: { O: 'x509 tests', CN: cn }, key, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], ...extra });
}

/** An intermediate CA signed by `issuer`. */
export function makeIntermediate(
  provider: CryptoProvider,
  issuer: TestCert,
  cn = 'Test Intermediate',
  extra: Partial<CertSpec> = {},
): TestCert {
  return makeCert(provider, {
    subject: { O: 'x509 tests', CN: cn },
    issuer,
    key: testKey('p256', 2),
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    ...extra,
  });
}

/** A TLS leaf signed by `issuer` (serverAuth+clientAuth, DNS:localhost, IPs 127.0.0.1 and ::1 by default). */
export function makeLeaf(provider: CryptoProvider, issuer: TestCert, extra: Partial<CertSpec> = {}): TestCert {
  return makeCert(provider, {
    subject: { O: 'x509 tests', CN: 'localhost' },
    issuer,
    key: testKey('p256', 3),
    ca: false,
    keyUsage: ['digitalSignature'],
    eku: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
    san: ['localhost', '127.0.0.1', '::1'],
    ...extra,
  });
}
