import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { KeyError } from '../../src/errors.js';
import { certificatesFromPem, pemDecode, pemEncode } from '../../src/x509/pem.js';

const PKI = 'test/fixtures/pki/';
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('pemEncode / pemDecode byte vectors', () => {
  // RFC 4648 §10 test vectors, wrapped in PEM.
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  it.each(vectors)('encodes and decodes "%s" as "%s"', (plain, b64) => {
    const text = pemEncode('TEST', ascii(plain));
    expect(text).toBe(b64 === '' ? '-----BEGIN TEST-----\n-----END TEST-----\n' : `-----BEGIN TEST-----\n${b64}\n-----END TEST-----\n`);
    expect(pemDecode(text)).toEqual([{ label: 'TEST', der: ascii(plain) }]);
  });

  it('decodes binary bytes', () => {
    expect(pemDecode('-----BEGIN X-----\nAAECA/8=\n-----END X-----')[0]!.der).toEqual(bytes(0, 1, 2, 3, 255));
    expect(pemDecode('-----BEGIN X-----\n+/+/\n-----END X-----')[0]!.der).toEqual(bytes(0xfb, 0xff, 0xbf));
  });

  it('wraps at 64 characters, like Node/OpenSSL', () => {
    const data = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);
    const text = pemEncode('CERTIFICATE', data);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    const body = lines.slice(1, -1);
    expect(body.slice(0, -1).every((l) => l.length === 64)).toBe(true);
    expect(body.join('')).toBe(Buffer.from(data).toString('base64'));
    expect(pemDecode(text)[0]!.der).toEqual(data);
  });

  it('round-trips the fixture certificates exactly', () => {
    const text = readFileSync(PKI + 'server-ecdsa-p256.crt.pem', 'latin1');
    const [block] = pemDecode(text);
    expect(block!.label).toBe('CERTIFICATE');
    expect(block!.der).toEqual(new Uint8Array(readFileSync(PKI + 'server-ecdsa-p256.crt.der')));
    expect(pemEncode('CERTIFICATE', block!.der)).toBe(text);
  });
});

describe('pemDecode tolerance', () => {
  const body = 'AAECAwQ=';
  it('accepts CRLF, CR, surrounding text, indentation and a BOM', () => {
    const variants = [
      `-----BEGIN A-----\r\n${body}\r\n-----END A-----\r\n`,
      `-----BEGIN A-----\r${body}\r-----END A-----`,
      `Subject: foo\nissuer=bar\n\n  -----BEGIN A-----  \n  ${body}  \n  -----END A-----\ntrailing text\n`,
      `\uFEFF-----BEGIN A-----\n${body}\n-----END A-----\n`,
      `-----BEGIN A-----\nAAEC\n\nAwQ=\n-----END A-----\n`,
      `-----BEGIN A-----\nAAEC AwQ=\n-----END A-----\n`,
    ];
    for (const v of variants) {
      expect(pemDecode(v)).toEqual([{ label: 'A', der: bytes(0, 1, 2, 3, 4) }]);
      expect(pemDecode(Buffer.from(v, 'utf8'))).toEqual([{ label: 'A', der: bytes(0, 1, 2, 3, 4) }]);
    }
  });

  it('returns every block in order', () => {
    const text = `x\n${pemEncode('ONE', bytes(1))}junk\n${pemEncode('EC PRIVATE KEY', bytes(2, 2))}${pemEncode('ONE', bytes(3))}`;
    expect(pemDecode(text)).toEqual([
      { label: 'ONE', der: bytes(1) },
      { label: 'EC PRIVATE KEY', der: bytes(2, 2) },
      { label: 'ONE', der: bytes(3) },
    ]);
  });

  it('returns nothing for text without blocks', () => {
    expect(pemDecode('hello\nworld')).toEqual([]);
    expect(pemDecode('')).toEqual([]);
  });

  it('returns RFC 1421 headers', () => {
    const text = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,\n 00112233\n\nAAECAwQ=\n-----END RSA PRIVATE KEY-----\n';
    expect(pemDecode(text)).toEqual([
      { label: 'RSA PRIVATE KEY', der: bytes(0, 1, 2, 3, 4), headers: { 'Proc-Type': '4,ENCRYPTED', 'DEK-Info': 'AES-128-CBC,00112233' } },
    ]);
  });
});

