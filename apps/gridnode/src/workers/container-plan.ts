import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import { ConstraintFacts, constraintDetail, unmetConstraints } from '@gridcore/contracts/tasks/task-constraints-match';
import { ContainerSpec, DockerUnreachableError } from '@gridcore/docker-runtime';
import { AdmissionPolicy, admissionRefusal } from './admission';
import type { NotRunningCause } from './not-running-cause';
import { containerGatewayUrl } from '../queue/gateway-secrets';
import type { QueueRef } from '../queue/slot-queue';
import { containerCpus } from '../owner/owner-policy';

/** Labels every container of ours carries (SPEC §3), plus the run id for the reconciler. */
export const LABEL_TASK = 'gridcore.task';
export const LABEL_NODE = 'gridcore.node';
export const LABEL_INSTANCE = 'gridcore.instance';
export const LABEL_RUN = 'gridcore.run';
/** `gateway` on a container of a gateway task: its orphan is requeued through the gateway. */
export const LABEL_DATA_PLANE = 'gridcore.data_plane';

export interface NodeFacts {
  nodeId: string;
  cpuCount: number;
  gpuCount: number;
  parallelism: number | null;
  containerMemoryMb: number;
  networkMode: string | null;
  /** gridnode.toml `pids_limit`: processes one container may hold. */
  pidsLimit: number;
  /** What the volunteer lets run here. */
  admission: AdmissionPolicy;
  /** The node credential the hub issued (null with the legacy token): container secrets of a gateway task derive from it. */
  credential?: string | null;
  /** gridnode.toml `cpu_limit_percent`: the host share all containers together may use. */
  cpuLimitPercent?: number | null;
  /** At most this many containers now (the owner's memory limit); null or absent: no cap. */
  containerCap?: number | null;
  /** What the node reports of itself (labels, platform, memory, CPUs), matched against a task's constraints; absent: none set. */
  placement?: ConstraintFacts;
}

/**
 * How many containers of `task` this node runs (SPEC §3): `parallelism` when set (it may exceed
 * the CPU count), else floor(CPUs / task cpus), at least 1; then capped by
 * `max_containers_per_node`. No task: none.
 */
export function containerCount(task: TaskConfigDto | null, node: Pick<NodeFacts, 'cpuCount' | 'parallelism' | 'containerCap'>): number {
  if (!task) return 0;
  const cpus = task.cpus > 0 ? task.cpus : 1;
  let n = node.parallelism ?? Math.max(1, Math.floor(node.cpuCount / cpus + 1e-9));
  if (task.max_containers_per_node && task.max_containers_per_node > 0) n = Math.min(n, task.max_containers_per_node);
  // The owner's policy always wins over what the task or the hub asks.
  if (node.containerCap !== undefined && node.containerCap !== null) n = Math.min(n, node.containerCap);
  return Math.max(0, n);
}

/** The CPUs each container of `task` gets: the task's, shared down to `cpu_limit_percent` of the host. */
export function containerCpusFor(task: TaskConfigDto, node: NodeFacts): number {
  const cpus = task.cpus > 0 ? task.cpus : 1;
  return containerCpus(cpus, node.cpuCount, containerCount(task, node), node.cpuLimitPercent ?? null);
}


/** Why this node runs none of the task's containers, or null when it can. */
export function refusal(task: TaskConfigDto, node: Pick<NodeFacts, 'gpuCount' | 'admission' | 'credential' | 'placement'>): NotRunningCause | null {
  const refused = admissionRefusal(task, node.admission);
  if (refused) return refused;
  if (throughGateway(task) && !node.credential) {
    return { reason: 'refused', detail: `task ${task.task_name} runs through the data gateway and this node holds no node credential (join with a join token)` };
  }
  const gpus = task.gpus ?? 0;
  if (gpus > node.gpuCount) {
    return {
      reason: 'needs_gpus',
      detail: `task ${task.task_name} needs ${gpus} GPU${gpus === 1 ? '' : 's'} per container and this node has ${node.gpuCount}: running none of its containers here`,
    };
  }
  // A task with constraints reaches every node in `together` mode: one that misses them runs none.
  const unmet = task.constraints && node.placement ? unmetConstraints(task.constraints, node.placement) : [];
  if (unmet.length) return { reason: 'constraints_not_met', detail: `${constraintDetail(task.task_name, unmet)}: running none of its containers here`.slice(0, 256) };
  return null;
}

