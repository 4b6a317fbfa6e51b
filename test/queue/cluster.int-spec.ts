/**
 * The queue protocol on a real 3-master Redis Cluster on loopback: take / ack / requeue / dead /
 * stats through WorkQueue and QueueAdmin, and whole workers of both SDKs (the TS SDK on an
 * ioredis Cluster, the Python SDK on redis-py's RedisCluster). Tagged queues (`{tag}:in` /
 * `{tag}:out`, one slot) run exactly-once; untagged input and output in different slots run
 * at-least-once (reason=cross-slot).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { connectRedis, decideDeliveryMode, keySlot, QueueAdmin, QueueKeys, RedisClient, WorkQueue } from '@gridcore/queue';
import { freePort, waitFor } from '../support/ports';
import { range } from './helpers/queue-test';
import { assertPythonRedis, compileTsWorkers, exitWithin, Sdk, spawnWorker } from './helpers/worker-process';

jest.setTimeout(90_000);

interface TestCluster {
  ports: number[];
  url: string;
  dir: string;
  procs: ChildProcess[];
}

/** Three cluster-enabled redis-servers, joined with `redis-cli --cluster create`, state ok. */
async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort();
    // The cluster bus listens on port + 10000: keep both inside the port range and distinct.
    if (p + 10000 < 65536 && !ports.includes(p)) ports.push(p);
  }
  const procs = ports.map((port) =>
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    ),
  );
  const cluster: TestCluster = { ports, url: `redis://127.0.0.1:${ports[0]}`, dir, procs };
  try {
    for (const port of ports) {
      await waitFor(async () => {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await r.connect();
          return (await r.ping()) === 'PONG';
        } finally {
          r.disconnect();
        }
      }, 10_000, `redis-server ${port}`);
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
      timeout: 30_000,
    });
    for (const port of ports) {
      await waitFor(async () => {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await r.connect();
          return /cluster_state:ok/.test(String(await r.cluster('INFO')));
        } finally {
          r.disconnect();
        }
      }, 30_000, `cluster_state:ok on ${port}`, 200);
    }
  } catch (err) {
    await stopCluster(cluster);
    throw err;
  }
  return cluster;
}

