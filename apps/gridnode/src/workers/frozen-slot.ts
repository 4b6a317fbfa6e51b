import type { Logger } from '@nestjs/common';
import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import { QueueRef, SlotQueue, SlotRef } from '../queue/slot-queue';
import { sleep } from '../shared/backoff';
import { queueVisible } from './container-plan';

/** How often a frozen slot's leases are renewed: well inside the shortest lease the hub allows (5 s). */
export const FROZEN_RENEW_MS = 1_000;

/**
 * One frozen container's batches, kept for it while it cannot speak: every second their leases are
 * renewed and their start moved forward by the time frozen since (renew-by-slot), so neither the
 * hub's reaper nor batch_timeout_s counts the freeze. A freeze longer than the task's
 * batch_timeout_s hands them back without an attempt: another node takes them, and the thawed
 * worker learns that its leases were lost (its acks then do not count).
 */
export class FrozenSlot {
  readonly since = Date.now();
  private lastRenewAt = this.since;
  private handedBack = false;
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    readonly id: string,
    private readonly task: TaskConfigDto,
    private readonly slot: SlotRef,
    private readonly queue: SlotQueue,
    private readonly logger: Pick<Logger, 'log' | 'warn'>,
  ) {
    this.loop = this.keep();
  }

  private get ref(): QueueRef | null {
    const t = this.task;
    return queueVisible(t) ? { redisUrl: t.input_redis!, queue: t.input_queue!, tlsCa: t.redis_tls_ca } : null;
  }

  private async keep(): Promise<void> {
    if (!this.ref) return;
    while (!this.stop.signal.aborted) {
      if (Date.now() - this.since > this.task.batch_timeout_s * 1000) await this.handBack();
      else await this.renew();
      if (this.handedBack) return;
      await sleep(FROZEN_RENEW_MS, this.stop.signal);
    }
  }

  private async renew(): Promise<void> {
    const now = Date.now();
    try {
      await this.queue.renewSlot(this.ref!, this.slot, now - this.lastRenewAt);
      this.lastRenewAt = now;
    } catch (err) {
      // The next renewal carries the frozen time since the last good one.
      this.logger.warn(`could not renew the frozen batches of run ${this.slot.runId}: ${(err as Error).message}`);
    }
  }

  private async handBack(): Promise<void> {
    try {
      const items = await this.queue.handBackSlot(this.ref!, this.slot);
      this.handedBack = true;
      this.logger.log(`paused longer than batch_timeout_s (${this.task.batch_timeout_s} s): handed back ${items} item(s) of run ${this.slot.runId}`);
    } catch (err) {
      this.logger.warn(`could not hand back the frozen batches of run ${this.slot.runId}: ${(err as Error).message}`);
    }
  }

  /** The freeze ends (a resume, a stop): one last renewal carries the frozen time up to now. */
  async end(): Promise<void> {
    this.stop.abort();
    await this.loop;
    if (this.ref && !this.handedBack) await this.renew();
  }
}
