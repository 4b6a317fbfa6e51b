import type { HeartbeatDto } from '@gridcore/contracts';
import type { NodeRunUsage } from '../tasks/task-record';

/** The run a heartbeat's task name stands for, as the ledger needs it. */
export interface RunRef {
  id: string;
  startedMs: number | null;
  completedMs: number | null;
}

/**
 * What every node's containers used per run, from the heartbeats' `instances[].usage`: each
 * reading is cumulative for one container, so the ledger keeps the last (highest) reading per
 * container and sums them; a container that restarts is a new container, and what the old one
 * used stays counted. It also notes when each node first ran a container of the run (switch in)
 * and when, after the run completed, it ran none (switch out). Pure: no clock, no I/O.
 */
export class RunUsageLedger {
  private readonly runs = new Map<string, Map<string, NodeRunUsage>>();
  /** Per node, per instance: the last container id heard (a reading without one goes to it). */
  private readonly lastContainer = new Map<string, Map<number, string>>();
  private readonly changed = new Set<string>();

  /** Starts from what a record kept (a hub restart). */
  restore(runId: string, usage: Record<string, NodeRunUsage> | undefined): void {
    if (!usage || this.runs.has(runId)) return;
    this.runs.set(runId, new Map(Object.entries(structuredClone(usage))));
  }

  /** Records one heartbeat of `nodeId` whose task name stands for `run` (null: it names no run this hub knows). */
  record(nodeId: string, beat: HeartbeatDto, run: RunRef | null, atMs: number, previousRun: RunRef | null = null): void {
    // A node that moved on: the run it left is switched out now.
    if (previousRun && previousRun.id !== run?.id) this.switchOut(nodeId, previousRun, atMs);
    if (!run) return;
    const instances = beat.instances ?? [];
    const usage = this.usageOf(run.id, nodeId, instances.length > 0);
    if (!usage) return;
    const last = this.lastContainerOf(nodeId);
    let running = false;
    let holds = false;
    for (const instance of instances) {
      if (instance.container_id) last.set(instance.instance, instance.container_id);
      if (instance.state === 'running' && instance.container_id) running = true;
      if (instance.container_id) holds = true;
      if (!instance.usage) continue;
      const key = instance.container_id ?? last.get(instance.instance) ?? `instance:${instance.instance}`;
      const before = usage.containers[key];
      const cpu = Math.max(before?.cpu_s ?? 0, instance.usage.cpu_s);
      const gpu = Math.max(before?.gpu_s ?? 0, instance.usage.gpu_s);
      if (!before || before.cpu_s !== cpu || before.gpu_s !== gpu) {
        usage.containers[key] = { cpu_s: cpu, gpu_s: gpu };
        this.changed.add(run.id);
      }
    }
    if (running && usage.switched_in_ms === null && run.startedMs !== null) {
      usage.switched_in_ms = Math.max(0, atMs - run.startedMs);
      this.changed.add(run.id);
    }
    if (run.completedMs !== null && !holds && usage.switched_out_ms === null) this.switchOut(nodeId, run, atMs);
  }

  /** The run's usage per node (a copy). */
  of(runId: string): Record<string, NodeRunUsage> {
    return Object.fromEntries([...(this.runs.get(runId) ?? new Map<string, NodeRunUsage>())].map(([node, usage]) => [node, structuredClone(usage)]));
  }

  /** Runs whose usage changed since the last call (to save them). */
  takeChanged(): string[] {
    const ids = [...this.changed];
    this.changed.clear();
    return ids;
  }

  forget(runId: string): void {
    this.runs.delete(runId);
    this.changed.delete(runId);
  }

  private switchOut(nodeId: string, run: RunRef, atMs: number): void {
    const usage = this.runs.get(run.id)?.get(nodeId);
    if (!usage || usage.switched_out_ms !== null || run.completedMs === null) return;
    usage.switched_out_ms = Math.max(0, atMs - run.completedMs);
    this.changed.add(run.id);
  }

  private usageOf(runId: string, nodeId: string, create: boolean): NodeRunUsage | null {
    let byNode = this.runs.get(runId);
    if (!byNode) {
      if (!create) return null;
      this.runs.set(runId, (byNode = new Map()));
    }
    let usage = byNode.get(nodeId);
    if (!usage && create) byNode.set(nodeId, (usage = { containers: {}, switched_in_ms: null, switched_out_ms: null }));
    return usage ?? null;
  }

  private lastContainerOf(nodeId: string): Map<number, string> {
    let map = this.lastContainer.get(nodeId);
    if (!map) this.lastContainer.set(nodeId, (map = new Map()));
    return map;
  }
}

/** A node's usage summed over its containers. */
export function usageTotals(usage: NodeRunUsage): { cpu_s: number; gpu_s: number; containers: number } {
  const containers = Object.values(usage.containers);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    cpu_s: round(containers.reduce((s, c) => s + c.cpu_s, 0)),
    gpu_s: round(containers.reduce((s, c) => s + c.gpu_s, 0)),
    containers: Object.keys(usage.containers).filter((k) => !k.startsWith('instance:')).length || containers.length,
  };
}
