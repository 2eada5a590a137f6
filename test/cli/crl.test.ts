/** `puredtls client --crl` and `puredtls server --crl`: the CLI passes the CRL file to the `crl` option. */
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runClient } from '../../src/cli/client-command.js';
import { createServer } from '../../src/index.js';
import { pemEncode } from '../../src/x509/pem.js';
import { makeCrl, makeIntermediate, makeLeaf, makeRoot, testKey } from '../x509/helpers/pki.js';

const DAY = 86_400_000;
const root = makeRoot('CLI CRL Root', testKey('p256', 90));
const inter = makeIntermediate(root, 'CLI CRL Intermediate', { key: testKey('p256', 91) });
const leaf = makeLeaf(inter, { key: testKey('p256', 92), serial: 0x9201 });
const dir = mkdtempSync(join(tmpdir(), 'puredtls-cli-crl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: string | Uint8Array): string => {
  writeFileSync(join(dir, name), data);
  return join(dir, name);
};

describe('puredtls client --crl', () => {
  it('refuses a server whose certificate the CRL file revokes (exit 1), accepts it without', async () => {
    const server = createServer({ key: pemEncode('PRIVATE KEY', leaf.key.pkcs8), cert: leaf.pem + inter.pem, socket: dgram.createSocket('udp4') });
    server.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
    server.on('error', () => undefined); // the refused handshake (alert certificate_revoked received)
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const port = String(server.address().port);
      const crl = makeCrl({ issuer: inter, thisUpdate: new Date(Date.now() - DAY), nextUpdate: new Date(Date.now() + DAY), entries: [{ serial: 0x9201 }] });
      const base = ['127.0.0.1', port, '--servername', 'localhost', '--ca', file('root.pem', root.pem), '--message', 'hi', '--timeout', '10'];
      expect(await runClient([...base, '--crl', file('crl.der', crl.der)])).toBe(1);
      expect(errors.join('\n')).toMatch(/revoked.*\(alert certificate_revoked\)/);
      expect(await runClient(base)).toBe(0);
    } finally {
      spy.mockRestore();
      out.mockRestore();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
