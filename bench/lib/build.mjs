// Build the code under test for the benchmark.
//
// Default: esbuild bundles bench/lib/entry.ts (src/index.ts plus the sans-IO
// internals the in-process measurements drive) into bench/.build/puredtls.mjs.
// It is the same TypeScript → ES2022 transpile tsc does, without the type check,
// and it leaves dist/ alone (other work shares it).
// `--dist`: run `npm run build` and use dist/ through bench/lib/dist-entry.mjs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');

export function buildLibrary({ dist = false } = {}) {
  if (dist) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
    return { lib: path.join(here, 'dist-entry.mjs'), how: 'npm run build (tsc) → dist/' };
  }
  const out = path.join(ROOT, 'bench', '.build', 'puredtls.mjs');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [
    path.join(here, 'entry.ts'), '--bundle', '--platform=node', '--format=esm', '--target=es2022',
    '--packages=external', '--log-level=warning', `--outfile=${out}`,
  ], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000 });
  return { lib: out, how: 'esbuild bundle of src/ (ES2022) → bench/.build/puredtls.mjs' };
}
