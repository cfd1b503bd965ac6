#!/usr/bin/env bash
# Installs Node.js from the npm registry's `node` package into .tools/node<major> (ignored by git).
# This machine's own Node may be older than kvcsi supports; the registry is the one source it reaches.
#   scripts/install-node.sh 24        # installs, prints nothing but progress on stderr
#   eval "$(scripts/install-node.sh 24 --env)"   # installs if needed, then puts it on PATH
set -euo pipefail
usage() { echo "usage: scripts/install-node.sh <22|24|26> [--env]" >&2; exit 2; }
[ $# -ge 1 ] || usage
major="$1"; shift
case "$major" in 22|24|26) ;; *) usage ;; esac
print_env=0
for arg in "$@"; do case "$arg" in --env) print_env=1 ;; *) usage ;; esac; done
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tools/node$major"
# Pinned so CI and laptops get the same runtime; bump deliberately.
case "$major" in 22) version=22.23.3 ;; 24) version=24.21.0 ;; 26) version=26.10.0 ;; esac
bin="$dir/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
  echo "installing node $version from the npm registry into ${dir#$root/}" >&2
  mkdir -p "$dir"
  ( cd "$dir" && [ -f package.json ] || echo '{"name":"node-runtime","private":true}' > "$dir/package.json" )
  ( cd "$dir" && npm install --no-audit --no-fund --engine-strict=false --loglevel=error "node@$version" >&2 )
fi
# The platform package ships include/node: node-gyp builds native modules against it instead of downloading headers.
nodedir="$(cd "$dir/node_modules/node/node_modules/node-linux-"* && pwd)"
if [ "$print_env" = 1 ]; then
  echo "export PATH=\"$bin:\$PATH\""
  echo "export npm_config_nodedir=\"$nodedir\""
fi
