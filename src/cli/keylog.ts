import { appendFileSync } from 'node:fs';

/**
 * Where key-log lines go: `--keylog FILE`, else the SSLKEYLOGFILE environment
 * variable (as browsers and curl honour it), else nowhere.
 */
export function keylogWriter(file: string | undefined): ((line: Buffer) => void) | undefined {
  const target = file ?? process.env.SSLKEYLOGFILE;
  if (!target) return undefined;
  return (line) => appendFileSync(target, line);
}
