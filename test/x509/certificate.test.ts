import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { X509Certificate, createPublicKey, verify as nodeVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import { AltName, GeneralName, RelativeDistinguishedNames, AttributeTypeAndValue } from 'pkijs';
import fc from 'fast-check';
import { defaultProvider, nobleProvider } from '../../src/crypto/index.js';
import { CertificateError, DtlsError } from '../../src/errors.js';
import { formatCertificateTime, nameKey, parseCertificate, toPeerCertificate } from '../../src/x509/certificate.js';
import { dn, makeCert, makeLeaf, makeRoot, testKey } from './helpers/pki.js';

const PKI = 'test/fixtures/pki/';
const FIXTURES = readdirSync(PKI)
  .filter((f) => f.endsWith('.crt.der'))
  .map((f) => f.slice(0, -'.crt.der'.length));
const der = (name: string): Buffer => readFileSync(PKI + `${name}.crt.der`);

/** Buffers → `{ type: 'Buffer', data }` so Node's object and ours compare structurally. */
const plain = (o: unknown): unknown => JSON.parse(JSON.stringify(o));

function expectBadCertificate(input: Uint8Array): CertificateError {
  try {
    parseCertificate(input);
  } catch (e) {
    expect(e).toBeInstanceOf(CertificateError);
    expect((e as CertificateError).code).toBe('ERR_DTLS_BAD_CERTIFICATE');
    expect((e as CertificateError).alert).toBe('bad_certificate');
    return e as CertificateError;
  }
  throw new Error('expected a CertificateError');
}

describe('parseCertificate against Node (fixture PKI)', () => {
  it.each(FIXTURES)('%s: toPeerCertificate equals X509Certificate.toLegacyObject()', (name) => {
    const x = new X509Certificate(der(name));
    const parsed = parseCertificate(der(name));
    expect(plain(toPeerCertificate(parsed))).toEqual(plain(x.toLegacyObject()));
    // The keys Node gives values to, in Node 20's order (Node 24 also lists the
    // empty ones, undefined, in a fixed order of its own).
    const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined).map(([k]) => k);
    const ours = defined(toPeerCertificate(parsed));
    const node = defined(x.toLegacyObject());
    if (Number(process.versions.node.split('.')[0]) <= 20) expect(ours).toEqual(node);
    else expect([...ours].sort()).toEqual([...node].sort());
  });

  it.each(FIXTURES)('%s: fields equal X509Certificate', (name) => {
    const x = new X509Certificate(der(name));
    const c = parseCertificate(der(name));
    expect(c.der).toEqual(new Uint8Array(der(name)));
    expect(c.subjectString).toBe(x.subject);
    expect(c.issuerString).toBe(x.issuer);
    expect(c.serialNumber).toBe(x.serialNumber);
    expect(c.fingerprint).toBe(x.fingerprint);
    expect(c.fingerprint256).toBe(x.fingerprint256);
    expect(c.fingerprint512).toBe(x.fingerprint512);
    expect(c.validFrom).toEqual(new Date(x.validFrom));
    expect(c.validTo).toEqual(new Date(x.validTo));
    expect(formatCertificateTime(c.validFrom)).toBe(x.validFrom);
    expect(c.subjectAltName).toBe(x.subjectAltName);
    expect(c.extKeyUsage).toEqual(x.keyUsage);
    expect(c.isCA).toBe(x.ca);
    expect(c.spki).toEqual(new Uint8Array(x.publicKey.export({ type: 'spki', format: 'der' })));
    expect(c.selfIssued).toBe(x.subject === x.issuer);
  });

  it.each(FIXTURES)('%s: tbs and signature verify with node:crypto against the issuer', (name) => {
    const c = parseCertificate(der(name));
    const issuerName = c.selfIssued ? name : c.issuer['CN'] === 'DTLS Test Root CA RSA-2048' ? 'ca-rsa' : c.issuer['CN'] === 'DTLS Test Untrusted CA' ? 'ca-untrusted' : 'ca-ecdsa';
    const issuerKey = createPublicKey({ key: parseCertificate(der(issuerName)).spki as Buffer, format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', c.tbs, { key: issuerKey, dsaEncoding: 'der' }, c.signature)).toBe(true);
    expect(c.signatureAlgorithmsMatch).toBe(true);
  });

  it('decodes the server certificate fields', () => {
    const c = parseCertificate(der('server-ecdsa-p256'));
    expect(c.version).toBe(3);
    expect(c.subject).toEqual({ O: 'DTLS Interop Test PKI', CN: 'localhost' });
    expect(c.issuer).toEqual({ O: 'DTLS Interop Test PKI', CN: 'DTLS Test Root CA ECDSA P-256' });
    expect(c.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(c.dnsNames).toEqual(['localhost']);
    expect(c.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(c.validFrom.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(c.validTo.toISOString()).toBe('2045-01-01T00:00:00.000Z');
    expect(c.isCA).toBe(false);
    expect(c.hasBasicConstraints).toBe(true);
    expect(c.pathLen).toBeUndefined();
    expect(c.keyUsage).toEqual({
      digitalSignature: true,
      nonRepudiation: false,
      keyEncipherment: false,
      dataEncipherment: false,
      keyAgreement: false,
      keyCertSign: false,
      cRLSign: false,
      encipherOnly: false,
      decipherOnly: false,
    });
    expect(c.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(c.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    expect(c.signatureAlgorithmParams).toBeUndefined();
    expect(c.publicKey).toMatchObject({ kind: 'ecdsa', curve: 'P-256', bits: 256, algorithm: '1.2.840.10045.2.1' });
    expect(c.signature[0]).toBe(0x30);
    expect(c.subjectKeyIdentifier).toBe('1cd155ecd4715feca74ae34d870cae2a02accc4d');
    expect(c.authorityKeyIdentifier).toBe('8aed78def3bb01192db9071acb80a6d7ab31364d');
    expect(c.extensions.map((e) => [e.oid, e.critical])).toEqual([
      ['2.5.29.19', true],
      ['2.5.29.15', true],
      ['2.5.29.37', false],
      ['2.5.29.17', false],
      ['2.5.29.14', false],
      ['2.5.29.35', false],
    ]);
    expect(c.unhandledCriticalExtensions).toEqual([]);
    // The TBS is the first element of the certificate, byte for byte.
    const full = new Uint8Array(der('server-ecdsa-p256'));
    expect(full.subarray(4, 4 + c.tbs.length)).toEqual(c.tbs);
  });

  it('decodes key kinds, CA flags and RSA details', () => {
    expect(parseCertificate(der('server-ecdsa-p384')).publicKey).toMatchObject({ kind: 'ecdsa', curve: 'P-384', bits: 384 });
    expect(parseCertificate(der('server-ed25519')).publicKey).toMatchObject({ kind: 'ed25519', bits: 253 });
    const rsa = parseCertificate(der('server-rsa2048'));
    expect(rsa.publicKey).toMatchObject({ kind: 'rsa', bits: 2048, exponent: '0x10001' });
    expect(rsa.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    expect(rsa.signatureAlgorithmParams).toEqual(Uint8Array.of(0x05, 0x00));
    expect(rsa.keyUsage?.keyEncipherment).toBe(true);
    const ca = parseCertificate(der('ca-ecdsa'));
    expect(ca.isCA).toBe(true);
    expect(ca.keyUsage?.keyCertSign).toBe(true);
    expect(ca.keyUsage?.cRLSign).toBe(true);
    expect(ca.selfIssued).toBe(true);
    expect(ca.subjectAltName).toBeUndefined();
    expect(ca.dnsNames).toEqual([]);
  });

  it('accepts a Buffer that is a view into a larger allocation', () => {
    const d = der('client-ecdsa');
    const view = Buffer.concat([Buffer.alloc(13, 0xee), d, Buffer.alloc(5)]).subarray(13, 13 + d.length);
    expect(parseCertificate(view).fingerprint256).toBe(new X509Certificate(d).fingerprint256);
  });

  it('hashes with the provider when given one', () => {
    expect(parseCertificate(der('client-rsa'), nobleProvider).fingerprint256).toBe(new X509Certificate(der('client-rsa')).fingerprint256);
  });
});

describe('parseCertificate against Node (generated certificates)', () => {
  const p = defaultProvider();
  const root = makeRoot(p);

  function sanExtension(names: GeneralName[]): { oid: string; critical: boolean; value: Uint8Array } {
    return { oid: '2.5.29.17', critical: false, value: new Uint8Array(new AltName({ altNames: names }).toSchema().toBER(false)) };
  }

  it('formats IPv6, email, URI, directoryName and quoted SANs like Node', () => {
    const ip = (s: number[]): GeneralName => new GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: Uint8Array.from(s) }) });
    const names = [
      new GeneralName({ type: 2, value: 'a.example' }),
      new GeneralName({ type: 2, value: 'comma,name' }),
      new GeneralName({ type: 2, value: 'quote"name' }),
      new GeneralName({ type: 1, value: 'user@example.com' }),
      new GeneralName({ type: 6, value: 'https://example.com/a?b=c' }),
      ip([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xab, 0xcd]),
      ip([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]),
      ip([192, 0, 2, 55]),
      ip([1, 2, 3]),
      new GeneralName({ type: 4, value: dn({ C: 'DE', O: 'Org, Inc.', CN: 'Dir' }) }),
      new GeneralName({ type: 8, value: '1.2.3.4' }),
    ];
    const c = makeCert(p, { subject: { CN: 'san test' }, issuer: root, extra: [sanExtension(names)] });
    const x = new X509Certificate(c.der);
    const parsed = parseCertificate(c.der);
    // Node's own rendering (Bun's node:crypto, over BoringSSL, writes `<invalid>` for the 3-byte address).
    const nodeSan = 'DNS:a.example, DNS:"comma\\u002cname", DNS:"quote\\"name", email:user@example.com, URI:https://example.com/a?b=c, '
      + 'IP Address:FE80:0:0:0:0:0:1:ABCD, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:192.0.2.55, IP Address:<invalid length=3>, '
      + 'DirName:"CN=Dir\\u002cO=Org\\\\\\u002c Inc.\\u002cC=DE", Registered ID:1.2.3.4';
    expect(parsed.subjectAltName).toBe(nodeSan);
    expect(parsed.dnsNames).toEqual(['a.example', 'comma,name', 'quote"name']);
    expect(parsed.ipAddresses).toEqual(['fe80::1:abcd', '2001:db8::1', '192.0.2.55']);
    expect(parsed.emailAddresses).toEqual(['user@example.com']);
    expect(parsed.uris).toEqual(['https://example.com/a?b=c']);
    expect(plain(toPeerCertificate(parsed))).toEqual({ ...(plain(x.toLegacyObject()) as object), subjectaltname: nodeSan });
  });

  it('formats subjects with repeated, multi-valued and special-character attributes like Node', () => {
    const attr = (type: string, value: asn1js.Utf8String | asn1js.PrintableString | asn1js.IA5String | asn1js.BmpString) =>
      new AttributeTypeAndValue({ type, value });
    const u = (s: string) => new asn1js.Utf8String({ value: s });
    const subject = new RelativeDistinguishedNames({
      typesAndValues: [
        attr('2.5.4.6', new asn1js.PrintableString({ value: 'CH' })),
        attr('2.5.4.7', u('Zürich')),
        attr('2.5.4.10', u('a,b+c "d" <e>;f\\g')),
        attr('2.5.4.11', u('#hash')),
        attr('2.5.4.11', u(' spaced ')),
        attr('2.5.4.11', u('ctl\u0001x')),
        attr('1.2.840.113549.1.9.1', new asn1js.IA5String({ value: 'a@b.example' })),
        attr('0.9.2342.19200300.100.1.25', new asn1js.IA5String({ value: 'example' })),
        attr('2.5.4.3', new asn1js.BmpString({ value: 'bmp ☃' })),
        attr('1.2.3.4.5', u('unknown type')),
      ],
    });
    // One RDN per attribute, except OU values 2 and 3 which share a multi-valued RDN.
    const sets = subject.typesAndValues.map((a) => new asn1js.Set({ value: [a.toSchema()] }));
    const merged = new asn1js.Set({ value: [subject.typesAndValues[4]!.toSchema(), subject.typesAndValues[5]!.toSchema()] });
    const name = RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: [...sets.slice(0, 4), merged, ...sets.slice(6)] }).toBER(false));
    const c = makeCert(p, { subject: { CN: 'x' }, issuer: { subject: name, key: testKey('p256', 1) } });
    const x = new X509Certificate(c.der);
    const parsed = parseCertificate(c.der);
    expect(parsed.issuerString).toBe(x.issuer);
    expect(plain(toPeerCertificate(parsed))).toEqual(plain(x.toLegacyObject()));
    expect(parsed.issuer['OU']).toEqual(['#hash', ' spaced ', 'ctl\u0001x']);
    expect(parsed.issuerAttributes[4]!.map((a) => a.name)).toEqual(['OU', 'OU']);
  });

  it('formats authorityInfoAccess like Node (infoAccess)', () => {
    const ad = (method: string, uri: string) =>
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: method }), new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 6 }, valueHex: new TextEncoder().encode(uri) })],
      });
    const aia = new asn1js.Sequence({
      value: [ad('1.3.6.1.5.5.7.48.1', 'http://ocsp.example/'), ad('1.3.6.1.5.5.7.48.2', 'http://ca.example/ca.crt'), ad('1.3.6.1.5.5.7.48.1', 'http://ocsp2.example/')],
    });
    const c = makeLeaf(p, root, { extra: [{ oid: '1.3.6.1.5.5.7.1.1', critical: false, value: new Uint8Array(aia.toBER(false)) }] });
    const parsed = parseCertificate(c.der);
    expect(parsed.infoAccess).toEqual({ 'OCSP - URI': ['http://ocsp.example/', 'http://ocsp2.example/'], 'CA Issuers - URI': ['http://ca.example/ca.crt'] });
    expect(plain(toPeerCertificate(parsed))).toEqual(plain(new X509Certificate(c.der).toLegacyObject()));
  });

  it('compares names per RFC 5280 (case and whitespace folding, RDN attribute order)', () => {
    const a = nameKey(new Uint8Array(dn({ O: 'Example  Org', CN: 'Root' }).toSchema().toBER(false)));
    const b = nameKey(new Uint8Array(dn({ O: ' example org', CN: 'ROOT' }).toSchema().toBER(false)));
    const c = nameKey(new Uint8Array(dn({ CN: 'Root', O: 'Example Org' }).toSchema().toBER(false)));
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(nameKey(Uint8Array.of(1, 2))).toBeUndefined();
  });

  it('builds the issuerCertificate chain like getPeerCertificate(true)', () => {
    const inter = makeCert(p, { subject: { CN: 'Inter' }, issuer: root, key: testKey('p256', 2), ca: true });
    const leaf = makeLeaf(p, inter);
    const [l, i, r] = [leaf, inter, root].map((c) => parseCertificate(c.der)) as [ReturnType<typeof parseCertificate>, ReturnType<typeof parseCertificate>, ReturnType<typeof parseCertificate>];
    const peer = toPeerCertificate(l, [i, r]);
    expect(peer.subject['CN']).toBe('localhost');
    expect(peer.issuerCertificate?.subject['CN']).toBe('Inter');
    expect(peer.issuerCertificate?.issuerCertificate?.subject['CN']).toBe('Test Root');
    expect(peer.issuerCertificate?.issuerCertificate?.issuerCertificate).toBe(peer.issuerCertificate?.issuerCertificate);
    expect(Buffer.isBuffer(peer.raw)).toBe(true);
    expect(toPeerCertificate(l).issuerCertificate).toBeUndefined();
    // Incomplete chain: the last one has no issuerCertificate.
    expect(toPeerCertificate(l, [i]).issuerCertificate?.issuerCertificate).toBeUndefined();
  });

  it('decodes GeneralizedTime dates (2050 and later) and v1 certificates', () => {
    const late = makeLeaf(p, root, { notAfter: new Date('2051-06-15T12:34:56Z') });
    const c = parseCertificate(late.der);
    expect(c.validTo.toISOString()).toBe('2051-06-15T12:34:56.000Z');
    expect(toPeerCertificate(c).valid_to).toBe(new X509Certificate(late.der).validTo);
    const v1 = makeCert(p, { subject: { CN: 'v1' }, version: 1 });
    const pv1 = parseCertificate(v1.der);
    expect(pv1.version).toBe(1);
    expect(pv1.extensions).toEqual([]);
    expect(plain(toPeerCertificate(pv1))).toEqual(plain(new X509Certificate(v1.der).toLegacyObject()));
  });

  it('decodes basicConstraints pathLen and nameConstraints', () => {
    const r = makeRoot(p, 'NC', testKey('p256', 1), { pathLen: 3, nameConstraints: { permitted: ['example.com', '10.0.0.0/8'], excluded: ['::/0'] } });
    const c = parseCertificate(r.der);
    expect(c.pathLen).toBe(3);
    expect(c.nameConstraints?.permitted).toEqual([
      { type: 'dns', value: 'example.com' },
      { type: 'ip', address: Uint8Array.of(10, 0, 0, 0), mask: Uint8Array.of(255, 0, 0, 0) },
    ]);
    expect(c.nameConstraints?.excluded).toHaveLength(1);
  });
});

