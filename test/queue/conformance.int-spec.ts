/**
 * One suite, both SDKs: every case runs against the TypeScript and the Python worker as real
 * processes on a real redis-server, with a random queue per test; then again against each SDK
 * installed from its packed artefact (the npm tarball, the wheel) into a clean local image, the
 * worker in a container with host networking and nothing of this checkout. And again through the
 * data gateway (issue 17.7): a gateway of its own per case in front of the case's redis-server, the
 * worker given only a container's gateway URL, every case whose worker does not itself need Redis.
 *
 * The cases run concurrently (`it.concurrent`, as many at once as jest's maxConcurrency): most of
 * a case is waiting (a lease to lapse, a worker's idle exit, a slow handler), so one after another
 * they took over five minutes. Each case therefore owns everything it touches: its own
 * redis-server (CLIENT LIST, db 2 and the ACL users are per server), queue, scoped user and proxy;
 * nothing is shared between cases but the compiled workers and the installed-package images.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { decodeCause, GROUP_MAX_ITEMS, loadScripts, QueueAdmin, QueueKeys, QUEUE_KEY_VECTORS, WorkQueue } from '@gridcore/queue';
import { removeContainersByLabel } from '../support/docker';
import { startRedis, RunningRedis } from '../support/redis-server';
import { createScopedUser, ScopedUser } from '../support/scoped-redis-user';
import { waitFor } from '../support/ports';
import { CaseGateway } from './helpers/case-gateway';
import { CutProxy } from './helpers/cut-proxy';
import { pushItems, randomQueue, range } from './helpers/queue-test';
import { ensureInstalledSdkImages, inspectInstalledSdk, INSTALLED_SDK_IMAGES } from './helpers/installed-sdks';
import { assertPythonRedis, compileTsWorkers, exitWithin, PYTHON, ROOT, Sdk, spawnWorker, OWN_WORKER_CONTAINER_LABEL, WorkerTarget } from './helpers/worker-process';

jest.setTimeout(60_000);
/** A case of an installed-package target may first wait for the images (built once, at most 15 min). */
const INSTALLED_CASE_TIMEOUT_MS = 15 * 60_000 + 60_000;

/**
 * How long a worker may take to print its start line before a case waits for what it does: a
 * container's `docker run` on an engine busy with the cases beside it can take seconds.
 */
const WORKER_START_MS = 30_000;

let installedImages: Promise<unknown> | undefined;

beforeAll(() => {
  assertPythonRedis();
  compileTsWorkers();
  // Built while the source targets' cases run; the installed targets' cases wait for it.
  installedImages = ensureInstalledSdkImages();
  installedImages.catch(() => undefined);
});
afterAll(async () => {
  await removeContainersByLabel(OWN_WORKER_CONTAINER_LABEL);
});

const sqrtOf = (n: string) => Math.sqrt(Number(n));
/** Each expected item's result exactly once, numerically right (TS writes 2, Python 2.0). */
function expectExactlyOnce(results: string[], items: string[]): void {
  const seen = new Map<string, number>();
  for (const r of results) {
    const [n, v] = r.split(':');
    expect(Math.abs(Number(v) - sqrtOf(n))).toBeLessThan(1e-9);
    const key = String(Number(n));
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  expect([...seen.keys()].sort()).toEqual(items.map((i) => String(Number(i))).sort());
  expect([...seen.values()].every((c) => c === 1)).toBe(true);
}

/** What one case owns: a redis-server of its own, an operator connection to it, a random queue. */
interface Case {
  server: RunningRedis;
  redis: Redis;
  admin: QueueAdmin;
  queue: string;
  output: string;
  keys: QueueKeys;
  /**
   * Set while a case runs as a volunteer would (issue 16.4): the worker's URLs to this server (or a
   * proxy in front of it) then carry a Redis user scoped to the case's queues, as the hub makes one.
   */
  scoped: ScopedUser | null;
  /** Ports that reach this case's server: its own and its proxy's. */
  portsToServer: Set<number>;
  /**
   * Set for a target through the data gateway (issue 17.7): a gateway in front of this server,
   * and the worker's URLs to the server point at it with a container's credentials instead.
   */
  gateway: CaseGateway | null;
}

/** Runs `body` on a fresh {@link Case} and stops what it started, however the case ends. */
async function withCase(stem: string, credentials: 'operator' | 'scoped', body: (c: Case) => Promise<void>, options: { gateway?: boolean } = {}): Promise<void> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const queue = randomQueue(stem);
  const output = `${queue}:out`;
  const c: Case = { server, redis, admin: new QueueAdmin(redis), queue, output, keys: new QueueKeys(queue), scoped: null, portsToServer: new Set([server.port]), gateway: null };
  try {
    if (credentials === 'scoped') c.scoped = await createScopedUser(redis, `conf-${queue}`, queue, output, { select: true }); // some cases use db 2
    if (options.gateway) {
      c.gateway = await CaseGateway.start(server.url, queue, output);
      c.admin = c.gateway.taskAdmin(redis);
    }
    await body(c);
  } finally {
    await c.gateway?.close();
    redis.disconnect();
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
  }
}

