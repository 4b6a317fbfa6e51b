import type { TaskProgressDto } from '@gridcore/contracts';

/**
 * What a watcher knows of pushes to a task's queue: when the latest began and ended, in the
 * Redis server's own time (`TIME`), the clock the hub's samples carry in `sampled_at`.
 */
export interface PushMark {
  startedMs: number;
  /** null while that push is still running (or died without saying so). */
  finishedMs: number | null;
  /** The pushing process, so a push that died mid-way does not hold a watcher forever. */
  pid: number;
}

export function sampledAtMs(progress: Pick<TaskProgressDto, 'sampled_at'>): number {
  const ms = Date.parse(progress.sampled_at);
  return Number.isFinite(ms) ? ms : -Infinity;
}

/**
 * The rule that keeps a watcher from trusting an old sample: a sample may only end the watch
 * when it was taken no earlier than `notBeforeMs` (the first sample taken after the watcher
 * started) and strictly after the last push ended (same millisecond: it may have read the queue
 * before the push's last item), and no push is running now.
 */
export function sampleIsCurrent(
  progress: Pick<TaskProgressDto, 'sampled_at'>,
  notBeforeMs: number,
  push: PushMark | null,
  isRunning: (pid: number) => boolean,
): boolean {
  const at = sampledAtMs(progress);
  if (at < notBeforeMs) return false;
  if (!push) return true;
  if (push.finishedMs === null) return !isRunning(push.pid) && at > push.startedMs;
  return at > push.finishedMs;
}

/** True when a process with that id exists (signal 0 checks without sending anything). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
