import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { connectRedis, WorkQueue } from '@gridcore/queue';
import { bearer, HubValues, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);
const body = (node_id: string | null, extra: object = {}) => ({ node_id, hostname: `h-${node_id}`, architecture: 'x86_64', cpu_count: 2, ...extra });

/** Join tokens, node credentials and revocation (issue 16 points 1–3) on a real hub over HTTP. */
describe('join tokens and node credentials (issue 16)', () => {
  let redis: RunningRedis;
  let hub: TestHub;
  const start = async (values: HubValues = {}) => (hub = await startTestHub({ ...values }));
  const createToken = async (fields: object = { label: 'alice' }) => (await request(hub.url).post('/api/join-tokens').set(admin).send(fields).expect(201)).body;
  const joinWith = async (joinToken: string, id: string | null) => {
    const res = await request(hub.url).post('/gridnode/register').set(bearer(joinToken)).send(body(id)).expect(200);
    expect(res.body.node_token).toMatch(/^gcn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    return res.body as { node_id: string; node_token: string; current_task: unknown };
  };
  const nodesList = async () => (await request(hub.url).get('/api/nodes').set(admin).expect(200)).body as Record<string, unknown>[];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await hub?.close();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('creates a join token (201, secret once), lists it without the secret, refuses bad input with 400s naming the field', async () => {
    await start();
    const created = await createToken({ label: 'alice-lab', max_nodes: 3, expires_at: '2099-01-01T00:00:00Z' });
    expect(created).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), label: 'alice-lab', token: expect.stringMatching(/^gcj_[0-9a-f]{16}_/), max_nodes: 3, expires_at: '2099-01-01T00:00:00.000Z' });
    expect(created.token.startsWith(`gcj_${created.id}_`)).toBe(true);
    const list = await request(hub.url).get('/api/join-tokens').set(admin).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.token.split('_')[2]);
    expect(list.body.find((t: { id: string }) => t.id === created.id)).toMatchObject({ label: 'alice-lab', max_nodes: 3, source: 'api', nodes: [], live_nodes: 0 });
    // The config's node_tokens are join tokens that never expire.
    expect(list.body.find((t: { source: string }) => t.source === 'config')).toMatchObject({ id: expect.stringMatching(/^cfg-/), expires_at: null });
    const bad: [object, RegExp][] = [
      [{}, /label/],
      [{ label: '' }, /label/],
      [{ label: 'x', max_nodes: 0 }, /max_nodes/],
      [{ label: 'x', max_nodes: 1.5 }, /max_nodes/],
      [{ label: 'x', expires_at: 'tomorrow' }, /expires_at/],
      [{ label: 'x', expires_at: '2001-01-01T00:00:00Z' }, /expires_at .* not in the future/],
      [{ label: 'x', secret: 'mine' }, /secret/],
    ];
    for (const [fields, message] of bad) {
      const res = await request(hub.url).post('/api/join-tokens').set(admin).send(fields).expect(400);
      expect(res.body.message).toMatch(message);
    }
    expect((await request(hub.url).delete('/api/join-tokens/not%20an%20id').set(admin).expect(400)).body.message).toMatch(/join token id/);
    await request(hub.url).delete('/api/join-tokens/0123456789abcdef').set(admin).expect(404);
    for (const token of [TOKENS.viewer, TOKENS.node, created.token]) {
      await request(hub.url).get('/api/join-tokens').set(bearer(token)).expect(403);
      await request(hub.url).post('/api/join-tokens').set(bearer(token)).send({ label: 'y' }).expect(403);
    }
    expect((await request(hub.url).get('/api/join-tokens').set(admin)).body).toHaveLength(2);
  });

  it('a volunteer with only a join token, then only its own node token, gets 403 for every node route of another node; nothing changes', async () => {
    await start();
    // The victim is another volunteer's node, on its own credential.
    const victim = await joinWith((await createToken({ label: 'bob' })).token, 'victim');
    await request(hub.url).post('/gridnode/heartbeat').set(bearer(victim.node_token)).send({ node_id: 'victim', status: 'Running', active_containers: 2 }).expect(200);
    const { token } = await createToken();
    const files = () => ['nodes.log', 'credentials.log'].map((f) => readFileSync(join(hub.stateDir, f), 'utf8'));
    const attacks = (auth: { Authorization: string }) => [
      request(hub.url).post('/gridnode/heartbeat').set(auth).send({ node_id: 'victim', status: 'Error', active_containers: 9 }),
      request(hub.url).post('/gridnode/deregister').set(auth).send({ node_id: 'victim' }),
      request(hub.url).get('/gridnode/task?wait=1&revision=0&node_id=victim').set(auth),
      request(hub.url).get('/agent/task?node_id=victim').set(auth),
      request(hub.url).post('/agent/heartbeat').set(auth).send({ node_id: 'victim', status: 'Idle', active_containers: 0 }),
      request(hub.url).post('/gridnode/register').set(auth).send(body('victim')),
    ];
    // With the join token alone: every route but register is closed, and it cannot take over a known id that holds a credential.
    const victimBefore = (await nodesList()).find((n) => n.id === 'victim');
    for (const res of await Promise.all(attacks(bearer(token)))) {
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/join token can only register|victim already holds a node credential/);
    }
    const mine = await joinWith(token, 'volunteer-1');
    const ownBefore = files();
    const listBefore = await nodesList();
    for (const res of await Promise.all(attacks(bearer(mine.node_token)))) {
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('this node credential belongs to node volunteer-1, not victim');
    }
    expect(await nodesList()).toEqual(listBefore);
    expect(files()).toEqual(ownBefore);
    expect((await nodesList()).find((n) => n.id === 'victim')).toEqual(victimBefore);
    // A join token may not register an id that already holds a credential.
    const again = await request(hub.url).post('/gridnode/register').set(bearer(token)).send(body('volunteer-1')).expect(403);
    expect(again.body.message).toContain('already holds a node credential');
    // Its own id: every route works with the node token.
    const own = bearer(mine.node_token);
    await request(hub.url).post('/gridnode/heartbeat').set(own).send({ node_id: 'volunteer-1', status: 'Idle', active_containers: 0 }).expect(200);
    await request(hub.url).get('/gridnode/task?wait=0&node_id=volunteer-1').set(own).expect(200);
    const re = await request(hub.url).post('/gridnode/register').set(own).send(body('volunteer-1')).expect(200);
    expect(re.body.node_id).toBe('volunteer-1');
    expect(re.body.node_token).toBeUndefined();
    await request(hub.url).post('/gridnode/deregister').set(own).send({ node_id: 'volunteer-1' }).expect(200);
    // Node credentials reach no operator route.
    await request(hub.url).get('/api/nodes').set(own).expect(403);
    // Stored as the lowercase hex SHA-256 of the whole string, never the token; the file is 0600.
    const log = readFileSync(join(hub.stateDir, 'credentials.log'), 'utf8');
    expect(log).not.toContain(mine.node_token);
    expect(log).not.toContain(token);
    const { createHash } = await import('node:crypto');
    expect(log).toContain(createHash('sha256').update(mine.node_token).digest('hex'));
    expect(statSync(join(hub.stateDir, 'credentials.log')).mode & 0o777).toBe(0o600);
  });

  it('keeps the legacy token as the original: any node id, no node_token', async () => {
    await start();
    const legacy = bearer(TOKENS.legacy);
    const res = await request(hub.url).post('/gridnode/register').set(legacy).send(body('lab-1')).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['current_task', 'node_id']);
    await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: 'lab-1', status: 'Idle', active_containers: 0 }).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: 'other', status: 'Idle', active_containers: 0 }).expect(404);
    // A node that ran before join tokens (no credential) keeps its id when it joins.
    const { token } = await createToken();
    expect((await joinWith(token, 'lab-1')).node_id).toBe('lab-1');
  });

  it('caps live nodes per join token (403 naming the cap) and rate-limits registrations (429)', async () => {
    await start({ join_rate_per_s: 0.1 });
    const { id, token } = await createToken({ label: 'capped', max_nodes: 1 });
    await joinWith(token, null);
    const capped = await request(hub.url).post('/gridnode/register').set(bearer(token)).send(body(null)).expect(403);
    expect(capped.body.message).toBe(`join token ${id} (capped) already has its cap of 1 live nodes (max_nodes)`);
    const other = await createToken({ label: 'flood' });
    await joinWith(other.token, null);
    const flood = await request(hub.url).post('/gridnode/register').set(bearer(other.token)).send(body(null)).expect(429);
    expect(flood.body.message).toMatch(/more than 0.1 registrations a second/);
    expect((await nodesList()).length).toBe(2);
  });

  it('revokes a node: 401 reason revoked (its open long-poll too), never registers again, batches handed back without an attempt', async () => {
    await start();
    const queue = 'revoke:in';
    await request(hub.url).post('/api/tasks').set(admin).send({ name: 'rev', image: 'i', input_redis: redis.url, input_queue: queue, output_queue: 'revoke:out' }).expect(201);
    const { token } = await createToken();
    const mine = await joinWith(token, 'rv-1');
    const own = bearer(mine.node_token);
    // The node's workers hold two batches in Redis.
    const client = await connectRedis(redis.url, { name: 'test' });
    const wq = new WorkQueue(client, queue);
    await client.lpush(queue, ...Array.from({ length: 30 }, (_, i) => String(i)));
    for (const instance of [0, 1]) {
      const lane = wq.keys.lanePrefix({ nodeId: 'rv-1', instance, runId: 'r', lane: 0 });
      expect((await wq.take({ lanePrefix: lane, nodeId: 'rv-1', size: 10 })).items).toHaveLength(10);
    }
    expect(await client.llen(queue)).toBe(10);
    const poll = request(hub.url).get('/gridnode/task?wait=30&revision=1&node_id=rv-1').set(own).then((r) => r);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const revoked = await request(hub.url).post('/api/nodes/rv-1/revoke').set(admin).expect(200);
    expect(revoked.body).toMatchObject({ node_id: 'rv-1', items_handed_back: 20 });
    const polled = await poll;
    console.log(`revocation reached the open long-poll in ${Date.now() - started} ms`);
    expect(polled.status).toBe(401);
    expect(polled.body).toMatchObject({ statusCode: 401, reason: 'revoked' });
    expect(await client.llen(queue)).toBe(30);
    expect(await client.hlen(wq.keys.attempts)).toBe(0);
    expect(await client.zcard(wq.keys.leases)).toBe(0);
    const beat = await request(hub.url).post('/gridnode/heartbeat').set(own).send({ node_id: 'rv-1', status: 'Idle', active_containers: 0 }).expect(401);
    expect(beat.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', reason: 'revoked' });
    // Never again, whatever the token.
    for (const auth of [bearer(token), bearer(TOKENS.legacy)]) {
      const res = await request(hub.url).post('/gridnode/register').set(auth).send(body('rv-1')).expect(403);
      expect(res.body.message).toMatch(/node rv-1 was revoked .* cannot register again/);
    }
    expect((await nodesList()).find((n) => n.id === 'rv-1')).toMatchObject({ status: 'Offline', revoked_at: revoked.body.revoked_at });
    await request(hub.url).post('/api/nodes/nobody/revoke').set(admin).expect(404);
    await request(hub.url).post('/api/nodes/rv-1/revoke').set(bearer(TOKENS.viewer)).expect(403);
    client.disconnect();
  });

  it('revoking a join token revokes every node that joined with it; both survive a restart (file store)', async () => {
    await start();
    const stateDir = hub.stateDir;
    const keep = await createToken({ label: 'keep' });
    const drop = await createToken({ label: 'drop' });
    const a = await joinWith(drop.token, 'drop-a');
    const b = await joinWith(drop.token, 'drop-b');
    const c = await joinWith(keep.token, 'keep-c');
    const res = await request(hub.url).delete(`/api/join-tokens/${drop.id}`).set(admin).expect(200);
    expect(res.body).toMatchObject({ id: drop.id, revoked_nodes: ['drop-a', 'drop-b'] });
    await hub.close();
    await start({ state_dir: stateDir });
    for (const t of [a, b]) {
      const r = await request(hub.url).post('/gridnode/heartbeat').set(bearer(t.node_token)).send({ node_id: t.node_id, status: 'Idle', active_containers: 0 }).expect(401);
      expect(r.body.reason).toBe('revoked');
    }
    const reg = await request(hub.url).post('/gridnode/register').set(bearer(drop.token)).send(body(null)).expect(401);
    expect(reg.body.reason).toBeUndefined();
    expect(reg.body.message).toContain(`join token ${drop.id} was revoked`);
    await request(hub.url).post('/gridnode/register').set(bearer(c.node_token)).send(body('keep-c')).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(bearer(c.node_token)).send({ node_id: 'keep-c', status: 'Idle', active_containers: 0 }).expect(200);
    const listed = (await request(hub.url).get('/api/join-tokens').set(admin)).body as { id: string; revoked_at: string | null; nodes: { node_id: string; revoked_at: string | null }[] }[];
    expect(listed.find((t) => t.id === drop.id)).toMatchObject({ revoked_at: expect.any(String), nodes: [{ node_id: 'drop-a', revoked_at: expect.any(String) }, { node_id: 'drop-b', revoked_at: expect.any(String) }] });
    expect(listed.find((t) => t.id === keep.id)).toMatchObject({ revoked_at: null, nodes: [{ node_id: 'keep-c', revoked_at: null }] });
  });

  it('keeps join tokens and credentials in the Redis store across restarts', async () => {
    const values = { state_store: 'redis', state_redis_url: redis.url };
    await start(values);
    const t = await createToken({ label: 'redis-kept' });
    const n = await joinWith(t.token, 'redis-node');
    await request(hub.url).post('/api/nodes/redis-node/revoke').set(admin).expect(200);
    const m = await joinWith(t.token, 'redis-node-2');
    await hub.close();
    const client = new Redis(redis.url);
    expect(await client.hlen('gridcore:hub:join-tokens')).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(await client.hgetall('gridcore:hub:node-credentials'))).not.toContain(m.node_token);
    client.disconnect();
    await start(values);
    await request(hub.url).post('/gridnode/heartbeat').set(bearer(m.node_token)).send({ node_id: 'redis-node-2', status: 'Idle', active_containers: 0 }).expect(200);
    const r = await request(hub.url).post('/gridnode/heartbeat').set(bearer(n.node_token)).send({ node_id: 'redis-node', status: 'Idle', active_containers: 0 }).expect(401);
    expect(r.body.reason).toBe('revoked');
  });

  it('a node the hub removed while it was away gets 401 without a reason and rejoins with its join token under its id', async () => {
    await start({ node_offline_after_s: 0.2, node_remove_after_s: 0.5, cleanup_interval_s: 0.1 });
    const t = await createToken();
    const n = await joinWith(t.token, 'away-1');
    await waitFor(async () => !(await nodesList()).some((x) => x.id === 'away-1'), 10_000, 'the hub removes away-1');
    const beat = await request(hub.url).post('/gridnode/heartbeat').set(bearer(n.node_token)).send({ node_id: 'away-1', status: 'Idle', active_containers: 0 });
    expect(beat.status).toBe(401);
    expect(beat.body.reason).toBeUndefined();
    const again = await joinWith(t.token, 'away-1');
    expect(again.node_id).toBe('away-1');
    await request(hub.url).post('/gridnode/heartbeat').set(bearer(again.node_token)).send({ node_id: 'away-1', status: 'Idle', active_containers: 0 }).expect(200);
  });
});
