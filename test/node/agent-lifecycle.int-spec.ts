import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../support/ports';
import { AgentGrid, startAgentGrid } from './support/agent-grid';
import { addTask, fakeNvidiaSmiDir, finish, holdBatch, nodeContainers, nodeRecord, queueState, pushItems, waitForContainers } from './support/grid';
import { dockerInspect, listLabelled } from './support/test-image';

/**
 * One agent against a real hub process, a real redis-server and the real Docker engine:
 * registration with GPUs, containers as SPEC §3, the task switch timing, crashes, exit 0,
 * and a graceful stop. (Issue 6 points 2, 3, 4, 5, 6, 7, 8.)
 */
describe('GridNode agent lifecycle', () => {
  let grid: AgentGrid;

  beforeAll(async () => {
    grid = await startAgentGrid({
      agentEnv: { GRIDNODE_PARALLELISM: '4', GRIDNODE_LABELS: 'zone=lab', PATH: `${fakeNvidiaSmiDir()}:${process.env.PATH}` },
    });
  }, 120_000);

  afterAll(() => grid?.stop());

  afterEach(() => {
    if (expect.getState().assertionCalls === 0 || process.env.GRIDNODE_TEST_VERBOSE) console.log(grid.agent.output().slice(-4000));
  });

  it('registers with its GPUs, keeps its id in state_dir, heartbeats usage and writes status.json', async () => {
    const record = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      return r && r.usage ? r : null;
    }, 15_000, 'a heartbeat with usage');
    expect(record).toMatchObject({
      id: grid.nodeId,
      status: 'Online',
      runtime_status: 'Idle',
      active_containers: 0,
      parallelism: 4,
      labels: { zone: 'lab' },
      platform: 'linux/amd64',
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559 }],
    });
    expect(record.usage).toMatchObject({ cpu_pct: expect.any(Number), mem_pct: expect.any(Number), load1: expect.any(Number) });
    expect(record.usage.gpus).toEqual([{ index: 0, util_pct: 100, mem_used_mib: 1011, mem_total_mib: 81559, temperature_c: 58, power_w: 699.52 }]);
    // status.json follows the heartbeat that the record above came from.
    const statusFile = join(grid.agent.stateDir, 'status.json');
    await waitFor(() => existsSync(statusFile), 10_000, 'status.json written');
    const status = JSON.parse(readFileSync(statusFile, 'utf8'));
    expect(status).toMatchObject({ node_id: grid.nodeId, pid: grid.agent.process.pid });
    expect(Date.now() - status.last_heartbeat_ok).toBeLessThan(5_000);
  });

  it('runs parallelism containers with NanoCpus, memory, labels, env and host networking', async () => {
    await addTask(grid.hub, {
      name: 'alpha',
      image: grid.image,
      input_redis: grid.redis.url,
      input_queue: 'alpha:in',
      output_queue: 'alpha:out',
      cpus: 0.5,
      env: { MODE: 'serve', EXTRA: 'x' },
      max_attempts: 5,
      batch_timeout_s: 120,
    });
    const containers = await waitForContainers(grid.nodeId, 'alpha', 4);
    expect(containers.map((c) => c.env.INSTANCE_ID).sort()).toEqual(['0', '1', '2', '3']);
    const c = containers[0];
    expect(c.info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(c.info.HostConfig.CpuCount).toBe(0);
    expect(c.info.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(c.info.HostConfig.NetworkMode).toBe('host');
    expect(c.info.Config.Labels).toMatchObject({ 'gridcore.task': 'alpha', 'gridcore.node': grid.nodeId, 'gridcore.instance': c.env.INSTANCE_ID });
    expect(c.env).toMatchObject({
      TASK_NAME: 'alpha',
      NODE_ID: grid.nodeId,
      INPUT_REDIS_URL: grid.redis.url,
      OUTPUT_REDIS_URL: grid.redis.url,
      INPUT_QUEUE: 'alpha:in',
      OUTPUT_QUEUE: 'alpha:out',
      MAX_ATTEMPTS: '5',
      BATCH_TIMEOUT_S: '120',
      EXTRA: 'x',
    });
    expect(new Set(containers.map((x) => x.env.RUN_ID)).size).toBe(4);
    const record = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      return r?.active_containers === 4 && r.instances?.length === 4 ? r : null;
    }, 10_000, 'heartbeat with 4 instances');
    expect(record.runtime_status).toBe('Running');
    expect(record.task_name).toBe('alpha');
    expect(record.instances.map((i: any) => i.state)).toEqual(['running', 'running', 'running', 'running']);
  });

  it('restarts a container SIGKILLed from outside and requeues its batch with one attempt', async () => {
    await pushItems(grid.redis.url, 'alpha:in', ['1', '2', '3', '4', '5']);
    const [victim] = nodeContainers(grid.nodeId, 'alpha').filter((c) => c.env.INSTANCE_ID === '1');
    const held = await holdBatch(grid.redis.url, 'alpha:in', victim.env, 3);
    listLabelled(`gridcore.node=${grid.nodeId}`); // engine answers
    require('node:child_process').execFileSync('docker', ['kill', '-s', 'KILL', victim.id]);
    const replacement = await waitFor(() => {
      const next = nodeContainers(grid.nodeId, 'alpha').find((c) => c.env.INSTANCE_ID === '1');
      return next && next.id !== victim.id ? next : null;
    }, 15_000, 'a replacement for instance 1');
    expect(replacement.env.RUN_ID).not.toBe(victim.env.RUN_ID);
    const state = await queueState(grid.redis.url, 'alpha:in');
    expect(state.retry.sort()).toEqual([...held.items].sort());
    expect(Object.values(state.attempts)).toEqual(['1', '1', '1']);
    expect(state.leases).toEqual([]);
    const instance = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      const i = r?.instances?.find((x: any) => x.instance === 1);
      return i?.restarts === 1 ? i : null;
    }, 10_000, 'restarts=1 in the heartbeat');
    expect(instance).toMatchObject({ state: 'running', last_exit_code: 137 });
    expect(instance.last_error).toMatch(/exited with code 137/);
  });

  it('switches 4 containers to the next task quickly after finish, handing back without an attempt', async () => {
    await addTask(grid.hub, { name: 'beta', image: grid.image, input_redis: grid.redis.url, input_queue: 'beta:in', env: { MODE: 'serve' } });
    const old = nodeContainers(grid.nodeId, 'alpha');
    expect(old).toHaveLength(4);
    const [holder] = old.filter((c) => c.env.INSTANCE_ID === '2');
    const before = await queueState(grid.redis.url, 'alpha:in');
    const held = await holdBatch(grid.redis.url, 'alpha:in', holder.env, 2);
    const t0 = Date.now();
    await finish(grid.hub);
    await waitForContainers(grid.nodeId, 'beta', 4, 15_000, 20);
    const switchMs = Date.now() - t0;
    console.log(`task switch: finish → 4 new containers running in ${switchMs} ms`);
    expect(switchMs).toBeLessThan(3_000);
    expect(nodeContainers(grid.nodeId, 'alpha', true)).toHaveLength(0);
    const after = await queueState(grid.redis.url, 'alpha:in');
    // Handed back: to the input's right end (taken next), no new attempt.
    expect(after.input.slice(-held.items.length).sort()).toEqual([...held.items].sort());
    expect(after.attempts).toEqual(before.attempts);
    expect(after.leases).toEqual([]);
  });

  it('does not restart-loop a container that exits 0; starts one when items arrive', async () => {
    await addTask(grid.hub, { name: 'gamma', image: grid.image, input_redis: grid.redis.url, input_queue: 'gamma:in', env: { MODE: 'exit', EXIT_CODE: '0' }, max_containers_per_node: 1 });
    await finish(grid.hub);
    const record = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      // The previous task's second container may still be stopping: wait until only gamma's one is left.
      return r?.task_name === 'gamma' && r.instances?.length === 1 && r.instances[0]?.state === 'waiting' ? r : null;
    }, 15_000, 'one instance, waiting after exit 0');
    expect(record.instances).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await nodeRecord(grid.hub, grid.nodeId)).instances[0]).toMatchObject({ state: 'waiting', restarts: 0, last_exit_code: 0 });
    await pushItems(grid.redis.url, 'gamma:in', ['9']);
    const restarted = await waitFor(async () => {
      const i = (await nodeRecord(grid.hub, grid.nodeId))?.instances?.[0];
      return i && i.restarts >= 1 ? i : null;
    }, 10_000, 'a new container after items arrived');
    expect(restarted.restarts).toBeGreaterThanOrEqual(1);
  });

  it('runs none of the containers of a task that needs more GPUs than the node has, and says why', async () => {
    await addTask(grid.hub, { name: 'gpu2', image: grid.image, input_redis: grid.redis.url, input_queue: 'gpu2:in', gpus: 2, max_containers_per_node: 2 });
    await finish(grid.hub);
    const record = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      // Every slot, not just the first to refuse: the previous task's container may still be stopping.
      const refusing = r?.instances?.length === 2 && r.instances.every((i: { state: string }) => i.state === 'error');
      return r?.task_name === 'gpu2' && r.runtime_status === 'Error' && refusing ? r : null;
    }, 15_000, 'Error status for a GPU task');
    expect(record.instances[0]).toMatchObject({
      state: 'error',
      restarts: 0,
      last_error: 'task gpu2 needs 2 GPUs per container and this node has 1: running none of its containers here',
    });
    expect(nodeContainers(grid.nodeId, 'gpu2', true)).toEqual([]);
    expect(grid.agent.process.exitCode).toBeNull();
  });

  it('shows a missing image as the node\'s Error status with the message, and keeps running', async () => {
    await addTask(grid.hub, { name: 'missing-image', image: 'gridcore-test/does-not-exist:none', input_redis: grid.redis.url, input_queue: 'mi:in', max_containers_per_node: 1 });
    await finish(grid.hub);
    const record = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      return r?.task_name === 'missing-image' && r.runtime_status === 'Error' ? r : null;
    }, 60_000, 'Error status for a missing image');
    expect(record.instances[0].state).toBe('error');
    expect(record.instances[0].last_error).toContain('gridcore-test/does-not-exist:none');
    expect(grid.agent.process.exitCode).toBeNull();
  }, 90_000);

  it('stops on SIGTERM: containers stopped and removed, batches handed back, deregistered, exit 0', async () => {
    await addTask(grid.hub, { name: 'delta', image: grid.image, input_redis: grid.redis.url, input_queue: 'delta:in', env: { MODE: 'serve' }, max_containers_per_node: 2 });
    await finish(grid.hub);
    const containers = await waitForContainers(grid.nodeId, 'delta', 2);
    await pushItems(grid.redis.url, 'delta:in', ['a', 'b', 'c']);
    const held = await holdBatch(grid.redis.url, 'delta:in', containers[0].env, 2);
    grid.agent.signal('SIGTERM');
    expect(await grid.agent.exited).toBe(0);
    expect(listLabelled(`gridcore.node=${grid.nodeId}`)).toEqual([]);
    const state = await queueState(grid.redis.url, 'delta:in');
    expect(state.input.sort()).toEqual(['a', 'b', 'c']);
    expect(state.attempts).toEqual({});
    expect(held.items).toHaveLength(2);
    expect(grid.agent.output()).toMatch(/deregistered/);
    const record = await nodeRecord(grid.hub, grid.nodeId);
    expect(record === undefined || record.status === 'Offline').toBe(true);
  });
});
