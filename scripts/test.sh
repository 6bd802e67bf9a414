#!/usr/bin/env bash
# The test command: installs what the tests need, then builds, lints,
# typechecks and tests every package, tool and app (turbo run build lint
# typecheck test). Interop suites are required, not optional, here.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
check_node
ensure_pnpm
bash scripts/install-deps.sh
echo "==> installing dependencies"
pnpm install --frozen-lockfile
export PRCH_REQUIRE_INTEROP="${PRCH_REQUIRE_INTEROP:-1}"
rm -f packages/*/test-artifacts/vitest-results.json tools/*/test-artifacts/vitest-results.json \
  tools/bench/*/test-artifacts/vitest-results.json apps/*/test-artifacts/vitest-results.json
echo "==> build, lint, typecheck, test"
status=0
# Three tasks at a time: the suites start real processes and servers, and on a
# 2-core machine running more at once only turns CPU starvation into timeouts.
pnpm check --continue --concurrency=3 "$@" || status=$?
node scripts/test-summary.mjs || true
exit $status