/** A proxy in front of the case's server for the lost-reply cases; its port counts as the server's. */
async function withProxy(c: Case, body: (proxy: CutProxy) => Promise<void>): Promise<void> {
  const proxy = new CutProxy();
  await proxy.start(c.server.port);
  c.portsToServer.add(proxy.port);
  try {
    await body(proxy);
  } finally {
    c.portsToServer.delete(proxy.port);
    await proxy.stop();
  }
}

function asWorker(c: Case, url: string, instance: string): string {
  if (!c.scoped && !c.gateway) return url;
  const u = new URL(url);
  if (u.username || u.password || !c.portsToServer.has(Number(u.port))) return url;
  if (c.gateway) return u.pathname.length > 1 ? url : c.gateway.containerUrl(instance);
  return c.scoped!.urlFor(url);
}

/** Runs a Python snippet without blocking the cases running beside it (spawnSync would). */
function runPython(code: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(PYTHON, ['-c', code], { encoding: 'utf8' }, (_error, stdout, stderr) => resolve({ stdout, stderr })));
}

function baseEnv(c: Case, queue: string, output: string, url = c.server.url, extra: Record<string, string> = {}): Record<string, string> {
  const env = baseEnvAsOperator(queue, output, url, extra);
  const worker = (u: string) => asWorker(c, u, env.INSTANCE_ID);
  return { ...env, INPUT_REDIS_URL: worker(env.INPUT_REDIS_URL), OUTPUT_REDIS_URL: worker(env.OUTPUT_REDIS_URL) };
}

function baseEnvAsOperator(queue: string, output: string, url: string, extra: Record<string, string>): Record<string, string> {
  return {
    TASK_NAME: 'conf',
    NODE_ID: 'node-a',
    INSTANCE_ID: '0',
    RUN_ID: `run-${Math.random().toString(36).slice(2, 8)}`,
    INPUT_REDIS_URL: url,
    OUTPUT_REDIS_URL: url,
    INPUT_QUEUE: queue,
    OUTPUT_QUEUE: output,
    GRIDCORE_BLOCK_S: '0.5',
    GRIDCORE_IDLE_EXIT_S: '1.5',
    ...extra,
  };
}

/** What each installed package must hold (helpers/installed-sdks.ts inspects the image). */
const INSTALLED = {
  ts: {
    packageDir: '/app/node_modules/@gridcore/worker',
    scriptsInPackage: true,
    dependencies: ['ioredis'],
    exported: ['runWorker', 'Worker', 'resolveWorkerSettings', 'WorkerSettingsError', 'QueueError', 'Protocol', 'loadProtocol'],
  },
  py: {
    packageDir: expect.not.stringMatching(/^\/app\b/),
    scriptsInPackage: true,
    dependencies: ['redis'],
    shas: Object.fromEntries([...loadScripts().values()].map((s) => [s.name, s.sha])),
    exported: ['run_worker', 'Worker', 'resolve_settings', 'SettingsError', 'QueueScriptError', 'Protocol'],
  },
};

// The installed packages run the cases as the operator's user only: their code is the same as the
// sources', which run them with a scoped user too. Through the gateway (issue 17.7) the sources run
// every case whose worker does not need Redis itself (see needsDirectRedis).
const TARGETS: (WorkerTarget & { label: string; credentials: 'operator' | 'scoped'; gateway?: boolean })[] = [
  { label: 'ts SDK, operator Redis user', sdk: 'ts', credentials: 'operator' },
  { label: 'py SDK, operator Redis user', sdk: 'py', credentials: 'operator' },
  { label: 'ts SDK, scoped Redis user', sdk: 'ts', credentials: 'scoped' },
  { label: 'py SDK, scoped Redis user', sdk: 'py', credentials: 'scoped' },
  { label: 'ts SDK installed from its npm tarball', sdk: 'ts', image: INSTALLED_SDK_IMAGES.ts, credentials: 'operator' },
  { label: 'py SDK installed from its wheel', sdk: 'py', image: INSTALLED_SDK_IMAGES.py, credentials: 'operator' },
  { label: 'ts SDK through the data gateway', sdk: 'ts', credentials: 'operator', gateway: true },
  { label: 'py SDK through the data gateway', sdk: 'py', credentials: 'operator', gateway: true },
];

