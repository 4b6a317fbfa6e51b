import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import Redis from 'ioredis';
import { QueueKeys, resolveWorkerSettings, Worker } from '@gridcore/queue';
import { startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { buildDashboard, launchChromium, openAndSignIn } from '../support/browser';
import { hubCall, SimNode } from './support/grid';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const ALL_TOKENS = Object.values(TOKENS);

describe('dashboard in headless Chromium', () => {
  let redis: RunningRedis;
  let hub: TestHub;
  let browser: Browser;
  let worker: SimNode;
  let failing: SimNode;
  let redisClient: Redis;
  let sdkWorker: Worker | null = null;
  const requests: Request[] = [];
  /** Script errors and console errors (CSP refusals among them) of every page. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    buildDashboard();
    [redis, browser] = await Promise.all([startRedis(), launchChromium()]);
    // The hub samples the running task's queues four times a second (SPEC 2.3).
    hub = await startTestHub({ progress_interval_s: 0.25 });
    redisClient = new Redis(redis.url);
    worker = new SimNode(hub.url, { hostname: 'worker-a', cpus: 16, gpus: 1 });
    failing = new SimNode(hub.url, { hostname: 'worker-b', cpus: 4 });
    await worker.register();
    await failing.register();
    for (const name of ['sweep-a', 'sweep-b']) {
      await hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, {
        name,
        image: 'gridcore/example-worker:1',
        input_redis: redis.url,
        input_queue: `${name}:in`,
        output_queue: `${name}:out`,
      });
    }
    await worker.heartbeat({ status: 'Running', active_containers: 2, task_name: 'sweep-a', cpu_pct: 71, mem_pct: 38, gpu_util_pct: 93 });
    await failing.heartbeat({ status: 'Error', active_containers: 0, task_name: 'sweep-a', last_error: 'image gridcore/example-worker:1 not found', cpu_pct: 3, mem_pct: 12 });
    mkdirSync(OUTPUT, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await sdkWorker?.stop();
    redisClient?.disconnect();
    await browser?.close();
    await hub?.close();
    await redis?.stop();
  });

  const open = (token: string, viewport = { width: 1280, height: 1000 }): Promise<Page> =>
    openAndSignIn(browser, hub.url, token, viewport, pageErrors, (page) => page.on('request', (r) => requests.push(r)));

  /**
   * Real items for sweep-a: 600 in its input list and 3 in its dead list, processed by the
   * queue SDK's worker (the code a worker container runs) as node worker-a, 5 items every 100 ms.
   */
  async function startWork(): Promise<void> {
    await redisClient.lpush('sweep-a:in', ...Array.from({ length: 600 }, (_, i) => String(i + 1)));
    await redisClient.rpush(new QueueKeys('sweep-a:in').dead, 'bad-1', 'bad-2', 'bad-3');
    const settings = resolveWorkerSettings({
      INPUT_REDIS_URL: redis.url,
      INPUT_QUEUE: 'sweep-a:in',
      OUTPUT_QUEUE: 'sweep-a:out',
      NODE_ID: worker.id,
      TASK_NAME: 'sweep-a',
      GRIDCORE_BATCH: '5',
      GRIDCORE_BLOCK_S: '0.5',
      GRIDCORE_IDLE_EXIT_S: '600',
    });
    const quiet = () => undefined;
    const w = new Worker(
      async (items) => {
        await new Promise((r) => setTimeout(r, 100));
        return items.map((n) => String(Math.sqrt(Number(n))));
      },
      settings,
      quiet,
      quiet,
    );
    sdkWorker = w;
    void w.run();
  }

  const count = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

  it('shows nodes and tasks to an admin, moves progress live, and switches task on finish', async () => {
    const page = await open(TOKENS.admin);
    const nodes = page.getByTestId('nodes');
    await expect(nodes.locator('tr', { hasText: 'worker-a' }).textContent()).resolves.toMatch(/linux\/amd64 · 16 CPUs.*Online Running/s);
    const errorRow = nodes.locator('tr', { hasText: 'worker-b' });
    await expect(errorRow.textContent()).resolves.toContain('image gridcore/example-worker:1 not found');
    await expect(errorRow.locator('.badge-error').textContent()).resolves.toBe('Error');
    const workerRow = await nodes.locator('tr', { hasText: 'worker-a' }).innerText();
    expect(workerRow).toMatch(/71%/);
    expect(workerRow).toMatch(/38%/);
    expect(workerRow).toMatch(/#0 93%/);
    await expect(page.getByTestId('running-name').textContent()).resolves.toBe('sweep-a');
    // This hub has no data gateway: its tasks reach Redis directly (issue 17.5).
    await expect(page.getByTestId('running-data-plane').textContent()).resolves.toMatch(/data plane direct$/);
    await expect(page.getByTestId('pending').textContent()).resolves.toContain('sweep-b');
    await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();

    // Progress moves while items are processed, over SSE, without a reload.
    await startWork();
    const done = page.getByTestId('progress-done');
    await waitFor(async () => count(await done.textContent()) >= 20, 15_000, 'first items done');
    const first = count(await done.textContent());
    await waitFor(async () => count(await done.textContent()) >= first + 40, 15_000, 'progress moving');
    const itemsCell = nodes.locator('tr', { hasText: 'worker-a' }).getByTestId('node-items');
    await waitFor(async () => count(await itemsCell.textContent()) >= first, 5_000, 'items per node');
    await expect(page.getByTestId('progress-dead').textContent()).resolves.toBe('3');
    await waitFor(async () => /\/s$/.test((await page.getByTestId('progress-rate').textContent()) ?? '') && (await page.getByTestId('progress-rate').textContent()) !== '0.0/s', 5_000, 'a rate');
    await expect(page.getByTestId('throughput').isVisible()).resolves.toBe(true);
    // A heartbeat changes the node row live too.
    await worker.heartbeat({ status: 'Running', active_containers: 3, task_name: 'sweep-a', cpu_pct: 88, mem_pct: 41, gpu_util_pct: 97 });
    await nodes.locator('tr', { hasText: 'worker-a' }).filter({ hasText: '88%' }).waitFor({ timeout: 5000 });
    // A few more seconds of samples, so the chart in the screenshot has a shape.
    await waitFor(async () => count(await done.textContent()) >= 180, 20_000, 'more items done');
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });

    // Dead items go back to the input with one press.
    await page.getByTestId('requeue-dead').click();
    await page.getByTestId('requeue-dead-confirm').click();
    await page.getByTestId('notice').filter({ hasText: 'Requeued 3 dead items of sweep-a' }).waitFor();
    await expect(redisClient.llen(new QueueKeys('sweep-a:in').dead)).resolves.toBe(0);

    await page.getByTestId('finish').click();
    await page.getByTestId('finish-confirm').click();
    await page.getByTestId('running-name').filter({ hasText: /^sweep-b$/ }).waitFor({ timeout: 5000 });
    await expect(page.getByTestId('completed').textContent()).resolves.toContain('sweep-a');
    await expect(page.getByTestId('notice').textContent()).resolves.toContain('sweep-a');
    const list = await hubCall<{ current: string; completed: string[] }>(hub.url, 'GET', '/api/tasks', TOKENS.viewer);
    expect(list.current).toBe('sweep-b');
    expect(list.completed).toContain('sweep-a');
    // The grid moved on: a node would now stop sweep-a's containers.
    await sdkWorker?.stop();
    sdkWorker = null;
    await page.context().close();
  });

  it('reads the stream with fetch and the bearer header, never with the token in a URL', () => {
    const events = requests.filter((r) => r.url().endsWith('/api/events'));
    expect(events.length).toBeGreaterThan(0);
    for (const r of events) {
      expect(r.resourceType()).toBe('fetch');
      expect(r.headers()['authorization']).toMatch(/^Bearer /);
    }
    for (const r of requests) for (const token of ALL_TOKENS) expect(r.url()).not.toContain(token);
    expect(requests.every((r) => r.url().startsWith(hub.url))).toBe(true);
  });

  it('gives a viewer token everything to read and no action', async () => {
    const page = await open(TOKENS.viewer);
    await page.getByTestId('nodes').locator('tr', { hasText: 'worker-a' }).waitFor();
    await page.getByTestId('running-name').waitFor();
    await expect(page.getByTestId('role').textContent()).resolves.toBe('viewer');
    await expect(page.getByTestId('finish').count()).resolves.toBe(0);
    await expect(page.getByTestId('stop-node').count()).resolves.toBe(0);
    await expect(page.locator('form[aria-label="register a task"]').count()).resolves.toBe(0);
    await expect(page.locator('main button, .page button:not(.quiet)').count()).resolves.toBe(0);
    await page.context().close();
  });

  it('says clearly when the token is wrong, or may not read', async () => {
    const page = await open('not-a-token');
    const error = page.getByTestId('sign-in-error');
    await expect(error.textContent()).resolves.toContain('The hub does not accept this token');
    await expect(page.getByTestId('nodes').count()).resolves.toBe(0);
    await page.fill('#token', TOKENS.node);
    await page.click('form[aria-label="sign in"] button[type=submit]');
    await error.filter({ hasText: 'lacks the viewer role' }).waitFor();
    await page.context().close();
  });

  it('keeps the token for the tab session only', async () => {
    const page = await open(TOKENS.viewer);
    await page.getByTestId('nodes').waitFor();
    await page.reload();
    await page.getByTestId('nodes').waitFor();
    // Evaluated in the page (a string: this file is compiled without DOM types).
    const stored = await page.evaluate('({ session: Object.values(sessionStorage), local: Object.keys(localStorage).length })');
    expect(stored).toEqual({ session: [TOKENS.viewer], local: 0 });
    const fresh = await browser.newPage();
    await fresh.goto(`${hub.url}/`);
    await fresh.locator('#token').waitFor();
    await fresh.context().close();
    await page.context().close();
  });

  it('lets an admin register a task (showing the API\'s validation message) and stop a node', async () => {
    const page = await open(TOKENS.admin);
    const form = page.locator('form[aria-label="register a task"]');
    await form.locator('input[name=name]').fill('bad name!');
    await form.locator('input[name=image]').fill('gridcore/example-worker:1');
    await form.locator('button[type=submit]').click();
    await expect(page.getByTestId('task-form-error').textContent()).resolves.toMatch(/name/);
    await form.locator('input[name=name]').fill('sweep-c');
    await form.locator('button[type=submit]').click();
    await page.getByTestId('pending').filter({ hasText: 'sweep-c' }).waitFor();
    await expect(page.getByTestId('task-form-error').count()).resolves.toBe(0);

    const row = page.getByTestId('nodes').locator('tr', { hasText: 'worker-a' });
    await row.getByTestId('stop-node').click();
    await row.getByTestId('stop-node-confirm').click();
    await row.locator('.badge-stopping').waitFor();
    await expect(worker.heartbeat({ status: 'Running', active_containers: 3 })).resolves.toEqual({ stop_requested: true });
    await page.context().close();
  });

  it('fits a phone screen', async () => {
    const page = await open(TOKENS.admin, { width: 390, height: 844 });
    await page.getByTestId('nodes').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-phone.png'), fullPage: true });
    await page.context().close();
  });

  it('serves its files open at / without shadowing any other route', async () => {
    const index = await fetch(`${hub.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await index.text()).not.toMatch(/https?:\/\//);
    const script = await fetch(`${hub.url}/dashboard/app.js`);
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${hub.url}/dashboard/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${hub.url}/dashboard/nope.js`)).status).toBe(404);
    for (const path of ['/api/nodes', '/api/tasks', '/metrics', '/gridnode/task', '/agent/task']) {
      const res = await fetch(`${hub.url}${path}`);
      expect([path, res.status]).toEqual([path, 401]);
    }
    await expect((await fetch(`${hub.url}/health`)).text()).resolves.toBe('OK');
    expect((await fetch(`${hub.url}/docs-json`)).status).toBe(200);
  });

  it('ran without script errors or Content-Security-Policy refusals', () => {
    expect(pageErrors).toEqual([]);
  });
});
