import { createHash } from 'node:crypto';
import request from 'supertest';
import { CleanupScheduler } from '../../apps/computehub/src/cleanup/cleanup.scheduler';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { openSse } from '../support/sse';

// The legacy token: node_tokens are join tokens, which only register (issue 16).
const node = bearer(TOKENS.legacy);
const admin = bearer(TOKENS.admin);

const fullRegister = {
  node_id: null,
  hostname: 'gpu-box',
  architecture: 'x86_64',
  cpu_count: 32,
  platform: 'linux/amd64',
  version: '0.1.0',
  labels: { zone: 'lab', gpu: 'h100' },
  memory_total_mb: 515_000,
  parallelism: 16,
  gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81_559 }],
};

function fullHeartbeat(nodeId: string) {
  return {
    node_id: nodeId,
    status: 'Running',
    active_containers: 2,
    task_name: 'sqrt',
    instances: [
      { instance: 0, state: 'running', container_id: 'abc', restarts: 0 },
      { instance: 1, state: 'backoff', restarts: 3, last_exit_code: 137, last_error: 'OOM killed' },
    ],
    usage: {
      cpu_pct: 55.5,
      mem_pct: 20,
      load1: 1.5,
      load5: 1.2,
      load15: 0.9,
      gpus: [{ index: 0, util_pct: 100, mem_used_mib: 70_000, mem_total_mib: 81_559, temperature_c: 61, power_w: 690.5 }],
    },
  };
}

