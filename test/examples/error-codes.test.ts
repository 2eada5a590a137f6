/**
 * docs/errors.md documents every error code: each `ERR_DTLS_...` that appears
 * anywhere in src/ has a row in its "Codes" table, and the table has no row
 * for a code that no longer exists. So the doc cannot drift from the code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODE = /ERR_DTLS_[A-Z0-9_]+/g;

/** Every code in src/ (the equivalent of `grep -rhoE "ERR_DTLS_[A-Z0-9_]+" src | sort -u`). */
function codesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const f of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!/\.[cm]?[jt]s$/.test(f)) continue;
    for (const m of readFileSync(join(ROOT, 'src', f), 'utf8').matchAll(CODE)) codes.add(m[0]);
  }
  return codes;
}

/** The documented codes: the first cell of each row of the "## Codes" table. */
function documentedRows(): Map<string, string[]> {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const section = doc.split(/^## Codes$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `(ERR_DTLS_[A-Z0-9_]+)` \|(.*)\|$/.exec(line.trim());
    if (m) rows.set(m[1]!, m[2]!.split(' | ').map((c) => c.trim()));
  }
  return rows;
}

describe('docs/errors.md', () => {
  const source = codesInSource();
  const rows = documentedRows();

  it('finds the codes', () => {
    expect(source.size).toBeGreaterThan(40);
    expect(rows.size).toBeGreaterThan(40);
  });

  it('documents every ERR_DTLS_ code that appears in src/', () => {
    const missing = [...source].filter((c) => !rows.has(c)).sort();
    expect(missing, 'add a row to the "Codes" table of docs/errors.md for each').toEqual([]);
  });

  it('documents no code that src/ no longer has', () => {
    const stale = [...rows.keys()].filter((c) => !source.has(c)).sort();
    expect(stale, 'remove these rows from docs/errors.md').toEqual([]);
  });

  it('gives every code a class, an alert column and a meaning, in alphabetical order', () => {
    for (const [code, cells] of rows) {
      expect(cells, code).toHaveLength(3);
      const [cls, alert, meaning] = cells as [string, string, string];
      expect(cls, `${code}: class`).toMatch(/^`\w+`/);
      expect(alert, `${code}: alert ('—' for none)`).not.toBe('');
      expect(meaning.length, `${code}: meaning`).toBeGreaterThan(10);
    }
    const codes = [...rows.keys()];
    expect(codes).toEqual([...codes].sort());
  });
});
