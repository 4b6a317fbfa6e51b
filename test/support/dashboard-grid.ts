import type { Browser } from 'playwright-core';
import { HubValues, startTestHub, TestHub } from './hub-app';
import { buildDashboard, launchChromium } from './browser';
import { RedisWithClient, startRedisWithClient } from './hub-with-redis';

/** A built dashboard served by an in-process hub, a redis-server with a client, and headless Chromium. */
export interface DashboardGrid extends RedisWithClient {
  hub: TestHub;
  browser: Browser;
}

export async function startDashboardGrid(values: HubValues): Promise<DashboardGrid> {
  buildDashboard();
  const [store, browser] = await Promise.allSettled([startRedisWithClient(), launchChromium()]);
  let hub: TestHub | undefined;
  const close = async () => {
    if (store.status === 'fulfilled') store.value.client.disconnect();
    if (browser.status === 'fulfilled') await browser.value.close();
    await hub?.close();
    if (store.status === 'fulfilled') await store.value.redis.stop();
  };
  try {
    if (store.status === 'rejected') throw store.reason;
    if (browser.status === 'rejected') throw browser.reason;
    hub = await startTestHub(values);
    return { redis: store.value.redis, client: store.value.client, hub, browser: browser.value, close };
  } catch (err) {
    await close();
    throw err;
  }
}
