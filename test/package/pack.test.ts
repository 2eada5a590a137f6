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
    // dist/ is built already (`npm test` builds it first, "pretest"): pack it without
    // "prepack" building both module formats again, which takes minutes on a loaded machine.
    const out = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT);
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
    expect(files.filter((f) => !/^(dist\/|docs\/|examples\/|bench\/(README|results)\.md$|fuzz\/README\.md$|testing\/package\.json$|sans-io\/package\.json$|redis\/package\.json$|README\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);
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
    const out = run('node', ['--input-type=module', '-e', "const d = await import('puredtls'); const s = await import('puredtls/sans-io'); console.log(typeof d.createServer, typeof s.SansIoServer, s.DtlsError === d.DtlsError)"]);
    expect(out.trim()).toBe('function function true');
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

  // A TypeScript project of each `module` setting type-checks (and, for CommonJS, runs) an
  // import of the package: CommonJS projects on node16/node18 used to fail with TS1479.
  it.each([
    ['node16, a CommonJS project', { module: 'node16' }, 'commonjs'],
    ['node18, a CommonJS project', { module: 'node18' }, 'commonjs'],
    ['nodenext, a CommonJS project', { module: 'nodenext' }, 'commonjs'],
    ['node16, an ES module project', { module: 'node16' }, 'module'],
    ['nodenext, an ES module project', { module: 'nodenext' }, 'module'],
    ['commonjs + node10 resolution', { module: 'commonjs', moduleResolution: 'node10' }, 'commonjs'],
    ['esnext + bundler resolution', { module: 'esnext', moduleResolution: 'bundler' }, 'module'],
  ])('type-checks for TypeScript consumers: %s', (name, options, type) => {
    const project = mkdtempSync(join(dir, 'ts-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ts-consumer', private: true, type }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { ...options, target: 'es2022', strict: true, outDir: 'out', types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: true },
      include: ['index.ts'],
    }));
    writeFileSync(join(project, 'index.ts'), [
      "import { createServer, connect, DtlsError, KeyError, type Peer } from 'puredtls';",
      "import { VirtualNetwork } from 'puredtls/testing';",
      "import { SansIoServer, type SansIoEvent } from 'puredtls/sans-io';",
      'const events: SansIoEvent[] = new SansIoServer({ key: "k", cert: "c" }).takeEvents();',
      'const server = createServer({ key: "k", cert: "c", mtu: 1200 });',
      "server.on('error', (err: Error) => { if (err instanceof DtlsError) console.log(err.code); });",
      "server.on('secureConnection', (peer: Peer) => peer.on('message', (m: Buffer) => peer.send(m)));",
      'export const used = [connect, KeyError, VirtualNetwork, events];',
      '',
    ].join('\n'));
    // Resolve 'puredtls' from the consumer folder's node_modules (the installed tarball).
    const link = join(project, 'node_modules');
    execFileSync('ln', ['-s', join(dir, 'node_modules'), link]);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    try {
      run('node', [tsc, '-p', project], project);
    } catch (e) {
      throw new Error(`${name}: tsc failed\n${(e as { stdout?: string }).stdout ?? e}`);
    }
    if (type === 'commonjs') {
      const out = run('node', ['-e', "const d = require('puredtls'); const t = require('puredtls/testing'); const s = require('puredtls/sans-io'); console.log(typeof d.createServer, typeof t.VirtualNetwork, typeof s.SansIoClient, s.DtlsError === d.DtlsError, require.resolve('puredtls'))"], project);
      expect(out).toMatch(/^function function function true .*dist\/cjs\/index\.js$/m);
    }
  });

  it('has the puredtls command', () => {
    const bins = readdirSync(join(dir, 'node_modules/.bin'));
    expect(bins).toContain('puredtls');
    expect(run(join(dir, 'node_modules/.bin/puredtls'), ['--help'])).toContain('puredtls server');
  });
});
