/**
 * Acceptance 1 of issue 17 with real processes: `puredtls server
 * --state-file` serves a client with live traffic through a UDP relay (which
 * keeps every datagram the server sends); SIGTERM saves and exits; a new
 * process started with the same flags loads the file; the client's next
 * records are answered without a handshake, and on the wire no (epoch, seq)
 * repeats under a key across the restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientConnection, connectAsync } from '../../src/client.js';
import { nativeProvider } from '../crypto/helpers.js';
import { SEQUENCE_MARGIN_12, SEQUENCE_MARGIN_13 } from '../../src/persist/index.js';
import { expectUnique, serverRecordNumbers } from '../persist/wire.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
const PKI = `${ROOT}test/fixtures/pki/`;

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** Start the CLI server; resolves with its port once it printed its listening line. */
function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; out: () => string; waitFor: (re: RegExp) => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'server', '--host', '127.0.0.1', '--cert', `${PKI}server-ecdsa-p256.crt.pem`, '--key', `${PKI}server-ecdsa-p256.key.pem`, ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.kill('SIGKILL'));
  let out = '';
  const waitFor = (re: RegExp) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!re.test(out)) return;
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`server exited ${code} before ${re}: ${out}`)));
    check();
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return waitFor(/listening on udp:\/\/127\.0\.0\.1:(\d+)/).then(() => ({
    child, port: Number(/listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]), out: () => out, waitFor,
  }));
}

/** A relay between the client and whichever server listens on `serverPort`, keeping what the server sends. */
async function relay(serverPort: number) {
  const sock = createSocket('udp4');
  const fromServer: Uint8Array[] = [];
  let client: { address: string; port: number } | undefined;
  sock.on('message', (msg, rinfo) => {
    if (rinfo.port === serverPort) {
      fromServer.push(Uint8Array.from(msg));
      if (client) sock.send(msg, client.port, client.address);
    } else {
      client = { address: rinfo.address, port: rinfo.port };
      sock.send(msg, serverPort, '127.0.0.1');
    }
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  cleanup.push(() => sock.close());
  return { port: sock.address().port, fromServer };
}

function echo(client: ClientConnection, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo of ${text}`)), 10_000);
    const on = (m: Buffer) => {
      if (m.toString() !== text) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve();
    };
    client.on('message', on);
    client.send(text);
  });
}

describe('puredtls server --state-file: a restart that keeps connections', () => {
  for (const version of ['DTLSv1.2', 'DTLSv1.3'] as const) {
    for (const cid of [false, true]) {
      it(`${version}${cid ? ' with CIDs' : ''}: SIGTERM saves, the next process continues without a handshake`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'puredtls-restart-'));
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
        const state = join(dir, 'state.bin');
        const keylog = join(dir, 'keys.log');
        const keyFile = join(dir, 'state.key');
        writeFileSync(keyFile, randomBytes(32).toString('hex'));
        const flags = ['--state-file', state, '--state-key', keyFile, '--keylog', keylog, ...(cid ? ['--connection-id', '4'] : [])];
        const first = await startServer(['--port', '0', ...flags], {});
        const r = await relay(first.port);
        const client = await connectAsync({
          host: '127.0.0.1', port: r.port, ca: readFileSync(`${PKI}ca-bundle.pem`), servername: 'localhost',
          minVersion: version, maxVersion: version, ...(cid && { connectionId: 4 }),
        });
        cleanup.push(() => client.end());
        for (let i = 0; i < 10; i++) await echo(client, `before ${i}`);
        const clientCid = client.negotiated?.connectionIds?.ours ?? new Uint8Array(0);
        expect(clientCid.length).toBe(cid ? 4 : 0);
        const suite13 = client.negotiated?.suite13?.name;

        // SIGTERM: the state is saved, nothing is sent to the client (no close_notify), the process exits 0.
        const sentBefore = r.fromServer.length;
        const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
        first.child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(first.out()).toMatch(/saved 1 associations to/);
        expect(r.fromServer.length).toBe(sentBefore);
        expect(existsSync(state)).toBe(true);
        let closed = false;
        client.on('close', () => (closed = true));

        const second = await startServer(['--port', String(first.port), ...flags], {});
        expect(second.out()).toMatch(/restored 1 associations from/);
        expect(existsSync(state)).toBe(false); // consumed
        for (let i = 0; i < 10; i++) await echo(client, `after ${i}`);
        expect(closed).toBe(false);
        expect(second.out()).not.toMatch(/handshake from/);

        const numbers = serverRecordNumbers({
          version, datagrams: r.fromServer, clientCid, provider: nativeProvider,
          keylog: readFileSync(keylog, 'utf8').split('\n'), ...(suite13 && { suite13 }),
        });
        expectUnique(numbers);
        // The new process wrote ahead of the old one's numbers: exactly its 10 echoes at or above the margin.
        const margin = version === 'DTLSv1.2' ? SEQUENCE_MARGIN_12 : SEQUENCE_MARGIN_13;
        const app = numbers.filter((n) => n.epoch === (version === 'DTLSv1.2' ? 1 : 3));
        expect(app.filter((n) => n.seq >= margin)).toHaveLength(10);
        expect(app.filter((n) => n.seq < margin).length).toBeGreaterThanOrEqual(10);
        second.child.kill('SIGINT');
      });
    }
  }

  it('a refused state file is reported, consumed, and the server starts without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puredtls-restart-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const state = join(dir, 'state.bin');
    writeFileSync(state, Buffer.from('PDAS\x01 not a real blob, far too short to hold anything'));
    const s = await startServer(['--port', '0', '--state-file', state], { PUREDTLS_STATE_KEY: randomBytes(32).toString('hex') });
    await s.waitFor(/refused \(ERR_DTLS_STATE_(AUTH|MALFORMED)\)/);
    expect(existsSync(state)).toBe(false);
    s.child.kill('SIGINT');
  });
});
