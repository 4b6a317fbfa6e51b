import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { freePort } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);
const node = bearer(TOKENS.node);

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
    expect(after).toEqual(before);
    expect(after).toMatchObject({ current: 'second', pending: ['third'], completed: ['first'] });
    const env = await request(hub.url).get('/gridnode/task?wait=1').set(node).expect(200);
    expect(env.body.revision).toBe(2);
    const nodes = (await request(hub.url).get('/api/nodes').set(admin)).body;
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(['rnode']);
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
