import Redis from 'ioredis';
import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { freePort } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);
// The legacy token: node_tokens are join tokens, which only register (issue 16).
const node = bearer(TOKENS.legacy);

describe('Redis state store (state_store = "redis") on a real redis-server', () => {
  let redis: RunningRedis;
  let hub: TestHub | undefined;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterAll(async () => {
    await hub?.close();
    await redis.stop();
  });

  it('keeps tasks, order, current task, revision and nodes across a hub restart', async () => {
    const values = { state_store: 'redis', state_redis_url: redis.url };
    hub = await startTestHub(values);
    for (const name of ['first', 'second', 'third']) {
      await request(hub.url).post('/api/tasks').set(admin).send({ name, image: `img:${name}` }).expect(201);
    }
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    await request(hub.url).post('/gridnode/register').set(node).send({ node_id: 'rnode', hostname: 'h', architecture: 'x86_64', cpu_count: 1 }).expect(200);
    const before = (await request(hub.url).get('/api/tasks').set(admin)).body;
    await hub.close();

    hub = await startTestHub(values);
    const after = (await request(hub.url).get('/api/tasks').set(admin)).body;
    // `runnable` is judged from the nodes online now (none, right after the restart), not kept.
    const kept = (list: { tasks: Record<string, unknown>[] }) => ({ ...list, tasks: list.tasks.map(({ runnable, ...t }) => t) });
    expect(kept(after)).toEqual(kept(before));
    expect(after).toMatchObject({ current: 'second', pending: ['third'], completed: ['first'] });
    const env = await request(hub.url).get('/gridnode/task?wait=1').set(node).expect(200);
    expect(env.body.revision).toBe(2);
    const nodes = (await request(hub.url).get('/api/nodes').set(admin)).body;
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(['rnode']);
  });
});

describe('node records in the Redis state store (issue 14, fault 1)', () => {
  let redis: RunningRedis;
  let client: Redis;
  let hub: TestHub | undefined;
  const register = (id: string) =>
    request(hub!.url).post('/gridnode/register').set(node).send({ node_id: id, hostname: `h-${id}`, architecture: 'x86_64', cpu_count: 1 }).expect(200);

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('writes one hash field per node, never the whole set', async () => {
    hub = await startTestHub({ state_store: 'redis', state_redis_url: redis.url });
    for (const id of ['r1', 'r2', 'r3']) await register(id);
    await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'r2' }).expect(200);
    await request(hub.url).delete('/api/nodes/r2').set(admin).expect(200);
    expect(await client.type('gridcore:hub:node-records')).toBe('hash');
    expect((await client.hkeys('gridcore:hub:node-records')).sort()).toEqual(['r1', 'r3']);
    expect(JSON.parse((await client.hget('gridcore:hub:node-records', 'r3'))!)).toMatchObject({ id: 'r3', hostname: 'h-r3' });
    // A registration writes its own field only: watch the commands a fourth one sends.
    const monitor = await client.duplicate().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ').slice(0, 80)));
    await register('r4');
    await new Promise((r) => setTimeout(r, 200));
    monitor.disconnect();
    const writes = commands.filter((c) => /^(set|hset|hdel|del|hmset)\b/i.test(c));
    expect(writes.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(['hset gridcore:hub:node-records r4']);
  });

  it('moves the one-string snapshot of older versions into the hash', async () => {
    await client.del('gridcore:hub:node-records');
    const legacy = ['old-x', 'old-y'].map((id) => ({
      id, hostname: `h-${id}`, architecture: 'x86_64', cpu_count: 2, platform: 'linux/amd64', version: null, labels: {},
      memory_total_mb: null, parallelism: null, gpus: [], registered_at: '2026-01-01T00:00:00.000Z', last_seen_ms: Date.now(), stop_requested: false,
    }));
    await client.set('gridcore:hub:nodes', JSON.stringify(legacy));
    hub = await startTestHub({ state_store: 'redis', state_redis_url: redis.url });
    const nodes = (await request(hub.url).get('/api/nodes').set(admin).expect(200)).body;
    expect(nodes.map((n: { id: string }) => n.id).sort()).toEqual(['old-x', 'old-y']);
    expect(await client.exists('gridcore:hub:nodes')).toBe(0);
    expect((await client.hkeys('gridcore:hub:node-records')).sort()).toEqual(['old-x', 'old-y']);
  });
});

describe('an unreachable state Redis', () => {
  it('keeps the hub from starting, naming the unreachable Redis without its password', async () => {
    const deadUrl = `redis://:sekrit@127.0.0.1:${await freePort()}`;
    const hub = await startTestHub({ state_store: 'redis', state_redis_url: deadUrl }).catch((err: Error) => err);
    // The hub cannot load its state: it refuses to start rather than serve an empty grid.
    expect(hub).toBeInstanceOf(Error);
    expect((hub as Error).message).toMatch(/^state Redis redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+ unreachable/);
  });

  it('refuses changes with 503 when Redis goes away mid-run', async () => {
    const redis = await startRedis();
    const hub = await startTestHub({ state_store: 'redis', state_redis_url: redis.url });
    try {
      await request(hub.url).post('/api/tasks').set(admin).send({ name: 'kept', image: 'i' }).expect(201);
      await redis.stop();
      const res = await request(hub.url).post('/api/tasks').set(admin).send({ name: 'lost', image: 'i' });
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/could not be saved; nothing was changed/);
      const list = (await request(hub.url).get('/api/tasks').set(admin)).body;
      expect(list.pending).toEqual([]);
      expect(list.current).toBe('kept');
      await request(hub.url).get('/health/ready').expect(503);
      await request(hub.url).get('/health/live').expect(200);
    } finally {
      await hub.close();
    }
  });
});
