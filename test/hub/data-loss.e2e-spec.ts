import Redis from 'ioredis';
import request from 'supertest';
import { QueueKeys, WorkQueue } from '@gridcore/queue';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { freePort, waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { openSse } from '../support/sse';

const admin = bearer(TOKENS.admin);
const SAMPLE_S = 0.2;

/** Takes and acks `batches` batches of 50 as one worker slot would. */
async function work(client: Redis, queue: string, batches: number): Promise<number> {
  const q = new WorkQueue(client, queue, { outputQueue: `${queue}:out` });
  const lanePrefix = q.keys.lanePrefix({ nodeId: 'n1', instance: 0, runId: 'r1', lane: 0 });
  let done = 0;
  for (let i = 0; i < batches; i++) {
    const reply = await q.take({ lanePrefix, nodeId: 'n1', size: 50 });
    if (!reply.items.length) break;
    await q.ack(reply.batchKey, 'n1', { results: reply.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) });
    done += reply.items.length;
  }
  return done;
}

type EventData = { data: { name: string; id: string; data_loss: { detected_at: string; reason: string } | null } };

/**
 * Issue 14, fault 10: a Redis that comes back empty (restart without persistence, FLUSHALL) is
 * noticed through P:config's run id; the task is flagged, auto-finish waits for the operator.
 */
