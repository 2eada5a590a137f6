/**
 * Runs every program in examples/ as a user would (`node examples/NAME.mjs`,
 * importing 'puredtls' by name, which resolves to this package's own dist/
 * through its "exports"), waits for its ready line, exercises it with our
 * client, the other examples or `openssl s_client`, and stops it with SIGTERM.
 * So no example can rot.
 *
 * Needs dist/ (`npm run build`; `npm test` builds it first, through "pretest").
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DtlsError, connectAsync } from '../../src/index.js';
import { HAS_OPENSSL, PeerProcess, pki, runOpensslClient, stopAllPeers } from '../interop/peers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const READY = /^listening on udp:\/\/(?:\[[^\]]*\]|[^\s:]+):(\d+)$/m;
/**
 * Bound of each process (ms). A run takes a few seconds; the margin is for loaded CI machines
 * (each example is a fresh Node process that loads the package).
 */
const LIMIT = 60_000;
const PSK = { identity: 'Client_identity', key: Buffer.from('dtls-interop-psk') };

interface RunningExample {
  process: PeerProcess;
  port: number;
  /** SIGTERM, then the exit; fails the test unless it exits 0 on its own. */
  stop(): Promise<void>;
}

/** Start a server example on a free port and wait for its "listening on" line. */
async function startServer(name: string, args: string[] = []): Promise<RunningExample> {
  const p = new PeerProcess(process.execPath, [join(EXAMPLES, name), '--port', '0', ...args], 2 * LIMIT);
  const m = await p.waitFor('stdout', READY, LIMIT / 2);
  return {
    process: p,
    port: Number(m[1]),
    async stop() {
      p.child.kill('SIGTERM');
      const exit = await p.waitExit(10_000);
      expect(exit, `${name} did not exit cleanly on SIGTERM\n${p.describe()}`).toEqual({ code: 0, signal: null });
    },
  };
}

/** Run a client example to its end. */
async function runClient(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; describe: () => string }> {
  const p = new PeerProcess(process.execPath, [join(EXAMPLES, name), ...args], LIMIT / 2);
  const exit = await p.waitExit(LIMIT / 2);
  return { code: exit.code, stdout: p.stdout, stderr: p.stderr, describe: () => p.describe() };
}

// The examples also read these from the environment: the tests pass flags only.
const EXAMPLE_ENV = ['HOST', 'PORT', 'KEY', 'CERT', 'CA', 'PIN'];
const savedEnv = new Map<string, string | undefined>();

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/index.js'))) {
    throw new Error("dist/ is missing: the examples import 'puredtls', which is this package's dist/. Run `npm run build` (npm test does it through \"pretest\").");
  }
  for (const k of EXAMPLE_ENV) {
    savedEnv.set(k, process.env[k]);
    delete process.env[k];
  }
});

afterAll(async () => {
  await stopAllPeers();
  for (const [k, v] of savedEnv) if (v !== undefined) process.env[k] = v;
});

describe('examples/', () => {
  it('every example is exercised by a test', () => {
    const tests = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(ROOT, 'test', f), 'utf8'))
      .join('\n');
    // Programs in subfolders (examples/bundle/...) are named by their path under examples/.
    const examples = readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(mjs|cjs|js|sh|ts)$/.test(f));
    expect(examples.length).toBeGreaterThan(0);
    const untested = examples.filter((f) => !tests.includes(f));
    expect(untested, 'examples that no test under test/ names (and so runs)').toEqual([]);
  });
});

