/**
 * A Node built-in module when the runtime has it, without a static import
 * (so the code loads where it is missing). Node ≥ 20.16 has
 * `process.getBuiltinModule`.
 */
export function nodeBuiltin<T>(name: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
}
