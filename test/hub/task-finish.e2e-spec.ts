import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';

const admin = bearer(TOKENS.admin);

/** Issue 14, fault 4: a finish names the task it means, so two sent at once complete one task. */
describe('finishing the task you mean (POST /api/tasks/finish, /next, /:name/finish)', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub();
  });
  afterEach(() => hub.close());

  async function register(...names: string[]): Promise<void> {
    for (const name of names) await request(hub.url).post('/api/tasks').set(admin).send({ name, image: 'img:1' }).expect(201);
  }
  const list = async () => (await request(hub.url).get('/api/tasks').set(admin).expect(200)).body as { current: string | null; pending: string[]; completed: string[] };

  it('two finishes of fa sent together: one 200, one 409 naming fb, and fb still runs', async () => {
    await register('fa', 'fb', 'fc');
    const answers = await Promise.all(
      [0, 1].map(() => request(hub.url).post('/api/tasks/finish').set(admin).send({ name: 'fa' })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const ok = answers.find((a) => a.status === 200)!;
    const refused = answers.find((a) => a.status === 409)!;
    expect(ok.body).toMatchObject({ completed: 'fa', started: 'fb' });
    expect(refused.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'Task fa is not the running task: fb is running' });
    expect(await list()).toMatchObject({ current: 'fb', pending: ['fc'], completed: ['fa'] });
  });

  it('five named finishes at once, over all three routes, complete exactly one task', async () => {
    await register('fa', 'fb', 'fc');
    const answers = await Promise.all([
      request(hub.url).post('/api/tasks/finish').set(admin).send({ name: 'fa' }),
      request(hub.url).post('/api/tasks/fa/finish').set(admin),
      request(hub.url).post('/api/tasks/next').set(admin).send({ name: 'fa' }),
      request(hub.url).post('/api/tasks/fa/finish').set(admin),
      request(hub.url).post('/api/tasks/finish').set(admin).send({ name: 'fa' }),
    ]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(4);
    expect(await list()).toMatchObject({ current: 'fb', pending: ['fc'], completed: ['fa'] });
  });

  it('without a body, or with {}, finish and next complete whatever runs, as the original', async () => {
    await register('fa', 'fb', 'fc');
    const answers = await Promise.all([
      request(hub.url).post('/api/tasks/finish').set(admin),
      request(hub.url).post('/api/tasks/finish').set(admin).send({}),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body.completed).sort()).toEqual(['fa', 'fb']);
    expect((await request(hub.url).post('/api/tasks/next').set(admin).send({}).expect(400)).body.message).toBe('No more tasks available');
    expect(await list()).toMatchObject({ current: null, pending: [], completed: ['fa', 'fb', 'fc'] });
  });

  it('next and /:name/finish with a name: the running task completes, another is a 409, none running is a 409 too', async () => {
    await register('na', 'nb');
    expect((await request(hub.url).post('/api/tasks/next').set(admin).send({ name: 'nb' }).expect(409)).body.message).toBe('Task nb is not the running task: na is running');
    expect((await request(hub.url).post('/api/tasks/next').set(admin).send({ name: 'na' }).expect(200)).body).toEqual({ previous: 'na', current: 'nb' });
    expect((await request(hub.url).post('/api/tasks/nb/finish').set(admin).expect(200)).body).toMatchObject({ completed: 'nb', started: null });
    for (const call of [
      request(hub.url).post('/api/tasks/nb/finish').set(admin),
      request(hub.url).post('/api/tasks/finish').set(admin).send({ name: 'nb' }),
      request(hub.url).post('/api/tasks/next').set(admin).send({ name: 'nb' }),
    ]) {
      expect((await call.expect(409)).body.message).toBe('Task nb is not the running task: no task is running');
    }
    expect((await request(hub.url).post('/api/tasks/finish').set(admin).expect(400)).body.message).toBe('No current task running');
    await request(hub.url).post('/api/tasks/nb/finish').set(bearer(TOKENS.viewer)).expect(403);
  });

  it('refuses a bad body with a 400 naming the problem, and changes nothing', async () => {
    await register('fa', 'fb');
    const before = await list();
    const bad: [string, string | object, RegExp][] = [
      ['application/json', { name: 'fa', force: true }, /property force should not exist/],
      ['application/json', { name: 'bad name' }, /name must match/],
      ['application/json', { name: 7 }, /name must/],
      ['application/json', [{ name: 'fa' }], /JSON object/],
      ['text/plain', 'fa', /JSON object/],
    ];
    for (const route of ['/api/tasks/finish', '/api/tasks/next']) {
      for (const [type, body, message] of bad) {
        const res = await request(hub.url).post(route).set(admin).set('Content-Type', type).send(typeof body === 'string' ? body : JSON.stringify(body));
        expect([route, res.status]).toEqual([route, 400]);
        expect(res.body.message).toMatch(message);
      }
    }
    const named = await request(hub.url).post('/api/tasks/fa/finish').set(admin).send({ name: 'fa' });
    expect(named.status).toBe(400);
    await request(hub.url).post(`/api/tasks/${encodeURIComponent('bad name')}/finish`).set(admin).expect(400);
    expect(await list()).toEqual(before);
  });
});
