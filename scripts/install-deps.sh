#!/usr/bin/env bash
# Installs the system packages the test suite needs: Mono (a real WCF peer for
# interop tests), Redis (the resolver's scale-out store) and Chromium (the
# dashboard's browser tests). Idempotent.
set -euo pipefail
need=()
command -v mcs >/dev/null 2>&1 || need+=(mono-devel mono-mcs)
[ -e /usr/lib/mono/4.5/System.ServiceModel.dll ] || need+=(libmono-system-servicemodel4.0a-cil)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Network namespaces and veth for the collaboration tests' own test hosts.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# Headless Chromium for the dashboard's browser tests (driven by playwright-core).
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
if [ ${#need[@]} -eq 0 ]; then
  echo "==> system packages present (mono, redis, chromium)"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "==> cannot install ${need[*]} (needs root and apt-get); the interop tests will be skipped" >&2
  exit 0
fi
echo "==> installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
