import Redis from 'ioredis';
import { HubValues, startTestHub, TestHub } from './hub-app';
import { RunningRedis, startRedis } from './redis-server';

/** A real redis-server, an in-process hub and a client on that Redis, stopped together. */
export interface HubWithRedis {
  redis: RunningRedis;
  hub: TestHub;
  client: Redis;
  close(): Promise<void>;
}

/** A real redis-server and a client on it, stopped together. */
export interface RedisWithClient {
  redis: RunningRedis;
  client: Redis;
  close(): Promise<void>;
}

export async function startRedisWithClient(): Promise<RedisWithClient> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const close = async () => {
    client.disconnect();
    await redis.stop();
  };
  return { redis, client, close };
}

export async function startHubWithRedis(values: HubValues = {}): Promise<HubWithRedis> {
  const store = await startRedisWithClient();
  let hub: TestHub;
  try {
    hub = await startTestHub(values);
  } catch (err) {
    // Nothing else will stop this redis-server if the hub never came up.
    await store.close();
    throw err;
  }
  const close = async () => {
    store.client.disconnect();
    await hub.close();
    await store.redis.stop();
  };
  return { redis: store.redis, client: store.client, hub, close };
}