describe.concurrent('examples run', { timeout: 2 * LIMIT }, () => {
  it('restart.mjs: SIGTERM saves, the next start continues the client without a handshake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puredtls-restart-example-'));
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'state.key'), Buffer.alloc(32, 5));
      const args = ['--host', '127.0.0.1', '--state-file', join(dir, 'state.bin'), '--state-key', join(dir, 'state.key')];
      const first = await startServer('restart.mjs', args);
      const c = await connectAsync({ host: '127.0.0.1', port: first.port, ca: pki('ca-bundle.pem'), servername: 'localhost' });
      const say = (text: string) => new Promise<string>((resolve) => {
        c.once('message', (m) => resolve(m.toString()));
        c.send(text);
      });
      try {
        expect(await say('before')).toBe('before');
        await first.stop();
        expect(first.process.stdout).toMatch(/^saved 1 associations$/m);
        const p = new PeerProcess(process.execPath, [join(EXAMPLES, 'restart.mjs'), ...args, '--port', String(first.port)], 2 * LIMIT);
        await p.waitFor('stdout', READY, LIMIT / 2);
        expect(p.stdout).toMatch(/^restored 1 associations$/m);
        expect(await say('after')).toBe('after');
        expect(p.stdout).toMatch(/^restored 127\.0\.0\.1:\d+ DTLSv1\.3 \(no handshake\)$/m);
        expect(p.stdout).not.toMatch(/handshake from/);
        p.child.kill('SIGINT');
        expect(await p.waitExit(10_000)).toEqual({ code: 0, signal: null });
      } finally {
        c.end();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('echo-server.mjs echoes to our client and to openssl s_client, and exits on SIGTERM', async () => {
    const srv = await startServer('echo-server.mjs');
    try {
      expect(srv.process.stdout).toMatch(/^certificate SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
      const c = await connectAsync({ host: '127.0.0.1', port: srv.port, ca: pki('ca-bundle.pem') });
      const reply = new Promise<string>((resolve) => c.once('message', (m) => resolve(m.toString())));
      c.send('ping from the examples test');
      expect(await reply).toBe('ping from the examples test');
      c.end();
      if (HAS_OPENSSL) {
        const r = await runOpensslClient({ port: srv.port, message: 'hello from s_client', timeoutMs: LIMIT / 2 });
        expect(r.handshake, r.describe()).toBe(true);
        expect(r.echoed, r.describe()).toBe(true);
      }
      await srv.process.waitFor('stdout', /^secure connection from .*\(ECDHE-ECDSA-/m, LIMIT / 2);
    } finally {
      await srv.stop();
    }
    expect(srv.process.stdout).toMatch(/^server closed$/m);
  });

  it('pinned-client.mjs accepts the pinned self-signed certificate of echo-server.mjs --self-signed and rejects another pin; mtls-client.mjs refuses it', async () => {
    const srv = await startServer('echo-server.mjs', ['--self-signed']);
    try {
      const fp = /^certificate SHA-256 fingerprint (\S+)$/m.exec(srv.process.stdout)![1]!;
      const wrong = fp.replace(/^(.)/, (c) => (c === '0' ? '1' : '0'));
      const port = String(srv.port);
      const [good, bad, unverified] = await Promise.all([
        runClient('pinned-client.mjs', ['--port', port, '--pin', fp.toLowerCase(), '--message', 'pinned hello']),
        runClient('pinned-client.mjs', ['--port', port, '--pin', wrong]),
        runClient('mtls-client.mjs', ['--port', port]),
      ]);
      expect(good.code, good.describe()).toBe(0);
      expect(good.stdout).toContain(`server certificate matches the pin ${fp}`);
      expect(good.stdout).toMatch(/^reply: pinned hello$/m);
      expect(bad.code, bad.describe()).toBe(1);
      expect(bad.stderr).toContain(`certificate fingerprint mismatch: expected ${wrong}, got ${fp}`);
      expect(bad.stdout).not.toMatch(/reply:/);
      expect(unverified.code, unverified.describe()).toBe(1);
      expect(unverified.stderr).toMatch(/^handshake failed: ERR_DTLS_CERT_UNTRUSTED /m);
    } finally {
      await srv.stop();
    }
  });

  it('psk-server.mjs looks keys up asynchronously: openssl s_client and our client connect with PSK-AES128-CCM8, an unknown identity fails', async () => {
    const srv = await startServer('psk-server.mjs');
    try {
      if (HAS_OPENSSL) {
        const r = await runOpensslClient({
          port: srv.port, cipher: 'PSK-AES128-CCM8', message: 'coap over s_client', timeoutMs: LIMIT / 2,
          extra: ['-psk', PSK.key.toString('hex'), '-psk_identity', PSK.identity],
        });
        expect(r.handshake, r.describe()).toBe(true);
        expect(r.echoed, r.describe()).toBe(true);
        expect(r.cipher).toBe('PSK-AES128-CCM8');
      }
      const c = await connectAsync({ host: '127.0.0.1', port: srv.port, psk: PSK, ciphers: 'PSK-AES128-CCM8' });
      expect(c.getCipher()?.name).toBe('PSK-AES128-CCM8');
      const reply = new Promise<string>((resolve) => c.once('message', (m) => resolve(m.toString())));
      c.send('coap over puredtls');
      expect(await reply).toBe('coap over puredtls');
      c.end();
      await srv.process.waitFor('stdout', /^device "Client_identity" connected \(PSK-AES128-CCM8\)$/m, LIMIT / 2);

      const err = await connectAsync({
        host: '127.0.0.1', port: srv.port, psk: { identity: 'nobody', key: PSK.key }, ciphers: 'PSK-AES128-CCM8', handshakeTimeout: 10_000,
      }).then(() => undefined, (e: DtlsError) => e);
      expect(err?.code).toMatch(/^ERR_DTLS_/);
      await srv.process.waitFor('stdout', /^key lookup for "nobody" from /m, LIMIT / 2);
      await srv.process.waitFor('stderr', /^handshake with .* failed: ERR_DTLS_/m, LIMIT / 2);
    } finally {
      await srv.stop();
    }
    expect(srv.process.stdout).toMatch(/^server closed$/m);
  });

  it('mtls-server.mjs and mtls-client.mjs (the README pair) talk with their defaults; a client from an unknown CA is refused', async () => {
    const srv = await startServer('mtls-server.mjs');
    try {
      const port = String(srv.port);
      const [ok, wrongCa] = await Promise.all([
        runClient('mtls-client.mjs', ['--port', port]),
        runClient('mtls-client.mjs', ['--port', port, '--host', '127.0.0.1',
          '--cert', relative(process.cwd(), join(ROOT, 'test/fixtures/pki/client-wrong-ca.crt.pem')),
          '--key', join(ROOT, 'test/fixtures/pki/client-wrong-ca.key.pem'), '--message', 'let me in']),
      ]);
      expect(ok.code, ok.describe()).toBe(0);
      expect(ok.stdout).toMatch(/^connected to "localhost" \(TLS_AES_128_GCM_SHA256\)$/m);
      expect(ok.stdout).toMatch(/^reply: hello client-ecdsa, you sent: hello$/m);
      expect(wrongCa.code, wrongCa.describe()).toBe(1);
      expect(wrongCa.stderr).toMatch(/^handshake failed: ERR_DTLS_ALERT_RECEIVED peer sent fatal alert unknown_ca$/m);
      expect(wrongCa.stdout).not.toMatch(/reply:/);
      await srv.process.waitFor('stdout', /^client "client-ecdsa" connected from /m, LIMIT / 2);
      await srv.process.waitFor('stderr', /^handshake with .* failed: ERR_DTLS_CERT_UNTRUSTED /m, LIMIT / 2);
      expect(srv.process.stdout).not.toContain('DTLS Test Untrusted');
    } finally {
      await srv.stop();
    }
  });

  it.skipIf(!HAS_OPENSSL)('make-certs.sh makes a PKI that mtls-server.mjs and mtls-client.mjs run with (the README section, step by step)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puredtls-make-certs-'));
    try {
      execFileSync('sh', [join(EXAMPLES, 'make-certs.sh'), join(dir, 'certs')], { stdio: 'pipe', timeout: LIMIT / 2 });
      const f = (name: string) => join(dir, 'certs', name);
      for (const name of ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'client.crt', 'client.key']) expect(existsSync(f(name)), name).toBe(true);
      const srv = await startServer('mtls-server.mjs', ['--key', f('server.key'), '--cert', f('server.crt'), '--ca', f('ca.crt')]);
      try {
        const r = await runClient('mtls-client.mjs', ['--port', String(srv.port), '--key', f('client.key'), '--cert', f('client.crt'), '--ca', f('ca.crt')]);
        expect(r.code, r.describe()).toBe(0);
        expect(r.stdout).toMatch(/^connected to "localhost" \(TLS_AES_128_GCM_SHA256\)$/m);
        expect(r.stdout).toMatch(/^reply: hello device-1, you sent: hello$/m);
        await srv.process.waitFor('stdout', /^client "device-1" connected from /m, LIMIT / 2);
      } finally {
        await srv.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
