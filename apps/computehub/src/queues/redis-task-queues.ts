import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { connectRedis, FailureRecord, QueueAdmin, QueueError, RedisClient } from '@gridcore/queue';
import { QueueUnavailableError } from '../errors/queue-unavailable.error';
import { maskRedisUrl } from '../redaction/redis-urls';
import { ClearedRun, QueueHoldings, QueueRef, QueueSnapshot, QueueTuning, TaskQueues } from './task-queues';

/** No hub call waits longer on a task's Redis than this. */
const CALL_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** The libs/queue adapter: one connection (and QueueAdmin) per Redis URL, opened on first use. */
@Injectable()
export class RedisTaskQueues extends TaskQueues implements OnApplicationShutdown {
  private readonly logger = new Logger('TaskQueues');
  private readonly admins = new Map<string, Promise<QueueAdmin>>();

  async configure(ref: QueueRef, tuning: QueueTuning): Promise<void> {
    await this.call(ref, ref.redisUrl, (admin) =>
      admin.writeConfig(ref.queue, { leaseS: tuning.leaseS, maxAttempts: tuning.maxAttempts, batchTimeoutS: tuning.batchTimeoutS }, tuning.runId),
    );
  }

  async snapshot(ref: QueueRef, nodeIds: readonly string[]): Promise<QueueSnapshot> {
    const [stats, outputLength] = await Promise.all([
      this.call(ref, ref.redisUrl, (admin) => admin.stats(ref.queue, nodeIds)),
      ref.outputQueue ? this.call(ref, ref.outputRedisUrl, (admin) => admin.client.llen(ref.outputQueue!)) : Promise.resolve(null),
    ]);
    return {
      input: stats.input,
      retry: stats.retry,
      pending: stats.pending,
      inFlight: stats.inFlight,
      processed: stats.processed,
      requeued: stats.requeued,
      dead: stats.dead,
      perNode: stats.perNode,
      lastReapMs: stats.lastReapMs,
      outputLength,
      nowMs: stats.nowMs,
      configRunId: stats.configRunId,
    };
  }

  /** Where each queue's causes housekeeping goes on from (one HSCAN step per reap). */
  private readonly causeCursors = new Map<string, string>();

  async reapExpired(ref: QueueRef): Promise<number> {
    const reaped = (await this.call(ref, ref.redisUrl, (admin) => admin.reapExpired(ref.queue))).items;
    // Causes of items that succeeded after a failed attempt are dropped a step at a time (issue 19.1).
    const key = `${ref.redisUrl} ${ref.queue}`;
    const step = await this.call(ref, ref.redisUrl, (admin) => admin.pruneCauses(ref.queue, this.causeCursors.get(key) ?? '0')).catch(() => null);
    if (step) this.causeCursors.set(key, step.cursor);
    return reaped;
  }

  async requeueOrphanBatches(ref: QueueRef): Promise<number> {
    return (await this.call(ref, ref.redisUrl, (admin) => admin.scanOrphanBatches(ref.queue, { maxKeys: 100_000 }), 30_000)).items;
  }

  async holdings(ref: QueueRef): Promise<QueueHoldings> {
    const [input, output] = await Promise.all([
      this.call(ref, ref.redisUrl, (admin) => admin.client.llen(ref.queue)),
      ref.outputQueue ? this.call(ref, ref.outputRedisUrl, (admin) => admin.client.llen(ref.outputQueue!)) : Promise.resolve(null),
    ]);
    return { input, output };
  }

  async clearRun(ref: QueueRef): Promise<ClearedRun> {
    let output = 0;
    if (ref.outputQueue) {
      const queue = ref.outputQueue;
      output = await this.call(ref, ref.outputRedisUrl, async (admin) => {
        const [[, length]] = (await admin.client.multi().llen(queue).del(queue).exec()) as [[null, number], [null, number]];
        return length;
      });
    }
    const protocolKeys = await this.call(ref, ref.redisUrl, (admin) => admin.clearProtocolKeys(ref.queue), 30_000);
    return { output, protocolKeys };
  }

  requeueDead(ref: QueueRef): Promise<number> {
    return this.call(ref, ref.redisUrl, (admin) => admin.requeueDead(ref.queue), 30_000);
  }

  deadWithCauses(ref: QueueRef, maxItems: number): Promise<{ total: number; items: { item: string; cause: FailureRecord | null }[] }> {
    return this.call(ref, ref.redisUrl, (admin) => admin.deadWithCauses(ref.queue, maxItems), 30_000);
  }

  requeueDeadItems(ref: QueueRef, items: readonly string[]): Promise<number> {
    return this.call(ref, ref.redisUrl, (admin) => admin.requeueDeadItems(ref.queue, items), 30_000);
  }

  async handBackNode(ref: QueueRef, nodeId: string): Promise<number> {
    return (await this.call(ref, ref.redisUrl, (admin) => admin.handBackNode(ref.queue, nodeId), 30_000)).items;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const admin of this.admins.values()) {
      await admin.then((a) => a.client.disconnect()).catch(() => undefined);
    }
    this.admins.clear();
  }

  private async call<T>(ref: QueueRef, url: string, op: (admin: QueueAdmin) => Promise<T>, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    try {
      return await withTimeout(this.admin(url, ref.tlsCa ?? null).then(op), timeoutMs);
    } catch (err) {
      if (err instanceof QueueError && !err.recoverable) throw err;
      throw new QueueUnavailableError(`Redis ${maskRedisUrl(url)}: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** Keyed by URL and CA: two tasks on one server that trust different CAs get their own connection. */
  private admin(url: string, tlsCa: string | null): Promise<QueueAdmin> {
    const key = tlsCa ? `${url}\u0000${tlsCa}` : url;
    let admin = this.admins.get(key);
    if (!admin) {
      admin = withTimeout(
        connectRedis(url, { name: 'gridcore-hub', log: (line) => this.logger.warn(line), tlsCa }),
        CALL_TIMEOUT_MS,
      ).then((client: RedisClient) => new QueueAdmin(client));
      this.admins.set(key, admin);
      // A failed first connection is forgotten, so the next call tries again.
      admin.catch(() => this.admins.delete(key));
    }
    return admin;
  }
}