describe('a task whose Redis lost its queue (P:config run id)', () => {
  jest.setTimeout(60_000);
  let hub: TestHub | undefined;
  let redis: RunningRedis | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    await hub?.close();
    await redis?.stop();
    hub = redis = client = undefined;
  });

  const task = (name: string, url: string, extra: object = {}) => ({
    name,
    image: 'img:worker',
    input_redis: url,
    input_queue: `${name}:in`,
    output_queue: `${name}:out`,
    ...extra,
  });
  const record = async (name: string) => (await request(hub!.url).get(`/api/tasks/${name}`).set(admin).expect(200)).body;

  it('a redis-server restarted without persistence mid-run: flagged within two samples, no auto-finish, acknowledged by the operator', async () => {
    const port = await freePort();
    redis = await startRedis({ port });
    client = new Redis(redis.url);
    hub = await startTestHub({ progress_interval_s: SAMPLE_S });
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    await client.lpush('dl1:in', ...Array.from({ length: 500 }, (_, i) => String(i + 1)));
    const created = await request(hub.url).post('/api/tasks').set(admin).send(task('dl1', redis.url, { auto_finish: true, auto_finish_grace_s: 1 })).expect(201);
    await request(hub.url).post('/api/tasks').set(admin).send(task('dl2', redis.url)).expect(201);
    const config = new QueueKeys('dl1:in').config;
    await waitFor(async () => (await client!.hget(config, 'run_id')) === created.body.id, 3000, 'P:config with the run id');
    expect(await work(client, 'dl1:in', 4)).toBe(200);
    await waitFor(async () => (await record('dl1')).progress?.done === 200, 3000, 'a sample of 200 done');
    expect((await record('dl1')).data_loss).toBeNull();

    // The server dies and comes back on its port with nothing: its 300 pending items are gone.
    await redis.stop();
    client.disconnect();
    redis = await startRedis({ port });
    client = new Redis(redis.url);
    const back = Date.now();
    const flagged = await waitFor(async () => (await record('dl1')).data_loss, 5000, 'the loss flagged');
    const afterMs = Date.now() - back;
    console.log(`data loss flagged ${afterMs} ms after the empty redis-server came back (samples every ${SAMPLE_S * 1000} ms)`);
    // The hub's connection notices the restart and reconnects first (ioredis retries within a
    // second or so); from then on the first sample or two flag it.
    expect(afterMs).toBeLessThan(3000);
    expect(flagged.reason).toMatch(/P:config.*is gone.*restarted without persistence/);
    expect(new Date(flagged.detected_at).getTime()).toBeGreaterThanOrEqual(back - 1000);
    const lost = sse.events.find((e) => e.type === 'task.data_lost');
    expect((lost?.data as EventData).data).toMatchObject({ name: 'dl1', id: created.body.id, data_loss: { reason: flagged.reason } });
    const shown = (await request(hub.url).get('/api/tasks').set(admin)).body.tasks.find((t: { name: string }) => t.name === 'dl1');
    expect(shown.data_loss).toEqual(flagged);
    const metrics = async () => (await request(hub!.url).get('/metrics').set(bearer(TOKENS.viewer)).expect(200)).text;
    expect(await metrics()).toContain('gridcore_task_data_lost{task="dl1"} 1');

    // Everything looks drained, well past the grace: auto-finish must not close the task.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await record('dl1')).progress).toMatchObject({ pending: 0, in_flight: 0 });
    const list = (await request(hub.url).get('/api/tasks').set(admin)).body;
    expect([list.current, list.completed]).toEqual(['dl1', []]);
    expect(await client.exists(config)).toBe(0);

    // The operator decides: viewers may not; an admin's acknowledgement resumes the task.
    await request(hub.url).post('/api/tasks/dl1/acknowledge-data-loss').set(bearer(TOKENS.viewer)).expect(403);
    await request(hub.url).post('/api/tasks/dl1/acknowledge-data-loss').set(admin).send({ force: true }).expect(400);
    const ack = await request(hub.url).post('/api/tasks/dl1/acknowledge-data-loss').set(admin).expect(200);
    expect(ack.body).toMatchObject({ name: 'dl1', status: 'running', data_loss: null });
    expect(await client.hgetall(config)).toMatchObject({ run_id: created.body.id, max_attempts: '3', lease_s: '60' });
    expect(await metrics()).toContain('gridcore_task_data_lost{task="dl1"} 0');
    await waitFor(() => sse.events.some((e) => e.type === 'task.data_loss_acknowledged' && (e.data as EventData).data.name === 'dl1'), 2000, 'SSE acknowledgement');
    const again = await request(hub.url).post('/api/tasks/dl1/acknowledge-data-loss').set(admin).expect(409);
    expect(again.body.message).toBe('Task dl1 has no data loss to acknowledge');
    await request(hub.url).post('/api/tasks/nope/acknowledge-data-loss').set(admin).expect(404);

    // Auto-finish is back: the (now empty) task completes after its grace and dl2 starts.
    const done = await waitFor(async () => {
      const l = (await request(hub!.url).get('/api/tasks').set(admin)).body;
      return l.current === 'dl2' && l;
    }, 5000, 'auto-finish after the acknowledgement');
    expect(done.completed).toEqual(['dl1']);
    expect((await record('dl1')).completed_by).toBe('auto_finish');
    expect(sse.events.filter((e) => e.type === 'task.data_lost')).toHaveLength(1);
    sse.close();
  });

  it('a FLUSHALL while the hub was down is flagged by the restarted hub, which does not cover it up by writing P:config', async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    hub = await startTestHub({ progress_interval_s: SAMPLE_S });
    await client.lpush('dl3:in', '1', '2', '3');
    const created = await request(hub.url).post('/api/tasks').set(admin).send(task('dl3', redis.url, { auto_finish: true, auto_finish_grace_s: 1 })).expect(201);
    await waitFor(async () => (await client!.hget(new QueueKeys('dl3:in').config, 'run_id')) === created.body.id, 3000, 'P:config with the run id');
    const stateDir = hub.stateDir;
    await hub.close();
    await client.flushall();
    hub = await startTestHub({ state_dir: stateDir, progress_interval_s: SAMPLE_S });
    const flagged = await waitFor(async () => (await record('dl3')).data_loss, 3000, 'the loss flagged after the hub restart');
    expect(flagged.reason).toMatch(/is gone/);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await request(hub.url).get('/api/tasks').set(admin)).body.current).toBe('dl3');
    expect(await client.exists(new QueueKeys('dl3:in').config)).toBe(0);
  });

  it('no false alarm: P:config not yet written, a Redis restarted with its data (AOF), a reused queue, a task without input_redis', async () => {
    // A Redis that is away when the task starts: nothing was written, so nothing can be missed.
    const port = await freePort();
    hub = await startTestHub({ progress_interval_s: SAMPLE_S, auto_finish: false });
    const url = `redis://127.0.0.1:${port}`;
    const first = await request(hub.url).post('/api/tasks').set(admin).send(task('late', url)).expect(201);
    await waitFor(async () => (await record('late')).progress?.error, 8000, 'the Redis error in progress');
    redis = await startRedis({ port, appendonly: true });
    client = new Redis(redis.url);
    await waitFor(async () => (await client!.hget(new QueueKeys('late:in').config, 'run_id')) === first.body.id, 8000, 'P:config written late');
    await waitFor(async () => (await record('late')).progress?.error === null, 3000, 'a good sample');

    // The same server restarted with its data: P:config and its run id are still there.
    const dir = redis.dir;
    await redis.stop();
    client.disconnect();
    redis = await startRedis({ port, appendonly: true, dir });
    client = new Redis(redis.url);
    expect(await client.hget(new QueueKeys('late:in').config, 'run_id')).toBe(first.body.id);
    const since = Date.now();
    await waitFor(async () => {
      const p = (await record('late')).progress;
      return p && p.error === null && new Date(p.sampled_at).getTime() > since + 500;
    }, 8000, 'samples after the restart');

    // A new run of the same name on the same queue: P:config names the old run until rewritten.
    await request(hub.url).post('/api/tasks/late/finish').set(admin).expect(200);
    await request(hub.url).post('/api/tasks').set(admin).send(task('late', url)).expect(201);
    const second = await record('late');
    expect(second.id).not.toBe(first.body.id);
    await waitFor(async () => (await client!.hget(new QueueKeys('late:in').config, 'run_id')) === second.id, 3000, 'P:config of the new run');

    // An image that hard-codes its queues: the hub sees no queue, so it checks nothing.
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'blind', image: 'img:worker' }).expect(201);
    await request(hub.url).post('/api/tasks/late/finish').set(admin).expect(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await request(hub.url).get('/api/tasks').set(admin)).body.current).toBe('blind');
    const all = (await request(hub.url).get('/api/tasks').set(admin)).body.tasks as { name: string; data_loss: unknown }[];
    expect(all.map((t) => [t.name, t.data_loss])).toEqual([['late', null], ['late', null], ['blind', null]]);
  });
});
