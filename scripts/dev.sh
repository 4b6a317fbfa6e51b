#!/usr/bin/env bash
# `npm run dev`: Redis, the hub and one GridNode on this machine, up until Ctrl-C (scripts/dev.ts).
# Installs and builds what is missing first, as scripts/demo.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@nestjs/core ] && [ -d node_modules/ts-node ] || npm ci --no-audit --no-fund --loglevel=error
engine_was_up=0
docker info >/dev/null 2>&1 && engine_was_up=1
GRIDCORE_SKIP_BROWSER=1 bash scripts/ensure-system.sh
if [ "$engine_was_up" = 0 ]; then export GRIDCORE_DEMO_STOP_DOCKERD=1; fi
stale=0
for app in computehub gridnode; do
  entry="dist/apps/$app/apps/$app/src/main.js"
  if [ ! -f "$entry" ] || [ -n "$(find "apps/$app/src" libs -name '*.ts' -newer "$entry" -print -quit)" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  echo "dev: building the apps (npm run build)"
  npm run --silent build >/dev/null
fi
exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/dev.ts
