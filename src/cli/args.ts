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
