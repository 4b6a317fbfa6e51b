/**
 * A Redis user scoped to one task (issue 16.4), made with the hub's own rules, on a real
 * redis-server: every protocol script runs under it, everything else is refused, and a worker
 * of either SDK that meets NOSCRIPT waits for the scripts instead of failing its batch.
 */
import Redis from 'ioredis';
import { loadScripts, QueueAdmin, QueueKeys, ScriptRunner, WorkQueue } from '@gridcore/queue';
import { startRedis, RunningRedis } from '../support/redis-server';
import { createScopedUser, ScopedUser } from '../support/scoped-redis-user';
import { cleanupQueue, pushItems, randomQueue, range } from './helpers/queue-test';
import { assertPythonRedis, compileTsWorkers, exitWithin, Sdk, spawnWorker } from './helpers/worker-process';

jest.setTimeout(90_000);

let server: RunningRedis;
let admin: Redis;

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin.disconnect();
  await server.stop();
});

describe('a scoped user and the protocol scripts', () => {
  let queue: string;
  let output: string;
  let user: ScopedUser;
  let client: Redis;
  beforeEach(async () => {
    queue = randomQueue('acl');
    output = `${queue}:out`;
    user = await createScopedUser(admin, `u-${queue}`, queue, output);
    client = new Redis(user.urlFor(server.url));
  });
  afterEach(async () => {
    client.disconnect();
    await admin.call('ACL', 'DELUSER', user.user);
    await cleanupQueue(admin, queue, output, 'other:key');
  });

  it('runs every script of the manifest under the scoped user', async () => {
    const wq = new WorkQueue(client, queue, { outputQueue: output, exactlyOnce: true });
    const qa = new QueueAdmin(client);
    const keys = new QueueKeys(queue);
    await pushItems(client, queue, range(1, 30));
    await wq.writeConfig({ maxAttempts: 2, leaseS: 60, batchTimeoutS: 600 }, 'run-1'); // write-config
    const lane = keys.lanePrefix({ nodeId: 'n1', instance: 0, runId: 'r1', lane: 0 });
    const first = await wq.take({ lanePrefix: lane, nodeId: 'n1', size: 5 }); // take
    expect(first.items).toHaveLength(5);
    expect((await wq.renew(first.batchKey)).alive).toBe(true); // renew
    const second = await wq.take({ ack: { batchKey: first.batchKey, results: first.items.map((i) => `${i}:r`) }, lanePrefix: lane, nodeId: 'n1', size: 5 });
    expect(second.ack).toBe('acked');
    await wq.requeue([second.batchKey]); // requeue
    const third = await wq.take({ lanePrefix: lane, nodeId: 'n1', size: 5 });
    await wq.handBack([third.batchKey]); // hand-back
    const fourth = await wq.take({ lanePrefix: lane, nodeId: 'n1', size: 5 });
    expect((await wq.ack(fourth.batchKey, 'n1', { results: fourth.items.map((i) => `${i}:r`) })).toString()).toBeTruthy(); // ack
    await wq.take({ lanePrefix: lane, nodeId: 'n1', size: 5 });
    expect((await qa.requeueSlot(queue, 'n1', 0, 'r1')).batches).toBe(1); // requeue-by-slot
    await wq.take({ lanePrefix: lane, nodeId: 'n1', size: 5 });
    expect((await qa.handBackSlot(queue, 'n1', 0, 'r1')).batches).toBe(1);
    await wq.reapExpired(); // reap
    await wq.requeueOrphans([`${keys.batchPrefix}n9:0:r9:0:1`]); // requeue-orphans
    await wq.requeueDead(); // requeue-dead
    const stats = await wq.stats(['n1']); // stats
    expect(stats.processed).toBe(10);
    expect(await admin.llen(output)).toBe(10);
  });

  it.each<[string, (c: Redis) => Promise<unknown>]>([
    ['FLUSHALL', (c) => c.flushall()],
    ['FLUSHDB', (c) => c.flushdb()],
    ['KEYS *', (c) => c.keys('*')],
    ['SCAN', (c) => c.scan(0)],
    ['CONFIG GET', (c) => c.config('GET', '*')],
    ['ACL LIST', (c) => c.call('ACL', 'LIST')],
    ['ACL WHOAMI', (c) => c.call('ACL', 'WHOAMI')],
    ['MONITOR', (c) => c.call('MONITOR')],
    ['EVAL', (c) => c.eval('return 1', 0)],
    ['SCRIPT LOAD', (c) => c.script('LOAD', 'return 1')],
    ['FUNCTION LIST', (c) => c.call('FUNCTION', 'LIST')],
    ['CLIENT LIST', (c) => c.client('LIST')],
    ['CLIENT KILL', (c) => c.call('CLIENT', 'KILL', 'ID', '1')],
    ['GET of another key', (c) => c.get('other:key')],
    ['SET of another key', (c) => c.set('other:key', 'x')],
    ['LPUSH to another list', (c) => c.lpush('other:key', 'x')],
    ['SET of its own input (not a command it has)', (c) => c.set(queue, 'x')],
    ['SUBSCRIBE', (c) => c.subscribe('x')],
    ['SELECT of another db (a db-0 task)', (c) => c.select(1)],
  ])('refuses %s with NOPERM', async (_what, attempt) => {
    await admin.set('other:key', 'keep');
    await admin.lpush(queue, 'item');
    await expect(attempt(client)).rejects.toThrow(/NOPERM/);
    expect(await admin.get('other:key')).toBe('keep');
    expect(await admin.lrange(queue, 0, -1)).toEqual(['item']);
  });

  it('refuses a protocol script that would touch another task\'s keys', async () => {
    const other = new WorkQueue(client, randomQueue('other'), { outputQueue: 'o', exactlyOnce: true });
    await expect(other.stats()).rejects.toThrow(/NOPERM|No permissions/);
  });

  it('a runner that may not load scripts waits for them instead of failing, then gives up with a recoverable error', async () => {
    await admin.script('FLUSH');
    const runner = new ScriptRunner(undefined, { scriptWaitMs: 1500 });
    await runner.preload(client); // refused, silently: the hub loads them
    const wq = new WorkQueue(client, queue, { outputQueue: output, exactlyOnce: true, scripts: runner });
    await admin.lpush(queue, '4');
    const loaded = setTimeout(() => void new ScriptRunner().preload(admin), 600);
    const started = Date.now();
    const reply = await wq.take({ lanePrefix: new QueueKeys(queue).lanePrefix({ nodeId: 'n', instance: 0, runId: 'r', lane: 0 }), nodeId: 'n', size: 1 });
    clearTimeout(loaded);
    expect(reply.items).toEqual(['4']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await admin.script('FLUSH');
    await expect(wq.stats()).rejects.toMatchObject({ code: 'QUEUE_SCRIPT_NOT_LOADED', recoverable: true });
    await new ScriptRunner().preload(admin);
  });
});

describe.each<Sdk>(['ts', 'py'])('a %s worker with a scoped user', (sdk) => {
  beforeAll(() => {
    if (sdk === 'py') assertPythonRedis();
    else compileTsWorkers();
  });

  it('keeps exactly-once when the scripts vanish mid-run: it waits for the hub to load them again, no batch fails', async () => {
    const queue = randomQueue(`ns${sdk}`);
    const output = `${queue}:out`;
    const user = await createScopedUser(admin, `w-${queue}`, queue, output);
    const items = range(1, 400);
    await pushItems(admin, queue, items);
    const url = user.urlFor(server.url);
    const w = spawnWorker(sdk, {
      TASK_NAME: 'ns', NODE_ID: 'n1', INSTANCE_ID: '0', RUN_ID: 'r1', INPUT_REDIS_URL: url, OUTPUT_REDIS_URL: url,
      INPUT_QUEUE: queue, OUTPUT_QUEUE: output, GRIDCORE_BATCH: '10', GRIDCORE_BLOCK_S: '0.5', GRIDCORE_IDLE_EXIT_S: '3', TEST_DELAY_MS: '20',
    });
    expect(await w.waitForStdout(/^gridcore-worker /)).toMatch(/mode=exactly-once$/);
    const deadline = Date.now() + 20_000;
    while ((await admin.llen(output)) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await admin.script('FLUSH'); // a Redis restart or failover, as far as scripts go
    await new Promise((r) => setTimeout(r, 1500));
    for (const s of loadScripts().values()) await admin.script('LOAD', s.source); // the hub's next tick
    expect(await exitWithin(w, 45_000)).toBe(0);
    const results = await admin.lrange(output, 0, -1);
    expect(new Set(results.map((r) => Number(r.split(':')[0]))).size).toBe(items.length);
    expect(results).toHaveLength(items.length);
    expect(w.stderr.join('\n')).not.toMatch(/handler failed|requeued with an attempt|NOPERM/);
    expect(await admin.hlen(new QueueKeys(queue).attempts)).toBe(0);
    await admin.call('ACL', 'DELUSER', user.user);
    await cleanupQueue(admin, queue, output);
  });
});
