/**
 * The command line as a user meets it (`node dist/cli/main.js`, what `npx
 * puredtls` runs): version, help, and how it fails.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('puredtls CLI', () => {
  it('--version is package.json\'s version (a constant: a bundled CLI has no package.json beside it)', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(run(['--version']).stdout.trim()).toBe(pkg.version);
    expect(readFileSync(CLI, 'utf8')).not.toContain('import.meta');
  });

  it('--help shows every flag of the README\'s command-line synopsis', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const block = /## Command line\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
    const flags = new Set(block.match(/--[a-z][a-z-]*/g));
    expect(flags.size).toBeGreaterThan(20);
    const help = run(['--help']).stdout;
    for (const f of flags) expect(help, f).toContain(f);
  });

  it('a port in use is reported once, before any certificate is made', async () => {
    const busy = createSocket('udp4');
    await new Promise<void>((r) => busy.bind(0, '127.0.0.1', r));
    try {
      const r = run(['server', '--host', '127.0.0.1', '--port', String(busy.address().port)]);
      expect(r.status).toBe(1);
      expect(r.stdout).not.toMatch(/self-signed/);
      expect(r.stderr.match(/EADDRINUSE/g)).toHaveLength(1);
    } finally {
      busy.close();
    }
  });

  it.each([
    [['--mtu', 'abc'], /mtu/], [['--mtu', '20'], /mtu/], [['--ciphers', 'NOTHING-AT-ALL'], /ciphers/], [['--crypto', 'openssl'], /crypto/],
  ])('server %j fails at once, naming the option, before making a certificate', (args, re) => {
    const r = run(['server', '--port', '0', ...args]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/self-signed|listening/);
    expect(r.stderr).toMatch(re);
  });
});
