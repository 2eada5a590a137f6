/**
 * Test-only certificate and CRL factory: DER built field by field (see
 * der.ts) so that any RFC 5280 rule can be broken on purpose, signed with
 * node:crypto (the providers under test only verify). Role helpers
 * (makeRoot, makeIntermediate, makeLeaf) give conforming defaults like a
 * well-run CA's; every field can be overridden, `null` removing it.
 */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, constants } from 'node:crypto';
import { parseIpAddress } from '../../../src/x509/ip.js';
import { pemEncode } from '../../../src/x509/pem.js';
import {
  bits, bool, concat, ctx, ctxPrim, enumerated, generalizedTime, ia5, int, nul, octets, oid, printable, readChildren, readTlv, seq, set, time, tlv, utf8,
} from './der.js';
import { WEAK_KEYS } from './weak-keys.js';

export type TestKeyKind = 'p256' | 'p384' | 'p521' | 'rsa2048' | 'rsa1024' | 'ed25519' | 'p192' | 'dsa';

export interface TestKey {
  readonly kind: TestKeyKind;
  readonly pkcs8: Uint8Array;
  readonly spki: Uint8Array;
  readonly privateKey: KeyObject;
  /** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1). */
  readonly keyId: Uint8Array;
}

const keyCache = new Map<string, TestKey>();

/** A TestKey from its DER; the KeyObject is made on first use. */
function keyOf(kind: TestKeyKind, pkcs8: Uint8Array, spki: Uint8Array, makePrivateKey: () => KeyObject): TestKey {
  const bitString = readChildren(readTlv(spki).contents)[1]!.contents.subarray(1);
  let privateKey: KeyObject | undefined;
  return {
    kind,
    pkcs8,
    spki,
    get privateKey() {
      privateKey ??= makePrivateKey();
      return privateKey;
    },
    keyId: new Uint8Array(createHash('sha1').update(bitString).digest()),
  };
}

const der = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

/**
 * A key of `kind`; the same `slot` returns the same key (RSA generation is slow).
 * P-192 and DSA keys, which only ever appear as refused subject keys, are fixed
 * ones (weak-keys.ts) whatever the slot: Bun's node:crypto cannot make them (nor
 * their KeyObject, which is made only when something signs with one).
 */
export function testKey(kind: TestKeyKind, slot = 0): TestKey {
  const id = `${kind}/${slot}`;
  let k = keyCache.get(id);
  if (k === undefined) {
    if (kind === 'p192' || kind === 'dsa') {
      const { pkcs8, spki } = WEAK_KEYS[kind];
      k = keyOf(kind, der(pkcs8), der(spki), () => createPrivateKey({ key: Buffer.from(der(pkcs8)), format: 'der', type: 'pkcs8' }));
    } else {
      const { privateKey } =
        kind === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : kind === 'p384' ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
            : kind === 'p521' ? generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
              : kind === 'rsa2048' ? generateKeyPairSync('rsa', { modulusLength: 2048 })
                : kind === 'rsa1024' ? generateKeyPairSync('rsa', { modulusLength: 1024 })
                  : generateKeyPairSync('ed25519');
      const spki = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
      k = keyOf(kind, new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })), spki, () => privateKey);
    }
    keyCache.set(id, k);
  }
  return k;
}

/** A key from PKCS#8 DER. */
export function keyFromPkcs8(kind: TestKeyKind, pkcs8: Uint8Array): TestKey {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return keyOf(kind, pkcs8, new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })), () => privateKey);
}

export type SigAlg =
  | 'ecdsa-sha256' | 'ecdsa-sha384' | 'ecdsa-sha512' | 'ecdsa-sha1' | 'rsa-sha256' | 'rsa-sha384' | 'rsa-sha1' | 'rsa-md5' | 'rsa-pss-sha256'
  | 'ed25519' | 'dsa-sha256';

const PSS_SHA256 = seq(
  ctx(0, seq(oid('2.16.840.1.101.3.4.2.1'), nul())),
  ctx(1, seq(oid('1.2.840.113549.1.1.8'), seq(oid('2.16.840.1.101.3.4.2.1'), nul()))),
  ctx(2, int(32)),
);

