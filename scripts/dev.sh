#!/usr/bin/env bash
# `npm run dev`: Redis, the hub and one GridNode on this machine, up until Ctrl-C (scripts/dev.ts).
# Installs and builds what is missing first (scripts/prepare-local-grid.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prepare-local-grid.sh dev
exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/dev.ts
