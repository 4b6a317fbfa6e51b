#!/usr/bin/env bash
# Builds the three example worker images on this machine:
#   gridcore/example-node-worker:local        examples/node-worker      (TypeScript SDK, compiled)
#   gridcore/example-python-worker:local      examples/python-worker    (Python SDK)
# The two SDK workers install the SDKs from their packed artefacts (scripts/pack-sdks.sh, run first:
# the npm tarball and the wheel in dist/packages/), as a user's own worker image would.
#   gridcore/example-original-consumer:local  examples/original-consumer (the seed's consumer, unchanged)
#
# Base images come from scripts/images/build-base-images.sh: it tries the official node and python
# images first and, when no registry answers, builds gridcore/base-node:local and
# gridcore/base-python:local from this host's own binaries. Each example image carries a label with
# the hash of what it is built from (its Dockerfile, the files it copies, the base image's id); an
# image whose label matches is kept, so a second run costs a few `docker image inspect` calls.
#
# Usage: examples/build-images.sh [--force] [--no-pull] [node|python|original ...]
#   --force    rebuild even when an image is current
#   --no-pull  do not try the registry for the base images
# Behind a TLS-intercepting proxy, set NODE_EXTRA_CA_CERTS to its CA bundle: it is copied to the
# git-ignored .build-context/ca.pem, which the Node worker's npm step trusts.
# Prints the tags it made sure of on stdout, one a line; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

LABEL=gridcore.content-hash
force=0
base_args=()
targets=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --no-pull) base_args+=(--no-pull) ;;
    node|python|original) targets+=("$arg") ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "build-images: unknown argument '$arg' (expected --force, --no-pull, node, python, original)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(node python original)

log() { echo "build-images: $*" >&2; }

docker info >/dev/null 2>&1 || { log "no Docker engine answers (run: bash scripts/ensure-system.sh)"; exit 1; }

# The bases the targets need (official images first, else the host's binaries).
bases=()
for t in "${targets[@]}"; do
  case "$t" in node) bases+=(node) ;; *) bases+=(python) ;; esac
done
base_log=$(mktemp)
if ! bash scripts/images/build-base-images.sh ${base_args[@]+"${base_args[@]}"} $(printf '%s\n' "${bases[@]}" | sort -u) 2>"$base_log"; then
  cat "$base_log" >&2
  rm -f "$base_log"
  exit 1
fi
grep -v -e ' present ' -e '^gridcore/base-' "$base_log" >&2 || true
rm -f "$base_log"

# The SDK workers' packages (kept when current): the npm tarball and the wheel, relative paths.
sdk_tgz='' sdk_whl=''
if printf '%s\n' "${targets[@]}" | grep -qx -e node -e python; then
  packed=$(bash scripts/pack-sdks.sh) || { log "packing the SDKs failed (scripts/pack-sdks.sh)"; exit 1; }
  sdk_tgz=$(sed -n 1p <<<"$packed") sdk_whl=$(sed -n 2p <<<"$packed")
  sdk_tgz=${sdk_tgz#"$PWD/"} sdk_whl=${sdk_whl#"$PWD/"}
fi

if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
  if ! cmp -s "$NODE_EXTRA_CA_CERTS" .build-context/ca.pem 2>/dev/null; then
    mkdir -p .build-context
    cp "$NODE_EXTRA_CA_CERTS" .build-context/ca.pem
  fi
fi

# Parallel callers (test files, a demo beside a test) wait for each other instead of racing.
exec 9>"${TMPDIR:-/tmp}/gridcore-example-images.lock"
flock -w 900 9 || { log "timed out waiting for another build of the example images"; exit 1; }

# hash BASE FILE_OR_DIR...: the base image's id and every listed file's path, mode and content.
content_hash() {
  local base=$1; shift
  {
    echo "base $(docker image inspect --format '{{.Id}}' "$base")"
    find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' ! -path '*/node_modules/*' ! -path '*/dist/*' -print0 \
      | sort -z | xargs -0 sha256sum
    find "$@" -type f ! -path '*/node_modules/*' ! -path '*/dist/*' -printf '%p %m\n' | sort
    [ ! -s .build-context/ca.pem ] || echo "ca $(sha256sum <.build-context/ca.pem)"
  } | sha256sum | cut -c1-32
}

# build TAG DOCKERFILE BASE INPUT...
build() {
  local tag=$1 dockerfile=$2 base=$3; shift 3
  local hash current started
  hash=$(content_hash "$base" "$dockerfile" "$@")
  current=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null || true)
  if [ "$force" = 0 ] && [ "$current" = "$hash" ]; then
    log "$tag is current"
  else
    started=$(date +%s)
    log "building $tag from $dockerfile on $base"
    # The context is a tar of exactly the files the Dockerfile copies, at their repository paths
    # (the repository's .dockerignore keeps examples/ out of the app images' context).
    extra=()
    [ ! -s .build-context/ca.pem ] || extra+=(.build-context/ca.pem)
    if ! tar -c --exclude=node_modules --exclude=__pycache__ "$dockerfile" "$@" ${extra[@]+"${extra[@]}"} \
        | docker build -q --network host -f "$dockerfile" --build-arg "BASE_IMAGE=$base" \
          --label "$LABEL=$hash" --label gridcore.example=1 -t "$tag" - >/tmp/gridcore-build-images.$$.log 2>&1; then
      tail -n 30 /tmp/gridcore-build-images.$$.log >&2
      rm -f /tmp/gridcore-build-images.$$.log
      log "building $tag failed"
      exit 1
    fi
    rm -f /tmp/gridcore-build-images.$$.log
    log "built $tag in $(( $(date +%s) - started )) s"
  fi
  echo "$tag"
}

for t in "${targets[@]}"; do
  case "$t" in
    node)
      build gridcore/example-node-worker:local examples/node-worker/Dockerfile gridcore/base-node:local \
        examples/node-worker/package.json examples/node-worker/package-lock.json examples/node-worker/tsconfig.json \
        examples/node-worker/worker.ts examples/node-worker/install-sdk.sh deploy/docker/npm-ci.sh "$sdk_tgz" ;;
    python)
      build gridcore/example-python-worker:local examples/python-worker/Dockerfile gridcore/base-python:local \
        examples/python-worker/worker.py "$sdk_whl" ;;
    original)
      build gridcore/example-original-consumer:local examples/original-consumer/Dockerfile gridcore/base-python:local \
        examples/original-consumer/consumer.py ;;
  esac
done
