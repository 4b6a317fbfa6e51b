import { Injectable } from '@nestjs/common';
import type { TaskProgressDto } from '@gridcore/contracts';

/** The latest progress of each task run, by run id (kept in memory; a sample is seconds old). */
@Injectable()
export class ProgressBoard {
  private readonly byTask = new Map<string, TaskProgressDto>();

  get(taskId: string): TaskProgressDto | null {
    return this.byTask.get(taskId) ?? null;
  }

  set(taskId: string, progress: TaskProgressDto): void {
    this.byTask.set(taskId, progress);
  }

  /** Records a failed sample: the last figures stay, with the error beside them. */
  fail(taskId: string, error: string, atMs: number): TaskProgressDto {
    const previous = this.byTask.get(taskId);
    const failed: TaskProgressDto = {
      pending: previous?.pending ?? 0,
      in_flight: previous?.in_flight ?? 0,
      done: previous?.done ?? 0,
      dead: previous?.dead ?? 0,
      requeued: previous?.requeued ?? 0,
      output_length: previous?.output_length ?? 0,
      items_per_s: 0,
      eta_s: null,
      per_node: previous?.per_node ?? {},
      sampled_at: new Date(atMs).toISOString(),
      error,
    };
    this.byTask.set(taskId, failed);
    return failed;
  }

  forget(taskId: string): void {
    this.byTask.delete(taskId);
  }
}
