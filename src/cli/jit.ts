import * as v8 from 'node:v8';

/**
 * V8's budget before it optimizes a function with TurboFan, in bytecode
 * executed (Node 20's default is 67,584). A DTLS server runs most of its
 * handshake code once or twice per handshake, so under V8's default a
 * freshly started server runs much of that code unoptimized for its first
 * thousands of handshakes: measured with one client and one handshake at a
 * time, ECDHE-ECDSA P-256, over consecutive windows of 500 handshakes,
 * 1,720 / 1,000 / 880 / 720 / 680 µs of CPU per handshake with the default
 * against 1,880 / 720 / 580 / 540 / 540 µs with 8,192 (bench/README.md).
 */
export const SERVER_INTERRUPT_BUDGET = 8192;

/**
 * Optimize sooner, in the `server` command only (a client runs its handshake
 * once: there is nothing to warm up), on V8 11 (Node 20), where it was
 * measured. V8 13 (Node 24) has no such flag: it tiers up by invocation
 * counts (Maglev at 400, TurboFan at 3,000), and lowering them there made the
 * first 1,000 handshakes dearer (more compiling), so it is left alone, as is
 * every other V8 version, untested. A process started with its own
 * `--interrupt-budget` keeps it, `PUREDTLS_V8_DEFAULTS=1` keeps V8's
 * default, and a runtime without V8's flags (Bun, Deno) is left alone. Must
 * run before the server's modules are loaded. Returns whether the flag was set.
 */
export function tuneJitForServer(): boolean {
  const own = process.execArgv.some((a) => a.startsWith('--interrupt-budget')) || process.env.PUREDTLS_V8_DEFAULTS === '1';
  const v8Major = Number(process.versions.v8?.split('.')[0]);
  if (own || v8Major !== 11 || typeof v8.setFlagsFromString !== 'function' || 'Bun' in globalThis || 'Deno' in globalThis) return false;
  try {
    v8.setFlagsFromString(`--interrupt-budget=${SERVER_INTERRUPT_BUDGET}`);
    return true;
  } catch {
    return false;
  }
}
