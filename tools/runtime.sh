#!/usr/bin/env bash
# Run the test suites under Bun or Deno, taken from the npm registry (`bun`, `deno`),
# without touching the repository (package.json, the lockfile and node_modules stay as
# they are). Used by CI beside Node 20 and Node 24: `npm run test:bun`, `npm run test:deno`.
#
#   bash tools/runtime.sh bun|deno [vitest args...]   # e.g. bash tools/runtime.sh bun test/runtimes
#
# What runs (vitest.runtimes.config.ts), each test file in a worker of the runtime itself
# (vitest's forks pool spawns process.execPath): the in-memory suites and the runtime
# tests of test/runtimes/, then the real-UDP interop subset (openssl s_client against our
# server, our client against s_server). With arguments, only those test files.
#
# The `bun` and `deno` packages install their platform binary from the same registry
# (an optional dependency: @oven/bun-linux-x64, @deno/linux-x64-glibc...): nothing but
# the npm registry is used. Environment: RUNTIME_PREFIX (default $TMPDIR/puredtls-<runtime>)
# holds the install and is reused while it has the runtime; BUN_SPEC / DENO_SPEC (default
# bun@1 / deno@2) pick the version.
set -euo pipefail
cd "$(dirname "$0")/.."

runtime="${1:?usage: tools/runtime.sh bun|deno [vitest args...]}"
shift
case "$runtime" in
  bun) spec="${BUN_SPEC:-bun@1}" ;;
  deno) spec="${DENO_SPEC:-deno@2}" ;;
  *) echo "runtime.sh: unknown runtime $runtime (bun or deno)" >&2; exit 2 ;;
esac
prefix="${RUNTIME_PREFIX:-${TMPDIR:-/tmp}/puredtls-$runtime}"
bin="$prefix/node_modules/.bin"

works() { [ -x "$bin/$runtime" ] && "$bin/$runtime" --version >/dev/null 2>&1; }

if ! works; then
  echo "$runtime: installing $spec into $prefix" >&2
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # An empty package.json makes $prefix its own project, so npm never walks up to ours.
  echo "{ \"name\": \"puredtls-$runtime\", \"private\": true }" > "$prefix/package.json"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$spec" >&2
fi
if ! works; then
  echo "$runtime: no working $runtime binary in $bin" >&2
  exit 1
fi
echo "$runtime: $("$bin/$runtime" --version | head -1)"

# dist/ for the tests that load the package as a user would; built by the machine's Node,
# unless it is newer than every source (CI built it for npm test just before).
bash tools/build-if-stale.sh
export PATH="$bin:$PATH"
export PUREDTLS_RUNTIME="$runtime"
# The loss measurement is protocol logic on the in-memory network: Node runs it with 200
# seeds per point (npm test) and 1,000 (test:slow); here a smaller sample checks that it
# holds on this runtime's engine and crypto too.
export PUREDTLS_LOSS_SEEDS="${PUREDTLS_LOSS_SEEDS:-50}"
vitest() {
  case "$runtime" in
    # --bun: run vitest itself on Bun too (its `node` shebang would otherwise pick Node).
    bun) bun --bun node_modules/vitest/vitest.mjs run --config vitest.runtimes.config.ts "$@" ;;
    deno) deno run -A node_modules/vitest/vitest.mjs run --config vitest.runtimes.config.ts "$@" ;;
  esac
}
if [ $# -gt 0 ]; then
  vitest "$@"
else
  vitest
  PUREDTLS_SUITE=interop vitest
fi
