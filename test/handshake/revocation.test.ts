/**
 * The `crl` option in both roles, on the in-memory network: the client
 * checking the server's chain, the server (requestCert, rejectUnauthorized)
 * checking the client's. A revoked leaf or intermediate fails with
 * ERR_DTLS_CERT_REVOKED and the peer receives certificate_revoked; an
 * expired CRL or one signed by the wrong key fails closed; the option is
 * validated when the endpoint is made. checkServerIdentity over loopback UDP.
 */
import * as dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { type ConnectOptions, type PeerCertificate, type Server, connectAsync, createServer } from '../../src/index.js';
import type { CommonOptions, ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { pemEncode } from '../../src/x509/pem.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR } from '../helpers/net.js';
import { type TestCert, type TestCrl, makeCrl, makeIntermediate, makeLeaf, makeRoot, testKey } from '../x509/helpers/pki.js';

const DAY = 86_400_000;
const now = Date.now();
const fresh = { thisUpdate: new Date(now - DAY), nextUpdate: new Date(now + 30 * DAY) };

const root = makeRoot('Revocation Root', testKey('p256', 70));
const inter = makeIntermediate(root, 'Revocation Intermediate', { key: testKey('p256', 71), serial: 0x7101 });
const serverLeaf = makeLeaf(inter, { key: testKey('p256', 72), serial: 0x7201 });
const clientLeaf = makeLeaf(inter, { key: testKey('p256', 73), serial: 0x7301, subject: { CN: 'device-1' } });

const identity = (leaf: TestCert) => ({ key: pemEncode('PRIVATE KEY', leaf.key.pkcs8), cert: leaf.pem + inter.pem });
const rootCrl = (revoked: number[] = []): TestCrl => makeCrl({ issuer: root, ...fresh, entries: revoked.map((serial) => ({ serial })) });
const interCrl = (revoked: number[] = [], extra: Partial<Parameters<typeof makeCrl>[0]> = {}): TestCrl =>
  makeCrl({ issuer: inter, ...fresh, entries: revoked.map((serial) => ({ serial, reason: 1 })), ...extra });

const SCENARIOS: [label: string, crls: () => TestCrl[], code: string | undefined, alert: string | undefined][] = [
  ['no certificate revoked', () => [rootCrl([0x99]), interCrl([0x98])], undefined, undefined],
  ['the leaf revoked', () => [rootCrl(), interCrl([0x7201, 0x7301])], 'ERR_DTLS_CERT_REVOKED', 'certificate_revoked'],
  ['the intermediate revoked', () => [rootCrl([0x7101]), interCrl()], 'ERR_DTLS_CERT_REVOKED', 'certificate_revoked'],
  ['an expired CRL', () => [interCrl([], { thisUpdate: new Date(now - 30 * DAY), nextUpdate: new Date(now - DAY) })], 'ERR_DTLS_CRL_EXPIRED', 'certificate_unknown'],
  ['a CRL signed by the wrong key', () => [interCrl([], { signer: testKey('p256', 74), aki: null })], 'ERR_DTLS_CRL_BAD_SIGNATURE', 'certificate_unknown'],
];

function run(server: ServerOptions, client: Omit<ConnectOptions, 'host' | 'port' | 'socket' | 'checkServerIdentity'>) {
  const net = new VirtualNetwork({ seed: 3 });
  const s = new DtlsServerNode({ ...identity(serverLeaf), ...server });
  const c = new DtlsClientNode({ ca: root.pem, servername: 'localhost', ...client }, SERVER_ADDR, net.now);
  net.attach(SERVER_ADDR, s, { role: 'server' });
  net.attach(CLIENT_ADDR, c, { role: 'client' });
  net.run({ until: () => (c.established && s.established > 0) || c.closed || s.errors.length > 0, maxTime: 20_000 });
  net.run({ maxTime: 200 });
  return { s, c };
}

describe.each(PROVIDERS)('crl option ($name provider)', (provider) => {
  describe('client role: the server chain', () => {
    it.each(SCENARIOS)('%s', (_label, crls, code, alert) => {
      const { s, c } = run({ crypto: provider }, { crypto: provider, crl: crls().map((x) => x.pem) });
      if (code === undefined) {
        expect(c.error).toBeUndefined();
        expect(c.established).toBe(true);
        return;
      }
      expect(c.established).toBe(false);
      expect(c.error?.code, c.error?.message).toBe(code);
      expect(c.error?.alert).toBe(alert);
      // The server received the alert.
      expect(s.errors[0]?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
      expect(s.errors[0]?.alert).toBe(alert);
      expect(s.established).toBe(0);
    });
  });

  describe('server role: the client chain (requestCert, rejectUnauthorized)', () => {
    it.each(SCENARIOS)('%s', (_label, crls, code, alert) => {
      const { s, c } = run(
        { crypto: provider, requestCert: true, rejectUnauthorized: true, ca: root.pem, crl: Buffer.concat(crls().map((x) => Buffer.from(x.der))) },
        { crypto: provider, ...identity(clientLeaf) },
      );
      if (code === undefined) {
        expect(s.errors).toEqual([]);
        expect(s.established).toBe(1);
        return;
      }
      expect(s.established).toBe(0);
      expect(s.errors[0]?.code, s.errors[0]?.message).toBe(code);
      expect(s.errors[0]?.alert).toBe(alert);
      expect(c.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
      expect(c.error?.alert).toBe(alert);
    });

    it('reports the revocation as authorizationError without rejectUnauthorized', () => {
      const { s } = run({ crypto: provider, requestCert: true, rejectUnauthorized: false, ca: root.pem, crl: interCrl([0x7301]).pem }, { crypto: provider, ...identity(clientLeaf) });
      expect(s.established).toBe(1);
      const secure = s.events.find((e) => e.type === 'secure');
      expect(secure?.type === 'secure' && secure.assoc.negotiated?.authorizationError?.code).toBe('ERR_DTLS_CERT_REVOKED');
    });
  });
});

describe('crl and allowSha1Certificates option validation', () => {
  const base = identity(serverLeaf);
  it('names the option in its errors', () => {
    expect(() => new DtlsServerNode({ ...base, crl: 42 as unknown as string })).toThrow(/"crl" option must be a string, Buffer or array/);
    expect(() => new DtlsServerNode({ ...base, crl: '-----BEGIN X509 CRL-----\n@@@\n-----END X509 CRL-----\n' })).toThrow(/"crl" option/);
    expect(() => new DtlsServerNode({ ...base, crl: base.cert })).toThrow(/"crl" option: no X509 CRL PEM block/);
    expect(() => new DtlsServerNode({ ...base, crl: makeCrl({ issuer: inter, crlNumber: null }).pem })).toThrow(/"crl" option: .*no cRLNumber/);
    expect(() => new DtlsServerNode({ ...base, crl: makeCrl({ issuer: inter, nextUpdate: null }).der })).toThrow(/"crl" option: .*no nextUpdate/);
    const delta = makeCrl({ issuer: inter, extra: [{ oid: '2.5.29.27', critical: true, value: Uint8Array.of(2, 1, 1) }] });
    expect(() => new DtlsServerNode({ ...base, crl: delta.pem })).toThrow(/delta CRLs are not supported/);
    expect(() => new DtlsServerNode({ ...base, allowSha1Certificates: 'yes' as unknown as boolean })).toThrow(/"allowSha1Certificates" option must be a boolean/);
    const c: CommonOptions = { crl: [interCrl().pem, rootCrl().der], allowSha1Certificates: false };
    expect(() => new DtlsServerNode({ ...base, ...c })).not.toThrow();
  });
});

describe('checkServerIdentity (loopback UDP)', () => {
  async function withServer<T>(f: (port: number) => Promise<T>): Promise<T> {
    const s: Server = createServer({ ...identity(serverLeaf), socket: dgram.createSocket('udp4') });
    s.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    try {
      return await f(s.address().port);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  it('replaces the name check: called with the host and the Node-shaped certificate; an Error rejects', async () => {
    await withServer(async (port) => {
      const seen: [string, PeerCertificate][] = [];
      // The certificate names localhost only: without the callback, host "device.example" would fail.
      const c = await connectAsync({
        host: '127.0.0.1', port, servername: 'device.example', ca: root.pem,
        checkServerIdentity: (host, cert) => {
          seen.push([host, cert]);
          return undefined;
        },
      });
      expect(c.authorized).toBe(true);
      c.end();
      expect(seen).toHaveLength(1);
      expect(seen[0]![0]).toBe('device.example');
      expect(seen[0]![1].subject.CN).toBe('localhost');
      expect(seen[0]![1].subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      expect(seen[0]![1].fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

      const err = await connectAsync({
        host: '127.0.0.1', port, servername: 'localhost', ca: root.pem,
        checkServerIdentity: (_host, cert) => (cert.fingerprint256 === 'pinned' ? undefined : new Error('fingerprint not pinned')),
      }).then(() => undefined, (e: unknown) => e as { code?: string; message?: string });
      expect(err?.code).toBe('ERR_DTLS_CERT_NAME_MISMATCH');
      expect(err?.message).toMatch(/fingerprint not pinned/);
    });
  });

  it('is not called when the chain itself fails; revocation still applies', async () => {
    await withServer(async (port) => {
      let calls = 0;
      const err = await connectAsync({
        host: '127.0.0.1', port, servername: 'localhost', ca: root.pem, crl: interCrl([0x7201]).pem,
        checkServerIdentity: () => {
          calls++;
          return undefined;
        },
      }).then(() => undefined, (e: unknown) => e as { code?: string; alert?: string });
      expect(err?.code).toBe('ERR_DTLS_CERT_REVOKED');
      expect(err?.alert).toBe('certificate_revoked');
      expect(calls).toBe(0);
    });
  });

  it('rejects a non-function', async () => {
    await expect(connectAsync({ host: '127.0.0.1', port: 1, checkServerIdentity: 'no' as unknown as ConnectOptions['checkServerIdentity'] })).rejects.toThrow(/"checkServerIdentity" option must be a function/);
  });
});
