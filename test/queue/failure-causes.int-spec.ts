/**
 * Issue 19.1 on a real redis-server: every requeue with an attempt records each item's cause in
 * P:causes (with node, instance, run and Redis time), a dead item keeps its last one, and it goes
 * with the item when the item is requeued from dead or the task's keys are cleared.
 */
import Redis from 'ioredis';
import type { RunningRedis } from '../support/redis-server';
import { decodeCause, encodeCause, MAX_CAUSE_BYTES, QueueAdmin, QueueKeys, RedisClient, WorkQueue, WrongKeyTypeError } from '@gridcore/queue';
import { cleanupQueue, pushItems, randomQueue, range, sharedRedisServer } from './helpers/queue-test';

describe('failure causes (P:causes) on a real redis-server', () => {
  let server: RunningRedis;
  let redis: Redis;
  let client: RedisClient;
  let queue: string;
  let keys: QueueKeys;
  let admin: QueueAdmin;
  const lane = (node = 'n1', run = 'r1') => keys.lanePrefix({ nodeId: node, instance: 2, runId: run, lane: 0 });
  const wq = (maxAttempts = 1) => new WorkQueue(client, queue, { outputQueue: `${queue}:out`, defaults: { maxAttempts, leaseS: 1, batchTimeoutS: 1 } });
  const causeOf = async (item: string) => decodeCause(await redis.hget(keys.causes, item));

  const shared = sharedRedisServer();
  beforeAll(() => void ({ server, redis, client } = shared));
  beforeEach(() => {
    queue = randomQueue('causes');
    keys = new QueueKeys(queue);
    admin = new QueueAdmin(client);
  });
  afterEach(() => cleanupQueue(redis, queue, `${queue}:out`));

  it('requeue records the cause per item with where and when; the last attempt wins; dead items keep it', async () => {
    await pushItems(redis, queue, range(1, 4));
    const q = wq(2);
    const t1 = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 4 });
    const before = Date.now();
    await q.requeue([t1.batchKey], { kind: 'error', message: 'value 1 too big' });
    const first = await causeOf('1');
    expect(first).toMatchObject({ kind: 'error', message: 'value 1 too big', node: 'n1', instance: '2', run: 'r1' });
    expect(Math.abs(first!.at! - before)).toBeLessThan(5000);
    // Second attempt on another node: dead now, with that attempt's cause.
    const t2 = await q.take({ nodeId: 'n7', lanePrefix: lane('n7', 'r9'), size: 4, fromRetry: false });
    const t2b = t2.items.length ? t2 : await q.take({ nodeId: 'n7', lanePrefix: lane('n7', 'r9'), size: 4, fromRetry: true });
    await q.requeue([t2b.batchKey], { kind: 'hung', message: 'hung past batch_timeout_s (1 s)', image: 'sha256:abc' });
    expect(await redis.llen(keys.dead)).toBe(t2b.items.length);
    for (const item of t2b.items) expect(await causeOf(item)).toMatchObject({ kind: 'hung', node: 'n7', run: 'r9', image: 'sha256:abc' });
    const dead = await admin.deadWithCauses(queue);
    expect(dead.total).toBe(t2b.items.length);
    expect(dead.items.every((d) => d.cause?.kind === 'hung')).toBe(true);
  });

  it('a requeue without a cause records none (old callers); requeue-by-slot records the node\'s cause', async () => {
    await pushItems(redis, queue, range(1, 6));
    const q = wq(1);
    const a = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 3 });
    await q.requeue([a.batchKey]);
    expect(await redis.hlen(keys.causes)).toBe(0);
    const b = await q.take({ nodeId: 'n1', lanePrefix: lane('n1', 'r2'), size: 3 });
    await admin.requeueSlot(queue, 'n1', 2, 'r2', { kind: 'exit', message: 'container exited with code 3', exit_code: 3, logs: 'Traceback\nValueError: 4' });
    for (const item of b.items) expect(await causeOf(item)).toMatchObject({ kind: 'exit', exit_code: 3, logs: 'Traceback\nValueError: 4', node: 'n1', run: 'r2' });
    // A hand-back costs no attempt and records nothing.
    await pushItems(redis, queue, ['x']);
    await q.take({ nodeId: 'n1', lanePrefix: lane('n1', 'r3'), size: 1 });
    await admin.handBackSlot(queue, 'n1', 2, 'r3');
    expect(await redis.hexists(keys.causes, 'x')).toBe(0);
  });

  it('the reaper records hung past batch_timeout_s for an expired lease taken that long ago', async () => {
    await admin.writeConfig(queue, { leaseS: 1, batchTimeoutS: 1, maxAttempts: 1 });
    await pushItems(redis, queue, ['h1', 'h2']);
    const q = wq(1);
    await q.take({ nodeId: 'n3', lanePrefix: lane('n3'), size: 2 });
    await new Promise((r) => setTimeout(r, 1300));
    expect((await admin.reapExpired(queue)).items).toBe(2);
    expect(await causeOf('h1')).toMatchObject({ kind: 'hung', message: 'hung past batch_timeout_s (1 s)', node: 'n3', by: 'reaper' });
  });

  it('requeue-dead clears causes; requeue-dead-items moves only the given items; clearing the keys removes P:causes', async () => {
    await pushItems(redis, queue, range(1, 6));
    const q = wq(1);
    const t = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 6 });
    await q.requeue([t.batchKey], { kind: 'error', message: 'boom' });
    expect(await redis.llen(keys.dead)).toBe(6);
    expect(await admin.requeueDeadItems(queue, ['2', '4', 'not-dead', '2'])).toBe(2);
    expect((await redis.lrange(keys.dead, 0, -1)).sort()).toEqual(['1', '3', '5', '6']);
    expect((await redis.lrange(queue, 0, -1)).sort()).toEqual(['2', '4']);
    expect(await redis.hexists(keys.causes, '2')).toBe(0);
    expect(await redis.hexists(keys.attempts, '2')).toBe(0);
    expect(await redis.hexists(keys.causes, '1')).toBe(1);
    expect(await admin.requeueDead(queue)).toBe(4);
    expect(await redis.hlen(keys.causes)).toBe(0);
    const t2 = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 6 });
    await q.requeue([t2.batchKey], { kind: 'error', message: 'boom' });
    expect(await redis.exists(keys.causes)).toBe(1);
    await admin.clearProtocolKeys(queue);
    expect(await redis.exists(keys.causes)).toBe(0);
  });

  it('the causes of items that succeeded after a failed attempt are pruned; a dead item keeps its cause', async () => {
    await pushItems(redis, queue, ['ok-later', 'dies']);
    const q = wq(2);
    const t = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 2 });
    await q.requeue([t.batchKey], { kind: 'error', message: 'flaky' });
    // 'dies' fails again (dead), 'ok-later' succeeds: its ack clears its attempts, not its cause.
    const a = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 1, fromRetry: true });
    const b = await q.take({ nodeId: 'n1', lanePrefix: lane('n1', 'r2'), size: 1, fromRetry: true });
    const [okKey, dieKey] = a.items[0] === 'ok-later' ? [a.batchKey, b.batchKey] : [b.batchKey, a.batchKey];
    await q.ack(okKey, 'n1', { results: ['done'] });
    await q.requeue([dieKey], { kind: 'error', message: 'still bad' });
    expect(await redis.hlen(keys.causes)).toBe(2);
    let cursor = '0';
    let pruned = 0;
    do {
      const step = await admin.pruneCauses(queue, cursor);
      cursor = step.cursor;
      pruned += step.pruned;
    } while (cursor !== '0');
    expect(pruned).toBe(1);
    expect(await redis.hkeys(keys.causes)).toEqual(['dies']);
    expect(await causeOf('dies')).toMatchObject({ message: 'still bad' });
  });

  it('a cause is cut at 4 KiB by the sender and refused above it by the scripts; a wrong key type writes nothing', async () => {
    const long = encodeCause({ kind: 'exit', message: 'm'.repeat(3000), logs: `${'old line\n'.repeat(1000)}the last line` });
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_CAUSE_BYTES);
    expect(JSON.parse(long).logs).toMatch(/the last line$/);
    await pushItems(redis, queue, range(1, 2));
    const q = wq(1);
    const t = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 2 });
    const client2 = client as unknown as Redis;
    const script = q.scripts.script('requeue');
    const reply = await client2.evalsha(script.sha, 8, ...q.keysOf('requeue'), '1', JSON.stringify({ kind: 'error', message: 'x'.repeat(5000) }), t.batchKey);
    expect(reply).toEqual([-14, 'cause over 4096 bytes']);
    await expect(q.requeue([t.batchKey], { kind: 'error', message: 'x'.repeat(5000) })).resolves.toMatchObject({ items: 2 });
    expect((await causeOf('1'))!.message.length).toBeLessThan(4096);
    await redis.set(keys.causes, 'not a hash');
    await pushItems(redis, queue, ['z']);
    const z = await q.take({ nodeId: 'n1', lanePrefix: lane(), size: 1 });
    await expect(q.requeue([z.batchKey], { kind: 'error', message: 'boom' })).rejects.toBeInstanceOf(WrongKeyTypeError);
    expect(await redis.lrange(z.batchKey, 0, -1)).toEqual(['z']);
  });
});