const SIG: Record<SigAlg, { alg: Uint8Array; hash: string | null; pss?: boolean }> = {
  'ecdsa-sha256': { alg: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' },
  'ecdsa-sha384': { alg: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' },
  'ecdsa-sha512': { alg: seq(oid('1.2.840.10045.4.3.4')), hash: 'sha512' },
  'ecdsa-sha1': { alg: seq(oid('1.2.840.10045.4.1')), hash: 'sha1' },
  'rsa-sha256': { alg: seq(oid('1.2.840.113549.1.1.11'), nul()), hash: 'sha256' },
  'rsa-sha384': { alg: seq(oid('1.2.840.113549.1.1.12'), nul()), hash: 'sha384' },
  'rsa-sha1': { alg: seq(oid('1.2.840.113549.1.1.5'), nul()), hash: 'sha1' },
  'rsa-md5': { alg: seq(oid('1.2.840.113549.1.1.4'), nul()), hash: 'md5' },
  'rsa-pss-sha256': { alg: seq(oid('1.2.840.113549.1.1.10'), PSS_SHA256), hash: 'sha256', pss: true },
  ed25519: { alg: seq(oid('1.3.101.112')), hash: null },
  'dsa-sha256': { alg: seq(oid('2.16.840.1.101.3.4.3.2')), hash: 'sha256' },
};

export function defaultSigAlg(k: TestKey): SigAlg {
  switch (k.kind) {
    case 'rsa2048':
    case 'rsa1024':
      return 'rsa-sha256';
    case 'ed25519':
      return 'ed25519';
    case 'p384':
      return 'ecdsa-sha384';
    case 'p521':
      return 'ecdsa-sha512';
    case 'dsa':
      return 'dsa-sha256';
    default:
      return 'ecdsa-sha256';
  }
}

/** Sign `tbs` with `key` as `sigAlg` says. */
export function signWith(key: TestKey, sigAlg: SigAlg, tbs: Uint8Array): Uint8Array {
  const s = SIG[sigAlg];
  const opts = s.pss
    ? { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
    : { key: key.privateKey, dsaEncoding: 'der' as const };
  return new Uint8Array(nodeSign(s.hash, tbs, opts));
}

const ATTR_OID: Record<string, string> = {
  CN: '2.5.4.3', O: '2.5.4.10', OU: '2.5.4.11', C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', emailAddress: '1.2.840.113549.1.9.1', DC: '0.9.2342.19200300.100.1.25',
};

/** `{ CN: 'x', O: 'y' }` (one RDN each, in order), a list of pairs, or a raw Name DER. */
export type NameSpec = Record<string, string> | readonly (readonly [string, string])[] | Uint8Array;

export function nameDer(n: NameSpec): Uint8Array {
  if (n instanceof Uint8Array) return n;
  const pairs = Array.isArray(n) ? (n as readonly (readonly [string, string])[]) : Object.entries(n);
  return seq(
    ...pairs.map(([k, v]) => {
      const type = ATTR_OID[k] ?? k;
      const value = k === 'C' ? printable(v) : k === 'emailAddress' || k === 'DC' ? ia5(v) : utf8(v);
      return set(seq(oid(type), value));
    }),
  );
}

/** A GeneralName: a string is an IP (iPAddress) or a DNS name (dNSName); `ip` may be `a.b.c.d/len` in constraints. */
export type NameEntry =
  | string
  | { dns: string } | { ip: string | Uint8Array } | { email: string } | { uri: string } | { dirName: NameSpec }
  | { otherName: { oid: string; value: Uint8Array } } | { registeredId: string } | { raw: Uint8Array };

function ipBytes(s: string): Uint8Array {
  if (!s.includes('/')) return parseIpAddress(s)!;
  const [addr, prefix] = s.split('/') as [string, string];
  const ip = parseIpAddress(addr)!;
  const mask = new Uint8Array(ip.length);
  for (let i = 0; i < Number(prefix); i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  return concat(ip, mask);
}

export function generalName(e: NameEntry): Uint8Array {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  if (typeof e === 'string') return parseIpAddress(e.split('/')[0]!) !== undefined ? ctxPrim(7, ipBytes(e)) : ctxPrim(2, enc(e));
  if ('dns' in e) return ctxPrim(2, enc(e.dns));
  if ('ip' in e) return ctxPrim(7, typeof e.ip === 'string' ? ipBytes(e.ip) : e.ip);
  if ('email' in e) return ctxPrim(1, enc(e.email));
  if ('uri' in e) return ctxPrim(6, enc(e.uri));
  if ('dirName' in e) return ctx(4, nameDer(e.dirName));
  if ('otherName' in e) return ctx(0, oid(e.otherName.oid), ctx(0, e.otherName.value));
  if ('registeredId' in e) return ctxPrim(8, oid(e.registeredId).subarray(2));
  return e.raw;
}

const KU_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

function keyUsageBits(flags: readonly string[]): Uint8Array {
  let v = 0;
  let highest = -1;
  for (const f of flags) {
    const i = KU_BITS.indexOf(f);
    if (i < 0) throw new Error(`unknown key usage ${f}`);
    v |= 1 << (15 - i);
    highest = Math.max(highest, i);
  }
  if (highest < 0) return bits(Uint8Array.of(0), 0);
  const bytes = highest >= 8 ? Uint8Array.of(v >> 8, v & 0xff) : Uint8Array.of(v >> 8);
  return bits(bytes, bytes.length * 8 - 1 - highest);
}

export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2', codeSigning: '1.3.6.1.5.5.7.3.3', emailProtection: '1.3.6.1.5.5.7.3.4', any: '2.5.29.37.0' };

/** An extension given as its value; `critical` defaults per field. */
export interface Ext<T> {
  readonly value: T;
  readonly critical?: boolean;
}

export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** Who signs: a made certificate, or a name and key. */
export interface IssuerSpec {
  readonly subject: Uint8Array;
  readonly key: TestKey;
  readonly serial?: Uint8Array;
  readonly issuerName?: Uint8Array;
}

export interface CertSpec {
  subject: NameSpec;
  /** The issuer; omitted → self-signed with `key`. */
  issuer?: IssuerSpec;
  /** Override the issuer name written in the certificate. */
  issuerName?: NameSpec;
  key?: TestKey;
  serial?: number | bigint | Uint8Array;
  /** 1 → no extensions at all. */
  version?: 1 | 2 | 3;
  notBefore?: Date;
  notAfter?: Date;
  /** Raw Time TLVs (to break the encoding rules). */
  notBeforeRaw?: Uint8Array;
  notAfterRaw?: Uint8Array;
  basicConstraints?: { ca: boolean; pathLen?: number; critical?: boolean; explicitFalse?: boolean } | null;
  keyUsage?: Ext<readonly string[]> | null;
  eku?: Ext<readonly string[]> | null;
  san?: Ext<readonly NameEntry[]> | null;
  nameConstraints?: Ext<{ permitted?: readonly NameEntry[]; excluded?: readonly NameEntry[] }> | null;
  /** subjectKeyIdentifier: 'auto' = the key's id. */
  ski?: Ext<Uint8Array | 'auto'> | null;
  /** authorityKeyIdentifier: 'auto' = the issuer key's id; fields for authorityCertIssuer/serial. */
  aki?: Ext<'auto' | { keyId?: Uint8Array; issuer?: NameSpec; serial?: number }> | null;
  /** cRLDistributionPoints: one point per entry, each a list of names. */
  crlDistributionPoints?: readonly (readonly NameEntry[])[] | null;
  policies?: Ext<readonly string[]> | null;
  /** Raw extensions appended (duplicates allowed). */
  extra?: readonly RawExtension[];
  sigAlg?: SigAlg;
  /** Write another algorithm inside the TBS than outside (RFC 5280 §4.1.1.2). */
  innerSigAlg?: SigAlg;
  corruptSignature?: boolean;
}

export interface TestCert {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly key: TestKey;
  /** Subject Name DER. */
  readonly subject: Uint8Array;
  readonly serial: Uint8Array;
  readonly issuerName: Uint8Array;
}

let serialCounter = 0x1000;

function ext(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(extOid), ...(critical ? [bool(true)] : []), octets(value));
}

function serialContents(v: number | bigint | Uint8Array): Uint8Array {
  return v instanceof Uint8Array ? v : readTlv(int(v)).contents;
}

/** Build and sign a certificate. */
export function makeCert(spec: CertSpec): TestCert {
  const key = spec.key ?? testKey('p256', 0);
  const signer = spec.issuer?.key ?? key;
  const sigAlg = spec.sigAlg ?? defaultSigAlg(signer);
  const subject = nameDer(spec.subject);
  const issuerName = spec.issuerName !== undefined ? nameDer(spec.issuerName) : spec.issuer?.subject ?? subject;
  const serial = serialContents(spec.serial ?? serialCounter++);
  const exts: Uint8Array[] = [];
  const bc = spec.basicConstraints;
  if (bc != null) {
    const body = seq(...(bc.ca ? [bool(true)] : bc.explicitFalse ? [bool(false)] : []), ...(bc.pathLen !== undefined ? [int(bc.pathLen)] : []));
    exts.push(ext('2.5.29.19', bc.critical ?? true, body));
  }
  if (spec.keyUsage != null) exts.push(ext('2.5.29.15', spec.keyUsage.critical ?? true, keyUsageBits(spec.keyUsage.value)));
  if (spec.eku != null) exts.push(ext('2.5.29.37', spec.eku.critical ?? false, seq(...spec.eku.value.map(oid))));
  if (spec.san != null) exts.push(ext('2.5.29.17', spec.san.critical ?? false, seq(...spec.san.value.map(generalName))));
  if (spec.nameConstraints != null) {
    const nc = spec.nameConstraints.value;
    const sub = (list: readonly NameEntry[]): Uint8Array[] => list.map((e) => seq(generalName(e)));
    exts.push(ext('2.5.29.30', spec.nameConstraints.critical ?? true, seq(
      ...(nc.permitted ? [ctx(0, ...sub(nc.permitted))] : []),
      ...(nc.excluded ? [ctx(1, ...sub(nc.excluded))] : []),
    )));
  }
  if (spec.ski != null) exts.push(ext('2.5.29.14', spec.ski.critical ?? false, octets(spec.ski.value === 'auto' ? key.keyId : spec.ski.value)));
  if (spec.aki != null) {
    const a = spec.aki.value;
    const body = a === 'auto'
      ? seq(ctxPrim(0, signer.keyId))
      : seq(
        ...(a.keyId !== undefined ? [ctxPrim(0, a.keyId)] : []),
        ...(a.issuer !== undefined ? [ctx(1, ctx(4, nameDer(a.issuer)))] : []),
        ...(a.serial !== undefined ? [ctxPrim(2, readTlv(int(a.serial)).contents)] : []),
      );
    exts.push(ext('2.5.29.35', spec.aki.critical ?? false, body));
  }
  if (spec.crlDistributionPoints != null) {
    exts.push(ext('2.5.29.31', false, seq(...spec.crlDistributionPoints.map((names) => seq(ctx(0, ctx(0, ...names.map(generalName))))))));
  }
  if (spec.policies != null) {
    exts.push(ext('2.5.29.32', spec.policies.critical ?? false, seq(...spec.policies.value.map((p) => seq(oid(p))))));
  }
  for (const e of spec.extra ?? []) exts.push(ext(e.oid, e.critical, e.value));
  const version = spec.version ?? 3;
  const tbs = seq(
    ...(version === 1 ? [] : [ctx(0, int(version - 1))]),
    int(serial),
    SIG[spec.innerSigAlg ?? sigAlg].alg,
    issuerName,
    seq(spec.notBeforeRaw ?? time(spec.notBefore ?? new Date('2020-01-01T00:00:00Z')), spec.notAfterRaw ?? time(spec.notAfter ?? new Date('2045-01-01T00:00:00Z'))),
    subject,
    key.spki,
    ...(version === 3 && exts.length > 0 ? [ctx(3, seq(...exts))] : []),
  );
  const signature = signWith(signer, sigAlg, tbs);
  if (spec.corruptSignature) signature[signature.length - 1]! ^= 0x01;
  const der = seq(tbs, SIG[sigAlg].alg, bits(signature));
  return { der, pem: pemEncode('CERTIFICATE', der), key, subject, serial, issuerName };
}

/** `cert` as the issuer of another. */
export function issuerOf(cert: TestCert): IssuerSpec {
  return { subject: cert.subject, key: cert.key, serial: cert.serial, issuerName: cert.issuerName };
}

/** A root CA: self-signed, basicConstraints critical CA:TRUE, keyUsage keyCertSign+cRLSign, SKI. */
export function makeRoot(cn = 'Test Root', key = testKey('p256', 1), extra: Partial<CertSpec> = {}): TestCert {
  return makeCert({
    subject: { O: 'x509 tests', CN: cn }, key, basicConstraints: { ca: true }, keyUsage: { value: ['keyCertSign', 'cRLSign'] }, ski: { value: 'auto' }, ...extra,
  });
}

/** An intermediate CA signed by `issuer`: as a root, plus AKI. */
export function makeIntermediate(issuer: TestCert, cn = 'Test Intermediate', extra: Partial<CertSpec> = {}): TestCert {
  return makeCert({
    subject: { O: 'x509 tests', CN: cn }, issuer: issuerOf(issuer), key: testKey('p256', 2), basicConstraints: { ca: true },
    keyUsage: { value: ['keyCertSign', 'cRLSign'] }, ski: { value: 'auto' }, aki: { value: 'auto' }, ...extra,
  });
}

/** A TLS leaf signed by `issuer`: CA:FALSE, digitalSignature, serverAuth+clientAuth, DNS:localhost, IPs 127.0.0.1 and ::1, SKI, AKI. */
export function makeLeaf(issuer: TestCert, extra: Partial<CertSpec> = {}): TestCert {
  return makeCert({
    subject: { O: 'x509 tests', CN: 'localhost' }, issuer: issuerOf(issuer), key: testKey('p256', 3), basicConstraints: { ca: false },
    keyUsage: { value: ['digitalSignature'] }, eku: { value: [EKU.serverAuth, EKU.clientAuth] }, san: { value: ['localhost', '127.0.0.1', '::1'] },
    ski: { value: 'auto' }, aki: { value: 'auto' }, ...extra,
  });
}

// ---------------------------------------------------------------------------
// CRLs

export interface CrlEntrySpec {
  serial: Uint8Array | number;
  date?: Date;
  reason?: number;
  extra?: readonly RawExtension[];
}

export interface CrlSpec {
  /** The CA whose CRL this is (its name; its key signs unless `signer` says otherwise). */
  issuer: TestCert;
  signer?: TestKey;
  thisUpdate?: Date;
  /** `null`: no nextUpdate. */
  nextUpdate?: Date | null;
  thisUpdateRaw?: Uint8Array;
  entries?: readonly CrlEntrySpec[];
  /** `null`: no cRLNumber. */
  crlNumber?: Ext<number> | null;
  /** 'auto' (default): the issuer key's id; `null`: none. */
  aki?: Uint8Array | 'auto' | null;
  idp?: Ext<{ uris?: readonly string[]; onlyUser?: boolean; onlyCa?: boolean; indirect?: boolean; onlyAttribute?: boolean; reasons?: Uint8Array }>;
  extra?: readonly RawExtension[];
  sigAlg?: SigAlg;
  corruptSignature?: boolean;
  /** Write no version (v1) — then no extensions may follow. */
  v1?: boolean;
}

export interface TestCrl {
  readonly der: Uint8Array;
  readonly pem: string;
}

export function makeCrl(spec: CrlSpec): TestCrl {
  const signer = spec.signer ?? spec.issuer.key;
  const sigAlg = spec.sigAlg ?? defaultSigAlg(signer);
  const exts: Uint8Array[] = [];
  if (spec.crlNumber !== null) {
    const n = spec.crlNumber ?? { value: 1 };
    exts.push(ext('2.5.29.20', n.critical ?? false, int(n.value)));
  }
  const aki = spec.aki === undefined ? 'auto' : spec.aki;
  if (aki !== null) exts.push(ext('2.5.29.35', false, seq(ctxPrim(0, aki === 'auto' ? signer.keyId : aki))));
  if (spec.idp !== undefined) {
    const v = spec.idp.value;
    const flag = (n: number, on: boolean | undefined): Uint8Array[] => (on ? [ctxPrim(n, Uint8Array.of(0xff))] : []);
    exts.push(ext('2.5.29.28', spec.idp.critical ?? true, seq(
      ...(v.uris ? [ctx(0, ctx(0, ...v.uris.map((u) => generalName({ uri: u }))))] : []),
      ...flag(1, v.onlyUser), ...flag(2, v.onlyCa),
      ...(v.reasons ? [ctxPrim(3, v.reasons)] : []),
      ...flag(4, v.indirect), ...flag(5, v.onlyAttribute),
    )));
  }
  for (const e of spec.extra ?? []) exts.push(ext(e.oid, e.critical, e.value));
  const entries = (spec.entries ?? []).map((e) => {
    const entryExts: Uint8Array[] = [];
    if (e.reason !== undefined) entryExts.push(ext('2.5.29.21', false, enumerated(e.reason)));
    for (const x of e.extra ?? []) entryExts.push(ext(x.oid, x.critical, x.value));
    return seq(int(serialContents(e.serial)), time(e.date ?? new Date('2024-01-01T00:00:00Z')), ...(entryExts.length > 0 ? [seq(...entryExts)] : []));
  });
  const thisUpdate = spec.thisUpdate ?? new Date('2024-01-01T00:00:00Z');
  const nextUpdate = spec.nextUpdate === undefined ? new Date('2044-01-01T00:00:00Z') : spec.nextUpdate;
  const tbs = seq(
    ...(spec.v1 ? [] : [int(1)]),
    SIG[sigAlg].alg,
    spec.issuer.subject,
    spec.thisUpdateRaw ?? time(thisUpdate),
    ...(nextUpdate === null ? [] : [time(nextUpdate)]),
    ...(entries.length > 0 ? [seq(...entries)] : []),
    ...(exts.length > 0 && !spec.v1 ? [ctx(0, seq(...exts))] : []),
  );
  const signature = signWith(signer, sigAlg, tbs);
  if (spec.corruptSignature) signature[signature.length - 1]! ^= 0x01;
  const der = seq(tbs, SIG[sigAlg].alg, bits(signature));
  return { der, pem: pemEncode('X509 CRL', der) };
}

export { generalizedTime, time };
