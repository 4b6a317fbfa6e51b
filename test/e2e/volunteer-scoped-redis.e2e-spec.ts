import Redis from 'ioredis';
import { ensureHostileImage } from '../support/hostile-image';
import { ensureExampleImages } from '../support/example-images';
import { waitFor } from '../support/ports';
import { QUICK_HUB_TICKS, RealGrid } from '../support/real-grid';
import { checkSqrtResults, range } from '../support/sqrt-results';

/**
 * Issue 16.4 and the hostile-image test of 16.7, every part real (redis-server with ACLs, the
 * built hub and GridNode as processes, Docker): a node joining with a volunteer's node token
 * (not the legacy token) runs its containers on a Redis user scoped to the task.
 */
const VOLUNTEER_TOKEN = 'volunteer-node-token-0001';
const PASSWORD = 'operator-redis-secret-1';

/** The Redis attempts: every one must be refused. */
const REDIS_ATTEMPTS = [
  'FLUSHALL', 'FLUSHDB', 'KEYS *', 'SCAN', 'GET other task key', 'SET other task key', 'LPUSH other task queue', 'LRANGE other task queue',
  'CONFIG GET', 'CONFIG SET', 'ACL LIST', 'ACL SETUSER', 'EVAL', 'SCRIPT LOAD', 'FUNCTION LOAD', 'CLIENT LIST', 'CLIENT KILL', 'MONITOR',
  'DEBUG SLEEP', 'SELECT 1', 'SHUTDOWN',
];
const CONTAINED_NODE_ATTEMPTS = ['memory flood (4 GB)'];

describe('a volunteer node on scoped Redis users', () => {
  jest.setTimeout(300_000);
  let grid: RealGrid;
  let hostile: string;
  let original: string;

  beforeAll(async () => {
    hostile = await ensureHostileImage();
    [original] = await ensureExampleImages('original');
    grid = await RealGrid.start({
      parallelism: 1,
      redisPassword: PASSWORD,
      sdkImage: true,
      hubEnv: { ...QUICK_HUB_TICKS, COMPUTEHUB_NODE_TOKENS: VOLUNTEER_TOKEN },
      agentEnv: { GRIDNODE_TOKEN: VOLUNTEER_TOKEN, GRIDNODE_PIDS_LIMIT: '64' },
    });
  }, 900_000);
  afterAll(async () => {
    await grid?.stop();
  });
  // A failed case must not leave its task running in front of the next one.
  afterEach(async () => {
    if ((await grid.hub.api('GET', '/api/tasks')).body.current) await grid.hub.api('POST', '/api/tasks/finish');
  });

  const scopedUsers = async () => ((await grid.client.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith('gridcore-') && u !== 'gridcore-probe');
  const finish = async () => expect((await grid.hub.api('POST', '/api/tasks/finish')).status).toBe(200);

  it('a hostile worker: every Redis attempt refused, the operator\'s other keys intact, Redis and the node healthy', async () => {
    await grid.client.set('operator:precious', 'keep');
    await grid.client.lpush('other:in', 'a', 'b', 'c');
    const before = await grid.client.keys('*');
    await grid.addTask({
      name: 'hostile', image: hostile, input_redis: grid.redis.url, input_queue: 'hostile:in', output_queue: 'hostile:out',
      env: { OTHER_KEY: 'operator:precious', OTHER_QUEUE: 'other:in' }, memory_mb: 256, max_containers_per_node: 1,
    });
    await waitFor(async () => (await grid.client.lrange('hostile:out', 0, 0)).some((l) => l.includes('"done"')), 180_000, 'the hostile worker\'s report', 500);
    const report = (await grid.client.lrange('hostile:out', 0, -1)).map((l) => JSON.parse(l) as { attempt: string; outcome: string; detail: string });
    const outcome = (attempt: string) => report.find((r) => r.attempt === attempt);
    process.stdout.write(`hostile image outcomes:\n${report.map((r) => `  ${r.attempt}: ${r.outcome} (${r.detail})`).join('\n')}\n`);

    expect(REDIS_ATTEMPTS.map((a) => [a, outcome(a)?.outcome])).toEqual(REDIS_ATTEMPTS.map((a) => [a, 'refused']));
    expect(CONTAINED_NODE_ATTEMPTS.map((a) => [a, outcome(a)?.outcome])).toEqual(CONTAINED_NODE_ATTEMPTS.map((a) => [a, 'contained']));

    expect(await grid.client.get('operator:precious')).toBe('keep');
    expect(await grid.client.lrange('other:in', 0, -1)).toEqual(['c', 'b', 'a']);
    // No key appeared or vanished outside the task's own (its output list, the P:config the hub wrote).
    const now = await grid.client.keys('*');
    expect(before.filter((k) => !now.includes(k))).toEqual([]);
    expect(now.filter((k) => !before.includes(k) && k !== 'hostile:out' && !k.startsWith('{hostile:in}:'))).toEqual([]);
    expect(await grid.client.ping()).toBe('PONG');
    const node = (await grid.hub.api('GET', '/api/nodes')).body.find((n: { id: string }) => n.id === grid.nodeId);
    expect(node.status).toBe('Online');
    expect(node.runtime_status).not.toBe('Error');
    // The container's env carried the scoped user, not the operator's password.
    const task = (await grid.hub.api('GET', '/api/tasks/hostile')).body;
    expect(await scopedUsers()).toEqual([`gridcore-${task.id}-${grid.nodeId}`]);

    await finish();
    await waitFor(async () => (await scopedUsers()).length === 0, 60_000, 'the user deleted once the node reports no container', 500);
    await grid.client.del('operator:precious', 'other:in', 'hostile:out', ...(await grid.client.keys('{hostile:in}:*')));
  });

  it('the TypeScript SDK worker keeps exactly-once with a scoped user', async () => {
    const N = 3000;
    await grid.push('{vsq}:in', range(N));
    await grid.addTask({ name: 'vsq', image: grid.image, input_redis: grid.redis.url, input_queue: '{vsq}:in', output_queue: '{vsq}:out', max_containers_per_node: 1 });
    await waitFor(async () => (await grid.client.llen('{vsq}:out')) >= N, 180_000, `${N} results`, 500);
    const logs = grid.agentOutput();
    const results = await grid.client.lrange('{vsq}:out', 0, -1);
    expect(checkSqrtResults(results, N)).toMatchObject({ distinct: N, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    expect(logs).not.toContain(PASSWORD);
    await finish();
    await waitFor(async () => (await scopedUsers()).length === 0, 60_000, 'the user deleted', 500);
  });

  it('the unchanged original consumer works with a scoped user', async () => {
    const N = 2000;
    await grid.push('compat:in', range(N));
    await grid.addTask({ name: 'compat', image: original, input_redis: grid.redis.url, input_queue: 'compat:in', output_queue: 'compat:out', max_containers_per_node: 1 });
    await waitFor(async () => (await grid.client.llen('compat:out')) >= N, 180_000, `${N} results`, 500);
    const results = await grid.client.lrange('compat:out', 0, -1);
    expect(checkSqrtResults(results, N)).toMatchObject({ distinct: N, missing: 0, duplicated: 0, wrong: 0 });
    const task = (await grid.hub.api('GET', '/api/tasks/compat')).body;
    expect(await scopedUsers()).toEqual([`gridcore-${task.id}-${grid.nodeId}`]);
    await finish();
  });
});
