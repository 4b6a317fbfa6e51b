import { Injectable } from '@nestjs/common';
import { STATE_KEY_PREFIX, StateRedis } from '../persistence/state-redis.provider';
import { redisStateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { TaskState } from './task-record';
import { TaskStore } from './task-store';

const KEY = `${STATE_KEY_PREFIX}tasks`;

/** The whole task state as one JSON value: a single SET replaces it atomically. */
@Injectable()
export class RedisTaskStore extends TaskStore {
  private readonly target = redisStateTarget(() => this.redis.client, KEY);

  constructor(
    private readonly redis: StateRedis,
    private readonly writes: StateWriteHealth,
  ) {
    super();
  }

  async load(): Promise<TaskState | null> {
    const text = await (await this.redis.connected()).get(KEY);
    return text ? (JSON.parse(text) as TaskState) : null;
  }

  async save(state: TaskState): Promise<void> {
    await this.writes.track(this.target, this.redis.client.set(KEY, JSON.stringify(state)));
  }

  async ping(): Promise<void> {
    await this.redis.client.ping();
  }
}
