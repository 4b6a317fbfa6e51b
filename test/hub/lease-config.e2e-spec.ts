import Redis from 'ioredis';
import request from 'supertest';
import { QueueKeys, WorkQueue } from '@gridcore/queue';
import { loadHubConfig } from '../../apps/computehub/src/config/hub-config';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { RedisWithClient, startRedisWithClient } from '../support/hub-with-redis';
import { RunningRedis } from '../support/redis-server';
import { workerTaskBody } from '../support/task-body';
import { waitFor } from '../support/ports';

const admin = bearer(TOKENS.admin);

describe('the hub key lease_s (written to each task\'s P:config)', () => {
  let redis: RunningRedis;
  let client: Redis;
  let hub: TestHub | undefined;

  let store: RedisWithClient | undefined;

  beforeAll(async () => {
    ({ redis, client } = store = await startRedisWithClient());
  });
  afterAll(() => store?.close());
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  const task = (name: string, extra: object = {}) => workerTaskBody(redis.url, name, name, extra);

  it('writes lease_s to P:config, so a batch nobody renews is back in the queue within seconds', async () => {
    hub = await startTestHub({ lease_s: 5, cleanup_interval_s: 0.5, progress_interval_s: 0.2 });
    await client.lpush('short:in', ...Array.from({ length: 20 }, (_, i) => String(i + 1)));
    await request(hub.url).post('/api/tasks').set(admin).send(task('short')).expect(201);
    const keys = new QueueKeys('short:in');
    await waitFor(async () => (await client.hget(keys.config, 'lease_s')) === '5', 3000, 'P:config with lease_s 5');

    const queue = new WorkQueue(client, 'short:in', { outputQueue: 'short:out' });
    const taken = await queue.take({ lanePrefix: queue.keys.lanePrefix({ nodeId: 'gone', instance: 0, runId: 'r', lane: 0 }), nodeId: 'gone', size: 10 });
    expect(taken.items).toHaveLength(10);
    expect(taken.leaseMs).toBe(5000);
    const startedMs = Date.now();
    // The worker vanished without a word: only the lease brings its batch back.
    await waitFor(async () => (await client.llen(keys.retry)) + (await client.llen('short:in')) === 20, 15_000, 'the lapsed batch requeued');
    const waitedMs = Date.now() - startedMs;
    console.log(`lease_s=5: lapsed batch requeued after ${waitedMs} ms`);
    expect(waitedMs).toBeGreaterThanOrEqual(4_000);
    expect(waitedMs).toBeLessThan(12_000);
  });

  it('never writes a lease longer than the task\'s batch timeout', async () => {
    hub = await startTestHub({ lease_s: 60 });
    await request(hub.url).post('/api/tasks').set(admin).send(task('tight', { batch_timeout_s: 20 })).expect(201);
    const keys = new QueueKeys('tight:in');
    await waitFor(async () => (await client.hget(keys.config, 'batch_timeout_s')) === '20', 3000, 'P:config written');
    expect(await client.hget(keys.config, 'lease_s')).toBe('20');
  });

  it.each([['2'], ['0'], ['x'], ['5.5']])('refuses lease_s = %s at start with one line naming the key', (value) => {
    const load = () => loadHubConfig({ env: { COMPUTEHUB_TOKEN: 'a-long-enough-legacy-token', COMPUTEHUB_LEASE_S: value }, argv: [], homeDir: '/nonexistent' });
    expect(load).toThrow(/lease_s/);
  });
});
