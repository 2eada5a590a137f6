import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import { defaultProvider, nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { KeyError } from '../../src/errors.js';
import { refusedKey } from '../crypto/helpers.js';
import {
  defaultSchemeFor,
  ecPrivateKeyToPkcs8,
  keyMatchesCertificate,
  loadPrivateKey,
  spkiOfCertificate,
  spkiOfPrivateKey,
} from '../../src/x509/keys.js';
import { pemEncode } from '../../src/x509/pem.js';

const PKI = 'test/fixtures/pki/';

/** Fixture key names → expected kind/curve. */
const KEYS: [string, 'ecdsa' | 'rsa' | 'ed25519', string | undefined][] = [
  ['ca-ecdsa', 'ecdsa', 'P-256'],
  ['ca-rsa', 'rsa', undefined],
  ['ca-untrusted', 'ecdsa', 'P-256'],
  ['client-ecdsa', 'ecdsa', 'P-256'],
  ['client-expired', 'ecdsa', 'P-256'],
  ['client-rsa', 'rsa', undefined],
  ['client-selfsigned', 'ecdsa', 'P-256'],
  ['client-wrong-ca', 'ecdsa', 'P-256'],
  ['server-ecdsa-p256', 'ecdsa', 'P-256'],
  ['server-ecdsa-p384', 'ecdsa', 'P-384'],
  ['server-ed25519', 'ed25519', undefined],
  ['server-rsa2048', 'rsa', undefined],
];

const nodePkcs8 = (pem: Buffer | string): Uint8Array => new Uint8Array(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }));

describe('loadPrivateKey with the fixture keys', () => {
  it.each(KEYS)('%s: every format loads to the same PKCS#8 as node:crypto exports', (name, kind, curve) => {
    const files = [`${name}.key.pem`, `${name}.key.sec1.pem`, `${name}.key.pkcs1.pem`].filter((f) => existsSync(PKI + f));
    expect(files.length).toBeGreaterThanOrEqual(name === 'server-ed25519' ? 1 : 2);
    const expected = nodePkcs8(readFileSync(PKI + `${name}.key.pem`));
    for (const f of files) {
      const text = readFileSync(PKI + f);
      expect(nodePkcs8(text)).toEqual(expected); // the fixture formats are the same key
      for (const input of [text, text.toString('utf8')]) {
        const k = loadPrivateKey(input);
        expect(k.kind).toBe(kind);
        expect(k.curve).toBe(curve);
        expect(k.pkcs8).toEqual(expected);
        expect(k.pkcs8).not.toBeInstanceOf(Buffer);
        if (kind === 'rsa') expect(k.bits).toBe(2048);
      }
    }
    // DER PKCS#8 too.
    expect(loadPrivateKey(Buffer.from(expected)).pkcs8).toEqual(expected);
  });

  it.each(KEYS)('%s: signs with the provider and verifies against its certificate', (name) => {
    const key = loadPrivateKey(readFileSync(PKI + `${name}.key.pem`));
    const cert = new X509Certificate(readFileSync(PKI + `${name}.crt.der`));
    const data = new TextEncoder().encode(`challenge for ${name}`);
    const scheme = defaultSchemeFor(key);
    for (const provider of [nodeProvider, nobleProvider]) {
      const sig = provider.importSigningKey(key.pkcs8).sign(scheme, data);
      const hash = key.kind === 'ed25519' ? null : key.curve === 'P-384' ? 'sha384' : 'sha256';
      expect(nodeVerify(hash, data, { key: cert.publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
      expect(keyMatchesCertificate(provider, key, readFileSync(PKI + `${name}.crt.der`))).toBe(true);
    }
  });

  it.each(KEYS)('%s: spkiOfPrivateKey and spkiOfCertificate agree with node:crypto', (name) => {
    const key = loadPrivateKey(readFileSync(PKI + `${name}.key.pem`));
    const expected = new Uint8Array(createPublicKey(readFileSync(PKI + `${name}.key.pem`)).export({ type: 'spki', format: 'der' }));
    expect(spkiOfPrivateKey(key)).toEqual(expected);
    expect(spkiOfCertificate(readFileSync(PKI + `${name}.crt.der`))).toEqual(expected);
  });

  it('accepts SEC1 and PKCS#1 DER as well', () => {
    const ec = createPrivateKey(readFileSync(PKI + 'server-ecdsa-p384.key.pem'));
    expect(loadPrivateKey(ec.export({ type: 'sec1', format: 'der' })).pkcs8).toEqual(nodePkcs8(readFileSync(PKI + 'server-ecdsa-p384.key.pem')));
    const rsa = createPrivateKey(readFileSync(PKI + 'client-rsa.key.pem'));
    expect(loadPrivateKey(rsa.export({ type: 'pkcs1', format: 'der' })).pkcs8).toEqual(nodePkcs8(readFileSync(PKI + 'client-rsa.key.pem')));
  });

  it('skips other PEM blocks before the key (EC PARAMETERS, a certificate)', () => {
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const text = params + readFileSync(PKI + 'client-ecdsa.crt.pem', 'utf8') + readFileSync(PKI + 'client-ecdsa.key.sec1.pem', 'utf8');
    expect(loadPrivateKey(text).pkcs8).toEqual(nodePkcs8(readFileSync(PKI + 'client-ecdsa.key.pem')));
  });
});

describe('SEC1 conversion', () => {
  it('computes the public point when the SEC1 key omits it', () => {
    for (const curve of ['prime256v1', 'secp384r1', 'secp521r1'] as const) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const sec1 = new Uint8Array(privateKey.export({ type: 'sec1', format: 'der' }));
      const parsed = asn1js.fromBER(sec1).result as asn1js.Sequence;
      const [version, priv, params] = parsed.valueBlock.value;
      const stripped = new Uint8Array(new asn1js.Sequence({ value: [version!, priv!, params!] }).toBER(false));
      const k = loadPrivateKey(pemEncode('EC PRIVATE KEY', stripped));
      expect(k.pkcs8).toEqual(new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })));
      expect(k.curve).toBe({ prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[curve]);
    }
  });

  it('builds OpenSSL-layout PKCS#8 from a raw scalar', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = privateKey.export({ format: 'jwk' });
    const d = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
    expect(ecPrivateKeyToPkcs8('P-256', d)).toEqual(new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })));
  });

  it('rejects a SEC1 key without curve parameters and one with an unsupported curve', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const parsed = asn1js.fromBER(privateKey.export({ type: 'sec1', format: 'der' })).result as asn1js.Sequence;
    const [version, priv] = parsed.valueBlock.value;
    const noParams = new Uint8Array(new asn1js.Sequence({ value: [version!, priv!] }).toBER(false));
    expect(() => loadPrivateKey(pemEncode('EC PRIVATE KEY', noParams))).toThrow(/no curve/);
    expect(() => loadPrivateKey(refusedKey('secp256k1.key.sec1.pem'))).toThrow(/unsupported EC curve 1\.3\.132\.0\.10/);
    expect(() => loadPrivateKey(refusedKey('secp256k1.key.pem'))).toThrow(/unsupported EC curve/);
  });
});

