/**
 * Headless Chromium (Debian's `chromium`) for page tests: the DOM after
 * rendering (`--dump-dom`), a screenshot, and every console message the page
 * produced (`--enable-logging=stderr` prints them as `CONSOLE` lines).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { requirePeer } from '../interop/peers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = requirePeer('chromium', spawnSync(CHROMIUM, ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0, 'chromium');

export interface Rendered {
  /** The serialized DOM after the page loaded. */
  readonly dom: string;
  /** Console messages (errors, warnings, logs) of both runs. */
  readonly console: string[];
}

function run(page: string, extra: readonly string[]): { stdout: string; console: string[] } {
  const profile = mkdtempSync(join(tmpdir(), 'puredtls-chromium-'));
  try {
    const r = spawnSync(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0',
      ...extra, pathToFileURL(page).href,
    ], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    const console = r.stderr.split('\n').filter((l) => /:CONSOLE\(?\d*\)?\]|:CONSOLE:\d+\]/.test(l));
    return { stdout: r.stdout, console };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Load `page` (a file path), return its DOM and console output; with `screenshot`, also save a PNG of `width`×`height`. */
export function renderPage(page: string, screenshot?: { file: string; width: number; height: number }): Rendered {
  const dump = run(page, ['--dump-dom']);
  const shot = screenshot ? run(page, [`--screenshot=${screenshot.file}`, `--window-size=${screenshot.width},${screenshot.height}`, '--hide-scrollbars']) : { console: [] };
  return { dom: dump.stdout, console: [...dump.console, ...shot.console] };
}
