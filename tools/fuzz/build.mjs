#!/usr/bin/env node
/**
 * Bundle every fuzz target (fuzz/targets/*.ts) to CommonJS with esbuild, so
 * that jsfuzz (which instruments the CommonJS files it `require`s, with
 * istanbul) gets instrumentable code: platform node, target node20, format
 * cjs, all dependencies bundled (the ESM-only @noble/* included), no source
 * maps. Output: fuzz/build/<name>.cjs. Fixture PEM files are embedded as text.
 *
 * Only our own code (src/) should guide the fuzzer: the bundled dependencies
 * (@noble/*, asn1js), the esbuild runtime and the harness itself are
 * marked `istanbul ignore next` statement by statement, so istanbul adds no
 * counters to them. That keeps coverage feedback about src/ and keeps the
 * pure-JS crypto at full speed (`--instrument-all` turns this off).
 *
 * Usage: node tools/fuzz/build.mjs [--instrument-all] [target...]
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TARGETS_DIR = join(ROOT, 'fuzz', 'targets');
/** fuzz/build, or $FUZZ_BUILD_DIR (e.g. to keep a long run's bundles apart from later builds). */
export const BUILD_DIR = process.env.FUZZ_BUILD_DIR ? resolve(process.env.FUZZ_BUILD_DIR) : join(ROOT, 'fuzz', 'build');

/** Target names: the .ts files directly in fuzz/targets (lib/ holds shared code). */
export function targetNames() {
  return readdirSync(TARGETS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)).sort();
}

export function bundlePath(name) {
  return join(BUILD_DIR, `${name}.cjs`);
}

/** Paths (as esbuild prints them in its `// path` module markers) whose code is instrumented. */
const INSTRUMENTED = /^src\//;

/**
 * Put `/* istanbul ignore next *\/` in front of every top-level statement of
 * the bundle that does not come from src/. esbuild precedes each module's
 * hoisted code with a `// path/of/module` line comment; code before the
 * first marker is esbuild's runtime.
 */
export function markUninstrumented(code) {
  const { parse } = require('@babel/parser');
  const ast = parse(code, { sourceType: 'script', allowReturnOutsideFunction: true });
  const body = ast.program.body;
  const insideStatement = (pos) => {
    // Binary search: is pos inside a top-level statement?
    let lo = 0, hi = body.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = body[mid];
      if (pos < s.start) hi = mid - 1;
      else if (pos >= s.end) lo = mid + 1;
      else return true;
    }
    return false;
  };
  const markers = ast.comments
    .filter((c) => c.type === 'CommentLine' && /^ [\w@.-]+\/\S+$/.test(c.value) && !insideStatement(c.start))
    .map((c) => ({ at: c.end, path: c.value.trim() }));
  const inserts = [];
  let m = -1;
  let instrumented = 0;
  for (const s of body) {
    while (m + 1 < markers.length && markers[m + 1].at <= s.start) m++;
    const path = m >= 0 ? markers[m].path : '<esbuild runtime>';
    if (INSTRUMENTED.test(path)) instrumented++;
    else inserts.push(s.start);
  }
  let out = code;
  for (let i = inserts.length - 1; i >= 0; i--) {
    out = `${out.slice(0, inserts[i])}/* istanbul ignore next */ ${out.slice(inserts[i])}`;
  }
  return { code: out, ignored: inserts.length, instrumented };
}

export async function build(names = targetNames(), { instrumentAll = false, quiet = false } = {}) {
  mkdirSync(BUILD_DIR, { recursive: true });
  const all = new Set(targetNames());
  for (const name of names) {
    if (!all.has(name)) throw new Error(`unknown fuzz target ${name} (have: ${[...all].join(', ')})`);
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [join(TARGETS_DIR, `${name}.ts`)],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: false,
      minify: false,
      legalComments: 'none',
      loader: { '.pem': 'text', '.hex': 'text' },
      write: false,
      outfile: bundlePath(name),
      logLevel: 'warning',
    });
    let code = result.outputFiles[0].text;
    let note = 'all code instrumented';
    if (!instrumentAll) {
      const r = markUninstrumented(code);
      code = r.code;
      note = `${r.instrumented} src statements instrumented, ${r.ignored} others ignored`;
    }
    writeFileSync(bundlePath(name), code);
    if (!quiet) console.log(`built ${relative(ROOT, bundlePath(name))} (${(code.length / 1024).toFixed(0)} KiB; ${note})`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const instrumentAll = args.includes('--instrument-all');
  const names = args.filter((a) => !a.startsWith('--'));
  await build(names.length ? names : targetNames(), { instrumentAll });
}

