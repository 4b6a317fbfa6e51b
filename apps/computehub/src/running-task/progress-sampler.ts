import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HubConfig } from '../config/hub-config';
import { EventBus } from '../events/event-bus';
import { NodesService } from '../nodes/nodes.service';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import { PeriodicJob } from '../scheduling/periodic-job';
import { ProgressBoard } from '../progress/progress-board';
import { ProgressDemand } from '../progress/progress-demand';
import { ProgressHistory } from '../progress/progress-history';
import { ProgressTracker } from '../progress/progress-tracker';
import { TaskCompletion } from '../tasks/task-completion.service';
import { TasksService } from '../tasks/tasks.service';
import { AutoFinishPolicy } from './auto-finish-policy';
import { DataLossService } from './data-loss.service';
import { QueueConfigWriter } from './queue-config-writer';
import { queueLossReason } from './queue-loss-check';
import { SampleGate } from './sample-gate';

/** While anyone watches (SSE, `?fresh=1` reads), the running task is sampled this often. */
const WATCHED_INTERVAL_S = 1;

/**
 * Every `progress_interval_s` (every second while anyone watches): samples the running task's
 * queues, publishes progress, and finishes the task when auto-finish says so. A fresh read gets
 * a sample that started after it asked. A sample that shows Redis lost the queue (P:config's
 * run id gone) flags the task, and auto-finish waits for the operator. A Redis that does not
 * answer shows as an error in the task's progress; the sampler never blocks anything else and ticks never overlap.
 */
@Injectable()
export class ProgressSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Progress');
  private readonly job: PeriodicJob;
  private readonly watchedJob: PeriodicJob;
  private readonly gate = new SampleGate(() => this.sample());
  private run: { taskId: string; tracker: ProgressTracker; policy: AutoFinishPolicy } | null = null;

  constructor(
    registry: SchedulerRegistry,
    private readonly config: HubConfig,
    private readonly tasks: TasksService,
    private readonly completion: TaskCompletion,
    private readonly queues: TaskQueues,
    private readonly board: ProgressBoard,
    private readonly bus: EventBus,
    private readonly configWriter: QueueConfigWriter,
    private readonly dataLoss: DataLossService,
    private readonly history: ProgressHistory,
    private readonly demand: ProgressDemand,
    private readonly nodes: NodesService,
  ) {
    this.job = new PeriodicJob(registry, 'gridcore-progress', this.logger, () => this.gate.any());
    this.watchedJob = new PeriodicJob(registry, 'gridcore-progress-watched', this.logger, () => this.sampleIfWatched());
  }

  onApplicationBootstrap(): void {
    this.demand.attach(() =>
      this.gate.fresh().catch((err: Error) => this.logger.warn(`fresh progress sample failed: ${err.message}`)),
    );
    const intervalS = this.config.values.progress_interval_s;
    this.job.start(intervalS);
    if (intervalS > WATCHED_INTERVAL_S) this.watchedJob.start(WATCHED_INTERVAL_S);
  }

  onApplicationShutdown(): void {
    this.job.stop();
    this.watchedJob.stop();
  }

  /** A sample when someone watches and the last one is about a second old (ticks drift a little). */
  private async sampleIfWatched(): Promise<void> {
    if (!this.demand.watched) return;
    if (Date.now() - this.gate.lastStartedAtMs < WATCHED_INTERVAL_S * 900) return;
    await this.gate.any();
  }

  tick(): Promise<void> {
    return this.job.run();
  }

  private async sample(): Promise<void> {
    const task = this.tasks.current();
    const ref = task && queueRefOf(task);
    if (!task || !ref) {
      this.run = null;
      return;
    }
    if (this.run?.taskId !== task.id) {
      this.run = { taskId: task.id, tracker: new ProgressTracker(), policy: new AutoFinishPolicy() };
    }
    const run = this.run;
    // Written (now or before) ahead of the reading, so a missing run id in it is a loss, not a
    // config still on its way; the epoch drops a reading taken before an acknowledgement.
    const configWritten = await this.configWriter.ensure(task.id);
    const epoch = this.dataLoss.epoch;
    let snapshot;
    try {
      // Per-node counts of registered nodes only: P:stats may hold any field a worker wrote.
      snapshot = await this.queues.snapshot(ref, this.nodes.figureNodeIds());
    } catch (err) {
      const failed = this.board.fail(task.id, (err as Error).message, Date.now());
      this.bus.publish('progress', { task: task.name, task_id: task.id, ...failed });
      return;
    }
    // A finish during the reading has already recorded the task's final figures.
    if (this.tasks.current()?.id !== task.id) return;
    // Flagged before the sample goes out, so no listener takes its empty lists for "done".
    const lost = queueLossReason(task.id, configWritten, snapshot.configRunId);
    if (lost && epoch === this.dataLoss.epoch) await this.dataLoss.flag(task.id, lost);
    const progress = run.tracker.update(snapshot);
    this.board.set(task.id, progress);
    this.history.record(task.name, task.id, progress);
    this.bus.publish('progress', { task: task.name, task_id: task.id, ...progress });

    if (this.tasks.current()?.data_loss) {
      // Empty lists now say nothing about work done: the operator decides, and the grace
      // starts afresh once they have.
      run.policy = new AutoFinishPolicy();
      return;
    }

    const autoFinish = task.auto_finish ?? this.config.values.auto_finish;
    const graceS = task.auto_finish_grace_s ?? this.config.values.auto_finish_grace_s;
    if (autoFinish && run.policy.observe(snapshot, graceS)) {
      const done = await this.completion.autoFinish(task.id);
      if (done) this.logger.log(`auto-finished ${task.name}${done.started ? `; started ${done.started.name}` : ''}`);
    }
  }
}