describe('pemDecode strictness', () => {
  const wrap = (b: string): string => `-----BEGIN A-----\n${b}\n-----END A-----\n`;
  it.each(['Zg=', 'Zh==', 'Zm9=', 'Z!==', 'Zg==Zg==', '=Zg=', 'Zg===', 'Zm9v_w==', 'Zm9v-w==', 'ZÄ=='])('rejects invalid base64 %j', (b) => {
    expect(() => pemDecode(wrap(b))).toThrow(KeyError);
  });

  it('rejects a label mismatch, a missing END and a nested BEGIN', () => {
    expect(() => pemDecode('-----BEGIN A-----\nAAAA\n-----END B-----\n')).toThrow(/ends with/);
    expect(() => pemDecode('-----BEGIN A-----\nAAAA\n')).toThrow(/no END/);
    expect(() => pemDecode('-----BEGIN A-----\nAAAA\n-----BEGIN B-----\nAAAA\n-----END B-----\n')).toThrow(/not terminated/);
  });

  it('throws KeyError with code ERR_DTLS_INVALID_KEY', () => {
    try {
      pemDecode(wrap('Zg='));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KeyError);
      expect((e as KeyError).code).toBe('ERR_DTLS_INVALID_KEY');
    }
  });
});

describe('certificatesFromPem', () => {
  const der = (f: string): Uint8Array => new Uint8Array(readFileSync(PKI + f));
  const ecdsaRoot = der('ca-ecdsa.crt.der');
  const rsaRoot = der('ca-rsa.crt.der');
  const leaf = der('client-ecdsa.crt.der');

  it('reads a bundle (string and Buffer)', () => {
    expect(certificatesFromPem(readFileSync(PKI + 'ca-bundle.pem', 'utf8'))).toEqual([ecdsaRoot, rsaRoot]);
    expect(certificatesFromPem(readFileSync(PKI + 'ca-bundle.pem'))).toEqual([ecdsaRoot, rsaRoot]);
  });

  it('reads a chain in order', () => {
    expect(certificatesFromPem(readFileSync(PKI + 'client-ecdsa.chain.pem'))).toEqual([leaf, ecdsaRoot]);
  });

  it('reads DER, concatenated DER, and arrays of any of these', () => {
    expect(certificatesFromPem(readFileSync(PKI + 'ca-rsa.crt.der'))).toEqual([rsaRoot]);
    expect(certificatesFromPem(Buffer.concat([leaf, rsaRoot]))).toEqual([leaf, rsaRoot]);
    expect(certificatesFromPem([readFileSync(PKI + 'client-ecdsa.crt.pem', 'latin1'), readFileSync(PKI + 'ca-rsa.crt.der'), readFileSync(PKI + 'ca-ecdsa.crt.pem')])).toEqual([
      leaf,
      rsaRoot,
      ecdsaRoot,
    ]);
    // A Buffer that is a view into a larger pool.
    const pooled = Buffer.concat([Buffer.alloc(7), Buffer.from(leaf)]).subarray(7);
    expect(certificatesFromPem(pooled)).toEqual([leaf]);
  });

  it('skips non-certificate blocks (a key next to the certificate)', () => {
    const combined = readFileSync(PKI + 'client-ecdsa.key.pem', 'utf8') + readFileSync(PKI + 'client-ecdsa.crt.pem', 'utf8');
    expect(certificatesFromPem(combined)).toEqual([leaf]);
  });

  it('accepts X509 CERTIFICATE and TRUSTED CERTIFICATE labels (trust data dropped)', () => {
    expect(certificatesFromPem(pemEncode('X509 CERTIFICATE', leaf))).toEqual([leaf]);
    const aux = Uint8Array.of(0x30, 0x05, 0x0c, 0x03, 0x61, 0x62, 0x63);
    expect(certificatesFromPem(pemEncode('TRUSTED CERTIFICATE', Uint8Array.from([...leaf, ...aux])))).toEqual([leaf]);
  });

  it('rejects input without certificates or malformed input with KeyError', () => {
    expect(() => certificatesFromPem(readFileSync(PKI + 'client-ecdsa.key.pem'))).toThrow(/no CERTIFICATE/);
    expect(() => certificatesFromPem('not pem')).toThrow(KeyError);
    expect(() => certificatesFromPem([])).toThrow(/no certificate/);
    expect(() => certificatesFromPem(Uint8Array.of(0x30, 0x05, 0x01))).toThrow(/malformed/);
    expect(() => certificatesFromPem(pemEncode('CERTIFICATE', Uint8Array.of(0x30, 0x01, 0, 0)))).toThrow(KeyError);
    expect(() => certificatesFromPem(42 as unknown as string)).toThrow(KeyError);
  });
});
