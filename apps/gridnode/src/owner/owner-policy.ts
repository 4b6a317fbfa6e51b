import type { HoursWindow } from './hours';

/** What the machine's owner allows the grid (gridnode.toml; issue 20 point 1). */
export interface OwnerPolicy {
  /** Share of the host's CPUs all of the node's containers together may use; null: no limit. */
  cpuLimitPercent: number | null;
  /** Run only while the owner's CPU use stays below `idleCpuPercent`. */
  runWhenIdle: boolean;
  idleCpuPercent: number;
  /** How long the owner's CPU use must stay below the threshold before the node resumes. */
  idleAfterS: number;
  /** Processes whose CPU is not the owner's (matched by name, executable or a path segment). */
  idleExclude: readonly string[];
  /** Windows outside which the node pauses; none: any time. */
  hours: readonly HoursWindow[];
  pauseOnBattery: boolean;
  /** Host memory use above which the node runs fewer containers; null: no limit. */
  maxMemoryPercent: number | null;
}

export const DEFAULT_IDLE_EXCLUDE: readonly string[] = ['dockerd', 'containerd', 'containerd-shim-runc-v2', 'redis-server', 'computehub'];

export const DEFAULT_OWNER_POLICY: OwnerPolicy = Object.freeze({
  cpuLimitPercent: null,
  runWhenIdle: false,
  idleCpuPercent: 25,
  idleAfterS: 60,
  idleExclude: DEFAULT_IDLE_EXCLUDE,
  hours: [],
  pauseOnBattery: false,
  maxMemoryPercent: null,
});

/** Why the node is paused, as the heartbeat, `/api/nodes` and `gridnode status` say it. */
export type PauseReason = 'owner_busy' | 'outside_hours' | 'on_battery' | 'by_hand';

/**
 * The CPUs one of `containers` containers may use under `cpu_limit_percent`: host CPUs × percent
 * / 100 / N, never more than the task asks (`taskCpus`).
 */
export function containerCpus(taskCpus: number, hostCpus: number, containers: number, cpuLimitPercent: number | null): number {
  if (cpuLimitPercent === null || containers <= 0) return taskCpus;
  const share = (hostCpus * cpuLimitPercent) / 100 / containers;
  return Math.max(0.01, Math.min(taskCpus, Math.floor(share * 1000) / 1000));
}
