import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { openSse } from '../support/sse';

describe('roles and tokens', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  // Every row has three entries: jest passes `done` to a test whose arity exceeds its row.
  const adminRoutes: [string, string, object | undefined][] = [
    ['post', '/api/tasks', { name: 'x', image: 'i' }],
    ['post', '/api/tasks/finish', undefined],
    ['post', '/api/tasks/next', undefined],
    ['delete', '/api/tasks/x', undefined],
    ['post', '/api/nodes/n1/stop', undefined],
  ];
  const viewerRoutes = ['/api/tasks', '/api/tasks/x', '/api/nodes'];
  const nodeRoutes: [string, string, object | undefined][] = [
    ['post', '/gridnode/register', { node_id: null, hostname: 'h', architecture: 'x86_64', cpu_count: 1 }],
    ['post', '/gridnode/heartbeat', { node_id: 'zz', status: 'Idle', active_containers: 0 }],
    ['post', '/gridnode/deregister', { node_id: 'zz' }],
    ['get', '/gridnode/task', undefined],
    ['get', '/agent/task', undefined],
  ];

  function call(method: string, path: string, body?: object) {
    const req = (request(hub.url) as unknown as Record<string, (p: string) => request.Test>)[method](path);
    return body ? req.send(body) : req;
  }

  it.each([...adminRoutes, ...viewerRoutes.map((p) => ['get', p, undefined] as [string, string, undefined]), ...nodeRoutes])(
    '%s %s wants a bearer token (401 without one, with an unknown one, or in the query string)',
    async (method, path, body) => {
      const none = await call(method, path, body).expect(401);
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await call(method, path, body).set(bearer('not-a-token')).expect(401);
      await call(method, `${path}?token=${TOKENS.legacy}`, body).expect(401);
      await call(method, path, body).set('Authorization', `Basic ${TOKENS.legacy}`).expect(401);
    },
  );

  it.each(adminRoutes)('%s %s: 403 for viewer and node tokens', async (method, path, body) => {
    for (const token of [TOKENS.viewer, TOKENS.node]) {
      const res = await call(method, path, body).set(bearer(token)).expect(403);
      expect(res.body.message).toContain('admin');
    }
  });

  it.each(viewerRoutes)('GET %s: viewer and admin read, a node token does not', async (path) => {
    for (const token of [TOKENS.viewer, TOKENS.admin, TOKENS.legacy]) {
      const res = await request(hub.url).get(path).set(bearer(token));
      expect([200, 404]).toContain(res.status);
    }
    await request(hub.url).get(path).set(bearer(TOKENS.node)).expect(403);
  });

  it.each(nodeRoutes)('%s %s: the legacy token reaches the node routes, admin and viewer do not, a join token only register', async (method, path, body) => {
    for (const token of [TOKENS.viewer, TOKENS.admin]) await call(method, path, body).set(bearer(token)).expect(403);
    const res = await call(method, path, body).set(bearer(TOKENS.legacy));
    expect([200, 404]).toContain(res.status);
    // node_tokens are join tokens (issue 16): they register and nothing else.
    const joined = await call(method, path, body).set(bearer(TOKENS.node));
    if (path.endsWith('/register')) expect(joined.status).toBe(200);
    else expect(joined.status).toBe(403);
  });

  it('keeps the open routes open', async () => {
    await request(hub.url).get('/health').expect(200);
    await request(hub.url).get('/health/live').expect(200);
    await request(hub.url).get('/health/ready').expect(200);
    await request(hub.url).get('/docs-json').expect(200);
    const docs = await request(hub.url).get('/docs/').expect(200);
    expect(docs.text).toContain('swagger');
  });

  it('masks Redis passwords on /api and on SSE for every role, and gives them whole on the node routes', async () => {
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    await request(hub.url)
      .post('/api/tasks')
      .set(bearer(TOKENS.admin))
      .send({ name: 'masked', image: 'i', input_redis: 'redis://user:hunter2pass@127.0.0.1:6379/2', output_redis: 'rediss://127.0.0.1:6380/0?password=p2secret' })
      .expect(201)
      .expect((res) => expect(JSON.stringify(res.body)).not.toMatch(/hunter2pass|p2secret/));
    await waitFor(() => sse.events.some((e) => e.type === 'task.started'), 3000, 'task.started on SSE');
    expect(JSON.stringify(sse.events)).not.toMatch(/hunter2pass|p2secret/);
    expect(JSON.stringify(sse.events)).toContain('redis://user:****@127.0.0.1:6379/2');
    sse.close();
    for (const token of [TOKENS.viewer, TOKENS.admin, TOKENS.legacy]) {
      const list = await request(hub.url).get('/api/tasks').set(bearer(token)).expect(200);
      expect(JSON.stringify(list.body)).not.toMatch(/hunter2pass|p2secret/);
      const one = await request(hub.url).get('/api/tasks/masked').set(bearer(token)).expect(200);
      expect(one.body.input_redis).toBe('redis://user:****@127.0.0.1:6379/2');
    }
    // Whole to a trusted-lab node (the legacy token); a volunteer gets a user of its own (issue 16.4).
    const task = await request(hub.url).get('/gridnode/task').set(bearer(TOKENS.legacy)).expect(200);
    expect(task.body.input_redis).toBe('redis://user:hunter2pass@127.0.0.1:6379/2');
    await request(hub.url).post('/api/tasks/finish').set(bearer(TOKENS.admin)).expect(200);
  });
});
