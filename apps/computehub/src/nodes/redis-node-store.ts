import { Injectable } from '@nestjs/common';
import { STATE_KEY_PREFIX, StateRedis } from '../persistence/state-redis.provider';
import { redisStateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { PersistedNode } from './node-record';
import { NodeStore } from './node-store';

const KEY = `${STATE_KEY_PREFIX}nodes`;

@Injectable()
export class RedisNodeStore extends NodeStore {
  private readonly target = redisStateTarget(() => this.redis.client, KEY);

  constructor(
    private readonly redis: StateRedis,
    private readonly writes: StateWriteHealth,
  ) {
    super();
  }

  async load(): Promise<PersistedNode[] | null> {
    const text = await (await this.redis.connected()).get(KEY);
    return text ? (JSON.parse(text) as PersistedNode[]) : null;
  }

  async save(nodes: PersistedNode[]): Promise<void> {
    await this.writes.track(this.target, this.redis.client.set(KEY, JSON.stringify(nodes)));
  }
}
