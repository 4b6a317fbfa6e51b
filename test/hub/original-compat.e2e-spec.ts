import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';

/**
 * Replays the requests of the original's programs exactly as shared/seeds/README.md documents
 * them: the agent-skill curl workflow and an original (Rust) GridNode's calls, with the legacy
 * shared token.
 */
describe('original IDM-GridCore clients against the hub', () => {
  let hub: TestHub;
  const auth = bearer(TOKENS.legacy);

  beforeEach(async () => {
    hub = await startTestHub();
  });
  afterEach(() => hub.close());

  it('runs the agent-skill curl workflow: health, register, list, finish, nodes, stop', async () => {
    const http = request(hub.url);
    const health = await http.get('/health').expect(200);
    expect(health.text).toBe('OK');

    // curl -X POST $URL/api/tasks -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{...}'
    await http
      .post('/api/tasks')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          name: 'sqrt-calc',
          image: 'idm-task:sqrt',
          input_redis: 'redis://:secretpw@127.0.0.1:6379',
          output_redis: 'redis://:secretpw@127.0.0.1:6379',
          input_queue: 'sqrt:input',
          output_queue: 'sqrt:output',
        }),
      )
      .expect(201);

    const list = await http.get('/api/tasks').set(auth).expect(200);
    expect(list.body).toMatchObject({ current: 'sqrt-calc', pending: [], completed: [] });
    expect(JSON.stringify(list.body)).not.toContain('secretpw');

    // An original node registers, polls and beats.
    const reg = await http
      .post('/gridnode/register')
      .set(auth)
      .send({ node_id: null, hostname: 'worker-01', architecture: 'aarch64', cpu_count: 4 })
      .expect(200);
    const nodeId: string = reg.body.node_id;
    expect(nodeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reg.body.current_task).toMatchObject({ task_name: 'sqrt-calc', image: 'idm-task:sqrt', redis_url: null });

    const task = await http.get('/gridnode/task?platform=linux/arm64').set(auth).expect(200);
    expect(task.body).toEqual(
      expect.objectContaining({
        task_name: 'sqrt-calc',
        image: 'idm-task:sqrt',
        redis_url: null,
        input_redis: 'redis://:secretpw@127.0.0.1:6379',
        output_redis: 'redis://:secretpw@127.0.0.1:6379',
        input_queue: 'sqrt:input',
        output_queue: 'sqrt:output',
      }),
    );
    // A task that did not opt out carries no writable_rootfs: absent means hardened.
    expect(task.body).not.toHaveProperty('writable_rootfs');

    const beat = await http
      .post('/gridnode/heartbeat')
      .set(auth)
      .send({ node_id: nodeId, status: 'Running', active_containers: 4 })
      .expect(200);
    expect(beat.body).toEqual({ stop_requested: false });

    const nodes = await http.get('/api/nodes').set(auth).expect(200);
    expect(nodes.body).toHaveLength(1);
    expect(nodes.body[0]).toMatchObject({
      id: nodeId,
      hostname: 'worker-01',
      architecture: 'aarch64',
      cpu_count: 4,
      status: 'Online',
      runtime_status: 'Running',
      active_containers: 4,
    });
    expect(new Date(nodes.body[0].last_seen).toISOString()).toBe(nodes.body[0].last_seen);
    expect(nodes.body[0]).not.toHaveProperty('stop_requested');

    // curl -X POST ${URL}/api/tasks/finish -H "Authorization: Bearer ${TOKEN}"  (no body)
    const finish = await http.post('/api/tasks/finish').set(auth).expect(200);
    expect(finish.body).toMatchObject({ completed: 'sqrt-calc', started: null });
    expect(typeof finish.body.message).toBe('string');
    const after = await http.get('/api/tasks').set(auth).expect(200);
    expect(after.body).toMatchObject({ current: null, pending: [], completed: ['sqrt-calc'] });
    const none = await http.get('/gridnode/task?platform=linux/arm64').set(auth).expect(200);
    expect(none.text).toBe('null');

    // curl -X POST ${URL}/api/nodes/${NODE_ID}/stop -H "Authorization: Bearer ${TOKEN}"
    await http.post(`/api/nodes/${nodeId}/stop`).set(auth).expect(200);
    const stopBeat = await http
      .post('/gridnode/heartbeat')
      .set(auth)
      .send({ node_id: nodeId, status: 'Idle', active_containers: 0 })
      .expect(200);
    expect(stopBeat.body).toEqual({ stop_requested: true });
    const missing = await http.post('/api/nodes/nope/stop').set(auth).expect(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Node nope not found' });
  });

  it('answers next and finish with the original bodies and texts', async () => {
    const http = request(hub.url);
    const first = await http.post('/api/tasks/next').set(auth).expect(400);
    expect(first.body.message).toBe('No more tasks available');
    const noCurrent = await http.post('/api/tasks/finish').set(auth).expect(400);
    expect(noCurrent.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'No current task running' });

    for (const name of ['a', 'b']) {
      await http.post('/api/tasks').set(auth).send({ name, image: `img-${name}` }).expect(201);
    }
    const next = await http.post('/api/tasks/next').set(auth).expect(200);
    expect(next.body).toEqual({ previous: 'a', current: 'b' });
    // No pending task: b is still completed and the grid goes idle.
    const idle = await http.post('/api/tasks/next').set(auth).expect(400);
    expect(idle.body.message).toBe('No more tasks available');
    const list = await http.get('/api/tasks').set(auth).expect(200);
    expect(list.body).toMatchObject({ current: null, pending: [], completed: ['a', 'b'] });

    // The seed's workflow registers the same name again on every run: a new run of it.
    await http.post('/api/tasks').set(auth).send({ name: 'a', image: 'img-a2' }).expect(201);
    const again = await http.get('/api/tasks/a').set(auth).expect(200);
    expect(again.body).toMatchObject({ name: 'a', status: 'running', image: 'img-a2' });
    await http.post('/api/tasks').set(auth).send({ name: 'a', image: 'img-a3' }).expect(409);
  });

  it('serves the node routes under /agent too and picks the image for the platform', async () => {
    const http = request(hub.url);
    await http
      .post('/api/tasks')
      .set(auth)
      .send({ name: 'multi', images: { 'linux/arm/v7': 'img:armv7' }, image: 'img:any' })
      .expect(201);
    const reg = await http
      .post('/agent/register')
      .set(auth)
      .send({ node_id: 'pi-node', hostname: 'pi', architecture: 'arm', cpu_count: 4 })
      .expect(200);
    expect(reg.body).toMatchObject({ node_id: 'pi-node', current_task: { image: 'img:armv7' } });
    const amd = await http.get('/agent/task?platform=linux/amd64').set(auth).expect(200);
    expect(amd.body.image).toBe('img:any');
    await http.post('/agent/heartbeat').set(auth).send({ node_id: 'pi-node', status: 'Idle', active_containers: 0 }).expect(200);

    await http.post('/api/tasks/finish').set(auth).expect(200);
    await http.post('/api/tasks').set(auth).send({ name: 'arm-only', images: { 'linux/arm64': 'img:arm64' } }).expect(201);
    const noImage = await http.get('/gridnode/task?platform=linux/amd64').set(auth).expect(200);
    expect(noImage.text).toBe('null');
  });
});
