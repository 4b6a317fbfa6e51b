import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Subscription } from 'rxjs';
import type { InstanceState, InstanceStatusDto, InstanceUsageDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import { ContainerExit, ContainerNotFoundError, ContainerRuntime, RuntimeError } from '@gridcore/docker-runtime';
import { EngineGate, isEngineLoss } from '../engine/engine-monitor';
import { QueueRef, SlotQueue, SlotRef } from '../queue/slot-queue';
import { TaskStream } from '../task/task-stream';
import { aborted, sleep } from '../shared/backoff';
import { containerCount, containerSpec, NodeFacts, queueRefOf, queueVisible, refusal, setupFailureCause } from './container-plan';
import type { NotRunningCause } from './not-running-cause';
import { clampReason } from '../shared/reason-text';
import { Recovery, RestartTracker } from './restart-tracker';
import type { ContainerLogBook } from '../logs/container-log-book';
import { ContainerUsageMeter } from './container-usage';
import { OutputCapture } from './output-capture';
import { EXIT_LOG_LINES, exitCause } from './exit-cause';
import type { FailureCause } from '@gridcore/queue';
import { FrozenSlot } from './frozen-slot';

export interface WorkerDeps {
  runtime: ContainerRuntime;
  engine: EngineGate;
  queue: SlotQueue;
  stream: TaskStream;
  node: () => NodeFacts;
  stopTimeoutS: number;
  tracker?: RestartTracker;
  /** How often a waiting worker looks at LLEN input + retry. */
  pendingPollMs?: number;
  /** Where the containers' output is kept (absent: not kept). */
  logs?: ContainerLogBook;
  /** The node's GPUs' busy fraction now, summed over them (nvidia-smi's last reading). */
  gpuBusy?: () => number;
  /** How many running containers share the GPUs now. */
  gpuContainers?: () => number;
  /** How often a running container's CPU use is read. */
  usageSampleMs?: number;
}

/** How long a slot pauses after a call failed as if the engine were gone, before it looks again. */
const ENGINE_RECHECK_PAUSE_MS = 250;

/** A run id: new for every container start, `[A-Za-z0-9._-]` only. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * One worker slot (INSTANCE_ID = `instance`, stable across restarts). It reacts to every change
 * of `task$`: stops its container gracefully, hands back what it held, then runs the new task's
 * container under the restart policy. Everything it does for one task happens inside `runTask`,
 * which a task change or shutdown interrupts through an AbortSignal.
 */
export class ContainerWorker {
  private readonly logger: Logger;
  private readonly tracker: RestartTracker;
  private desired: TaskConfigDto | null = null;
  private change = new AbortController();
  private closing = false;
  private subscription?: Subscription;
  private loop?: Promise<void>;

  state: InstanceState | 'idle' = 'idle';
  containerId: string | null = null;
  /** The run of the container being started or running (the reconciler leaves it alone). */
  runId: string | null = null;
  restarts = 0;
  lastExitCode: number | null = null;
  lastError: string | null = null;
  taskName: string | null = null;
  /** Why this slot runs none of its task's containers (a refusal, a failed pull or start), or null. */
  notRunning: NotRunningCause | null = null;
  /** The task's containers want GPUs. */
  holdsGpus = false;
  /** The usage of the running container, or of the last one until the next starts. */
  private meter: ContainerUsageMeter | null = null;
  private lastUsage: InstanceUsageDto | null = null;
  /** The container's task and slot while it runs (the frozen slot's lease keeping needs them). */
  private running: { task: TaskConfigDto; slot: SlotRef } | null = null;
  private freezeWanted = false;
  private freezing = false;
  private frozen: FrozenSlot | null = null;
  private readonly thawWaiters: (() => void)[] = [];

  constructor(
    readonly instance: number,
    private readonly deps: WorkerDeps,
  ) {
    this.logger = new Logger(`Worker ${instance}`);
    this.tracker = deps.tracker ?? new RestartTracker();
  }

  /** Subscribes to task$ and starts the loop. */
  start(): void {
    this.subscription = this.deps.stream.task$.subscribe(() => this.reconsider());
    this.loop = this.run();
  }

  /**
   * Whether this slot runs the current task, afresh: a task change, or the node's container count
   * changed (scaled from the hub, the owner's memory limit). A slot beyond the count stops its
   * container and hands its batches back.
   */
  reconsider(): void {
    const task = this.deps.stream.task$.value;
    const mine = task && this.instance < containerCount(task, this.deps.node()) ? task : null;
    if (mine === this.desired) return;
    this.desired = mine;
    this.change.abort();
    this.change = new AbortController();
  }

  /** The running container and its task, for a CPU limit changed in place. */
  runningContainer(): { id: string; task: TaskConfigDto } | null {
    return this.containerId && this.running ? { id: this.containerId, task: this.running.task } : null;
  }

  /**
   * The owner needs the machine: freeze the container (docker pause) and keep its batches' leases
   * alive meanwhile, frozen time not counted toward batch_timeout_s; a slot without a container
   * starts none until {@link thaw}.
   */
  async freeze(): Promise<void> {
    this.freezeWanted = true;
    await this.freezeContainer();
  }

  /** Resume: the frozen time is moved off the batches' start, then the container runs on. */
  async thaw(): Promise<void> {
    this.freezeWanted = false;
    for (const wake of this.thawWaiters.splice(0)) wake();
    const frozen = this.frozen;
    if (!frozen) return;
    this.frozen = null;
    await frozen.end();
    try {
      await this.deps.runtime.unpause(frozen.id);
    } catch (err) {
      this.logger.warn(`unpause ${frozen.id.slice(0, 12)}: ${(err as Error).message}`);
    }
  }

  /** Whether this slot's container is frozen now. */
  get isFrozen(): boolean {
    return this.frozen !== null;
  }

  private async freezeContainer(): Promise<void> {
    const id = this.containerId;
    const running = this.running;
    if (!id || !running || this.frozen || this.freezing) return;
    this.freezing = true;
    try {
      await this.deps.runtime.pause(id);
    } catch (err) {
      this.logger.warn(`pause ${id.slice(0, 12)}: ${(err as Error).message}`);
      return;
    } finally {
      this.freezing = false;
    }
    this.frozen = new FrozenSlot(id, running.task, running.slot, this.deps.queue, this.logger);
    // A resume (or a stop) that came while the pause was on its way.
    if (!this.freezeWanted || this.containerId !== id) await this.thaw();
  }

  /** Before a container starts: wait while the node is paused; false when the task changed meanwhile. */
  private untilThawed(signal: AbortSignal): Promise<boolean> {
    if (!this.freezeWanted) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.thawWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(!signal.aborted);
      });
    });
  }

  /** Stops the container gracefully, hands back its batches and ends the loop. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.subscription?.unsubscribe();
    this.change.abort();
    await this.loop;
  }

  /** The heartbeat's view of this slot, or null when it runs nothing. */
  status(): InstanceStatusDto | null {
    if (this.state === 'idle' && !this.containerId) return null;
    const status: InstanceStatusDto = {
      instance: this.instance,
      state: this.state === 'idle' ? 'stopping' : this.state,
      restarts: this.restarts,
      last_exit_code: this.lastExitCode,
      last_error: clampReason(this.lastError),
    };
    if (this.containerId) status.container_id = this.containerId;
    const usage = this.meter?.usage ?? this.lastUsage;
    if (usage) status.usage = usage;
    return status;
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      const task = this.desired;
      const signal = this.change.signal;
      if (!task) {
        this.state = 'idle';
        this.taskName = null;
        this.notRunning = null;
        await aborted(signal);
        continue;
      }
      try {
        await this.runTask(task, signal);
      } catch (err) {
        // Not expected: every step handles its own errors. Never let a slot die silently.
        this.fail(`unexpected: ${(err as Error).message}`);
        await sleep(5_000, signal);
      }
    }
    this.state = 'idle';
  }

  private fail(message: string): void {
    const repeated = this.state === 'error' && this.lastError === message;
    this.state = 'error';
    this.lastError = message;
    if (!repeated) this.logger.warn(message);
  }

  private async runTask(task: TaskConfigDto, signal: AbortSignal): Promise<void> {
    this.tracker.reset();
    this.restarts = 0;
    this.lastExitCode = null;
    this.lastError = null;
    this.taskName = task.task_name;
    this.notRunning = null;
    this.lastUsage = null;
    this.holdsGpus = (task.gpus ?? 0) > 0;
    const why = refusal(task, this.deps.node());
    if (why) {
      this.notRunning = why;
      this.fail(why.detail);
      await aborted(signal);
      return;
    }
    let started = 0;
    while (!signal.aborted) {
      this.state = 'starting';
      if (!(await this.engineReady(signal))) return;
      try {
        await this.deps.runtime.ensureImage(task.image);
      } catch (err) {
        this.notRunning = setupFailureCause('image', err);
        if (!isEngineLoss(err)) await this.setupFailed(err, signal);
        else await this.engineLost(err, signal);
        continue;
      }
      if (signal.aborted) return;
      if (!(await this.untilThawed(signal))) return;
      const runId = newRunId();
      this.runId = runId;
      let id: string;
      try {
        id = await this.deps.runtime.start(containerSpec(task, this.deps.node(), this.instance, runId));
      } catch (err) {
        // A container the engine created before it went away is an orphan now: the reconciler
        // removes it when the engine is back.
        this.runId = null;
        this.notRunning = setupFailureCause('start', err);
        if (!isEngineLoss(err)) await this.setupFailed(err, signal);
        else await this.engineLost(err, signal);
        continue;
      }
      this.notRunning = null;
      if (started++ > 0) this.restarts++;
      this.containerId = id;
      this.state = 'running';
      const capture = this.deps.logs ? new OutputCapture(this.deps.runtime, this.deps.logs.open(this.instance, id, task.task_name), this.logger) : null;
      this.meter = new ContainerUsageMeter(this.deps.runtime, id, () => this.gpuShare(), this.deps.usageSampleMs);
      const slot: SlotRef = { nodeId: this.deps.node().nodeId, instance: this.instance, runId };
      this.running = { task, slot };
      // Paused while it was starting: frozen at once, it takes nothing more.
      if (this.freezeWanted) await this.freezeContainer();
      const t0 = Date.now();
      const exit = await this.watchContainer(id, signal);
      this.running = null;
      if (exit !== null && this.frozen?.id === id) {
        // Killed from outside while frozen: its lease keeping ends with it.
        const frozen = this.frozen;
        this.frozen = null;
        await frozen.end();
      }
      if (exit === null) {
        // A task change or shutdown: the node stops the container, so nothing gets an attempt.
        this.state = 'stopping';
        await this.stopMeter();
        await this.stopContainer(id);
        await capture?.ended(null);
        await this.finishContainer(task, slot, 'hand-back');
        return;
      }
      await this.stopMeter();
      // Its last words (a traceback) are read before the container is removed.
      await capture?.ended(exit.exitCode);
      this.lastExitCode = exit.exitCode;
      const decision = this.tracker.onExit(
        { exitCode: exit.exitCode, oomKilled: exit.oomKilled, ranForMs: Date.now() - t0, lostWithEngine: exit.lostWithEngine },
        { queueVisible: queueVisible(task) },
      );
      if (exit.exitCode !== 0 || exit.oomKilled || exit.lostWithEngine) {
        this.lastError = exit.oomKilled ? 'killed by the OOM killer' : `exited with code ${exit.exitCode}${exit.error ? `: ${exit.error}` : ''}`;
      }
      this.logger.log(`container ${id.slice(0, 12)} of ${task.task_name}: ${decision.reason}`);
      // Its last lines and image are read before it is removed: they go with its items' cause.
      const cause = decision.recovery === 'requeue' && exit.exitCode !== 0 ? await this.exitCauseOf(id, exit) : undefined;
      await this.deps.runtime.remove(id).catch((err: Error) => this.logger.warn(`remove ${id.slice(0, 12)}: ${err.message}`));
      await this.finishContainer(task, slot, decision.recovery, cause);
      if (decision.action === 'restart') {
        this.state = 'backoff';
        await sleep(decision.delayMs, signal);
      } else if (decision.action === 'wait-for-items') {
        this.state = 'waiting';
        await this.waitForItems(task, signal);
      }
    }
  }

  /** GPU-seconds per second charged to this slot's container: the GPUs' busy time shared by the containers holding them. */
  private gpuShare(): number {
    if (!this.holdsGpus || !this.deps.gpuBusy) return 0;
    return this.deps.gpuBusy() / Math.max(1, this.deps.gpuContainers?.() ?? 1);
  }

  private async stopMeter(): Promise<void> {
    const meter = this.meter;
    if (!meter) return;
    this.lastUsage = await meter.stop();
    this.meter = null;
  }

  /** Tells the monitor, shows why, and pauses a moment so a slot never spins while the monitor looks. */
  private async engineLost(err: unknown, signal: AbortSignal): Promise<void> {
    this.deps.engine.lost(err);
    this.fail((err as Error).message);
    await sleep(ENGINE_RECHECK_PAUSE_MS, signal);
  }

  /** While the engine is away the slot shows why and waits for it; false when the task changed meanwhile. */
  private async engineReady(signal: AbortSignal): Promise<boolean> {
    if (this.deps.engine.up) return true;
    const previous = this.state;
    this.fail(this.deps.engine.reason ?? 'the Docker engine is away');
    if (!(await this.deps.engine.whenUp(signal))) return false;
    this.state = previous;
    return true;
  }

  /**
   * Follows one container until it exits (null: the task changed or the node stops). When the
   * engine goes away meanwhile, the container's fate is unknown: the slot waits for the engine,
   * then asks it what became of the container. One that still runs (live-restore) is followed
   * again; one that ended or vanished ends as "lost with the engine".
   */
  private async watchContainer(id: string, signal: AbortSignal): Promise<(ContainerExit & { lostWithEngine: boolean }) | null> {
    const short = id.slice(0, 12);
    for (;;) {
      const watch = new AbortController();
      const exited = this.deps.runtime.wait(id, watch.signal).then(
        (exit) => ({ exit }),
        (err: unknown) => ({ err }),
      );
      const outcome = await Promise.race([exited, aborted(signal).then(() => null)]);
      watch.abort();
      if (outcome === null) return null;
      if ('exit' in outcome) return { ...outcome.exit, lostWithEngine: false };
      if (!isEngineLoss(outcome.err)) return { ...this.lostContainer(outcome.err), lostWithEngine: false };
      this.logger.warn(`lost the Docker engine while container ${short} ran: ${(outcome.err as Error).message}`);
      await this.engineLost(outcome.err, signal);
      if (!(await this.engineReady(signal))) return null;
      let details;
      try {
        details = await this.deps.runtime.inspect(id);
      } catch (err) {
        if (isEngineLoss(err)) {
          await this.engineLost(err, signal);
          continue;
        }
        const why = err instanceof ContainerNotFoundError ? 'it was gone when the Docker engine came back' : (err as Error).message;
        return { exitCode: -1, oomKilled: false, error: why, lostWithEngine: true };
      }
      if (details.running) {
        this.state = 'running';
        continue;
      }
      return { exitCode: details.exitCode ?? -1, oomKilled: details.oomKilled, error: 'it ended while the Docker engine was away', lostWithEngine: true };
    }
  }

  /** A container removed from outside ends like a crash. */
  private lostContainer(err: unknown): ContainerExit {
    if (err instanceof ContainerNotFoundError) return { exitCode: -1, oomKilled: false, error: 'the container was removed from outside' };
    return { exitCode: -1, oomKilled: false, error: (err as Error).message };
  }

  private async stopContainer(id: string): Promise<void> {
    // A frozen container cannot act on SIGTERM: thawed first (its batches go back all the same).
    if (this.frozen?.id === id) {
      const frozen = this.frozen;
      this.frozen = null;
      await frozen.end();
      await this.deps.runtime.unpause(id).catch((err: Error) => this.logger.warn(`unpause ${id.slice(0, 12)}: ${err.message}`));
    }
    try {
      await this.deps.runtime.stop(id, this.deps.stopTimeoutS);
    } catch (err) {
      this.logger.warn(`stop ${id.slice(0, 12)}: ${(err as Error).message}; killing it`);
      await this.deps.runtime.kill(id).catch(() => undefined);
    }
    await this.deps.runtime.remove(id).catch((err: Error) => this.logger.warn(`remove ${id.slice(0, 12)}: ${err.message}`));
  }

  /** Returns the slot's in-flight batches (SPEC §3/§4) before any replacement starts. */
  /** The cause recorded for the items a container held when it ended on its own (never throws). */
  private async exitCauseOf(id: string, exit: ContainerExit & { lostWithEngine: boolean }): Promise<FailureCause> {
    const logs = await this.deps.runtime.lastLogLines(id, EXIT_LOG_LINES).catch(() => '');
    return exitCause(exit, logs, exit.imageId);
  }

  private async finishContainer(task: TaskConfigDto, slot: SlotRef, recovery: Recovery, cause?: FailureCause): Promise<void> {
    this.containerId = null;
    this.runId = null;
    if (!queueVisible(task)) return;
    const queue: QueueRef = queueRefOf(task);
    try {
      const items = recovery === 'requeue' ? await this.deps.queue.requeueSlot(queue, slot, cause) : await this.deps.queue.handBackSlot(queue, slot);
      if (items > 0) this.logger.log(`${recovery === 'requeue' ? 'requeued' : 'handed back'} ${items} item(s) of run ${slot.runId}`);
    } catch (err) {
      // The leases still run out and the protocol heals itself; say so and go on.
      this.logger.warn(`could not ${recovery} the batches of run ${slot.runId} (their leases will expire): ${(err as Error).message}`);
    }
  }

  private async setupFailed(err: unknown, signal: AbortSignal): Promise<void> {
    const recoverable = err instanceof RuntimeError ? err.recoverable : true;
    this.fail((err as Error).message);
    await sleep(this.tracker.onStartFailure({ recoverable }).delayMs, signal);
  }

  private async waitForItems(task: TaskConfigDto, signal: AbortSignal): Promise<void> {
    const queue: QueueRef = queueRefOf(task);
    const every = this.deps.pendingPollMs ?? 1_000;
    while (!signal.aborted) {
      try {
        if ((await this.deps.queue.pending(queue, this.deps.node().nodeId)) > 0) return;
      } catch (err) {
        this.lastError = `cannot read the queue: ${(err as Error).message}`;
      }
      await sleep(every, signal);
    }
  }
}
