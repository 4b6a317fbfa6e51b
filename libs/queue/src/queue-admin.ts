import { decodeCause, FailureCause, FailureRecord } from './failure-cause';
import { Cluster } from 'ioredis';
import { QueueConfig } from './queue-defaults';
import type { RedisClient } from './redis-client';
import { ScriptRunner } from './script-loader';
import { QueueStats, RequeueResult, WorkQueue } from './work-queue';

/**
 * The queue operations the hub and gridctl use, by input queue name, on one Redis connection
 * (standalone or cluster). Each call is one script per round trip; loops are bounded.
 */
export class QueueAdmin {
  private readonly queues = new Map<string, WorkQueue>();
  private readonly scripts = new ScriptRunner();

  constructor(
    readonly client: RedisClient,
    /** Fallbacks for queues whose P:config is missing. */
    private readonly defaults: Partial<QueueConfig> = {},
  ) {}

  private queue(name: string): WorkQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new WorkQueue(this.client, name, { exactlyOnce: false, defaults: this.defaults, scripts: this.scripts });
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Write P:config when a task starts (lease_s 60 for now; max_attempts and batch_timeout_s from
   * the task), with the task run's id: `stats` reads it back, so a P:config without it shows that
   * Redis lost the queue's keys.
   */
  writeConfig(queue: string, config: Partial<QueueConfig>, runId?: string): Promise<QueueConfig> {
    return this.queue(queue).writeConfig(config, runId);
  }

  /** One snapshot: pending, in flight, processed, requeued, dead, last reap, and per node for `nodeIds` (≤ 1000). */
  stats(queue: string, nodeIds: readonly string[] = []): Promise<QueueStats> {
    return this.queue(queue).stats(nodeIds);
  }

  /** Requeue every lease past its deadline (cleanup tick). */
  reapExpired(queue: string, limitPerCall = 100, maxCalls = 100): Promise<RequeueResult & { dropped: number }> {
    return this.queue(queue).reapExpired(limitPerCall, maxCalls);
  }

  /**
   * The occasional scan: SCAN `P:batch:*` (on every master of a cluster) and requeue lists that
   * have no lease and are older than lease_s. Bounded by `maxKeys` keys looked at.
   */
  async scanOrphanBatches(queue: string, options: { count?: number; maxKeys?: number } = {}): Promise<RequeueResult & { scanned: number }> {
    const q = this.queue(queue);
    const count = options.count ?? 500;
    const maxKeys = options.maxKeys ?? 100_000;
    const total = { batches: 0, items: 0, dead: 0, scanned: 0 };
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', q.keys.batchPattern(), 'COUNT', count);
        cursor = next;
        total.scanned += keys.length;
        for (let i = 0; i < keys.length; i += 100) {
          const r = await q.requeueOrphans(keys.slice(i, i + 100));
          total.batches += r.batches;
          total.items += r.items;
          total.dead += r.dead;
        }
      } while (cursor !== '0' && total.scanned < maxKeys);
    }
    return total;
  }

  /**
   * Deletes every protocol key of `queue` (SPEC §4's P:* keys: retry, dead, attempts, stats,
   * config, leases, batches, ...) but not the input list itself: what a fresh run of a reused
   * queue must not inherit. Returns how many keys existed. Workers must not be running on it.
   */
  async clearProtocolKeys(queue: string, options: { count?: number; maxKeys?: number } = {}): Promise<number> {
    const q = this.queue(queue);
    // All of them share Q's hash slot (the tag rule), so one DEL is valid on a Cluster too.
    let removed = await this.client.del(...q.keys.protocolKeys());
    const maxKeys = options.maxKeys ?? 100_000;
    let scanned = 0;
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', q.keys.batchPattern(), 'COUNT', options.count ?? 500);
        cursor = next;
        scanned += keys.length;
        if (keys.length) removed += await node.del(...keys);
      } while (cursor !== '0' && scanned < maxKeys);
    }
    return removed;
  }

  /**
   * The dead items, newest first, each with its last cause (P:causes; null when none was
   * recorded), reading at most `maxItems` (1000 per round trip). `total` is LLEN dead.
   */
  async deadWithCauses(queue: string, maxItems = 100_000): Promise<{ total: number; items: { item: string; cause: FailureRecord | null }[] }> {
    const keys = this.queue(queue).keys;
    const total = await this.client.llen(keys.dead);
    const items: { item: string; cause: FailureRecord | null }[] = [];
    for (let from = 0; from < Math.min(total, maxItems); from += 1000) {
      const chunk = await this.client.lrange(keys.dead, from, Math.min(from + 1000, maxItems) - 1);
      if (chunk.length === 0) break;
      const causes = await this.client.hmget(keys.causes, ...chunk);
      chunk.forEach((item, i) => items.push({ item, cause: decodeCause(causes[i]) }));
    }
    return { total, items };
  }

  /** One step of dropping the causes of items that succeeded since (WorkQueue.pruneCauses). */
  pruneCauses(queue: string, cursor = '0'): Promise<{ cursor: string; pruned: number }> {
    return this.queue(queue).pruneCauses(cursor);
  }

  /** Move these dead items (one group of failures) back to the input; returns how many moved. */
  requeueDeadItems(queue: string, items: readonly string[]): Promise<number> {
    return this.queue(queue).requeueDeadItems(items);
  }

  /** Move dead items back to the input and clear their attempts and causes; returns how many moved. */
  requeueDead(queue: string): Promise<number> {
    return this.queue(queue).requeueDead();
  }

  /** After an exit the node did not cause: the slot's batches, with an attempt per item. */
  requeueSlot(queue: string, nodeId: string, instance: string | number, runId?: string, cause?: FailureCause): Promise<RequeueResult> {
    const q = this.queue(queue);
    return q.returnSlot(q.keys.slotPrefix(nodeId, instance, runId), 'requeue', 100, cause);
  }

  /** After a stop the node made (task switch, stop, SIGKILL after stop_timeout): no attempt. */
  handBackSlot(queue: string, nodeId: string, instance: string | number, runId?: string): Promise<RequeueResult> {
    const q = this.queue(queue);
    return q.returnSlot(q.keys.slotPrefix(nodeId, instance, runId), 'hand-back');
  }

  /** While the node holds a slot's container paused: its batches' leases renewed, frozen time not counted. */
  renewSlot(queue: string, nodeId: string, instance: string | number, runId: string, frozenMs: number): Promise<{ batches: number; items: number }> {
    const q = this.queue(queue);
    return q.renewSlot(q.keys.slotPrefix(nodeId, instance, runId), frozenMs);
  }

  /**
   * Every leased batch of one node, whatever its instance and run, handed back without an
   * attempt: the hub revoked the node, so its items go back to be taken by another.
   */
  handBackNode(queue: string, nodeId: string): Promise<RequeueResult> {
    const q = this.queue(queue);
    return q.returnSlot(q.keys.nodePrefix(nodeId), 'hand-back');
  }
}
