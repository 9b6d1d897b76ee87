#!/usr/bin/env bash
# Builds the admin panel and the join page into OUT_DIR (CMake's lectern_web target calls this
# with build/web, the server's default web root). Needs Node.js and web/node_modules, which
# deploy/install-deps.sh installs (`npm ci`); says so instead of failing obscurely.
#
# Usage: web/build.sh OUT_DIR
set -euo pipefail

case "${1:-}" in
  -h|--help|"")
    echo "Usage: web/build.sh OUT_DIR   (builds the panel with Vite into OUT_DIR)"
    [ -n "${1:-}" ] && exit 0 || exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"

fail() {
  echo "web/build.sh: $1" >&2
  echo "web/build.sh: run deploy/install-deps.sh (it installs Node.js and runs 'npm ci' in web/), then build again" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || fail "Node.js is not installed (node not on PATH)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  fail "Node.js $(node --version) is too old: Vite needs 18 or newer"
[ -d "$here/node_modules/vite" ] || fail "web/node_modules is missing"
# npm writes node_modules/.package-lock.json at every install: older than the lock file means
# the lock file changed since (a pull brought new versions).
[ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ] ||
  fail "web/node_modules is older than web/package-lock.json"

cd "$here"
exec node node_modules/vite/bin/vite.js build --logLevel warn --outDir "$out" --emptyOutDir
