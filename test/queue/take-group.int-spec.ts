/**
 * take-group-10 (small batches: many acks and up to G batches in one script run) on a real
 * redis-server: each batch stays its own key, lease and attempt, so every other script (reap,
 * requeue, hand-back, by slot) treats them as take-10's batches.
 */
import Redis from 'ioredis';
import type { RunningRedis } from '../support/redis-server';
import {
  BadScriptArgumentError, BatchAck, QueueKeys, RedisClient, ResultCountMismatchError, TooManyItemsError, WorkQueue, WrongKeyTypeError,
} from '@gridcore/queue';
import { cleanupQueue, pushItems, randomQueue, range, sharedRedisServer } from './helpers/queue-test';

describe('take-group on a real redis-server', () => {
  let server: RunningRedis;
  let redis: Redis;
  let client: RedisClient;
  let queue: string;
  let output: string;
  let wq: WorkQueue;
  const node = 'n1';
  const lane = (l = 0) => new QueueKeys(queue).lanePrefix({ nodeId: node, instance: 0, runId: 'r1', lane: l });
  const group = (size = 1, blockMs = 2000) => wq.laneGroupTakes({ nodeId: node, lanePrefix: lane(), size, blockMs });
  const results = (acks: { batchKey: string; items: string[] }[]): BatchAck[] => acks.map((b) => ({ batchKey: b.batchKey, results: b.items.map((i) => `r${i}`) }));

  const shared = sharedRedisServer();
  beforeAll(() => void ({ server, redis, client } = shared));
  beforeEach(() => {
    queue = randomQueue('tg');
    output = `${queue}:out`;
    wq = new WorkQueue(client, queue, { outputQueue: output });
  });
  afterEach(() => cleanupQueue(redis, queue, output));

  it('batch 1: G batches of one item, each its own key and lease; the next call acks them all and takes the next G', async () => {
    await pushItems(redis, queue, range(1, 6));
    const call = group();
    const first = await call.take([], false, 4);
    expect(first).toMatchObject({ acked: 0, gone: 0 });
    expect(first.batches.map((b) => b.items)).toEqual([['1'], ['2'], ['3'], ['4']]);
    expect(first.batches.every((b) => b.source === 'input' && b.leaseMs === 60_000 && b.ack === 'none')).toBe(true);
    for (const b of first.batches) {
      expect(b.batchKey.startsWith(lane())).toBe(true);
      expect(await redis.lrange(b.batchKey, 0, -1)).toEqual(b.items);
      expect(await redis.zscore(wq.keys.leases, b.batchKey)).not.toBeNull();
      expect(await redis.hget(wq.keys.taken, b.batchKey)).not.toBeNull();
    }
    expect(new Set(first.batches.map((b) => b.batchKey)).size).toBe(4);
    expect(await wq.stats([node])).toMatchObject({ inFlight: 4, batches: 4, input: 2 });

    const second = await call.take(results(first.batches), false, 4);
    expect(second).toMatchObject({ acked: 4, gone: 0 });
    // The input ran dry: a short group, the last batches of the input.
    expect(second.batches.map((b) => b.items)).toEqual([['5'], ['6']]);
    // The same output as four acks one after the other.
    expect(await redis.lrange(output, 0, -1)).toEqual(['r4', 'r3', 'r2', 'r1']);
    for (const b of first.batches) {
      expect(await redis.exists(b.batchKey)).toBe(0);
      expect(await redis.zscore(wq.keys.leases, b.batchKey)).toBeNull();
      expect(await redis.hget(wq.keys.taken, b.batchKey)).toBeNull();
    }
    expect(await wq.stats([node])).toMatchObject({ processed: 4, inFlight: 2, batches: 2, perNode: { n1: 4 } });

    // Nothing left: one waiting key, leased for block time + lease_s, as take-10 gives.
    const third = await call.take(results(second.batches), false, 4);
    expect(third).toMatchObject({ acked: 2, gone: 0 });
    expect(third.batches).toHaveLength(1);
    expect(third.batches[0]).toMatchObject({ items: [], source: 'wait', leaseMs: 62_000 });
    expect(await wq.handBack([third.batches[0].batchKey])).toEqual({ batches: 0, items: 0 });
    expect(await wq.stats([node])).toMatchObject({ processed: 6, inFlight: 0, batches: 0, pending: 0 });
  });

  it('batches of K: G full batches in order, the last partial when the input runs short', async () => {
    await pushItems(redis, queue, range(1, 7));
    const call = group(3);
    const a = await call.take([], false, 2);
    expect(a.batches.map((b) => b.items)).toEqual([['1', '2', '3'], ['4', '5', '6']]);
    for (const b of a.batches) expect(await redis.lrange(b.batchKey, 0, -1)).toEqual(b.items);
    const b = await call.take(results(a.batches), false, 3);
    expect(b.batches.map((x) => x.items)).toEqual([['7']]);
    expect(await redis.lrange(output, 0, -1)).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
  });

  it('an acked batch that was requeued meanwhile is gone: nothing pushed for it, the others acked', async () => {
    await pushItems(redis, queue, range(1, 3));
    const call = group();
    const taken = await call.take([], false, 3);
    expect(await wq.requeue([taken.batches[1].batchKey])).toEqual({ batches: 1, items: 1, dead: 0 });
    const next = await call.take(results(taken.batches), false, 1);
    expect(next).toMatchObject({ acked: 2, gone: 1 });
    // The requeued item is in sight: take-group never takes from retry unless asked to.
    expect(next.batches[0]).toMatchObject({ source: 'wait', retryLength: 1 });
    expect((await redis.lrange(output, 0, -1)).sort()).toEqual(['r1', 'r3']);
    expect(await redis.zcard(wq.keys.leases)).toBe(1);
    // From retry: one batch of the one retried item; its ack clears its attempts.
    await wq.handBack([next.batches[0].batchKey]);
    const retried = await call.take([], true, 4);
    expect(retried.batches.map((b) => [b.items, b.source])).toEqual([[['2'], 'retry']]);
    expect(await redis.hget(wq.keys.attempts, '2')).toBe('1');
    expect(await wq.ackMany(node, results(retried.batches))).toEqual({ acked: 1, gone: 0, batches: [] });
    expect(await redis.hlen(wq.keys.attempts)).toBe(0);
    expect(await wq.stats([node])).toMatchObject({ processed: 3, inFlight: 0, retry: 0, pending: 0 });
  });

  it('at-least-once: acks by count (results pushed by the caller)', async () => {
    const alo = new WorkQueue(client, queue, { exactlyOnce: false });
    await pushItems(redis, queue, range(1, 2));
    const call = alo.laneGroupTakes({ nodeId: node, lanePrefix: lane(), size: 1 });
    const t = await call.take([], false, 2);
    await expect(call.take(results(t.batches), false, 1)).rejects.toThrow(/at-least-once/);
    expect(await alo.ackMany(node, t.batches.map((b) => ({ batchKey: b.batchKey, count: 1 })))).toMatchObject({ acked: 2, gone: 0 });
    expect((await alo.stats()).processed).toBe(2);
    expect(await redis.llen(output)).toBe(0);
  });

  it('refuses bad acks and a wrong-typed key with a clear error, having written nothing', async () => {
    await pushItems(redis, queue, range(1, 4));
    const call = group();
    const t = await call.take([], false, 2);
    const [b1, b2] = t.batches;
    const before = async () => ({
      seq: await redis.get(wq.keys.seq),
      input: await redis.lrange(queue, 0, -1),
      b1: await redis.lrange(b1.batchKey, 0, -1),
      b2: await redis.lrange(b2.batchKey, 0, -1),
      leases: await redis.zcard(wq.keys.leases),
      out: await redis.llen(output),
      stats: await redis.hgetall(wq.keys.stats),
    });
    const snapshot = await before();
    const cases: [BatchAck[], unknown][] = [
      [[{ batchKey: b1.batchKey, results: ['a'] }, { batchKey: b1.batchKey, results: ['a'] }], BadScriptArgumentError],
      [[{ batchKey: b1.batchKey, results: ['a', 'b'] }], ResultCountMismatchError],
      [[{ batchKey: 'elsewhere:batch:1', results: ['a'] }], BadScriptArgumentError],
    ];
    for (const [acks, type] of cases) {
      await expect(call.take(acks, false, 2)).rejects.toBeInstanceOf(type);
      expect(await before()).toEqual(snapshot);
    }
    await expect(call.take([], false, 1001)).rejects.toBeInstanceOf(TooManyItemsError);
    await expect(call.take([], false, 0)).rejects.toBeInstanceOf(BadScriptArgumentError);
    await redis.set(output, 'not a list');
    const err = await call.take(results(t.batches), false, 2).catch((e) => e);
    expect(err).toBeInstanceOf(WrongKeyTypeError);
    expect(err.message).toContain(output);
    await redis.del(output);
    await redis.set(wq.keys.seq, 'x');
    await expect(call.take(results(t.batches), false, 2)).rejects.toBeInstanceOf(WrongKeyTypeError);
    await redis.set(wq.keys.seq, snapshot.seq as string);
    expect(await before()).toEqual(snapshot);
  });

  it('per item inside Redis at G=16: one LLEN and one LMOVE each; the pushes, stats, leases and deletes once a call', async () => {
    await pushItems(redis, queue, range(1, 32));
    const call = group();
    const first = await call.take([], false, 16);
    await redis.config('RESETSTAT');
    const second = await call.take(results(first.batches), false, 16);
    expect(second).toMatchObject({ acked: 16 });
    expect(second.batches).toHaveLength(16);
    const stats = (await redis.info('commandstats')).split('\r\n');
    const count = (cmd: string) => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`).exec(stats.find((l) => l.startsWith(`cmdstat_${cmd}:`)) ?? '')?.[1] ?? 0);
    const got = Object.fromEntries(['evalsha', 'lmove', 'llen', 'lpush', 'hincrby', 'del', 'zrem', 'hdel', 'zadd', 'hset', 'incrby', 'lrange', 'type'].map((c) => [c, count(c)]));
    // LLEN: retry, input, output (its type) and the 16 acked batches.
    expect(got).toEqual({ evalsha: 1, lmove: 16, llen: 19, lpush: 1, hincrby: 2, del: 1, zrem: 1, hdel: 1, zadd: 1, hset: 1, incrby: 1, lrange: 0, type: 0 });
  });
});
