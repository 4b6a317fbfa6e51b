import { QueueKeys } from '@gridcore/queue';
import { waitFor } from '../support/ports';
import { waitForContainers } from '../node/support/grid';
import { QUICK_HUB_TICKS, RealGrid } from '../support/real-grid';
import { checkSqrtResults, leftovers, range } from '../support/sqrt-results';

/**
 * Issue 20 points 4 and 6 (scale): `PATCH /api/nodes/:id {parallelism}` mid-run, 2 → 4 → 1, with a
 * real hub, redis-server, GridNode and Docker: the container count follows within 2 s each time
 * and no item is lost or doubled. Bad bodies are refused with a 400 naming the field.
 */
describe('scale a node from the hub', () => {
  jest.setTimeout(180_000);
  // Enough that the run outlasts both scale steps (take-group made batch-5 runs several times faster).
  const N = 150_000;
  const IN = '{scale}:in';
  const OUT = '{scale}:out';
  let grid: RealGrid;

  beforeAll(async () => {
    grid = await RealGrid.start({ sdkImage: true, parallelism: 2, hubEnv: QUICK_HUB_TICKS });
  }, 600_000);

  afterAll(async () => {
    await grid?.stop();
  });

  it('refuses a bad body, an unknown node, and changes nothing', async () => {
    for (const body of [{}, { parallelism: 0 }, { parallelism: 1.5 }, { parallelism: '3' }, { parallelism: 5000 }, { parallelism: 2, extra: 1 }]) {
      const res = await grid.hub.api('PATCH', `/api/nodes/${grid.nodeId}`, body);
      expect([res.status, JSON.stringify(res.body)]).toEqual([400, expect.stringMatching(/parallelism|extra/)]);
    }
    expect((await grid.hub.api('PATCH', '/api/nodes/no-such-node', { parallelism: 2 })).status).toBe(404);
    const me = ((await grid.hub.api('GET', '/api/nodes')).body as any[]).find((n) => n.id === grid.nodeId);
    expect(me.requested_parallelism).toBeNull();
  });

  it('2 → 4 → 1 mid-run: the containers follow within 2 s; every item exactly once', async () => {
    await grid.push(IN, range(N));
    await grid.addTask({ name: 'scale', image: grid.image, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT, cpus: 0.5, env: { GRIDCORE_BATCH: '5', GRIDCORE_IDLE_EXIT_S: '600' } });
    await waitForContainers(grid.nodeId, 'scale', 2, 90_000);
    const done = () => grid.client.llen(OUT);
    await waitFor(async () => (await done()) > 0, 60_000, 'results flowing', 20);
    const steps: { to: number; followedMs: number; doneAt: number }[] = [];
    for (const to of [4, 1]) {
      const t0 = Date.now();
      const res = await grid.hub.api('PATCH', `/api/nodes/${grid.nodeId}`, { parallelism: to });
      expect(res.status).toBe(200);
      expect(res.body.requested_parallelism).toBe(to);
      await waitForContainers(grid.nodeId, 'scale', to, 10_000, 25);
      steps.push({ to, followedMs: Date.now() - t0, doneAt: await done() });
    }
    await waitFor(async () => (await done()) >= N, 120_000, `${N} results`, 100);
    await new Promise((r) => setTimeout(r, 2_000));
    const results = await grid.client.lrange(OUT, 0, -1);
    const check = checkSqrtResults(results, N);
    const left = await leftovers(grid.client, IN);
    const stats = await grid.client.hgetall(new QueueKeys(IN).stats);
    console.log(`scale: ${JSON.stringify({ items: N, results: results.length, ...check, left, requeued: stats.requeued ?? '0', steps })}`);
    for (const s of steps) {
      expect(s.doneAt).toBeLessThan(N);
      expect(s.followedMs).toBeLessThan(2_000);
    }
    expect(results).toHaveLength(N);
    expect(check).toMatchObject({ distinct: N, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    expect(left).toMatchObject({ input: 0, retry: 0, batchKeys: [], dead: [] });
    expect(stats.requeued ?? '0').toBe('0');
  });
});
