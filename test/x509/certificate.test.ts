import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { X509Certificate, createPublicKey, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { CertificateError, DtlsError } from '../../src/errors.js';
import { formatCertificateTime, nameKey, parseCertificate, toPeerCertificate } from '../../src/x509/certificate.js';
import { namesOfType } from '../../src/x509/general-names.js';
import { attributeValues, formatName } from '../../src/x509/names.js';
import { fingerprints, infoAccessObject, nameObject, serialNumberHex, subjectAltNameText } from '../../src/x509/peer-certificate.js';
import { ctx, ia5, oid, printable, seq, set, tlv, utf8 } from './helpers/der.js';
import { issuerOf, makeCert, makeIntermediate, makeLeaf, makeRoot, nameDer, testKey } from './helpers/pki.js';

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

  it.each(FIXTURES)('%s: fields and view strings equal X509Certificate', (name) => {
    const x = new X509Certificate(der(name));
    const c = parseCertificate(der(name));
    expect(c.der).toEqual(new Uint8Array(der(name)));
    expect(formatName(c.subject)).toBe(x.subject);
    expect(formatName(c.issuer)).toBe(x.issuer);
    expect(serialNumberHex(c.serial)).toBe(x.serialNumber);
    for (const provider of [nodeProvider, nobleProvider]) {
      expect(fingerprints(c.der, provider)).toEqual({ fingerprint: x.fingerprint, fingerprint256: x.fingerprint256, fingerprint512: x.fingerprint512 });
    }
    expect(c.validFrom).toEqual(new Date(x.validFrom));
    expect(c.validTo).toEqual(new Date(x.validTo));
    expect(formatCertificateTime(c.validFrom)).toBe(x.validFrom);
    expect(c.subjectAltName === undefined ? undefined : subjectAltNameText(c.subjectAltName)).toBe(x.subjectAltName);
    expect(c.extKeyUsage).toEqual(x.keyUsage);
    expect(c.basicConstraints?.ca === true).toBe(x.ca);
    expect(c.spki).toEqual(new Uint8Array(x.publicKey.export({ type: 'spki', format: 'der' })));
    expect(c.selfIssued).toBe(x.subject === x.issuer);
    expect(c.profileProblems).toEqual([]);
  });

  it.each(FIXTURES)('%s: tbs and signature verify with node:crypto against the issuer', (name) => {
    const c = parseCertificate(der(name));
    const cn = attributeValues(c.issuer, '2.5.4.3')[0];
    const issuerName = c.selfIssued ? name : cn === 'DTLS Test Root CA RSA-2048' ? 'ca-rsa' : cn === 'DTLS Test Untrusted CA' ? 'ca-untrusted' : 'ca-ecdsa';
    const issuerKey = createPublicKey({ key: Buffer.from(parseCertificate(der(issuerName)).spki), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', c.tbs, { key: issuerKey, dsaEncoding: 'der' }, c.signature)).toBe(true);
    expect(c.signatureAlgorithmsMatch).toBe(true);
  });

  it('decodes the server certificate fields', () => {
    const c = parseCertificate(der('server-ecdsa-p256'));
    expect(c.version).toBe(3);
    expect(nameObject(c.subject)).toEqual({ O: 'DTLS Interop Test PKI', CN: 'localhost' });
    expect(nameObject(c.issuer)).toEqual({ O: 'DTLS Interop Test PKI', CN: 'DTLS Test Root CA ECDSA P-256' });
    expect(subjectAltNameText(c.subjectAltName!)).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(namesOfType(c.subjectAltName, 'dns').map((n) => n.value)).toEqual(['localhost']);
    expect(namesOfType(c.subjectAltName, 'ip').map((n) => [...n.bytes])).toEqual([[127, 0, 0, 1], [...new Uint8Array(15), 1]]);
    expect(c.validFrom.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(c.validTo.toISOString()).toBe('2045-01-01T00:00:00.000Z');
    expect(c.basicConstraints).toEqual({ ca: false, pathLen: undefined, critical: true });
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
    expect(Buffer.from(c.subjectKeyIdentifier!).toString('hex')).toBe('1cd155ecd4715feca74ae34d870cae2a02accc4d');
    expect(Buffer.from(c.authorityKeyIdentifier!.keyIdentifier!).toString('hex')).toBe('8aed78def3bb01192db9071acb80a6d7ab31364d');
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
    expect(rsa.publicKey).toMatchObject({ kind: 'rsa', bits: 2048 });
    expect(rsa.publicKey.rsa?.exponent).toEqual(Uint8Array.of(1, 0, 1));
    expect(toPeerCertificate(rsa).exponent).toBe('0x10001');
    expect(rsa.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    expect(rsa.signatureAlgorithmParams).toEqual(Uint8Array.of(0x05, 0x00));
    expect(rsa.keyUsage?.keyEncipherment).toBe(true);
    const ca = parseCertificate(der('ca-ecdsa'));
    expect(ca.basicConstraints?.ca).toBe(true);
    expect(ca.keyUsage?.keyCertSign).toBe(true);
    expect(ca.keyUsage?.cRLSign).toBe(true);
    expect(ca.selfIssued).toBe(true);
    expect(ca.subjectAltName).toBeUndefined();
  });

  it('accepts a Buffer that is a view into a larger allocation', () => {
    const d = der('client-ecdsa');
    const view = Buffer.concat([Buffer.alloc(13, 0xee), d, Buffer.alloc(5)]).subarray(13, 13 + d.length);
    expect(toPeerCertificate(parseCertificate(view)).fingerprint256).toBe(new X509Certificate(d).fingerprint256);
  });

  it('hashes the fingerprints only when the view is built, with the provider given', () => {
    const calls: string[] = [];
    const counting = { ...nobleProvider, hash: (alg: 'sha1' | 'sha256' | 'sha384' | 'sha512', data: Uint8Array) => (calls.push(alg), nobleProvider.hash(alg, data)) };
    const c = parseCertificate(der('client-rsa'));
    expect(calls).toEqual([]);
    expect(toPeerCertificate(c, [], counting).fingerprint256).toBe(new X509Certificate(der('client-rsa')).fingerprint256);
    expect(calls.sort()).toEqual(['sha1', 'sha256', 'sha512']);
  });
});

describe('parseCertificate against Node (generated certificates)', () => {
  const root = makeRoot();

  it('formats IPv6, email, URI, directoryName and quoted SANs like Node', () => {
    const names = [
      { dns: 'a.example' },
      { dns: 'comma,name' },
      { dns: 'quote"name' },
      { email: 'user@example.com' },
      { uri: 'https://example.com/a?b=c' },
      { ip: Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xab, 0xcd]) },
      { ip: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]) },
      { ip: Uint8Array.from([192, 0, 2, 55]) },
      { ip: Uint8Array.from([1, 2, 3]) },
      { dirName: { C: 'DE', O: 'Org, Inc.', CN: 'Dir' } },
      { registeredId: '1.2.3.4' },
      { otherName: { oid: '1.3.6.1.4.1.55738.666.3', value: Uint8Array.of(0x05, 0x00) } },
    ];
    const c = makeCert({ subject: { CN: 'san test' }, issuer: issuerOf(root), san: { value: names } });
    const x = new X509Certificate(c.der);
    const parsed = parseCertificate(c.der);
    // Node's own rendering (Bun's node:crypto, over BoringSSL, writes `<invalid>` for the 3-byte address).
    const nodeSan = 'DNS:a.example, DNS:"comma\\u002cname", DNS:"quote\\"name", email:user@example.com, URI:https://example.com/a?b=c, '
      + 'IP Address:FE80:0:0:0:0:0:1:ABCD, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:192.0.2.55, IP Address:<invalid length=3>, '
      + 'DirName:"CN=Dir\\u002cO=Org\\\\\\u002c Inc.\\u002cC=DE", Registered ID:1.2.3.4, othername:<unsupported>';
    expect(subjectAltNameText(parsed.subjectAltName!)).toBe(nodeSan);
    expect(namesOfType(parsed.subjectAltName, 'dns').map((n) => n.value)).toEqual(['a.example', 'comma,name', 'quote"name']);
    expect(namesOfType(parsed.subjectAltName, 'email').map((n) => n.value)).toEqual(['user@example.com']);
    expect(namesOfType(parsed.subjectAltName, 'uri').map((n) => n.value)).toEqual(['https://example.com/a?b=c']);
    expect(namesOfType(parsed.subjectAltName, 'otherName')[0]?.typeId).toBe('1.3.6.1.4.1.55738.666.3');
    expect(plain(toPeerCertificate(parsed))).toEqual({ ...(plain(x.toLegacyObject()) as object), subjectaltname: nodeSan });
  });

  it('formats subjects with repeated, multi-valued and special-character attributes like Node', () => {
    const ava = (type: string, value: Uint8Array) => seq(oid(type), value);
    const bmp = (s: string) => tlv(0x1e, Uint8Array.from([...s].flatMap((ch) => [ch.charCodeAt(0) >> 8, ch.charCodeAt(0) & 0xff])));
    const name = seq(
      set(ava('2.5.4.6', printable('CH'))),
      set(ava('2.5.4.7', utf8('Zürich'))),
      set(ava('2.5.4.10', utf8('a,b+c "d" <e>;f\\g'))),
      set(ava('2.5.4.11', utf8('#hash'))),
      set(ava('2.5.4.11', utf8(' spaced ')), ava('2.5.4.11', utf8('ctl\u0001x'))),
      set(ava('1.2.840.113549.1.9.1', ia5('a@b.example'))),
      set(ava('0.9.2342.19200300.100.1.25', ia5('example'))),
      set(ava('2.5.4.3', bmp('bmp ☃'))),
      set(ava('1.2.3.4.5', utf8('unknown type'))),
    );
    const c = makeCert({ subject: { CN: 'x' }, issuer: { subject: name, key: testKey('p256', 1) } });
    const x = new X509Certificate(c.der);
    const parsed = parseCertificate(c.der);
    expect(formatName(parsed.issuer)).toBe(x.issuer);
    expect(plain(toPeerCertificate(parsed))).toEqual(plain(x.toLegacyObject()));
    expect(nameObject(parsed.issuer)['OU']).toEqual(['#hash', ' spaced ', 'ctl\u0001x']);
    expect(parsed.issuer.rdns[4]!.map((a) => a.name)).toEqual(['OU', 'OU']);
  });

  it('formats authorityInfoAccess like Node (infoAccess)', () => {
    const ad = (method: string, uri: string) => seq(oid(method), tlv(0x86, new TextEncoder().encode(uri)));
    const aia = seq(ad('1.3.6.1.5.5.7.48.1', 'http://ocsp.example/'), ad('1.3.6.1.5.5.7.48.2', 'http://ca.example/ca.crt'), ad('1.3.6.1.5.5.7.48.1', 'http://ocsp2.example/'));
    const c = makeLeaf(root, { extra: [{ oid: '1.3.6.1.5.5.7.1.1', critical: false, value: aia }] });
    const parsed = parseCertificate(c.der);
    expect(infoAccessObject(parsed.authorityInfoAccess!)).toEqual({ 'OCSP - URI': ['http://ocsp.example/', 'http://ocsp2.example/'], 'CA Issuers - URI': ['http://ca.example/ca.crt'] });
    expect(plain(toPeerCertificate(parsed))).toEqual(plain(new X509Certificate(c.der).toLegacyObject()));
  });

  it('compares names per RFC 5280 (case and whitespace folding, RDN attribute order)', () => {
    const a = nameKey(nameDer({ O: 'Example  Org', CN: 'Root' }));
    const b = nameKey(nameDer({ O: ' example org', CN: 'ROOT' }));
    const c = nameKey(nameDer({ CN: 'Root', O: 'Example Org' }));
    const multi1 = nameKey(seq(set(seq(oid('2.5.4.10'), utf8('A')), seq(oid('2.5.4.3'), utf8('B')))));
    const multi2 = nameKey(seq(set(seq(oid('2.5.4.3'), utf8('b')), seq(oid('2.5.4.10'), utf8('a')))));
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(multi1).toBe(multi2);
    expect(nameKey(Uint8Array.of(1, 2))).toBeUndefined();
  });

  it('builds the issuerCertificate chain like getPeerCertificate(true)', () => {
    const inter = makeIntermediate(root, 'Inter');
    const leaf = makeLeaf(inter);
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
    const late = makeLeaf(root, { notAfter: new Date('2051-06-15T12:34:56Z') });
    const c = parseCertificate(late.der);
    expect(c.validTo.toISOString()).toBe('2051-06-15T12:34:56.000Z');
    expect(c.profileProblems).toEqual([]);
    expect(toPeerCertificate(c).valid_to).toBe(new X509Certificate(late.der).validTo);
    const v1 = makeCert({ subject: { CN: 'v1' }, version: 1 });
    const pv1 = parseCertificate(v1.der);
    expect(pv1.version).toBe(1);
    expect(pv1.extensions).toEqual([]);
    expect(plain(toPeerCertificate(pv1))).toEqual(plain(new X509Certificate(v1.der).toLegacyObject()));
  });

  it('decodes basicConstraints pathLen and nameConstraints of every form', () => {
    const r = makeRoot('NC', testKey('p256', 1), {
      basicConstraints: { ca: true, pathLen: 3 },
      nameConstraints: { value: { permitted: ['example.com', '10.0.0.0/8', { email: '.example.com' }, { uri: 'host.example' }, { dirName: { O: 'x' } }], excluded: ['::/0'] } },
    });
    const c = parseCertificate(r.der);
    expect(c.basicConstraints?.pathLen).toBe(3);
    expect(c.nameConstraints?.permitted.slice(0, 4)).toEqual([
      { type: 'dns', value: 'example.com' },
      { type: 'ip', bytes: Uint8Array.of(10, 0, 0, 0, 255, 0, 0, 0) },
      { type: 'email', value: '.example.com' },
      { type: 'uri', value: 'host.example' },
    ]);
    expect(c.nameConstraints?.permitted[4]?.type).toBe('dirName');
    expect(c.nameConstraints?.excluded).toHaveLength(1);
    expect(c.nameConstraints?.critical).toBe(true);
  });

  it('records the RFC 5280 profile rules a decodable certificate breaks', () => {
    const problems = (extra: Parameters<typeof makeLeaf>[1]) => parseCertificate(makeLeaf(root, extra).der).profileProblems;
    expect(problems({ notAfterRaw: tlv(0x18, new TextEncoder().encode('20300101000000Z')) })[0]).toMatch(/GeneralizedTime for a year before 2050/);
    expect(problems({ notAfterRaw: tlv(0x18, new TextEncoder().encode('20510101000000.5Z')) })[0]).toMatch(/fractional seconds/);
    expect(problems({ serial: -5 })[0]).toMatch(/negative serial/);
    expect(problems({ issuerName: [] })[0]).toMatch(/empty issuer/);
    expect(problems({ subject: [] })[0]).toMatch(/empty subject with a non-critical subjectAltName/);
    expect(problems({ subject: [], san: { value: ['a.example'], critical: true } })).toEqual([]);
    expect(problems({ aki: { value: 'auto', critical: true } })[0]).toMatch(/authorityKeyIdentifier is critical/);
    expect(problems({ ski: { value: 'auto', critical: true } })[0]).toMatch(/subjectKeyIdentifier is critical/);
    expect(problems({ keyUsage: { value: [] } })[0]).toMatch(/keyUsage has no bit set/);
    expect(problems({ aki: { value: { keyId: Uint8Array.of(1), serial: 5 } } })[0]).toMatch(/only one of authorityCertIssuer/);
    const aia = seq(seq(oid('1.3.6.1.5.5.7.48.2'), tlv(0x86, new TextEncoder().encode('http://x/'))));
    expect(problems({ extra: [{ oid: '1.3.6.1.5.5.7.1.1', critical: true, value: aia }] })[0]).toMatch(/authorityInfoAccess is critical/);
    expect(ctx(0).length).toBe(2);
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
    const c = makeLeaf(makeRoot(), { notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') });
    const text = Buffer.from(c.der).toString('latin1');
    const badMonth = Buffer.from(text.replace('240101000000Z', '241301000000Z'), 'latin1');
    expect(expectBadCertificate(badMonth).message).toMatch(/invalid date/);
    const noZ = Buffer.from(text.replace('240101000000Z', '2401010000000'), 'latin1');
    expect(expectBadCertificate(noZ).message).toMatch(/malformed time/);
    const dup = makeLeaf(makeRoot(), { extra: [{ oid: '2.5.29.15', critical: true, value: Uint8Array.of(0x03, 0x02, 0x07, 0x80) }] });
    expect(expectBadCertificate(dup.der).message).toMatch(/duplicate extension/);
    const badKu = makeLeaf(makeRoot(), { keyUsage: null, extra: [{ oid: '2.5.29.15', critical: true, value: Uint8Array.of(0x04, 0x00) }] });
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
