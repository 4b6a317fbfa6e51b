import type { Browser, Page } from 'playwright-core';
import Redis from 'ioredis';
import { QueueKeys } from '@gridcore/queue';
import { TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RunningRedis } from '../support/redis-server';
import { openSignedIn } from '../support/browser';
import { DashboardGrid, startDashboardGrid } from '../support/dashboard-grid';
import { hubCall } from './support/grid';

/** Issue 14, faults 4 and 10 as the dashboard shows them, in headless Chromium. */
describe('dashboard: operators at once, and a Redis that lost its queue', () => {
  jest.setTimeout(90_000);
  let redis: RunningRedis;
  let hub: TestHub;
  let browser: Browser;
  let client: Redis;
  const pageErrors: string[] = [];

  let grid: DashboardGrid | undefined;

  beforeAll(async () => {
    ({ redis, hub, browser, client } = grid = await startDashboardGrid({ progress_interval_s: 0.25 }));
  }, 90_000);

  afterAll(() => grid?.close());

  const open = (token: string): Promise<Page> => openSignedIn(browser, hub.url, token, { width: 1280, height: 1000 }, pageErrors);

  const register = (name: string) =>
    hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, { name, image: 'img:1', input_redis: redis.url, input_queue: `${name}:in`, output_queue: `${name}:out` });
  const tasks = () => hubCall<{ current: string | null; pending: string[]; completed: string[] }>(hub.url, 'GET', '/api/tasks', TOKENS.viewer);

  it('two operators pressing Finish on fa at once finish fa alone; the other is told fb runs now', async () => {
    for (const name of ['fa', 'fb', 'fc']) await register(name);
    const [one, two] = await Promise.all([open(TOKENS.admin), open(TOKENS.admin)]);
    for (const page of [one, two]) {
      await page.getByTestId('running-name').filter({ hasText: /^fa$/ }).waitFor();
      await page.getByTestId('finish').click();
    }
    await Promise.all([one.getByTestId('finish-confirm').click(), two.getByTestId('finish-confirm').click()]);
    const notices = await Promise.all([one, two].map(async (p) => {
      const notice = p.getByTestId('notice');
      await notice.waitFor();
      return notice.textContent();
    }));
    expect(notices.sort()).toEqual(['Task fa completed; started fb×', 'Task fa is not the running task: fb is running×']);
    expect(await tasks()).toMatchObject({ current: 'fb', pending: ['fc'], completed: ['fa'] });
    for (const page of [one, two]) await page.getByTestId('running-name').filter({ hasText: /^fb$/ }).waitFor({ timeout: 5000 });
    await Promise.all([one.context().close(), two.context().close()]);
  });

  it('shows a lost queue on the running task, and lets an admin acknowledge it', async () => {
    await hubCall(hub.url, 'POST', '/api/tasks/finish', TOKENS.admin, { name: 'fb' });
    const current = await hubCall<{ id: string }>(hub.url, 'GET', '/api/tasks/fc', TOKENS.viewer);
    const config = new QueueKeys('fc:in').config;
    await waitFor(async () => (await client.hget(config, 'run_id')) === current.id, 3000, 'P:config with the run id');
    const [adminPage, viewerPage] = await Promise.all([open(TOKENS.admin), open(TOKENS.viewer)]);
    await expect(adminPage.getByTestId('data-loss').count()).resolves.toBe(0);

    await client.flushall();
    for (const page of [adminPage, viewerPage]) {
      const banner = page.getByTestId('data-loss');
      await banner.waitFor({ timeout: 5000 });
      await expect(banner.textContent()).resolves.toMatch(/Queue data lost.*P:config.*is gone.*Auto-finish is suspended/s);
    }
    await expect(viewerPage.getByTestId('acknowledge-data-loss').count()).resolves.toBe(0);

    await adminPage.getByTestId('acknowledge-data-loss').click();
    await adminPage.getByTestId('acknowledge-data-loss-confirm').click();
    await adminPage.getByTestId('notice').filter({ hasText: 'Acknowledged the data loss of fc' }).waitFor();
    for (const page of [adminPage, viewerPage]) await page.getByTestId('data-loss').waitFor({ state: 'detached', timeout: 5000 });
    expect(await client.hget(config, 'run_id')).toBe(current.id);
    await Promise.all([adminPage.context().close(), viewerPage.context().close()]);
  });

  it('ran without script errors or Content-Security-Policy refusals', () => {
    expect(pageErrors).toEqual([]);
  });
});
