import { RedisServerIdentity } from '@gridcore/queue';
import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { maskRedisUrl } from '../redaction/redis-urls';
import type { TaskRecord } from './task-record';
import { overlapBetween, sameKeyspace, serverScopesOf } from '../queues/key-scope-overlap';

type Identify = (url: string) => RedisServerIdentity | null;

/**
 * Refuses a task whose scoped users' key patterns would reach keys of another pending or running
 * task on the same Redis server (one task's output as another's input, a shared output list, a
 * queue under another's `P:`), so a volunteer of one can never touch the other's data. The same
 * queues reused run after run are fine.
 */
export function assertNoScopeOverlap(task: TaskRecord, held: readonly TaskRecord[], identify: Identify): void {
  const ours = serverScopesOf(task, identify);
  if (ours.length === 0) return;
  for (const other of held) {
    if (other.status === 'completed' || other.id === task.id) continue;
    const key = overlapBetween(ours, serverScopesOf(other, identify));
    if (key) {
      throw new ConflictError(
        `task ${task.name}'s keys overlap those of task ${other.name} (${other.status}) on the same Redis server (${key}): ` +
          'a Redis user scoped to one could reach the other\'s data; use lists of its own',
      );
    }
  }
}

/**
 * `node_credentials: "shared"` hands the task's Redis password to every node; refused when that
 * Redis is the hub's own state store, where a node holding the password could rewrite the hub's tasks.
 */
export function assertSharedAllowed(task: TaskRecord, stateRedisUrl: string | null, identify: Identify): void {
  if (task.node_credentials !== 'shared' || !stateRedisUrl) return;
  const state = identify(stateRedisUrl);
  if (!state) return;
  for (const url of [task.input_redis, task.output_redis]) {
    const server = url ? identify(url) : null;
    if (server && sameKeyspace(server, state)) {
      throw new ConflictError(
        `node_credentials "shared" would hand the password of ${maskRedisUrl(url)} to every node, and that Redis holds the hub's own state: ` +
          'give the task a Redis server of its own, or leave node_credentials at "scoped"',
      );
    }
  }
}

/**
 * A gateway task needs a gateway (gateway_bind or gateway_url) and queues the gateway can serve:
 * it hands out leased items of one input list and takes results for one output list.
 */
export function assertDataPlaneServable(task: TaskRecord, gatewayConfigured: boolean): void {
  if (task.data_plane !== 'gateway') return;
  if (!gatewayConfigured) {
    throw new InvalidRequestError('data_plane "gateway" needs a data gateway: set gateway_bind (in-process) or gateway_url (standalone) in the hub config, or use data_plane "direct"');
  }
  if (!task.input_redis || !task.input_queue || !task.output_queue) {
    throw new InvalidRequestError('data_plane "gateway" needs input_redis, input_queue and output_queue: the gateway serves one input list and one output list');
  }
  if (task.node_credentials === 'shared') {
    throw new InvalidRequestError('node_credentials "shared" hands volunteers the Redis password, which data_plane "gateway" exists to keep from them: use one or the other');
  }
}
