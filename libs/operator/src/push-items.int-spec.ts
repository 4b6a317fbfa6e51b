import Redis from 'ioredis';
import { startRedis, RunningRedis } from '../../../test/support/redis-server';
import { pushItems } from './push-items';
import { connectTaskRedis, resolveTaskRedis } from './redis-target';

describe('pushItems on a real redis-server', () => {
  let redis: RunningRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis({ password: 'pw-op' });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('pushes single items and arrays in order, in batches, reporting progress', async () => {
    client = await connectTaskRedis(resolveTaskRedis(`redis://:****@127.0.0.1:${redis.port}`, 't', { password: 'pw-op' }));
    const seen: number[] = [];
    async function* source() {
      yield '1';
      yield ['2', '3', '4', '5'];
      yield Array.from({ length: 2500 }, (_, i) => String(i + 6));
      yield '2506';
    }
    const result = await pushItems(client, 'q:in', source(), { batch: 1000, inFlight: 2, onProgress: (n) => seen.push(n) });
    expect(result.pushed).toBe(2506);
    expect(seen[seen.length - 1]).toBe(2506);
    expect(seen.length).toBe(3);
    // LPUSH on the left, so the right end holds the first item (taken first).
    const all = await client.lrange('q:in', 0, -1);
    expect(all.reverse()).toEqual(Array.from({ length: 2506 }, (_, i) => String(i + 1)));
  });

  it('names NOAUTH, a wrong password and an unreachable server in one line', async () => {
    const at = `redis://127.0.0.1:${redis.port}`;
    await expect(connectTaskRedis({ url: at, where: 'here' })).rejects.toThrow('Redis here wants a password (NOAUTH): set redis_password in credentials.toml');
    await expect(connectTaskRedis({ url: `redis://:bad@127.0.0.1:${redis.port}`, where: 'here' })).rejects.toThrow(/refused the password \(WRONGPASS\)/);
    await expect(connectTaskRedis({ url: 'redis://127.0.0.1:1', where: 'there' })).rejects.toThrow(/^cannot reach Redis at there \(is it running\? ECONNREFUSED\)$/);
  });
});
