/** What the keeper renews through (WorkQueue.renew). */
export interface LeaseRenewer {
  renew(batchKey: string): Promise<{ alive: boolean; leaseMs: number }>;
}

/** Why a held batch's lease is no longer this worker's: its ack must not count. */
export interface LeaseLoss {
  batchKey: string;
  /** gone: renew found the batch requeued or handed back; expired: no renewal succeeded before the deadline. */
  reason: 'gone' | 'expired';
}

interface HeldLease {
  lane: number;
  /** Local clock (ms) after which the lease has lapsed unless a renewal lands. */
  expiresAt: number;
  lost?: LeaseLoss;
  /** A renewal failed and none has succeeded since (logged once per run of failures). */
  failing: boolean;
}

/**
 * Renews the lease of every batch the worker holds (its handler running, or taken ahead and
 * waiting behind one), every lease_s / 3, and reports what it could not renew instead of
 * dropping it: a renewal answering "gone" marks the batch lost at once; failed renewals mark it
 * lost once its lease deadline passed without a success.
 * release() tells the worker whether the batch's ack is still valid.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, HeldLease>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly renewer: LeaseRenewer,
    private readonly leaseS: number,
    private readonly report: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.renewAll(), Math.max(100, (this.leaseS * 1000) / 3));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The worker holds `batchKey` (its reply just arrived, or its handler starts), whose lease runs `leaseMs` from now. */
  hold(batchKey: string, lane: number, leaseMs: number): void {
    this.held.set(batchKey, { lane, expiresAt: this.now() + leaseMs, failing: false });
  }

  /** The handler ended: undefined when the lease held throughout, else how it was lost. */
  release(batchKey: string): LeaseLoss | undefined {
    const lease = this.held.get(batchKey);
    this.held.delete(batchKey);
    if (!lease) return undefined;
    if (lease.lost) return lease.lost;
    if (this.now() >= lease.expiresAt) {
      this.report(`gridcore-worker: the lease of batch ${batchKey} lapsed (no renewal since its deadline); its ack does not count`);
      return { batchKey, reason: 'expired' };
    }
    return undefined;
  }

  /**
   * The handler ended and its ack waits for a later take: as release(), but a lease that held
   * stays kept (renewed) until drop(), when the ack goes out.
   */
  async finished(batchKey: string): Promise<LeaseLoss | undefined> {
    const lease = this.held.get(batchKey);
    if (!lease) return undefined;
    // The local deadline also passes while the container is frozen (docker pause), when the node
    // renewed the lease on the worker's behalf: ask Redis once before calling it lapsed. The batch
    // key still existing means nobody else holds its items (requeue and hand-back delete it).
    if (!lease.lost && this.now() >= lease.expiresAt) await this.renewOne(batchKey, lease);
    const loss = this.release(batchKey);
    if (!loss) this.held.set(batchKey, lease);
    return loss;
  }

  /** The handler failed (its batch is requeued) or the batch was handed back unstarted: whether the lease held does not matter. */
  drop(batchKey: string): boolean {
    return this.held.delete(batchKey);
  }

  /** One round of renewals; resolves when every answer (or failure) is in. */
  async renewAll(): Promise<void> {
    await Promise.all([...this.held.entries()].map(([key, lease]) => this.renewOne(key, lease)));
  }

  private async renewOne(batchKey: string, lease: HeldLease): Promise<void> {
    if (lease.lost) return;
    try {
      const { alive, leaseMs } = await this.renewer.renew(batchKey);
      if (!alive) {
        lease.lost = { batchKey, reason: 'gone' };
        this.report(`gridcore-worker: the lease of batch ${batchKey} (lane ${lease.lane}) was lost: the batch was requeued while its handler ran; its ack does not count`);
        return;
      }
      lease.expiresAt = this.now() + leaseMs;
      lease.failing = false;
    } catch (err) {
      if (!lease.failing) this.report(`gridcore-worker: renewing the lease of batch ${batchKey} failed (${(err as Error).message}); retrying`);
      lease.failing = true;
    }
  }
}
