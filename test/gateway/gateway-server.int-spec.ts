/**
 * The data gateway on its own (issue 17), with a real redis-server and a directory held in
 * memory: both SDKs and the seed's original consumer through it with only the URL changed, every
 * disallowed command, key and foreign batch key refused with nothing changed, the original
 * consumer's pops leased and pushes acked once, node control commands limited to the node's own
 * slots, revocation, RESP3 and TLS. The hub's own adapter and GridNode are tested under test/e2e.
 */
import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { containerSecret, credentialDigestOf, GatewayServer, GatewayTlsRequiredError } from '@gridcore/gateway';
import { loadScripts, QueueKeys } from '@gridcore/queue';
import { waitFor } from '../support/ports';
import { startRedis, RunningRedis } from '../support/redis-server';
import { checkSqrtResults, leftovers } from '../support/sqrt-results';
import { gatewayRoute, StaticGatewayDirectory } from '../support/static-gateway-directory';
import { makeTestPki } from '../support/tls';
import { cleanupQueue, pushItems, randomQueue, range } from '../queue/helpers/queue-test';
import { assertPythonRedis, compileTsWorkers, exitWithin, PYTHON, ROOT, spawnWorker } from '../queue/helpers/worker-process';

jest.setTimeout(60_000);

let server: RunningRedis;
let redis: Redis;
let directory: StaticGatewayDirectory;
let gateway: GatewayServer;
let port: number;
const opened: Redis[] = [];

const CRED_A = 'node-a-credential';
const CRED_B = 'node-b-credential';

function containerUrl(node: string, credential: string, instance: string): string {
  return `redis://${node}.${instance}:${containerSecret(credentialDigestOf(credential), instance)}@127.0.0.1:${port}`;
}

function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  c.on('error', () => undefined);
  opened.push(c);
  return c;
}

/** Routes node-a and node-b to the case's queue (its own keys, a fresh queue per case). */
function route(queue: string, output: string): void {
  directory.addNode('node-a', CRED_A, gatewayRoute(server.url, queue, output));
  directory.addNode('node-b', CRED_B, gatewayRoute(server.url, queue, output));
}

/** The reply to AUTH on a fresh connection (an error's message when refused). */
async function authReply(user: string, pass: string): Promise<string> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  opened.push(c);
  try {
    return String(await c.call('AUTH', user, pass));
  } catch (err) {
    return (err as Error).message;
  } finally {
    c.disconnect();
  }
}

