import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let tarball: string;

const run = (cmd: string, args: string[], cwd = dir) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

describe.sequential('the packed tarball', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'puredtls-pack-'));
    const out = run('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
    const info = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info[0]!.filename);
    writeFileSync(join(dir, 'files.json'), JSON.stringify(info[0]!.files.map((f) => f.path)));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('contains the built code, types, README, LICENSE and what the README links to only', () => {
    const files = JSON.parse(run('cat', ['files.json'])) as string[];
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => !/^(dist\/|docs\/|examples\/|bench\/(README|results)\.md$|fuzz\/README\.md$|README\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);
  });

  it('has every file its README links to', () => {
    const files = new Set(JSON.parse(run('cat', ['files.json'])) as string[]);
    const readme = readFileSync(join(dir, 'node_modules/puredtls/README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) {
      expect(files.has(l), `README links to ${l}, which is not in the tarball`).toBe(true);
      expect(existsSync(join(dir, 'node_modules/puredtls', l)), l).toBe(true);
    }
  });

  it('runs no script when installed: no preinstall, install, postinstall or prepare in its manifest', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules/puredtls/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const scripts = Object.keys(manifest.scripts ?? {});
    expect(scripts.filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
  });

  it("works through require('puredtls') (CommonJS, Node 20.19+)", () => {
    const out = run('node', ['-e', "const d = require('puredtls'); console.log(typeof d.createServer, typeof d.connect)"]);
    expect(out.trim()).toBe('function function');
  });

  it("works through import('puredtls') (ESM)", () => {
    const out = run('node', ['--input-type=module', '-e', "const d = await import('puredtls'); console.log(typeof d.createServer)"]);
    expect(out.trim()).toBe('function');
  });

  it('runs the openssl-dtls README example unchanged', () => {
    // The seed's README: const DTLS = require('openssl-dtls'); const srv = DTLS.createServer(opts); srv.bind(...)
    const script = `
      const DTLS = require('puredtls');
      const fs = require('fs');
      const opts = {
        key: fs.readFileSync(${JSON.stringify(join(ROOT, 'test/fixtures/pki/server-ecdsa-p256.key.pem'))}),
        cert: fs.readFileSync(${JSON.stringify(join(ROOT, 'test/fixtures/pki/server-ecdsa-p256.crt.pem'))}),
        requestCert: false,
        rejectUnauthorized: false,
        mtu: 1452,
        handshakeTimeout: 30 * 1000,
        connectionTimeout: 10 * 60 * 1000,
      };
      const srv = DTLS.createServer(opts);
      srv.on('connection', (info) => {});
      srv.on('error', (err, info) => {});
      srv.on('secureConnection', (peer) => {
        peer.on('message', (message) => peer.send(message));
        peer.on('close', () => {});
      });
      srv.bind(0, '::1', () => {
        console.log('bound', typeof srv.close);
        srv.close(() => console.log('closed'));
      });
    `;
    const out = run('node', ['-e', script]);
    expect(out).toContain('bound function');
    expect(out).toContain('closed');
  });

  it('has the puredtls command', () => {
    const bins = readdirSync(join(dir, 'node_modules/.bin'));
    expect(bins).toContain('puredtls');
    expect(run(join(dir, 'node_modules/.bin/puredtls'), ['--help'])).toContain('puredtls server');
  });
});
