import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HubConfig } from '../config/hub-config';
import { EventBus } from '../events/event-bus';
import { NodesService } from '../nodes/nodes.service';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import { TaskCommands } from '../tasks/task-commands.service';
import { PeriodicJob } from '../scheduling/periodic-job';
import { TasksService } from '../tasks/tasks.service';
import { AutoFinishPolicy } from './auto-finish-policy';
import { ProgressBoard } from './progress-board';
import { ProgressTracker } from './progress-tracker';
import { QueueConfigWriter } from './queue-config-writer';

/**
 * Every `progress_interval_s`: samples the running task's queues, publishes progress, and
 * finishes the task when auto-finish says so. A Redis that does not answer shows as an error in
 * the task's progress; the sampler never blocks anything else and ticks never overlap.
 */
@Injectable()
export class ProgressSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Progress');
  private readonly job: PeriodicJob;
  private run: { taskId: string; tracker: ProgressTracker; policy: AutoFinishPolicy } | null = null;

  constructor(
    registry: SchedulerRegistry,
    private readonly config: HubConfig,
    private readonly tasks: TasksService,
    private readonly commands: TaskCommands,
    private readonly queues: TaskQueues,
    private readonly board: ProgressBoard,
    private readonly bus: EventBus,
    private readonly configWriter: QueueConfigWriter,
    private readonly nodes: NodesService,
  ) {
    this.job = new PeriodicJob(registry, 'gridcore-progress', this.logger, () => this.sample());
  }

  onApplicationBootstrap(): void {
    this.job.start(this.config.values.progress_interval_s);
  }

  onApplicationShutdown(): void {
    this.job.stop();
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
    await this.configWriter.ensure(task.id);
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
    const progress = run.tracker.update(snapshot);
    this.board.set(task.id, progress);
    this.bus.publish('progress', { task: task.name, task_id: task.id, ...progress });

    const autoFinish = task.auto_finish ?? this.config.values.auto_finish;
    const graceS = task.auto_finish_grace_s ?? this.config.values.auto_finish_grace_s;
    if (autoFinish && run.policy.observe(snapshot, graceS)) {
      const { completed, started } = await this.tasks.finish('auto_finish', task.id);
      if (!completed) return;
      await this.commands.recordLeft(completed, { pending: 0, in_flight: 0 });
      this.logger.log(`auto-finished ${completed.name}${started ? `; started ${started.name}` : ''}`);
    }
  }
}
