/**
 * Code blocks in README.md and docs/*.md that are copies of an example say so
 * on their first line, `// from examples/NAME` (js) or `# from examples/NAME`
 * (sh), and must stay identical to it: the rest of the block is the whole file
 * or a run of its consecutive lines (trailing blanks ignored). The examples
 * themselves are run by examples.test.ts, so such snippets cannot rot either.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fencedBlocks, markdownDocs } from '../helpers/markdown.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MARKER = /^(?:\/\/|#) from (examples\/[\w.\/-]+)\s*$/;

interface Snippet {
  doc: string;
  line: number;
  example: string;
  body: string[];
}

/** The marked code blocks of a Markdown file. */
export function markedSnippets(doc: string, text: string): Snippet[] {
  return fencedBlocks(text).flatMap(({ line, body }) => {
    const first = body.findIndex((l) => l.trim() !== '');
    const m = first >= 0 ? MARKER.exec(body[first]!.trim()) : null;
    return m ? [{ doc, line, example: m[1]!, body: body.slice(first + 1) }] : [];
  });
}

const trimEnd = (ls: string[]) => {
  const r = ls.map((l) => l.replace(/\s+$/, ''));
  while (r.length && r[0] === '') r.shift();
  while (r.length && r[r.length - 1] === '') r.pop();
  return r;
};

/** Whether `part` is a run of consecutive lines of `whole`. */
function isRunOf(part: string[], whole: string[]): boolean {
  if (part.length === 0) return false;
  for (let s = 0; s + part.length <= whole.length; s++) {
    if (part.every((l, k) => l === whole[s + k])) return true;
  }
  return false;
}

describe('snippets copied from examples/', () => {
  const snippets = markdownDocs(ROOT).flatMap((d) => markedSnippets(d, readFileSync(join(ROOT, d), 'utf8')));

  it('finds the marker in a fenced block', () => {
    const md = ['text', '```js', '// from examples/x.mjs', 'a', 'b', '```', '```sh', 'echo', '```', '  ```sh', '  # from examples/y.sh', '  z', '  ```'].join('\n');
    expect(markedSnippets('t.md', md)).toEqual([
      { doc: 't.md', line: 2, example: 'examples/x.mjs', body: ['a', 'b'] },
      { doc: 't.md', line: 10, example: 'examples/y.sh', body: ['z'] },
    ]);
    expect(isRunOf(['b', 'c'], ['a', 'b', 'c'])).toBe(true);
    expect(isRunOf(['a', 'c'], ['a', 'b', 'c'])).toBe(false);
  });

  it('docs/readme-mtls.md (the README section) copies the mutual-TLS examples', () => {
    const section = snippets.filter((s) => s.doc === join('docs', 'readme-mtls.md')).map((s) => s.example);
    expect(section).toEqual(['examples/make-certs.sh', 'examples/mtls-server.mjs', 'examples/mtls-client.mjs']);
  });

  it('every marked snippet in README.md and docs/ is identical to its example (README.md may have none yet)', () => {
    const problems: string[] = [];
    for (const s of snippets) {
      const file = join(ROOT, s.example);
      if (!existsSync(file)) {
        problems.push(`${s.doc}:${s.line}: ${s.example} does not exist`);
        continue;
      }
      const body = trimEnd(s.body);
      const whole = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.replace(/\s+$/, ''));
      if (!isRunOf(body, whole)) {
        const firstBad = body.findIndex((l, k) => l !== whole[k]);
        problems.push(`${s.doc}:${s.line}: the block differs from ${s.example} (copy the file again); first difference near block line ${firstBad + 1}: ${JSON.stringify(body[firstBad])}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
