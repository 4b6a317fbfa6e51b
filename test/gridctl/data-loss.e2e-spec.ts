import Redis from 'ioredis';
import request from 'supertest';
import { QueueKeys } from '@gridcore/queue';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { ensureGridctlBuilt, Gridctl } from './gridctl-cli';

/** Issue 14, fault 10 at the operator's terminal: watch does not take a lost queue for "done". */
describe('gridctl and a task whose Redis lost its queue', () => {
  jest.setTimeout(90_000);
  let hub: TestHub;
  let redis: RunningRedis;
  let client: Redis;
  const cli = new Gridctl();
  const admin = bearer(TOKENS.admin);

  beforeAll(async () => {
    ensureGridctlBuilt();
    redis = await startRedis();
    client = new Redis(redis.url);
    hub = await startTestHub({ progress_interval_s: 0.2 });
    await cli.ok(['cluster', 'add', 'lab', '--hub', hub.url, '--redis', redis.url, '--token', TOKENS.admin]);
  }, 120_000);

  afterAll(async () => {
    client?.disconnect();
    await hub?.close();
    await redis?.stop();
    cli.cleanup();
  });

  it('watch exits 4 saying so when the loss is seen while it follows, and at once when it was seen before; task show says so', async () => {
    await client.lpush('wl:in', '1', '2', '3');
    const created = await request(hub.url).post('/api/tasks').set(admin).send({ name: 'wl', image: 'img:1', input_redis: redis.url, input_queue: 'wl:in', output_queue: 'wl:out', auto_finish: true }).expect(201);
    await waitFor(async () => (await client.hget(new QueueKeys('wl:in').config, 'run_id')) === created.body.id, 3000, 'P:config with the run id');
    const watching = cli.run(['watch', 'wl']);
    await new Promise((r) => setTimeout(r, 1500));
    await client.flushall();
    const watch = await watching;
    expect(watch.code).toBe(4);
    expect(watch.stderr).toMatch(/the hub saw that the queue of wl was lost: the queue's P:config.*is gone/);

    const again = await cli.run(['watch', 'wl', '--json']);
    expect(again.code).toBe(4);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toMatchObject({ task: 'wl', end: 'data lost', data_loss: { reason: expect.stringMatching(/is gone/) } });
    expect((await cli.ok(['task', 'show', 'wl'])).stdout).toMatch(/QUEUE DATA LOST .*is gone.*acknowledge-data-loss/);
  });
});
