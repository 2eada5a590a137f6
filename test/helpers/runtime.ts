/** The JavaScript runtime running the tests: the suites run on Node, Bun and Deno (tools/runtime.sh). */
export const runtime: 'node' | 'bun' | 'deno' = (process.versions as Record<string, string | undefined>).bun !== undefined
  ? 'bun'
  : (globalThis as { Deno?: unknown }).Deno !== undefined ? 'deno' : 'node';

/**
 * Arguments for `spawn(process.execPath, ...)` to run the script `file` on
 * this same runtime: Deno needs `run -A` (and takes no Node flags).
 */
export function scriptArgs(file: string, nodeFlags: readonly string[] = []): string[] {
  return runtime === 'deno' ? ['run', '-A', file] : [...nodeFlags, file];
}
