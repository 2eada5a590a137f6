/**
 * `--state-file`, `--state-key`, `--state-max-age`: the CLI server's restarts
 * that keep connections (docs/scaling.md, "Restarts"). The file is written
 * whole and renamed into place (mode 0600), and consumed when loaded: renamed
 * first, so that of two processes started with the same file only one
 * continues its associations (two would seal records under the same keys and
 * sequence numbers), then read and deleted.
 *
 * @module
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { DtlsError } from '../errors.js';
import type { Server } from '../server.js';

/** The resolved flags. */
export interface StateArgs {
  readonly file: string;
  readonly key: Uint8Array;
  readonly maxAge: number | undefined;
}

/** A key file's bytes: hex when it is 64+ hex digits (whitespace around ignored), else the raw bytes. */
function keyFrom(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1').trim();
  return /^([0-9a-fA-F]{2}){32,}$/.test(text) ? Buffer.from(text, 'hex') : bytes;
}

/** The state flags of `argv`, checked; undefined without `--state-file`. */
export function resolveStateArgs(v: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv = process.env): StateArgs | undefined {
  const file = v.get('state-file');
  if (file === undefined) {
    if (v.has('state-key') || v.has('state-max-age')) throw new Error('--state-key and --state-max-age go with --state-file');
    return undefined;
  }
  let key: Buffer;
  if (v.has('state-key')) key = keyFrom(readFileSync(v.get('state-key')!));
  else if (env.PUREDTLS_STATE_KEY !== undefined) key = keyFrom(Buffer.from(env.PUREDTLS_STATE_KEY, 'latin1'));
  else throw new Error('--state-file needs a key: --state-key FILE or PUREDTLS_STATE_KEY (hex)');
  if (key.length < 32) throw new Error(`the state key must be at least 32 bytes (it has ${key.length})`);
  let maxAge: number | undefined;
  if (v.has('state-max-age')) {
    maxAge = Number(v.get('state-max-age'));
    if (!Number.isInteger(maxAge) || maxAge < 0) throw new Error(`bad --state-max-age ${v.get('state-max-age')}`);
  }
  return { file, key, maxAge };
}

/**
 * Continue the associations the state file holds, consuming it. `count` is
 * undefined when there is no file; `error` says why a file was refused (the
 * server then starts without them).
 */
export function loadStateFile(server: Server, s: StateArgs): { count?: number; error?: DtlsError } {
  const taken = `${s.file}.loading-${process.pid}`;
  try {
    renameSync(s.file, taken);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const blob = readFileSync(taken);
    return { count: server.loadAssociations(blob, s.key, s.maxAge !== undefined ? { maxAge: s.maxAge } : {}) };
  } catch (err) {
    if (err instanceof DtlsError) return { error: err };
    throw err;
  } finally {
    rmSync(taken, { force: true });
  }
}

/** Save the server's established associations into the state file; returns how many. */
export function saveStateFile(server: Server, s: StateArgs): number {
  const before = server.connections;
  const blob = server.saveAssociations(s.key);
  const tmp = `${s.file}.tmp-${process.pid}`;
  writeFileSync(tmp, blob, { mode: 0o600 });
  renameSync(tmp, s.file);
  return before - server.connections;
}
