import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import Redis from 'ioredis';
import { TestHub, TOKENS } from '../support/hub-app';
import { RunningRedis } from '../support/redis-server';
import { DashboardGrid, startDashboardGrid } from '../support/dashboard-grid';
import { hubCall } from './support/grid';

const OUTPUT = join(__dirname, '..', '..', 'test-output');

/** Issue 15 point 5 on the dashboard: a task registered over an earlier run's items says so. */
describe('dashboard: what a reused name or queue held at registration', () => {
  jest.setTimeout(90_000);
  let redis: RunningRedis;
  let hub: TestHub;
  let browser: Browser;
  let client: Redis;

  let grid: DashboardGrid | undefined;

  beforeAll(async () => {
    ({ redis, hub, browser, client } = grid = await startDashboardGrid({ progress_interval_s: 0.5 }));
    mkdirSync(OUTPUT, { recursive: true });
  }, 90_000);

  afterAll(() => grid?.close());

  it('shows the counts on the running and the pending task, on a desktop and a phone', async () => {
    const task = (name: string, extra: object = {}) =>
      hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, { name, image: 'x:1', input_redis: redis.url, input_queue: `{${name}}:in`, output_queue: `{${name}}:out`, ...extra });
    await client.lpush('{reused}:in', ...Array.from({ length: 40 }, (_, i) => String(i)));
    await client.lpush('{reused}:out', ...Array.from({ length: 60 }, (_, i) => `${i}:0`));
    await task('reused');
    await client.lpush('{later}:out', 'old:1', 'old:2');
    await task('later', { fresh: true });
    for (const [label, viewport] of [['desktop', { width: 1400, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
      const page = await (await browser.newContext({ viewport })).newPage();
      await page.goto(`${hub.url}/`);
      await page.fill('#token', TOKENS.viewer);
      await page.click('form[aria-label="sign in"] button[type=submit]');
      const running = page.getByTestId('running-task').getByTestId('existing-notice');
      await running.waitFor();
      await expect(running.textContent()).resolves.toBe(
        'At registration: 40 items were already in the input list; 60 results were already in the output list, and its results include them.',
      );
      const pending = page.getByTestId('pending').getByTestId('existing-notice');
      await expect(pending.textContent()).resolves.toMatch(/^At registration: fresh start: 2 old results and 0 protocol keys deleted\.$/);
      await page.screenshot({ path: join(OUTPUT, `existing-notice-${label}.png`), fullPage: true });
      await page.context().close();
    }
  });
});
