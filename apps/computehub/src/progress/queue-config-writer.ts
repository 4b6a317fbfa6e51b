import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { filter, Subscription } from 'rxjs';
import { EventBus } from '../events/event-bus';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import { TasksService } from '../tasks/tasks.service';

/**
 * Writes a task's `P:config` (lease, attempts, batch timeout) when it starts, and again for the
 * current task when the hub starts (a write is idempotent), so workers read the task's limits; a
 * write that failed is tried again on every progress tick until it succeeds.
 */
@Injectable()
export class QueueConfigWriter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('QueueConfig');
  private subscription?: Subscription;
  /** Runs whose config is in Redis; the others are written again on the next progress tick. */
  private readonly written = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly bus: EventBus,
    private readonly tasks: TasksService,
    private readonly queues: TaskQueues,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.events$
      .pipe(filter((e) => e.type === 'task.started'))
      .subscribe((e) => void this.write((e.data as { id: string }).id));
    const current = this.tasks.current();
    if (current) void this.write(current.id);
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** Writes the config of a run that does not have it yet (Redis was away when it started). */
  async ensure(taskId: string): Promise<void> {
    if (!this.written.has(taskId)) await this.write(taskId);
  }

  async write(taskId: string): Promise<void> {
    const task = this.tasks.view().state.tasks.find((t) => t.id === taskId);
    const ref = task && queueRefOf(task);
    if (!task || !ref) return;
    try {
      await this.queues.configure(ref, { maxAttempts: task.max_attempts, batchTimeoutS: task.batch_timeout_s });
      this.written.add(taskId);
    } catch (err) {
      // Workers then use their defaults; progress shows the Redis error meanwhile. One line per run.
      if (this.warned.has(taskId)) return;
      this.warned.add(taskId);
      this.logger.warn(`could not write queue config of task ${task.name}: ${(err as Error).message}`);
    }
  }
}