describe('nodes (SPEC §2.4–2.6)', () => {
  let hub: TestHub;

  afterEach(() => hub?.close());

  it('takes the full register and heartbeat bodies and shows them, never a token', async () => {
    hub = await startTestHub();
    const reg = await request(hub.url).post('/gridnode/register').set(node).send(fullRegister).expect(200);
    const id = reg.body.node_id;
    await request(hub.url).post('/gridnode/heartbeat').set(node).send(fullHeartbeat(id)).expect(200);
    const list = await request(hub.url).get('/api/nodes').set(bearer(TOKENS.viewer)).expect(200);
    expect(list.body[0]).toMatchObject({
      id,
      status: 'Online',
      runtime_status: 'Running',
      platform: 'linux/amd64',
      labels: { zone: 'lab', gpu: 'h100' },
      parallelism: 16,
      gpus: fullRegister.gpus,
      task_name: 'sqrt',
      instances: fullHeartbeat(id).instances,
      usage: fullHeartbeat(id).usage,
    });
    expect(JSON.stringify(list.body)).not.toContain(TOKENS.node);
  });

  it('shows what each beat said when beats repeat, change or clear a field; GET answers keep their ETag and 304', async () => {
    hub = await startTestHub();
    const id = (await request(hub.url).post('/gridnode/register').set(node).send(fullRegister).expect(200)).body.node_id;
    const shown = async () => (await request(hub.url).get("/api/nodes").set(admin).expect(200)).body.find((n: { id: string }) => n.id === id);
    const beat = (fields: Record<string, unknown>) => request(hub.url).post('/gridnode/heartbeat').set(node).send({ ...fullHeartbeat(id), ...fields }).expect(200);
    await beat({});
    await beat({});
    expect(await shown()).toMatchObject({ instances: fullHeartbeat(id).instances, task_name: 'sqrt', runtime_status: 'Running' });
    const changed = [{ ...fullHeartbeat(id).instances[0], restarts: 1 }, fullHeartbeat(id).instances[1]];
    await beat({ instances: changed, status: 'Error', last_error: 'docker engine away', task_name: 'other' });
    expect(await shown()).toMatchObject({ instances: changed, runtime_status: 'Error', last_error: 'docker engine away', task_name: 'other' });
    const reason = { task: 'other', reason: 'image_not_allowed', detail: 'not in allowed_images' };
    await beat({ instances: [], not_running: reason });
    expect(await shown()).toMatchObject({ instances: [], not_running: reason, last_error: null, runtime_status: 'Running' });
    await beat({ not_running: null });
    expect(await shown()).toMatchObject({ instances: fullHeartbeat(id).instances, not_running: null });

    // The hub makes Express's weak ETags itself (cheaper): the same tag, and a conditional GET still answers 304.
    const tasks = await request(hub.url).get('/api/tasks').set(admin).expect(200);
    const tag = tasks.headers.etag as string;
    expect(tag).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    expect(tag).toBe(`W/"${Buffer.byteLength(tasks.text).toString(16)}-${createHash('sha1').update(tasks.text).digest('base64').slice(0, 27)}"`);
    await request(hub.url).get('/api/tasks').set(admin).set('If-None-Match', tag).expect(304);
  });

  it("shows why a node is in Error as its last heartbeat said, and clears it with the next one", async () => {
    hub = await startTestHub();
    const id = (await request(hub.url).post('/gridnode/register').set(node).send(fullRegister).expect(200)).body.node_id;
    const reason = 'cannot reach the Docker engine at /var/run/docker.sock (ECONNREFUSED): is dockerd running?';
    await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: id, status: 'Error', active_containers: 0, last_error: reason }).expect(200);
    const down = await request(hub.url).get('/api/nodes').set(bearer(TOKENS.viewer)).expect(200);
    expect(down.body[0]).toMatchObject({ id, runtime_status: 'Error', last_error: reason, active_containers: 0 });
    await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: id, status: 'Idle', active_containers: 0 }).expect(200);
    const back = await request(hub.url).get('/api/nodes').set(bearer(TOKENS.viewer)).expect(200);
    expect(back.body[0]).toMatchObject({ id, runtime_status: 'Idle', last_error: null });
    const tooLong = await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: id, status: 'Error', active_containers: 0, last_error: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toContain('last_error');
  });

  it('re-registers with a saved id, 404s a heartbeat or deregister of an unknown id', async () => {
    hub = await startTestHub();
    await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'saved-id.1' }).expect(200);
    const unknown = await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: 'ghost', status: 'Idle', active_containers: 0 }).expect(404);
    expect(unknown.body.message).toBe('Node ghost not found');
    await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'ghost' }).expect(404);
    await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'saved-id.1' }).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: 'saved-id.1', status: 'Idle', active_containers: 0 }).expect(404);
    await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'saved-id.1' }).expect(404);
    // Issue 15 point 8: a node that left stays listed, Offline, until it is removed.
    const [left] = (await request(hub.url).get('/api/nodes').set(admin)).body;
    expect(left).toMatchObject({ id: 'saved-id.1', status: 'Offline', runtime_status: null, active_containers: 0 });
    expect(Date.parse(left.left_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lets an operator remove a node that left or is offline, never one that is online', async () => {
    hub = await startTestHub();
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    try {
      await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'gone' }).expect(200);
      const online = await request(hub.url).delete('/api/nodes/gone').set(admin).expect(409);
      expect(online.body.message).toBe('Node gone is online; stop it first (POST /api/nodes/gone/stop)');
      await request(hub.url).delete('/api/nodes/gone').set({ Authorization: `Bearer ${TOKENS.viewer}` }).expect(403);
      await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'gone' }).expect(200);
      expect((await request(hub.url).get('/api/nodes').set(admin)).body.map((n: { id: string }) => n.id)).toEqual(['gone']);
      const removed = await request(hub.url).delete('/api/nodes/gone').set(admin).expect(200);
      expect(removed.body).toMatchObject({ id: 'gone', status: 'Offline' });
      expect((await request(hub.url).get('/api/nodes').set(admin)).body).toEqual([]);
      await request(hub.url).delete('/api/nodes/gone').set(admin).expect(404);
      await waitFor(() => sse.events.some((e) => e.type === 'node.removed'), 3000, 'node.removed on SSE');
      // Coming back after removal is a fresh registration.
      await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'gone' }).expect(200);
      expect((await request(hub.url).get('/api/nodes').set(admin)).body[0]).toMatchObject({ id: 'gone', status: 'Online', left_at: null });
    } finally {
      sse.close();
    }
  });

  it('keeps a stop request until the node deregisters or registers anew', async () => {
    hub = await startTestHub();
    const beat = () => request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: 'n1', status: 'Idle', active_containers: 0 });
    await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'n1' }).expect(200);
    await request(hub.url).post('/api/nodes/n1/stop').set(admin).expect(200);
    expect((await beat()).body).toEqual({ stop_requested: true });
    expect((await beat()).body).toEqual({ stop_requested: true });
    // The flag survives a hub restart.
    const stateDir = hub.stateDir;
    await hub.close();
    hub = await startTestHub({ state_dir: stateDir });
    expect((await beat()).body).toEqual({ stop_requested: true });
    await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'n1' }).expect(200);
    expect((await beat()).body).toEqual({ stop_requested: false });
  });

  it('marks silent nodes offline, then removes them, and says so on SSE', async () => {
    hub = await startTestHub({ node_offline_after_s: 0.4, node_remove_after_s: 1.2, cleanup_interval_s: 0.1 });
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'quiet' }).expect(200);
    await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'chatty' }).expect(200);
    const beats = setInterval(() => {
      // Background beats: one lost to a busy machine only delays the next, never fails the test.
      void request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: 'chatty', status: 'Idle', active_containers: 0 }).then(
        () => undefined,
        () => undefined,
      );
    }, 100);
    try {
      await waitFor(async () => {
        const nodes = (await request(hub.url).get('/api/nodes').set(admin)).body as { id: string; status: string }[];
        return nodes.find((n) => n.id === 'quiet')?.status === 'Offline';
      }, 3000, 'quiet node offline');
      await waitFor(async () => {
        const nodes = (await request(hub.url).get('/api/nodes').set(admin)).body as { id: string; status: string }[];
        return !nodes.some((n) => n.id === 'quiet') && nodes.find((n) => n.id === 'chatty')?.status === 'Online';
      }, 4000, 'quiet node removed, chatty one kept');
    } finally {
      clearInterval(beats);
    }
    await waitFor(() => sse.events.some((e) => e.type === 'node.removed'), 3000, 'node.removed on SSE');
    expect(sse.events.map((e) => e.type)).toEqual(expect.arrayContaining(['node.registered', 'node.offline', 'node.removed', 'node.updated']));
    const updates = sse.events.filter((e) => e.type === 'node.updated' && (e.data as { data: { id: string } }).data.id === 'chatty');
    // Beats every 100 ms, node.updated at most once a second.
    expect(updates.length).toBeLessThanOrEqual(4);
    sse.close();
  });

  it('persists node records across a restart; they show offline until their next heartbeat', async () => {
    hub = await startTestHub();
    await request(hub.url).post('/gridnode/register').set(node).send({ ...fullRegister, node_id: 'keeper' }).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(node).send(fullHeartbeat('keeper')).expect(200);
    await hub.app.get(CleanupScheduler).tick();
    const stateDir = hub.stateDir;
    await hub.close();
    hub = await startTestHub({ state_dir: stateDir });
    const nodes = (await request(hub.url).get('/api/nodes').set(admin).expect(200)).body;
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ id: 'keeper', hostname: 'gpu-box', status: 'Offline', gpus: fullRegister.gpus });
    // An original node never re-registers: its next heartbeat brings it back.
    await request(hub.url).post('/gridnode/heartbeat').set(node).send({ node_id: 'keeper', status: 'Running', active_containers: 1 }).expect(200);
    const back = (await request(hub.url).get('/api/nodes').set(admin)).body;
    expect(back[0]).toMatchObject({ status: 'Online', runtime_status: 'Running' });
  });
});
