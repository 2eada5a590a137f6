/**
 * Revocation with real peers: the same CRL, in OpenSSL and in puredtls,
 * gives the same verdict, and the certificate_revoked alert crosses the wire.
 *
 * - our client (`crl`) against `openssl s_server` serving a revoked
 *   certificate: refused with ERR_DTLS_CERT_REVOKED; s_server receives
 *   alert 44 (certificate_revoked);
 * - `openssl s_client -crl_check -CRL` against our server serving that
 *   certificate: OpenSSL refuses it too (and accepts an unrevoked one);
 * - our server (`requestCert`, `crl`) against `openssl s_client` presenting a
 *   revoked client certificate: refused; s_client receives alert 44.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DtlsError, connectAsync } from '../../src/index.js';
import { pemEncode } from '../../src/x509/pem.js';
import { makeCrl, makeIntermediate, makeLeaf, makeRoot, testKey } from '../x509/helpers/pki.js';
import { startOurServer } from './ours.js';
import { HAS_OPENSSL, runOpensslClient, startOpensslServer, stopAllPeers } from './peers.js';

const DAY = 86_400_000;
const now = Date.now();
const root = makeRoot('CRL Interop Root', testKey('p256', 80));
const inter = makeIntermediate(root, 'CRL Interop Intermediate', { key: testKey('p256', 81) });
const revokedServer = makeLeaf(inter, { key: testKey('p256', 82), serial: 0x8201 });
const goodServer = makeLeaf(inter, { key: testKey('p256', 83), serial: 0x8301 });
const revokedClient = makeLeaf(inter, { key: testKey('p256', 84), serial: 0x8401, subject: { CN: 'device-revoked' } });
const crl = makeCrl({ issuer: inter, thisUpdate: new Date(now - DAY), nextUpdate: new Date(now + 30 * DAY), entries: [{ serial: 0x8201, reason: 1 }, { serial: 0x8401 }] });

const dir = mkdtempSync(join(tmpdir(), 'puredtls-crl-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await stopAllPeers();
});
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const rootFile = file('root.pem', root.pem);
const crlFile = file('crl.pem', crl.pem);
const keyPem = (c: typeof revokedServer): string => pemEncode('PRIVATE KEY', c.key.pkcs8);
const ALERT_CERTIFICATE_REVOKED = 44;

describe.skipIf(!HAS_OPENSSL).sequential('CRLs against OpenSSL', () => {
  it('our client refuses a revoked server certificate served by s_server, which receives certificate_revoked', async () => {
    const s = await startOpensslServer({
      extra: ['-cert', file('srv.pem', revokedServer.pem), '-cert_chain', file('srv-chain.pem', inter.pem), '-key', file('srv.key', keyPem(revokedServer))],
    });
    const err = await connectAsync({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: root.pem, crl: crl.pem })
      .then(() => undefined, (e: unknown) => e as DtlsError);
    expect(err?.code, String(err)).toBe('ERR_DTLS_CERT_REVOKED');
    expect(err?.alert).toBe('certificate_revoked');
    await s.proc.waitExit(5_000).catch(() => undefined);
    expect(s.msgLog().alerts, s.proc.describe()).toContainEqual({ dir: '<<<', level: 2, description: ALERT_CERTIFICATE_REVOKED });
  });

  it('openssl s_client -crl_check reaches the same verdicts on our server: revoked refused, unrevoked accepted', async () => {
    for (const [leaf, revoked] of [[revokedServer, true], [goodServer, false]] as const) {
      const ours = await startOurServer({ key: keyPem(leaf), cert: leaf.pem + inter.pem });
      try {
        const run = await runOpensslClient({
          port: ours.port, servername: 'localhost', extra: ['-CAfile', rootFile, '-crl_check', '-CRL', crlFile, '-verify_hostname', 'localhost'],
        });
        expect(run.handshake, run.describe()).toBe(!revoked);
        if (revoked) expect(`${run.stdout}${run.stderr}`, run.describe()).toMatch(/certificate revoked/);
        // puredtls with the same CRL agrees.
        const mine = await connectAsync({ host: '127.0.0.1', port: ours.port, servername: 'localhost', ca: root.pem, crl: crl.der })
          .then((c) => (c.end(), 'ok'), (e: unknown) => (e as DtlsError).code);
        expect(mine).toBe(revoked ? 'ERR_DTLS_CERT_REVOKED' : 'ok');
      } finally {
        await ours.close();
      }
    }
  });

  it('our server refuses a revoked client certificate from s_client, which receives certificate_revoked', async () => {
    const ours = await startOurServer({ requestCert: true, rejectUnauthorized: true, ca: root.pem, crl: crl.pem });
    try {
      const run = await runOpensslClient({
        port: ours.port, servername: 'localhost', verify: false,
        extra: ['-CAfile', rootFile, '-cert', file('cli.pem', revokedClient.pem), '-cert_chain', file('cli-chain.pem', inter.pem), '-key', file('cli.key', keyPem(revokedClient))],
      });
      expect(run.handshake, run.describe()).toBe(false);
      expect(run.msg.alerts, run.describe()).toContainEqual({ dir: '<<<', level: 2, description: ALERT_CERTIFICATE_REVOKED });
      const e = await ours.firstError();
      expect((e as DtlsError).code).toBe('ERR_DTLS_CERT_REVOKED');
    } finally {
      await ours.close();
    }
  });
});
