#!/usr/bin/env bash
# `npm run pack:sdk`: packs both worker SDKs into installable artefacts in dist/packages/:
#   gridcore-worker-<version>.tgz                 the npm package @gridcore/worker (libs/queue/package.json),
#                                                 made by `npm pack`: compiled JavaScript, .d.ts types, the
#                                                 Lua scripts and manifest.json
#   gridcore_worker-<version>-py3-none-any.whl    the Python distribution gridcore-worker
#                                                 (libs/queue/python/pyproject.toml), scripts as package data
# Offline: tsc from this checkout, and Debian's python3 with setuptools and wheel (no index, no
# build isolation). Both are built in a temporary folder, so nothing is written into libs/, and a
# stale file there can never end up in a package. When nothing they are made from changed since the
# last run, the artefacts are kept (a second run costs a hash of the sources).
# Prints the two artefacts' paths on stdout; progress goes to stderr.
#   --force   pack even when the artefacts are current
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=dist/packages
PYTHON=${GRIDCORE_PACK_PYTHON:-/usr/bin/python3}
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "pack-sdks: unknown argument '$arg' (expected --force)" >&2; exit 2 ;;
  esac
done
log() { echo "pack-sdks: $*" >&2; }

npm_version=$(node -p 'require("./libs/queue/package.json").version')
py_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' libs/queue/python/pyproject.toml | head -n 1)
tgz=$OUT/gridcore-worker-$npm_version.tgz
whl=$OUT/gridcore_worker-$py_version-py3-none-any.whl

mkdir -p "$OUT"
# Parallel callers (test files, the demo, examples/build-images.sh) wait for each other.
exec 9>"$OUT/.pack.lock"
flock -w 300 9 || { log "timed out waiting for another pack in $OUT"; exit 1; }

# Every file the two packages are made from, with its content (the Python scripts/ link followed).
inputs_hash() {
  {
    node --version
    find -L libs/queue/package.json libs/queue/tsconfig.package.json libs/queue/README.md libs/queue/CONTRACT.md \
      libs/queue/src libs/queue/python -type f \
      ! -name '*.spec.ts' ! -name '*.pyc' ! -path '*/__pycache__/*' ! -path 'libs/queue/python/build/*' ! -path '*.egg-info/*' \
      -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-32
}
hash=$(inputs_hash)
if [ "$force" = 0 ] && [ -s "$tgz" ] && [ -s "$whl" ] && [ "$(cat "$OUT/.inputs-hash" 2>/dev/null)" = "$hash" ]; then
  log "$tgz and $whl are current"
  printf '%s\n' "$ROOT/$tgz" "$ROOT/$whl"
  exit 0
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/gridcore-pack-sdks.XXXXXX")
trap 'rm -rf "$stage"' EXIT
started=$(date +%s)

# npm: the package folder is libs/queue's package.json beside the compiled entry and the scripts.
mkdir -p "$stage/npm"
node node_modules/typescript/bin/tsc -p libs/queue/tsconfig.package.json --outDir "$stage/npm/dist"
cp libs/queue/package.json libs/queue/README.md libs/queue/CONTRACT.md "$stage/npm/"
cp -R libs/queue/src/scripts "$stage/npm/dist/scripts"
rm -f "$OUT"/gridcore-worker-*.tgz
npm pack "$stage/npm" --pack-destination "$OUT" --silent --no-update-notifier >/dev/null
[ -s "$tgz" ] || { log "npm pack did not write $tgz"; exit 1; }

# Python: a copy of the project with the scripts link resolved, built into a wheel. The fixed
# SOURCE_DATE_EPOCH keeps the wheel's bytes the same for the same sources.
"$PYTHON" -c 'import setuptools, wheel' 2>/dev/null || {
  log "$PYTHON lacks setuptools or wheel (apt-get install -y python3-setuptools python3-wheel python3-pip)"; exit 1; }
tar -C libs/queue -chf - --exclude=build --exclude='*.egg-info' --exclude=__pycache__ --exclude='*.pyc' python | tar -C "$stage" -xf -
rm -f "$OUT"/gridcore_worker-*.whl
SOURCE_DATE_EPOCH=315532800 PIP_NO_INPUT=1 "$PYTHON" -m pip wheel --quiet --no-index --no-build-isolation --no-deps \
  --disable-pip-version-check --no-cache-dir -w "$OUT" "$stage/python" >&2
[ -s "$whl" ] || { log "pip wheel did not write $whl"; exit 1; }

echo "$hash" >"$OUT/.inputs-hash"
log "packed $tgz and $whl in $(( $(date +%s) - started )) s"
printf '%s\n' "$ROOT/$tgz" "$ROOT/$whl"
