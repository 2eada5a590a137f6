#!/usr/bin/env bash
# `npm run build` unless dist/ is newer than everything it is built from: tools/runtime.sh and
# tools/node24.sh run after `npm test` in CI, which built dist/ already (about half a minute
# each time, both formats). dist/cjs/package.json is the build's last output.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/cjs/package.json
if [ -f "$stamp" ] && [ -z "$(find src package.json tsconfig.json tsconfig.build.json tsconfig.cjs.json tools/cjs-package.mjs -newer "$stamp" -print -quit)" ]; then
  echo "dist/ is up to date"
else
  npm run --silent build
fi
