/**
 * `npm run test:bundle`: the programs of examples/bundle/ (bundle/server.mjs,
 * bundle/client.mjs, bundle/both.mjs) bundled as users bundle them
 * (tools/bundle.mjs: esbuild to ESM and to CommonJS, minified; webpack 5 in production
 * mode), each bundle run from a directory with no node_modules anywhere above it:
 *
 * - the server bundle makes its certificate with createSelfSigned and echoes; the client
 *   bundle of the same bundler gets its echo, and with a CA the server does not have fails
 *   with `CertificateError ERR_DTLS_CERT_UNTRUSTED` (names that minification would mangle
 *   if they came from the class) while the server reports the client's alert by name;
 * - the both-in-one bundle passes its own three checks (echo, CertificateError, an option
 *   error that is a TypeError and a DtlsError);
 * - the bundled CLI prints package.json's version (no package.json beside a bundle) and its
 *   help;
 * - the README's size table is within 10 % of what was just measured
 *   (`node tools/bundle.mjs --readme` rewrites it).
 *
 * Needs dist/ (`npm run build`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSigned } from '../../src/index.js';
import { PeerProcess, stopAllPeers } from '../interop/peers.js';
import { APPS, BUNDLERS, type BuiltBundle, buildAll, readmeTable, sizeTable, tableFigures } from '../../tools/bundle.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIMIT = 60_000;
const READY = /^listening on udp:\/\/\[::1\]:(\d+)$/m;

let dir: string;
let bundles: BuiltBundle[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'puredtls-bundle-test-'));
  bundles = await buildAll(dir);
}, 600_000);

afterAll(async () => {
  await stopAllPeers();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fileOf = (app: string, bundler: string): string => {
  const b = bundles.find((x) => x.app === app && x.bundler === bundler);
  if (!b) throw new Error(`no ${app} bundle from ${bundler}`);
  return b.file;
};

async function run(file: string, args: string[] = []): Promise<PeerProcess> {
  const p = new PeerProcess(process.execPath, [file, ...args], LIMIT);
  await p.waitExit(LIMIT);
  return p;
}

describe('bundles', () => {
  it('every program and the CLI were bundled by every bundler, and are self-contained', () => {
    for (const { name: bundler } of BUNDLERS) {
      for (const { name: app } of APPS) {
        const text = readFileSync(fileOf(app, bundler), 'utf8');
        // Nothing is left for a resolver to find at run time but Node's own modules.
        const required = [...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
        expect(required.filter((m) => !/^(node:)?[a-z_]+$/.test(m)), `${app} (${bundler}) requires packages`).toEqual([]);
        expect(text).not.toMatch(/from\s*["']puredtls["']/);
      }
    }
    expect(bundles.filter((b) => b.app === 'cli').map((b) => b.bundler).sort()).toEqual(['esbuild-cjs', 'esbuild-esm']);
  });

  describe.each(BUNDLERS.map((b) => b.name))('%s', (bundler) => {
    it('the server bundle (createSelfSigned) echoes to the client bundle, which refuses an untrusted certificate by its error name', async () => {
      const certFile = join(dir, `${bundler}-cert.pem`);
      const server = new PeerProcess(process.execPath, [fileOf('server', bundler), '--port', '0', '--cert-out', certFile], 4 * LIMIT);
      try {
        const port = (await server.waitFor('stdout', READY, LIMIT))[1]!;
        expect(readFileSync(certFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n/);

        const good = await run(fileOf('client', bundler), ['--port', port, '--ca', certFile, '--message', `hello from ${bundler}`]);
        expect(good.exit, good.describe()).toEqual({ code: 0, signal: null });
        expect(good.stdout).toMatch(new RegExp(`^reply: hello from ${bundler}$`, 'm'));

        const strangerFile = join(dir, `${bundler}-stranger.pem`);
        writeFileSync(strangerFile, createSelfSigned().certPem);
        const bad = await run(fileOf('client', bundler), ['--port', port, '--ca', strangerFile]);
        expect(bad.exit, bad.describe()).toEqual({ code: 1, signal: null });
        expect(bad.stderr).toMatch(/^handshake failed: CertificateError ERR_DTLS_CERT_UNTRUSTED$/m);
        expect(bad.stdout).not.toMatch(/reply:/);
        // The server hears the client's fatal alert: the error's name is kept in its bundle too.
        await server.waitFor('stderr', /failed: AlertReceivedError ERR_DTLS_ALERT_RECEIVED$/m, LIMIT);
      } finally {
        server.child.kill('SIGTERM');
        const exit = await server.waitExit(LIMIT / 2);
        expect(exit, server.describe()).toEqual({ code: 0, signal: null });
      }
      expect(server.stdout).toMatch(/^server closed$/m);
    }, 4 * LIMIT);

    it('the both-in-one bundle passes its checks (echo, CertificateError, an option error that is a DtlsError)', async () => {
      const p = await run(fileOf('both', bundler));
      expect(p.exit, p.describe()).toEqual({ code: 0, signal: null });
      expect(p.stdout).toMatch(/^ok: echo ping \(TLS_AES_128_GCM_SHA256\)$/m); // DTLS 1.3, what both sides prefer
      expect(p.stdout).toMatch(/^ok: untrusted server: CertificateError ERR_DTLS_CERT_UNTRUSTED$/m);
      expect(p.stdout).toMatch(/^ok: bad option: TypeError ERR_DTLS_INVALID_OPTION$/m);
      expect(p.stdout).not.toMatch(/FAILED/);
    }, 2 * LIMIT);
  });

  it.each(['esbuild-esm', 'esbuild-cjs'])('the CLI bundled by %s prints the package version and its help', async (bundler) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = await run(fileOf('cli', bundler), ['--version']);
    expect(version.exit, version.describe()).toEqual({ code: 0, signal: null });
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await run(fileOf('cli', bundler), ['--help']);
    expect(help.exit, help.describe()).toEqual({ code: 0, signal: null });
    expect(help.stdout).toMatch(/^ {2}puredtls server /m);
  }, 2 * LIMIT);

  it("README's bundle-size table is within 10 % of the sizes measured now", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const documented = readmeTable(readme);
    expect(documented, 'README.md has no bundle-size table (node tools/bundle.mjs --readme)').toBeDefined();
    const measured = sizeTable(bundles);
    const want = tableFigures(measured);
    const got = tableFigures(documented!);
    expect(got.length, `README table:\n${documented}\nmeasured:\n${measured}`).toBe(want.length);
    const off = want.flatMap((w, i) => (Math.abs(got[i]! - w) > Math.max(2, w * 0.1) ? [`${got[i]} KB documented, ${w} KB measured`] : []));
    expect(off, `the README's sizes are out of date: run node tools/bundle.mjs --readme\nmeasured:\n${measured}`).toEqual([]);
  });
});
