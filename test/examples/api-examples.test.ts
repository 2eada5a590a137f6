/**
 * The ```ts blocks of the API documentation compile, so they cannot rot.
 *
 * Collected: the `@example` tags of every export of the public entry points
 * ('puredtls' = src/index.ts, 'puredtls/testing' = src/testing/index.ts,
 * 'puredtls/sans-io' = src/sans-io.ts), of the public members of the
 * exported classes and interfaces, and of the `@module` comments of the
 * entry points and of the files that declare the exports; and every ```js
 * and ```ts block of README.md and docs/*.md. ```js blocks are checked as
 * TypeScript under the same options, so no example escapes the check (a
 * README snippet that reads `err.code` off an `Error` fails here).
 *
 * Each block becomes a virtual ES module next to this file, importing
 * 'puredtls', 'puredtls/testing' and 'puredtls/sans-io' from the sources
 * (`paths`), and all of them are type-checked in one Program: strict,
 * `verbatimModuleSyntax`, top-level await allowed. A block that needs a value
 * it cannot make (a socket, a key file) declares it:
 * `declare const socket: dgram.Socket;`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { fencedBlocks, markdownDocs } from '../helpers/markdown.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY_POINTS = ['src/index.ts', 'src/testing/index.ts', 'src/sans-io.ts'];
const VIRTUAL_DIR = join(ROOT, 'test/examples/__api_examples__');
/** Fence languages of the blocks that are type-checked. */
const CHECKED_LANGS = new Set(['ts', 'typescript', 'js', 'javascript']);

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  strict: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  paths: {
    puredtls: [join(ROOT, 'src/index.ts')],
    'puredtls/testing': [join(ROOT, 'src/testing/index.ts')],
    'puredtls/sans-io': [join(ROOT, 'src/sans-io.ts')],
  },
};

interface Example {
  /** Which export (or member, or module comment) the block documents. */
  owner: string;
  /** `file:line` of the block's first line. */
  where: string;
  code: string;
}

