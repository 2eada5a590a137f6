#!/usr/bin/env bash
# npm run test:slow            every file of test/slow/: two at a time, then the flood alone
# npm run test:slow -- ARGS    vitest's files or filters, one file at a time
# (see vitest.slow.config.ts for why the flood runs alone)
set -euo pipefail
cd "$(dirname "$0")/.."
vitest=(node node_modules/vitest/vitest.mjs run --config vitest.slow.config.ts)
if [ $# -gt 0 ]; then exec "${vitest[@]}" "$@"; fi
PUREDTLS_SLOW_PASS=parallel "${vitest[@]}"
PUREDTLS_SLOW_PASS=alone "${vitest[@]}"