/** The cause of a failed image pull or container start, with Docker's own message as detail. */
export function setupFailureCause(stage: 'image' | 'start', err: unknown): NotRunningCause {
  const detail = (err as Error).message ?? String(err);
  if (err instanceof DockerUnreachableError) return { reason: 'docker_unavailable', detail };
  return { reason: stage === 'image' ? 'image_pull_failed' : 'container_start_failed', detail };
}

/** True when the node can see the task's queue (SPEC §2.1): it then waits for items after exit 0. */
export function queueVisible(task: TaskConfigDto): boolean {
  return Boolean(task.input_redis && task.input_queue);
}

/** Whether the hub said this task's queues are reached through the data gateway. */
export function throughGateway(task: TaskConfigDto): boolean {
  return task.data_plane === 'gateway';
}

/** The task's input queue as the node acts on it: Redis itself, or the gateway's bare address. */
export function queueRefOf(task: TaskConfigDto): QueueRef {
  return { redisUrl: task.input_redis!, queue: task.input_queue!, tlsCa: task.redis_tls_ca, dataPlane: throughGateway(task) ? 'gateway' : 'direct' };
}

/**
 * The Redis URLs one container gets: the task's own, or for a gateway task the gateway with this
 * slot's user and secret (`<node id>.<instance>`), so the container holds nothing of the node's.
 */
function containerUrls(task: TaskConfigDto, node: NodeFacts, instance: number): { input: string; output: string } {
  if (throughGateway(task) && task.input_redis && node.credential) {
    const url = containerGatewayUrl(task.input_redis, node.nodeId, instance, node.credential);
    return { input: url, output: url };
  }
  return { input: task.input_redis ?? '', output: task.output_redis ?? task.input_redis ?? '' };
}

/** The container for slot `instance` of `task`: image, sizes, labels and the env of SPEC §3. */
export function containerSpec(task: TaskConfigDto, node: NodeFacts, instance: number, runId: string): ContainerSpec {
  const urls = containerUrls(task, node, instance);
  const env: Record<string, string> = {
    // The task's own env first: ours win, so a task cannot forge its slot.
    ...(task.env ?? {}),
    TASK_NAME: task.task_name,
    NODE_ID: node.nodeId,
    INSTANCE_ID: String(instance),
    INPUT_REDIS_URL: urls.input,
    OUTPUT_REDIS_URL: urls.output,
    INPUT_QUEUE: task.input_queue ?? '',
    OUTPUT_QUEUE: task.output_queue ?? '',
    RUN_ID: runId,
    MAX_ATTEMPTS: String(task.max_attempts),
    BATCH_TIMEOUT_S: String(task.batch_timeout_s),
  };
  if (task.redis_tls_ca) env.REDIS_TLS_CA = task.redis_tls_ca;
  return {
    image: task.image,
    env,
    labels: {
      [LABEL_TASK]: task.task_name,
      [LABEL_NODE]: node.nodeId,
      [LABEL_INSTANCE]: String(instance),
      [LABEL_RUN]: runId,
      ...(throughGateway(task) ? { [LABEL_DATA_PLANE]: 'gateway' } : {}),
    },
    cpus: containerCpusFor(task, node),
    memoryMb: task.memory_mb ?? node.containerMemoryMb,
    gpus: task.gpus > 0 ? task.gpus : undefined,
    networkMode: node.networkMode ?? undefined,
    // Hardened unless the task opted out of the read-only root (the other limits always hold).
    confinement: { pidsLimit: node.pidsLimit, writableRootfs: task.writable_rootfs === true },
  };
}
