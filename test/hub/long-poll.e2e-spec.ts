import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { openSse } from '../support/sse';

const admin = bearer(TOKENS.admin);
// The legacy token: node_tokens are join tokens, which only register (issue 16).
const node = bearer(TOKENS.legacy);

describe('GET /gridnode/task long-poll (SPEC §2.7)', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub();
  });
  afterEach(() => hub.close());

  async function register(id: string): Promise<void> {
    await request(hub.url).post('/gridnode/register').set(node).send({ node_id: id, hostname: id, architecture: 'x86_64', cpu_count: 2 }).expect(200);
  }

  it('answers at once without a revision, then holds until the revision changes', async () => {
    const first = await request(hub.url).get('/gridnode/task?wait=30').set(node).expect(200);
    expect(first.body).toEqual({ revision: 0, stop_requested: false, task: null });

    const started = Date.now();
    const timedOut = await request(hub.url).get('/gridnode/task?wait=0.3&revision=0').set(node).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(timedOut.body).toEqual({ revision: 0, stop_requested: false, task: null });

    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'one', image: 'img:1' }).expect(201);
    const changed = await request(hub.url).get('/gridnode/task?wait=30&revision=0').set(node).expect(200);
    expect(changed.body).toMatchObject({ revision: 1, task: { task_name: 'one', image: 'img:1', revision: 1 } });
  });

  it('wakes every pending long-poll within 100 ms of a task switch', async () => {
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'a', image: 'img:a' }).expect(201);
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'b', image: 'img:b' }).expect(201);
    const polls = Array.from({ length: 20 }, (_, i) =>
      request(hub.url)
        .get(`/gridnode/task?wait=30&revision=1&node_id=n${i}&platform=linux/amd64`)
        .set(node)
        .then((res) => ({ res, at: Date.now() })),
    );
    await new Promise((r) => setTimeout(r, 300));
    const finishedAt = Date.now();
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    const answers = await Promise.all(polls);
    const worst = Math.max(...answers.map((a) => a.at - finishedAt));
    console.log(`long-poll wake-up after finish: worst of 20 polls ${worst} ms (incl. the finish round trip)`);
    expect(worst).toBeLessThan(100 + 150);
    for (const { res } of answers) expect(res.body).toMatchObject({ revision: 2, task: { task_name: 'b' } });
  });

  it('wakes only the stopped node\'s poll on a stop request, and says so on SSE', async () => {
    await register('n-stop');
    await register('n-other');
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    let otherDone = false;
    const other = request(hub.url).get('/gridnode/task?wait=1.5&revision=0&node_id=n-other').set(node).then((r) => ((otherDone = true), r));
    const started = Date.now();
    const stopped = request(hub.url).get('/gridnode/task?wait=30&revision=0&node_id=n-stop').set(node);
    await new Promise((r) => setTimeout(r, 200));
    await request(hub.url).post('/api/nodes/n-stop/stop').set(admin).expect(200);
    const res = await stopped;
    expect(res.body).toEqual({ revision: 0, stop_requested: true, task: null });
    expect(Date.now() - started).toBeLessThan(200 + 500);
    expect(otherDone).toBe(false);
    expect((await other).body.stop_requested).toBe(false);
    await waitFor(() => sse.events.find((e) => e.type === 'node.stopping'), 2000, 'node.stopping on SSE');
    sse.close();
  });

  it('rejects bad query values with a 400 naming them', async () => {
    await request(hub.url).get('/gridnode/task?wait=abc').set(node).expect(400);
    await request(hub.url).get('/gridnode/task?wait=5&revision=-1').set(node).expect(400);
    await request(hub.url).get('/gridnode/task?node_id=bad%20id&wait=1').set(node).expect(400);
    await request(hub.url).get('/gridnode/task?unknown=1').set(node).expect(400);
  });

  it('never moves the revision on registering or removing a pending task, and persists it', async () => {
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'r1', image: 'i' }).expect(201);
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'r2', image: 'i' }).expect(201);
    await request(hub.url).delete('/api/tasks/r2').set(admin).expect(200);
    const env = await request(hub.url).get('/gridnode/task?wait=1').set(node).expect(200);
    expect(env.body.revision).toBe(1);
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    const stateDir = hub.stateDir;
    await hub.close();
    hub = await startTestHub({ state_dir: stateDir });
    const after = await request(hub.url).get('/gridnode/task?wait=1').set(node).expect(200);
    expect(after.body.revision).toBe(2);
  });
});
