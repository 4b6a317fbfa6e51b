import { Logger } from '@nestjs/common';
import { connectRedis, FailureCause, QueueAdmin, QueueKeys, RedisClient } from '@gridcore/queue';
import { QueueRef, SlotQueue, SlotRef } from './slot-queue';

/**
 * {@link SlotQueue} on libs/queue: one connection per Redis URL, opened on first use and kept
 * (tasks come and go, their Redis rarely changes). A connection that fails to open is dropped so
 * the next call tries again.
 */
export class RedisSlotQueue extends SlotQueue {
  private readonly logger = new Logger('SlotQueue');
  private readonly admins = new Map<string, Promise<QueueAdmin>>();

  /** Keyed by URL and CA, as two tasks on one server may trust different CAs. */
  private admin(queue: QueueRef): Promise<QueueAdmin> {
    const url = queue.redisUrl;
    const key = queue.tlsCa ? `${url}\u0000${queue.tlsCa}` : url;
    let admin = this.admins.get(key);
    if (!admin) {
      admin = connectRedis(url, { name: 'gridnode', log: (line) => this.logger.warn(line), tlsCa: queue.tlsCa }).then((client) => new QueueAdmin(client));
      admin.catch(() => this.admins.delete(key));
      this.admins.set(key, admin);
    }
    return admin;
  }

  async requeueSlot(queue: QueueRef, slot: SlotRef, cause?: FailureCause): Promise<number> {
    const admin = await this.admin(queue);
    return (await admin.requeueSlot(queue.queue, slot.nodeId, slot.instance, slot.runId, cause)).items;
  }

  async handBackSlot(queue: QueueRef, slot: SlotRef): Promise<number> {
    const admin = await this.admin(queue);
    return (await admin.handBackSlot(queue.queue, slot.nodeId, slot.instance, slot.runId)).items;
  }

  override async renewSlot(queue: QueueRef, slot: SlotRef, frozenMs: number): Promise<{ batches: number; items: number }> {
    const admin = await this.admin(queue);
    return admin.renewSlot(queue.queue, slot.nodeId, slot.instance, slot.runId, frozenMs);
  }

  async pending(queue: QueueRef): Promise<number> {
    const client: RedisClient = (await this.admin(queue)).client;
    const keys = new QueueKeys(queue.queue);
    const [input, retry] = await Promise.all([client.llen(keys.input), client.llen(keys.retry)]);
    return input + retry;
  }

  /** A direct node's orphans are found by their containers (OrphanReconciler): nothing to do by slot. */
  async requeueOrphans(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    const admins = [...this.admins.values()];
    this.admins.clear();
    await Promise.all(admins.map((a) => a.then((x) => x.client.quit()).catch(() => undefined)));
  }
}
