import type {
  DataPlane,
  NodeCredentials,
  TaskClearedDto,
  TaskDataLossDto,
  TaskExistingDto,
  TaskLeftDto,
  TaskProgressDto,
  TaskScopedUsersDto,
  TaskConstraints,
  TaskStatus,
} from '@gridcore/contracts';

/** A task as the hub keeps it (Redis URLs whole; masked only in views). */
export interface TaskRecord {
  id: string;
  name: string;
  status: TaskStatus;
  image: string | null;
  images: Record<string, string>;
  input_redis: string | null;
  output_redis: string | null;
  input_queue: string | null;
  output_queue: string | null;
  /** CA (PEM) of a rediss:// input/output Redis; absent in records made before it existed. */
  redis_tls_ca?: string | null;
  env: Record<string, string>;
  cpus: number;
  memory_mb: number | null;
  gpus: number;
  /** Where it may run (issue 21.2); absent: anywhere its image and GPUs allow. */
  constraints?: TaskConstraints | null;
  max_containers_per_node: number | null;
  /** Higher starts first among pending tasks (absent on records of older hubs: 0). */
  priority?: number;
  max_attempts: number;
  batch_timeout_s: number;
  /** Only when the task opted out of the read-only root filesystem (absent: hardened, as older records). */
  writable_rootfs?: true;
  auto_finish: boolean | null;
  auto_finish_grace_s: number | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  completed_by: 'finish' | 'next' | 'auto_finish' | null;
  left: TaskLeftDto | null;
  /** The progress as the task completed, kept so it outlives the sampler's memory and restarts. */
  final_progress?: TaskProgressDto | null;
  /**
   * When `P:config` was first written with this run's id: from then on a `P:config` without it
   * means Redis lost the queue (kept, so a hub restarted with its Redis still checks).
   */
  queue_config_at?: string | null;
  /** Set when the hub saw that loss; auto-finish waits for an operator to acknowledge it. */
  data_loss?: TaskDataLossDto | null;
  /** What its lists held at registration (issue 15: a reused name silently inherited old items). */
  existing?: TaskExistingDto | null;
  /** What `fresh` deleted at registration. */
  cleared?: TaskClearedDto | null;
  /** How volunteer nodes reach its Redis (absent on records of older hubs: `scoped`). */
  node_credentials?: NodeCredentials;
  /** How volunteer nodes reach its queues (absent on records of older hubs: `direct`). */
  data_plane?: DataPlane;
  /** Whether the hub could create its scoped Redis users, as it last found. */
  scoped_users?: TaskScopedUsersDto | null;
  /** What each node's containers used for this run (issue 19.5), saved as it runs and as it ends. */
  usage?: Record<string, NodeRunUsage>;
}

/** What one node's containers used for a run: per container (cumulative readings), kept with the record. */
export interface NodeRunUsage {
  /** Container id (or `instance:N` when the node named none) → its last cumulative reading. */
  containers: Record<string, { cpu_s: number; gpu_s: number }>;
  switched_in_ms: number | null;
  switched_out_ms: number | null;
}

/**
 * Everything that must survive a hub restart: records in registration order (pending ones as
 * moved), current, revision.
 */
export interface TaskState {
  revision: number;
  current_id: string | null;
  tasks: TaskRecord[];
}

export const EMPTY_TASK_STATE: TaskState = { revision: 0, current_id: null, tasks: [] };
