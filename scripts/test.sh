#!/usr/bin/env bash
# `npm test`: every test, on a fresh machine too. Installs what is missing, builds, lints,
# then runs jest (unit specs, integration tests on a real redis-server and Docker engine, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
[ -d node_modules/@nestjs/core ] || npm ci --no-audit --no-fund
npm run build
npm run lint
# --forceExit: every test stops what it started, but a handle left by a failed teardown must not
# keep a CI run alive after the results are in (the exit code is jest's either way).
exec npx jest --runInBand --forceExit "$@"
