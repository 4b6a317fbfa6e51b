#!/usr/bin/env node
// GridNode's health check (Dockerfile.node HEALTHCHECK and the DaemonSet's liveness probe).
// The agent writes ${GRIDNODE_STATE_DIR:-/var/lib/gridcore}/status.json after every heartbeat the
// hub accepted: {"last_heartbeat_ok": <epoch ms>, "node_id": "...", "pid": <n>}. The node is
// healthy while that heartbeat is recent: within 3 heartbeat intervals (GRIDNODE_HEARTBEAT_INTERVAL,
// default 30 s), and never less than 60 s, so one lost heartbeat does not fail the check.
// Exit 0 healthy, 1 unhealthy; the reason goes to stdout (Docker keeps it in .State.Health).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const stateDir = process.env.GRIDNODE_STATE_DIR || '/var/lib/gridcore';
const interval = Number(process.env.GRIDNODE_HEARTBEAT_INTERVAL) > 0 ? Number(process.env.GRIDNODE_HEARTBEAT_INTERVAL) : 30;
const maxAgeMs = Math.max(60, 3 * interval) * 1000;
const file = join(stateDir, 'status.json');

function fail(reason) {
  console.log(`unhealthy: ${reason}`);
  process.exit(1);
}

let status;
try {
  status = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  fail(`cannot read ${file}: ${err.code || err.message}`);
}
const last = status && status.last_heartbeat_ok;
if (typeof last !== 'number' || !Number.isFinite(last)) fail(`${file} has no numeric last_heartbeat_ok`);
const age = Date.now() - last;
if (age > maxAgeMs) fail(`last accepted heartbeat ${Math.round(age / 1000)} s ago (limit ${maxAgeMs / 1000} s)`);
console.log(`healthy: node ${status.node_id} heartbeat ${Math.max(0, Math.round(age / 1000))} s ago (${file})`);
