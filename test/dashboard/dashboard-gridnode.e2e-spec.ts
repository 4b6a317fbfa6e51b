import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import Redis from 'ioredis';
import { buildDashboard, launchChromium, openAndSignIn } from '../support/browser';
import { removeContainersByLabel, requireDocker } from '../support/docker';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { AgentProcess, startAgent } from '../node/support/agent-process';
import { addTask, waitForContainers, waitForNodeId } from '../node/support/grid';
import { ensureSdkWorkerImage } from '../node/support/sdk-worker-image';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const ADMIN = 'gridnode-dash-admin-0001';
const VIEWER = 'gridnode-dash-viewer-0001';
const ITEMS = 20_000;
const TASK = 'gn-sqrt';
const NEXT = 'gn-next';
const INPUT = '{gnd}:in';

/**
 * The dashboard against a real grid (issue 10, point 5): a hub process, a GridNode agent process
 * running two containers of the SDK sqrt worker image on a real Docker engine, a redis-server,
 * and the page in headless Chromium. Nothing is simulated: the node row, the progress figures
 * and the node's processed count come from what the containers really do.
 */
describe('dashboard in headless Chromium on a real GridNode', () => {
  jest.setTimeout(120_000);
  let redis: RunningRedis;
  let hub: HubProcess;
  let agent: AgentProcess | undefined;
  let nodeId = '';
  let image: string;
  let browser: Browser;
  let client: Redis;
  const pageErrors: string[] = [];
  let feeding: Promise<void> | undefined;
  let stopFeeding = false;

  beforeAll(async () => {
    // A missing engine or chromium throws here (never a skip, under CI or not).
    await requireDocker();
    buildDashboard();
    // Side by side, each kept as soon as it is up: afterAll stops whatever started, even when another failed.
    const started = await Promise.allSettled([
      ensureSdkWorkerImage().then((i) => (image = i)),
      startRedis().then((r) => (redis = r)),
      launchChromium().then((b) => (browser = b)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    client = new Redis(redis.url);
    hub = await startHubProcess({
      env: { COMPUTEHUB_PROGRESS_INTERVAL_S: '0.25', COMPUTEHUB_ADMIN_TOKENS: ADMIN, COMPUTEHUB_VIEWER_TOKENS: VIEWER },
    });
    agent = startAgent({ GRIDNODE_SERVER_URL: hub.url, GRIDNODE_TOKEN: hub.token, GRIDNODE_PARALLELISM: '2' });
    nodeId = await waitForNodeId(agent.stateDir);
    // cpus 0.5 per container: the two share the machine's cores with the hub and Chromium.
    await addTask(hub, { name: TASK, image, input_redis: redis.url, input_queue: INPUT, output_queue: '{gnd}:out', cpus: 0.5 });
    await addTask(hub, { name: NEXT, image, input_redis: redis.url, input_queue: '{gnd}:next-in', output_queue: '{gnd}:next-out', cpus: 0.5 });
    await waitForContainers(nodeId, TASK, 2, 60_000);
    mkdirSync(OUTPUT, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    stopFeeding = true;
    await feeding?.catch(() => undefined);
    // The agent first (dead before its containers go, so it starts no new one), then by its label
    // every container it made, even when the node id file was written after waitForNodeId gave up.
    if (agent) {
      agent.signal('SIGKILL');
      await agent.exited;
      const idFile = join(agent.stateDir, 'node_id');
      nodeId ||= existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : '';
    }
    if (nodeId) await removeContainersByLabel(`gridcore.node=${nodeId}`);
    client?.disconnect();
    await browser?.close();
    await hub?.stop();
    await redis?.stop();
  }, 60_000);

  const open = (token: string): Promise<Page> => openAndSignIn(browser, hub.url, token, { width: 1280, height: 1000 }, pageErrors);

  const count = (text: string | null) => Number((text ?? '').replace(/,/g, ''));
  const countOf = async (locator: Locator) => count(await locator.textContent());

  it('lists the node, moves progress while its containers work, and switches task on finish', async () => {
    const page = await open(ADMIN);
    const row = page.locator(`[data-testid=nodes] tr[data-node-id="${nodeId}"]`);
    // The agent's own report: this machine's hostname, online, running the task's two containers.
    await row.filter({ hasText: /Online\s*Running/ }).waitFor({ timeout: 10_000 });
    await expect(row.locator('strong').first().textContent()).resolves.toBe(hostname());
    await waitFor(async () => (await countOf(row.locator('td[data-label=Containers]'))) > 0, 10_000, 'containers in the node row');
    await expect(page.getByTestId('running-name').textContent()).resolves.toBe(TASK);
    await expect(page.getByTestId('pending').textContent()).resolves.toContain(NEXT);
    await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();

    // 20,000 items in 40 pushes of 500, one every 100 ms: the containers (fast: a backlog of 20,000
    // goes in under a second) work through them over about 4 s, so the page sees the done count
    // part way and moving on whatever the machine's speed.
    const started = Date.now();
    feeding = (async () => {
      for (let i = 0; i < ITEMS && !stopFeeding; i += 500) {
        await client.lpush(INPUT, ...Array.from({ length: 500 }, (_, j) => String(i + j + 1)));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const done = page.getByTestId('progress-done');
    // The rate reads "idle" once the queue is empty, which a fast machine reaches soon: note any
    // rate the page showed while the items were being worked through.
    const isRate = (text: string | null) => /^[1-9][\d,.]*\/s$/.test(text ?? '');
    let rateSeen = false;
    const doneCount = async () => {
      if (isRate(await page.getByTestId('progress-rate').textContent())) rateSeen = true;
      return countOf(done);
    };
    const first = await waitFor(async () => {
      const n = await doneCount();
      return n > 0 && n < ITEMS ? n : null;
    }, 20_000, 'a first part of the items done');
    const second = await waitFor(async () => {
      const n = await doneCount();
      return n > first ? n : null;
    }, 20_000, 'the done count moving on');
    console.log(`done ${first} then ${second} of ${ITEMS} in the page, ${Date.now() - started} ms after the first push`);
    expect(second).toBeGreaterThan(first);
    // The node's processed count: what its containers did, shown in its row.
    const items = row.getByTestId('node-items');
    await waitFor(async () => (await countOf(items)) >= first, 10_000, 'the node row counting its items');
    await waitFor(async () => rateSeen || isRate(await page.getByTestId('progress-rate').textContent()), 5_000, 'a rate');

    // Half way, the containers still at it: the node row Running, the figures and the chart moving.
    await waitFor(async () => (await countOf(done)) >= ITEMS / 2, 30_000, 'half the items done');
    await page.screenshot({ path: join(OUTPUT, 'dashboard-gridnode.png'), fullPage: true });
    await feeding;
    // All of them, exactly once, and the page and the node row agree.
    await waitFor(async () => (await countOf(done)) === ITEMS, 90_000, `${ITEMS} done in the page`, 200);
    console.log(`all ${ITEMS} items done in the page ${Date.now() - started} ms after the first push`);
    await expect(client.llen('{gnd}:out')).resolves.toBe(ITEMS);
    await waitFor(async () => (await countOf(items)) === ITEMS, 10_000, `${ITEMS} in the node row`);

    // Finish with the admin token: the next pending task runs, on the page and on the node.
    await page.getByTestId('finish').click();
    await page.getByTestId('finish-confirm').click();
    await page.getByTestId('running-name').filter({ hasText: new RegExp(`^${NEXT}$`) }).waitFor({ timeout: 10_000 });
    const completed = page.getByTestId('completed').locator('tr', { hasText: TASK });
    // The run's record gains what it left in the change that completes it: the refetch the finish
    // triggers already shows it, no reload needed.
    await expect(completed.locator('td[data-label=Results]').textContent()).resolves.toBe(`done ${ITEMS.toLocaleString('en-US')} · dead 0 · left 0`);
    await expect(page.getByTestId('notice').textContent()).resolves.toContain(TASK);
    await expect(page.getByTestId('pending').count()).resolves.toBe(0); // nothing pending any more
    await expect((await hub.api('GET', '/api/tasks')).body).toMatchObject({ current: NEXT });
    await waitForContainers(nodeId, NEXT, 2, 30_000);
    await page.context().close();
  });

  it('shows a viewer the real node with no action buttons, and a wrong token a clear message', async () => {
    const viewer = await open(VIEWER);
    await viewer.locator(`[data-testid=nodes] tr[data-node-id="${nodeId}"]`).waitFor();
    await expect(viewer.getByTestId('role').textContent()).resolves.toBe('viewer');
    await expect(viewer.locator('main button, .page button:not(.quiet)').count()).resolves.toBe(0);
    await viewer.context().close();

    const wrong = await open('not-a-token-at-all');
    await expect(wrong.getByTestId('sign-in-error').textContent()).resolves.toContain('The hub does not accept this token');
    await expect(wrong.getByTestId('nodes').count()).resolves.toBe(0);
    await wrong.context().close();
  });

  it('ran without script errors or Content-Security-Policy refusals', () => {
    expect(pageErrors).toEqual([]);
  });
});
