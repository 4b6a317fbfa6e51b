import { Injectable, Logger } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { NodeConfig } from './config/node-config';
import { NodeIdentity } from './config/node-identity';
import { EngineMonitor } from './engine/engine-monitor';
import { HostPlatform } from './host/host-platform';
import { HubClient } from './hub/hub-client';
import { NodeRevokedError } from './hub/hub-errors';
import { NodeSession } from './hub/node-session';
import { TaskWatcher } from './hub/task-watcher';
import { LogRelay } from './hub/log-relay';
import { StopSignal } from './lifecycle/stop-signal';
import { SlotQueue } from './queue/slot-queue';
import { OrphanReconciler } from './workers/orphan-reconciler';
import { WorkerPool } from './workers/worker-pool';
import { ControlServer } from './control/control-server';
import type { NodeStatusView } from './control/control-protocol';
import { OwnerWatch } from './owner/owner-watch';

/** How often the reconciler looks for untracked containers of ours after start-up. */
const RECONCILE_EVERY_MS = 60_000;

/**
 * The agent's lifecycle: Docker checked (own orphans reconciled when it answers) → registered →
 * heartbeat, long-poll and workers running; when the {@link StopSignal} fires (SIGTERM/SIGINT or
 * a hub stop request): every container stopped and handed back, deregistered, done. A node whose
 * Docker engine is away (at start or later) registers and heartbeats all the same, reporting
 * `Error` with the reason; each time the engine answers again, the reconciler runs at once and
 * the slots start what is missing. The parts are the module's providers; this class only orders
 * their starts and stops.
 */
@Injectable()
export class AgentService {
  private readonly logger = new Logger('GridNode');
  private stopped?: Promise<void>;
  /** Set once the pool, session and watcher run: only a node that got this far deregisters. */
  private running = false;
  private reconcileTimer?: NodeJS.Timeout;
  private engineReturns?: Subscription;
  private reconciling: Promise<void> | null = null;

  constructor(
    private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly host: HostPlatform,
    private readonly engine: EngineMonitor,
    private readonly reconciler: OrphanReconciler,
    private readonly session: NodeSession,
    private readonly watcher: TaskWatcher,
    private readonly pool: WorkerPool,
    private readonly queue: SlotQueue,
    private readonly hub: HubClient,
    private readonly stopSignal: StopSignal,
    private readonly logRelay: LogRelay,
    private readonly owner: OwnerWatch,
  ) {
    this.control = new ControlServer(config.stateDir, {
      status: async () => ({ ok: true, message: 'running', status: this.statusView() }),
      pause: async () => {
        this.owner.pauseByHand();
        await this.pool.settled();
        return { ok: true, message: `paused: ${this.pool.frozenContainers()} container(s) frozen` };
      },
      resume: async () => {
        this.owner.resumeByHand();
        await this.pool.settled();
        const still = this.owner.paused$.value;
        return { ok: true, message: still ? `resumed by hand, but still paused: ${still.reason.replace(/_/g, ' ')}` : 'resumed' };
      },
      drain: async () => ({ ok: false, message: 'drain is not available in this version' }),
    });
  }

  private readonly control: ControlServer;

  /** What `gridnode status` prints. */
  private statusView(): NodeStatusView {
    return {
      node_id: this.identity.id,
      hub: this.config.serverUrl,
      task: this.pool.currentTaskName(),
      runtime_status: this.pool.runtimeStatus(),
      containers: this.pool.workers
        .map((w) => ({ status: w.status(), frozen: w.isFrozen }))
        .filter((x) => x.status !== null)
        .map(({ status, frozen }) => ({ instance: status!.instance, state: status!.state, container_id: status!.container_id, frozen })),
      paused: this.owner.paused$.value,
      load: this.owner.load(),
      owner_cpu_pct: this.owner.ownerCpuPct,
      parallelism: this.pool.plannedContainers(),
      items_done: null,
      credit: null,
    };
  }

  /** Runs until the agent has stopped. */
  async run(): Promise<void> {
    // Synchronous on purpose: a stop asked at any point below finds `stopped` already set.
    const stopRequested = new Promise<void>((resolve) => this.stopSignal.requested$.subscribe(() => resolve(void this.stop())));
    for (const warning of this.config.warnings) this.logger.warn(warning);
    await this.identity.load();
    const revoked = await this.identity.revokedMarker();
    if (revoked !== null) {
      throw new NodeRevokedError(`this node was revoked by the hub (${revoked}); it does not start while ${this.identity.revokedFile} exists`);
    }
    await this.engine.start();
    // Before any worker starts, so a crashed agent's containers never run beside their successors.
    if (this.engine.up && this.identity.id) await this.reconcile();
    this.engineReturns = this.engine.returned$.subscribe(() => void this.reconcile());
    if (!(await this.session.registerUntilDone()) || this.stopSignal.stopRequested) return this.stopped;
    this.running = true;
    this.owner.start();
    this.pool.start();
    await this.control.start().catch((err: Error) => this.logger.warn(`no control socket (gridnode status/pause/resume/drain will not reach this agent): ${err.message}`));
    this.session.start();
    this.watcher.start();
    this.logRelay.start();
    this.reconcileTimer = setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS);
    this.logger.log(`running on ${this.host.name} with ${this.host.cpuCount} CPUs${this.config.parallelism ? `, parallelism ${this.config.parallelism}` : ''}`);
    await stopRequested;
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
      await this.reconciler.reconcile(id, () => ({ runs: this.pool.trackedRuns(), containers: this.pool.trackedContainers() }));
    } catch (err) {
      this.logger.warn(`reconcile failed: ${(err as Error).message}`);
    }
  }

  /** Stops everything once, when the stop signal fires (the signal itself says why). */
  private stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    clearInterval(this.reconcileTimer);
    this.engineReturns?.unsubscribe();
    this.stopped = (async () => {
      await Promise.all([this.watcher.close(), this.session.close(), this.logRelay.close(), this.control.close()]);
      this.owner.stop();
      await this.pool.shutdown();
      await this.engine.close();
      // A revoked or refused node has no credential left to deregister with.
      if (this.running && !this.stopSignal.endsForGood) await this.session.deregister();
      await this.queue.close();
      this.hub.close();
      this.logger.log('stopped');
    })();
    return this.stopped;
  }
}
