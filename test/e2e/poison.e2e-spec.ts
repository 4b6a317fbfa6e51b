import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../support/docker';
import { waitFor } from '../support/ports';
import { ensureExampleImages } from '../support/example-images';
import { QUICK_HUB_TICKS, RealGrid } from '../support/real-grid';
import { checkSqrtResults, leftovers, range } from '../support/sqrt-results';

/** The example Node worker's installed SDK package with a handler that dies on the item `poison`. */
async function ensurePoisonImage(base: string): Promise<string> {
  const ctx = join(tmpdir(), 'gridcore-e2e-poison-worker');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(
    join(ctx, 'poison-worker.js'),
    `const { runWorker } = require('@gridcore/worker');
runWorker((items) => {
  if (items.includes('poison')) process.exit(3); // the whole process dies, as a segfault would
  return items.map((n) => n + ':' + Math.sqrt(Number(n)));
}, { batch: 50 });
`,
  );
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY poison-worker.js /app/poison-worker.js\nCMD ["node", "/app/poison-worker.js"]\n`);
  return (await buildImage('gridcore-test/poison-worker:local', ctx)).tag;
}

/**
 * Issue 7 point 7: one item that always crashes the worker process, among 10,000. It ends in
 * dead after max_attempts; every other item completes exactly once; the node's restart backoff
 * keeps the crash loop to max_attempts crashes, each restart delayed.
 */
describe('a poison item under GridNode', () => {
  jest.setTimeout(240_000);
  const MAX_ATTEMPTS = 3;
  const IN = '{poison}:in';
  const OUT = '{poison}:out';
  let grid: RealGrid;
  let image: string;

  beforeAll(async () => {
    const [base] = await ensureExampleImages('node');
    image = await ensurePoisonImage(base);
    grid = await RealGrid.start({ parallelism: 2, hubEnv: QUICK_HUB_TICKS });
  }, 600_000);

  afterAll(async () => {
    await grid?.stop();
  });

  it('goes to dead after max_attempts while every other item is done exactly once', async () => {
    const numbers = range(9_999);
    const items = [...numbers.slice(0, 5_000), 'poison', ...numbers.slice(5_000)];
    await grid.push(IN, items);
    const started = Date.now();
    await grid.addTask({ name: 'poison', image, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT, max_attempts: MAX_ATTEMPTS });

    await waitFor(async () => (await grid.client.llen(OUT)) >= numbers.length && (await grid.client.llen('{poison}:in:dead')) === 1, 180_000, 'every item done or dead', 250);
    const seconds = (Date.now() - started) / 1000;
    // A few seconds more: another crash or a doubled item would show up now.
    await new Promise((r) => setTimeout(r, 4_000));
    const node = (await grid.hub.api('GET', '/api/nodes')).body.find((n: { id: string }) => n.id === grid.nodeId);
    const finish = await grid.hub.api('POST', '/api/tasks/finish');
    expect(finish.status).toBe(200);
    await waitFor(() => grid.containers('poison').length === 0, 30_000, 'the containers of poison gone', 200);

    const results = await grid.client.lrange(OUT, 0, -1);
    const check = checkSqrtResults(results, numbers.length);
    const left = await leftovers(grid.client, IN);
    const log = grid.agentOutput();
    const crashes = log.split('\n').filter((l) => / of poison: exited with code 3; restart \d+ in a row/.test(l));
    const inARow = crashes.map((l) => Number(/restart (\d+) in a row/.exec(l)![1]));
    const restarts = (node?.instances ?? []).reduce((sum: number, i: { restarts?: number }) => sum + (i.restarts ?? 0), 0);
    console.log(`poison: ${JSON.stringify({ items: items.length, results: results.length, ...check, left, crashes: crashes.length, inARow, restarts, seconds })}`);

    expect(left).toEqual({ input: 0, retry: 0, leases: 0, taken: 0, batchKeys: [], dead: ['poison'] });
    expect(results).toHaveLength(numbers.length);
    expect(check).toMatchObject({ distinct: numbers.length, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    // One crash per attempt of the poison item, no more: isolation takes it alone, then dead.
    expect(crashes).toHaveLength(MAX_ATTEMPTS);
    expect(Math.max(...inARow)).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(restarts).toBeLessThanOrEqual(MAX_ATTEMPTS);
  });
});
