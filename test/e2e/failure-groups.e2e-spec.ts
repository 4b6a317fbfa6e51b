/**
 * Issue 19 points 1, 2 and 6 with every part real (redis-server, the built hub, one GridNode,
 * Docker): 2,000 items die of three causes (a handler that throws with the item's number in its
 * message, a handler that hangs past batch_timeout_s, a container that exits 3), and the hub shows
 * exactly three groups with the right counts in the API, in `gridctl dead --why` and in the
 * dashboard's failures panel (screenshot); requeuing one group moves only its items.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildDashboard, launchChromium, openSignedIn } from '../support/browser';
import { buildImage } from '../support/docker';
import { ensureExampleImages } from '../support/example-images';
import { waitFor } from '../support/ports';
import { RealGrid } from '../support/real-grid';
import { ensureGridctlBuilt, Gridctl } from '../gridctl/gridctl-cli';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const BATCH = 100;
const TASK = 'why';
const IN = '{why}:in';
const OUT = '{why}:out';

/**
 * The example Node image's installed SDK with a handler that fails by item: `e:N` throws (its
 * number in the message), `h:N` never returns, `x:N` makes the process exit 3 after a line on stderr.
 */
async function ensureFailingImage(base: string): Promise<string> {
  const ctx = join(tmpdir(), 'gridcore-e2e-failing-worker');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(
    join(ctx, 'failing-worker.js'),
    `const { runWorker } = require('@gridcore/worker');
runWorker(async (items) => {
  if (items.some((i) => i.startsWith('x:'))) {
    process.stderr.write('Traceback: cannot parse item ' + items.find((i) => i.startsWith('x:')) + '\\n');
    process.exit(3);
  }
  if (items.some((i) => i.startsWith('h:'))) await new Promise(() => undefined);
  const bad = items.find((i) => i.startsWith('e:'));
  if (bad) throw new Error('value ' + bad.slice(2) + ' out of range (limit 1000) for "' + bad + '"');
  return items.map((i) => i + ':ok');
}, { batch: ${BATCH} });
`,
  );
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY failing-worker.js /app/failing-worker.js\nCMD ["node", "/app/failing-worker.js"]\n`);
  return (await buildImage('gridcore-test/failing-worker:local', ctx)).tag;
}

interface Group {
  id: string;
  count: number;
  signature: string;
  example: { kind: string; message: string; item?: string; node?: string; exit_code?: number; logs?: string };
  sample_items: string[];
  nodes: string[];
  first_seen: string | null;
  last_seen: string | null;
}

describe('failures grouped by cause, end to end', () => {
  jest.setTimeout(240_000);
  let grid: RealGrid;
  let image: string;
  let browser: Browser;
  const cli = new Gridctl();
  // Whole batches of one kind each (the input is taken in order, 100 at a time): 1 of items that
  // exit 3, 1 that hang, 18 that throw.
  const items = [
    ...Array.from({ length: BATCH }, (_, i) => `x:${i}`),
    ...Array.from({ length: BATCH }, (_, i) => `h:${i}`),
    ...Array.from({ length: 18 * BATCH }, (_, i) => `e:${i}`),
  ];

  beforeAll(async () => {
    ensureGridctlBuilt();
    buildDashboard();
    const [base] = await ensureExampleImages('node');
    image = await ensureFailingImage(base);
    // lease_s 5 (its floor) lets batch_timeout_s be 5; cleanup every second reaps in time.
    grid = await RealGrid.start({ parallelism: 2, hubEnv: { COMPUTEHUB_PROGRESS_INTERVAL_S: '1', COMPUTEHUB_CLEANUP_INTERVAL_S: '1', COMPUTEHUB_LEASE_S: '5' } });
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await grid?.stop();
    cli.cleanup();
  });

  it('2,000 dead items of three causes are three groups with the right counts; one group requeued moves only its items', async () => {
    const started = Date.now();
    await grid.push(IN, items);
    await grid.addTask({ name: TASK, image, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT, max_attempts: 1, batch_timeout_s: 5 });
    await waitFor(async () => (await grid.client.llen(`${IN}:dead`)) === items.length, 180_000, 'every item dead', 250);
    const deadAfterS = (Date.now() - started) / 1000;

    const t0 = Date.now();
    const failures = await grid.hub.api('GET', `/api/tasks/${TASK}/failures`);
    const apiMs = Date.now() - t0;
    expect(failures.status).toBe(200);
    const groups = failures.body.groups as Group[];
    const summary = groups.map((g) => ({ id: g.id, count: g.count, signature: g.signature, nodes: g.nodes }));
    console.log(`failure groups: ${JSON.stringify({ dead: failures.body.dead, groups: summary, deadAfterS, apiMs })}`);
    expect(failures.body).toMatchObject({ task: TASK, dead: 2000, scanned: 2000 });
    expect(groups.map((g) => [g.signature, g.count])).toEqual([
      ['error: value <n> out of range (limit <n>) for <q>', 1800],
      ['exit 3: container exited with code <n>', 100],
      ['hung: hung past batch_timeout_s (<n> s)', 100],
    ]);
    const [thrown, exited, hung] = groups;
    expect(thrown.example).toMatchObject({ kind: 'error', message: expect.stringMatching(/^value \d+ out of range \(limit 1000\) for "e:\d+"$/), node: grid.nodeId });
    expect(thrown.sample_items.every((i) => i.startsWith('e:'))).toBe(true);
    expect(exited.example).toMatchObject({ kind: 'exit', exit_code: 3, logs: expect.stringContaining('Traceback: cannot parse item x:') });
    expect(exited.example.logs!.length).toBeLessThanOrEqual(4096);
    expect(hung.sample_items.every((i) => i.startsWith('h:'))).toBe(true);
    for (const g of groups) {
      expect(g.id).toMatch(/^[0-9a-f]{16}$/);
      expect(g.nodes).toEqual([grid.nodeId]);
      expect(Date.parse(g.first_seen!)).toBeLessThanOrEqual(Date.parse(g.last_seen!));
    }

    // gridctl dead --why prints the same groups.
    await cli.ok(['cluster', 'add', 'lab', '--hub', grid.hub.url, '--redis', grid.redis.url, '--token', grid.hub.token]);
    const why = await cli.ok(['dead', TASK, '--why']);
    expect(why.stdout).toMatch(/2,000 dead items of why in 3 group\(s\)/);
    for (const g of groups) expect(why.stdout).toContain(g.id);
    expect(why.stdout).toContain('| Traceback: cannot parse item x:');
    const bad = await cli.run(['dead', TASK, '--requeue', '--group', 'XYZ']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/16 lowercase hex digits/);

    // The dashboard's failures panel, as an admin sees it.
    const pageErrors: string[] = [];
    const page = await openSignedIn(browser, grid.hub.url, grid.hub.token, { width: 1280, height: 1000 }, pageErrors);
    const panel = page.getByTestId('failures-panel');
    await panel.waitFor();
    await waitFor(async () => (await page.getByTestId('failure-group').count()) === 3, 15_000, 'three groups on the page', 200);
    expect(await page.getByTestId('failure-count').allTextContents()).toEqual(['1,800', '100', '100']);
    expect(await page.getByTestId(`requeue-group-${hung.id}`).count()).toBe(1);
    await expect(page.getByTestId('failure-logs').first().textContent()).resolves.toContain('Traceback: cannot parse item x:');
    mkdirSync(OUTPUT, { recursive: true });
    await panel.screenshot({ path: join(OUTPUT, 'failures-panel.png') });
    expect(pageErrors).toEqual([]);

    // Requeue one group after the task finished (so no worker takes the items again): only its items move.
    expect((await grid.hub.api('POST', '/api/tasks/finish')).status).toBe(200);
    await waitFor(() => grid.containers(TASK).length === 0, 30_000, 'the containers gone', 200);
    expect((await grid.hub.api('POST', `/api/tasks/${TASK}/dead/requeue`, { group: '0000000000000000' })).body).toEqual({ requeued: 0 });
    const badBody = await grid.hub.api('POST', `/api/tasks/${TASK}/dead/requeue`, { group: 'not-an-id' });
    expect(badBody.status).toBe(400);
    expect(JSON.stringify(badBody.body)).toMatch(/group must be 16 lowercase hex digits/);
    expect((await grid.hub.api('POST', `/api/tasks/${TASK}/dead/requeue`, { group: 42 })).status).toBe(400);
    expect((await grid.hub.api('POST', `/api/tasks/${TASK}/dead/requeue`, { other: 1 })).status).toBe(400);
    expect(await grid.client.llen(`${IN}:dead`)).toBe(2000);
    const requeue = await cli.ok(['dead', TASK, '--requeue', '--group', exited.id, '--json']);
    expect(JSON.parse(requeue.stdout)).toEqual({ task: TASK, group: exited.id, requeued: 100 });
    expect((await grid.client.lrange(IN, 0, -1)).sort()).toEqual(items.slice(0, BATCH).sort());
    const after = (await grid.hub.api('GET', `/api/tasks/${TASK}/failures`)).body;
    expect(after.groups.map((g: Group) => [g.id, g.count])).toEqual([
      [thrown.id, 1800],
      [hung.id, 100],
    ]);
    expect(await grid.client.hlen('{why}:in:causes')).toBe(1900);
    // The task's report gives the same groups (issue 19.5: dead items by group).
    const report = (await grid.hub.api('GET', `/api/tasks/${TASK}/report`)).body;
    expect(report.dead.groups).toEqual([
      { id: thrown.id, signature: thrown.signature, count: 1800 },
      { id: hung.id, signature: hung.signature, count: 100 },
    ]);
  });
});