async function stopCluster(c: TestCluster): Promise<void> {
  await Promise.all(
    c.procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
          p.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
  rmSync(c.dir, { recursive: true, force: true });
}

let cluster: TestCluster;
let client: RedisClient;
let admin: QueueAdmin;
const tag = () => Math.random().toString(36).slice(2, 10);

/** An untagged output name whose slot differs from Q's, so the pair is cross-slot. */
function crossSlotOutput(queue: string): string {
  for (let i = 0; ; i++) {
    const out = `${queue}-out${i}`;
    if (keySlot(out) !== keySlot(queue)) return out;
  }
}

/** The master that owns `key`'s slot. */
function owner(key: string): number {
  const nodes = (client as Cluster).slots[keySlot(key)];
  return Number(nodes[0].split(':').pop());
}

beforeAll(async () => {
  assertPythonRedis();
  compileTsWorkers();
  cluster = await startCluster();
  client = await connectRedis(cluster.url, { log: () => undefined });
  admin = new QueueAdmin(client);
});
afterAll(async () => {
  client?.disconnect();
  if (cluster) await stopCluster(cluster);
});

describe('the queue protocol on a 3-master Redis Cluster', () => {
  it('connectRedis detects the cluster and the delivery rule follows the slots', () => {
    expect(client).toBeInstanceOf(Cluster);
    expect((client as Cluster).nodes('master')).toHaveLength(3);
    const url = cluster.url;
    expect(decideDeliveryMode({ inputUrl: url, outputUrl: url, inputQueue: '{sqrt}:in', outputQueue: '{sqrt}:out', cluster: true })).toEqual({ mode: 'exactly-once' });
    expect(decideDeliveryMode({ inputUrl: url, outputUrl: url, inputQueue: 'sqrt-in', outputQueue: crossSlotOutput('sqrt-in'), cluster: true })).toMatchObject({
      mode: 'at-least-once',
      reason: 'cross-slot',
    });
  });

  it('exactly-once with tagged queues: take, ack in the next take, requeue, dead, requeue dead, stats', async () => {
    const t = tag();
    const queue = `{sqrt-${t}}:in`;
    const output = `{sqrt-${t}}:out`;
    const wq = new WorkQueue(client, queue, { outputQueue: output });
    const keys = new QueueKeys(queue);
    const lane = keys.lanePrefix({ nodeId: 'n1', instance: 0, runId: 'r1', lane: 0 });
    await admin.writeConfig(queue, { maxAttempts: 2 });
    await client.lpush(queue, ...range(1, 6));

    const first = await wq.take({ nodeId: 'n1', lanePrefix: lane, size: 3 });
    expect(first.items).toEqual(['1', '2', '3']);
    const second = await wq.take({ nodeId: 'n1', lanePrefix: lane, size: 3, ack: { batchKey: first.batchKey, results: ['1:1', '2:1.41', '3:1.73'] } });
    expect(second.ack).toBe('acked');
    expect(second.items).toEqual(['4', '5', '6']);
    expect(await client.lrange(output, 0, -1)).toEqual(['3:1.73', '2:1.41', '1:1']);

    // Requeue twice: the items reach dead at max_attempts 2.
    expect(await wq.requeue([second.batchKey])).toEqual({ batches: 1, items: 3, dead: 0 });
    expect(await client.llen(keys.retry)).toBe(3);
    const retried = await wq.take({ nodeId: 'n1', lanePrefix: lane, size: 3, fromRetry: true });
    expect(retried).toMatchObject({ source: 'retry', items: ['4'], retryLength: 2 });
    expect(await wq.requeue([retried.batchKey])).toEqual({ batches: 1, items: 1, dead: 1 });
    let stats = await admin.stats(queue, ['n1']);
    expect(stats).toMatchObject({ processed: 3, retry: 2, dead: 1, inFlight: 0, requeued: 4, perNode: { n1: 3 }, config: { maxAttempts: 2 } });

    expect(await admin.requeueDead(queue)).toBe(1);
    expect(await client.lrange(queue, 0, -1)).toEqual(['4']);
    expect(await client.hexists(keys.attempts, '4')).toBe(0);
    stats = await admin.stats(queue);
    expect(stats).toMatchObject({ input: 1, retry: 2, pending: 3, dead: 0 });

    // A late ack of a requeued batch pushes nothing; a slot requeue finds held batches.
    expect(await wq.ack(second.batchKey, 'n1', { results: ['x', 'y', 'z'] })).toBe('gone');
    const held = await wq.take({ nodeId: 'n1', lanePrefix: lane, size: 10 });
    expect(held.items).toEqual(['4']);
    expect(await admin.requeueSlot(queue, 'n1', 0, 'r1')).toEqual({ batches: 1, items: 1, dead: 0 });
    expect(await client.llen(output)).toBe(3);
    await client.del(queue, output, ...[keys.seq, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config]);
  });

  it('at-least-once across slots: results pushed first, ack by count; requeue, dead, stats', async () => {
    const queue = `sqrt-${tag()}`;
    const output = crossSlotOutput(queue);
    const wq = new WorkQueue(client, queue, { exactlyOnce: false });
    const keys = new QueueKeys(queue);
    const lane = keys.lanePrefix({ nodeId: 'n2', instance: 1, runId: 'r', lane: 0 });
    await admin.writeConfig(queue, { maxAttempts: 1 });
    await client.lpush(queue, ...range(1, 4));
    const a = await wq.take({ nodeId: 'n2', lanePrefix: lane, size: 2 });
    await client.lpush(output, ...a.items.map((n) => `${n}:${Math.sqrt(Number(n))}`));
    const b = await wq.take({ nodeId: 'n2', lanePrefix: lane, size: 2, ack: { batchKey: a.batchKey, count: 2 } });
    expect(b).toMatchObject({ ack: 'acked', items: ['3', '4'] });
    expect(await wq.requeue([b.batchKey])).toEqual({ batches: 1, items: 2, dead: 2 });
    expect(await admin.stats(queue)).toMatchObject({ processed: 2, dead: 2, requeued: 2, pending: 0, inFlight: 0 });
    expect(await admin.requeueDead(queue)).toBe(2);
    expect(await client.llen(queue)).toBe(2);
    expect(await client.llen(output)).toBe(2);
    await client.del(queue, ...[keys.seq, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config]);
    await client.del(output);
  });

  it('reaps an expired lease and finds an orphan batch on the master that holds it', async () => {
    const queue = `{reap-${tag()}}:in`;
    const wq = new WorkQueue(client, queue, { outputQueue: queue.replace(':in', ':out') });
    const keys = new QueueKeys(queue);
    await client.lpush(queue, 'a', 'b');
    const t = await wq.take({ nodeId: 'n3', lanePrefix: keys.lanePrefix({ nodeId: 'n3', instance: 0, runId: 'r', lane: 0 }), size: 1 });
    await client.zadd(keys.leases, 1, t.batchKey);
    expect(await admin.reapExpired(queue)).toMatchObject({ batches: 1, items: 1 });
    const orphan = `${keys.batchPrefix}n3:0:r:1:99`;
    await client.rpush(orphan, 'c');
    expect(owner(orphan)).toBe(owner(queue));
    const scan = await admin.scanOrphanBatches(queue);
    expect(scan.scanned).toBeGreaterThanOrEqual(1);
    await client.del(queue, orphan, queue.replace(':in', ':out'), ...[keys.seq, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config]);
  });

  it.each<[Sdk, 'exactly-once' | 'at-least-once']>([
    ['ts', 'exactly-once'],
    ['py', 'exactly-once'],
    ['ts', 'at-least-once'],
    ['py', 'at-least-once'],
  ])('a %s worker process on the cluster, %s: every item delivered, numerically right', async (sdk, mode) => {
    // A queue held by another master than the URL's, so the worker must follow the slot (its
    // BLMOVE and CLIENT UNBLOCK go to the owner, its scripts through redirects).
    let t = tag();
    while (owner(mode === 'exactly-once' ? `{sqrt-${t}}:in` : `sqrt-${t}`) === cluster.ports[0]) t = tag();
    const queue = mode === 'exactly-once' ? `{sqrt-${t}}:in` : `sqrt-${t}`;
    const output = mode === 'exactly-once' ? `{sqrt-${t}}:out` : crossSlotOutput(queue);
    const items = range(1, 500);
    const w = spawnWorker(sdk, {
      TASK_NAME: 'cluster',
      NODE_ID: `${sdk}-node`,
      INSTANCE_ID: '0',
      RUN_ID: `run-${t}`,
      INPUT_REDIS_URL: cluster.url,
      OUTPUT_REDIS_URL: cluster.url,
      INPUT_QUEUE: queue,
      OUTPUT_QUEUE: output,
      GRIDCORE_BATCH: '50',
      GRIDCORE_CONCURRENCY: '2',
      GRIDCORE_BLOCK_S: '0.5',
      GRIDCORE_IDLE_EXIT_S: '2',
    });
    const line = await w.waitForStdout(/^gridcore-worker /, 20_000);
    expect(line).toMatch(mode === 'exactly-once' ? / mode=exactly-once$/ : / mode=at-least-once reason=cross-slot$/);
    // Items arrive while the worker waits in BLMOVE on the master that owns the queue's slot.
    await waitFor(async () => (await client.zcard(new QueueKeys(queue).leases)) > 0, 10_000, 'a waiting key');
    for (let i = 0; i < items.length; i += 100) await client.lpush(queue, ...items.slice(i, i + 100));
    expect(await exitWithin(w, 30_000)).toBe(0);
    const results = await client.lrange(output, 0, -1);
    const counts = new Map<number, number>();
    for (const r of results) {
      const [n, v] = r.split(':').map(Number);
      expect(Math.abs(v - Math.sqrt(n))).toBeLessThan(1e-9);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual(items.map(Number));
    // Nothing failed, so even at-least-once delivered each item once here.
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    const stats = await admin.stats(queue, [`${sdk}-node`]);
    expect(stats).toMatchObject({ processed: 500, pending: 0, inFlight: 0, dead: 0 });
    expect(stats.perNode[`${sdk}-node`]).toBe(500);
    const keys = new QueueKeys(queue);
    await client.del(queue, ...[keys.seq, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config]);
    await client.del(output);
  });
});
