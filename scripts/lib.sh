# Shared helpers for the project's shell scripts (sourced, not run).
PNPM_VERSION=12.21.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TURBO_TELEMETRY_DISABLED=1
export COREPACK_ENABLE_STRICT=0

# pnpm: use the pinned version if it is on PATH, else install it into .cache/
# (corepack is not used: it fails on registry signatures on some machines).
ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    return 0
  fi
  if [ ! -x "$ROOT/.cache/tools/node_modules/.bin/pnpm" ]; then
    echo "==> installing pnpm $PNPM_VERSION into .cache/tools"
    npm install --no-save --no-audit --no-fund --prefix "$ROOT/.cache/tools" "pnpm@$PNPM_VERSION" >/dev/null
  fi
  export PATH="$ROOT/.cache/tools/node_modules/.bin:$PATH"
}

check_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt 20 ]; then
    echo "prch needs Node.js 20.19 or newer (found $(node --version))" >&2
    exit 1
  fi
}
