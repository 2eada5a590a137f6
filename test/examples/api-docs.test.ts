/**
 * Every export of the public entry points ('puredtls' = src/index.ts,
 * 'puredtls/testing' = src/testing/index.ts and 'puredtls/sans-io' =
 * src/sans-io.ts) has a TSDoc comment with an
 * `@example`. `npm run docs` (typedoc, warnings are errors) checks that each
 * is documented and that every type it refers to is exported; this checks
 * that each has an example, and api-examples.test.ts that the ```ts (and
 * ```js) ones compile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY_POINTS = ['src/index.ts', 'src/testing/index.ts', 'src/sans-io.ts'];

interface ExportDoc {
  key: string;
  declaredIn: string;
  example: boolean;
}

function exportDocs(): ExportDoc[] {
  const program = ts.createProgram(ENTRY_POINTS.map((f) => join(ROOT, f)), {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out: ExportDoc[] = [];
  for (const entry of ENTRY_POINTS) {
    const sf = program.getSourceFile(join(ROOT, entry));
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!mod) throw new Error(`cannot load ${entry}`);
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const decl = sym.declarations?.[0];
      out.push({
        key: `${entry}: ${exp.name}`,
        declaredIn: decl ? decl.getSourceFile().fileName.slice(ROOT.length) : '?',
        example: sym.getJsDocTags(checker).some((t) => t.name === 'example'),
      });
    }
  }
  return out;
}

describe('API documentation', () => {
  const docs = exportDocs();

  it('finds the exports of both entry points', () => {
    expect(docs.filter((d) => d.key.startsWith('src/index.ts: ')).length).toBeGreaterThan(30);
    expect(docs.filter((d) => d.key.startsWith('src/testing/index.ts: ')).length).toBeGreaterThan(30);
  });

  it('every export has an @example', () => {
    const missing = docs.filter((d) => !d.example).map((d) => `${d.key} (declared in ${d.declaredIn})`);
    expect(missing, 'add an @example to the TSDoc comment of each').toEqual([]);
  });

  it('typedoc.json exempts nothing from documentation', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { intentionallyNotDocumented?: string[] };
    expect(config.intentionallyNotDocumented ?? [], 'document these instead').toEqual([]);
  });
});
