import Redis from 'ioredis';
import request from 'supertest';
import { QueueKeys, WorkQueue } from '@gridcore/queue';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { RedisWithClient, startRedisWithClient } from '../support/hub-with-redis';
import { RunningRedis, startRedis } from '../support/redis-server';
import { openSse } from '../support/sse';
import { freePort, waitFor } from '../support/ports';
import { workerTaskBody } from '../support/task-body';

const admin = bearer(TOKENS.admin);

/** Per-node counts are reported for registered nodes only (issue 14): the in-process workers' ids. */
async function registerNodes(hubUrl: string, ...ids: string[]): Promise<void> {
  for (const node_id of ids) {
    await request(hubUrl).post('/gridnode/register').set(bearer(TOKENS.node)).send({ node_id, hostname: `h-${node_id}`, architecture: 'x86_64', cpu_count: 1 }).expect(200);
  }
}

/** A worker of the reliable protocol, in-process: takes batches of `size`, acks n → n:sqrt(n). */
async function work(client: Redis, queue: string, output: string, nodeId: string, batches: number, size = 100): Promise<number> {
  const q = new WorkQueue(client, queue, { outputQueue: output });
  const lanePrefix = q.keys.lanePrefix({ nodeId, instance: 0, runId: 'run1', lane: 0 });
  let done = 0;
  let previous: { batchKey: string; results: string[] } | undefined;
  for (let i = 0; i < batches; i++) {
    const reply = await q.take({ ack: previous, lanePrefix, nodeId, size });
    previous = undefined;
    if (reply.items.length === 0) break;
    previous = { batchKey: reply.batchKey, results: reply.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) };
    done += reply.items.length;
  }
  if (previous) await q.take({ ack: previous, nodeId });
  return done;
}

