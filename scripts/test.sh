#!/usr/bin/env bash
# `npm test`: install if needed, build, bring up the test environment (a Docker Engine
# and the tandem-busybox image, see scripts/test-env.sh), run vitest, and take the
# environment down again if this run started it. Arguments go to `vitest run`.
#
#   TANDEM_KEEP_ENV=1 npm test     leave a dockerd this run started running
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
DIR="${TANDEM_DOCKERD_DIR:-/tmp/tandem-dockerd}"
OUR_HOST="unix://$DIR/docker.sock"

log() { printf 'test: %s\n' "$*" >&2; }

# `npm install` rather than `npm ci`: the lockfile is written without the optional
# platform packages of other machines (e.g. Biome's), which `npm ci` insists on.
# With a lockfile present, `npm install` installs exactly its versions.
if [[ ! -f node_modules/.package-lock.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm install"
  npm install --no-audit --no-fund
fi

log "build"
npm run --silent build

log "lint"
npx biome check .

log "typecheck tests"
npx tsc -p tsconfig.test.json

# Whether our own dockerd answered before this run: if it did, someone else owns it.
ours_was_up=0
if [[ -S "$DIR/docker.sock" ]] && curl -fsS --max-time 3 --unix-socket "$DIR/docker.sock" http://localhost/_ping >/dev/null 2>&1; then
  ours_was_up=1
fi

# Every run holds a shared lock while it uses the engine; only a run that started the
# engine and finds no other run holding the lock stops it.
mkdir -p "$DIR"
exec 9>"$DIR/users.lock"
flock -s 9

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ "$ours_was_up" == 0 && "${TANDEM_KEEP_ENV:-0}" != 1 ]]; then
    if [[ "${DOCKER_HOST:-}" == "$OUR_HOST" ]] && flock -x -n 9; then
      bash scripts/test-env.sh down 9>&- || true
    else
      log "leaving the engine up (in use by another run, or not ours)"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/test-env.sh up 9>&-
# shellcheck source=/dev/null
source "${TANDEM_TEST_ENV_FILE:-.tandem/test-env}"

set +e
npx vitest run "$@" 9>&-
rc=$?
set -e
exit "$rc"
