#!/usr/bin/env bash
# Installs the Debian 12 packages Poeticoins needs to build, run and test.
# As root it runs apt-get; otherwise it prints the exact command to run.
set -euo pipefail
PACKAGES=(
  build-essential pkg-config
  libwebsockets-dev libwebsockets-evlib-uv libhiredis-dev libcjson-dev libuv1-dev libssl-dev
  libh2o-dev libwslay-dev
  redis-server redis-tools
  libcmocka-dev openssl ca-certificates curl
  chromium
  # make test's checks: clang warnings, make fuzz, lint and valgrind
  clang libclang-rt-14-dev clang-tidy cppcheck valgrind
)
# The dashboard's build (npm ci) and browser tests need Node.js and npm; any
# node already on the PATH will do, so Debian's are added only when missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi
# The deployment checks (tests/deploy) validate compose.yaml and render
# deploy/k8s offline. Debian's kubernetes-client would clash with another
# package's /usr/bin/kubectl, so it is added only when no kubectl is installed.
PACKAGES+=(docker-compose)
command -v kubectl >/dev/null || PACKAGES+=(kubernetes-client)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
