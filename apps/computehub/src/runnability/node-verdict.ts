import { constraintDetail, NotRunningDto, TaskConstraints, unmetConstraints } from '@gridcore/contracts';

/** What the hub knows of the running task that decides whether a node can run it. */
export interface RunnableTask {
  id: string;
  name: string;
  image: string | null;
  images: Record<string, string>;
  gpus: number;
  /** Where it may run (issue 21.2), or null/absent: anywhere. */
  constraints?: TaskConstraints | null;
  /** Why volunteer nodes get no task of this run (the hub cannot create their Redis users), or null. */
  volunteersBlocked?: string | null;
}

/** What the hub knows of a node for that decision. */
export interface NodeFactsForTask {
  platform: string;
  gpuCount: number;
  /** What it reported at registration, matched against the task's constraints (absent: none, unknown). */
  labels?: Readonly<Record<string, string>>;
  memoryMb?: number | null;
  cpus?: number | null;
  /** Whether it called as a volunteer (not with the legacy shared token). */
  volunteer?: boolean;
  /** The node's own report, for whichever task it last saw. */
  reported: NotRunningDto | null;
}

/**
 * Why the hub can tell, without asking the node, that it cannot run `task`: no image for its
 * platform (the node is then simply offered no task, SPEC §2.7), too few GPUs, or the task's
 * constraints unmet by what the node reported. Null when it can.
 */
export function hubDerivedReason(
  task: RunnableTask,
  node: Pick<NodeFactsForTask, 'platform' | 'gpuCount' | 'volunteer' | 'labels' | 'memoryMb' | 'cpus'>,
): NotRunningDto | null {
  if (!task.image && !task.images[node.platform]) {
    const has = Object.keys(task.images);
    return {
      task: task.name,
      reason: 'no_image_for_platform',
      detail: `task ${task.name} has no image for ${node.platform}${has.length ? ` (its images are for ${has.join(', ')})` : ''}`,
    };
  }
  if (task.gpus > node.gpuCount) {
    return {
      task: task.name,
      reason: 'needs_gpus',
      detail: `task ${task.name} needs ${task.gpus} GPU${task.gpus === 1 ? '' : 's'} per container and the node has ${node.gpuCount}`,
    };
  }
  const unmet = unmetConstraints(task.constraints, { platform: node.platform, labels: node.labels ?? {}, memoryMb: node.memoryMb ?? null, cpus: node.cpus ?? null });
  if (unmet.length) return { task: task.name, reason: 'constraints_not_met', detail: constraintDetail(task.name, unmet) };
  if (node.volunteer && task.volunteersBlocked) {
    return { task: task.name, reason: 'redis_users_unavailable', detail: task.volunteersBlocked.slice(0, 256) };
  }
  return null;
}

/** Why an online node does not run `task` (its own report first), or null when it runs it or may. */
export function nodeVerdict(task: RunnableTask, node: NodeFactsForTask): NotRunningDto | null {
  if (node.reported && node.reported.task === task.name) return node.reported;
  return hubDerivedReason(task, node);
}

export function sameNotRunning(a: NotRunningDto | null, b: NotRunningDto | null): boolean {
  if (!a || !b) return a === b;
  return a.task === b.task && a.reason === b.reason && a.detail === b.detail;
}
