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

export async function startHubWithRedis(values: HubValues = {}): Promise<HubWithRedis> {
  const redis = await startRedis();
  let hub: TestHub;
  try {
    hub = await startTestHub(values);
  } catch (err) {
    // Nothing else will stop this redis-server if the hub never came up.
    await redis.stop();
    throw err;
  }
  const client = new Redis(redis.url);
  const close = async () => {
    client.disconnect();
    await hub.close();
    await redis.stop();
  };
  return { redis, hub, client, close };
}
