import type { QueueSnapshot } from '../queues/task-queues';

/**
 * SPEC §2.3 auto-finish, from Redis facts alone: input and retry empty, nothing in flight, and
 * neither the output length nor the processed total changed for the grace time. The grace starts
 * again whenever either moves or a reap happens (a reap puts items back that may yet be done).
 */
export class AutoFinishPolicy {
  private quietSinceMs: number | null = null;
  private last: { output: number | null; processed: number; lastReapMs: number | null } | null = null;

  /** Feeds one snapshot; true when the task should be finished now. */
  observe(snapshot: QueueSnapshot, graceS: number): boolean {
    const drained = snapshot.pending === 0 && snapshot.inFlight === 0;
    const moved =
      this.last !== null &&
      (this.last.output !== snapshot.outputLength ||
        this.last.processed !== snapshot.processed ||
        this.last.lastReapMs !== snapshot.lastReapMs);
    this.last = { output: snapshot.outputLength, processed: snapshot.processed, lastReapMs: snapshot.lastReapMs };
    if (!drained) {
      this.quietSinceMs = null;
      return false;
    }
    if (this.quietSinceMs === null || moved) this.quietSinceMs = snapshot.nowMs;
    return snapshot.nowMs - this.quietSinceMs >= graceS * 1000;
  }
}
