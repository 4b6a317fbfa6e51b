import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { encodeCause, FailureCause, redisTlsOptions } from '@gridcore/queue';
import { bareGatewayUrl, nodeGatewayUrl } from './gateway-secrets';
import { QueueRef, SlotQueue, SlotRef } from './slot-queue';

/**
 * {@link SlotQueue} through the data gateway (issue 17): the node holds no Redis credential, so
 * what it does to its own slots it asks of the gateway with its own credential (`GRIDCORE
 * HANDBACK|REQUEUE|ORPHANS`), which touches only this node's slots. One connection per gateway
 * address, opened on first use; the run id is the gateway's to know (it keys batches by node and
 * instance).
 */
export class GatewaySlotQueue extends SlotQueue {
  private readonly logger = new Logger('GatewaySlots');
  private readonly clients = new Map<string, Promise<Redis>>();

  constructor(private readonly credential: () => string | null) {
    super();
  }

  private client(queue: QueueRef, nodeId: string): Promise<Redis> {
    const credential = this.credential();
    if (!credential) return Promise.reject(new Error('this node holds no node credential: a gateway task needs one (join with a join token)'));
    const bare = bareGatewayUrl(queue.redisUrl);
    const key = `${bare}\u0000${nodeId}\u0000${credential}`;
    let client = this.clients.get(key);
    if (!client) {
      const redis = new Redis(nodeGatewayUrl(bare, nodeId, credential), {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        connectTimeout: 5_000,
        retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
        ...redisTlsOptions(bare, queue.tlsCa),
      });
      redis.on('error', (err: Error) => this.logger.debug(`gateway ${bare}: ${err.message}`));
      client = redis.connect().then(() => redis);
      client.catch(() => {
        this.clients.delete(key);
        redis.disconnect();
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private async command(queue: QueueRef, nodeId: string, ...args: string[]): Promise<number> {
    const redis = await this.client(queue, nodeId);
    // HANDBACK answers [batches, items], REQUEUE and ORPHANS [batches, items, dead].
    const answer = await redis.call('GRIDCORE', ...args);
    return Array.isArray(answer) ? Number(answer[1]) || 0 : Number(answer) || 0;
  }

  requeueSlot(queue: QueueRef, slot: SlotRef, cause?: FailureCause): Promise<number> {
    const why = encodeCause(cause);
    return why ? this.command(queue, slot.nodeId, 'REQUEUE', String(slot.instance), 'CAUSE', why) : this.command(queue, slot.nodeId, 'REQUEUE', String(slot.instance));
  }

  /** Leases of a frozen container's batches kept alive by the gateway, frozen time discounted (`GRIDCORE RENEW ... FROZEN ms`). */
  override async renewSlot(queue: QueueRef, slot: SlotRef, frozenMs: number): Promise<{ batches: number; items: number }> {
    const redis = await this.client(queue, slot.nodeId);
    const answer = (await redis.call('GRIDCORE', 'RENEW', String(slot.instance), 'FROZEN', String(Math.max(0, Math.round(frozenMs))))) as number[];
    return { batches: Number(answer[0]) || 0, items: Number(answer[1]) || 0 };
  }

  handBackSlot(queue: QueueRef, slot: SlotRef): Promise<number> {
    return this.command(queue, slot.nodeId, 'HANDBACK', String(slot.instance));
  }

  requeueOrphans(queue: QueueRef, nodeId: string, liveInstances: readonly (number | string)[]): Promise<number> {
    return this.command(queue, nodeId, 'ORPHANS', liveInstances.map(String).join(','));
  }

  /** Items waiting in the task's input and retry lists, as the gateway answers this node (`GRIDCORE PENDING`). */
  async pending(queue: QueueRef, nodeId?: string): Promise<number> {
    if (!nodeId) throw new Error(`the gateway answers a node by its id: pending() of ${queue.queue} needs one`);
    return this.command(queue, nodeId, 'PENDING');
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.then((r) => r.quit()).catch(() => undefined)));
  }
}
