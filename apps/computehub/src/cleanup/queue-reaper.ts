import { Injectable, Logger } from '@nestjs/common';
import { QueueRef, queueRefKey, queueRefOf, TaskQueues } from '../queues/task-queues';
import { TasksService } from '../tasks/tasks.service';

/** How often the cleanup also scans for batch lists that lost their lease. */
const ORPHAN_SCAN_EVERY_MS = 3 * 60_000;

/**
 * The hub's part of lease recovery (SPEC §4): every cleanup tick, requeue leases past their
 * deadline for every task record the hub holds whose queue it can see; every few minutes, scan
 * for batch lists without a lease. State lives in Redis, so this also heals what a node left
 * behind before a hub restart.
 */
@Injectable()
export class QueueReaper {
  private readonly logger = new Logger('QueueReaper');
  private lastOrphanScanMs = 0;
  private readonly failing = new Set<string>();

  constructor(
    private readonly tasks: TasksService,
    private readonly queues: TaskQueues,
  ) {}

  /** Distinct queues of every record held (several runs of a task reuse one queue). */
  heldQueues(): QueueRef[] {
    const refs = new Map<string, QueueRef>();
    for (const task of this.tasks.view().state.tasks) {
      const ref = queueRefOf(task);
      if (ref) refs.set(queueRefKey(ref), ref);
    }
    return [...refs.values()];
  }

  async tick(now = Date.now()): Promise<{ reaped: number; orphans: number }> {
    const scan = now - this.lastOrphanScanMs >= ORPHAN_SCAN_EVERY_MS;
    if (scan) this.lastOrphanScanMs = now;
    let reaped = 0;
    let orphans = 0;
    for (const ref of this.heldQueues()) {
      const key = queueRefKey(ref);
      try {
        reaped += await this.queues.reapExpired(ref);
        if (scan) orphans += await this.queues.requeueOrphanBatches(ref);
        if (this.failing.delete(key)) this.logger.log(`queue ${ref.queue} reachable again`);
      } catch (err) {
        // One line per queue while it stays unreachable, not one per tick.
        if (!this.failing.has(key)) this.logger.warn(`cannot reap queue ${ref.queue}: ${(err as Error).message}`);
        this.failing.add(key);
      }
    }
    if (reaped + orphans > 0) this.logger.log(`requeued ${reaped} items of expired leases and ${orphans} of orphan batches`);
    return { reaped, orphans };
  }
}
