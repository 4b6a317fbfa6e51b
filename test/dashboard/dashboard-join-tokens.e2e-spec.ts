import type { Browser, Page } from 'playwright-core';
import { TestHub, TOKENS } from '../support/hub-app';
import { openSignedIn } from '../support/browser';
import { DashboardGrid, startDashboardGrid } from '../support/dashboard-grid';
import { waitFor } from '../support/ports';
import { hubCall } from './support/grid';

/** Issue 16 on the dashboard, in headless Chromium: join tokens and the Revoke button. */
describe('dashboard: join tokens and revoking a node', () => {
  jest.setTimeout(90_000);
  let hub: TestHub;
  let browser: Browser;
  const pageErrors: string[] = [];
  let grid: DashboardGrid | undefined;

  beforeAll(async () => {
    ({ hub, browser } = grid = await startDashboardGrid({}));
  }, 90_000);
  afterAll(() => grid?.close());

  const open = (token: string): Promise<Page> => openSignedIn(browser, hub.url, token, { width: 1280, height: 1000 }, pageErrors);

  it('makes a join token (secret shown once), lists the node that joined with it, revokes the node, then the token', async () => {
    const page = await open(TOKENS.admin);
    // Folded until opened, so the page stays short.
    expect(await page.getByTestId('join-token-label').isVisible()).toBe(false);
    await page.getByTestId('join-tokens-summary').click();
    await page.getByTestId('join-token-label').fill('dana');
    await page.getByTestId('join-token-max').fill('2');
    await page.getByTestId('join-token-create').click();
    const secret = (await page.getByTestId('join-token-secret').locator('code').last().textContent())!;
    expect(secret).toMatch(/^gcj_[0-9a-f]{16}_/);
    const joined = await hubCall<{ node_id: string; node_token: string }>(hub.url, 'POST', '/gridnode/register', secret, {
      node_id: 'dana-1',
      hostname: 'dana-host',
      architecture: 'x86_64',
      cpu_count: 2,
    });
    expect(joined.node_token).toMatch(/^gcn_/);
    const row = page.locator('[data-testid=nodes] tr[data-node-id="dana-1"]');
    await row.waitFor();
    await row.getByTestId('revoke-node').click();
    await row.getByTestId('revoke-node-confirm').click();
    await row.getByTestId('node-revoked').waitFor({ timeout: 5_000 });
    await expect(page.getByTestId('notice').textContent()).resolves.toMatch(/Revoked dana-1/);
    const beat = await fetch(`${hub.url}/gridnode/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${joined.node_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ node_id: 'dana-1', status: 'Idle', active_containers: 0 }),
    });
    expect(beat.status).toBe(401);
    expect(((await beat.json()) as { reason?: string }).reason).toBe('revoked');

    await page.reload();
    await page.getByTestId('join-tokens-summary').click();
    const card = page.getByTestId('join-tokens');
    const tokenRow = card.locator(`tr[data-token-id="${secret.split('_')[1]}"]`);
    await tokenRow.filter({ hasText: 'dana-1 (revoked)' }).waitFor();
    await expect(card.textContent()).resolves.not.toContain(secret.split('_')[2]);
    await tokenRow.getByTestId('revoke-join-token').click();
    await tokenRow.getByTestId('revoke-join-token-confirm').click();
    await tokenRow.getByTestId('join-token-revoked').waitFor({ timeout: 5_000 });
    await waitFor(async () => (await fetch(`${hub.url}/gridnode/register`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: '{"node_id":null,"hostname":"x","architecture":"x86_64","cpu_count":1}' })).status === 401, 5_000, 'the revoked join token refused');
    // A viewer sees neither the card nor the buttons.
    const viewer = await open(TOKENS.viewer);
    await viewer.locator('[data-testid=nodes] tr[data-node-id="dana-1"]').waitFor();
    expect(await viewer.getByTestId('join-tokens').count()).toBe(0);
    expect(await viewer.getByTestId('revoke-node').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
