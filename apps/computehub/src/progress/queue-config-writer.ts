import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { filter, Subscription } from 'rxjs';
import { EventBus } from '../events/event-bus';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import { TasksService } from '../tasks/tasks.service';

/**
 * Writes a task's `P:config` (lease, attempts, batch timeout) when it starts, and again for the
 * current task when the hub starts (a write is idempotent), so workers read the task's limits.
 */
@Injectable()
export class QueueConfigWriter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('QueueConfig');
  private subscription?: Subscription;

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

  async write(taskId: string): Promise<void> {
    const task = this.tasks.view().state.tasks.find((t) => t.id === taskId);
    const ref = task && queueRefOf(task);
    if (!task || !ref) return;
    try {
      await this.queues.configure(ref, { maxAttempts: task.max_attempts, batchTimeoutS: task.batch_timeout_s });
    } catch (err) {
      // Workers then use their defaults; progress shows the Redis error meanwhile.
      this.logger.warn(`could not write queue config of task ${task.name}: ${(err as Error).message}`);
    }
  }
}
