import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { STATE_KEY_PREFIX, StateRedis } from '../persistence/state-redis.provider';
import { redisStateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { PersistedNode } from './node-record';
import { NodeChange, NodeStore } from './node-store';

/** One hash field per node: id → the record as JSON. */
const RECORDS_KEY = `${STATE_KEY_PREFIX}node-records`;
/** Older versions kept every record in one JSON string here. */
const LEGACY_KEY = `${STATE_KEY_PREFIX}nodes`;
const SCAN_COUNT = 1_000;
const MIGRATE_CHUNK = 500;

/** Node records in a Redis hash, a field per node, so a change writes only that node's field. */
@Injectable()
export class RedisNodeStore extends NodeStore {
  private readonly logger = new Logger('NodeStore');
  private readonly target = redisStateTarget(() => this.redis.client, RECORDS_KEY);

  constructor(
    private readonly redis: StateRedis,
    private readonly writes: StateWriteHealth,
  ) {
    super();
  }

  async load(): Promise<PersistedNode[]> {
    const client = await this.redis.connected();
    await this.migrateLegacy(client);
    const records: PersistedNode[] = [];
    const bad: string[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await client.hscan(RECORDS_KEY, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        try {
          records.push(JSON.parse(flat[i + 1]) as PersistedNode);
        } catch {
          bad.push(flat[i]);
        }
      }
    } while (cursor !== '0');
    if (bad.length > 0) this.logger.warn(`${RECORDS_KEY}: left out node record(s) ${bad.slice(0, 10).join(', ')} holding no valid JSON`);
    return records;
  }

  async write(changes: readonly NodeChange[]): Promise<void> {
    if (changes.length === 0) return;
    const multi = this.redis.client.multi();
    for (const change of changes) {
      if ('put' in change) multi.hset(RECORDS_KEY, change.put.id, JSON.stringify(change.put));
      else multi.hdel(RECORDS_KEY, change.remove);
    }
    await this.writes.track(
      this.target,
      multi.exec().then((results) => {
        const failed = results?.find(([err]) => err)?.[0];
        if (!results || failed) throw failed ?? new Error('state Redis discarded the node record transaction');
      }),
    );
  }

  /** Moves the one-string snapshot of older versions into the hash, then deletes it. */
  private async migrateLegacy(client: Redis): Promise<void> {
    if ((await client.type(LEGACY_KEY)) !== 'string') return;
    const text = await client.get(LEGACY_KEY);
    let legacy: PersistedNode[];
    try {
      legacy = JSON.parse(text ?? '[]') as PersistedNode[];
    } catch {
      throw new Error(`state Redis key ${LEGACY_KEY} is not valid JSON; delete it to start with no node records`);
    }
    for (let i = 0; i < legacy.length; i += MIGRATE_CHUNK) {
      const fields = legacy.slice(i, i + MIGRATE_CHUNK).flatMap((node) => [node.id, JSON.stringify(node)]);
      await client.hset(RECORDS_KEY, ...fields);
    }
    await client.del(LEGACY_KEY);
    this.logger.log(`moved ${legacy.length} node records from ${LEGACY_KEY} to the hash ${RECORDS_KEY}`);
  }
}