describe('parseCertificate on malformed input', () => {
  const good = new Uint8Array(der('server-ecdsa-p256'));

  it('rejects empty, truncated, trailing-data and non-DER input with ERR_DTLS_BAD_CERTIFICATE', () => {
    expectBadCertificate(new Uint8Array(0));
    expectBadCertificate(good.subarray(0, good.length - 1));
    expectBadCertificate(Uint8Array.from([...good, 0]));
    expectBadCertificate(Uint8Array.of(0x30, 0x80, 0x00, 0x00)); // indefinite length
    // Non-minimal length encoding of the outer SEQUENCE.
    const long = Uint8Array.from([0x30, 0x83, 0x00, (good.length - 4) >> 8, (good.length - 4) & 0xff, ...good.subarray(4)]);
    expectBadCertificate(long);
    expectBadCertificate(Uint8Array.of(0x02, 0x01, 0x00));
    expectBadCertificate('not bytes' as unknown as Uint8Array);
  });

  it('rejects invalid times, duplicate extensions and extensions in a v1 certificate', () => {
    const p = defaultProvider();
    const c = makeLeaf(p, makeRoot(p), { notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') });
    const text = Buffer.from(c.der).toString('latin1');
    const badMonth = Buffer.from(text.replace('240101000000Z', '241301000000Z'), 'latin1');
    expect(expectBadCertificate(badMonth).message).toMatch(/invalid date/);
    const noZ = Buffer.from(text.replace('240101000000Z', '2401010000000'), 'latin1');
    expect(expectBadCertificate(noZ).message).toMatch(/malformed time/);
    const dup = makeLeaf(p, makeRoot(p), { extra: [{ oid: '2.5.29.15', critical: true, value: Uint8Array.of(0x03, 0x02, 0x07, 0x80) }] });
    expect(expectBadCertificate(dup.der).message).toMatch(/duplicate extension/);
    const badKu = makeLeaf(p, makeRoot(p), { keyUsage: undefined, extra: [{ oid: '2.5.29.15', critical: true, value: Uint8Array.of(0x04, 0x00) }] });
    expect(expectBadCertificate(badKu.der).message).toMatch(/keyUsage/);
  });

  it('only ever throws DtlsError, for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          parseCertificate(bytes);
        } catch (e) {
          if (!(e instanceof DtlsError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('only ever throws DtlsError, for DER-shaped random input', () => {
    const tlv = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.tuple(fc.constantFrom(0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x01, 0x80, 0x81, 0x82, 0x87), fc.uint8Array({ maxLength: 40 })).map(([t, v]) =>
          Uint8Array.from([t, ...lenBytes(v.length), ...v]),
        ),
        fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa3, 0xa4), fc.array(tie('node'), { maxLength: 8 })).map(([t, kids]) => {
          const body = kids.flatMap((k) => [...(k as Uint8Array)]);
          return Uint8Array.from([t, ...lenBytes(body.length), ...body]);
        }),
      ),
    }));
    fc.assert(
      fc.property(tlv.node, (bytes) => {
        try {
          parseCertificate(bytes as Uint8Array);
        } catch (e) {
          if (!(e instanceof DtlsError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('only ever throws DtlsError, for mutated fixture certificates', () => {
    const seeds = FIXTURES.map((n) => new Uint8Array(der(n)));
    const mutation = fc.record({
      seed: fc.nat(seeds.length - 1),
      edits: fc.array(
        fc.record({ kind: fc.constantFrom('set', 'xor', 'insert', 'delete', 'truncate'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    let parsedOk = 0;
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let b = Array.from(seeds[seed]!);
        for (const e of edits) {
          const at = e.at % Math.max(1, b.length);
          if (e.kind === 'set') b[at] = e.value;
          else if (e.kind === 'xor') b[at] = b[at]! ^ (1 << (e.value & 7));
          else if (e.kind === 'insert') b.splice(at, 0, e.value);
          else if (e.kind === 'delete') b.splice(at, 1);
          else b = b.slice(0, at);
        }
        try {
          parseCertificate(Uint8Array.from(b));
          parsedOk++;
        } catch (e) {
          if (!(e instanceof DtlsError)) throw e;
          expect((e as DtlsError).code).toBe('ERR_DTLS_BAD_CERTIFICATE');
        }
      }),
      { numRuns: 1500 },
    );
    // Many single-byte changes (e.g. inside the signature) still decode.
    expect(parsedOk).toBeGreaterThan(0);
  });
});

function lenBytes(n: number): number[] {
  return n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
}
