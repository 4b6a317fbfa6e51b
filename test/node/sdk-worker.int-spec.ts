import { execFileSync } from 'node:child_process';
import { waitFor } from '../support/ports';
import { addTask, nodeContainers, queueState, waitForContainers } from './support/grid';
import { RealGrid } from '../support/real-grid';

/**
 * The whole data path: the agent runs the reference sqrt worker (TypeScript SDK) in real
 * containers; a container SIGKILLed mid-run loses nothing.
 */
describe('GridNode with the SDK worker image', () => {
  jest.setTimeout(180_000);
  let grid: RealGrid;

  beforeAll(async () => {
    grid = await RealGrid.start({ sdkImage: true });
  }, 300_000);

  afterAll(() => grid?.stop());

  it('processes every item exactly once, even when a container is SIGKILLed from outside', async () => {
    const n = 3000;
    const items = Array.from({ length: n }, (_, i) => String(i + 1));
    for (let i = 0; i < n; i += 500) await grid.client.lpush('{sq}:in', ...items.slice(i, i + 500));
    await addTask(grid.hub, { name: 'sqrt', image: grid.image, input_redis: grid.redis.url, input_queue: '{sq}:in', output_queue: '{sq}:out', cpus: 0.5 });
    const [victim] = await waitForContainers(grid.nodeId, 'sqrt', 2);
    await waitFor(async () => (await grid.client.llen('{sq}:out')) > 0, 30_000, 'first results');
    execFileSync('docker', ['kill', '-s', 'KILL', victim.id]);
    await waitFor(async () => (await grid.client.llen('{sq}:out')) >= n, 90_000, `${n} results`, 200);
    const out = await grid.client.lrange('{sq}:out', 0, -1);
    const byItem = new Map(out.map((r) => [r.split(':')[0], Number(r.split(':')[1])]));
    expect(byItem.size).toBe(n);
    expect(out).toHaveLength(n); // same Redis, one slot: exactly-once
    for (const item of items) expect(byItem.get(item)).toBeCloseTo(Math.sqrt(Number(item)), 9);
    const state = await queueState(grid.redis.url, '{sq}:in');
    expect(state.input).toEqual([]);
    expect(state.retry).toEqual([]);
    expect(await grid.client.llen('{sq}:dead')).toBe(0);
    // The killed slot got a new container (new run id).
    await waitFor(
      () => nodeContainers(grid.nodeId, 'sqrt').some((c) => c.env.INSTANCE_ID === victim.env.INSTANCE_ID && c.id !== victim.id),
      20_000,
      'a replacement container for the killed slot',
    );
    expect(grid.agent.output()).toMatch(new RegExp(`container ${victim.id.slice(0, 12)} of sqrt: exited with code 137`));
  });
});
