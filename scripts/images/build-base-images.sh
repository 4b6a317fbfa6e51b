#!/usr/bin/env bash
# Builds the two local base images every GridCore image starts from:
#   gridcore/base-node:local    node, npm and /bin/sh (what Dockerfile.hub / Dockerfile.node ask of a base)
#   gridcore/base-python:local  python3.11 with redis-py and pip (the Python worker and the original
#                               consumer; pip installs the SDK's wheel, offline with --no-deps)
#
# It first tries the official images (node:20-bookworm-slim, python:3.11-slim) and tags them;
# when no registry answers (shared/ENVIRONMENT.md: the usual case here) it builds them from this
# host's own binaries instead. An image that already exists is kept unless --force is given, so a
# second run costs two `docker image inspect` calls.
#
# Usage: scripts/images/build-base-images.sh [--force] [--no-pull] [node|python ...]
#   --force    rebuild even when the image exists
#   --no-pull  do not try the registry (straight to the host build)
#   GRIDCORE_PULL_TIMEOUT_S  seconds a pull may take before it counts as failed (default 60)
set -euo pipefail

NODE_IMAGE=gridcore/base-node:local
PYTHON_IMAGE=gridcore/base-python:local
OFFICIAL_NODE=node:20-bookworm-slim
OFFICIAL_PYTHON=python:3.11-slim
PULL_TIMEOUT_S=${GRIDCORE_PULL_TIMEOUT_S:-60}
# Python packages (Debian's python3-redis and what it imports) copied into the Python image.
PY_PACKAGES=(redis packaging async_timeout deprecated wrapt)
PY_DIST=/usr/lib/python3/dist-packages
# What an image built from the host's Python holds besides redis-py; a base image of an older
# recipe (without pip) is rebuilt, so `pip install --no-deps` of the SDK's wheel works in it.
PYTHON_RECIPE=2

force=0
pull=1
targets=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --no-pull) pull=0 ;;
    node|python) targets+=("$arg") ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "build-base-images: unknown argument '$arg' (expected --force, --no-pull, node, python)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(node python)

log() { echo "build-base-images: $*" >&2; }

