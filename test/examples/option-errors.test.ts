import { describe, expect, it } from 'vitest';
import { connect, createServer, CipherListError, DtlsError, KeyError } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

const key = pki('server-ecdsa-p256.key.pem');
const cert = pki('server-ecdsa-p256.crt.pem');

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('option errors name the option and are DtlsErrors', () => {
  it.each([
    ['cert', { key, cert: 'not a certificate' }],
    ['cert', { key, cert: Buffer.from([1, 2, 3]) }],
    ['ca', { key, cert, ca: 'not a certificate' }],
    ['ca', { key, cert, ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }],
    ['key', { key: 'not a key', cert }],
    ['key', { key: pki('client-ecdsa.key.pem'), cert }],
  ])('a bad "%s" is a KeyError naming it', (name, options) => {
    const err = thrown(() => createServer(options));
    expect(err).toBeInstanceOf(KeyError);
    expect(err).toBeInstanceOf(DtlsError);
    expect(err).toMatchObject({ name: 'KeyError', code: 'ERR_DTLS_INVALID_KEY' });
    expect(err.message).toMatch(new RegExp(`^The "${name}" option`));
  });

  it.each([
    ['mtu', { key, cert, mtu: 'big' }, TypeError],
    ['handshakeTimeout', { key, cert, handshakeTimeout: -1 }, RangeError],
    ['socket', { key, cert, socket: {} }, TypeError],
    ['ecdhCurve', { key, cert, ecdhCurve: 'P-999' }, RangeError],
  ])('a bad "%s" is a %s with ERR_DTLS_INVALID_OPTION, and instanceof DtlsError', (name, options, type) => {
    const err = thrown(() => createServer(options as never));
    expect(err).toBeInstanceOf(type);
    expect(err).toBeInstanceOf(DtlsError);
    expect(err).not.toBeInstanceOf(KeyError);
    expect(err).toMatchObject({ code: 'ERR_DTLS_INVALID_OPTION' });
    expect(err.message).toContain(`"${name}"`);
  });

  it('client options too, and a cipher list that selects nothing', () => {
    for (const f of [() => connect({ port: 0 }), () => connect({ port: 4433, host: 7 as never }), () => connect({ port: 4433, ca: 'junk' })]) {
      const err = thrown(f);
      expect(err).toBeInstanceOf(DtlsError);
      expect((err as DtlsError).code).toMatch(/^ERR_DTLS_INVALID_(OPTION|KEY)$/);
    }
    const err = thrown(() => createServer({ key, cert, ciphers: 'NOTHING-AT-ALL' }));
    expect(err).toBeInstanceOf(CipherListError);
    expect(err).toBeInstanceOf(DtlsError);
    expect(err.message).toMatch(/ciphers/);
  });

  it('plain TypeErrors elsewhere are not DtlsErrors, and DtlsError subclasses keep their own instanceof', () => {
    expect(new TypeError('x')).not.toBeInstanceOf(DtlsError);
    expect(new DtlsError('ERR_DTLS_X', 'x')).not.toBeInstanceOf(KeyError);
    expect(new KeyError('x')).toBeInstanceOf(DtlsError);
  });
});