describe('the hub and a task\'s queues (SPEC §2.3, §4) on a real redis-server', () => {
  let redis: RunningRedis;
  let client: Redis;
  let hub: TestHub;

  let store: RedisWithClient | undefined;

  beforeAll(async () => {
    ({ redis, client } = store = await startRedisWithClient());
  });
  afterAll(() => store?.close());
  afterEach(() => hub?.close());

  const task = (name: string, queue: string, extra: object = {}) => workerTaskBody(redis.url, name, queue, extra);

  it('writes P:config on start, samples progress, auto-finishes and starts the next task, saying so on SSE', async () => {
    hub = await startTestHub({ progress_interval_s: 0.2, cleanup_interval_s: 0.2 });
    await registerNodes(hub.url, 'node-a', 'node-b');
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    await client.lpush('p1:in', ...Array.from({ length: 1000 }, (_, i) => String(i + 1)));
    await request(hub.url).post('/api/tasks').set(admin).send(task('p1', 'p1', { auto_finish: true, auto_finish_grace_s: 1, max_attempts: 5, batch_timeout_s: 120 })).expect(201);
    await request(hub.url).post('/api/tasks').set(admin).send(task('p2', 'p2')).expect(201);
    await waitFor(async () => (await client.hgetall(new QueueKeys('p1:in').config)).max_attempts === '5', 3000, 'P:config written');
    expect(await client.hgetall(new QueueKeys('p1:in').config)).toMatchObject({ lease_s: '60', batch_timeout_s: '120' });

    const pendingBefore = await waitFor(async () => (await request(hub.url).get('/api/tasks/p1').set(admin)).body.progress, 3000, 'first sample');
    expect(pendingBefore).toMatchObject({ pending: 1000, in_flight: 0, done: 0, error: null });

    expect(await work(client, 'p1:in', 'p1:out', 'node-a', 6)).toBe(600);
    expect(await work(client, 'p1:in', 'p1:out', 'node-b', 10)).toBe(400);
    const progress = await waitFor(async () => {
      const p = (await request(hub.url).get('/api/tasks/p1').set(admin)).body.progress;
      return p?.done === 1000 && p;
    }, 3000, 'progress reaching 1000');
    expect(progress).toMatchObject({ pending: 0, in_flight: 0, dead: 0, output_length: 1000, eta_s: 0, per_node: { 'node-a': 600, 'node-b': 400 } });

    const list = await waitFor(async () => {
      const body = (await request(hub.url).get('/api/tasks').set(admin)).body;
      return body.current === 'p2' && body;
    }, 5000, 'auto-finish switching to p2');
    const p1 = list.tasks.find((t: { name: string }) => t.name === 'p1');
    expect(p1).toMatchObject({ status: 'completed', completed_by: 'auto_finish', left: { pending: 0, in_flight: 0 } });
    const finished = sse.events.find((e) => e.type === 'task.finished');
    expect((finished?.data as { data: { name: string; completed_by: string } }).data).toMatchObject({ name: 'p1', completed_by: 'auto_finish' });
    expect(sse.events.some((e) => e.type === 'progress')).toBe(true);
    sse.close();
  });

  it('does not auto-finish while items wait or are in flight, nor before the grace', async () => {
    hub = await startTestHub({ progress_interval_s: 0.1, auto_finish: true, auto_finish_grace_s: 0.8 });
    await client.lpush('p3:in', '1', '2', '3');
    await request(hub.url).post('/api/tasks').set(admin).send(task('p3', 'p3')).expect(201);
    const q = new WorkQueue(client, 'p3:in', { outputQueue: 'p3:out' });
    const held = await q.take({ lanePrefix: q.keys.lanePrefix({ nodeId: 'n', instance: 0, runId: 'r', lane: 0 }), nodeId: 'n', size: 10 });
    expect(held.items).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await request(hub.url).get('/api/tasks').set(admin)).body.current).toBe('p3');
    await q.take({ ack: { batchKey: held.batchKey, results: ['a', 'b', 'c'] }, nodeId: 'n' });
    const started = Date.now();
    await waitFor(async () => (await request(hub.url).get('/api/tasks').set(admin)).body.current === null, 4000, 'auto-finish');
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('reaps expired leases in its cleanup, reports what finish left, and requeues dead items', async () => {
    hub = await startTestHub({ cleanup_interval_s: 0.2, progress_interval_s: 0.2 });
    await client.lpush('p4:in', ...Array.from({ length: 50 }, (_, i) => String(i)));
    await request(hub.url).post('/api/tasks').set(admin).send(task('p4', 'p4')).expect(201);
    const q = new WorkQueue(client, 'p4:in', { outputQueue: 'p4:out' });
    const held = await q.take({ lanePrefix: q.keys.lanePrefix({ nodeId: 'gone', instance: 0, runId: 'r', lane: 0 }), nodeId: 'gone', size: 20 });
    // The node vanished: its lease runs out (moved into the past here instead of waiting 60 s).
    await client.zadd(q.keys.leases, '1', held.batchKey);
    await waitFor(async () => (await client.llen(q.keys.retry)) === 20, 3000, 'expired lease requeued by the hub');
    expect(await client.exists(held.batchKey)).toBe(0);

    await client.rpush(q.keys.dead, 'bad-1', 'bad-2');
    const requeued = await request(hub.url).post('/api/tasks/p4/dead/requeue').set(admin).expect(200);
    expect(requeued.body).toEqual({ requeued: 2 });
    expect(await client.llen(q.keys.dead)).toBe(0);
    await request(hub.url).post('/api/tasks/p4/dead/requeue').set(bearer(TOKENS.viewer)).expect(403);

    const finish = await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    expect(finish.body.left).toEqual({ pending: 52, in_flight: 0 });
    const record = (await request(hub.url).get('/api/tasks/p4').set(admin)).body;
    expect(record.left).toEqual({ pending: 52, in_flight: 0 });
  });

  it('a manual finish (finish {name}, /:name/finish, next) announces the run with what it left: the event and a GET sent as it arrives carry it', async () => {
    hub = await startTestHub({ progress_interval_s: 0.2 });
    // Each read starts the moment task.finished reaches the stream, as the dashboard refetches then.
    const readsOnFinish: Array<Promise<request.Response>> = [];
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer, (event) => {
      const name = (event.data as { data: { name: string } }).data.name;
      if (event.type === 'task.finished') readsOnFinish.push(request(hub.url).get(`/api/tasks/${name}`).set(admin).then((r) => r));
    });
    await sse.ready;
    const routes: Array<[string, () => request.Test]> = [
      ['mf1', () => request(hub.url).post('/api/tasks/finish').set(admin).send({ name: 'mf1' })],
      ['mf2', () => request(hub.url).post('/api/tasks/mf2/finish').set(admin)],
      ['mf3', () => request(hub.url).post('/api/tasks/next').set(admin).send({ name: 'mf3' })],
    ];
    for (const [i, name] of ['mf1', 'mf2', 'mf3', 'mf4'].entries()) {
      await client.lpush(`${name}:in`, ...Array.from({ length: 30 + i }, (_, n) => String(n)));
      await request(hub.url).post('/api/tasks').set(admin).send(task(name, name)).expect(201);
    }
    for (const [i, [name, finish]] of routes.entries()) {
      const q = new WorkQueue(client, `${name}:in`, { outputQueue: `${name}:out` });
      await q.take({ lanePrefix: q.keys.lanePrefix({ nodeId: 'n', instance: 0, runId: 'r', lane: 0 }), nodeId: 'n', size: 5 });
      const left = { pending: 25 + i, in_flight: 5 };
      await finish().expect(200);
      const finished = await waitFor(async () => sse.events.find((e) => e.type === 'task.finished' && (e.data as { data: { name: string } }).data.name === name), 3000, `task.finished of ${name}`);
      expect((finished.data as { data: unknown }).data).toMatchObject({ name, status: 'completed', left });
      const read = (await readsOnFinish[i]).body;
      expect(read).toMatchObject({ name, status: 'completed', left, progress: { pending: 25 + i, in_flight: 5 } });
    }
    expect(readsOnFinish).toHaveLength(3);
    sse.close();
  });

  it('refuses a queue whose key prefix collides with a held task\'s, and queue names with stray braces', async () => {
    hub = await startTestHub();
    await request(hub.url).post('/api/tasks').set(admin).send({ ...task('c1', 'c'), input_queue: 'x' }).expect(201);
    const clash = await request(hub.url).post('/api/tasks').set(admin).send({ ...task('c2', 'c'), input_queue: '{x}' }).expect(409);
    expect(clash.body.message).toMatch(/\{x\}/);
    await request(hub.url).post('/api/tasks').set(admin).send({ ...task('c3', 'c'), input_queue: 'x' }).expect(201);
    const braces = await request(hub.url).post('/api/tasks').set(admin).send({ ...task('c4', 'c'), input_queue: 'a}b' }).expect(400);
    expect(braces.body.message).toMatch(/a\}b/);
    expect((await request(hub.url).get('/api/tasks').set(admin)).body.pending).toEqual(['c3']);
  });

  it('keeps a completed task\'s final progress across a hub restart', async () => {
    hub = await startTestHub({ progress_interval_s: 0.2 });
    await registerNodes(hub.url, 'node-f');
    await client.lpush('p5:in', ...Array.from({ length: 300 }, (_, i) => String(i + 1)));
    await request(hub.url).post('/api/tasks').set(admin).send(task('p5', 'p5')).expect(201);
    expect(await work(client, 'p5:in', 'p5:out', 'node-f', 2)).toBe(200);
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    const stateDir = hub.stateDir;
    await hub.close();
    hub = await startTestHub({ state_dir: stateDir });
    const record = (await request(hub.url).get('/api/tasks/p5').set(admin)).body;
    expect(record).toMatchObject({ status: 'completed', left: { pending: 100, in_flight: 0 } });
    expect(record.progress).toMatchObject({ done: 200, pending: 100, in_flight: 0, dead: 0, per_node: { 'node-f': 200 } });
  });

  it('writes P:config once a Redis that was away at the start comes up', async () => {
    const port = await freePort();
    hub = await startTestHub({ progress_interval_s: 0.2 });
    await request(hub.url).post('/api/tasks').set(admin).send({ ...task('late', 'late'), input_redis: `redis://127.0.0.1:${port}`, max_attempts: 7 }).expect(201);
    await new Promise((r) => setTimeout(r, 600));
    const late = await startRedis({ port });
    const lateClient = new Redis(late.url);
    try {
      await waitFor(async () => (await lateClient.hget(new QueueKeys('late:in').config, 'max_attempts')) === '7', 8000, 'P:config written late');
    } finally {
      lateClient.disconnect();
      await late.stop();
    }
  });

  it('shows an unreachable Redis as an error in the task record and keeps serving', async () => {
    const dead = await startRedis();
    hub = await startTestHub({ progress_interval_s: 0.2, cleanup_interval_s: 0.2 });
    await request(hub.url).post('/api/tasks').set(admin).send({ ...task('down', 'down'), input_redis: dead.url }).expect(201);
    await dead.stop();
    const progress = await waitFor(async () => (await request(hub.url).get('/api/tasks/down').set(admin)).body.progress?.error, 8000, 'error in progress');
    expect(progress).toMatch(/Redis redis:\/\/127\.0\.0\.1:\d+/);
    const started = Date.now();
    await request(hub.url).get('/api/tasks').set(admin).expect(200);
    await request(hub.url).post('/api/tasks/down/dead/requeue').set(admin).expect(503);
    const finish = await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    expect(finish.body.left).toBeNull();
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
