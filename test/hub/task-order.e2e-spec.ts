import request from 'supertest';
import { bearer, HubValues, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);
const viewer = bearer(TOKENS.viewer);

/** Issue 21.1: task priorities and moves reorder pending tasks; `next` and `finish` start the first. */
describe('task priorities and order (issue 21.1)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  const list = async () => (await request(hub.url).get('/api/tasks').set(viewer).expect(200)).body;
  const register = (name: string, extra: Record<string, unknown> = {}) =>
    request(hub.url).post('/api/tasks').set(admin).send({ name, image: `img:${name}`, ...extra });

  it('without priorities keeps the original order and wire shape', async () => {
    for (const name of ['o-run', 'o-a', 'o-b']) await register(name).expect(201);
    const body = await list();
    expect(body).toMatchObject({ current: 'o-run', pending: ['o-a', 'o-b'] });
    expect(body.tasks.map((t: { priority: number }) => t.priority)).toEqual([0, 0, 0]);
    await request(hub.url).post('/api/tasks/next').set(admin).expect(200);
    expect((await list()).current).toBe('o-a');
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    expect(await list()).toMatchObject({ current: null, pending: [] });
  });

  it('starts the higher priority first, then registration order; PATCH and move reorder; next and finish follow', async () => {
    await register('p-run').expect(201);
    await register('p-low').expect(201);
    await register('p-mid', { priority: 5 }).expect(201);
    await register('p-high', { priority: 9 }).expect(201);
    await register('p-mid2', { priority: 5 }).expect(201);
    expect((await list()).pending).toEqual(['p-high', 'p-mid', 'p-mid2', 'p-low']);

    const patched = await request(hub.url).patch('/api/tasks/p-low').set(admin).send({ priority: 7 }).expect(200);
    expect(patched.body).toEqual({ name: 'p-low', priority: 7, pending: ['p-high', 'p-low', 'p-mid', 'p-mid2'] });
    expect((await request(hub.url).get('/api/tasks/p-low').set(viewer)).body.priority).toBe(7);

    const moved = await request(hub.url).post('/api/tasks/p-mid2/move').set(admin).send({ before: 'p-high' }).expect(200);
    expect(moved.body).toEqual({ name: 'p-mid2', priority: 9, pending: ['p-mid2', 'p-high', 'p-low', 'p-mid'] });
    const after = await request(hub.url).post('/api/tasks/p-high/move').set(admin).send({ after: 'p-mid' }).expect(200);
    expect(after.body.pending).toEqual(['p-mid2', 'p-low', 'p-mid', 'p-high']);
    expect(after.body.priority).toBe(5);

    const next = await request(hub.url).post('/api/tasks/next').set(admin).expect(200);
    expect(next.body).toMatchObject({ previous: 'p-run', current: 'p-mid2' });
    const finish = await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    expect(finish.body.started).toBe('p-low');
    expect((await list()).pending).toEqual(['p-mid', 'p-high']);
    // A running task may have its priority set (it keeps running); it is no longer in the pending order.
    await request(hub.url).patch('/api/tasks/p-low').set(admin).send({ priority: -3 }).expect(200);
    for (let i = 0; i < 3; i += 1) await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    expect(await list()).toMatchObject({ current: null, pending: [] });
  });

  describe('bad input changes nothing', () => {
    beforeAll(async () => {
      await register('b-run').expect(201);
      await register('b-one').expect(201);
      await register('b-two').expect(201);
      await register('b-done').expect(201);
      await request(hub.url).post('/api/tasks/b-done/move').set(admin).send({ before: 'b-one' }).expect(200);
      await request(hub.url).post('/api/tasks/finish').set(admin).expect(200); // b-run completes, b-done starts
      await request(hub.url).post('/api/tasks/finish').set(admin).expect(200); // b-done completes, b-one starts
      await register('b-three').expect(201);
    });

    const cases: [string, string, string, unknown, number, RegExp][] = [
      ['patch', 'unknown task', '/api/tasks/nope', { priority: 1 }, 404, /Task nope not found/],
      ['patch', 'a completed task', '/api/tasks/b-run', { priority: 1 }, 409, /b-run is completed/],
      ['patch', 'no priority', '/api/tasks/b-two', {}, 400, /priority is required/],
      ['patch', 'a fractional priority', '/api/tasks/b-two', { priority: 1.5 }, 400, /priority must be an integer/],
      ['patch', 'a string priority', '/api/tasks/b-two', { priority: '3' }, 400, /priority must be an integer/],
      ['patch', 'a priority out of range', '/api/tasks/b-two', { priority: 1e9 }, 400, /priority must not be greater than 1000000/],
      ['patch', 'an unknown field', '/api/tasks/b-two', { priority: 1, image: 'x' }, 400, /property image should not exist/],
      ['post', 'neither before nor after', '/api/tasks/b-two/move', {}, 400, /before or after is required/],
      ['post', 'both before and after', '/api/tasks/b-two/move', { before: 'b-three', after: 'b-three' }, 400, /not both/],
      ['post', 'itself', '/api/tasks/b-two/move', { before: 'b-two' }, 400, /relative to itself/],
      ['post', 'a bad other name', '/api/tasks/b-two/move', { after: 'a b' }, 400, /after must match/],
      ['post', 'an unknown task', '/api/tasks/nope/move', { before: 'b-two' }, 404, /Task nope not found/],
      ['post', 'an unknown other', '/api/tasks/b-two/move', { before: 'nope' }, 404, /Task nope not found/],
      ['post', 'the running task', '/api/tasks/b-one/move', { before: 'b-two' }, 409, /b-one is running; only pending tasks can be moved/],
      ['post', 'next to the running task', '/api/tasks/b-two/move', { after: 'b-one' }, 409, /b-one is running/],
      ['post', 'next to a completed task', '/api/tasks/b-two/move', { after: 'b-run' }, 409, /b-run is completed/],
    ];

    it.each(cases)('%s with %s answers a clear error', async (method, _what, path, body, status, message) => {
      const before = await list();
      const res = await request(hub.url)[method as 'patch' | 'post'](path).set(admin).send(body as object).expect(status);
      const text = [res.body.message].flat().join('; ');
      expect(text).toMatch(message);
      expect(text).not.toMatch(/at .*\.ts:\d+/);
      expect(await list()).toEqual(before);
    });

    it('is admin only', async () => {
      await request(hub.url).patch('/api/tasks/b-two').set(viewer).send({ priority: 1 }).expect(403);
      await request(hub.url).post('/api/tasks/b-two/move').set(viewer).send({ before: 'b-three' }).expect(403);
      await request(hub.url).patch('/api/tasks/b-two').send({ priority: 1 }).expect(401);
    });
  });
});

