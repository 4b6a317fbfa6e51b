/**
 * Issue 16.4 on the real hub and a real redis-server with ACLs: a volunteer node (not the legacy
 * token) gets a Redis user of its own, scoped to the task; a trusted-lab node the URL as
 * registered. Users go when the node reports no container of their run, are set again on every
 * server each cleanup tick, and a hub that cannot create them hands the task to no volunteer.
 */
import Redis from 'ioredis';
import request from 'supertest';
import { loadScripts } from '@gridcore/queue';
import { CleanupScheduler } from '../../apps/computehub/src/cleanup/cleanup.scheduler';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { openSse } from '../support/sse';

jest.setTimeout(60_000);

const admin = bearer(TOKENS.admin);
const volunteer = bearer(TOKENS.node);
const legacy = bearer(TOKENS.legacy);
const PASSWORD = 'operator-secret-pw';

async function aclUsers(url: string): Promise<string[]> {
  const c = new Redis(url);
  try {
    return ((await c.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith('gridcore-'));
  } finally {
    c.disconnect();
  }
}

async function canAuth(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** Each volunteer node's own credential, as its join-token registration answered it. */
const credentials = new Map<string, string>();
/** The node credential of `id`: after registering, a volunteer acts only through it. */
const as = (id: string) => bearer(credentials.get(id) ?? 'unregistered-node-token');

async function registerNode(hub: TestHub, id: string, token = volunteer): Promise<request.Response> {
  const res = await request(hub.url).post('/gridnode/register').set(token).send({ node_id: id, hostname: id, architecture: 'x86_64', cpu_count: 2 }).expect(200);
  if (res.body.node_token) credentials.set(id, res.body.node_token);
  return res;
}
const heartbeat = (hub: TestHub, id: string, task: string | null, containers: number) =>
  request(hub.url).post('/gridnode/heartbeat').set(as(id)).send({ node_id: id, status: 'Running', active_containers: containers, task_name: task }).expect(200);

describe('scoped Redis users for volunteer nodes', () => {
  let redis: RunningRedis;
  let hub: TestHub;
  let operatorUrl: string;

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    operatorUrl = redis.url;
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    hub = await startTestHub({ cleanup_interval_s: 3600 });
  });
  afterEach(() => hub.close());

  const register = (name: string, body: object = {}) =>
    request(hub.url)
      .post('/api/tasks')
      .set(admin)
      .send({ name, image: 'img:1', input_redis: operatorUrl, input_queue: `${name}:in`, output_queue: `${name}:out`, ...body });

  it('a volunteer gets its own user, never the password; the legacy token gets the URL as registered', async () => {
    const task = (await register('vt').expect(201)).body;
    const reg = await registerNode(hub, 'n1');
    const url: string = reg.body.current_task.input_redis;
    expect(url).toMatch(new RegExp(`^redis://gridcore-${task.id}-n1:[^@]+@127\\.0\\.0\\.1:${redis.port}$`));
    expect(JSON.stringify(reg.body)).not.toContain(PASSWORD);
    expect(reg.body.current_task.output_redis).toBe(url);
    const polled = await request(hub.url).get('/gridnode/task').query({ wait: 1, node_id: 'n1' }).set(as('n1')).expect(200);
    expect(polled.body.task.input_redis).toBe(url);
    const plain = await request(hub.url).get('/gridnode/task').query({ node_id: 'n1' }).set(as('n1')).expect(200);
    expect(plain.body.input_redis).toBe(url);
    // The credential names its node: no node_id needed; the join token itself may only register.
    const noId = await request(hub.url).get('/gridnode/task').set(as('n1')).expect(200);
    expect(noId.body.input_redis).toBe(url);
    await request(hub.url).get('/gridnode/task').query({ node_id: 'n1' }).set(volunteer).expect(403);
    const trusted = await request(hub.url).get('/gridnode/task').set(legacy).expect(200);
    expect(trusted.body.input_redis).toBe(operatorUrl);

    const scoped = new Redis(url);
    try {
      expect(await scoped.lpush('vt:in', '1')).toBe(1);
      await expect(scoped.flushall()).rejects.toThrow(/NOPERM/);
      await expect(scoped.get('other')).rejects.toThrow(/NOPERM/);
      await expect(scoped.eval('return 1', 0)).rejects.toThrow(/NOPERM/);
    } finally {
      scoped.disconnect();
    }
    expect(await aclUsers(operatorUrl)).toEqual([`gridcore-${task.id}-n1`]);
    // The operator's view never shows a user's password either.
    expect(JSON.stringify((await request(hub.url).get('/api/tasks').set(admin)).body)).not.toMatch(new RegExp(url.split('@')[0].split(':')[2]));
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    await heartbeat(hub, 'n1', null, 0);
    await hub.app.get(CleanupScheduler).tick();
    expect(await aclUsers(operatorUrl)).toEqual([]);
  });

  it('a user stays after the finish while its node still runs the task\'s containers, and goes once it reports none', async () => {
    const task = (await register('fin').expect(201)).body;
    const url: string = (await registerNode(hub, 'n2')).body.current_task.input_redis;
    await heartbeat(hub, 'n2', 'fin', 2);
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    await hub.app.get(CleanupScheduler).tick();
    expect(await aclUsers(operatorUrl)).toEqual([`gridcore-${task.id}-n2`]);
    expect(await canAuth(url)).toBe(true);
    await heartbeat(hub, 'n2', 'fin', 0);
    await hub.app.get(CleanupScheduler).tick();
    expect(await aclUsers(operatorUrl)).toEqual([]);
    expect(await canAuth(url)).toBe(false);
  });

  it('a node removed by the operator loses its users at once', async () => {
    await register('rm').expect(201);
    const url: string = (await registerNode(hub, 'n3')).body.current_task.input_redis;
    await request(hub.url).post('/gridnode/deregister').set(as('n3')).send({ node_id: 'n3' }).expect(200);
    await request(hub.url).delete('/api/nodes/n3').set(admin).expect(200);
    await waitFor(async () => !(await canAuth(url)), 5000, 'the user deleted');
    expect(await aclUsers(operatorUrl)).toEqual([]);
  });

  it('a restarted hub adopts the users it handed out: running containers keep their password, and the user still goes when done', async () => {
    const task = (await register('re').expect(201)).body;
    const first: string = (await registerNode(hub, 'n5')).body.current_task.input_redis;
    await heartbeat(hub, 'n5', 're', 1);
    await hub.close();
    hub = await startTestHub({ cleanup_interval_s: 3600, state_dir: hub.stateDir });
    // The node's record was kept; it beats on without asking for the task again.
    await heartbeat(hub, 'n5', 're', 1);
    await hub.app.get(CleanupScheduler).tick();
    expect(await aclUsers(operatorUrl)).toEqual([`gridcore-${task.id}-n5`]);
    expect(await canAuth(first)).toBe(true);
    await request(hub.url).post('/api/tasks/finish').set(admin).expect(200);
    await heartbeat(hub, 'n5', null, 0);
    await hub.app.get(CleanupScheduler).tick();
    expect(await aclUsers(operatorUrl)).toEqual([]);
  });

  it('409 for a task whose keys overlap a held task\'s on the same server; the same queues reused are fine', async () => {
    await register('a', { input_queue: 'a:in', output_queue: 'mid' }).expect(201);
    const clash = await register('b', { input_queue: 'mid', output_queue: 'b:out' }).expect(409);
    expect(clash.body.message).toMatch(/task b's keys overlap those of task a \(running\) on the same Redis server \(mid\)/);
    expect(clash.body.message).not.toContain(PASSWORD);
    await register('a-again', { input_queue: 'a:in', output_queue: 'mid' }).expect(201);
    const names = (await request(hub.url).get('/api/tasks').set(admin)).body.tasks.map((t: { name: string }) => t.name);
    expect(names).toEqual(['a', 'a-again']);
  });

  it('node_credentials: validated; "shared" hands volunteers the URL as registered and the record says so', async () => {
    const bad = await register('bad', { node_credentials: 'open' }).expect(400);
    expect([bad.body.message].flat()).toContain('node_credentials must be "scoped" or "shared"');
    const shared = await register('sh', { node_credentials: 'shared' }).expect(201);
    expect(shared.body.node_credentials).toBe('shared');
    const reg = await registerNode(hub, 'n4');
    expect(reg.body.current_task.input_redis).toBe(operatorUrl);
    expect(await aclUsers(operatorUrl)).toEqual([]);
  });
});

describe('scoped users on every server, again each tick', () => {
  let primary: RunningRedis;
  let replica: RunningRedis;
  let hub: TestHub;

  beforeAll(async () => {
    primary = await startRedis({ password: PASSWORD });
    replica = await startRedis({ password: PASSWORD, extraArgs: ['--replicaof', '127.0.0.1', String(primary.port), '--masterauth', PASSWORD] });
    const r = new Redis(replica.url);
    await waitFor(async () => /master_link_status:up/.test(String(await r.info('replication'))), 10_000, 'the replica in sync');
    r.disconnect();
    hub = await startTestHub({ cleanup_interval_s: 3600 });
  });
  afterAll(async () => {
    await hub.close();
    await replica.stop();
    await primary.stop();
  });

  it('sets the user and loads the scripts on the replica, and again after the primary restarts empty', async () => {
    const task = (
      await request(hub.url).post('/api/tasks').set(admin).send({ name: 'rep', image: 'img:1', input_redis: primary.url, input_queue: 'rep:in', output_queue: 'rep:out' }).expect(201)
    ).body;
    const url: string = (await registerNode(hub, 'r1')).body.current_task.input_redis;
    const name = `gridcore-${task.id}-r1`;
    expect(await aclUsers(replica.url)).toEqual([name]);
    const onReplica = new URL(url);
    onReplica.port = String(replica.port);
    expect(await canAuth(onReplica.toString())).toBe(true);
    const r = new Redis(replica.url);
    const shas = [...loadScripts().values()].map((s) => s.sha);
    expect(await r.script('EXISTS', ...shas)).toEqual(shas.map(() => 1));
    await r.script('FLUSH');
    await r.call('ACL', 'DELUSER', name);
    r.disconnect();

    await primary.stop();
    primary = await startRedis({ password: PASSWORD, port: primary.port });
    expect(await canAuth(url)).toBe(false);
    const started = Date.now();
    await hub.app.get(CleanupScheduler).tick();
    const tickMs = Date.now() - started;
    expect(await canAuth(url)).toBe(true);
    expect(await canAuth(onReplica.toString())).toBe(true);
    const again = new Redis(replica.url);
    expect(await again.script('EXISTS', ...shas)).toEqual(shas.map(() => 1));
    again.disconnect();
    process.stdout.write(`scoped users set again on primary + replica in one tick: ${tickMs} ms\n`);
  });
});

describe('a hub whose Redis user may not manage ACL users', () => {
  let redis: RunningRedis;
  let hub: TestHub;
  let limitedUrl: string;

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    const c = new Redis(redis.url);
    await c.call('ACL', 'SETUSER', 'op', 'on', '>op-pw', '~*', '&*', '+@all', '-acl');
    c.disconnect();
    limitedUrl = `redis://op:op-pw@127.0.0.1:${redis.port}`;
    hub = await startTestHub({ cleanup_interval_s: 3600 });
  });
  afterAll(async () => {
    await hub.close();
    await redis.stop();
  });

  it('hands the task to no volunteer and says why on the record, the list, the runnability and an SSE event', async () => {
    const sse = openSse(`${hub.url}/api/events`, TOKENS.admin);
    await sse.ready;
    try {
      await request(hub.url).post('/api/tasks').set(admin).send({ name: 'nope', image: 'img:1', input_redis: limitedUrl, input_queue: 'nope:in' }).expect(201);
      const reg = await registerNode(hub, 'v1');
      expect(reg.body.current_task).toBeNull();
      expect((await request(hub.url).get('/gridnode/task').query({ node_id: 'v1' }).set(as('v1')).expect(200)).body).toBeNull();
      const record = (await request(hub.url).get('/api/tasks/nope').set(admin).expect(200)).body;
      expect(record.scoped_users).toMatchObject({ state: 'unavailable', detail: expect.stringMatching(/may not manage ACL users or load scripts.*NOPERM/) });
      const listed = (await request(hub.url).get('/api/tasks').set(admin)).body.tasks[0];
      expect(listed.scoped_users.state).toBe('unavailable');
      await waitFor(async () => sse.events.some((e) => e.type === 'task.node_credentials'), 5000, 'the SSE event');
      const event = (sse.events.find((e) => e.type === 'task.node_credentials')!.data as { data: unknown }).data;
      expect(event).toMatchObject({ name: 'nope', scoped_users: { state: 'unavailable' } });
      await heartbeat(hub, 'v1', null, 0);
      await waitFor(
        async () => {
          const r = (await request(hub.url).get('/api/tasks/nope').set(admin)).body.runnable;
          return r?.nodes_refusing?.some((n: { reason: string }) => n.reason === 'redis_users_unavailable') ?? false;
        },
        5000,
        'the volunteer listed as refusing with the reason',
      );
      // A trusted-lab node still gets it, as the original did.
      expect((await request(hub.url).get('/gridnode/task').set(legacy).expect(200)).body.input_redis).toBe(limitedUrl);
      expect(await aclUsers(redis.url)).toEqual([]);
    } finally {
      sse.close();
    }
  });
});

describe('node_credentials "shared" on the hub\'s own state-store Redis', () => {
  let redis: RunningRedis;
  let hub: TestHub;
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    hub = await startTestHub({ state_store: 'redis', state_redis_url: redis.url });
  });
  afterAll(async () => {
    await hub.close();
    await redis.stop();
  });

  it('is refused with the reason; scoped is fine', async () => {
    const body = { name: 'st', image: 'img:1', input_redis: `redis://:${PASSWORD}@localhost:${redis.port}`, input_queue: 'st:in' };
    const refused = await request(hub.url).post('/api/tasks').set(admin).send({ ...body, node_credentials: 'shared' }).expect(409);
    expect(refused.body.message).toMatch(/holds the hub's own state/);
    expect(refused.body.message).not.toContain(PASSWORD);
    await request(hub.url).post('/api/tasks').set(admin).send(body).expect(201);
  });
});
