import type { GpuInfoDto, HostUsageDto, InstanceStatusDto, RuntimeStatus } from '@gridcore/contracts';

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
}

export interface NodeRecord extends PersistedNode {
  online: boolean;
  runtime_status: RuntimeStatus | null;
  active_containers: number;
  task_name: string | null;
  instances: InstanceStatusDto[];
  usage: HostUsageDto | null;
  /** Last time a node.updated event went out for this node (throttle). */
  last_update_event_ms: number;
}

export function persistedPart(node: NodeRecord): PersistedNode {
  return {
    id: node.id,
    hostname: node.hostname,
    architecture: node.architecture,
    cpu_count: node.cpu_count,
    platform: node.platform,
    version: node.version,
    labels: node.labels,
    memory_total_mb: node.memory_total_mb,
    parallelism: node.parallelism,
    gpus: node.gpus,
    registered_at: node.registered_at,
    last_seen_ms: node.last_seen_ms,
    stop_requested: node.stop_requested,
  };
}
