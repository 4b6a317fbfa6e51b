import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { connectRedis, RedisClient } from '@gridcore/queue';
import { RunningRedis, startRedis } from '../../support/redis-server';

/** A fresh random queue name per test, so tests never share keys. */
export function randomQueue(stem = 'q'): string {
  return `t-${stem}-${randomBytes(5).toString('hex')}`;
}

/** Every key a queue test made: Q, its P:* keys and the given extra keys. */
export async function cleanupQueue(redis: Redis, queue: string, ...extra: string[]): Promise<void> {
  const prefix = queue.includes('{') ? queue : `{${queue}}`;
  const keys = await redis.keys(`${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`);
  await redis.del(queue, ...keys, ...extra);
}

/** LPUSH items one command at a time, as a user's script would (oldest first). */
export async function pushItems(redis: Redis, queue: string, items: string[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) await redis.lpush(queue, ...items.slice(i, i + 1000));
}

export function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(String(i));
  return out;
}

/** One redis-server for a spec file: a plain ioredis client and the SDK's own, stopped after the file. */
export interface SharedRedis {
  server: RunningRedis;
  redis: Redis;
  client: RedisClient;
}

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function sharedRedisServer(): SharedRedis {
  const shared = {} as SharedRedis;
  beforeAll(async () => {
    shared.server = await startRedis();
    shared.redis = new Redis(shared.server.url);
    shared.client = await connectRedis(shared.server.url, { log: () => undefined });
  });
  afterAll(async () => {
    shared.redis?.disconnect();
    shared.client?.disconnect();
    await shared.server?.stop();
  });
  return shared;
}
