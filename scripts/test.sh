#!/usr/bin/env bash
# `npm test`: every test, on a fresh machine too. Installs what is missing, builds, lints,
# then runs jest (unit specs, integration tests on a real redis-server and Docker engine, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
[ -d node_modules/@nestjs/core ] || npm ci --no-audit --no-fund
npm run build
npm run lint
# Two test files at a time: most of a test's time is spent waiting on what it started (a lease to
# lapse, a worker's idle exit, a container), so on a 2-core machine two files take about half the
# wall time of one after another. Every file gets its own ports (freePort), redis-servers, state
# folders and container labels, so they do not meet. GRIDCORE_JEST_WORKERS=1 runs one file at a
# time (as does passing --runInBand).
# --forceExit: every test stops what it started, but a handle left by a failed teardown must not
# keep a CI run alive after the results are in (the exit code is jest's either way).
if [ "$#" -gt 0 ]; then exec npx jest --maxWorkers="${GRIDCORE_JEST_WORKERS:-2}" --forceExit "$@"; fi
# The owner-first tests measure how fast a node yields its machine (pause within 1 s of an owner
# load, containers following a scale within 2 s): they run alone, after the rest, on a quiet machine.
ALONE='/test/owner/'
status=0
npx jest --maxWorkers="${GRIDCORE_JEST_WORKERS:-2}" --forceExit --testPathIgnorePatterns /node_modules/ "$ALONE" || status=$?
npx jest --runInBand --forceExit "$ALONE" || status=$?
exit "$status"
