#!/usr/bin/env bash
# Finds a container engine that serves the Docker Engine API, or makes one: on a
# Debian machine where we are root and nothing answers, it installs Podman + runc,
# writes the containers.conf these machines need (runc, because crun rejects hybrid
# cgroups; ulimits under the hard nofile limit of 20000) and starts
# `podman system service` on /run/podman/podman.sock. Idempotent: a second run only
# checks. Prints `DOCKER_HOST=…` of the engine it found as its last line.
set -euo pipefail

podman_socket=/run/podman/podman.sock
log_file=/var/log/chaoslab-podman-service.log
conf_file=/etc/containers/containers.conf

say() { echo "chaoslab engine: $*" >&2; }

# True when the Unix socket answers the Engine API's ping.
answers() {
  local socket=$1
  [[ -S $socket ]] || return 1
  curl --silent --fail --max-time 3 --unix-socket "$socket" http://d/_ping >/dev/null 2>&1
}

socket_of() {
  case $1 in
    unix://*) echo "${1#unix://}" ;;
    *) return 1 ;;
  esac
}

if [[ -n ${DOCKER_HOST:-} ]]; then
  if socket=$(socket_of "$DOCKER_HOST") && answers "$socket"; then
    say "using DOCKER_HOST=$DOCKER_HOST"
    echo "DOCKER_HOST=$DOCKER_HOST"
    exit 0
  fi
  if [[ $DOCKER_HOST != "unix://$podman_socket" ]]; then
    say "DOCKER_HOST=$DOCKER_HOST does not answer /_ping; start that engine or unset DOCKER_HOST"
    exit 1
  fi
fi

for socket in /var/run/docker.sock "$podman_socket"; do
  if answers "$socket"; then
    say "found an engine on $socket"
    echo "DOCKER_HOST=unix://$socket"
    exit 0
  fi
done

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  say "no container engine answers on /var/run/docker.sock or $podman_socket."
  say "Install Docker (and start it) or Podman (podman + runc, then run"
  say "'podman system service --time=0 unix://$podman_socket'), or set DOCKER_HOST."
  exit 1
fi

missing=()
for package in podman runc curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! grep -q 'chaoslab' "$conf_file" 2>/dev/null; then
  say "writing $conf_file (runc runtime, ulimits below the hard nofile limit)"
  mkdir -p "$(dirname "$conf_file")"
  [[ -f $conf_file ]] && cp "$conf_file" "$conf_file.chaoslab-backup"
  cat >"$conf_file" <<'EOF'
# Written by chaoslab scripts/setup-engine.sh: crun fails on cgroups v1 "hybrid"
# hosts, and Podman's default nofile ulimit exceeds these machines' hard limit.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
EOF
fi

# Stale records of containers whose processes died with an earlier session make
# the new service report them as running; `podman ps` refreshes their state.
podman ps --all --quiet >/dev/null 2>&1 || true

mkdir -p "$(dirname "$podman_socket")"
rm -f "$podman_socket"
say "starting podman system service on $podman_socket (log: $log_file)"
nohup setsid podman system service --time=0 "unix://$podman_socket" >>"$log_file" 2>&1 </dev/null &

for _ in $(seq 1 100); do
  if answers "$podman_socket"; then
    say "engine ready"
    echo "DOCKER_HOST=unix://$podman_socket"
    exit 0
  fi
  sleep 0.2
done
say "podman system service did not answer within 20 s; see $log_file"
exit 1
