import type { Browser } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';

/** What the operator does by hand: authorize in Swagger UI, register a task, press finish. */
describe('Swagger UI in a real browser', () => {
  let hub: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    hub = await startTestHub();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('lets an operator authorize, register a task and press finish', async () => {
    const page = await browser.newPage();
    await page.goto(`${hub.url}/docs`);
    await page.getByRole('button', { name: /authorize/i }).first().click();
    await page.locator('.modal-ux input[type=text], .modal-ux input[type=password]').first().fill(TOKENS.admin);
    await page.locator('.modal-ux button.modal-btn.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    const register = page.locator('#operations-tasks-TasksController_register');
    await register.locator('.opblock-summary').click();
    await register.getByRole('button', { name: /try it out/i }).click();
    await register.locator('textarea.body-param__text').fill(JSON.stringify({ name: 'from-swagger', image: 'img:ui' }));
    await register.getByRole('button', { name: /execute/i }).click();
    await register.locator('.live-responses-table .response-col_status').filter({ hasText: '201' }).first().waitFor({ timeout: 10_000 });

    const finish = page.locator('#operations-tasks-TasksController_finish');
    await finish.locator('.opblock-summary').click();
    await finish.getByRole('button', { name: /try it out/i }).click();
    await finish.getByRole('button', { name: /execute/i }).click();
    await finish.locator('.live-responses-table .response-col_status').filter({ hasText: '200' }).first().waitFor({ timeout: 10_000 });

    const tasks = (await request(hub.url).get('/api/tasks').set(bearer(TOKENS.viewer))).body;
    expect(tasks).toMatchObject({ current: null, completed: ['from-swagger'] });
  });
});
