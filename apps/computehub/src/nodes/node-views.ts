import type { NodeRecordDto } from '@gridcore/contracts';
import { maskRedisUrlsDeep } from '../redaction/redis-urls';
import type { NodeRecord } from './node-record';

/**
 * A node as `/api/nodes` shows it: the original's fields first. Never a token, and no Redis
 * password: a container's last error often quotes the URL it failed to reach.
 */
export function publicNode(node: NodeRecord): NodeRecordDto {
  return maskRedisUrlsDeep(nodeView(node));
}

/**
 * The same view unmasked, for the event bus only: no listener inside the hub sends a node's
 * fields anywhere, and the SSE stream masks every event at its edge, so masking here too cost a
 * walk over the whole record on almost every heartbeat for nothing.
 */
export function nodeView(node: NodeRecord): NodeRecordDto {
  return {
    id: node.id,
    hostname: node.hostname,
    architecture: node.architecture,
    cpu_count: node.cpu_count,
    last_seen: new Date(node.last_seen_ms).toISOString(),
    status: node.online ? 'Online' : 'Offline',
    runtime_status: node.runtime_status,
    last_error: node.last_error,
    active_containers: node.active_containers,
    platform: node.platform,
    version: node.version,
    labels: node.labels,
    memory_total_mb: node.memory_total_mb,
    parallelism: node.parallelism,
    gpus: node.gpus,
    task_name: node.task_name,
    instances: node.instances,
    usage: node.usage,
    registered_at: node.registered_at,
    stopping: node.stop_requested,
    not_running: node.not_running ?? node.derived_not_running ?? null,
    paused: node.paused ?? null,
    requested_parallelism: node.requested_parallelism ?? null,
    left_at: node.left_at ?? null,
    revoked_at: node.revoked_at ?? null,
  };
}
