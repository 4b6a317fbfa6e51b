import { execFileSync } from 'node:child_process';
import { waitFor } from '../support/ports';
import { startAgent } from './support/agent-process';
import { AgentGrid, startAgentGrid } from './support/agent-grid';
import { addTask, finish, nodeRecord, waitForContainers } from './support/grid';

const VIEWER = 'heartbeat-viewer-token-0001';

/**
 * Issue 15 point 4: the hub learns of a node's state changes at once, not a heartbeat_interval
 * later, and a node whose token the hub refuses stops with one line instead of retrying.
 */
describe('GridNode heartbeats on state changes', () => {
  jest.setTimeout(120_000);
  let grid: AgentGrid;

  beforeAll(async () => {
    grid = await startAgentGrid({
      hub: { env: { COMPUTEHUB_VIEWER_TOKENS: VIEWER } },
      // The regular heartbeat is 30 s, so anything the hub sees sooner came from a state change.
      agentEnv: { GRIDNODE_PARALLELISM: '2', GRIDNODE_HEARTBEAT_INTERVAL: '30' },
    });
    await waitFor(async () => (await nodeRecord(grid.hub, grid.nodeId))?.usage, 10_000, 'the first heartbeat');
  }, 120_000);

  afterAll(() => grid?.stop());

  afterEach(() => {
    if (process.env.GRIDNODE_TEST_VERBOSE) console.log(grid.agent.output().slice(-4000));
  });

  /** Waits for the hub's record to satisfy `check`; returns how long after `since` it did. */
  async function seenWithin(check: (record: any) => boolean, since: number, what: string): Promise<number> {
    await waitFor(async () => check(await nodeRecord(grid.hub, grid.nodeId)), 10_000, what, 50);
    return Date.now() - since;
  }

  it('reports containers started, crashed and stopped within seconds, not heartbeat_interval', async () => {
    const registered = Date.now();
    await addTask(grid.hub, { name: 'hb', image: grid.image, input_redis: grid.redis.url, input_queue: 'hb:in', env: { MODE: 'serve' } });
    const containers = await waitForContainers(grid.nodeId, 'hb', 2);
    const running = Date.now();
    const started = await seenWithin((r) => r.active_containers === 2 && r.runtime_status === 'Running' && r.task_name === 'hb', running, '2 containers on the hub');
    console.log(`task registered → 2 containers on the hub: ${Date.now() - registered} ms (${started} ms after they ran)`);
    expect(started).toBeLessThan(3_000);

    const killed = Date.now();
    execFileSync('docker', ['kill', containers[0].id], { stdio: 'ignore' });
    const crash = await seenWithin((r) => r.instances?.some((i: any) => i.restarts >= 1 || i.last_exit_code !== null), killed, 'the crash on the hub');
    console.log(`container killed → crash on the hub: ${crash} ms`);
    expect(crash).toBeLessThan(4_000);

    const finished = Date.now();
    await finish(grid.hub);
    const stopped = await seenWithin((r) => r.active_containers === 0 && r.task_name === null, finished, '0 containers on the hub');
    console.log(`finish → 0 containers on the hub: ${stopped} ms`);
    expect(stopped).toBeLessThan(8_000);
  });

  it.each([
    ['an unknown token', 'not-a-known-token-0001', 401, 'does not know the token'],
    ['a viewer token', VIEWER, 403, 'refuses the token for nodes (it is not a node token)'],
  ])('stops with exit code 3 and one line naming the cause for %s, without retrying', async (_name, token, status, cause) => {
    const refused = startAgent({ GRIDNODE_SERVER_URL: grid.hub.url, GRIDNODE_TOKEN: token });
    const t0 = Date.now();
    expect(await refused.exited).toBe(3);
    const out = refused.output();
    console.log(`refused node exited ${Date.now() - t0} ms after start`);
    const lines = out.split('\n').filter((l) => l.includes(`${status} on register`));
    expect(lines).toEqual([`gridnode: the hub at ${grid.hub.url} ${cause} (${status} on register): check token in gridnode.toml or GRIDNODE_TOKEN`]);
    expect(out).not.toMatch(/retrying/);
    expect(out).not.toContain(token);
    expect(out).not.toMatch(/^\s+at /m);
  });
});
