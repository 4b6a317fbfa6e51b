import { execFileSync } from 'node:child_process';
import { startRedis, RunningRedis } from '../support/redis-server';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { waitFor } from '../support/ports';
import { startAgent, AgentProcess } from './support/agent-process';
import { addTask, holdBatch, nodeContainers, nodeRecord, pushItems, queueState, waitForContainers, waitForNodeId } from './support/grid';
import { ensureTestImage, listLabelled, removeLabelled, requireDockerEngine } from './support/test-image';

/**
 * Two agents on one engine, an agent SIGKILLed and started again, a hub restarted mid-run, a
 * stop request from the hub, and the refusal of a GPU task on this GPU-less machine.
 * (Issue 6 points 2, 6, 7, 10, 11.)
 */
describe('GridNode recovery', () => {
  jest.setTimeout(90_000);
  let redis: RunningRedis;
  let hub: HubProcess;
  let a: AgentProcess;
  let b: AgentProcess;
  let idA: string;
  let idB: string;
  let image: string;
  const env = () => ({ GRIDNODE_SERVER_URL: hub.url, GRIDNODE_TOKEN: hub.token, GRIDNODE_PARALLELISM: '2' });

  beforeAll(async () => {
    requireDockerEngine();
    image = ensureTestImage();
    redis = await startRedis();
    hub = await startHubProcess();
    a = startAgent(env());
    b = startAgent(env());
    [idA, idB] = await Promise.all([waitForNodeId(a.stateDir), waitForNodeId(b.stateDir)]);
    await addTask(hub, { name: 'rec', image, input_redis: redis.url, input_queue: 'rec:in', env: { MODE: 'serve' } });
    await Promise.all([waitForContainers(idA, 'rec', 2), waitForContainers(idB, 'rec', 2)]);
  }, 120_000);

  afterAll(async () => {
    for (const agent of [a, b]) agent?.signal('SIGKILL');
    for (const id of [idA, idB]) if (id) removeLabelled(`gridcore.node=${id}`);
    await hub?.stop();
    await redis?.stop();
  });

  it('restarted after SIGKILL, an agent removes its own orphans, requeues their batches, and leaves the other node alone', async () => {
    await pushItems(redis.url, 'rec:in', ['1', '2', '3', '4', '5', '6']);
    const orphans = nodeContainers(idA, 'rec');
    const others = nodeContainers(idB, 'rec').map((c) => c.id).sort();
    const held = await holdBatch(redis.url, 'rec:in', orphans[0].env, 2);
    a.signal('SIGKILL');
    await a.exited;
    // The crashed agent's containers keep running: nothing stopped them.
    expect(nodeContainers(idA, 'rec').map((c) => c.id).sort()).toEqual(orphans.map((c) => c.id).sort());

    a = startAgent(env(), { stateDir: a.stateDir });
    const fresh = await waitFor(() => {
      const list = nodeContainers(idA, 'rec');
      return list.length === 2 && list.every((c) => !orphans.some((o) => o.id === c.id)) ? list : null;
    }, 30_000, 'new containers replacing the orphans');
    expect(fresh.map((c) => c.env.NODE_ID)).toEqual([idA, idA]);
    expect(listLabelled(`gridcore.node=${idA}`).sort()).toEqual(fresh.map((c) => c.id).sort());
    const state = await queueState(redis.url, 'rec:in');
    expect(state.retry.sort()).toEqual([...held.items].sort());
    expect(Object.keys(state.attempts).sort()).toEqual([...held.items].sort());
    expect(a.output()).toMatch(/removed orphan .* requeued 2 in-flight item/);
    // Node B never noticed.
    expect(nodeContainers(idB, 'rec').map((c) => c.id).sort()).toEqual(others);
    expect(await waitForNodeId(a.stateDir)).toBe(idA);
  });

  it('keeps its containers through a hub restart and registers again', async () => {
    const before = [...nodeContainers(idA, 'rec'), ...nodeContainers(idB, 'rec')].map((c) => c.id).sort();
    const port = hub.port;
    const stateDir = hub.stateDir;
    await hub.stop();
    await new Promise((r) => setTimeout(r, 2_500));
    expect([...nodeContainers(idA, 'rec'), ...nodeContainers(idB, 'rec')].map((c) => c.id).sort()).toEqual(before);
    expect(a.output()).toMatch(/heartbeat failed: hub unreachable/);
    // Marked before the hub is back: the agent may register again while startHubProcess still waits for it to be ready.
    const mark = a.output().length;
    hub = await startHubProcess({ port, stateDir, token: hub.token });
    await waitFor(() => /registered with .* as /.test(a.output().slice(mark)), 20_000, 'agent A registered again');
    const record = await waitFor(async () => {
      const r = await nodeRecord(hub, idA);
      return r?.status === 'Online' && r.active_containers === 2 ? r : null;
    }, 20_000, 'node A online again');
    expect(record.task_name).toBe('rec');
    expect([...nodeContainers(idA, 'rec'), ...nodeContainers(idB, 'rec')].map((c) => c.id).sort()).toEqual(before);
  });

  it('stops at once on a stop request from the hub: containers removed, deregistered, exit 0', async () => {
    const t0 = Date.now();
    const res = await hub.api('POST', `/api/nodes/${idB}/stop`);
    expect(res.status).toBe(200);
    expect(await b.exited).toBe(0);
    console.log(`stop request → agent exited in ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(listLabelled(`gridcore.node=${idB}`)).toEqual([]);
    expect(nodeContainers(idA, 'rec')).toHaveLength(2);
    // The long-poll and the heartbeat both hear the request; the agent says it once.
    const stopLines = b.output().split('\n').filter((line) => /asks this node to stop|stopping: /.test(line));
    expect(stopLines).toHaveLength(1);
    expect(stopLines[0]).toMatch(/stopping: the hub asks this node to stop/);
  });

  it('refuses a GPU task on this GPU-less machine without crash-looping', async () => {
    const stateDir = b.stateDir;
    b = startAgent({ ...env(), GRIDNODE_PARALLELISM: '1' }, { stateDir });
    await waitFor(() => /registered with/.test(b.output()), 20_000, 'agent B registered');
    await addTask(hub, { name: 'needs-gpu', image, input_redis: redis.url, input_queue: 'gpu:in', gpus: 1 });
    const finished = await hub.api('POST', '/api/tasks/finish');
    expect(finished.status).toBe(200);
    const record = await waitFor(async () => {
      const r = await nodeRecord(hub, idB);
      return r?.task_name === 'needs-gpu' && r.runtime_status === 'Error' ? r : null;
    }, 20_000, 'node B in Error for the GPU task');
    expect(record.gpus).toEqual([]);
    expect(record.instances).toEqual([
      expect.objectContaining({ state: 'error', restarts: 0, last_error: expect.stringContaining('needs 1 GPU per container and this node has 0') }),
    ]);
    expect(listLabelled(`gridcore.node=${idB}`)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.process.exitCode).toBeNull();
    expect(listLabelled(`gridcore.node=${idB}`)).toEqual([]);
    execFileSync('true');
  });
});
