import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);

/**
 * Issue 14, fault 5: `col` and `{col}` share every key (`{col}:retry`, `:leases`, ...) when they
 * live on one server, however its URL is written; the clash check compares servers.
 */
describe('the prefix-clash check compares Redis servers, not URL strings', () => {
  let hub: TestHub;
  let redis: RunningRedis;
  const password = 'pw-clash';

  beforeAll(async () => {
    redis = await startRedis({ password });
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    hub = await startTestHub();
  });
  afterEach(() => hub.close());

  const register = (name: string, url: string, queue: string) =>
    request(hub.url).post('/api/tasks').set(admin).send({ name, image: 'img:1', input_redis: url, input_queue: queue });

  it.each([
    ['with /0', (port: number) => `redis://:${password}@127.0.0.1:${port}/0`],
    ['with a trailing slash', (port: number) => `redis://:${password}@127.0.0.1:${port}/`],
    ['as localhost', (port: number) => `redis://:${password}@localhost:${port}`],
    ['as localhost with /0', (port: number) => `redis://:${password}@localhost:${port}/0`],
    ['as rediss:// with the default user named', (port: number) => `rediss://default:${password}@127.0.0.1:${port}`],
    ['as ::1', (port: number) => `redis://:${password}@[::1]:${port}`],
  ])('col on 127.0.0.1, then {col} on the same server written %s: 409 naming task col', async (_form, url) => {
    await register('col', `redis://:${password}@127.0.0.1:${redis.port}`, 'col').expect(201);
    const clash = await register('brace', url(redis.port), '{col}').expect(409);
    expect(clash.body.message).toMatch(/input queue "\{col\}" collides with "col".*same Redis server as task col \(redis:\/\/:\*+@127\.0\.0\.1:\d+\)/);
    expect(clash.body.message).not.toContain(password);
    expect((await request(hub.url).get('/api/tasks').set(admin)).body.tasks.map((t: { name: string }) => t.name)).toEqual(['col']);
  });

  it('the other way round too: {col} on localhost, then col on 127.0.0.1/0', async () => {
    await register('brace', `redis://:${password}@localhost:${redis.port}`, '{col}').expect(201);
    const clash = await register('col', `redis://:${password}@127.0.0.1:${redis.port}/0`, 'col').expect(409);
    expect(clash.body.message).toMatch(/task brace/);
  });

  it('other servers, other dbs and other users do not clash; the same queue reused does not either', async () => {
    await register('col', `redis://:${password}@127.0.0.1:${redis.port}`, 'col').expect(201);
    await register('db1', `redis://:${password}@127.0.0.1:${redis.port}/1`, '{col}').expect(201);
    await register('port', `redis://:${password}@127.0.0.1:${redis.port + 1}`, '{col}').expect(201);
    await register('user', `redis://alice:${password}@localhost:${redis.port}`, '{col}').expect(201);
    await register('again', `redis://:${password}@localhost:${redis.port}/`, 'col').expect(201);
    const stray = await register('stray', `redis://127.0.0.1:${redis.port + 2}`, 'a}b').expect(400);
    expect(stray.body.message).toMatch(/a\}b/);
  });
});