/** The ```ts (and ```js) blocks inside the `@example` tags of one raw comment (`/** ... *\/`). */
export function examplesInComment(comment: string): { line: number; code: string }[] {
  const lines = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '').split('\n')
    .map((l) => l.replace(/^\s*\*(?: |$)/, ''));
  const out: { line: number; code: string }[] = [];
  let inExample = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const fence = /^(\s*)(`{3,})\s*(\w*)\s*$/.exec(l);
    if (fence) {
      const [, indent, ticks, lang] = fence;
      const body: string[] = [];
      const start = i;
      for (i++; i < lines.length && !(lines[i]!.trim() === ticks); i++) {
        body.push(lines[i]!.startsWith(indent!) ? lines[i]!.slice(indent!.length) : lines[i]!);
      }
      if (inExample && CHECKED_LANGS.has(lang!)) out.push({ line: start + 1, code: body.join('\n') });
      continue;
    }
    const tag = /^\s*@(\w+)/.exec(l);
    if (tag) inExample = tag[1] === 'example';
  }
  return out;
}

/** The ```js and ```ts blocks of a Markdown file, with their first line (1-based). */
export function markdownBlocks(text: string): { line: number; code: string }[] {
  return fencedBlocks(text).filter((b) => CHECKED_LANGS.has(b.lang)).map((b) => ({ line: b.line + 1, code: b.body.join('\n') }));
}

/** Parses each file once for both Programs. */
function cachingHost(virtual: Map<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(OPTIONS, true);
  const cache = new Map<string, ts.SourceFile | undefined>();
  const { getSourceFile, fileExists, readFile } = host;
  host.getCurrentDirectory = () => ROOT;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, lang, true);
    const key = `${f}|${typeof lang === 'object' ? lang.impliedNodeFormat : lang}`;
    if (!cache.has(key)) cache.set(key, getSourceFile.call(host, f, lang, onError, create));
    return cache.get(key);
  };
  return host;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line;
}

/** Every checked example block of the public API, with a Program that already parsed the sources. */
function collectExamples(host: ts.CompilerHost): { examples: Example[]; program: ts.Program; exportCount: number } {
  const program = ts.createProgram({ rootNames: ENTRY_POINTS.map((f) => join(ROOT, f)), options: OPTIONS, host });
  const checker = program.getTypeChecker();
  const examples: Example[] = [];
  const seen = new Set<ts.Node>();
  const rel = (f: string) => f.slice(ROOT.length);
  let exportCount = 0;

  const fromJsDoc = (owner: string, node: ts.Node) => {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const doc = docs[docs.length - 1];
    if (!doc || seen.has(doc)) return;
    seen.add(doc);
    const sf = doc.getSourceFile();
    const first = lineOf(sf, doc.getStart(sf));
    for (const e of examplesInComment(doc.getText(sf))) {
      examples.push({ owner, where: `${rel(sf.fileName)}:${first + e.line + 1}`, code: e.code });
    }
  };
  const fromModuleComment = (sf: ts.SourceFile) => {
    for (const r of ts.getLeadingCommentRanges(sf.text, 0) ?? []) {
      const text = sf.text.slice(r.pos, r.end);
      if (!text.startsWith('/**') || !/@module\b/.test(text)) continue;
      const first = lineOf(sf, r.pos);
      for (const e of examplesInComment(text)) {
        examples.push({ owner: `${rel(sf.fileName)} (module comment)`, where: `${rel(sf.fileName)}:${first + e.line + 1}`, code: e.code });
      }
    }
  };

  const moduleFiles = new Set<ts.SourceFile>();
  for (const entry of ENTRY_POINTS) {
    const sf = program.getSourceFile(join(ROOT, entry));
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!sf || !mod) throw new Error(`cannot load ${entry}`);
    moduleFiles.add(sf);
    for (const exp of checker.getExportsOfModule(mod)) {
      exportCount++;
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      for (const decl of sym.declarations ?? []) {
        moduleFiles.add(decl.getSourceFile());
        fromJsDoc(`${entry}: ${exp.name}`, decl);
        if (!ts.isClassDeclaration(decl) && !ts.isInterfaceDeclaration(decl)) continue;
        for (const m of decl.members) {
          const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : [];
          if (mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
          if (m.name && ts.isPrivateIdentifier(m.name)) continue;
          const name = ts.isConstructorDeclaration(m) ? 'constructor' : m.name ? m.name.getText() : '?';
          fromJsDoc(`${entry}: ${exp.name}.${name}`, m);
        }
      }
    }
  }
  for (const sf of moduleFiles) fromModuleComment(sf);
  return { examples, program, exportCount };
}

/** One line per diagnostic: which export, where its block is, the message and the offending line. */
function compileProblems(program: ts.Program, files: Map<string, Example>): string[] {
  const problems: string[] = [];
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    problems.push(`compiler options: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  for (const [file, e] of files) {
    const sf = program.getSourceFile(file);
    if (!sf) {
      problems.push(`${e.owner} (${e.where}): not compiled`);
      continue;
    }
    if (!ts.isExternalModule(sf) || sf.impliedNodeFormat !== ts.ModuleKind.ESNext) {
      problems.push(`${e.owner} (${e.where}): not compiled as an ES module`);
    }
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? undefined : lineOf(sf, d.start);
      const text = line === undefined ? '' : `\n      ${e.code.split('\n')[line]?.trim()}`;
      problems.push(`${e.owner} (${e.where}, example line ${line === undefined ? '?' : line + 1}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}${text}`);
    }
  }
  return problems;
}

