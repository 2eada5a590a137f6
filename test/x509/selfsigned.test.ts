import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultProvider, nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { KeyError } from '../../src/errors.js';
import { parseCertificate, toPeerCertificate } from '../../src/x509/certificate.js';
import { namesOfType } from '../../src/x509/general-names.js';
import { formatIpAddress } from '../../src/x509/ip.js';
import { nameObject, serialNumberHex, subjectAltNameText } from '../../src/x509/peer-certificate.js';
import { keyMatchesCertificate, loadPrivateKey } from '../../src/x509/keys.js';
import { certificatesFromPem } from '../../src/x509/pem.js';
import { createSelfSigned, generateP256Pkcs8 } from '../../src/x509/selfsigned.js';
import { verifyChain } from '../../src/x509/verify.js';
import { runtime } from '../helpers/runtime.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'puredtls-x509-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('createSelfSigned', () => {
  const p = defaultProvider();

  it('produces a certificate OpenSSL accepts (x509 -text and verify -CAfile cert cert)', () => {
    const s = createSelfSigned(p);
    const file = join(dir, 'default.pem');
    writeFileSync(file, s.certPem);
    const text = openssl(['x509', '-noout', '-text', '-in', file]);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/Subject: CN = localhost/);
    expect(text).toMatch(/Issuer: CN = localhost/);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toMatch(/Digital Signature/);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    expect(openssl(['verify', '-CAfile', file, file]).trim()).toBe(`${file}: OK`);
    expect(openssl(['verify', '-purpose', 'sslserver', '-CAfile', file, file]).trim()).toBe(`${file}: OK`);
    expect(openssl(['verify', '-purpose', 'sslclient', '-CAfile', file, file]).trim()).toBe(`${file}: OK`);
    // The key is a PKCS#8 P-256 key OpenSSL reads and that matches the certificate.
    const keyFile = join(dir, 'default.key');
    writeFileSync(keyFile, s.keyPem);
    const pub1 = openssl(['pkey', '-in', keyFile, '-pubout']);
    const pub2 = openssl(['x509', '-in', file, '-noout', '-pubkey']);
    expect(pub1).toBe(pub2);
  });

  it('has the documented defaults', () => {
    const before = Date.now();
    const s = createSelfSigned(p);
    const c = parseCertificate(s.certDer);
    expect(s.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(s.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(certificatesFromPem(s.certPem)).toEqual([s.certDer]);
    expect(c.version).toBe(3);
    expect(nameObject(c.subject)).toEqual({ CN: 'localhost' });
    expect(nameObject(c.issuer)).toEqual({ CN: 'localhost' });
    expect(subjectAltNameText(c.subjectAltName!)).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(c.basicConstraints).toEqual({ ca: false, pathLen: undefined, critical: true });
    expect(c.keyUsage?.digitalSignature).toBe(true);
    expect(c.keyUsage?.keyCertSign).toBe(false);
    expect(c.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(c.publicKey).toMatchObject({ kind: 'ecdsa', curve: 'P-256' });
    expect(c.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    expect(c.subjectKeyIdentifier).toEqual(c.authorityKeyIdentifier?.keyIdentifier);
    expect(Math.abs(c.validFrom.getTime() - (before - DAY))).toBeLessThan(5000);
    expect(Math.abs(c.validTo.getTime() - (before + 365 * DAY))).toBeLessThan(5000);
    expect(s.fingerprint256).toBe(new X509Certificate(s.certDer).fingerprint256);
    expect(s.fingerprint256).toBe(toPeerCertificate(c).fingerprint256);
    // Serial: positive, 16 bytes at most, random.
    expect(serialNumberHex(c.serial)).toMatch(/^[0-7][0-9A-F]{31}$|^[0-9A-F]{1,30}$/);
    expect(createSelfSigned(p).certDer).not.toEqual(s.certDer);
  });

  it('signs with the given key: the key matches, Node verifies the signature, verifyChain accepts it pinned', () => {
    const s = createSelfSigned(p);
    expect(keyMatchesCertificate(p, s.keyPem, s.certDer)).toBe(true);
    const x = new X509Certificate(s.certDer);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(s.keyPem))).toBe(true);
    for (const prov of [nodeProvider, nobleProvider]) {
      for (const host of ['localhost', '127.0.0.1', '::1']) {
        const r = verifyChain(prov, [s.certDer], { ca: [s.certDer], purpose: 'serverAuth', host });
        expect(r.ok).toBe(true);
      }
      expect(verifyChain(prov, [s.certDer], { ca: [s.certDer], purpose: 'clientAuth' }).ok).toBe(true);
      const other = verifyChain(prov, [s.certDer], { ca: [], purpose: 'serverAuth' });
      expect(other.ok ? '' : other.error.alert).toBe('unknown_ca');
    }
  });

  it('honours commonName, altNames and days', () => {
    const s = createSelfSigned(nobleProvider, {
      commonName: 'device-42.local',
      altNames: ['device-42.local', '*.device-42.local', '10.0.0.7', 'fe80::1:2', 'IP:192.168.0.1', 'DNS:x.example'],
      days: 2,
    });
    const c = parseCertificate(s.certDer);
    expect(nameObject(c.subject)).toEqual({ CN: 'device-42.local' });
    expect(namesOfType(c.subjectAltName, 'dns').map((n) => n.value)).toEqual(['device-42.local', '*.device-42.local', 'x.example']);
    expect(namesOfType(c.subjectAltName, 'ip').map((n) => formatIpAddress(n.bytes))).toEqual(['10.0.0.7', 'fe80::1:2', '192.168.0.1']);
    expect(Math.abs(c.validTo.getTime() - (Date.now() + 2 * DAY))).toBeLessThan(5000);
    // Node's X509Certificate (OpenSSL) writes it so; Deno's emulation writes IPv6 otherwise, hence the literal.
    expect(subjectAltNameText(c.subjectAltName!)).toBe(
      'DNS:device-42.local, DNS:*.device-42.local, IP Address:10.0.0.7, IP Address:FE80:0:0:0:0:0:1:2, IP Address:192.168.0.1, DNS:x.example');
    if (runtime === 'node') expect(subjectAltNameText(c.subjectAltName!)).toBe(new X509Certificate(s.certDer).subjectAltName);
    const file = join(dir, 'custom.pem');
    writeFileSync(file, s.certPem);
    expect(openssl(['verify', '-CAfile', file, file]).trim()).toBe(`${file}: OK`);
    // No SAN at all when altNames is empty.
    expect(parseCertificate(createSelfSigned(p, { altNames: [] }).certDer).subjectAltName).toBeUndefined();
    // A validity reaching past 2049 uses GeneralizedTime.
    const long = parseCertificate(createSelfSigned(p, { days: 365 * 40 }).certDer);
    expect(long.validTo.getUTCFullYear()).toBeGreaterThanOrEqual(2060);
  });

  it('uses the default provider when none is given', () => {
    const s = createSelfSigned(undefined, { commonName: 'localhost' });
    expect(keyMatchesCertificate(defaultProvider(), s.keyPem, s.certDer)).toBe(true);
  });

  it('rejects invalid options with KeyError', () => {
    expect(() => createSelfSigned(p, { altNames: ['not a name!'] })).toThrow(KeyError);
    expect(() => createSelfSigned(p, { altNames: ['IP:example.com'] })).toThrow(/not an IP/);
    expect(() => createSelfSigned(p, { days: 0 })).toThrow(KeyError);
    expect(() => createSelfSigned(p, { days: Number.NaN })).toThrow(KeyError);
    expect(() => createSelfSigned(p, { commonName: '' })).toThrow(KeyError);
    expect(() => createSelfSigned(p, { keyKind: 'rsa' as 'ecdsa-p256' })).toThrow(/keyKind/);
  });
});

describe('generateP256Pkcs8', () => {
  it('builds the same PKCS#8 layout as OpenSSL on the @noble path', () => {
    const pkcs8 = generateP256Pkcs8(nobleProvider, { nodeCrypto: false });
    const k = loadPrivateKey(pkcs8);
    expect(k).toMatchObject({ kind: 'ecdsa', curve: 'P-256' });
    expect(new Uint8Array(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'der' }))).toEqual(pkcs8);
    const sig = nobleProvider.importSigningKey(pkcs8).sign(0x0403, Uint8Array.of(1, 2, 3));
    expect(sig[0]).toBe(0x30);
  });

  it('retries scalars out of range and gives up on a broken random source', () => {
    let calls = 0;
    const flaky = { ...nobleProvider, randomBytes: (n: number) => (++calls < 3 ? new Uint8Array(n).fill(0xff) : nobleProvider.randomBytes(n)) };
    expect(loadPrivateKey(generateP256Pkcs8(flaky, { nodeCrypto: false })).curve).toBe('P-256');
    expect(calls).toBe(3);
    const broken = { ...nobleProvider, randomBytes: (n: number) => new Uint8Array(n) };
    expect(() => generateP256Pkcs8(broken, { nodeCrypto: false })).toThrow(/random source/);
  });

  it('uses node:crypto when available', () => {
    const pkcs8 = generateP256Pkcs8(nodeProvider);
    expect(loadPrivateKey(pkcs8).curve).toBe('P-256');
  });
});
