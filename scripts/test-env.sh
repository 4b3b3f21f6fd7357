#!/usr/bin/env bash
# The environment Tandem's tests need: a Docker Engine, the local test image, and the
# nats-server binary.
#
#   scripts/test-env.sh up     make sure an engine answers (starting our own dockerd when
#                              none does), import tandem-busybox:latest, make sure
#                              nats-server is installed, write .tandem/test-env
#   scripts/test-env.sh down   stop the dockerd this script started; an engine we did not
#                              start is left alone
#   scripts/test-env.sh status say what answers where
#
# Then: `source .tandem/test-env` (exports DOCKER_HOST and TANDEM_TEST_IMAGE).
#
# Our dockerd lives in $TANDEM_DOCKERD_DIR (default /tmp/tandem-dockerd: short, because
# of the unix socket path length limit) and is shared by every checkout on the machine.
# It is installed with apt when missing (root on Debian only). No registry is needed:
# the image is a static busybox imported from a directory.
#
# Chromium (Debian's package, for test/ui) is only installed here too.
#
# nats-server (Debian's package) is only installed here, never started: each test file
# of the NATS KV store starts its own on a free port and a temp dir (test/support/nats.ts).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${TANDEM_DOCKERD_DIR:-/tmp/tandem-dockerd}"
ENV_FILE="${TANDEM_TEST_ENV_FILE:-$REPO/.tandem/test-env}"
IMAGE="${TANDEM_TEST_IMAGE:-tandem-busybox:latest}"
OUR_SOCK="$DIR/docker.sock"
PIDFILE="$DIR/docker.pid"