describe.each(TARGETS)('worker conformance: $label', (target) => {
  const { sdk, credentials } = target;
  const timeout = target.image ? INSTALLED_CASE_TIMEOUT_MS : undefined;
  /** A case of this target: the images first when it runs an installed package, then a fresh {@link Case}. */
  const onCase = (body: (c: Case) => Promise<void>) => async () => {
    if (target.image) await installedImages;
    await withCase(sdk, credentials, body, { gateway: target.gateway });
  };
  /**
   * A case whose worker must reach Redis itself (a proxy between them, its own connection, another
   * db or server): skipped through the gateway, the reason in its name.
   */
  const needsDirectRedis = (reason: string) => (name: string, fn: () => Promise<void>, t?: number): void =>
    target.gateway ? it.concurrent.skip(`${name} [not through the gateway: ${reason}]`, fn, t) : it.concurrent(name, fn, t);
  if (target.image) {
    it.concurrent('runs the installed package: its own scripts, ioredis/redis-py its only dependency', async () => {
      await installedImages;
      expect(await inspectInstalledSdk(sdk, target.image!)).toEqual(INSTALLED[sdk]);
    }, timeout);
  }

  it.concurrent('blocks on an empty input, wakes on a push, processes each item once, exits 0 when idle', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '7' }));
    const line = await w.waitForStdout(/^gridcore-worker /);
    expect(line).toContain(`input=${queue} output=${output} batch=7 concurrency=1 lease_s=60 batch_timeout_s=600 max_attempts=3 mode=exactly-once`);
    await waitFor(async () => (await redis.zcard(keys.leases)) === 1, 5000, 'a waiting key');
    const items = range(1, 50);
    await pushItems(redis, queue, items);
    expect(await exitWithin(w, 15_000)).toBe(0);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items);
    const stats = await admin.stats(queue, ['node-a', 'node-b']);
    expect(stats).toMatchObject({ processed: 50, inFlight: 0, pending: 0, dead: 0, perNode: { 'node-a': 50 } });
    expect(await redis.zcard(keys.leases)).toBe(0);
    expect(await redis.keys(`${keys.batchPrefix}*`)).toEqual([]);
  }), timeout);

  needsDirectRedis('its output on db 2, a SELECT the worker makes (the gateway serves db 0 only)')('a lease lost while the handler runs (the batch requeued): logged, its results never pushed, each item once', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    // At-least-once pushes before it acks, so an ack of a lost batch would double its results.
    await admin.writeConfig(queue, { leaseS: 3, batchTimeoutS: 60, maxAttempts: 3 });
    const env = baseEnv(c, queue, output, server.url, { OUTPUT_REDIS_URL: `${server.url}/2`, GRIDCORE_BATCH: '2', TEST_DELAY_MS: '2500' });
    const items = range(1, 2);
    await pushItems(redis, queue, items);
    const w = spawnWorker(target, env);
    expect(await w.waitForStdout(/^gridcore-worker /)).toMatch(/mode=at-least-once/);
    let batch = '';
    await waitFor(async () => ((batch = (await redis.zrange(keys.leases, 0, -1))[0] ?? ''), batch !== '' && (await redis.llen(batch)) === 2), 10_000, 'the batch in flight');
    expect(await new WorkQueue(redis, queue).requeue([batch])).toEqual({ batches: 1, items: 2, dead: 0 });
    expect(await exitWithin(w, 30_000)).toBe(0);
    expect(w.stderr.filter((l) => l.includes(`lease of batch ${batch} (lane 0) was lost`))).toHaveLength(1);
    const db2 = new Redis(`${server.url}/2`);
    expectExactlyOnce(await db2.lrange(output, 0, -1), items);
    await db2.del(output);
    db2.disconnect();
  }), timeout);

  needsDirectRedis('its output on a second redis-server the worker itself connects to and loses')('at-least-once, SIGTERM while the output list is unreachable: the unpushed batch is handed back, not acked', onCase(async (c) => {
    const { server, redis, admin, queue, output } = c;
    // An ack by count says "results pushed"; sent after a push that never landed it loses them.
    const outServer = await startRedis();
    const env = baseEnv(c, queue, output, server.url, { OUTPUT_REDIS_URL: outServer.url, GRIDCORE_BATCH: '5', GRIDCORE_IDLE_EXIT_S: '60' });
    const w = spawnWorker(target, env);
    expect(await w.waitForStdout(/^gridcore-worker /)).toMatch(/mode=at-least-once reason=different-port/);
    await outServer.stop();
    const items = range(1, 5);
    await pushItems(redis, queue, items);
    await waitFor(async () => (await redis.llen(queue)) < 5, 10_000, 'an item taken');
    await new Promise((r) => setTimeout(r, 500));
    w.kill('SIGTERM');
    expect(await exitWithin(w, 15_000)).toBe(0);
    const stats = await admin.stats(queue);
    expect(stats).toMatchObject({ processed: 0, inFlight: 0, pending: 5, dead: 0 });
  }), timeout);

  it.concurrent('SIGKILL mid-batch: the slot requeue brings the batch back with one attempt; nothing lost or doubled', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const env = baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '10', TEST_DELAY_MS: '3000' });
    const items = range(1, 30);
    await pushItems(redis, queue, items);
    const w = spawnWorker(target, env);
    await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS); // the state waited for next needs a running worker
    await waitFor(async () => (await admin.stats(queue)).inFlight === 10, 10_000, 'a batch in flight');
    w.kill('SIGKILL');
    await w.exited;
    const back = await admin.requeueSlot(queue, 'node-a', 0, env.RUN_ID);
    expect(back).toEqual({ batches: 1, items: 10, dead: 0 });
    const attempts = await redis.hgetall(keys.attempts);
    expect(Object.values(attempts)).toEqual(Array(10).fill('1'));
    const again = spawnWorker(target, { ...env, RUN_ID: 'run-2', TEST_DELAY_MS: '0' });
    expect(await exitWithin(again, 15_000)).toBe(0);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items);
    expect(await redis.hlen(keys.attempts)).toBe(0);
  }), timeout);

  it.concurrent('batch 1, SIGTERM while a batch taken ahead waits behind the running one: both handed back without an attempt', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const items = range(1, 5);
    await pushItems(redis, queue, items);
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '1', TEST_DELAY_MS: '10000', GRIDCORE_IDLE_EXIT_S: '60' }));
    await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS); // the state waited for next needs a running worker
    await waitFor(async () => (await admin.stats(queue)).inFlight === 2, 10_000, 'one batch handled and one taken ahead');
    w.kill('SIGTERM');
    expect(await exitWithin(w, 15_000)).toBe(0);
    expect(await admin.stats(queue)).toMatchObject({ processed: 0, inFlight: 0, batches: 0, pending: 5, retry: 0, dead: 0 });
    expect(await redis.hlen(keys.attempts)).toBe(0);
    expect((await redis.lrange(queue, 0, -1)).sort()).toEqual([...items].sort());
    expect(await redis.keys(`${keys.batchPrefix}*`)).toEqual([]);
  }), timeout);

  it.concurrent('batch 1, SIGKILL with a batch taken ahead: its lease was kept while it waited, it returns once the lease lapses; nothing lost or doubled', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    await admin.writeConfig(queue, { leaseS: 3, batchTimeoutS: 60, maxAttempts: 3 });
    const items = range(1, 5);
    await pushItems(redis, queue, items);
    const env = baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '1', TEST_DELAY_MS: '12000', GRIDCORE_IDLE_EXIT_S: '60' });
    const w = spawnWorker(target, env);
    await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS); // the state waited for next needs a running worker
    await waitFor(async () => (await admin.stats(queue)).inFlight === 2, 10_000, 'one batch handled and one taken ahead');
    const held = await redis.zrange(keys.leases, 0, -1);
    expect(held).toHaveLength(2);
    // Past a whole lease_s: the batch waiting behind the running one is renewed too.
    await new Promise((r) => setTimeout(r, 4500));
    const [secs] = await redis.time();
    for (const key of held) expect(Number(await redis.zscore(keys.leases, key))).toBeGreaterThan(Number(secs) * 1000);
    expect((await admin.stats(queue)).expiredLeases).toBe(0);
    w.kill('SIGKILL');
    await w.exited;
    await waitFor(async () => (await admin.stats(queue)).expiredLeases === 2, 15_000, 'both leases lapsed');
    const again = spawnWorker(target, { ...env, RUN_ID: 'run-2', TEST_DELAY_MS: '0', GRIDCORE_IDLE_EXIT_S: '1.5' });
    expect(await exitWithin(again, 20_000)).toBe(0);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items);
    expect(await admin.stats(queue)).toMatchObject({ processed: 5, inFlight: 0, pending: 0, dead: 0 });
  }), timeout);

  it.concurrent('batch 1, a fast handler (groups of batches per take), SIGKILL: at most two groups leased; the slot requeue brings each back with one attempt; nothing lost or doubled', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const items = range(1, 4000);
    await pushItems(redis, queue, items);
    const env = baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '1', GRIDCORE_IDLE_EXIT_S: '60' });
    const w = spawnWorker(target, env);
    await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS);
    await waitFor(async () => (await redis.llen(output)) >= 300, 20_000, 'some results');
    w.kill('SIGKILL');
    await w.exited;
    const held = (await admin.stats(queue)).inFlight;
    // The group being handled and the one taken ahead, each at most GROUP_MAX_ITEMS batches of 1
    // (how many a group holds follows the handler's pace, which a loaded machine slows).
    console.log(`batch 1 SIGKILL (${target.label}): ${held} batches of 1 leased at the kill`);
    expect(held).toBeLessThanOrEqual(2 * GROUP_MAX_ITEMS);
    const back = await admin.requeueSlot(queue, 'node-a', 0, env.RUN_ID);
    expect(back).toEqual({ batches: held, items: held, dead: 0 });
    expect(Object.values(await redis.hgetall(keys.attempts))).toEqual(Array(held).fill('1'));
    const again = spawnWorker(target, { ...env, RUN_ID: 'run-2', GRIDCORE_IDLE_EXIT_S: '1.5' });
    expect(await exitWithin(again, 30_000)).toBe(0);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items);
    expect(await admin.stats(queue)).toMatchObject({ processed: 4000, inFlight: 0, pending: 0, dead: 0 });
    expect(await redis.hlen(keys.attempts)).toBe(0);
  }), timeout);

  it.concurrent('batch 1, a fast handler, SIGTERM: the finished batches of the group are acked, the rest handed back without an attempt', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const items = range(1, 4000);
    await pushItems(redis, queue, items);
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '1', GRIDCORE_IDLE_EXIT_S: '60' }));
    await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS);
    await waitFor(async () => (await redis.llen(output)) >= 300, 20_000, 'some results');
    w.kill('SIGTERM');
    expect(await exitWithin(w, 15_000)).toBe(0);
    const stats = await admin.stats(queue);
    expect(stats).toMatchObject({ inFlight: 0, batches: 0, retry: 0, dead: 0 });
    expect(stats.processed + stats.pending).toBe(4000);
    expect(await redis.hlen(keys.attempts)).toBe(0);
    const out = await redis.lrange(output, 0, -1);
    expect(out).toHaveLength(stats.processed);
    expectExactlyOnce([...out, ...(await redis.lrange(queue, 0, -1)).map((n) => `${n}:${sqrtOf(n)}`)], items);
    expect(await redis.keys(`${keys.batchPrefix}*`)).toEqual([]);
  }), timeout);

  it.concurrent('SIGTERM while blocked in BLMOVE with an item arriving: nothing stranded', onCase(async (c) => {
    const { server, redis, queue, output, keys } = c;
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_BLOCK_S: '5', GRIDCORE_IDLE_EXIT_S: '60' }));
    await w.waitForStdout(/^gridcore-worker /);
    await waitFor(async () => /cmd=blmove/.test(String(await redis.client('LIST'))), 5000, 'a blocked BLMOVE');
    w.kill('SIGTERM');
    await redis.lpush(queue, '49');
    expect(await exitWithin(w, 10_000)).toBe(0);
    const inQueue = await redis.lrange(queue, 0, -1);
    const out = await redis.lrange(output, 0, -1);
    expect(inQueue.length + out.length).toBe(1);
    expect(await redis.zcard(keys.leases)).toBe(0);
    expect(await redis.keys(`${keys.batchPrefix}*`)).toEqual([]);
  }), timeout);

  it.concurrent.each([1, 4])('a poison item among batches of 100 (concurrency %i) ends in dead; every other item once', (concurrency) => onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const items = range(1, 600);
    await pushItems(redis, queue, items);
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_CONCURRENCY: String(concurrency), TEST_POISON: '250' }));
    expect(await exitWithin(w, 30_000)).toBe(0);
    expect(await redis.lrange(keys.dead, 0, -1)).toEqual(['250']);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items.filter((i) => i !== '250'));
    expect(await redis.hgetall(keys.attempts)).toEqual({ '250': '3' });
    const stats = await admin.stats(queue);
    expect(stats).toMatchObject({ processed: 599, dead: 1, retry: 0, inFlight: 0 });
    // 100 items of the first failed batch once, then the poison alone twice more.
    expect(stats.requeued).toBe(102);
  }), timeout);

  it.concurrent.each([1, 2])('batch 1 (a take ahead), a poison item (concurrency %i): dead after 3 attempts; no other item gets an attempt', (concurrency) => onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    const items = range(1, 80);
    await pushItems(redis, queue, items);
    const env = { GRIDCORE_BATCH: '1', GRIDCORE_CONCURRENCY: String(concurrency), TEST_POISON: '30' };
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, env));
    expect(await exitWithin(w, 30_000)).toBe(0);
    expect(await redis.lrange(keys.dead, 0, -1)).toEqual(['30']);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items.filter((i) => i !== '30'));
    expect(await redis.hgetall(keys.attempts)).toEqual({ '30': '3' });
    // Batches taken ahead when isolation started went back without an attempt: only the poison was requeued.
    expect(await admin.stats(queue)).toMatchObject({ processed: 79, dead: 1, retry: 0, inFlight: 0, requeued: 3 });
  }), timeout);

  it.concurrent('a handler that hangs: exit 1 at batch_timeout_s, the batch comes back with an attempt', onCase(async (c) => {
    const { server, redis, admin, queue, output, keys } = c;
    await admin.writeConfig(queue, { leaseS: 1, batchTimeoutS: 2, maxAttempts: 3 });
    await pushItems(redis, queue, ['1', '2', '3']);
    const started = Date.now();
    const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { TEST_HANG: '2' }));
    expect(await exitWithin(w, 15_000)).toBe(1);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(w.stderr.join('\n')).toMatch(/batch_timeout_s=2/);
    expect((await redis.lrange(keys.retry, 0, -1)).sort()).toEqual(['1', '2', '3']);
    expect(await redis.hgetall(keys.attempts)).toEqual({ '1': '1', '2': '1', '3': '1' });
    expect(await redis.zcard(keys.leases)).toBe(0);
    // Issue 19.1: the cause of that attempt, per item.
    for (const item of ['1', '2', '3']) {
      expect(decodeCause(await redis.hget(keys.causes, item))).toMatchObject({ kind: 'hung', message: 'hung past batch_timeout_s (2 s)', node: 'node-a', instance: '0' });
    }
  }), timeout);

  // Issue 19: the sources only (the installed packages run the same code, see TARGETS).
  if (!target.image) {
    it.concurrent('a handler that throws: its message is each item\'s cause; the dead item keeps it', onCase(async (c) => {
      const { server, redis, admin, queue, output, keys } = c;
      await admin.writeConfig(queue, { leaseS: 60, batchTimeoutS: 600, maxAttempts: 1 });
      await pushItems(redis, queue, range(1, 12));
      const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '1', TEST_POISON: '7' }));
      expect(await exitWithin(w, 15_000 + WORKER_START_MS)).toBe(0);
      expect(await redis.lrange(keys.dead, 0, -1)).toEqual(['7']);
      const cause = decodeCause(await redis.hget(keys.causes, '7'));
      expect(cause).toMatchObject({ kind: 'error', message: 'poison item 7', node: 'node-a', instance: '0', run: expect.any(String) });
      expect(Math.abs(cause!.at! - Date.now())).toBeLessThan(60_000);
      expect(await redis.hlen(keys.causes)).toBe(1);
    }));

    it.concurrent('BUSY for a while (a long script on the server): retried with a log line; every item exactly once, exit 0', onCase(async (c) => {
      const { server, redis, queue, output, keys } = c;
      const items = range(1, 120);
      await pushItems(redis, queue, items);
      const w = spawnWorker(target, baseEnv(c, queue, output, server.url, { GRIDCORE_BATCH: '5', TEST_DELAY_MS: '40' }));
      await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS);
      await waitFor(async () => (await redis.llen(output)) >= 10, 10_000, 'some results');
      // Past busy-reply-threshold every other command is answered BUSY, and nothing runs, until the script ends.
      await redis.call('CONFIG', 'SET', 'busy-reply-threshold', '100');
      try {
        await redis.eval(
          "local t0 = redis.call('TIME') repeat local t = redis.call('TIME') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) >= 1500000 return 1",
          0,
        );
      } finally {
        await redis.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
      }
      const code = await exitWithin(w, 30_000);
      expect({ code, stderr: w.stderr.filter((l) => /answered|gridcore-worker: [a-z]/.test(l)) }).toMatchObject({ code: 0 });
      expect(w.stderr.join('\n')).toMatch(/redis answered BUSY .*; retrying/);
      expectExactlyOnce(await redis.lrange(output, 0, -1), items);
      expect(await redis.llen(keys.dead)).toBe(0);
    }));

    needsDirectRedis("a CutProxy cuts the worker's own Redis connection")('an error the SDK does not know: logged with its message, exit 1, its batch requeued with an attempt and the cause', onCase((c) => withProxy(c, async (proxy) => {
      const { redis, queue, output, keys } = c;
      const items = range(1, 60);
      await pushItems(redis, queue, items);
      const w = spawnWorker(target, baseEnv(c, queue, output, `redis://127.0.0.1:${proxy.port}`, { GRIDCORE_BATCH: '10', TEST_DELAY_MS: '30' }));
      await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS);
      await waitFor(async () => (await redis.llen(output)) >= 10, 10_000, 'some results');
      await proxy.armUnknownCommand(loadScripts().get('take')!.sha);
      expect(await exitWithin(w, 15_000)).toBe(1);
      expect(w.stderr.join('\n')).toMatch(/gridcore-worker: .*unknown command .GRIDCORETEST/i);
      // The batch whose ack rode on that take was handled but not acked: requeued with an attempt.
      const retried = await redis.lrange(keys.retry, 0, -1);
      expect(retried.length).toBeGreaterThan(0);
      for (const item of retried) {
        expect(await redis.hget(keys.attempts, item)).toBe('1');
        expect(decodeCause(await redis.hget(keys.causes, item))).toMatchObject({ kind: 'worker-error', message: expect.stringMatching(/^worker error: .*GRIDCORETEST/i) });
      }
      const done = (await redis.lrange(output, 0, -1)).map((r) => r.split(':')[0]);
      expect([...done, ...retried, ...(await redis.lrange(queue, 0, -1))].map(Number).sort((a, b) => a - b)).toEqual(items.map(Number));
      expect(await redis.zcard(keys.leases)).toBe(0);
    })));
  }

  it.concurrent('an output key of the wrong type: a clear error, exit 1, nothing lost', onCase(async (c) => {
    const { redis, admin, queue, output, keys } = c;
    await redis.hset(output, 'not', 'a list');
    const items = range(1, 20);
    await pushItems(redis, queue, items);
    const w = spawnWorker(target, baseEnv(c, queue, output));
    expect(await exitWithin(w, 15_000)).toBe(1);
    expect(w.stderr.join('\n')).toContain(`key "${output}" (output queue) is not a list`);
    expect((await redis.lrange(queue, 0, -1)).sort()).toEqual([...items].sort());
    expect(await redis.zcard(keys.leases)).toBe(0);
    expect((await admin.stats(queue)).processed).toBe(0);
  }), timeout);

  describe('lost replies (a cut connection)', () => {
    needsDirectRedis("a CutProxy cuts the worker's own Redis connection")('a take whose reply is lost (it acked and took): nothing lost or doubled', onCase((c) => withProxy(c, async (proxy) => {
      const { redis, queue, output, keys } = c;
      const items = range(1, 200);
      await pushItems(redis, queue, items);
      const takeSha = loadScripts().get('take')!.sha;
      const w = spawnWorker(target, baseEnv(c, queue, output, `redis://127.0.0.1:${proxy.port}`, { GRIDCORE_BATCH: '10', TEST_DELAY_MS: '30' }));
      await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS); // the state waited for next needs a running worker
      await waitFor(async () => (await redis.llen(output)) >= 20, 10_000, 'some results');
      await Promise.race([proxy.armCut(takeSha), new Promise((_, reject) => setTimeout(() => reject(new Error('no take reply was cut')), 10_000))]);
      expect(await exitWithin(w, 20_000)).toBe(0);
      expectExactlyOnce(await redis.lrange(output, 0, -1), items);
      expect(w.stderr.join('\n')).toMatch(/gridcore: lost connection to redis .*reconnecting/);
      expect(await redis.zcard(keys.leases)).toBe(0);
      expect(await redis.llen(keys.retry)).toBe(0);
    })), timeout);

    needsDirectRedis("a CutProxy cuts the worker's own Redis connection")('batch 1, a take-group reply lost (it acked a group and took the next) with another take in flight behind it: nothing lost or doubled', onCase((c) => withProxy(c, async (proxy) => {
      const { redis, queue, output, keys } = c;
      // 1 ms a batch: groups of about 5 batches per take (GroupPace), so the lost reply carried several.
      const items = range(1, 600);
      await pushItems(redis, queue, items);
      const takeSha = loadScripts().get('take-group')!.sha;
      const w = spawnWorker(target, baseEnv(c, queue, output, `redis://127.0.0.1:${proxy.port}`, { GRIDCORE_BATCH: '1', TEST_DELAY_MS: '1' }));
      await w.waitForStdout(/^gridcore-worker /, WORKER_START_MS); // the state waited for next needs a running worker
      await waitFor(async () => (await redis.llen(output)) >= 20, 10_000, 'some results');
      await Promise.race([proxy.armCut(takeSha), new Promise((_, reject) => setTimeout(() => reject(new Error('no take reply was cut')), 10_000))]);
      expect(await exitWithin(w, 30_000)).toBe(0);
      expectExactlyOnce(await redis.lrange(output, 0, -1), items);
      expect(await redis.zcard(keys.leases)).toBe(0);
      expect(await redis.llen(keys.retry)).toBe(0);
      expect(await redis.hlen(keys.attempts)).toBe(0);
    })), timeout);

    needsDirectRedis("a CutProxy cuts the worker's own Redis connection")('a BLMOVE whose reply is lost (it moved the item): nothing lost or doubled', onCase((c) => withProxy(c, async (proxy) => {
      const { redis, queue, output, keys } = c;
      const w = spawnWorker(target, baseEnv(c, queue, output, `redis://127.0.0.1:${proxy.port}`, { GRIDCORE_BLOCK_S: '3', GRIDCORE_IDLE_EXIT_S: '4' }));
      await w.waitForStdout(/^gridcore-worker /);
      await waitFor(async () => /cmd=blmove/.test(String(await redis.client('LIST'))), 5000, 'a blocked BLMOVE');
      const cut = proxy.armCut('BLMOVE');
      await redis.lpush(queue, '16');
      await Promise.race([cut, new Promise((_, reject) => setTimeout(() => reject(new Error('no BLMOVE reply was cut')), 5000))]);
      expect({ code: await exitWithin(w, 20_000), stderr: w.stderr.filter((l) => !/lost connection|reconnected|stopping/.test(l)) }).toEqual({ code: 0, stderr: [] });
      expectExactlyOnce(await redis.lrange(output, 0, -1), ['16']);
      expect(await redis.zcard(keys.leases)).toBe(0);
      expect(await redis.keys(`${keys.batchPrefix}*`)).toEqual([]);
    })), timeout);
  });
});

