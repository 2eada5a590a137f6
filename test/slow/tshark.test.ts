import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAsync, createServer } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

// Run by `npm run test:slow` (CI installs tshark: apt-get install -y tshark).
const dir = mkdtempSync(join(tmpdir(), 'puredtls-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function waitFor(child: ReturnType<typeof spawn>, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} from tshark within ${ms} ms: ${text}`)), ms);
    const on = (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
  });
}

describe('keylog', () => {
  it('lets tshark decrypt a captured session with the NSS key log our server writes', async () => {
    const keylog = join(dir, 'keys.log');
    const capture = join(dir, 'capture.pcapng');
    const server = createServer({
      key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), socket: dgram.createSocket('udp4'),
    });
    server.on('keylog', (line) => appendFileSync(keylog, line));
    server.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
    const port = server.address().port;

    // -P prints each packet while writing the file: probes tell us when capture is really live.
    const tshark = spawn('tshark', ['-i', 'lo', '-f', `udp port ${port}`, '-w', capture, '-P'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const probe = dgram.createSocket('udp4');
    try {
      const live = waitFor(tshark, /127\.0\.0\.1/, 20_000);
      const ticker = setInterval(() => probe.send(Buffer.from('probe'), port, '127.0.0.1'), 100);
      await live.finally(() => clearInterval(ticker));
      // DTLS 1.2: Debian 12's tshark (4.0) does not dissect DTLS 1.3's unified header records.
      const client = await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', maxVersion: 'DTLSv1.2' });
      const echoed = new Promise<Buffer>((r) => client.once('message', r));
      client.send('tshark-can-read-this');
      expect((await echoed).toString()).toBe('tshark-can-read-this');
      client.end();
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      probe.close();
      tshark.kill('SIGINT');
      await new Promise((r) => tshark.once('exit', r));
      await new Promise<void>((r) => server.close(r));
    }

    const decoded = spawnSync('tshark', [
      '-r', capture, '-o', `tls.keylog_file:${keylog}`, '-d', `udp.port==${port},dtls`,
      '-Y', 'dtls.record.content_type == 23', '-T', 'fields', '-e', 'data.data',
    ], { encoding: 'utf8', timeout: 60_000 });
    expect(decoded.status).toBe(0);
    const payloads = decoded.stdout.trim().split('\n').filter(Boolean).map((h) => Buffer.from(h.trim(), 'hex').toString());
    // Both directions decrypted: the message and its echo.
    expect(payloads.filter((p) => p === 'tshark-can-read-this')).toHaveLength(2);

    // Without the key log the same capture stays opaque.
    const opaque = spawnSync('tshark', ['-r', capture, '-d', `udp.port==${port},dtls`, '-Y', 'dtls.record.content_type == 23', '-T', 'fields', '-e', 'data.data'],
      { encoding: 'utf8', timeout: 60_000 });
    expect(opaque.stdout).not.toContain(Buffer.from('tshark-can-read-this').toString('hex'));
  }, 120_000);
});
