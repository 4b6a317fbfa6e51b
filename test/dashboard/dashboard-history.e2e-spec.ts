import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import Redis from 'ioredis';
import { QueueKeys, resolveWorkerSettings, Worker } from '@gridcore/queue';
import { startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { buildDashboard, launchChromium, openSignedIn } from '../support/browser';
import { hubCall, SimNode } from './support/grid';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Runs of one name, registered again after each finish (the seed's workflow). */
const REPEATED = 'nightly';
const COMPLETED = 20;

/**
 * Issue 15 point 8 (and the dashboard side of point 3): a grid with twenty completed runs, a
 * running task with real items processed by the queue SDK's worker, nodes that come and go.
 */
describe('dashboard: history, completed runs, idle rate, departed nodes, register form', () => {
  let redis: RunningRedis;
  let hub: TestHub;
  let browser: Browser;
  let client: Redis;
  let worker: SimNode;
  let sdkWorker: Worker | null = null;
  const pageErrors: string[] = [];
  const runIds: string[] = [];

  const open = (viewport: { width: number; height: number }, token: string = TOKENS.admin): Promise<Page> =>
    openSignedIn(browser, hub.url, token, viewport, pageErrors);

  /** One finished run: 5 results, 1 dead item, 3 items left behind in its input. */
  async function completedRun(name: string): Promise<string> {
    const queue = `${name}:in`;
    await client.del(queue, `${name}:out`, new QueueKeys(queue).dead);
    await client.rpush(queue, 'a', 'b', 'c');
    await client.rpush(`${name}:out`, '1:1', '4:2', '9:3', '16:4', '25:5');
    await client.rpush(new QueueKeys(queue).dead, 'poison');
    const task = await hubCall<{ id: string }>(hub.url, 'POST', '/api/tasks', TOKENS.admin, {
      name,
      image: 'gridcore/example-worker:1',
      input_redis: redis.url,
      input_queue: queue,
      output_queue: `${name}:out`,
    });
    await hubCall(hub.url, 'POST', '/api/tasks/finish', TOKENS.admin);
    return task.id;
  }

  function startSdkWorker(queue: string, nodeId: string): void {
    const settings = resolveWorkerSettings({
      INPUT_REDIS_URL: redis.url,
      INPUT_QUEUE: queue,
      OUTPUT_QUEUE: `${queue}:out`,
      NODE_ID: nodeId,
      TASK_NAME: 'live',
      GRIDCORE_BATCH: '5',
      GRIDCORE_BLOCK_S: '0.5',
      GRIDCORE_IDLE_EXIT_S: '600',
    });
    const quiet = () => undefined;
    sdkWorker = new Worker(
      async (items) => {
        await new Promise((r) => setTimeout(r, 100));
        return items.map((n) => `${n}:${Math.sqrt(Number(n))}`);
      },
      settings,
      quiet,
      quiet,
    );
    void sdkWorker.run();
  }

  beforeAll(async () => {
    buildDashboard();
    [redis, browser] = await Promise.all([startRedis(), launchChromium()]);
    hub = await startTestHub({ progress_interval_s: 0.25 });
    client = new Redis(redis.url);
    worker = new SimNode(hub.url, { hostname: 'worker-a', cpus: 8 });
    await worker.register();
    for (let i = 0; i < 3; i++) runIds.push(await completedRun(REPEATED));
    for (let i = 1; i <= COMPLETED - 3; i++) await completedRun(`batch-${String(i).padStart(2, '0')}`);
    mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await sdkWorker?.stop();
    client?.disconnect();
    await browser?.close();
    await hub?.close();
    await redis?.stop();
  });

  it('fills the throughput chart from the hub history on load, with axes and units, and shows idle once drained', async () => {
    await client.rpush('live:in', ...Array.from({ length: 400 }, (_, i) => String(i + 1)));
    await hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, { name: 'live', image: 'gridcore/example-worker:1', input_redis: redis.url, input_queue: 'live:in', output_queue: 'live:in:out' });
    startSdkWorker('live:in', worker.id);
    // Four seconds of samples before any page is open.
    const history = await waitFor(async () => {
      const h = await hubCall<{ samples: { items_per_s: number }[] }>(hub.url, 'GET', '/api/progress/history?task=live', TOKENS.viewer);
      return h.samples.length >= 16 && h.samples.some((s) => s.items_per_s > 0) ? h : null;
    }, 20_000, 'four seconds of history');

    const page = await open(DESKTOP);
    const caption = page.getByTestId('throughput').locator('figcaption');
    await caption.waitFor({ timeout: 3_000 });
    // The chart holds at least what the hub had before the page opened, not only what streamed since.
    const shown = Number(/(\d+) samples/.exec((await caption.textContent()) ?? '')?.[1]);
    expect(shown).toBeGreaterThanOrEqual(history.samples.length);
    await expect(page.getByTestId('throughput-y-axis').textContent()).resolves.toMatch(/\/s.*\/s.*0\/s/);
    await expect(page.getByTestId('throughput-x-axis').textContent()).resolves.toMatch(/ago.*ago.*now/);
    await expect(caption.textContent()).resolves.toContain('items per second');
    await expect(page.getByTestId('running-run').textContent()).resolves.toMatch(/^run [0-9a-f]{8} · started /);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-history-desktop.png'), fullPage: true });
    const phone = await open(PHONE);
    await phone.getByTestId('throughput-x-axis').waitFor({ timeout: 3_000 });
    await expect(phone.getByTestId('throughput-y-axis').textContent()).resolves.toMatch(/\/s.*0\/s/);
    await phone.screenshot({ path: join(OUTPUT, 'dashboard-history-phone-running.png'), fullPage: true });
    await phone.context().close();

    // Once the queue is empty the rate says idle, not the last figure measured.
    await waitFor(async () => (await page.getByTestId('progress-rate').textContent()) === 'idle', 30_000, 'the rate idle');
    await expect(page.getByTestId('progress-eta').textContent()).resolves.toBe('queue empty');
    await expect(client.llen('live:in:out')).resolves.toBe(400);
    await page.context().close();
  });

  it('collapses completed runs behind their count, each with run id, start and end, and a results summary', async () => {
    const page = await open(DESKTOP);
    const summary = page.getByTestId('completed-summary');
    await expect(summary.textContent()).resolves.toMatch(new RegExp(`^Completed \\(${COMPLETED}\\)`));
    await expect(page.getByTestId('completed-table').isVisible()).resolves.toBe(false);
    await summary.click();
    await page.getByTestId('completed-table').waitFor({ state: 'visible' });
    const rows = page.getByTestId('completed-table').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(COMPLETED);
    for (const id of runIds) {
      const row = page.locator(`tr[data-run-id="${id}"]`);
      const text = await row.innerText();
      expect(text).toContain(REPEATED);
      expect(text).toContain(`run ${id.slice(0, 8)}`);
      expect(text).toMatch(/\d\d:\d\d → [A-Z][a-z]{2} \d+, \d\d:\d\d/);
      await expect(row.getByTestId('completed-results').innerText()).resolves.toBe('done 5 · dead 1 · left 3');
    }
    expect(new Set(runIds).size).toBe(3);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-completed-desktop.png'), fullPage: true });
    await page.context().close();
  });

  it('keeps a node that left listed as Offline until the operator removes it', async () => {
    const leaver = new SimNode(hub.url, { hostname: 'leaver', cpus: 2 });
    await leaver.register();
    const page = await open(DESKTOP);
    const row = page.locator(`[data-testid=nodes] tr[data-node-id="${leaver.id}"]`);
    await row.locator('.badge-online').waitFor();
    await hubCall(hub.url, 'POST', '/gridnode/deregister', TOKENS.legacy, { node_id: leaver.id });
    await row.getByTestId('node-left').waitFor({ timeout: 5_000 });
    await expect(row.locator('.badge-offline').textContent()).resolves.toBe('Offline');
    // Still there after a reload: the hub keeps the record.
    await page.reload();
    await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
    await row.getByTestId('node-left').waitFor();
    await page.screenshot({ path: join(OUTPUT, 'dashboard-node-left-desktop.png'), fullPage: true });
    const phone = await open(PHONE);
    await phone.locator(`[data-testid=nodes] tr[data-node-id="${leaver.id}"]`).getByTestId('node-left').waitFor();
    await phone.screenshot({ path: join(OUTPUT, 'dashboard-node-left-phone.png'), fullPage: true });
    await phone.context().close();
    await row.getByTestId('remove-node').click();
    await row.getByTestId('remove-node-confirm').click();
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    const nodes = await hubCall<{ id: string }[]>(hub.url, 'GET', '/api/nodes', TOKENS.viewer);
    expect(nodes.map((n) => n.id)).not.toContain(leaver.id);
    await page.context().close();
  });

  it('registers a task with env, cpus, memory, gpus, max attempts and auto-finish grace from the form', async () => {
    const page = await open(DESKTOP);
    const form = page.locator('form[aria-label="register a task"]');
    await form.locator('input[name=name]').fill('formed');
    await form.locator('input[name=image]').fill('gridcore/example-worker:1');
    await form.locator('input[name=cpus]').fill('0.5');
    await form.locator('input[name=memory_mb]').fill('256');
    await form.locator('input[name=gpus]').fill('0');
    await form.locator('input[name=max_attempts]').fill('5');
    await form.locator('input[name=auto_finish_grace_s]').fill('12');
    await form.locator('textarea[name=env]').fill('MODEL=small\nBAD LINE');
    await form.locator('button[type=submit]').click();
    await expect(page.getByTestId('task-form-error').textContent()).resolves.toBe('env line 2 must be KEY=value, not "BAD LINE"');
    await form.locator('textarea[name=env]').fill('MODEL=small\nLOG_LEVEL=info');
    await form.locator('input[name=max_attempts]').fill('many');
    await form.locator('button[type=submit]').click();
    // The hub's answer replaces the env error when it arrives: wait for it rather than read the old one.
    await page.getByTestId('task-form-error').filter({ hasText: /max_attempts/ }).waitFor();
    await expect(page.getByTestId('task-form-error').textContent()).resolves.toMatch(/max_attempts/);
    await form.locator('input[name=max_attempts]').fill('5');
    await form.locator('button[type=submit]').click();
    await page.getByTestId('pending').filter({ hasText: 'formed' }).waitFor();
    const task = await hubCall<Record<string, unknown>>(hub.url, 'GET', '/api/tasks/formed', TOKENS.viewer);
    expect(task).toMatchObject({ cpus: 0.5, memory_mb: 256, gpus: 0, max_attempts: 5, auto_finish_grace_s: 12, env: { MODEL: 'small', LOG_LEVEL: 'info' } });
    await hubCall(hub.url, 'DELETE', '/api/tasks/formed', TOKENS.admin);
    await page.context().close();
  });

  it('says on the running task and on the node row when no online node can run it', async () => {
    await hubCall(hub.url, 'POST', '/api/tasks/finish', TOKENS.admin);
    await hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, { name: 'armonly', images: { 'linux/arm64': 'gridcore/example-worker:1' } });
    const page = await open(DESKTOP);
    await expect(page.getByTestId('unrunnable').textContent()).resolves.toBe(
      'no online node can run task armonly: worker-a: task armonly has no image for linux/amd64 (its images are for linux/arm64)',
    );
    const row = page.locator(`[data-testid=nodes] tr[data-node-id="${worker.id}"]`);
    await expect(row.getByTestId('node-not-running').textContent()).resolves.toContain('not running armonly: no image for platform');
    await page.screenshot({ path: join(OUTPUT, 'dashboard-unrunnable-desktop.png'), fullPage: true });
    await page.context().close();
  });

  it('fits the phone page of a grid with twenty completed runs in two screens', async () => {
    const page = await open(PHONE);
    await page.getByTestId('nodes').waitFor();
    await page.getByTestId('completed-summary').waitFor();
    const size = await page.evaluate<{ height: number; overflow: number }>(
      '({ height: document.documentElement.scrollHeight, overflow: document.documentElement.scrollWidth - window.innerWidth })',
    );
    console.log(`phone page with ${COMPLETED} completed runs: ${size.height} px tall (limit ${2 * PHONE.height})`);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-history-phone.png'), fullPage: true });
    expect(size.overflow).toBeLessThanOrEqual(0);
    expect(size.height).toBeLessThanOrEqual(2 * PHONE.height);
    // Opened, each run is one card with its run id, times and results.
    await page.getByTestId('completed-summary').click();
    await page.getByTestId('completed-table').waitFor({ state: 'visible' });
    await expect(page.locator(`tr[data-run-id="${runIds[0]}"]`).innerText()).resolves.toContain('done 5 · dead 1 · left 3');
    await page.screenshot({ path: join(OUTPUT, 'dashboard-completed-phone.png'), fullPage: true });
    await page.context().close();
  });

  it('ran without script errors or Content-Security-Policy refusals', () => {
    expect(pageErrors).toEqual([]);
  });
});