/** Every key and its content, to show a refused command changed nothing. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await redis.keys('*')).sort()) out[key] = (await redis.dumpBuffer(key))?.toString('hex') ?? '';
  return out;
}

beforeAll(async () => {
  assertPythonRedis();
  compileTsWorkers();
  server = await startRedis();
  redis = new Redis(server.url);
  directory = new StaticGatewayDirectory();
  gateway = new GatewayServer({ directory, host: '127.0.0.1', port: 0, routeCacheMs: 0 });
  port = (await gateway.listen()).port;
});

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await gateway?.close();
  redis?.disconnect();
  await server?.stop();
});

function env(queue: string, output: string, sdk: 'ts' | 'py', instance: string): Record<string, string> {
  const url = containerUrl('node-a', CRED_A, instance);
  return {
    TASK_NAME: 'gw', NODE_ID: 'node-a', INSTANCE_ID: instance, RUN_ID: `run-${sdk}`, INPUT_REDIS_URL: url, OUTPUT_REDIS_URL: url,
    INPUT_QUEUE: queue, OUTPUT_QUEUE: output, GRIDCORE_BLOCK_S: '0.5', GRIDCORE_IDLE_EXIT_S: '2',
  };
}

describe.each(['ts', 'py'] as const)('the %s SDK through the gateway, only its URL changed', (sdk) => {
  it('runs exactly-once: blocks on the empty input, takes every item once, exits 0 when idle', async () => {
    const [queue, output] = [randomQueue(`gw-${sdk}`), randomQueue('out')];
    route(queue, output);
    const w = spawnWorker(sdk, { ...env(queue, output, sdk, '0'), GRIDCORE_BATCH: '50', GRIDCORE_CONCURRENCY: '2' });
    const line = await w.waitForStdout(/^gridcore-worker /);
    expect(line).toContain('mode=exactly-once');
    const keys = new QueueKeys(queue);
    await waitFor(async () => (await redis.zcard(keys.leases)) >= 1, 10_000, 'a waiting key (the take went through the gateway)');
    const items = range(1, 3000);
    await pushItems(redis, queue, items);
    expect(await exitWithin(w, 40_000)).toBe(0);
    const results = await redis.lrange(output, 0, -1);
    expect(checkSqrtResults(results, 3000)).toMatchObject({ distinct: 3000, missing: 0, duplicated: 0, wrong: 0 });
    expect(await leftovers(redis, queue)).toMatchObject({ input: 0, retry: 0, leases: 0, taken: 0, batchKeys: [], dead: [] });
    // The node id argument the gateway ran with is the authenticated one.
    expect(await redis.hget(keys.stats, 'node:node-a')).toBe('3000');
    await cleanupQueue(redis, queue, output);
  });

  it('SIGKILL mid-batch, then the node requeues the slot through the gateway: nothing lost or doubled', async () => {
    const [queue, output] = [randomQueue(`gw-kill-${sdk}`), randomQueue('out')];
    const keys = new QueueKeys(queue);
    route(queue, output);
    const items = range(1, 400);
    await pushItems(redis, queue, items);
    const w = spawnWorker(sdk, { ...env(queue, output, sdk, '1'), GRIDCORE_BATCH: '20', TEST_DELAY_MS: '200' });
    await waitFor(async () => (await redis.llen(output)) >= 20, 20_000, 'a first batch done');
    w.kill('SIGKILL');
    await w.exited;
    const node = client(`redis://node-a:${CRED_A}@127.0.0.1:${port}`);
    const cause = JSON.stringify({ kind: 'exit', message: 'container exited with code 137', exit_code: 137, node: 'forged' });
    const [batches, moved] = (await node.call('GRIDCORE', 'REQUEUE', '1', 'CAUSE', cause)) as number[];
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(moved).toBeGreaterThanOrEqual(1);
    // The cause is kept per item, with the node the batch key names (not what the node wrote).
    const recorded = Object.values(await redis.hgetall(keys.causes)).map((v) => JSON.parse(v));
    expect(recorded.length).toBe(moved);
    for (const r of recorded) expect(r).toMatchObject({ kind: 'exit', exit_code: 137, node: 'node-a', instance: '1' });
    await expect(node.call('GRIDCORE', 'REQUEUE', '1', 'CAUSE', 'not json')).rejects.toThrow(/JSON cause/);
    const again = spawnWorker(sdk, { ...env(queue, output, sdk, '2'), GRIDCORE_BATCH: '20' });
    expect(await exitWithin(again, 40_000)).toBe(0);
    expect(checkSqrtResults(await redis.lrange(output, 0, -1), 400)).toMatchObject({ distinct: 400, missing: 0, duplicated: 0 });
    expect(await leftovers(redis, queue)).toMatchObject({ input: 0, retry: 0, leases: 0, batchKeys: [], dead: [] });
    await cleanupQueue(redis, queue, output);
  });
});

describe("the seed's original consumer (BRPOP / LPUSH) through the gateway", () => {
  const consumer = join(ROOT, 'examples', 'original-consumer', 'consumer.py');
  const runConsumer = (queue: string, output: string, instance: string) => {
    const url = containerUrl('node-a', CRED_A, instance);
    const proc = spawn(PYTHON, [consumer], { env: { ...process.env, INPUT_REDIS_URL: url, OUTPUT_REDIS_URL: url, INPUT_QUEUE: queue, OUTPUT_QUEUE: output } });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    return { proc, exited, stderr: () => stderr };
  };

  it('unchanged, two consumers, one SIGKILLed mid-run: exactly one correct result per item, nothing left in flight', async () => {
    const [queue, output] = [randomQueue('gw-orig'), randomQueue('out')];
    route(queue, output);
    const N = 3000;
    await pushItems(redis, queue, range(1, N));
    const a = runConsumer(queue, output, '0');
    const b = runConsumer(queue, output, '1');
    await waitFor(async () => (await redis.llen(output)) >= 500, 20_000, '500 results');
    a.proc.kill('SIGKILL');
    await a.exited;
    const c = runConsumer(queue, output, '2');
    const codes = await Promise.all([b.exited, c.exited]);
    expect(codes).toEqual([0, 0]);
    const results = await redis.lrange(output, 0, -1);
    const check = checkSqrtResults(results, N);
    console.log(`original consumer through the gateway, one SIGKILL: ${JSON.stringify({ results: results.length, ...check })}`);
    expect(check).toMatchObject({ distinct: N, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    expect(results[0]).toMatch(/^\d+\.0:\d/);
    expect(await leftovers(redis, queue)).toMatchObject({ input: 0, retry: 0, leases: 0, taken: 0, batchKeys: [], dead: [] });
    await cleanupQueue(redis, queue, output);
  });

  it('LPOP only leases: the item sits in a batch key of this container with a lease, and a close requeues it with an attempt', async () => {
    const [queue, output] = [randomQueue('gw-lpop'), randomQueue('out')];
    route(queue, output);
    await redis.lpush(queue, '7', '8');
    const keys = new QueueKeys(queue);
    const c = client(containerUrl('node-a', CRED_A, '3'));
    expect(await c.lpop(queue)).toBe('7'); // the oldest item (LPUSH-ed first), as a take serves it
    const batchKeys = await redis.keys(`${keys.slotPrefix('node-a', '3')}*`);
    expect(batchKeys.length).toBeGreaterThanOrEqual(1);
    const holding = (await Promise.all(batchKeys.map((k) => redis.lrange(k, 0, -1)))).flat();
    expect(holding).toEqual(['7']);
    expect(await redis.zcard(keys.leases)).toBe(batchKeys.length);
    expect(await redis.lrange(queue, 0, -1)).toEqual(['8']);
    c.disconnect();
    await waitFor(async () => (await redis.llen(keys.retry)) === 1, 5000, 'the popped item requeued');
    expect(await redis.lrange(keys.retry, 0, -1)).toEqual(['7']);
    expect(await redis.hget(keys.attempts, '7')).toBe('1');
    expect(await redis.zcard(keys.leases)).toBe(0);
    await cleanupQueue(redis, queue, output);
  });

  it('a forged LPUSH without a held item is refused and stores nothing; pushes ack held items in pop order', async () => {
    const [queue, output] = [randomQueue('gw-forge'), randomQueue('out')];
    route(queue, output);
    const c = client(containerUrl('node-a', CRED_A, '4'));
    await expect(c.lpush(output, 'forged')).rejects.toThrow(/^ERR gridcore gateway: LPUSH is not allowed/);
    expect(await redis.exists(output)).toBe(0);
    await redis.lpush(queue, '1', '2', '3');
    expect(await c.rpop(queue)).toBe('1');
    expect(await c.brpop(queue, 1)).toEqual([queue, '2']);
    await c.lpush(output, 'r1');
    await c.rpush(output, 'r2');
    await expect(c.lpush(output, 'r3')).rejects.toThrow(/no item is held/);
    // A push is answered once matched to its held item; its ack lands right after.
    await waitFor(async () => (await redis.llen(output)) === 2, 5000, 'both acks');
    expect(await redis.lrange(output, 0, -1)).toEqual(['r2', 'r1']);
    await expect(c.lpush(output, 'a', 'b')).rejects.toThrow(/is not allowed/);
    // LLEN counts the item the last push leased ahead as still in the input.
    expect(await c.llen(queue)).toBe(1);
    expect(await c.brpop(queue, 1)).toEqual([queue, '3']);
    expect(await c.brpop(queue, 0.3)).toBeNull();
    await c.lpush(output, 'r3');
    expect(await c.llen(queue)).toBe(0);
    await waitFor(async () => (await redis.llen(output)) === 3, 5000, 'the third ack');
    c.disconnect();
    await waitFor(async () => (await leftovers(redis, queue)).leases === 0, 5000, 'no lease left');
    expect(await leftovers(redis, queue)).toMatchObject({ input: 0, retry: 0, batchKeys: [], dead: [] });
    await cleanupQueue(redis, queue, output);
  });

  it('a blocked BRPOP wakes for a pushed item; GRIDCORE HANDBACK makes the close hand back without an attempt', async () => {
    const [queue, output] = [randomQueue('gw-wake'), randomQueue('out')];
    route(queue, output);
    const keys = new QueueKeys(queue);
    const c = client(containerUrl('node-a', CRED_A, '5'));
    const popped = c.brpop(queue, 5);
    await new Promise((r) => setTimeout(r, 300));
    await redis.lpush(queue, '42');
    expect(await popped).toEqual([queue, '42']);
    const node = client(`redis://node-a:${CRED_A}@127.0.0.1:${port}`);
    expect(await node.call('GRIDCORE', 'HANDBACK', '5')).toEqual([1, 1]);
    expect(await redis.lrange(queue, 0, -1)).toEqual(['42']);
    expect(await c.brpop(queue, 1)).toEqual([queue, '42']);
    c.disconnect();
    await waitFor(async () => (await redis.llen(queue)) === 1, 5000, 'handed back on close');
    expect(await redis.hlen(keys.attempts)).toBe(0);
    expect(await redis.llen(keys.retry)).toBe(0);
    await cleanupQueue(redis, queue, output);
  });
});

describe('refusals: nothing but the protocol, nothing but this task, nothing of another slot', () => {
  let queue: string;
  let output: string;
  let c: Redis;
  let keys: QueueKeys;
  const scripts = loadScripts();
  const sha = (name: string) => scripts.get(name)!.sha;

  beforeAll(async () => {
    [queue, output] = [randomQueue('gw-refuse'), randomQueue('out')];
    route(queue, output);
    keys = new QueueKeys(queue);
    await redis.lpush(queue, '1', '2', '3');
    await redis.set('operator:secret', 'x');
    await redis.lpush('other-task', 'a');
    c = client(containerUrl('node-a', CRED_A, '6'));
    await c.connect();
  });

  const own = () => `${keys.slotPrefix('node-a', '6', 'r')}0:`;
  const foreign = () => `${keys.slotPrefix('node-b', '0', 'r')}0:`;
  const otherInstance = () => `${keys.slotPrefix('node-a', '7', 'r')}0:`;
  const takeArgs = (lane: string, prev = '') => [prev, '0', 'node-a', lane, '1', '0', '0', '60', '600', '3', '0'];
  const takeKeys = () => [queue, keys.seq, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config, output];

  const cases: [string, () => (string | number)[]][] = [
    ['FLUSHALL', () => ['FLUSHALL']],
    ['KEYS', () => ['KEYS', '*']],
    ['SCAN', () => ['SCAN', '0']],
    ['GET', () => ['GET', 'operator:secret']],
    ['SET', () => ['SET', 'operator:secret', 'y']],
    ['DEL', () => ['DEL', queue]],
    ['CONFIG', () => ['CONFIG', 'GET', '*']],
    ['ACL', () => ['ACL', 'LIST']],
    ['MONITOR', () => ['MONITOR']],
    ['SUBSCRIBE', () => ['SUBSCRIBE', 'x']],
    ['EVAL', () => ['EVAL', 'return redis.call("FLUSHALL")', '0']],
    ['SCRIPT LOAD', () => ['SCRIPT', 'LOAD', 'return 1']],
    ['SCRIPT FLUSH', () => ['SCRIPT', 'FLUSH']],
    ['EVALSHA', () => ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0']],
    ['EVALSHA', () => ['EVALSHA', sha('write-config'), '1', keys.config, '1', '1', '1', '']],
    ['EVALSHA', () => ['EVALSHA', sha('requeue-dead'), '3', queue, keys.dead, keys.attempts, '1000']],
    ['EVALSHA', () => ['EVALSHA', sha('take'), '10', ...takeKeys().map((k) => (k === output ? 'other-task' : k)), ...takeArgs(own())]],
    ['EVALSHA', () => ['EVALSHA', sha('take'), '10', ...takeKeys().map((k) => (k === queue ? 'other-task' : k)), ...takeArgs(own())]],
    ['EVALSHA', () => ['EVALSHA', sha('take'), '10', ...takeKeys(), ...takeArgs(foreign())]],
    ['EVALSHA', () => ['EVALSHA', sha('take'), '10', ...takeKeys(), ...takeArgs(otherInstance())]],
    ['EVALSHA', () => ['EVALSHA', sha('take'), '10', ...takeKeys(), ...takeArgs(own(), `${foreign()}1`)]],
    ['EVALSHA', () => ['EVALSHA', sha('hand-back'), '5', queue, keys.leases, keys.taken, keys.retry, keys.attempts, `${own()}1`, `${foreign()}1`]],
    ['EVALSHA', () => ['EVALSHA', sha('requeue-by-slot'), '8', queue, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config, keys.nodePrefix('node-a'), 'requeue', '3']],
    ['EVALSHA', () => ['EVALSHA', sha('ack'), '10', ...takeKeys().map((k) => (k === output ? queue : k)), `${own()}1`, '1', 'node-a', '1', 'forged']],
    ['BLMOVE', () => ['BLMOVE', queue, `${foreign()}9`, 'RIGHT', 'LEFT', '0.1']],
    ['BLMOVE', () => ['BLMOVE', queue, `${own()}9`, 'RIGHT', 'LEFT', '0.1']],
    ['BLMOVE', () => ['BLMOVE', 'other-task', `${own()}9`, 'RIGHT', 'LEFT', '0.1']],
    ['SELECT', () => ['SELECT', '1']],
    ['LPUSH', () => ['LPUSH', queue, 'injected']],
    ['LPOP', () => ['LPOP', 'other-task']],
    ['RPOP', () => ['RPOP', queue, '3']],
    ['BRPOP', () => ['BRPOP', 'other-task', '0.1']],
    ['LLEN', () => ['LLEN', 'other-task']],
    ['LRANGE', () => ['LRANGE', queue, '0', '-1']],
    ['HMGET', () => ['HMGET', 'operator:secret', 'a']],
    ['HGETALL', () => ['HGETALL', keys.attempts]],
    ['ZRANGE', () => ['ZRANGE', keys.leases, '0', '-1']],
    ['CLIENT LIST', () => ['CLIENT', 'LIST']],
    ['CLIENT KILL', () => ['CLIENT', 'KILL', 'ID', '1']],
    ['GRIDCORE REQUEUE', () => ['GRIDCORE', 'REQUEUE', '6']],
    ['MULTI', () => ['MULTI']],
    ['SHUTDOWN', () => ['SHUTDOWN']],
  ];

  it.each(cases.map(([name, args], i) => [`${i}: ${name}`, name, args] as const))('%s is refused, naming the command, and changes nothing', async (_label, name, args) => {
    const before = await snapshot();
    const [command, ...rest] = args();
    await expect(c.call(String(command), ...rest)).rejects.toThrow(new RegExp(`^ERR gridcore gateway: ${name} is not allowed`));
    expect(await snapshot()).toEqual(before);
    expect(await c.ping()).toBe('PONG');
  });

  it('wrong secrets, another instance\'s secret, an unknown node, and the default user are refused at AUTH', async () => {
    const digest = credentialDigestOf(CRED_A);
    expect(await authReply('node-a.6', containerSecret(digest, '6'))).toBe('OK');
    expect(await authReply('node-a', CRED_A)).toBe('OK');
    for (const [user, pass] of [
      ['node-a.6', containerSecret(digest, '7')],
      ['node-a.6', '0'.repeat(64)],
      ['node-a.6', containerSecret(digest, '6').toUpperCase()],
      ['node-z.0', containerSecret(digest, '0')],
      ['node-a', digest],
      ['default', CRED_A],
    ]) {
      expect(await authReply(user, pass)).toMatch(/^WRONGPASS/);
    }
    const raw = new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    raw.on('error', () => undefined);
    opened.push(raw);
    await expect(raw.call('INFO')).rejects.toThrow(/^NOAUTH/);
    await expect(raw.call('EVALSHA', sha('take'), '0')).rejects.toThrow(/^NOAUTH/);
  });

  it('a node connection runs only GRIDCORE commands, on its own slots', async () => {
    const node = client(`redis://node-a:${CRED_A}@127.0.0.1:${port}`);
    await expect(node.call('EVALSHA', sha('take'), '10', ...takeKeys(), ...takeArgs(own()))).rejects.toThrow(/EVALSHA is not allowed/);
    await expect(node.brpop(queue, 0.1)).rejects.toThrow(/BRPOP is not allowed/);
    await expect(node.call('GRIDCORE', 'REQUEUE', '../x')).rejects.toThrow(/GRIDCORE REQUEUE <instance>/);
    // node-b's batch stays where it is when node-a requeues "its" instance 0.
    await redis.rpush(`${foreign()}1`, 'held-by-b');
    await redis.zadd(keys.leases, Date.now() + 60_000, `${foreign()}1`);
    expect(await node.call('GRIDCORE', 'REQUEUE', '0')).toEqual([0, 0, 0]);
    expect(await node.call('GRIDCORE', 'ORPHANS', '')).toEqual([0, 0, 0]);
    expect(await redis.lrange(`${foreign()}1`, 0, -1)).toEqual(['held-by-b']);
    const nodeB = client(`redis://node-b:${CRED_B}@127.0.0.1:${port}`);
    expect(await nodeB.call('GRIDCORE', 'ORPHANS', '1,2')).toEqual([1, 1, 0]);
    expect(await redis.lrange(keys.retry, 0, -1)).toEqual(['held-by-b']);
    expect(await nodeB.call('GRIDCORE', 'PENDING')).toBe(4);
  });
});

describe('connections', () => {
  it('a revocation closes every connection of that node within 1 s (a blocked BRPOP too), hands back what it held, and AUTH is refused from then on', async () => {
    const [queue, output] = [randomQueue('gw-revoke'), randomQueue('out')];
    route(queue, output);
    directory.addNode('node-r', 'cred-r', gatewayRoute(server.url, queue, output));
    const url = containerUrl('node-r', 'cred-r', '0');
    const blocked = client(url);
    const idle = client(url);
    const node = client(`redis://node-r:cred-r@127.0.0.1:${port}`);
    const other = client(containerUrl('node-a', CRED_A, '9'));
    await Promise.all([blocked.connect(), idle.connect(), node.connect(), other.connect()]);
    await redis.lpush(queue, '5');
    expect(await idle.rpop(queue)).toBe('5');
    const waiting = blocked.brpop(queue, 30).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 200));
    const closed = (c: Redis) => new Promise<number>((r) => c.once('end', () => r(Date.now())));
    const ends = Promise.all([blocked, idle, node].map(closed));
    const started = Date.now();
    directory.revoke('node-r');
    const took = Math.max(...(await ends)) - started;
    console.log(`revocation closed the node's 3 connections in ${took} ms`);
    expect(took).toBeLessThan(1000);
    expect(await waiting).toBeInstanceOf(Error);
    expect(await other.ping()).toBe('PONG');
    expect(await authReply('node-r.0', containerSecret(credentialDigestOf('cred-r'), '0'))).toMatch(/^WRONGPASS/);
    expect(await authReply('node-r', 'cred-r')).toMatch(/^WRONGPASS/);
    const keys = new QueueKeys(queue);
    await waitFor(async () => (await redis.zcard(keys.leases)) === 0, 5000, 'the held item and the waiting key handed back');
    expect(await redis.lrange(queue, 0, -1)).toEqual(['5']);
    expect(await redis.hlen(keys.attempts)).toBe(0);
    await cleanupQueue(redis, queue, output);
  });

  it('speaks RESP3 after HELLO 3 with AUTH (a map, RESP3 nulls)', async () => {
    const [queue, output] = [randomQueue('gw-resp3'), randomQueue('out')];
    route(queue, output);
    const secret = containerSecret(credentialDigestOf(CRED_A), '8');
    const sock = netConnect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (c) => (data += c.toString()));
    const cmd = (...args: string[]) => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    cmd('PING');
    cmd('HELLO', '3', 'AUTH', 'node-a.8', secret, 'SETNAME', 'resp3-test');
    cmd('RPOP', queue);
    cmd('CLIENT', 'GETNAME');
    cmd('HELLO', '2');
    cmd('RPOP', queue);
    await waitFor(() => data.split('\r\n').length > 20 && data.endsWith('$-1\r\n'), 5000, 'the replies');
    sock.destroy();
    expect(data.startsWith('-NOAUTH')).toBe(true);
    expect(data).toMatch(/\r\n%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(data).toContain('$5\r\nproto\r\n:3\r\n');
    expect(data).toContain('_\r\n$10\r\nresp3-test\r\n*14\r\n');
    expect(data.endsWith('$-1\r\n')).toBe(true);
    await cleanupQueue(redis, queue, output);
  });

  it('serves TLS (rediss://) with a certificate, and refuses to listen in the clear on a non-loopback address', async () => {
    expect(() => new GatewayServer({ directory, host: '0.0.0.0', port: 0 })).toThrow(GatewayTlsRequiredError);
    const pki = makeTestPki();
    const { readFileSync } = await import('node:fs');
    const tlsGateway = new GatewayServer({ directory, host: '127.0.0.1', port: 0, tls: { cert: readFileSync(pki.certFile, 'utf8'), key: readFileSync(pki.keyFile, 'utf8') } });
    const tlsPort = (await tlsGateway.listen()).port;
    try {
      const [queue, output] = [randomQueue('gw-tls'), randomQueue('out')];
      route(queue, output);
      await redis.lpush(queue, '9');
      const secret = containerSecret(credentialDigestOf(CRED_A), '0');
      const c = new Redis(`rediss://node-a.0:${secret}@127.0.0.1:${tlsPort}`, { tls: { ca: pki.caPem }, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      expect(await c.brpop(queue, 1)).toEqual([queue, '9']);
      await c.lpush(output, '9:3');
      expect(await redis.lrange(output, 0, -1)).toEqual(['9:3']);
      c.disconnect();
      const plain = new Redis(`redis://node-a.0:${secret}@127.0.0.1:${tlsPort}`, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true, connectTimeout: 2000 });
      plain.on('error', () => undefined);
      await expect(plain.connect().then(() => plain.ping())).rejects.toThrow();
      plain.disconnect();
      await cleanupQueue(redis, queue, output);
    } finally {
      await tlsGateway.close();
    }
  });
});
