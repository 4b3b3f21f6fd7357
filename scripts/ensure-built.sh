#!/usr/bin/env bash
# Installs dependencies when node_modules is missing or older than the lockfile, and
# builds (code generation + tsc -b; incremental, so cheap when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
# npm install, not npm ci: see scripts/test.sh.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
npm run --silent build
