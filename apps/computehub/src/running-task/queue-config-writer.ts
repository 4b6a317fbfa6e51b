import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { EventBus } from '../events/event-bus';
import { HubConfig } from '../config/hub-config';
import { queueRefOf, QueueTuning, TaskQueues } from '../queues/task-queues';
import type { TaskRecord } from '../tasks/task-record';
import { TasksService } from '../tasks/tasks.service';

/**
 * Writes a task's `P:config` (lease, attempts, batch timeout and the run id) when it starts, so
 * workers read the task's limits and the sampler can tell, by the run id, that Redis lost the
 * queue. A write that failed is tried again on every progress tick until it succeeds.
 *
 * Once written, the record keeps `queue_config_at`, and a restarted hub does not write it again
 * on its own: doing so would cover up a loss that happened while the hub was down (a machine
 * reboot restarts Redis and the hub together). Only the operator's acknowledgement rewrites it.
 */
@Injectable()
export class QueueConfigWriter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('QueueConfig');
  private subscription?: Subscription;
  /** Runs whose config is known to be in Redis, with their run id. */
  private readonly written = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly bus: EventBus,
    private readonly tasks: TasksService,
    private readonly queues: TaskQueues,
    private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.of('task.started').subscribe((e) => void this.write(e.data.id));
    const current = this.tasks.current();
    if (current) void this.ensure(current.id);
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * True when the run's `P:config` has been written (now or before, by this hub or one before
   * it), so a sample taken after this resolves may compare its run id; else it writes it now.
   */
  async ensure(taskId: string): Promise<boolean> {
    if (this.written.has(taskId)) return true;
    if (this.record(taskId)?.queue_config_at) {
      this.written.add(taskId);
      return true;
    }
    return this.write(taskId);
  }

  /** Writes the run's `P:config`; false when its Redis did not take it (warned once per run). */
  async write(taskId: string): Promise<boolean> {
    const task = this.record(taskId);
    const ref = task && queueRefOf(task);
    if (!task || !ref) return false;
    try {
      await this.queues.configure(ref, this.tuningOf(task));
    } catch (err) {
      // Workers then use their defaults; progress shows the Redis error meanwhile.
      if (!this.warned.has(taskId)) {
        this.warned.add(taskId);
        this.logger.warn(`could not write queue config of task ${task.name}: ${(err as Error).message}`);
      }
      return false;
    }
    this.written.add(taskId);
    if (!this.record(taskId)?.queue_config_at) {
      await this.tasks.annotate(taskId, { queue_config_at: new Date().toISOString() }).catch((err: Error) => {
        this.logger.warn(`could not note that task ${task.name}'s queue config was written: ${err.message}`);
      });
    }
    return true;
  }

  /** Writes it again after an operator acknowledged a loss; throws when Redis does not take it. */
  async rewrite(taskId: string): Promise<void> {
    const task = this.record(taskId);
    const ref = task && queueRefOf(task);
    if (!task || !ref) return;
    await this.queues.configure(ref, this.tuningOf(task));
    this.written.add(taskId);
  }

  /** A lease never outlasts the task's batch timeout (the script refuses that). */
  private tuningOf(task: TaskRecord): QueueTuning {
    const leaseS = Math.min(this.config.values.lease_s, task.batch_timeout_s);
    return { leaseS, maxAttempts: task.max_attempts, batchTimeoutS: task.batch_timeout_s, runId: task.id };
  }

  private record(taskId: string) {
    return this.tasks.view().state.tasks.find((t) => t.id === taskId);
  }
}
