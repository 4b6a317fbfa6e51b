#!/usr/bin/env bash
# `npm run demo`: the main job end to end from a fresh clone (scripts/demo.ts does the run).
# Installs what is missing first: npm dependencies (npm ci), redis-server, a Docker engine and the
# packages the host-built base images need (scripts/ensure-system.sh: from Debian's packages when
# root, else one line saying what to install), and builds the apps when dist/ is missing or older
# than the sources. A Docker engine this script had to start is stopped again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/@nestjs/core ] || [ ! -d node_modules/ts-node ]; then
  echo "demo: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

engine_was_up=0
docker info >/dev/null 2>&1 && engine_was_up=1
# The dashboard's browser tests need Chromium; the demo does not.
GRIDCORE_SKIP_BROWSER=1 bash scripts/ensure-system.sh
if [ "$engine_was_up" = 0 ]; then export GRIDCORE_DEMO_STOP_DOCKERD=1; fi

# Build when an entry point is missing or older than the newest source of its app or the libs.
stale=0
for app in computehub gridnode; do
  entry="dist/apps/$app/apps/$app/src/main.js"
  if [ ! -f "$entry" ] || [ -n "$(find "apps/$app/src" libs -name '*.ts' -newer "$entry" -print -quit)" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  echo "demo: building the apps (npm run build)"
  npm run --silent build >/dev/null
fi

exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/demo.ts
