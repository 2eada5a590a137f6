/**
 * `puredtls server` lowers V8's optimization budget before loading the
 * server (src/cli/jit.ts); the user's own flag and PUREDTLS_V8_DEFAULTS=1
 * keep theirs. Checked in child processes: the flag is process-wide.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const probe = `import('./dist/cli/jit.js').then((m) => console.log(m.tuneJitForServer()))`;
const run = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [...args, '--input-type=module', '-e', probe], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' }).trim();

/** Only V8 11 (Node 20) is tuned: Node 24's V8 has no --interrupt-budget (see src/cli/jit.ts). */
const tuned = Number(process.versions.v8.split('.')[0]) === 11;

describe('CLI server JIT tuning', () => {
  it(`${tuned ? 'sets' : 'leaves'} the interrupt budget in a plain node ${process.version} process`, () => {
    expect(run([])).toBe(String(tuned));
  });
  // Node 24's node refuses --interrupt-budget on its command line (an unknown V8 flag): V8 11 only.
  if (tuned) {
    it("keeps a budget given on node's command line", () => {
      expect(run(['--interrupt-budget=100000'])).toBe('false');
    });
  }
  it('keeps V8 defaults with PUREDTLS_V8_DEFAULTS=1', () => {
    expect(run([], { PUREDTLS_V8_DEFAULTS: '1' })).toBe('false');
  });
});