describe('loadPrivateKey errors', () => {
  const expectKeyError = (f: () => unknown, re: RegExp): void => {
    try {
      f();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KeyError);
      expect((e as KeyError).code).toBe('ERR_DTLS_INVALID_KEY');
      expect((e as Error).message).toMatch(re);
    }
  };

  it('rejects encrypted keys with a clear message', () => {
    const ec = createPrivateKey(readFileSync(PKI + 'client-ecdsa.key.pem'));
    const rsa = createPrivateKey(readFileSync(PKI + 'client-rsa.key.pem'));
    const pkcs8Enc = ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
    expect(pkcs8Enc).toContain('ENCRYPTED PRIVATE KEY');
    expectKeyError(() => loadPrivateKey(pkcs8Enc), /encrypted private keys are not supported/);
    const sec1Enc = ec.export({ type: 'sec1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'secret' }) as string;
    expect(sec1Enc).toContain('Proc-Type: 4,ENCRYPTED');
    expectKeyError(() => loadPrivateKey(sec1Enc), /encrypted/);
    const pkcs1Enc = rsa.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'secret' }) as string;
    expectKeyError(() => loadPrivateKey(pkcs1Enc), /encrypted/);
    const derEnc = ec.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'secret' });
    expectKeyError(() => loadPrivateKey(derEnc), /encrypted/);
  });

  it('rejects unsupported key types', () => {
    for (const type of ['x25519', 'ed448', 'x448'] as const) {
      expectKeyError(() => loadPrivateKey(refusedKey(`${type}.key.pem`)), /unsupported private key algorithm/);
    }
    expectKeyError(() => loadPrivateKey(refusedKey('rsa-pss.key.pem')), /RSASSA-PSS/);
  });

  it('rejects input without a key and malformed keys', () => {
    expectKeyError(() => loadPrivateKey(readFileSync(PKI + 'client-ecdsa.crt.pem')), /no private key found \(PEM blocks: CERTIFICATE\)/);
    expectKeyError(() => loadPrivateKey('garbage'), /no PEM private key/);
    expectKeyError(() => loadPrivateKey(pemEncode('PRIVATE KEY', Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00))), /malformed PKCS#8/);
    expectKeyError(() => loadPrivateKey(pemEncode('EC PRIVATE KEY', Uint8Array.of(0x30, 0x00))), /malformed EC private key/);
    expectKeyError(() => loadPrivateKey(pemEncode('RSA PRIVATE KEY', Uint8Array.of(0x30, 0x00))), /malformed RSA private key/);
    expectKeyError(() => loadPrivateKey(Uint8Array.of(0x30, 0x02, 0x05, 0x00)), /neither PKCS#8/);
    expectKeyError(() => loadPrivateKey(42 as unknown as string), /must be/);
  });
});

describe('keyMatchesCertificate', () => {
  const p = defaultProvider();
  const cert = (n: string): Buffer => readFileSync(PKI + `${n}.crt.der`);
  it('is false for another key of the same kind and for another kind', () => {
    const clientKey = loadPrivateKey(readFileSync(PKI + 'client-ecdsa.key.pem'));
    expect(keyMatchesCertificate(p, clientKey, cert('server-ecdsa-p256'))).toBe(false);
    expect(keyMatchesCertificate(p, clientKey, cert('server-ecdsa-p384'))).toBe(false);
    expect(keyMatchesCertificate(p, clientKey, cert('server-rsa2048'))).toBe(false);
    expect(keyMatchesCertificate(p, readFileSync(PKI + 'client-rsa.key.pkcs1.pem'), cert('server-rsa2048'))).toBe(false);
    expect(keyMatchesCertificate(p, readFileSync(PKI + 'client-rsa.key.pkcs1.pem'), cert('client-rsa'))).toBe(true);
    expect(keyMatchesCertificate(p, readFileSync(PKI + 'client-ecdsa.key.sec1.pem', 'utf8'), cert('client-ecdsa'))).toBe(true);
  });

  it('throws for a malformed certificate', () => {
    const key = loadPrivateKey(readFileSync(PKI + 'client-ecdsa.key.pem'));
    expect(() => keyMatchesCertificate(p, key, Uint8Array.of(1, 2, 3))).toThrow(/malformed certificate/);
  });
});