/** The order survives a hub restart with either state store. */
describe('task order across hub restarts (issue 21.1)', () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterAll(() => redis.stop());

  const stores: [string, () => HubValues][] = [
    ['file', () => ({})],
    ['redis', () => ({ state_store: 'redis', state_redis_url: redis.url })],
  ];

  it.each(stores)('keeps priorities and moves in the %s store', async (_store, valuesOf) => {
    let hub = await startTestHub(valuesOf());
    const values = { ...valuesOf(), state_dir: hub.stateDir };
    try {
      for (const name of ['r-run', 'r-a', 'r-b', 'r-c']) await request(hub.url).post('/api/tasks').set(admin).send({ name, image: 'i' }).expect(201);
      await request(hub.url).patch('/api/tasks/r-b').set(admin).send({ priority: 2 }).expect(200);
      await request(hub.url).post('/api/tasks/r-a/move').set(admin).send({ before: 'r-c' }).expect(200);
      const before = (await request(hub.url).get('/api/tasks').set(admin)).body;
      expect(before.pending).toEqual(['r-b', 'r-a', 'r-c']);
      await hub.close();
      hub = await startTestHub(values);
      const after = (await request(hub.url).get('/api/tasks').set(admin)).body;
      expect(after.pending).toEqual(['r-b', 'r-a', 'r-c']);
      expect(after.tasks.map((t: { name: string; priority: number }) => [t.name, t.priority])).toEqual(
        before.tasks.map((t: { name: string; priority: number }) => [t.name, t.priority]),
      );
      expect((await request(hub.url).post('/api/tasks/finish').set(admin).expect(200)).body.started).toBe('r-b');
    } finally {
      await hub.close();
    }
  });
});
