import type { TaskProgressDto } from '@gridcore/contracts';
import type { QueueSnapshot } from '../queues/task-queues';

/** Rate is measured over this much recent history (Redis time). */
const RATE_WINDOW_MS = 30_000;

interface Point {
  atMs: number;
  done: number;
}

/** Original-style consumers keep no stats: their output length is the only count of work done. */
function doneOf(snapshot: QueueSnapshot): number {
  return snapshot.processed > 0 ? snapshot.processed : (snapshot.outputLength ?? 0);
}

/**
 * Turns queue snapshots into progress: done, items per second over a sliding window, ETA. Pure
 * arithmetic, fed by the sampler; one tracker per task run.
 */
export class ProgressTracker {
  private readonly points: Point[] = [];

  update(snapshot: QueueSnapshot): TaskProgressDto {
    const done = doneOf(snapshot);
    this.points.push({ atMs: snapshot.nowMs, done });
    while (this.points.length > 2 && snapshot.nowMs - this.points[1].atMs >= RATE_WINDOW_MS) this.points.shift();
    const first = this.points[0];
    const spanS = (snapshot.nowMs - first.atMs) / 1000;
    const itemsPerS = spanS > 0 ? Math.max(0, (done - first.done) / spanS) : 0;
    return progressOf(snapshot, itemsPerS);
  }
}

/** The figures of one snapshot, with the rate measured elsewhere. */
export function progressOf(snapshot: QueueSnapshot, itemsPerS: number): TaskProgressDto {
  const done = doneOf(snapshot);
  const remaining = snapshot.pending + snapshot.inFlight;
  return {
    pending: snapshot.pending,
    in_flight: snapshot.inFlight,
    done,
    dead: snapshot.dead,
    requeued: snapshot.requeued,
    output_length: snapshot.outputLength ?? 0,
    items_per_s: Math.round(itemsPerS * 10) / 10,
    eta_s: remaining === 0 ? 0 : itemsPerS > 0 ? Math.ceil(remaining / itemsPerS) : null,
    per_node: snapshot.perNode,
    sampled_at: new Date(snapshot.nowMs).toISOString(),
    error: null,
  };
}