log() { printf 'test-env: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Prints the unix socket path of a unix:// host, nothing for anything else.
sock_of() { case "$1" in unix://*) printf '%s' "${1#unix://}" ;; esac; }

# True when an engine answers at the given DOCKER_HOST.
answers() {
  local host="$1" sock
  sock="$(sock_of "$host")"
  if [[ -n "$sock" ]]; then
    [[ -S "$sock" ]] && curl -fsS --max-time 3 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
  else
    command -v docker >/dev/null && DOCKER_HOST="$host" timeout 5 docker version >/dev/null 2>&1
  fi
}

# The engine's API version (e.g. 1.41), so that a newer CLI talks down to it.
api_version() {
  local host="$1" sock
  sock="$(sock_of "$host")"
  [[ -n "$sock" ]] || return 0
  curl -fsS --max-time 3 --unix-socket "$sock" http://localhost/version |
    sed -n 's/.*"ApiVersion":"\([0-9.]*\)".*/\1/p'
}

is_debian_root() { [[ "$(id -u)" == 0 && -f /etc/debian_version ]] && command -v apt-get >/dev/null; }

APT_UPDATED=0
apt_install() {
  is_debian_root || die "need $* but cannot install it (not root on Debian); install it by hand"
  if [[ "$APT_UPDATED" == 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

busybox_path() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    # Only a static busybox works inside an image with no libc.
    if [[ -x "$b" ]] && ! ldd "$b" >/dev/null 2>&1; then printf '%s' "$b"; return 0; fi
  done
  return 1
}

ensure_packages() {
  local want=()
  command -v dockerd >/dev/null || want+=(docker.io)
  [[ -x /usr/bin/docker-init ]] || command -v docker-init >/dev/null || want+=(docker.io)
  busybox_path >/dev/null || want+=(busybox-static)
  if ((${#want[@]})); then
    # docker.io brings containerd, runc, tini (docker-init) and the docker CLI.
    apt_install $(printf '%s\n' "${want[@]}" | sort -u)
  fi
  command -v docker-init >/dev/null || [[ -x /usr/bin/docker-init ]] ||
    log "warning: docker-init is missing, HostConfig.Init will fail"
}

nats_server_path() {
  command -v nats-server 2>/dev/null || { [[ -x /usr/sbin/nats-server ]] && printf '%s' /usr/sbin/nats-server; }
}

# Installs nats-server when missing. Where it cannot be installed (not root on Debian),
# only a warning: the NATS store tests then fail naming what is missing.
ensure_nats() {
  nats_server_path >/dev/null && return 0
  if is_debian_root; then
    apt_install nats-server
  else
    log "warning: nats-server is missing and cannot be installed here; the NATS store tests will fail (install it, or set TANDEM_NATS_SERVER)"
  fi
}

chromium_path() {
  command -v chromium 2>/dev/null || { [[ -x /usr/bin/chromium ]] && printf '%s' /usr/bin/chromium; }
}

# Installs Debian's Chromium when missing: the web UI's end-to-end tests (test/ui/) drive
# it with playwright-core, which downloads no browser of its own.
ensure_chromium() {
  chromium_path >/dev/null && return 0
  if is_debian_root; then
    apt_install chromium
  else
    log "warning: chromium is missing and cannot be installed here; the web UI tests (test/ui) will fail (install it, or set TANDEM_CHROMIUM)"
  fi
}

start_dockerd() {
  mkdir -p "$DIR"
  if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    log "dockerd $(cat "$PIDFILE") is running but does not answer yet"
  else
    rm -f "$PIDFILE" "$OUR_SOCK"
    log "starting dockerd in $DIR"
    # setsid: the engine must outlive this shell and not get its signals.
    setsid dockerd \
      --host "unix://$OUR_SOCK" \
      --data-root "$DIR/data" \
      --exec-root "$DIR/exec" \
      --pidfile "$PIDFILE" \
      --storage-driver vfs \
      --iptables=false --ip-masq=false --bridge=none \
      </dev/null >>"$DIR/dockerd.log" 2>&1 8>&- &
    echo "$!" >"$DIR/started.pid"
  fi
  local i
  for ((i = 0; i < 300; i++)); do
    answers "unix://$OUR_SOCK" && return 0
    if [[ -f "$DIR/started.pid" ]] && ! kill -0 "$(cat "$DIR/started.pid")" 2>/dev/null; then
      tail -n 20 "$DIR/dockerd.log" >&2 || true
      die "dockerd exited; see $DIR/dockerd.log"
    fi
    sleep 0.1
  done
  tail -n 20 "$DIR/dockerd.log" >&2 || true
  die "dockerd did not answer within 30 s; see $DIR/dockerd.log"
}

image_exists() {
  local host="$1" sock
  sock="$(sock_of "$host")"
  if [[ -n "$sock" ]]; then
    curl -fsS --max-time 5 --unix-socket "$sock" "http://localhost/images/$IMAGE/json" >/dev/null 2>&1
  else
    DOCKER_HOST="$host" docker image inspect "$IMAGE" >/dev/null 2>&1
  fi
}

ensure_image() {
  local host="$1" sock bb rootfs applet repo tag
  image_exists "$host" && return 0
  bb="$(busybox_path)" || die "no static busybox to build $IMAGE from (apt-get install busybox-static)"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"; trap - RETURN' RETURN
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  chmod 1777 "$rootfs/tmp"
  cp "$bb" "$rootfs/bin/busybox"
  for applet in $("$bb" --list); do
    # Linking busybox to itself would replace the binary with a dangling link.
    [[ "$applet" == busybox ]] && continue
    ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  log "importing $IMAGE"
  repo="${IMAGE%:*}"
  tag="${IMAGE##*:}"
  sock="$(sock_of "$host")"
  if [[ -n "$sock" ]]; then
    tar -C "$rootfs" -c . | curl -fsS --max-time 120 --unix-socket "$sock" -X POST \
      -H 'Content-Type: application/x-tar' --data-binary @- \
      "http://localhost/images/create?fromSrc=-&repo=$repo&tag=$tag" >/dev/null
  else
    tar -C "$rootfs" -c . | DOCKER_HOST="$host" docker import - "$IMAGE" >/dev/null
  fi
  image_exists "$host" || die "import of $IMAGE failed"
}

write_env() {
  local host="$1" api
  api="$(api_version "$host" || true)"
  mkdir -p "$(dirname "$ENV_FILE")"
  {
    echo "# Written by scripts/test-env.sh up; source it before running tests by hand."
    echo "export DOCKER_HOST=$host"
    # The docker CLI in /usr/local/bin may be newer than the engine: talk the engine's API.
    [[ -n "$api" ]] && echo "export DOCKER_API_VERSION=$api"
    echo "export TANDEM_TEST_IMAGE=$IMAGE"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# The engine to use: DOCKER_HOST when set and answering, then the system socket, then ours.
cmd_up() {
  mkdir -p "$DIR"
  exec 8>"$DIR/up.lock"
  flock -x 8
  ensure_nats
  ensure_chromium
  local host=""
  if [[ -n "${DOCKER_HOST:-}" ]] && answers "$DOCKER_HOST"; then
    host="$DOCKER_HOST"
  elif answers "unix:///var/run/docker.sock"; then
    host="unix:///var/run/docker.sock"
  elif answers "unix://$OUR_SOCK"; then
    host="unix://$OUR_SOCK"
  else
    ensure_packages
    start_dockerd
    host="unix://$OUR_SOCK"
  fi
  ensure_image "$host"
  write_env "$host"
  log "engine at $host, image $IMAGE; source $ENV_FILE"
}

cmd_down() {
  mkdir -p "$DIR"
  exec 8>"$DIR/up.lock"
  flock -x 8
  local pid=""
  [[ -f "$PIDFILE" ]] && pid="$(cat "$PIDFILE")"
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    log "no dockerd of ours is running"
    rm -f "$DIR/started.pid"
    return 0
  fi
  log "stopping dockerd $pid"
  kill -TERM "$pid"
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd $pid did not stop in 15 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/started.pid"
}

cmd_status() {
  local h
  for h in "${DOCKER_HOST:-}" "unix:///var/run/docker.sock" "unix://$OUR_SOCK"; do
    [[ -n "$h" ]] || continue
    if answers "$h"; then echo "up: $h"; else echo "down: $h"; fi
  done
  echo "nats-server: $(nats_server_path || echo missing)"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
  echo "usage: $0 up|down|status" >&2
  exit 2
  ;;
esac
