#!/usr/bin/env node
/**
 * `npm run x509:limbo -- [--provider node|noble] [--verbose] LIMBO.json`:
 * bundles tools/x509-limbo/main.ts (and the src/ it uses) with esbuild into
 * a temporary module and runs it. See tools/x509-limbo/runner.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'puredtls-limbo-'));
try {
  const out = join(dir, 'limbo.mjs');
  await esbuild.build({
    entryPoints: [join(here, 'x509-limbo', 'main.ts')],
    bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: out, logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const { main } = await import(pathToFileURL(out).href);
  process.exitCode = main(process.argv.slice(2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
