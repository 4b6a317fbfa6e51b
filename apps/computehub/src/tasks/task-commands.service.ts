import { Injectable, Logger } from '@nestjs/common';
import { FinishResultDto, NextResultDto, TaskCreateDto, TaskLeftDto, TaskRecordDto } from '@gridcore/contracts';
import { assertNoPrefixCollision } from '@gridcore/queue';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { ProgressBoard } from '../progress/progress-board';
import { progressOf } from '../progress/progress-tracker';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import type { TaskRecord } from './task-record';
import { publicTask } from './task-views';
import { TasksService } from './tasks.service';

/** The operator's task actions, shaped as the API answers them. */
@Injectable()
export class TaskCommands {
  private readonly logger = new Logger('TaskCommands');

  constructor(
    private readonly tasks: TasksService,
    private readonly queues: TaskQueues,
    private readonly progress: ProgressBoard,
  ) {}

  async register(dto: TaskCreateDto): Promise<TaskRecordDto> {
    const record = await this.tasks.register(dto, (task, held) => {
      // Keys of `x` and `{x}` would mix (SPEC §4); the same queue reused run after run is fine.
      if (!task.input_queue || !task.input_redis) return;
      assertNoPrefixCollision(task.input_queue, held.filter((t) => t.input_redis === task.input_redis).map((t) => t.input_queue!).filter(Boolean));
    });
    return publicTask(record);
  }

  async finish(): Promise<FinishResultDto> {
    const { completed, started } = await this.tasks.finish('finish');
    const name = completed!.name;
    const left = await this.recordLeft(completed!);
    return {
      completed: name,
      started: started?.name ?? null,
      message: started ? `Task ${name} completed; started ${started.name}` : `Task ${name} completed; no pending task`,
      left,
    };
  }

  /**
   * Notes what a completed task left in its queues (pending, in flight) and its final progress,
   * from a fresh reading when its Redis answers, else from the last sample.
   */
  async recordLeft(completed: TaskRecord, known?: TaskLeftDto): Promise<TaskLeftDto | null> {
    const ref = queueRefOf(completed);
    if (!ref) return null;
    const last = this.progress.get(completed.id);
    let left = known ?? null;
    let final = last;
    if (!left) {
      try {
        // The nodes of the last sample: registered ids only, capped (see ProgressSampler).
        const snapshot = await this.queues.snapshot(ref, Object.keys(last?.per_node ?? {}));
        left = { pending: snapshot.pending, in_flight: snapshot.inFlight };
        final = { ...progressOf(snapshot, last?.items_per_s ?? 0), eta_s: null };
      } catch (err) {
        this.logger.warn(`could not read what task ${completed.name} left: ${(err as Error).message}`);
      }
    }
    await this.tasks.annotate(completed.id, { left, final_progress: final }).catch(() => undefined);
    this.progress.forget(completed.id);
    return left;
  }

  async next(): Promise<NextResultDto> {
    const { completed, started } = await this.tasks.next();
    if (completed) await this.recordLeft(completed);
    // As the original: the running task is completed even when nothing follows it.
    if (!started) throw new InvalidRequestError('No more tasks available');
    return { previous: completed?.name ?? 'none', current: started.name };
  }

  async requeueDead(name: string): Promise<{ requeued: number }> {
    const task = this.tasks.get(name);
    const ref = queueRefOf(task);
    if (!ref) throw new InvalidRequestError(`Task ${name} has no queue the hub can see (input_redis and input_queue are needed)`);
    return { requeued: await this.queues.requeueDead(ref) };
  }

  async remove(name: string): Promise<{ removed: TaskRecordDto[] }> {
    const removed = await this.tasks.remove(name);
    return { removed: removed.map((r) => publicTask(r)) };
  }
}
