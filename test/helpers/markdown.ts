/** The Markdown files the documentation tests read, and their fenced code blocks. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** README.md and docs/*.md (not the generated docs/api/), as paths from the repository root. */
export function markdownDocs(root: string): string[] {
  const list = ['README.md'];
  for (const f of readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.md') && !f.startsWith('api/') && !f.startsWith('api\\')) list.push(join('docs', f));
  }
  return list;
}

/** A fenced code block: its language, the line of its opening fence (1-based) and its lines, less the fence's indentation. */
export interface FencedBlock {
  readonly lang: string;
  readonly line: number;
  readonly body: string[];
}

/** The fenced code blocks (``` or ~~~, at any indentation, any info string after the language) of a Markdown text. */
export function fencedBlocks(text: string): FencedBlock[] {
  const out: FencedBlock[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i]!.trim().startsWith(fence!) && lines[i]!.trim().replace(/[`~]/g, '') === ''); i++) {
      body.push(lines[i]!.startsWith(indent!) ? lines[i]!.slice(indent!.length) : lines[i]!);
    }
    out.push({ lang: lang!, line: start + 1, body });
  }
  return out;
}
