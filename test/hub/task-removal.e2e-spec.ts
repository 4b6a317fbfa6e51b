import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';

const admin = bearer(TOKENS.admin);

describe('DELETE /api/tasks/:name', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub();
  });
  afterEach(() => hub.close());

  it('refuses a running task, 404s an unknown one, removes the pending run first, then the completed records', async () => {
    const http = request(hub.url);
    await http.post('/api/tasks').set(admin).send({ name: 'a', image: 'i' }).expect(201);
    const running = await http.delete('/api/tasks/a').set(admin).expect(409);
    expect(running.body.message).toBe('Task a is running; finish it first');
    const unknown = await http.delete('/api/tasks/zzz').set(admin).expect(404);
    expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Task zzz not found' });

    await http.post('/api/tasks/finish').set(admin).expect(200);
    await http.post('/api/tasks').set(admin).send({ name: 'b', image: 'i' }).expect(201);
    await http.post('/api/tasks').set(admin).send({ name: 'a', image: 'i2' }).expect(201);
    const pending = await http.delete('/api/tasks/a').set(admin).expect(200);
    expect(pending.body.removed.map((t: { status: string }) => t.status)).toEqual(['pending']);
    expect((await http.get('/api/tasks').set(admin)).body).toMatchObject({ current: 'b', pending: [], completed: ['a'] });
    const completed = await http.delete('/api/tasks/a').set(admin).expect(200);
    expect(completed.body.removed.map((t: { status: string }) => t.status)).toEqual(['completed']);
    expect((await http.get('/api/tasks').set(admin)).body).toMatchObject({ current: 'b', pending: [], completed: [] });
    await http.get('/api/tasks/a').set(admin).expect(404);
  });
});
