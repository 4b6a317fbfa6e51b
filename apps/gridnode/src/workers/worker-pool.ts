import { Subscription } from 'rxjs';
import type { InstanceStatusDto, RuntimeStatus } from '@gridcore/contracts/nodes/heartbeat.dto';
import { NotRunningDto } from '@gridcore/contracts/nodes/not-running.dto';
import { ContainerWorker, WorkerDeps } from './container-worker';
import { containerCount } from './container-plan';
import { clampReason, oneLineReason } from '../shared/reason-text';
import { WorkReport } from '../shared/work-report';

/**
 * Holds the ContainerWorkers. It grows to the largest N any task has needed (a worker beyond the
 * current task's N stays idle); each worker follows `task$` on its own.
 */
export class WorkerPool extends WorkReport {
  readonly workers: ContainerWorker[] = [];
  private subscription?: Subscription;

  constructor(private readonly deps: WorkerDeps) {
    super();
    this.deps = { gpuContainers: () => this.workers.filter((w) => w.holdsGpus && w.state === 'running').length, ...deps };
  }

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
    return { task: task.task_name, reason: cause.reason, detail: oneLineReason(cause.detail) };
  }

  /** Containers known to be there: a slot that lost its engine cannot vouch for its container. */
  activeContainers(): number {
    if (!this.deps.engine.up) return 0;
    return this.workers.filter((w) => w.containerId && w.state !== 'error').length;
  }

  /** Error when the engine is away or a slot cannot run its task, Running with a task, else Idle. */
  runtimeStatus(): RuntimeStatus {
    if (!this.deps.engine.up || this.workers.some((w) => w.state === 'error')) return 'Error';
    if (this.deps.stream.task$.value) return 'Running';
    return 'Idle';
  }

  /** Why the status is `Error` (the engine's absence first, else the first failing slot), or null. */
  lastError(): string | null {
    if (!this.deps.engine.up) return clampReason(this.deps.engine.reason);
    return clampReason(this.workers.find((w) => w.state === 'error')?.lastError ?? null);
  }
}

