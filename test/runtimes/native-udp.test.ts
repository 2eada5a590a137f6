/**
 * The sans-IO examples over this runtime's own UDP socket (docs/sans-io.md):
 * examples/sans-io/deno-udp.ts on Deno (Deno.listenDatagram), examples/sans-io/bun-udp.ts
 * on Bun (Bun.udpSocket), and examples/sans-io/multiplex.ts (STUN, DTLS and RTP on one
 * socket). Only `npm run test:deno` and `npm run test:bun` run this file
 * (vitest.runtimes.config.ts); Node type-checks and runs its part in
 * test/sans-io/examples.test.ts.
 *
 * The programs run from a project that has puredtls installed the way npm installs it
 * (package.json, dist/ and sans-io/ copied into node_modules/puredtls, the dependencies
 * beside it): Deno type-checks a package's declarations only there.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Peer, connectAsync, createSelfSigned, createServer } from '../../src/index.js';
import { pki } from '../helpers/pki.js';
import { runtime } from '../helpers/runtime.js';
import { HAS_OPENSSL, PeerProcess, runOpensslClient, stopAllPeers } from '../interop/peers.js';

if (runtime === 'node') throw new Error('test/runtimes/native-udp.test.ts is for Bun and Deno: npm run test:bun, npm run test:deno');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROGRAM = runtime === 'deno' ? 'deno-udp.ts' : 'bun-udp.ts';
const LIMIT = 60_000;
const READY = /^listening on udp:\/\/127\.0\.0\.1:(\d+)$/m;
let project: string;

/** The runtime's command line for a program of the project. */
const command = (file: string, args: string[] = []): string[] =>
  runtime === 'deno' ? ['run', '--unstable-net', '-A', join(project, file), ...args] : [join(project, file), ...args];

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), `puredtls-${runtime}-sans-io-`));
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, 'puredtls'), { recursive: true });
  for (const f of ['package.json', 'dist', 'sans-io']) cpSync(join(ROOT, f), join(modules, 'puredtls', f), { recursive: true });
  for (const dep of readdirSync(join(ROOT, 'node_modules'))) {
    if (!dep.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
  }
  writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
  for (const f of readdirSync(join(ROOT, 'examples/sans-io')).filter((x) => x.endsWith('.ts'))) {
    copyFileSync(join(ROOT, 'examples/sans-io', f), join(project, f));
  }
});

afterAll(async () => {
  await stopAllPeers();
  if (project) rmSync(project, { recursive: true, force: true });
});

async function run(args: string[]): Promise<PeerProcess> {
  const p = new PeerProcess(process.execPath, args, LIMIT);
  await p.waitExit(LIMIT);
  return p;
}

describe(`examples/sans-io/${PROGRAM} over ${runtime}'s own UDP`, () => {
  it('the server serves our client and openssl s_client, and closes on SIGTERM', async () => {
    if (runtime === 'deno') {
      const check = await run(['check', join(project, 'deno-udp.ts'), join(project, 'multiplex.ts')]);
      expect(check.exit, `deno check failed\n${check.describe()}`).toEqual({ code: 0, signal: null });
    }
    const certFile = join(project, 'server-cert.pem');
    const server = new PeerProcess(process.execPath, command(PROGRAM, ['server', '--port', '0', '--cert-out', certFile]), 4 * LIMIT);
    try {
      const port = Number((await server.waitFor('stdout', READY, LIMIT))[1]);
      const client = await connectAsync({ host: '127.0.0.1', port, ca: readFileSync(certFile), servername: 'localhost' });
      const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
      client.send(`hello ${runtime}`);
      expect(await reply).toBe(`hello ${runtime}`);
      client.end();
      if (HAS_OPENSSL) {
        const r = await runOpensslClient({ port, verify: false, message: 'hello from s_client', timeoutMs: LIMIT / 2 });
        expect(r.handshake, r.describe()).toBe(true);
        expect(r.echoed, r.describe()).toBe(true);
      }
      // Our client negotiates DTLS 1.3; s_client -dtls1_2 holds to 1.2.
      await server.waitFor('stdout', /^secure connection from 127\.0\.0\.1:\d+ \(TLS_AES_128_GCM_SHA256\)$/m, LIMIT);
      if (HAS_OPENSSL) await server.waitFor('stdout', /^secure connection from 127\.0\.0\.1:\d+ \(ECDHE-ECDSA-AES128-GCM-SHA256\)$/m, LIMIT);
    } finally {
      server.child.kill('SIGTERM');
      const exit = await server.waitExit(LIMIT / 2);
      // Deno's node:child_process reports the signal it sent even when the child handled it
      // and exited 0 (`sh -c 'trap "exit 0" TERM; ...'` shows the same); Node and Bun report 0.
      expect(exit, server.describe()).toEqual(runtime === 'deno' ? { code: null, signal: 'SIGTERM' } : { code: 0, signal: null });
    }
    expect(server.stdout).toMatch(/^server closed$/m);
  }, 5 * LIMIT);

  it('the client gets its echo from our server, and refuses a server it does not trust', async () => {
    const server = createServer({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem') });
    server.on('secureConnection', (peer: Peer) => peer.on('message', (m) => peer.send(m)));
    server.on('error', () => {}); // the refused handshake
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    try {
      const port = String(server.address().port);
      const good = await run(command(PROGRAM, ['client', '--port', port, '--ca', join(ROOT, 'test/fixtures/pki/ca-bundle.pem'), '--message', `from ${runtime}`]));
      expect(good.exit, good.describe()).toEqual({ code: 0, signal: null });
      expect(good.stdout).toMatch(new RegExp(`^reply: from ${runtime}$`, 'm'));

      const stranger = join(project, 'stranger.pem');
      writeFileSync(stranger, createSelfSigned().certPem);
      const bad = await run(command(PROGRAM, ['client', '--port', port, '--ca', stranger]));
      expect(bad.exit, bad.describe()).toEqual({ code: 1, signal: null });
      expect(bad.stderr).toMatch(/^failed: ERR_DTLS_CERT_UNTRUSTED$/m);
      expect(bad.stdout).not.toMatch(/reply:/);
    } finally {
      await new Promise<void>((resolve) => server.close(resolve));
    }
  }, 3 * LIMIT);

  it('multiplex.ts: STUN, DTLS and RTP share one socket each side', async () => {
    const p = await run(runtime === 'deno' ? ['run', '-A', join(project, 'multiplex.ts')] : [join(project, 'multiplex.ts')]);
    expect(p.exit, p.describe()).toEqual({ code: 0, signal: null });
    expect(p.stdout).toMatch(/^stun: binding success from 127\.0\.0\.1:\d+, mapped address 127\.0\.0\.1:\d+$/m);
    expect(p.stdout).toMatch(/^srtp: SRTP_AEAD_AES_128_GCM, both ends exported the same 56 bytes of keying material$/m);
    expect(p.stdout).toMatch(/^rtp: 3 packets to the media handler$/m);
    expect(p.stdout).toMatch(/^dtls: closed \(close_notify\)\ndone$/m);
  }, 2 * LIMIT);
});
