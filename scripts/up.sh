#!/usr/bin/env bash
# Brings up a local Tandem cluster (master + one agent) on the default ports, after
# installing dependencies and building when needed. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
exec node packages/cli/bin/tandem.js up "$@"
