import type { GpuInfoDto, HostUsageDto, InstanceStatusDto, NotRunningDto, PausedDto, RuntimeStatus } from '@gridcore/contracts';

/** What survives a hub restart; liveness does not (a node is offline until its next beat). */
export interface PersistedNode {
  id: string;
  hostname: string;
  architecture: string;
  cpu_count: number;
  platform: string;
  version: string | null;
  labels: Record<string, string>;
  memory_total_mb: number | null;
  parallelism: number | null;
  gpus: GpuInfoDto[];
  registered_at: string;
  last_seen_ms: number;
  stop_requested: boolean;
  /** When the node deregistered: it stays listed as Offline until removed (operator or sweep). */
  left_at?: string | null;
  /** When an operator revoked it: it stays listed, Offline, and never registers again. */
  revoked_at?: string | null;
  /** The parallelism an operator asked for (PATCH /api/nodes/:id); null or absent: the node's own. */
  requested_parallelism?: number | null;
}

export interface NodeRecord extends PersistedNode {
  online: boolean;
  runtime_status: RuntimeStatus | null;
  last_error: string | null;
  active_containers: number;
  task_name: string | null;
  instances: InstanceStatusDto[];
  usage: HostUsageDto | null;
  /** Last time a node.updated event went out for this node (throttle). */
  last_update_event_ms: number;
  /** The node's own reason for not running its current task (heartbeat), or null. */
  not_running?: NotRunningDto | null;
  /** The hub's reason it cannot run the current task (no image for its platform, too few GPUs). */
  derived_not_running?: NotRunningDto | null;
  /** Why the node holds its containers frozen now (its last heartbeat), or null: it is alive all the same. */
  paused?: PausedDto | null;
  /** The largest parallelism an operator asked for since the hub started: a node shrinking from it may still report that many. */
  scale_ceiling?: number;
}

export function persistedPart(node: NodeRecord): PersistedNode {
  // Everything but liveness and what the last heartbeat said.
  const { online, runtime_status, last_error, active_containers, task_name, instances, usage, last_update_event_ms, not_running, derived_not_running, paused, scale_ceiling, ...persisted } = node;
  return persisted;
}
