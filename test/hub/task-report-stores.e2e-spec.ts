import request from 'supertest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);
const node = bearer(TOKENS.legacy);

/**
 * Issue 19.5 on the node protocol's wire: the hub sums what each container used (cumulative
 * readings in `instances[].usage`) across a container restart, and the completed run's report
 * is the same after a hub restart, with either state store. The original's heartbeat (no
 * instances) is taken as before and adds nothing.
 */
describe.each(['file', 'redis'] as const)('the task report across a hub restart (%s state store)', (store) => {
  let redis: RunningRedis | undefined;
  let hub: TestHub | undefined;
  let values: Record<string, unknown>;

  beforeAll(async () => {
    if (store === 'redis') {
      redis = await startRedis({ appendonly: true });
      values = { state_store: 'redis', state_redis_url: redis.url };
    } else {
      values = { state_dir: mkdtempSync(join(tmpdir(), 'gridcore-report-')) };
    }
  });
  afterAll(async () => {
    await hub?.close();
    await redis?.stop();
  });

  const beat = (instances: unknown[] | undefined, task: string | null = 'rep') =>
    request(hub!.url)
      .post('/gridnode/heartbeat')
      .set(node)
      .send({ node_id: 'rnode', status: 'Running', active_containers: 1, task_name: task, ...(instances ? { instances } : {}) })
      .expect(200);

  it('sums containers across a restart, and the completed report survives the hub', async () => {
    hub = await startTestHub(values as never);
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'rep', image: 'img:1' }).expect(201);
    await request(hub.url).post('/gridnode/register').set(node).send({ node_id: 'rnode', hostname: 'host-r', architecture: 'x86_64', cpu_count: 2 }).expect(200);
    // The original's heartbeat: three fields, nothing to count.
    await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: 'rnode', status: 'Running', active_containers: 1 }).expect(200);
    await beat([{ instance: 0, state: 'running', restarts: 0, container_id: 'aaa', usage: { cpu_s: 1.5, gpu_s: 0 } }]);
    await beat([{ instance: 0, state: 'running', restarts: 0, container_id: 'aaa', usage: { cpu_s: 2.5, gpu_s: 0.25 } }]);
    await beat([{ instance: 0, state: 'backoff', restarts: 0, last_exit_code: 1, usage: { cpu_s: 2.75, gpu_s: 0.25 } }]);
    await beat([{ instance: 0, state: 'running', restarts: 1, container_id: 'bbb', usage: { cpu_s: 1, gpu_s: 0 } }]);
    const live = (await request(hub.url).get('/api/tasks/rep/report').set(admin).expect(200)).body;
    expect(live).toMatchObject({ status: 'running', final: false, cpu_s: 3.75, gpu_s: 0.25 });
    await request(hub.url).post('/api/tasks/finish').set(admin).send({ name: 'rep' }).expect(200);
    await beat([{ instance: 0, state: 'stopping', restarts: 1, container_id: 'bbb', usage: { cpu_s: 1.25, gpu_s: 0 } }]);
    await beat([], null);
    const report = (await request(hub.url).get('/api/tasks/rep/report').set(admin).expect(200)).body;
    expect(report).toMatchObject({ task: 'rep', status: 'completed', final: true, cpu_s: 4, gpu_s: 0.25, dead: { count: 0, groups: null } });
    expect(report.nodes).toEqual([
      { node_id: 'rnode', hostname: 'host-r', items: 0, cpu_s: 4, gpu_s: 0.25, containers: 2, switched_in_s: expect.any(Number), switched_out_s: expect.any(Number) },
    ]);
    const csv = await request(hub.url).get('/api/tasks/rep/report').set(admin).set('Accept', 'text/csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="rep-report.csv"');
    expect(csv.text.split('\r\n')[1]).toMatch(/^rep,[0-9a-f-]{36},completed,.*,rnode,host-r,0,4,0\.25,2,/);
    await hub.close();

    hub = await startTestHub(values as never);
    const after = (await request(hub.url).get('/api/tasks/rep/report').set(admin).expect(200)).body;
    expect(after).toEqual(report);
    // The record's answers stay as they were: the usage is the report's, not a new task field.
    expect((await request(hub.url).get('/api/tasks/rep').set(admin)).body).not.toHaveProperty('usage');
  });

  it('refuses what is not a report or a node it can ask', async () => {
    await request(hub!.url).get('/api/tasks/no-such/report').set(admin).expect(404);
    const offline = await request(hub!.url).get('/api/nodes/rnode/logs').set(admin).expect(409);
    expect(offline.body.message).toMatch(/is offline \(no heartbeat since the hub started/);
    // Heartbeating again, but it never polls for log requests: the original GridNode.
    await beat(undefined, null);
    const refused = await request(hub!.url).get('/api/nodes/rnode/logs').set(admin).expect(409);
    expect(refused.body.message).toMatch(/does not relay logs/);
    await request(hub!.url).get('/gridnode/logs/requests?wait=0').set(node).expect(400);
    await request(hub!.url).get('/gridnode/logs/requests?node_id=unknown-node&wait=0').set(node).expect(404);
    const answer = await request(hub!.url).post('/gridnode/logs/answers').set(node).send({ node_id: 'rnode', request_id: 'stale-id', containers: [] }).expect(200);
    expect(answer.body).toEqual({ continue: false });
    await request(hub!.url).post('/gridnode/logs/answers').set(node).send({ node_id: 'rnode', request_id: 'bad id!' }).expect(400);
  });
});
