#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need (the npm packages of the web
# console are pinned in clients/console/package-lock.json and installed by the build); with
# `test`, also PostgreSQL (the event log's storage and failover tests start servers of their
# own); with `bench`, PostgreSQL and what the side-by-side benchmark starts beside it (Redis)
# and perf. `make run` needs none of them: its event log is RocksDB.
# Idempotent: when every package is already present it only runs dpkg-query and exits in well
# under a second.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache make
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libcpp-httplib-dev
  libpq-dev libhiredis-dev libjemalloc-dev
  clang libclang-rt-14-dev
  python3-grpcio python3-protobuf python3-pytest python3-yaml
  chromium
  glewlwyd
)

case "${1:-}" in
  test) PACKAGES+=(postgresql) ;;
  bench) PACKAGES+=(postgresql redis-server linux-perf) ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The web console's build and browser tests need node and npm (clients/console). Debian's
# packages unless a node is installed already (e.g. from another source, with its own npm).
if ! command -v npm >/dev/null 2>&1; then
  for p in nodejs npm; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $SUDO apt-get update -qq && \
       $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get failed (log above)" >&2
  exit 1
fi
rm -f "$log"
echo "install-deps: done"
