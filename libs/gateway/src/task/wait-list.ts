import type Redis from 'ioredis';

interface Waiter {
  dest: string;
  deadline: number;
  cancelled: boolean;
  resolve(result: string | null | Error): void;
}

export interface PendingWait {
  result: Promise<string | null | Error>;
  /** Ends the wait; resolves once no move into its key can still happen (an item that raced in is its result). */
  cancel(): Promise<string | null | Error>;
}

/**
 * Blocking takes of one task's input without a Redis connection per waiter: the waiters queue
 * here and one connection serves them in order, each with one BLMOVE into the waiter's own
 * leased key (so an item is never between lists, whatever dies). A waiter that leaves while its
 * BLMOVE is out gets that BLMOVE ended with CLIENT UNBLOCK from the command connection.
 */
export class WaitList {
  private readonly waiters: Waiter[] = [];
  private current?: Waiter;
  private running = false;
  private blockerId?: number;

  constructor(
    private readonly input: string,
    private readonly blocker: () => Promise<Redis>,
    private readonly control: Redis,
  ) {}

  get size(): number {
    return this.waiters.length;
  }

  /** Waits up to `timeoutMs` (0: forever) for an item of the input to move into `dest`. */
  wait(dest: string, timeoutMs: number): PendingWait {
    let settle!: (r: string | null | Error) => void;
    let settled = false;
    const result = new Promise<string | null | Error>((r) => (settle = r));
    const resolve = (r: string | null | Error) => {
      settled = true;
      settle(r);
    };
    const waiter: Waiter = { dest, deadline: timeoutMs > 0 ? Date.now() + timeoutMs : Infinity, cancelled: false, resolve };
    this.waiters.push(waiter);
    if (!this.running) void this.serve();
    const cancel = async () => {
      if (!waiter.cancelled) {
        waiter.cancelled = true;
        if (this.current === waiter) {
          // An UNBLOCK that overtakes its BLMOVE finds nothing blocked: send it again until the wait ends.
          for (let i = 0; i < 200 && !settled && this.current === waiter; i++) {
            if (this.blockerId !== undefined) await this.control.client('UNBLOCK', this.blockerId).catch(() => undefined);
            await Promise.race([result, new Promise((r) => setTimeout(r, 25))]);
          }
        } else {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) {
            this.waiters.splice(i, 1);
            resolve(null);
          }
        }
      }
      return result;
    };
    return { result, cancel };
  }

  private async serve(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length > 0) {
        const w = this.waiters[0];
        const remaining = w.deadline - Date.now();
        if (w.cancelled || remaining <= 0) {
          this.waiters.shift();
          w.resolve(null);
          continue;
        }
        let outcome: string | null | Error;
        try {
          const conn = await this.blocker();
          if (this.blockerId === undefined) this.blockerId = Number(await conn.client('ID'));
          this.current = w;
          const seconds = remaining === Infinity ? 0 : Math.max(0.01, remaining / 1000);
          outcome = await conn.blmove(this.input, w.dest, 'RIGHT', 'LEFT', Number(seconds.toFixed(3)));
        } catch (err) {
          outcome = err as Error;
          this.blockerId = undefined;
        } finally {
          this.current = undefined;
        }
        if (outcome !== null || w.cancelled || w.deadline <= Date.now()) {
          this.waiters.shift();
          w.resolve(outcome);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Ends every wait (the gateway closes). */
  async cancelAll(): Promise<void> {
    const all = [...this.waiters];
    for (const w of all) w.cancelled = true;
    if (this.current && this.blockerId !== undefined) await this.control.client('UNBLOCK', this.blockerId).catch(() => undefined);
  }
}
