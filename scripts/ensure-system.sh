#!/usr/bin/env bash
# Makes sure this machine has what GridCore's tests and demo need: redis-server, a running
# Docker engine, Chromium (for the dashboard's browser tests), python3-redis (Python worker) and
# Debian's pip, setuptools, wheel and venv (to pack and install the Python SDK offline).
# Installs from Debian's packages when missing and running as root; otherwise prints one line
# saying what to install and fails.
set -euo pipefail

need_pkgs=()
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v busybox >/dev/null 2>&1 || need_pkgs+=(busybox-static)
[ -x /usr/bin/chromium ] || [ "${GRIDCORE_SKIP_BROWSER:-}" = 1 ] || need_pkgs+=(chromium)
command -v tmux >/dev/null 2>&1 || need_pkgs+=(tmux)
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || need_pkgs+=(python3-redis)
# Packing the Python SDK into a wheel and installing it offline (scripts/pack-sdks.sh, the README).
/usr/bin/python3 -c 'import pip' >/dev/null 2>&1 || need_pkgs+=(python3-pip)
/usr/bin/python3 -c 'import setuptools' >/dev/null 2>&1 || need_pkgs+=(python3-setuptools)
/usr/bin/python3 -c 'import wheel' >/dev/null 2>&1 || need_pkgs+=(python3-wheel)
/usr/bin/python3 -c 'import ensurepip' >/dev/null 2>&1 || need_pkgs+=(python3-venv)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "gridcore: missing system packages: ${need_pkgs[*]} (install them with: sudo apt-get install -y ${need_pkgs[*]})" >&2
    exit 1
  fi
  echo "gridcore: installing ${need_pkgs[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "gridcore: no Docker engine answers on /var/run/docker.sock (start it with: sudo systemctl start docker)" >&2
    exit 1
  fi
  echo "gridcore: starting a Docker engine (dockerd, log in /tmp/gridcore-dockerd.log)" >&2
  nohup dockerd >/tmp/gridcore-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "gridcore: dockerd did not come up; see /tmp/gridcore-dockerd.log" >&2; exit 1; }
fi
