#!/usr/bin/env bash
# Builds the hub and node images from Dockerfile.hub and Dockerfile.node and prints their sizes.
#
# Usage: scripts/images/build-app-images.sh [--base IMAGE] [--tag TAG] [hub|node ...]
#   --base IMAGE  the BASE_IMAGE build arg (default gridcore/base-node:local, which
#                 build-base-images.sh makes: the official node image when a registry answers,
#                 else one from this host's binaries)
#   --tag TAG     image tag (default local): gridcore/computehub:TAG, gridcore/gridnode:TAG
#   --context DIR build context (default: this checkout); e.g. a `git archive` of a commit
#
# Behind a TLS-intercepting proxy, npm inside the build must trust the proxy's CA: the bundle named
# by $NODE_EXTRA_CA_CERTS (or $GRIDCORE_BUILD_CA) is copied to .build-context/ca.pem (git-ignored),
# which the Dockerfiles use. Builds use --network host so npm reaches the registry as the host does.
set -euo pipefail
cd "$(dirname "$0")/../.."

base=gridcore/base-node:local
tag=local
context=.
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --context) context=$2; shift 2 ;;
    hub|node) targets+=("$1"); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-app-images: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(hub node)

if [ "$base" = gridcore/base-node:local ]; then
  bash scripts/images/build-base-images.sh node
fi

ca=${GRIDCORE_BUILD_CA:-${NODE_EXTRA_CA_CERTS:-}}
if [ -n "$ca" ] && [ -s "$ca" ]; then
  mkdir -p "$context/.build-context"
  cmp -s "$ca" "$context/.build-context/ca.pem" || cp "$ca" "$context/.build-context/ca.pem"
fi

for target in "${targets[@]}"; do
  case "$target" in
    hub) image=gridcore/computehub:$tag; dockerfile=Dockerfile.hub ;;
    node) image=gridcore/gridnode:$tag; dockerfile=Dockerfile.node ;;
  esac
  echo "build-app-images: building $image from $dockerfile (BASE_IMAGE=$base)" >&2
  start=$(date +%s)
  docker build --network host -f "$context/$dockerfile" --build-arg "BASE_IMAGE=$base" -t "$image" "$context" >&2
  echo "build-app-images: $image built in $(( $(date +%s) - start )) s" >&2
done

for target in "${targets[@]}"; do
  case "$target" in
    hub) image=gridcore/computehub:$tag ;;
    node) image=gridcore/gridnode:$tag ;;
  esac
  bytes=$(docker image inspect -f '{{.Size}}' "$image")
  printf '%s %s MB\n' "$image" "$(( (bytes + 500000) / 1000000 ))"
done