describe('both SDKs together', () => {
  it.concurrent('print the same start-up line for the same env, in both modes', () => withCase('mix', 'operator', async (c) => {
    const { server, queue, output } = c;
    for (const out of [server.url, `${server.url}/3`]) {
      const env = { ...baseEnv(c, queue, output), OUTPUT_REDIS_URL: out, RUN_ID: 'same', GRIDCORE_IDLE_EXIT_S: '0.2', GRIDCORE_BLOCK_S: '0.2', GRIDCORE_BATCH: '250', GRIDCORE_CONCURRENCY: '3' };
      const [a, b] = [spawnWorker('ts', env), spawnWorker('py', env)];
      const [la, lb] = await Promise.all([a.waitForStdout(/^gridcore-worker /), b.waitForStdout(/^gridcore-worker /)]);
      expect(la).toBe(lb);
      expect(la).toMatch(out === server.url ? / mode=exactly-once$/ : / mode=at-least-once reason=different-db$/);
      await Promise.all([exitWithin(a, 10_000), exitWithin(b, 10_000)]);
    }
  }));

  it.concurrent('a TypeScript and a Python worker on one queue: every item exactly once', () => withCase('mix', 'operator', async (c) => {
    const { redis, admin, queue, output } = c;
    const items = range(1, 3000);
    // Both blocked before the push (a slower start must not leave one SDK without work), and a
    // little time per batch so neither drains the queue alone.
    const extra = { GRIDCORE_BATCH: '20', TEST_DELAY_MS: '5', GRIDCORE_BLOCK_S: '2', GRIDCORE_IDLE_EXIT_S: '2' };
    const ts = spawnWorker('ts', { ...baseEnv(c, queue, output), NODE_ID: 'ts-node', ...extra });
    const py = spawnWorker('py', { ...baseEnv(c, queue, output), NODE_ID: 'py-node', ...extra });
    await Promise.all([ts.waitForStdout(/^gridcore-worker /), py.waitForStdout(/^gridcore-worker /)]);
    await waitFor(async () => (await redis.zcard(new QueueKeys(queue).leases)) === 2, 5000, 'both workers waiting');
    await pushItems(redis, queue, items);
    expect(await exitWithin(ts, 30_000)).toBe(0);
    expect(await exitWithin(py, 30_000)).toBe(0);
    expectExactlyOnce(await redis.lrange(output, 0, -1), items);
    const stats = await admin.stats(queue, ['ts-node', 'py-node']);
    expect(stats.processed).toBe(3000);
    expect(stats.perNode['ts-node']).toBeGreaterThan(0);
    expect(stats.perNode['py-node']).toBeGreaterThan(0);
  }));

  it.concurrent('at-least-once mode (output on another db) still delivers every item', () => withCase('mix', 'operator', async (c) => {
    const { server, redis, queue, output } = c;
    const items = range(1, 300);
    await pushItems(redis, queue, items);
    for (const sdk of ['ts', 'py'] as Sdk[]) {
      const w = spawnWorker(sdk, { ...baseEnv(c, queue, output), OUTPUT_REDIS_URL: `${server.url}/2` });
      expect(await w.waitForStdout(/^gridcore-worker /)).toMatch(/mode=at-least-once reason=different-db$/);
      expect(await exitWithin(w, 15_000)).toBe(0);
    }
    const db2 = new Redis(`${server.url}/2`);
    expectExactlyOnce(await db2.lrange(output, 0, -1), items);
    await db2.del(output);
    db2.disconnect();
  }));

  it.concurrent('the Python SDK computes the same tag-rule vectors and script SHAs', async () => {
    const code = `
import json, sys
sys.path.insert(0, ${JSON.stringify(`${ROOT}/libs/queue/python`)})
import gridcore_worker as g
out = []
for v in json.load(open(${JSON.stringify(`${ROOT}/libs/queue/src/queue-keys.vectors.json`)})):
    try:
        out.append({"queue": v["queue"], "prefix": g.queue_prefix(v["queue"]), "slot": g.key_slot(v["queue"])})
    except g.InvalidQueueName:
        out.append({"queue": v["queue"], "refused": True})
print(json.dumps({"vectors": out, "shas": {k: s[2] for k, s in g.load_scripts().items()}}))
`;
    const r = await runPython(code);
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.vectors).toEqual(QUEUE_KEY_VECTORS.map((v) => (v.refused ? { queue: v.queue, refused: true } : { queue: v.queue, prefix: v.prefix, slot: v.slot })));
    const tsShas = Object.fromEntries([...loadScripts().values()].map((s) => [s.name, s.sha]));
    expect(got.shas).toEqual(tsShas);
  });
});
