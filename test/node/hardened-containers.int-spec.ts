import { waitFor } from '../support/ports';
import { AgentProcess, startAgent } from './support/agent-process';
import { AgentGrid, startAgentGrid } from './support/agent-grid';
import { addTask, finish, nodeContainers, nodeRecord, waitForContainers, waitForNodeId } from './support/grid';
import { ensureProbeImage, probeReport } from './support/probe-image';
import { listLabelled, removeLabelled } from './support/test-image';

const PIDS_LIMIT = 64;

/**
 * Task containers as GridNode starts them on a volunteer's machine (issue 16 point 6): each check
 * runs inside a real container that the agent started from a task, and reports from there.
 */
describe('GridNode hardened task containers', () => {
  let grid: AgentGrid;
  let image: string;
  let task = 0;

  beforeAll(async () => {
    image = ensureProbeImage();
    grid = await startAgentGrid({ agentEnv: { GRIDNODE_PARALLELISM: '1', GRIDNODE_PIDS_LIMIT: String(PIDS_LIMIT) } });
  }, 120_000);

  afterAll(() => grid?.stop());

  afterEach(() => {
    if (expect.getState().assertionCalls === 0 || process.env.GRIDNODE_TEST_VERBOSE) console.log(grid.agent.output().slice(-4000));
  });

  /** Registers a task of the probe image, makes it the running one, and returns its container's report once done. */
  async function runProbe(body: Record<string, unknown>) {
    const name = `probe-${++task}`;
    await addTask(grid.hub, { name, image, input_redis: grid.redis.url, input_queue: `${name}:in`, cpus: 0.5, ...body });
    if (task > 1) await finish(grid.hub);
    const [container] = await waitForContainers(grid.nodeId, name, 1, 30_000);
    const report = await waitFor(() => {
      const r = probeReport(container.id);
      return r.done !== undefined ? r : null;
    }, 30_000, `the probe report of ${name}`);
    return { container, report };
  }

  it('runs a task container with no capabilities, no new privileges, the pids limit, and a read-only / with a writable /tmp', async () => {
    const { container, report } = await runProbe({ env: { MODE: 'probe' } });
    expect(report).toMatchObject({ root_write: 'refused', tmp_write: 'ok', CapEff: '0000000000000000', NoNewPrivs: '1' });
    const host = container.info.HostConfig;
    expect(host).toMatchObject({ CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: PIDS_LIMIT, ReadonlyRootfs: true, NanoCpus: 500_000_000 });
    expect(host.Memory).toBe(128 * 1024 * 1024);
    expect(Object.keys(host.Tmpfs)).toEqual(['/tmp']);
  });

  it('lets a task with writable_rootfs: true write under / and keeps the rest of the hardening', async () => {
    const { container, report } = await runProbe({ env: { MODE: 'probe' }, writable_rootfs: true });
    expect(report).toMatchObject({ root_write: 'ok', tmp_write: 'ok', CapEff: '0000000000000000', NoNewPrivs: '1' });
    expect(container.info.HostConfig).toMatchObject({ CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: PIDS_LIMIT, ReadonlyRootfs: false });
    const shown = await grid.hub.api('GET', `/api/tasks/probe-${task}`);
    expect(shown.body).toMatchObject({ writable_rootfs: true });
  });

  it('contains a fork bomb at the pids limit, and the node stays healthy', async () => {
    const { container, report } = await runProbe({ env: { MODE: 'forkbomb', BOMB_MAX: '2000' } });
    console.log(`fork bomb under pids_limit ${PIDS_LIMIT}: ${report.bomb_processes} processes at the peak, ${report.after_kill_processes} after the kill`);
    // The loop never got near its 2000: the kernel refused a fork at the limit.
    expect(report.bomb_loop).toBeUndefined();
    expect(Number(report.bomb_processes)).toBeGreaterThan(PIDS_LIMIT / 2);
    expect(Number(report.bomb_processes)).toBeLessThanOrEqual(PIDS_LIMIT);
    // The node went on heartbeating and still runs the container.
    const before = (await nodeRecord(grid.hub, grid.nodeId)).last_seen;
    const record = await waitFor(async () => {
      const r = await nodeRecord(grid.hub, grid.nodeId);
      return r.last_seen !== before ? r : null;
    }, 15_000, 'a heartbeat after the fork bomb');
    expect(record).toMatchObject({ status: 'Online', runtime_status: 'Running', active_containers: 1 });
    expect(grid.agent.process.exitCode).toBeNull();
    expect(nodeContainers(grid.nodeId).map((c) => c.id)).toEqual([container.id]);
  });

  describe('a volunteer that limits the images it runs', () => {
    let strict: AgentProcess | undefined;
    let strictId: string;

    beforeAll(async () => {
      // It admits only the probe image's repository, and only by digest.
      strict = startAgent({
        GRIDNODE_SERVER_URL: grid.hub.url,
        GRIDNODE_TOKEN: grid.hub.token,
        GRIDNODE_PARALLELISM: '1',
        GRIDNODE_ALLOWED_IMAGES: 'gridcore-test/sh-probe,ghcr.io/me/*',
        GRIDNODE_REQUIRE_DIGEST: 'true',
      });
      strictId = await waitForNodeId(strict.stateDir);
    }, 60_000);

    afterAll(() => {
      strict?.signal('SIGKILL');
      if (strictId) removeLabelled(`gridcore.node=${strictId}`);
    });

    async function refusalOf(body: Record<string, unknown>) {
      const name = `probe-${++task}`;
      await addTask(grid.hub, { name, input_redis: grid.redis.url, input_queue: `${name}:in`, env: { MODE: 'probe' }, ...body });
      await finish(grid.hub);
      // The open node runs it, so the task runs on the grid while the strict node idles.
      await waitForContainers(grid.nodeId, name, 1, 30_000);
      const record = await waitFor(async () => {
        const r = await nodeRecord(grid.hub, strictId);
        return r?.task_name === name && r.not_running ? r : null;
      }, 20_000, `the strict node's refusal of ${name}`);
      expect(listLabelled(`gridcore.node=${strictId}`, true)).toEqual([]);
      expect(record.active_containers).toBe(0);
      return { name, record };
    }

    it('refuses an image outside allowed_images, with the reason on its record, and starts no container', async () => {
      const { name, record } = await refusalOf({ image: 'gridcore-test/sh-worker:3' });
      expect(record.not_running).toEqual({
        task: name,
        reason: 'image_not_allowed',
        detail: `image gridcore-test/sh-worker:3 of task ${name} matches none of this node's allowed_images (gridcore-test/sh-probe, ghcr.io/me/*): running none of its containers here`,
      });
      expect(record.runtime_status).toBe('Error');
    });

    it('refuses an allowed image given by tag only under require_digest', async () => {
      const { name, record } = await refusalOf({ image });
      expect(record.not_running).toMatchObject({ task: name, reason: 'image_digest_required' });
      expect(record.not_running.detail).toContain('require_digest');
      const runnable = (await grid.hub.api('GET', `/api/tasks/${name}`)).body.runnable;
      expect(runnable.nodes_refusing).toEqual(expect.arrayContaining([expect.objectContaining({ node: strictId, reason: 'image_digest_required' })]));
      expect(strict!.process.exitCode).toBeNull();
    });
  });
});
