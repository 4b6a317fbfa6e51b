import type { Browser, Page } from 'playwright-core';
import { TestHub, TOKENS } from '../support/hub-app';
import { openSignedIn } from '../support/browser';
import { DashboardGrid, startDashboardGrid } from '../support/dashboard-grid';
import { waitFor } from '../support/ports';
import { hubCall } from './support/grid';

/** Issue 21.1 on the dashboard, in headless Chromium: the pending list in start order, with up/down for an admin. */
describe('dashboard: reordering pending tasks', () => {
  jest.setTimeout(90_000);
  let hub: TestHub;
  let browser: Browser;
  const pageErrors: string[] = [];
  let grid: DashboardGrid | undefined;

  beforeAll(async () => {
    ({ hub, browser } = grid = await startDashboardGrid({}));
    for (const [name, priority] of [['d-run', 0], ['d-a', 0], ['d-b', 0], ['d-c', 3]] as const) {
      await hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, { name, image: 'img:1', priority });
    }
  }, 90_000);
  afterAll(() => grid?.close());

  const open = (token: string): Promise<Page> => openSignedIn(browser, hub.url, token, { width: 1280, height: 1000 }, pageErrors);
  const shown = (page: Page) => page.getByTestId('pending-task').locator('strong').allTextContents();
  const hubOrder = async () => (await hubCall<{ pending: string[] }>(hub.url, 'GET', '/api/tasks', TOKENS.admin)).pending;

  it('lists pending tasks in the hub order and moves them with the arrows', async () => {
    const page = await open(TOKENS.admin);
    await waitFor(async () => (await shown(page)).length === 3, 10_000, 'pending list');
    expect(await shown(page)).toEqual(['d-c', 'd-a', 'd-b']);
    const row = (name: string) => page.getByTestId('pending-task').filter({ hasText: name });
    expect(await row('d-c').getByTestId('move-up').isDisabled()).toBe(true);
    expect(await row('d-b').getByTestId('move-down').isDisabled()).toBe(true);
    // Issue 21.6: with no node online, each pending task says so.
    await expect(row('d-a').getByTestId('pending-fit').textContent()).resolves.toContain('no node is online to run task d-a');

    await row('d-b').getByTestId('move-up').click();
    await waitFor(async () => (await shown(page)).join() === 'd-c,d-b,d-a', 10_000, 'd-b moved up');
    expect(await hubOrder()).toEqual(['d-c', 'd-b', 'd-a']);
    await row('d-c').getByTestId('move-down').click();
    await waitFor(async () => (await shown(page)).join() === 'd-b,d-c,d-a', 10_000, 'd-c moved down');
    expect(await hubOrder()).toEqual(['d-b', 'd-c', 'd-a']);
    await expect(page.getByTestId('notice').textContent()).resolves.toMatch(/Moved d-c/);

    // An order changed elsewhere reaches the page through the event stream.
    await hubCall(hub.url, 'PATCH', '/api/tasks/d-a', TOKENS.admin, { priority: 10 });
    await waitFor(async () => (await shown(page)).join() === 'd-a,d-b,d-c', 10_000, 'the PATCH shown');
    // A node registers: the pending tasks it could run say so.
    await hubCall(hub.url, 'POST', '/gridnode/register', TOKENS.legacy, { node_id: 'd-node', hostname: 'd-host', architecture: 'x86_64', cpu_count: 2, platform: 'linux/amd64' });
    await hubCall(hub.url, 'POST', '/gridnode/heartbeat', TOKENS.legacy, { node_id: 'd-node', status: 'Idle', active_containers: 0 });
    await page.reload();
    await waitFor(async () => ((await row('d-a').getByTestId('pending-fit').textContent()) ?? '').includes('1 online node could run it'), 10_000, 'the fit shown');
    expect(pageErrors).toEqual([]);
  });

  it('shows no arrows to a viewer', async () => {
    const page = await open(TOKENS.viewer);
    await waitFor(async () => (await shown(page)).length === 3, 10_000, 'pending list');
    expect(await page.getByTestId('move-up').count()).toBe(0);
  });
});
