/**
 * The rules of docs/architecture.md that keep the layers apart, checked on
 * the import statements of src/: each layer imports only the layers below
 * it, the two DTLS 1.2 handshake roles never import each other, and only the
 * adapters (and the command line, the testing kit and the proxy) reach for
 * Node's I/O modules. A new import that breaks a rule fails here, with the
 * file and the import named.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Imports of a file (not those inside comments): module specifiers as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

/** The src/ layer of a module: its first path segment (`connection`, `record`, ...) or the top-level file's name. */
function layerOf(absolute: string): string {
  const rel = relative(SRC, absolute).replace(/\\/g, '/');
  const first = rel.split('/')[0]!;
  return first.endsWith('.ts') ? first.replace(/\.ts$/, '') : first;
}

/** What each layer may import from src/ (besides itself). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  codec: ['errors', 'crypto'],
  crypto: ['codec', 'errors', 'node-builtin'],
  x509: ['codec', 'crypto', 'errors', 'node-builtin'],
  record: ['codec', 'crypto', 'errors', 'trace'],
  handshake: ['codec', 'crypto', 'record', 'errors', 'trace'],
  connection: ['codec', 'crypto', 'record', 'handshake', 'errors', 'trace'],
  dtls13: ['codec', 'crypto', 'record', 'handshake', 'connection', 'errors', 'trace'],
  endpoint: ['codec', 'crypto', 'record', 'handshake', 'connection', 'dtls13', 'errors', 'trace'],
  persist: ['codec', 'crypto', 'record', 'handshake', 'connection', 'dtls13', 'endpoint', 'errors', 'trace'],
  cluster: ['codec', 'crypto', 'record', 'errors'],
};

const all = files(SRC).map((f) => ({ file: f, rel: relative(SRC, f).replace(/\\/g, '/'), imports: importsOf(f) }));

describe('layers (docs/architecture.md)', () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`src/${layer}/ imports only ${allowed.join(', ')}`, () => {
      const bad: string[] = [];
      for (const f of all.filter((x) => layerOf(x.file) === layer)) {
        for (const spec of f.imports.filter((s) => s.startsWith('.'))) {
          const target = layerOf(resolve(dirname(f.file), spec.replace(/\.js$/, '.ts')));
          if (target !== layer && !allowed.includes(target)) bad.push(`${f.rel} imports ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('the DTLS 1.2 client handshake imports nothing from the server handshake, and the other way round', () => {
    const client = all.find((x) => x.rel === 'handshake/client-handshake.ts')!;
    const server = all.find((x) => x.rel === 'handshake/server-handshake.ts')!;
    expect(client.imports.filter((s) => s.includes('server-handshake'))).toEqual([]);
    expect(server.imports.filter((s) => s.includes('client-handshake'))).toEqual([]);
  });

  it('only the adapters, the command line, the testing kit, the proxy and the tools on top (scan, illustrate) import Node\'s I/O modules', () => {
    const io = /^node:(dgram|net|dns|fs|child_process|worker_threads|cluster)$/;
    const mayDoIo = (rel: string) => ['server.ts', 'client.ts', 'options.ts'].includes(rel) || /^(cli|testing|proxy|scan|illustrate)\//.test(rel);
    const bad = all.flatMap((f) => f.imports.filter((s) => io.test(s) && !mayDoIo(f.rel)).map((s) => `${f.rel} imports ${s}`));
    expect(bad).toEqual([]);
  });

  it('no file under src/ outside src/testing/ and src/proxy/ is longer than 600 lines', () => {
    const long = all.filter((f) => !/^(testing|proxy)\//.test(f.rel))
      .map((f) => ({ rel: f.rel, lines: readFileSync(f.file, 'utf8').split('\n').length }))
      .filter((f) => f.lines > 600)
      .map((f) => f.rel);
    expect(long).toEqual([]);
  });
});