# Staging folders, removed however the script ends.
stages=()
cleanup() { [ ${#stages[@]} -eq 0 ] || rm -rf "${stages[@]}"; }
trap cleanup EXIT
# Sets $stage to a new staging folder (not via $(...): the list must grow in this shell).
new_stage() { stage=$(mktemp -d "${TMPDIR:-/tmp}/gridcore-$1.XXXXXX"); stages+=("$stage"); }

docker info >/dev/null 2>&1 || {
  log "no Docker engine answers (run: bash scripts/ensure-system.sh)"
  exit 1
}

# Several test processes may call this at once: one builds, the others wait and then find the image.
exec 9>"${TMPDIR:-/tmp}/gridcore-base-images.lock"
flock -w 600 9 || { log "timed out waiting for another build of the base images"; exit 1; }

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

try_pull() {
  [ "$pull" = 1 ] || return 1
  log "trying docker pull $1"
  if timeout "$PULL_TIMEOUT_S" docker pull -q "$1" >/dev/null 2>&1; then
    return 0
  fi
  log "pull of $1 failed (no registry reachable?); building from the host's binaries"
  return 1
}

# Copies a file to the same path under $root, following symlinks (the image gets real files).
copy_into() {
  local root=$1 src=$2
  mkdir -p "$root$(dirname "$src")"
  cp -L "$src" "$root$src"
}

# Copies the shared libraries `ldd` lists for each given ELF file (the loader included).
copy_libs() {
  local root=$1; shift
  local lib
  # ldd prints "name => /path (addr)" and, for the loader, "\t/path (addr)"; with several files
  # it also prints each file's name followed by a colon, which these patterns skip.
  for lib in $(ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u); do
    if [ -e "$lib" ]; then copy_into "$root" "$lib"; fi
  done
}

# busybox-static as /bin/sh, with a symlink for each of its applets (/usr/bin/env for shebangs).
add_busybox() {
  local root=$1 busybox applet
  busybox=$(command -v busybox) || { log "busybox is not installed (apt-get install -y busybox-static)"; exit 1; }
  file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || {
    log "$busybox is not statically linked (install busybox-static)"; exit 1; }
  mkdir -p "$root/bin" "$root/usr/bin" "$root/sbin" "$root/usr/sbin"
  cp -L "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] && continue
    [ -e "$root/bin/$applet" ] || ln -s /bin/busybox "$root/bin/$applet"
  done
  ln -sf /bin/busybox "$root/usr/bin/env"
}

# /etc files a container expects: users for root and nobody, a CA bundle, /tmp.
add_etc() {
  local root=$1
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  fi
}

build_node_from_host() {
  local stage node npm_dir
  node=$(readlink -f "$(command -v node)")
  npm_dir=/usr/lib/node_modules/npm
  [ -d "$npm_dir" ] || npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  new_stage base-node
  mkdir -p "$stage/rootfs/usr/bin" "$stage/rootfs/usr/lib/node_modules"
  cp -L "$node" "$stage/rootfs/usr/bin/node"
  copy_libs "$stage/rootfs" "$node"
  cp -a "$npm_dir" "$stage/rootfs/usr/lib/node_modules/npm"
  ln -s /usr/lib/node_modules/npm/bin/npm-cli.js "$stage/rootfs/usr/bin/npm"
  ln -s /usr/lib/node_modules/npm/bin/npx-cli.js "$stage/rootfs/usr/bin/npx"
  add_busybox "$stage/rootfs"
  add_etc "$stage/rootfs"
  cat >"$stage/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root
CMD ["node"]
EOF
  log "building $NODE_IMAGE from the host's node $(node --version) and npm $(npm --version 2>/dev/null)"
  docker build -q --label gridcore.base=host -t "$NODE_IMAGE" "$stage" >/dev/null
}

build_python_from_host() {
  local stage py pkg
  py=/usr/bin/python3.11
  [ -x "$py" ] || { log "$py is missing (apt-get install -y python3.11)"; exit 1; }
  for pkg in "${PY_PACKAGES[@]}"; do
    [ -d "$PY_DIST/$pkg" ] || { log "$PY_DIST/$pkg is missing (apt-get install -y python3-redis)"; exit 1; }
  done
  [ -d "$PY_DIST/pip" ] || { log "$PY_DIST/pip is missing (apt-get install -y python3-pip)"; exit 1; }
  new_stage base-python
  mkdir -p "$stage/rootfs/usr/bin" "$stage/rootfs/usr/lib" "$stage/rootfs$PY_DIST"
  cp -L "$py" "$stage/rootfs/usr/bin/python3.11"
  ln -s python3.11 "$stage/rootfs/usr/bin/python3"
  ln -s python3.11 "$stage/rootfs/usr/bin/python"
  # The standard library without bytecode caches, tests or site-packages of the host, and without
  # Debian's EXTERNALLY-MANAGED marker: in an image, pip installs into the system as in the official one.
  tar -C /usr/lib --exclude='__pycache__' --exclude='python3.11/test' --exclude='python3.11/site-packages/*' \
    --exclude='python3.11/EXTERNALLY-MANAGED' \
    -cf - python3.11 | tar -C "$stage/rootfs/usr/lib" -xf -
  # The interpreter's libraries and those of its C extension modules (ssl, ctypes, ...).
  copy_libs "$stage/rootfs" "$py" /usr/lib/python3.11/lib-dynload/*.so
  for pkg in "${PY_PACKAGES[@]}" pip; do
    tar -C "$PY_DIST" --exclude='__pycache__' -cf - "$pkg" | tar -C "$stage/rootfs$PY_DIST" -xf -
  done
  add_busybox "$stage/rootfs"
  add_etc "$stage/rootfs"
  log "importing $PYTHON_IMAGE from the host's python3.11 and python3-redis"
  tar -C "$stage/rootfs" -cf - . | docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1' \
    -c "LABEL gridcore.base=host gridcore.python-recipe=$PYTHON_RECIPE" \
    -c 'CMD ["/usr/bin/python3.11"]' - "$PYTHON_IMAGE" >/dev/null
}

# The official Python image lacks redis-py and PyPI may be unreachable: add the host's copy of the
# same pure-Python packages (the image's interpreter is 3.11 too).
build_python_from_official() {
  local stage pkg
  new_stage base-python
  mkdir -p "$stage/site"
  for pkg in "${PY_PACKAGES[@]}"; do
    tar -C "$PY_DIST" --exclude='__pycache__' -cf - "$pkg" | tar -C "$stage/site" -xf -
  done
  cat >"$stage/Dockerfile" <<EOF
FROM $OFFICIAL_PYTHON
COPY site/ /usr/local/lib/python3.11/site-packages/
RUN ["python3", "-c", "import redis"]
EOF
  docker build -q --label gridcore.base=official --label "gridcore.python-recipe=$PYTHON_RECIPE" -t "$PYTHON_IMAGE" "$stage" >/dev/null
}

ensure_node() {
  if [ "$force" = 0 ] && have_image "$NODE_IMAGE"; then
    log "$NODE_IMAGE present (use --force to rebuild)"
    return
  fi
  if try_pull "$OFFICIAL_NODE"; then
    docker tag "$OFFICIAL_NODE" "$NODE_IMAGE"
    log "$NODE_IMAGE = $OFFICIAL_NODE"
  else
    build_node_from_host
  fi
  docker run --rm --network none "$NODE_IMAGE" sh -c 'node --version >/dev/null && npm --version >/dev/null' \
    || { log "$NODE_IMAGE was built but cannot run node and npm"; exit 1; }
}

ensure_python() {
  local recipe
  recipe=$(docker image inspect --format '{{ index .Config.Labels "gridcore.python-recipe" }}' "$PYTHON_IMAGE" 2>/dev/null || true)
  if [ "$force" = 0 ] && [ "$recipe" = "$PYTHON_RECIPE" ]; then
    log "$PYTHON_IMAGE present (use --force to rebuild)"
    return
  fi
  [ -z "$recipe" ] || [ "$recipe" = "$PYTHON_RECIPE" ] || log "$PYTHON_IMAGE is of an older recipe ($recipe); rebuilding"
  if [ -d "$PY_DIST/redis" ] && try_pull "$OFFICIAL_PYTHON"; then
    build_python_from_official
  else
    build_python_from_host
  fi
  docker run --rm --network none "$PYTHON_IMAGE" sh -c 'python3 -c "import redis, ssl" && python3 -m pip --version >/dev/null' \
    || { log "$PYTHON_IMAGE was built but cannot import redis or run pip"; exit 1; }
}

for target in "${targets[@]}"; do
  case "$target" in
    node) ensure_node ;;
    python) ensure_python ;;
  esac
done
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^gridcore/base-(node|python):local ' >&2 || true
