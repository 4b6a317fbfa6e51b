#!/usr/bin/env bash
# `npm run demo`: the main job end to end from a fresh clone (scripts/demo.ts does the run).
# Installs and builds what is missing first (scripts/prepare-local-grid.sh); a Docker engine it
# had to start is stopped again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prepare-local-grid.sh demo
exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/demo.ts