describe('API documentation examples', () => {
  it('finds the ```ts and ```js blocks of @example tags only', () => {
    const comment = [
      '/**',
      ' * Text.',
      ' * ```ts',
      ' * notAnExample();',
      ' * ```',
      ' *',
      ' * @example A title',
      ' * ```ts',
      ' * const a = 1;',
      ' *   indented();',
      ' * ```',
      ' * ```js',
      ' * checkedToo();',
      ' * ```',
      ' * ```sh',
      ' * notChecked',
      ' * ```',
      ' * @example',
      ' * ```typescript',
      ' * b();',
      ' * ```',
      ' * @param x - ```ts no()```',
      ' */',
    ].join('\n');
    expect(examplesInComment(comment)).toEqual([
      { line: 8, code: 'const a = 1;\n  indented();' },
      { line: 12, code: 'checkedToo();' },
      { line: 19, code: 'b();' },
    ]);
  });

  it('finds the ```js and ```ts blocks of Markdown, indented ones too', () => {
    const md = ['# t', '```js', 'a();', '```', '```sh', 'echo', '```', '- item', '  ```ts', '  b();', '    c();', '  ```', '```', 'plain', '```'].join('\n');
    expect(markdownBlocks(md)).toEqual([
      { line: 3, code: 'a();' },
      { line: 10, code: 'b();\n  c();' },
    ]);
  });

  it('every ```ts (and ```js) example of the public API type-checks against the sources', () => {
    const virtual = new Map<string, string>();
    const host = cachingHost(virtual);
    const { examples: api, program: first, exportCount } = collectExamples(host);
    expect(exportCount).toBeGreaterThan(100);
    expect(api.length).toBeGreaterThan(exportCount / 2);
    // A block that copies a TypeScript example (`// from examples/....ts`, kept identical by
    // readme-snippets.test.ts) is not compiled again here: the example is type-checked against
    // its own runtime's declarations (Deno's, Bun's) by the test that runs it.
    const copiesTsExample = (code: string) => /^\s*\/\/ from examples\/[\w./-]+\.ts\s*$/m.test(code.split('\n').find((l) => l.trim() !== '') ?? '');
    const prose = markdownDocs(ROOT).flatMap((doc) =>
      markdownBlocks(readFileSync(join(ROOT, doc), 'utf8'))
        .filter((b) => !copiesTsExample(b.code))
        .map((b) => ({ owner: `${doc} block`, where: `${doc}:${b.line}`, code: b.code })));
    expect(prose.filter((e) => e.where.startsWith('README.md:')).length).toBeGreaterThanOrEqual(5);
    const examples = [...api, ...prose];

    // Canaries, checked in the same Program: the check does find errors, and allows top-level await.
    const canaries: Example[] = [
      { owner: 'canary: bad', where: '-', code: "import { noSuchExport } from 'puredtls';\nconst n: number = 'one';" },
      { owner: 'canary: good', where: '-', code: "import { connectAsync } from 'puredtls';\nawait connectAsync({ port: 4433 });" },
    ];
    const files = new Map<string, Example>();
    [...canaries, ...examples].forEach((e, i) => {
      const file = join(VIRTUAL_DIR, `example${i}.ts`);
      // `export {}` makes every block a module, so top-level names do not clash between blocks.
      virtual.set(file, `${e.code}\nexport {};\n`);
      files.set(file, e);
    });
    const program = ts.createProgram({ rootNames: [...files.keys()], options: OPTIONS, host, oldProgram: first });
    const problems = compileProblems(program, files);

    const canary = (owner: string) => problems.filter((p) => p.startsWith(`${owner} `));
    expect(canary('canary: bad').join('\n')).toMatch(/noSuchExport[\s\S]*not assignable to type 'number'/);
    expect(canary('canary: good')).toEqual([]);
    const real = problems.filter((p) => !p.startsWith('canary: '));
    expect(real, `these @example blocks do not compile:\n${real.join('\n')}\n`).toEqual([]);
  }, 120_000);

  it('resolves the package names to the sources (not to dist/)', () => {
    const virtual = new Map([[join(VIRTUAL_DIR, 'probe.ts'), "import { createServer } from 'puredtls';\nimport { VirtualNetwork } from 'puredtls/testing';\nexport { createServer, VirtualNetwork };\n"]]);
    const host = cachingHost(virtual);
    const cache = ts.createModuleResolutionCache(ROOT, (f) => f, OPTIONS);
    const from = join(VIRTUAL_DIR, 'probe.ts');
    const resolve = (name: string) =>
      ts.resolveModuleName(name, from, OPTIONS, host, cache, undefined, ts.ModuleKind.ESNext).resolvedModule?.resolvedFileName;
    expect(resolve('puredtls')).toBe(join(ROOT, 'src/index.ts'));
    expect(resolve('puredtls/testing')).toBe(join(ROOT, 'src/testing/index.ts'));
    // The virtual files are ES modules (top-level await) because the package is.
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).type).toBe('module');
  });
});
