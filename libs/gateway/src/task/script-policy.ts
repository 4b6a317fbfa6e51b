import type { TaskBackend } from './task-backend';

/** A container's EVALSHA, checked and rewritten, or the reason it is refused. */
export type PolicyOutcome = { name: string; keys: string[]; args: string[]; pushFirst?: string[] } | { refused: string };

/** The scripts a worker may run through the gateway (the hub and the gateway run the others). */
const WORKER_SCRIPTS = new Set(['take', 'take-group', 'ack', 'renew', 'requeue', 'hand-back', 'requeue-by-slot']);

/** Arguments that name batch keys or prefixes: each must be under the connection's own slot. */
const BATCH_ARGS = new Set(['prev_batch_key', 'lane_prefix', 'batch_key', 'batch_keys...', 'slot_prefix']);
/** Arguments that may be empty (take: no previous batch; no lane = ack and heal only). */
const MAY_BE_EMPTY = new Set(['prev_batch_key', 'lane_prefix']);

/**
 * Issue 17.3: only the protocol's own scripts, with exactly the task's keys in the manifest's
 * order, the node-id argument rewritten to the authenticated node, every batch key or prefix
 * under `P:batch:<node>:<instance>:` of this connection, and the task's own max_attempts and
 * batch_timeout_s in place of the client's fallbacks.
 */
export function checkScriptCall(backend: TaskBackend, sha: string, keys: string[], args: string[], nodeId: string, instance: string): PolicyOutcome {
  const name = backend.bySha.get(sha.toLowerCase());
  if (!name) return { refused: 'not one of the queue protocol scripts' };
  if (!WORKER_SCRIPTS.has(name)) return { refused: `the ${name} script is the hub's` };
  const d = backend.protocol.declaration(name);
  if (keys.length !== d.keys.length) return { refused: `${name} takes ${d.keys.length} keys` };
  const outputAt = d.keys.indexOf('output');
  const mayUseInputAsOutput = outputAt >= 0 && keys[outputAt] === backend.keys.input;
  const expected = backend.keysOf(name, mayUseInputAsOutput ? backend.keys.input : backend.roles.output);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== expected[i]) return { refused: `key ${keys[i]} is not this task's ${d.keys[i]} key` };
  }
  const own = backend.keys.slotPrefix(nodeId, instance);
  const out = args.slice();
  for (let i = 0; i < d.args.length; i++) {
    const arg = d.args[i];
    const rest = arg.endsWith('...');
    const values = rest ? out.slice(i) : out[i] === undefined ? [] : [out[i]];
    if (!rest && out[i] === undefined) return { refused: `${name} needs argument ${arg}` };
    if (arg === 'node_id') out[i] = nodeId;
    else if (arg === 'max_attempts') out[i] = String(backend.route.max_attempts);
    else if (arg === 'batch_timeout_s') out[i] = String(backend.route.batch_timeout_s);
    else if (arg === 'push' && out[i] === '1' && mayUseInputAsOutput) return { refused: 'results may only be pushed to the task output' };
    else if (arg === 'acks...') {
      // take-group: A batch keys, their A result counts, then the results (push 1).
      const count = Number(out[d.args.indexOf('ack_count')]);
      if (!Number.isInteger(count) || count < 0 || count > values.length) return { refused: `${name} ack_count does not match its acks` };
      for (const v of values.slice(0, count)) {
        if (!v.startsWith(own)) return { refused: `${v === '' ? 'an empty key' : v} is not a batch key of ${nodeId}.${instance}` };
      }
    } else if (BATCH_ARGS.has(arg)) {
      for (const v of values) {
        if (v === '' && MAY_BE_EMPTY.has(arg)) continue;
        if (!v.startsWith(own)) return { refused: `${v === '' ? 'an empty key' : v} is not a batch key of ${nodeId}.${instance}` };
      }
    }
  }
  const pushAt = d.args.indexOf('push');
  if (pushAt >= 0 && out[pushAt] === '1' && !backend.sameServer) {
    // The worker saw one URL and chose exactly-once, but the output list is on another server:
    // the gateway pushes the results there first and acks by count (at-least-once, as the SDK would).
    const resultsAt = resultsStart(d.args, out);
    const results = out.slice(resultsAt);
    const byCount = out.slice(0, resultsAt);
    byCount[pushAt] = '0';
    const inputKeys = keys.slice();
    inputKeys[outputAt] = backend.keys.input;
    return { name, keys: inputKeys, args: byCount, pushFirst: results };
  }
  return { name, keys, args: out };
}

/** Where the pushed results start in ARGV: `results...`, or after take-group's A keys and A counts. */
function resultsStart(declared: readonly string[], args: readonly string[]): number {
  const at = declared.indexOf('results...');
  if (at >= 0) return at;
  const acksAt = declared.indexOf('acks...');
  return acksAt + 2 * Number(args[declared.indexOf('ack_count')]);
}
