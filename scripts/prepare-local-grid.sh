# Sourced by scripts/demo.sh and scripts/dev.sh (with $1 = the caller's name for messages):
# installs what is missing (npm dependencies; redis-server, a Docker engine and the packages the
# host-built base images need, via scripts/ensure-system.sh), remembers whether it had to start the
# Docker engine (GRIDCORE_DEMO_STOP_DOCKERD=1: the caller stops it again), and builds the apps when
# an entry point is missing or older than the newest source of its app or the libs.
who="${1:-gridcore}"

if [ ! -d node_modules/@nestjs/core ] || [ ! -d node_modules/ts-node ]; then
  echo "$who: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

engine_was_up=0
docker info >/dev/null 2>&1 && engine_was_up=1
# The dashboard's browser tests need Chromium; a local grid does not.
GRIDCORE_SKIP_BROWSER=1 bash scripts/ensure-system.sh
if [ "$engine_was_up" = 0 ]; then export GRIDCORE_DEMO_STOP_DOCKERD=1; fi

stale=0
for app in computehub gridnode; do
  entry="dist/apps/$app/apps/$app/src/main.js"
  if [ ! -f "$entry" ] || [ -n "$(find "apps/$app/src" libs -name '*.ts' -newer "$entry" -print -quit)" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  echo "$who: building the apps (npm run build)"
  npm run --silent build >/dev/null
fi
