import { Logger } from '@nestjs/common';
import { Observable, skip, Subscription } from 'rxjs';
import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import type { InstanceStatusDto, RuntimeStatus } from '@gridcore/contracts/nodes/heartbeat.dto';
import { NotRunningDto } from '@gridcore/contracts/nodes/not-running.dto';
import { ContainerWorker, WorkerDeps } from './container-worker';
import { containerCount, containerCpusFor, queueRefOf, throughGateway } from './container-plan';
import { clampReason, oneLineReason } from '../shared/reason-text';
import { WorkReport } from '../shared/work-report';

/** How long the first start of a gateway task waits for the gateway's orphan requeue before it runs anyway (leases cover the rest). */
const ORPHANS_TIMEOUT_MS = 5_000;

/**
 * Holds the ContainerWorkers. It grows to the largest N any task has needed (a worker beyond the
 * current task's N stays idle); each worker follows `task$` on its own. Before the first
 * container of a gateway task starts, the gateway requeues what a crashed agent's slots of this
 * node left (`GRIDCORE ORPHANS`), as the reconciler does from containers' env on the direct path.
 */
export class WorkerPool extends WorkReport {
  private readonly logger = new Logger('Workers');
  readonly workers: ContainerWorker[] = [];
  private growing: Promise<void> = Promise.resolve();
  private readonly orphansAsked = new Set<string>();
  private readonly subscriptions: Subscription[] = [];
  private paused = false;
  /** The pause or resume in progress: they apply in order, never interleaved. */
  private pausing: Promise<void> = Promise.resolve();
  private lastCpus = new Map<string, number>();

  constructor(
    private readonly deps: WorkerDeps,
    /** The owner's pause and container cap (issue 20); absent: never paused, no cap. */
    private readonly owner?: { paused$: Observable<unknown | null>; containerCap$: Observable<number | null> },
    /** What the hub asked for; changes re-plan the containers. */
    private readonly parallelism$?: Observable<number | null>,
  ) {
    super();
    this.deps = { gpuContainers: () => this.workers.filter((w) => w.holdsGpus && w.state === 'running').length, ...deps };
  }

  start(): void {
    this.subscriptions.push(
      this.deps.stream.task$.subscribe((task) => {
        this.growing = this.growing.then(() => this.askOrphans(task)).then(() => this.replan());
      }),
    );
    if (this.parallelism$) this.subscriptions.push(this.parallelism$.pipe(skip(1)).subscribe(() => this.replan()));
    if (this.owner) {
      this.subscriptions.push(this.owner.containerCap$.pipe(skip(1)).subscribe(() => this.replan()));
      this.subscriptions.push(this.owner.paused$.subscribe((p) => void this.setPaused(p !== null)));
    }
  }

  /**
   * The node's container count afresh (a task change, the hub's parallelism, the owner's memory
   * cap): slots are added up to it, every slot looks again whether it runs, and under
   * cpu_limit_percent the running containers' CPU limits follow the new count.
   */
  replan(): void {
    const n = containerCount(this.deps.stream.task$.value, this.deps.node());
    while (this.workers.length < n) {
      const worker = new ContainerWorker(this.workers.length, this.deps);
      this.workers.push(worker);
      worker.start();
      if (this.paused) void worker.freeze();
    }
    for (const w of this.workers) w.reconsider();
    void this.followCpuLimit();
  }

  private async followCpuLimit(): Promise<void> {
    const node = this.deps.node();
    if (node.cpuLimitPercent === undefined || node.cpuLimitPercent === null) return;
    await Promise.all(
      this.workers.map(async (w) => {
        const running = w.runningContainer();
        if (!running || w.instance >= containerCount(running.task, node)) return;
        const cpus = containerCpusFor(running.task, node);
        if (this.lastCpus.get(running.id) === cpus) return;
        this.lastCpus.set(running.id, cpus);
        await this.deps.runtime.updateCpus(running.id, cpus).catch(() => this.lastCpus.delete(running.id));
      }),
    );
  }

  /** Freezes or thaws every slot; a slot that starts a container while paused freezes it at once. */
  setPaused(paused: boolean): Promise<void> {
    if (paused === this.paused) return this.pausing;
    this.paused = paused;
    this.pausing = this.pausing.then(() => Promise.all(this.workers.map((w) => (paused ? w.freeze() : w.thaw()))).then(() => undefined));
    return this.pausing;
  }

  private async askOrphans(task: TaskConfigDto | null): Promise<void> {
    if (!task || !throughGateway(task) || !task.input_queue || this.orphansAsked.has(task.task_name)) return;
    this.orphansAsked.add(task.task_name);
    const live = this.workers.filter((w) => w.runId).map((w) => w.instance);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ORPHANS_TIMEOUT_MS / 1000} s`)), ORPHANS_TIMEOUT_MS);
    });
    try {
      const items = await Promise.race([this.deps.queue.requeueOrphans(queueRefOf(task), this.deps.node().nodeId, live), timeout]);
      if (items > 0) this.logger.log(`the gateway requeued ${items} item(s) an earlier run of this node held (task ${task.task_name})`);
    } catch (err) {
      this.logger.warn(`could not requeue this node's orphaned batches of ${task.task_name} through the gateway (their leases will): ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The current task's name, or null. */
  currentTaskName(): string | null {
    return this.deps.stream.task$.value?.task_name ?? null;
  }

  /** How many containers of the current task the node means to run now. */
  plannedContainers(): number {
    return containerCount(this.deps.stream.task$.value, this.deps.node());
  }

  /** Resolves once the last pause or resume asked for has been applied to every slot. */
  settled(): Promise<void> {
    return this.pausing;
  }

  /** Containers frozen now. */
  frozenContainers(): number {
    return this.workers.filter((w) => w.isFrozen).length;
  }

  /** Every container stopped gracefully and handed back, in parallel. */
  async shutdown(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
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

