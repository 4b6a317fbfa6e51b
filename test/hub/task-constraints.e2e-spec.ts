import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';

const admin = bearer(TOKENS.admin);
const viewer = bearer(TOKENS.viewer);
// The legacy token: node_tokens are join tokens, which only register (issue 16).
const legacy = bearer(TOKENS.legacy);

/** Issue 21.2 on the hub: `constraints` validated, kept, sent to nodes, and judged against what nodes reported. */
describe('task placement constraints (issue 21.2)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    const nodes: [string, Record<string, unknown>][] = [
      ['eu-big', { labels: { region: 'eu', disk: 'ssd' }, memory_total_mb: 4096, cpu_count: 8, platform: 'linux/amd64' }],
      ['us-small', { labels: { region: 'us', disk: 'hdd' }, memory_total_mb: 1024, cpu_count: 2, platform: 'linux/amd64' }],
    ];
    for (const [id, facts] of nodes) {
      await request(hub.url).post('/gridnode/register').set(legacy).send({ node_id: id, hostname: `h-${id}`, architecture: 'x86_64', ...facts }).expect(200);
      await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: id, status: 'Idle', active_containers: 0 }).expect(200);
    }
  });
  afterAll(() => hub.close());

  const register = (name: string, constraints: unknown) => request(hub.url).post('/api/tasks').set(admin).send({ name, image: 'img:1', constraints });
  const finish = () => request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
  const nodeReason = async (id: string) => {
    const nodes = (await request(hub.url).get('/api/nodes').set(viewer).expect(200)).body as { id: string; not_running: { reason: string; detail: string } | null }[];
    return nodes.find((n) => n.id === id)!.not_running;
  };

  it('refuses bad constraints with a 400 naming the field, and registers nothing', async () => {
    const bad: [unknown, RegExp][] = [
      ['eu', /constraints must be an object/],
      [{ labels: { region: 3 } }, /constraints\.labels must be an object of at most 32 labels/],
      [{ labels: { region: [] } }, /constraints\.labels must be/],
      [{ labels: { region: ['!eu'] } }, /constraints\.labels must be/],
      [{ labels: { 'bad key': 'x' } }, /constraints\.labels must be/],
      [{ min_memory_mb: -1 }, /constraints\.min_memory_mb must not be less than 1/],
      [{ min_memory_mb: 1.5 }, /constraints\.min_memory_mb must be an integer/],
      [{ min_cpus: 'four' }, /constraints\.min_cpus must be a number/],
      [{ platforms: 'linux/amd64' }, /constraints\.platforms must be an array/],
      [{ platforms: [] }, /constraints\.platforms must contain at least 1 elements/],
      [{ platforms: ['amd64'] }, /platforms must be platforms such as linux\/amd64/],
      [{ region: 'eu' }, /constraints\.property region should not exist/],
    ];
    for (const [constraints, message] of bad) {
      const res = await register('c-bad', constraints);
      expect({ constraints, status: res.status }).toEqual({ constraints, status: 400 });
      expect([res.body.message].flat().join('; ')).toMatch(message);
    }
    expect((await request(hub.url).get('/api/tasks').set(viewer)).body.tasks).toEqual([]);
  });

  it('keeps them on the record, sends them in the TaskConfig, and says on each node record why it cannot run the task', async () => {
    const constraints = { labels: { region: 'eu', disk: ['ssd', 'nvme'] }, min_memory_mb: 2048, min_cpus: 4, platforms: ['linux/amd64'] };
    const created = await register('c-eu', constraints).expect(201);
    expect(created.body.constraints).toEqual(constraints);
    expect(created.body.runnable).toMatchObject({ runnable: true, refusing_count: 1 });
    const config = await request(hub.url).get('/gridnode/task?platform=linux/amd64').set(legacy).expect(200);
    expect(config.body.constraints).toEqual(constraints);

    expect(await nodeReason('eu-big')).toBeNull();
    expect(await nodeReason('us-small')).toEqual({
      task: 'c-eu',
      reason: 'constraints_not_met',
      detail: 'task c-eu constraints not met: label region≠eu; label disk∉{ssd,nvme}; needs 2048 MB memory, has 1024; needs 4 CPUs, has 2',
    });
    await finish();
  });

  it('"!x" means any value but x, and a constraint no node meets leaves the task unrunnable, saying so', async () => {
    await register('c-not-us', { labels: { region: '!us' } }).expect(201);
    expect(await nodeReason('eu-big')).toBeNull();
    expect((await nodeReason('us-small'))?.detail).toBe('task c-not-us constraints not met: label region=us, wanted any but us');
    await finish();

    const none = await register('c-arm', { platforms: ['linux/arm64'], labels: { gpu: 'h100' } }).expect(201);
    expect(none.body.runnable).toMatchObject({ runnable: false, nodes_running: 0, refusing_count: 2 });
    expect(none.body.runnable.summary).toMatch(/no online node can run task c-arm: .*constraints not met/);
    expect((await nodeReason('eu-big'))?.detail).toBe('task c-arm constraints not met: label gpu≠h100; platform linux/amd64 not in linux/arm64');
    await finish();
  });

  it('a task without constraints changes nothing: no field in the TaskConfig, every node may run it', async () => {
    const plain = await request(hub.url).post('/api/tasks').set(admin).send({ name: 'c-plain', image: 'img:1' }).expect(201);
    expect(plain.body.constraints).toBeNull();
    expect(plain.body.runnable).toMatchObject({ runnable: true, refusing_count: 0 });
    const config = await request(hub.url).get('/gridnode/task?platform=linux/amd64').set(legacy).expect(200);
    expect(config.body).not.toHaveProperty('constraints');
    expect(await nodeReason('us-small')).toBeNull();
  });

  it('shows for each pending task how many online nodes could run it, and /metrics the nodes running each task (issue 21.6)', async () => {
    // c-plain runs; these wait behind it.
    await register('v-eu', { labels: { region: 'eu' } }).expect(201);
    await register('v-none', { min_cpus: 64 }).expect(201);
    const list = (await request(hub.url).get('/api/tasks').set(viewer).expect(200)).body;
    const byName = (name: string) => list.tasks.find((t: { name: string; status: string }) => t.name === name && t.status !== 'completed');
    expect(list.pending).toEqual(['v-eu', 'v-none']);
    expect(byName('v-eu').runnable).toMatchObject({ runnable: true, nodes_running: 1, refusing_count: 1, summary: '1 online node can run task v-eu; 1 refuse it (h-us-small: constraints_not_met)' });
    expect(byName('v-none').runnable).toMatchObject({ runnable: false, nodes_running: 0, refusing_count: 2 });
    expect(byName('v-none').runnable.nodes_refusing.map((r: { detail: string }) => r.detail)).toEqual([
      'task v-none constraints not met: needs 64 CPUs, has 8',
      'task v-none constraints not met: needs 64 CPUs, has 2',
    ]);
    expect((await request(hub.url).get('/api/tasks/v-eu').set(viewer)).body.runnable.nodes_running).toBe(1);

    await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: 'eu-big', status: 'Running', active_containers: 2, task_name: 'c-plain' }).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: 'us-small', status: 'Running', active_containers: 1, task_name: 'c-plain' }).expect(200);
    const metrics = (await request(hub.url).get('/metrics').set(viewer).expect(200)).text;
    expect(metrics).toMatch(/^# TYPE gridcore_task_nodes gauge$/m);
    expect(metrics).toMatch(/^gridcore_task_nodes\{task="c-plain"\} 2$/m);
    await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: 'us-small', status: 'Idle', active_containers: 0 }).expect(200);
    expect((await request(hub.url).get('/metrics').set(viewer).expect(200)).text).toMatch(/^gridcore_task_nodes\{task="c-plain"\} 1$/m);
  });
});
