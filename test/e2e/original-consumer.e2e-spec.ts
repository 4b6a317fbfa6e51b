import { waitFor } from '../support/ports';
import { ensureExampleImages } from '../support/example-images';
import { QUICK_HUB_TICKS, RealGrid } from '../support/real-grid';
import { checkSqrtResults, leftovers, range } from '../support/sqrt-results';

/**
 * Issue 7 point 8: the seed's consumer, unchanged (BRPOP, LPUSH, exit 0 once the input is empty),
 * under GridNode: it processes 10,000 items, its containers exit 0, the node waits instead of
 * restarting them in a loop, and new items wake it.
 */
describe('the unchanged original consumer under GridNode', () => {
  jest.setTimeout(240_000);
  const N = 10_000;
  const IN = 'compat:in';
  const OUT = 'compat:out';
  let grid: RealGrid;
  let image: string;

  beforeAll(async () => {
    [image] = await ensureExampleImages('original');
    grid = await RealGrid.start({ parallelism: 2, hubEnv: QUICK_HUB_TICKS });
  }, 600_000);

  afterAll(async () => {
    await grid?.stop();
  });

  const exits = () => grid.agentOutput().split('\n').filter((l) => / of compat: exited 0: waiting for items/.test(l)).length;

  it('processes every item, waits when the queue is empty, and wakes for new items', async () => {
    const items = range(N + 500);
    await grid.push(IN, items.slice(0, N));
    const started = Date.now();
    await grid.addTask({ name: 'compat', image, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT });
    await waitFor(async () => (await grid.client.llen(OUT)) >= N, 180_000, `${N} results`, 250);
    const seconds = (Date.now() - started) / 1000;

    // Each consumer exits 0 after a BRPOP on the empty input times out (5 s); then nothing runs.
    await waitFor(() => exits() === 2 && grid.containers('compat').length === 0, 30_000, 'both consumers exited 0', 200);
    await new Promise((r) => setTimeout(r, 8_000));
    expect(exits()).toBe(2);
    expect(grid.containers('compat')).toHaveLength(0);
    const node = (await grid.hub.api('GET', '/api/nodes')).body.find((n: { id: string }) => n.id === grid.nodeId);
    expect(node.instances.map((i: { state: string }) => i.state)).toEqual(['waiting', 'waiting']);
    expect(node.instances.map((i: { restarts: number }) => i.restarts)).toEqual([0, 0]);

    // New items wake the node: consumers start again and take them.
    const woke = Date.now();
    await grid.push(IN, items.slice(N));
    await waitFor(async () => (await grid.client.llen(OUT)) >= N + 500, 60_000, 'the new items done', 200);
    const wakeSeconds = (Date.now() - woke) / 1000;

    const results = await grid.client.lrange(OUT, 0, -1);
    const check = checkSqrtResults(results, N + 500);
    console.log(`original consumer: ${JSON.stringify({ items: N + 500, results: results.length, ...check, seconds, wakeSeconds })}`);
    expect(results).toHaveLength(N + 500);
    expect(check).toMatchObject({ distinct: N + 500, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    expect(results[0]).toMatch(/^\d+\.0:\d/); // the original's Python floats, unchanged
    const finish = await grid.hub.api('POST', '/api/tasks/finish');
    expect(finish.status).toBe(200);
    await waitFor(() => grid.containers('compat').length === 0, 30_000, 'the containers of compat gone', 200);
    expect(await leftovers(grid.client, IN)).toMatchObject({ input: 0, retry: 0, leases: 0, batchKeys: [], dead: [] });
  });
});
