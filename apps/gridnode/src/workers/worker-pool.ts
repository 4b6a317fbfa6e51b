import { Subscription } from 'rxjs';
import type { InstanceStatusDto, RuntimeStatus } from '@gridcore/contracts/nodes/heartbeat.dto';
import { NOT_RUNNING_DETAIL_MAX, NotRunningDto } from '@gridcore/contracts/nodes/not-running.dto';
import { ContainerWorker, WorkerDeps } from './container-worker';
import { containerCount } from './container-plan';

/**
 * Holds the ContainerWorkers. It grows to the largest N any task has needed (a worker beyond the
 * current task's N stays idle); each worker follows `task$` on its own.
 */
export class WorkerPool {
  readonly workers: ContainerWorker[] = [];
  private subscription?: Subscription;

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    this.subscription = this.deps.stream.task$.subscribe((task) => {
      const n = containerCount(task, this.deps.node());
      while (this.workers.length < n) {
        const worker = new ContainerWorker(this.workers.length, this.deps);
        this.workers.push(worker);
        worker.start();
      }
    });
  }

  /** Every container stopped gracefully and handed back, in parallel. */
  async shutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    await Promise.all(this.workers.map((w) => w.shutdown()));
  }

  /** Run ids that belong to a worker (starting or running): the reconciler leaves them alone. */
  trackedRuns(): Set<string> {
    return new Set(this.workers.map((w) => w.runId).filter((r): r is string => !!r));
  }

  trackedContainers(): Set<string> {
    return new Set(this.workers.map((w) => w.containerId).filter((c): c is string => !!c));
  }

  instances(): InstanceStatusDto[] {
    return this.workers.map((w) => w.status()).filter((s): s is InstanceStatusDto => s !== null);
  }

  /**
   * The heartbeat's `not_running`: why the node runs none of the current task's containers (a
   * slot's refusal or failed pull), or null while any container of it runs or none has failed.
   */
  notRunning(): NotRunningDto | null {
    const task = this.deps.stream.task$.value;
    if (!task || this.activeContainers() > 0) return null;
    const cause = this.workers.find((w) => w.notRunning && w.taskName === task.task_name)?.notRunning;
    if (!cause) return null;
    return { task: task.task_name, reason: cause.reason, detail: oneLine(cause.detail, NOT_RUNNING_DETAIL_MAX) };
  }

  activeContainers(): number {
    return this.workers.filter((w) => w.containerId).length;
  }

  /** Error when a slot cannot run its task, Running with a task, else Idle. */
  runtimeStatus(): RuntimeStatus {
    if (this.workers.some((w) => w.state === 'error')) return 'Error';
    if (this.deps.stream.task$.value) return 'Running';
    return 'Idle';
  }
}

/** Docker's messages may hold newlines and run long; the hub takes one line of at most `max`. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
