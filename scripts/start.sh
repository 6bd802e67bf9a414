#!/usr/bin/env bash
# Set up everything and run the main demo on embedded defaults.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
check_node
ensure_pnpm
echo "==> installing dependencies"
pnpm install --frozen-lockfile
echo "==> building"
pnpm build
echo "==> running the demo"
exec pnpm demo "$@"
