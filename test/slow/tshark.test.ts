import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAsync, createServer, type ConnectOptions } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

// Run by `npm run test:slow`. Capture uses the system's tshark (CI installs it: apt-get install -y
// tshark); DTLS 1.2 is decoded with it too. DTLS 1.3 needs a newer Wireshark (Debian 12 ships 4.0,
// which stops at the ServerHello): tools/peers/tshark.sh provides Debian 13's tshark 4.4, cached in
// ~/.cache/puredtls-peers; when it cannot be had the 1.3 case fails.
const dir = mkdtempSync(join(tmpdir(), 'puredtls-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PAYLOAD = 'tshark-can-read-this';

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

interface Captured { readonly capture: string; readonly keylog: string; readonly port: number; readonly protocol: string | null }

/**
 * One session between our server and our client on loopback, captured by the system's tshark,
 * with the server's NSS key log: the client sends {@link PAYLOAD}, the server echoes it.
 */
async function captureSession(name: string, versions: Pick<ConnectOptions, 'maxVersion'>): Promise<Captured> {
  const keylog = join(dir, `${name}.keys.log`);
  const capture = join(dir, `${name}.pcapng`);
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
  let protocol: string | null = null;
  try {
    const live = waitFor(tshark, /127\.0\.0\.1/, 20_000);
    const ticker = setInterval(() => probe.send(Buffer.from('probe'), port, '127.0.0.1'), 100);
    await live.finally(() => clearInterval(ticker));
    const client = await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', ...versions });
    protocol = client.getProtocol();
    const echoed = new Promise<Buffer>((r) => client.once('message', r));
    client.send(PAYLOAD);
    expect((await echoed).toString()).toBe(PAYLOAD);
    client.end();
    // Capture stops on SIGINT; let the last datagrams (the close_notify) reach the file first.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    probe.close();
    tshark.kill('SIGINT');
    await new Promise((r) => tshark.once('exit', r));
    await new Promise<void>((r) => server.close(r));
  }
  return { capture, keylog, port, protocol };
}

/** `tshark -r` of a capture as DTLS on its port, one line per shown packet. */
function decode(tshark: string, c: Captured, keylog: boolean, filter: string, fields: readonly string[]): string[] {
  const r = spawnSync(tshark, [
    '-r', c.capture, ...(keylog ? ['-o', `tls.keylog_file:${c.keylog}`] : []), '-d', `udp.port==${c.port},dtls`,
    '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f]),
  ], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

const text = (hex: string) => Buffer.from(hex.trim(), 'hex').toString();

describe('keylog', () => {
  it('lets tshark decrypt a captured DTLS 1.2 session with the NSS key log our server writes', async () => {
    // Debian 12's tshark (4.0) decodes 1.2.
    const c = await captureSession('dtls12', { maxVersion: 'DTLSv1.2' });
    expect(c.protocol).toBe('DTLSv1.2');
    const payloads = decode('tshark', c, true, 'dtls.record.content_type == 23', ['data.data']).map(text);
    // Both directions decrypted: the message and its echo.
    expect(payloads.filter((p) => p === PAYLOAD)).toHaveLength(2);

    // Without the key log the same capture stays opaque.
    const opaque = decode('tshark', c, false, 'dtls.record.content_type == 23', ['data.data']);
    expect(opaque.join('\n')).not.toContain(Buffer.from(PAYLOAD).toString('hex'));
  }, 120_000);

  it('lets tshark 4.4 (Debian 13) decrypt a captured DTLS 1.3 session with the NSS key log our server writes', async () => {
    const got = spawnSync('bash', [new URL('../../tools/peers/tshark.sh', import.meta.url).pathname], { encoding: 'utf8', timeout: 600_000 });
    expect(got.status, `tools/peers/tshark.sh could not provide a tshark that decrypts DTLS 1.3: ${got.stderr}`).toBe(0);
    const tshark = got.stdout.trim();

    const c = await captureSession('dtls13', {});
    expect(c.protocol).toBe('DTLSv1.3');
    // Each DTLS datagram but the capture probes: sender port, handshake types, alert, clear payload.
    const rows = (keylog: boolean) => decode(tshark, c, keylog, 'dtls && !(udp.payload == 70:72:6f:62:65)',
      ['udp.srcport', 'dtls.handshake.type', 'dtls.alert_message.desc', 'data.data'])
      .map((l) => l.split('\t')).map(([src, types, alert, data]) => ({
        from: Number(src) === c.port ? 'server' : 'client', types: types ? types.split(',').map(Number) : [], alert, data: data ? text(data) : '',
      }));
    const clear = rows(true);
    const sent = (from: 'client' | 'server') => clear.filter((r) => r.from === from);
    // The encrypted handshake is dissected: EncryptedExtensions (8), Certificate (11),
    // CertificateVerify (15), Finished (20) from the server, Finished from the client, and the
    // NewSessionTicket (4) sent after it.
    expect(sent('server').flatMap((r) => r.types)).toEqual(expect.arrayContaining([2, 8, 11, 15, 20, 4]));
    expect(sent('client').flatMap((r) => r.types)).toContain(20);
    // The application data both ways: the message and its echo, and both close_notify alerts.
    expect(sent('client').filter((r) => r.data === PAYLOAD)).toHaveLength(1);
    expect(sent('server').filter((r) => r.data === PAYLOAD)).toHaveLength(1);
    expect(sent('client').map((r) => r.alert)).toContain('0');
    expect(sent('server').map((r) => r.alert)).toContain('0');

    // Without the key log the same tshark sees only the hellos.
    const opaque = rows(false);
    expect(opaque.flatMap((r) => r.types).filter((t) => t !== 1 && t !== 2)).toEqual([]);
    expect(opaque.filter((r) => r.data !== '' || r.alert !== '')).toEqual([]);
  }, 700_000);
});
