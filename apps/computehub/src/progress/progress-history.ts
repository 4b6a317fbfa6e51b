import { Injectable } from '@nestjs/common';
import type { ProgressSampleDto, TaskProgressDto } from '@gridcore/contracts';

/** How far back the history reaches, and the most samples it holds whatever the interval. */
export const HISTORY_WINDOW_MS = 10 * 60_000;
export const HISTORY_MAX_SAMPLES = 3_000;

/**
 * The grid's recent progress samples, oldest first, so a dashboard opened now can draw the last
 * minutes at once. Bounded in time and count; kept in memory only (a restart starts it afresh).
 */
@Injectable()
export class ProgressHistory {
  private readonly samples: ProgressSampleDto[] = [];

  record(task: string, taskId: string, progress: TaskProgressDto, atMs = Date.parse(progress.sampled_at)): void {
    if (progress.error) return;
    this.samples.push({
      at: new Date(atMs).toISOString(),
      task,
      task_id: taskId,
      items_per_s: progress.items_per_s,
      done: progress.done,
      pending: progress.pending,
      in_flight: progress.in_flight,
    });
    this.trim(atMs);
  }

  /** Samples of the last window (of one task when `task` is given), oldest first. */
  recent(task?: string, nowMs = Date.now()): ProgressSampleDto[] {
    this.trim(nowMs);
    return task ? this.samples.filter((s) => s.task === task) : [...this.samples];
  }

  private trim(nowMs: number): void {
    const cutoff = new Date(nowMs - HISTORY_WINDOW_MS).toISOString();
    let drop = Math.max(0, this.samples.length - HISTORY_MAX_SAMPLES);
    while (drop < this.samples.length && this.samples[drop].at < cutoff) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
