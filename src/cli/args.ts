/** A small argv parser: `--flag value`, `--flag=value`, boolean flags, positionals. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
}

export function parseArgs(argv: readonly string[], booleans: ReadonlySet<string>, valued: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.has(name)) {
      if (eq > 0) throw new Error(`--${name} takes no value`);
      flags.add(name);
    } else if (valued.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      values.set(name, v);
    } else {
      throw new Error(`unknown option --${name}`);
    }
  }
  return { positionals, values, flags };
}

/** `--min-version` / `--max-version`: `1.2`, `1.3` (or Node's `DTLSv1.2`, `DTLSv1.3`) as the `minVersion`/`maxVersion` option. */
export function versionArg(values: ReadonlyMap<string, string>, flag: 'min-version' | 'max-version'): 'DTLSv1.2' | 'DTLSv1.3' | undefined {
  const v = values.get(flag);
  if (v === undefined) return undefined;
  if (v === '1.2' || v === 'DTLSv1.2') return 'DTLSv1.2';
  if (v === '1.3' || v === 'DTLSv1.3') return 'DTLSv1.3';
  throw new Error(`--${flag} must be 1.2 or 1.3, got ${v}`);
}

/** Apply `--min-version` / `--max-version` to an options object. */
export function applyVersionArgs(values: ReadonlyMap<string, string>, opts: { minVersion?: string; maxVersion?: string }): void {
  const min = versionArg(values, 'min-version');
  const max = versionArg(values, 'max-version');
  if (min) opts.minVersion = min;
  if (max) opts.maxVersion = max;
}
