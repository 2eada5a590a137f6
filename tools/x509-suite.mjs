#!/usr/bin/env node
/**
 * `node tools/x509-suite.mjs limbo|pkits [--provider node|noble] [--verbose] PATH`
 * (`npm run x509:limbo` / `npm run x509:pkits`): bundles
 * tools/x509-suite/main.ts (and the src/ it uses) with esbuild into a
 * temporary module and runs it. See tools/x509-suite/limbo.ts and pkits.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'puredtls-x509-suite-'));
try {
  const out = join(dir, 'x509-suite.mjs');
  await esbuild.build({
    entryPoints: [join(here, 'x509-suite', 'main.ts')],
    bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: out, logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const { main } = await import(pathToFileURL(out).href);
  process.exitCode = main(process.argv.slice(2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
