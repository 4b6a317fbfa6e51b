import type { RedisClient } from '../redis-client';
import { isConnectionProblem } from './connections';
import { sleep, StopSignal } from './stop-signal';

/** A push to the output list failed for good (not a connection problem): the worker stops. */
export class OutputPushError extends Error {}

/**
 * At-least-once: a batch's results go out with their own LPUSH before its ack, retried through
 * connection problems. An LPUSH may be repeated (a lost reply), which is the mode's duplicate.
 */
export class OutputWriter {
  constructor(
    private readonly out: RedisClient,
    private readonly queue: string,
    private readonly stop: StopSignal,
  ) {}

  /** True once pushed; false when the worker stopped first (the batch then must not be acked). */
  async push(results: string[]): Promise<boolean> {
    for (;;) {
      try {
        if (results.length > 0) await this.out.lpush(this.queue, ...results);
        return true;
      } catch (err) {
        if (!isConnectionProblem(err)) throw new OutputPushError(`cannot push results to output list ${this.queue}: ${(err as Error).message}`);
        if (this.stop.isSet) return false;
        await sleep(200);
      }
    }
  }
}
