import Redis from 'ioredis';
import type { RunningRedis } from '../support/redis-server';
import { QueueAdmin, QueueKeys, ResultCountMismatchError, WorkQueue, WrongKeyTypeError, RedisClient } from '@gridcore/queue';
import { cleanupQueue, pushItems, randomQueue, range, sharedRedisServer } from './helpers/queue-test';

describe('WorkQueue on a real redis-server', () => {
  let server: RunningRedis;
  let redis: Redis;
  let client: RedisClient;
  let queue: string;
  let output: string;
  let wq: WorkQueue;
  let admin: QueueAdmin;
  const node = 'n1';
  const lane = (run = 'r1', l = 0) => new QueueKeys(queue).lanePrefix({ nodeId: node, instance: 0, runId: run, lane: l });

  const shared = sharedRedisServer();
  beforeAll(() => void ({ server, redis, client } = shared));
  beforeEach(() => {
    queue = randomQueue('wq');
    output = `${queue}:out`;
    wq = new WorkQueue(client, queue, { outputQueue: output });
    admin = new QueueAdmin(client);
  });
  afterEach(() => cleanupQueue(redis, queue, output));

  it('takes the oldest K items, leases them and acks them in the next take', async () => {
    await pushItems(redis, queue, range(1, 5));
    const first = await wq.take({ nodeId: node, lanePrefix: lane(), size: 3 });
    expect(first.items).toEqual(['1', '2', '3']);
    expect(first.source).toBe('input');
    expect(first.batchKey.startsWith(`{${queue}}:batch:n1:0:r1:0:`)).toBe(true);
    expect(await redis.lrange(first.batchKey, 0, -1)).toEqual(['1', '2', '3']);
    expect(first.leaseMs).toBe(60_000);
    expect(await redis.zscore(wq.keys.leases, first.batchKey)).not.toBeNull();
    expect(await redis.hget(wq.keys.taken, first.batchKey)).not.toBeNull();

    const second = await wq.take({ nodeId: node, lanePrefix: lane(), size: 3, ack: { batchKey: first.batchKey, results: ['a', 'b', 'c'] } });
    expect(second.ack).toBe('acked');
    expect(second.items).toEqual(['4', '5']);
    expect(await redis.lrange(output, 0, -1)).toEqual(['c', 'b', 'a']);
    expect(await redis.exists(first.batchKey)).toBe(0);
    expect(await redis.zscore(wq.keys.leases, first.batchKey)).toBeNull();
    expect(await redis.hget(wq.keys.taken, first.batchKey)).toBeNull();
    const stats = await wq.stats(['n1', 'unknown-node']);
    expect(stats).toMatchObject({ processed: 3, inFlight: 2, batches: 1, pending: 0, dead: 0, perNode: { n1: 3 } });
    expect(stats.perNode).toEqual({ n1: 3 });
  });

  it('gives a waiting key leased for block time + lease_s when the input is empty', async () => {
    const r = await wq.take({ nodeId: node, lanePrefix: lane(), size: 10, blockMs: 2000 });
    expect(r.source).toBe('wait');
    expect(r.items).toEqual([]);
    expect(r.leaseMs).toBe(62_000);
    expect(await redis.exists(r.batchKey)).toBe(0);
    // The waiting path: one BLMOVE into that key wakes on a push.
    const blocking = new Redis(server.url);
    const moved = blocking.blmove(queue, r.batchKey, 'RIGHT', 'LEFT', 5);
    await new Promise((res) => setTimeout(res, 100));
    await redis.lpush(queue, 'x');
    expect(await moved).toBe('x');
    blocking.disconnect();
    expect((await wq.renew(r.batchKey)).alive).toBe(true);
    expect((await wq.stats()).inFlight).toBe(1);
    expect(await wq.handBack([r.batchKey])).toEqual({ batches: 1, items: 1 });
    expect(await redis.lrange(queue, 0, -1)).toEqual(['x']);
  });

  it('acks by key idempotently; a late ack after requeue pushes nothing', async () => {
    await pushItems(redis, queue, range(1, 4));
    const a = await wq.take({ nodeId: node, lanePrefix: lane(), size: 2 });
    expect(await wq.ack(a.batchKey, node, { results: ['r1', 'r2'] })).toBe('acked');
    expect(await wq.ack(a.batchKey, node, { results: ['r1', 'r2'] })).toBe('gone');
    const b = await wq.take({ nodeId: node, lanePrefix: lane(), size: 2 });
    expect(await wq.requeue([b.batchKey])).toEqual({ batches: 1, items: 2, dead: 0 });
    expect(await wq.ack(b.batchKey, node, { results: ['x', 'y'] })).toBe('gone');
    expect(await redis.lrange(output, 0, -1)).toEqual(['r2', 'r1']);
    expect(await redis.lrange(wq.keys.retry, 0, -1)).toEqual(['4', '3']);
    expect(await redis.hgetall(wq.keys.attempts)).toEqual({ '3': '1', '4': '1' });
    expect((await wq.stats()).processed).toBe(2);
  });

  it('renew after requeue creates no lease; renew never goes past taken + batch_timeout_s', async () => {
    await wq.writeConfig({ leaseS: 5, batchTimeoutS: 6, maxAttempts: 3 });
    await pushItems(redis, queue, ['a']);
    const t = await wq.take({ nodeId: node, lanePrefix: lane(), size: 1 });
    const takenAt = Number(await redis.hget(wq.keys.taken, t.batchKey));
    await new Promise((r) => setTimeout(r, 1100));
    const renewed = await wq.renew(t.batchKey);
    expect(renewed.alive).toBe(true);
    expect(Number(await redis.zscore(wq.keys.leases, t.batchKey))).toBe(takenAt + 6000);
    expect(renewed.leaseMs).toBeLessThan(5000);
    await wq.requeue([t.batchKey]);
    expect(await wq.renew(t.batchKey)).toEqual({ alive: false, leaseMs: 0 });
    expect(await redis.zscore(wq.keys.leases, t.batchKey)).toBeNull();
    expect(await redis.hget(wq.keys.taken, t.batchKey)).toBeNull();
    expect(await redis.exists(t.batchKey)).toBe(0);
  });

  it('requeue counts attempts, sends to dead at max_attempts; isolation takes one retried item', async () => {
    await wq.writeConfig({ maxAttempts: 2, leaseS: 60, batchTimeoutS: 600 });
    await pushItems(redis, queue, ['p', 'q']);
    const t1 = await wq.take({ nodeId: node, lanePrefix: lane(), size: 10 });
    await wq.requeue([t1.batchKey]);
    const t2 = await wq.take({ nodeId: node, lanePrefix: lane(), size: 10, fromRetry: true });
    expect(t2.source).toBe('retry');
    expect(t2.items).toEqual(['p']);
    expect(t2.retryLength).toBe(1);
    expect(await wq.requeue([t2.batchKey])).toEqual({ batches: 1, items: 1, dead: 1 });
    expect(await redis.lrange(wq.keys.dead, 0, -1)).toEqual(['p']);
    const t3 = await wq.take({ nodeId: node, lanePrefix: lane(), size: 10, fromRetry: true, ack: undefined });
    expect(t3.items).toEqual(['q']);
    const t4 = await wq.take({ nodeId: node, lanePrefix: lane(), size: 10, fromRetry: true, ack: { batchKey: t3.batchKey, results: ['Q'] } });
    expect(t4.ack).toBe('acked');
    expect(t4.source).toBe('wait');
    expect(await redis.hgetall(wq.keys.attempts)).toEqual({ p: '2' });
    const s = await wq.stats();
    expect(s).toMatchObject({ dead: 1, requeued: 3, processed: 1, retry: 0 });
    expect(s.lastReapMs).toBeGreaterThan(0);
    expect(await admin.requeueDead(queue)).toBe(1);
    expect(await redis.lrange(queue, 0, -1)).toEqual(['p']);
    expect(await redis.hgetall(wq.keys.attempts)).toEqual({});
  });

  it('hand-back returns fresh items to the right end and failed ones to retry, without an attempt', async () => {
    await pushItems(redis, queue, range(1, 5));
    const t = await wq.take({ nodeId: node, lanePrefix: lane(), size: 3 });
    await redis.hset(wq.keys.attempts, '2', '1');
    expect(await wq.handBack([t.batchKey])).toEqual({ batches: 1, items: 3 });
    expect(await redis.lrange(queue, 0, -1)).toEqual(['5', '4', '3', '1']);
    expect(await redis.lrange(wq.keys.retry, 0, -1)).toEqual(['2']);
    expect(await redis.hget(wq.keys.attempts, '2')).toBe('1');
    const again = await wq.take({ nodeId: node, lanePrefix: lane(), size: 2 });
    expect(again.items).toEqual(['1', '3']);
  });

  it('requeues or hands back by slot prefix, with and without the run id', async () => {
    await pushItems(redis, queue, range(1, 6));
    const a = await wq.take({ nodeId: node, lanePrefix: lane('r1', 0), size: 2 });
    const b = await wq.take({ nodeId: node, lanePrefix: lane('r1', 1), size: 2 });
    const c = await wq.take({ nodeId: node, lanePrefix: lane('r2', 0), size: 2 });
    expect(await admin.requeueSlot(queue, node, 0, 'r1')).toEqual({ batches: 2, items: 4, dead: 0 });
    expect(await redis.exists(a.batchKey, b.batchKey)).toBe(0);
    expect(await redis.exists(c.batchKey)).toBe(1);
    expect(await admin.handBackSlot(queue, node, 0)).toEqual({ batches: 1, items: 2, dead: 0 });
    expect(await redis.lrange(queue, 0, -1)).toEqual(['6', '5']);
    expect(await redis.llen(wq.keys.retry)).toBe(4);
    // Instance 1 is not a prefix match of instance 11.
    const d = await wq.take({ nodeId: node, lanePrefix: new QueueKeys(queue).lanePrefix({ nodeId: node, instance: 11, runId: 'r', lane: 0 }), size: 1 });
    expect(await admin.requeueSlot(queue, node, 1)).toEqual({ batches: 0, items: 0, dead: 0 });
    expect(await redis.exists(d.batchKey)).toBe(1);
  });

  it('reaps expired leases (take heals some too); an expired empty batch is housekeeping', async () => {
    await wq.writeConfig({ leaseS: 1, batchTimeoutS: 10, maxAttempts: 3 });
    await pushItems(redis, queue, range(1, 4));
    const a = await wq.take({ nodeId: node, lanePrefix: lane('r1'), size: 2 });
    const b = await wq.take({ nodeId: node, lanePrefix: lane('r2'), size: 2 });
    const w = await wq.take({ nodeId: node, lanePrefix: lane('r3'), size: 2, blockMs: 0 });
    expect(w.source).toBe('wait');
    await new Promise((r) => setTimeout(r, 1100));
    const healed = await wq.take({ nodeId: node, lanePrefix: lane('r4'), size: 2 });
    expect(healed.healed).toBe(2);
    // The expired waiting key was dropped as housekeeping, not counted.
    expect(await redis.zscore(wq.keys.leases, w.batchKey)).toBeNull();
    expect(healed.items).toEqual([]);
    expect(healed.retryLength).toBe(4);
    expect(await redis.exists(a.batchKey, b.batchKey)).toBe(0);
    const s = await wq.stats();
    expect(s.requeued).toBe(4);
    await redis.lpush(queue, '9');
    const c = await wq.take({ nodeId: node, lanePrefix: lane('r5'), size: 2 });
    await new Promise((r) => setTimeout(r, 1100));
    const reaped = await admin.reapExpired(queue);
    expect(reaped).toMatchObject({ batches: 1, items: 1 });
    expect(await redis.exists(c.batchKey)).toBe(0);
    // Only the waiting key r4 got (leased for block time + lease_s) is left.
    expect(await redis.zrange(wq.keys.leases, 0, -1)).toEqual([healed.batchKey]);
    expect((await wq.stats()).requeued).toBe(5);
  });

  it('take and reap heal an expired lease on a key of another type alike: lease and taken go, the key stays', async () => {
    // Both scripts share includes/heal.lua; before, take kept the taken entry (it leaked for
    // good) while reap dropped it only from the leases.
    for (const heal of ['take', 'reap'] as const) {
      const foreign = `${lane(`x-${heal}`)}1`;
      await redis.set(foreign, 'not a list');
      await redis.zadd(wq.keys.leases, Date.now() - 1000, foreign);
      await redis.hset(wq.keys.taken, foreign, Date.now() - 2000);
      if (heal === 'take') {
        const r = await wq.take({ nodeId: node, size: 1 });
        expect(r).toMatchObject({ ack: 'none', healed: 0 });
      } else {
        expect(await wq.reapExpired()).toEqual({ batches: 0, items: 0, dead: 0, dropped: 1 });
      }
      expect(await redis.zscore(wq.keys.leases, foreign)).toBeNull();
      expect(await redis.hexists(wq.keys.taken, foreign)).toBe(0);
      expect(await redis.get(foreign)).toBe('not a list');
      expect((await wq.stats()).requeued).toBe(0);
      await redis.del(foreign);
    }
  });

  it('scans for batch lists without a lease older than lease_s', async () => {
    // OBJECT IDLETIME counts in whole seconds of Redis's LRU clock: a list made a moment ago may
    // already read 1, so the lease here is 2 s.
    await wq.writeConfig({ leaseS: 2, batchTimeoutS: 10, maxAttempts: 3 });
    const k = new QueueKeys(queue);
    const orphan = `${lane('dead')}7`;
    await redis.rpush(orphan, 'o1', 'o2');
    const fresh = await (async () => {
      await redis.lpush(queue, 'f');
      return wq.take({ nodeId: node, lanePrefix: lane('live'), size: 1 });
    })();
    expect((await admin.scanOrphanBatches(queue)).batches).toBe(0);
    await new Promise((r) => setTimeout(r, 3100));
    await wq.renew(fresh.batchKey);
    const r = await admin.scanOrphanBatches(queue);
    expect(r).toMatchObject({ batches: 1, items: 2 });
    expect(await redis.exists(orphan)).toBe(0);
    expect(await redis.lrange(k.retry, 0, -1)).toEqual(['o2', 'o1']);
    expect(await redis.exists(fresh.batchKey)).toBe(1);
  });

  it('refuses an output key of the wrong type with a typed error and writes nothing', async () => {
    await redis.hset(output, 'x', '1');
    await pushItems(redis, queue, ['1', '2']);
    const t = await wq.take({ nodeId: node, lanePrefix: lane(), size: 2 });
    const err = await wq.take({ nodeId: node, lanePrefix: lane(), size: 2, ack: { batchKey: t.batchKey, results: ['a', 'b'] } }).catch((e) => e);
    expect(err).toBeInstanceOf(WrongKeyTypeError);
    expect(err.message).toContain(output);
    expect(err.message).toContain('output queue');
    expect(await redis.lrange(t.batchKey, 0, -1)).toEqual(['1', '2']);
    expect(await redis.zscore(wq.keys.leases, t.batchKey)).not.toBeNull();
    expect((await wq.stats()).processed).toBe(0);
  });

  it('refuses a wrong result count and a wrong-typed input, writing nothing', async () => {
    await pushItems(redis, queue, ['1', '2']);
    const t = await wq.take({ nodeId: node, lanePrefix: lane(), size: 2 });
    await expect(wq.ack(t.batchKey, node, { results: ['only-one'] })).rejects.toBeInstanceOf(ResultCountMismatchError);
    expect(await redis.llen(t.batchKey)).toBe(2);
    const bad = randomQueue('bad');
    await redis.set(bad, 'x');
    await expect(new WorkQueue(client, bad, { outputQueue: output }).take({ nodeId: node, lanePrefix: new QueueKeys(bad).lanePrefix({ nodeId: node, instance: 0, runId: 'r', lane: 0 }) })).rejects.toBeInstanceOf(WrongKeyTypeError);
    expect(await redis.exists(new QueueKeys(bad).seq)).toBe(0);
    await redis.del(bad);
  });

  it('a batch-1 take that acks the previous batch costs one LMOVE and no seq read inside Redis', async () => {
    await pushItems(redis, queue, ['1', '2', '3']);
    const first = await wq.take({ nodeId: node, lanePrefix: lane(), size: 1 });
    await redis.config('RESETSTAT');
    const second = await wq.take({ nodeId: node, lanePrefix: lane(), size: 1, ack: { batchKey: first.batchKey, results: ['a'] } });
    const calls = (await redis.info('commandstats')).split('\r\n').filter((l) => l.startsWith('cmdstat_'));
    const count = (cmd: string) => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`).exec(calls.find((l) => l.startsWith(`cmdstat_${cmd}:`)) ?? '')?.[1] ?? 0);
    expect({ get: count('get'), lmove: count('lmove'), rpop: count('rpop'), rpush: count('rpush'), incr: count('incr') }).toEqual({ get: 0, lmove: 1, rpop: 0, rpush: 0, incr: 1 });
    expect(second).toMatchObject({ ack: 'acked', items: ['2'], source: 'input' });
    expect(await redis.lrange(second.batchKey, 0, -1)).toEqual(['2']);
    expect(await redis.lrange(output, 0, -1)).toEqual(['a']);
    // A batch of more than one item still comes in order, oldest first.
    await pushItems(redis, queue, ['4', '5']);
    const third = await wq.take({ nodeId: node, lanePrefix: lane(), size: 3, ack: { batchKey: second.batchKey, results: ['b'] } });
    expect(third.items).toEqual(['3', '4', '5']);
    expect(await redis.lrange(third.batchKey, 0, -1)).toEqual(['3', '4', '5']);
  });

  it('refuses a P:seq that is not an integer (or not a string), writing nothing', async () => {
    await pushItems(redis, queue, ['1', '2']);
    const first = await wq.take({ nodeId: node, lanePrefix: lane(), size: 1 });
    for (const spoil of [() => redis.set(wq.keys.seq, 'x'), () => redis.del(wq.keys.seq).then(() => redis.hset(wq.keys.seq, 'f', '1'))]) {
      await spoil();
      const err = await wq.take({ nodeId: node, lanePrefix: lane(), size: 1, ack: { batchKey: first.batchKey, results: ['a'] } }).catch((e) => e);
      expect(err).toBeInstanceOf(WrongKeyTypeError);
      expect(err.message).toContain(wq.keys.seq);
      expect(await redis.lrange(first.batchKey, 0, -1)).toEqual(['1']);
      expect(await redis.lrange(queue, 0, -1)).toEqual(['2']);
      expect(await redis.llen(output)).toBe(0);
      expect((await wq.stats()).processed).toBe(0);
    }
  });

  it('acks by count in at-least-once mode (results pushed by the caller)', async () => {
    const alo = new WorkQueue(client, queue, { exactlyOnce: false });
    await pushItems(redis, queue, ['1', '2']);
    const t = await alo.take({ nodeId: node, lanePrefix: lane(), size: 2 });
    await redis.lpush(output, 'a', 'b');
    const next = await alo.take({ nodeId: node, lanePrefix: lane(), size: 2, ack: { batchKey: t.batchKey, count: 2 } });
    expect(next.ack).toBe('acked');
    expect((await alo.stats()).processed).toBe(2);
    expect(await redis.llen(queue)).toBe(0);
  });

  it('reloads scripts after SCRIPT FLUSH (NOSCRIPT) and runs them once', async () => {
    await pushItems(redis, queue, ['1']);
    await redis.script('FLUSH');
    const t = await wq.take({ nodeId: node, lanePrefix: lane(), size: 5 });
    expect(t.items).toEqual(['1']);
    expect(await redis.llen(queue)).toBe(0);
    expect(await redis.zcard(wq.keys.leases)).toBe(1);
    const [loaded] = (await redis.script('EXISTS', wq.scripts.script('take').sha)) as number[];
    expect(loaded).toBe(1);
  });

  it('writeConfig checks its values before writing', async () => {
    await expect(admin.writeConfig(queue, { leaseS: 0 })).rejects.toThrow(/lease_s/);
    expect(await redis.exists(wq.keys.config)).toBe(0);
    expect(await admin.writeConfig(queue, { maxAttempts: 5, batchTimeoutS: 120 })).toEqual({ leaseS: 60, batchTimeoutS: 120, maxAttempts: 5 });
    expect((await admin.stats(queue)).config).toEqual({ leaseS: 60, batchTimeoutS: 120, maxAttempts: 5 });
  });

  it('writeConfig keeps the run id stats reads back, and refuses a bad one having written nothing', async () => {
    expect((await admin.stats(queue)).configRunId).toBeNull();
    await expect(admin.writeConfig(queue, {}, 'bad id!')).rejects.toThrow(/run_id/);
    await expect(admin.writeConfig(queue, {}, 'x'.repeat(65))).rejects.toThrow(/run_id/);
    expect(await redis.exists(wq.keys.config)).toBe(0);
    await admin.writeConfig(queue, { maxAttempts: 4 }, '3f2b9c1e-0000-4000-8000-000000000001');
    expect((await admin.stats(queue)).configRunId).toBe('3f2b9c1e-0000-4000-8000-000000000001');
    await admin.writeConfig(queue, { maxAttempts: 6 });
    expect(await redis.hgetall(wq.keys.config)).toMatchObject({ max_attempts: '6', run_id: '3f2b9c1e-0000-4000-8000-000000000001' });
    await redis.del(wq.keys.config);
    expect((await admin.stats(queue)).configRunId).toBeNull();
  });
});
