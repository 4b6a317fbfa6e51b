import { cpus } from 'node:os';
import { Logger } from '@nestjs/common';
import { architectureToPlatform } from '@gridcore/contracts/names';
import { Subscription } from 'rxjs';
import { ContainerRuntime } from '@gridcore/docker-runtime';
import { NodeConfig } from './config/node-config';
import { NodeIdentity } from './config/node-identity';
import { EngineMonitor } from './engine/engine-monitor';
import { HubClient } from './hub/hub-client';
import { NodeRevokedError } from './hub/hub-errors';
import { hostArchitecture, NodeSession } from './hub/node-session';
import { TaskWatcher } from './hub/task-watcher';
import { SlotQueue } from './queue/slot-queue';
import { StopReason, TaskStream } from './task/task-stream';
import { NodeFacts } from './workers/container-plan';
import { OrphanReconciler } from './workers/orphan-reconciler';
import { WorkerPool } from './workers/worker-pool';

const STOP_LINES: Record<StopReason, string> = {
  hub: 'stopping: the hub asked',
  signal: 'stopping: signal received',
  revoked: 'stopping: the hub revoked this node',
  refused: 'stopping: the hub refused this node\'s token',
};

/** How often the reconciler looks for untracked containers of ours after start-up. */
const RECONCILE_EVERY_MS = 60_000;

/**
 * The agent's lifecycle: Docker checked (own orphans reconciled when it answers) → registered →
 * heartbeat, long-poll and workers running; on SIGTERM/SIGINT or a hub stop request: every
 * container stopped and handed back, deregistered, done. A node whose Docker engine is away (at
 * start or later) registers and heartbeats all the same, reporting `Error` with the reason; each
 * time the engine answers again, the reconciler runs at once and the slots start what is missing.
 */
export class AgentService {
  private readonly logger = new Logger('GridNode');
  private readonly stopping = new AbortController();
  private stopped?: Promise<void>;
  private pool: WorkerPool | null = null;
  private watcher: TaskWatcher | null = null;
  private reconcileTimer?: NodeJS.Timeout;
  private engineReturns?: Subscription;
  private reconciling: Promise<void> | null = null;
  readonly platform = architectureToPlatform(hostArchitecture());
  readonly session: NodeSession;
  private readonly reconciler: OrphanReconciler;

  constructor(
    private readonly config: NodeConfig,
    private readonly runtime: ContainerRuntime,
    private readonly queue: SlotQueue,
    private readonly hub: HubClient,
    private readonly stream: TaskStream,
    private readonly identity: NodeIdentity,
    private readonly engine: EngineMonitor,
  ) {
    this.session = new NodeSession(config, identity, hub, stream, () => this.pool, this.platform);
    this.reconciler = new OrphanReconciler(runtime, queue, config.stopTimeoutS);
    this.stream.stop$.subscribe((reason) => void this.stop(reason));
  }

  private facts(): NodeFacts {
    return {
      nodeId: this.identity.id!,
      cpuCount: cpus().length,
      gpuCount: this.session.gpus.length,
      parallelism: this.config.parallelism,
      containerMemoryMb: this.config.containerMemoryMb,
      networkMode: this.config.networkMode,
    };
  }

  /** Runs until the agent has stopped. */
  async run(): Promise<void> {
    for (const warning of this.config.warnings) this.logger.warn(warning);
    const signal = this.stopping.signal;
    await this.identity.load();
    const revoked = await this.identity.revokedMarker();
    if (revoked !== null) {
      throw new NodeRevokedError(`this node was revoked by the hub (${revoked}); it does not start while ${this.identity.revokedFile} exists`);
    }
    await this.engine.start();
    // Before any worker starts, so a crashed agent's containers never run beside their successors.
    if (this.engine.up && this.identity.id) await this.reconcile();
    this.engineReturns = this.engine.returned$.subscribe(() => void this.reconcile());
    if (!(await this.session.registerUntilDone())) return this.stopped;
    if (signal.aborted) return this.stopped;
    this.pool = new WorkerPool({
      runtime: this.runtime,
      engine: this.engine,
      queue: this.queue,
      stream: this.stream,
      node: () => this.facts(),
      stopTimeoutS: this.config.stopTimeoutS,
    });
    this.pool.start();
    this.session.start();
    this.watcher = new TaskWatcher(this.hub, this.stream, this.platform, () => this.identity.id);
    this.watcher.start();
    this.reconcileTimer = setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS);
    this.logger.log(`running on ${this.platform} with ${cpus().length} CPUs${this.config.parallelism ? `, parallelism ${this.config.parallelism}` : ''}`);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await this.stopped;
    // Revoked (exit 4) or refused on a rejoin (exit 3): main says so in one line.
    if (this.session.fatal) throw this.session.fatal;
  }

  /** One pass at a time: the engine's return and the periodic tick may ask together. */
  private reconcile(): Promise<void> {
    this.reconciling ??= this.reconcileOnce().finally(() => (this.reconciling = null));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const id = this.identity.id;
    if (!id || !this.engine.up) return;
    try {
      const pool = this.pool;
      await this.reconciler.reconcile(id, () => (pool ? { runs: pool.trackedRuns(), containers: pool.trackedContainers() } : { runs: new Set(), containers: new Set() }));
    } catch (err) {
      this.logger.warn(`reconcile failed: ${(err as Error).message}`);
    }
  }

  /** Stops everything once; later calls get the same promise. */
  stop(reason: StopReason): Promise<void> {
    if (this.stopped) return this.stopped;
    this.logger.log(STOP_LINES[reason]);
    this.stopping.abort();
    clearInterval(this.reconcileTimer);
    this.engineReturns?.unsubscribe();
    this.stopped = (async () => {
      await Promise.all([this.watcher?.close(), this.session.close()]);
      await this.pool?.shutdown();
      await this.engine.close();
      // A revoked or refused node has no credential left to deregister with.
      if (this.pool && (reason === 'hub' || reason === 'signal')) await this.session.deregister();
      await this.queue.close();
      this.hub.close();
      this.logger.log('stopped');
    })();
    return this.stopped;
  }
}
