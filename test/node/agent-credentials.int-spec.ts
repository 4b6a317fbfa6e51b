import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { QueueKeys } from '@gridcore/queue';
import { ensureExampleImages } from '../support/example-images';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { checkSqrtResults, range } from '../support/sqrt-results';
import { AgentProcess, startAgent } from './support/agent-process';
import { nodeContainers, waitForNodeId } from './support/grid';
import { removeLabelled, requireDockerEngine } from './support/test-image';

const ADMIN = 'credentials-admin-token-0001';

interface SavedCredential {
  node_id: string;
  node_token: string;
}

function savedCredential(stateDir: string): SavedCredential | null {
  const file = join(stateDir, 'node_credential.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedCredential) : null;
}

async function api(hub: HubProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function joinToken(hub: HubProcess, label: string): Promise<string> {
  const res = await api(hub, 'POST', '/api/join-tokens', { label });
  expect(res.status).toBe(201);
  return res.body.token;
}

/** Issue 16 points 2 and 3 with real GridNode agents, a real hub process, redis-server and Docker. */
describe('GridNode on a join token: its own credential, revocation, rejoining', () => {
  jest.setTimeout(300_000);
  let redis: RunningRedis;
  const hubs: HubProcess[] = [];
  const agents: AgentProcess[] = [];
  const nodeIds: string[] = [];

  beforeAll(async () => {
    requireDockerEngine();
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const a of agents) a.signal('SIGKILL');
    await Promise.all(agents.map((a) => a.exited));
    for (const id of nodeIds) removeLabelled(`gridcore.node=${id}`);
    for (const h of hubs) await h.stop();
    await redis?.stop();
  });

  const agentOn = (hub: HubProcess, token: string, stateDir?: string) => {
    const agent = startAgent({ GRIDNODE_SERVER_URL: hub.url, GRIDNODE_TOKEN: token, GRIDNODE_PARALLELISM: '2', GRIDNODE_STOP_TIMEOUT: '3' }, { stateDir });
    agents.push(agent);
    return agent;
  };

  it('revoked mid-run of 50,000 items: containers gone within 5 s, batches back without an attempt, the other node finishes, exactly one result each, no restart', async () => {
    const [image] = await ensureExampleImages('node');
    const hub = await startHubProcess({ env: { COMPUTEHUB_ADMIN_TOKENS: ADMIN, COMPUTEHUB_CLEANUP_INTERVAL_S: '1' } });
    hubs.push(hub);
    const token = await joinToken(hub, 'two-nodes');
    const [a, b] = [agentOn(hub, token), agentOn(hub, token)];
    const [idA, idB] = await Promise.all([waitForNodeId(a.stateDir, 90_000), waitForNodeId(b.stateDir, 90_000)]);
    nodeIds.push(idA, idB);
    await waitFor(() => savedCredential(a.stateDir) && savedCredential(b.stateDir), 20_000, 'both node credentials saved');
    for (const [agent, id] of [[a, idA], [b, idB]] as const) {
      expect(savedCredential(agent.stateDir)).toEqual({ node_id: id, node_token: expect.stringMatching(/^gcn_[0-9a-f]{16}_/) });
      expect(statSync(join(agent.stateDir, 'node_credential.json')).mode & 0o777).toBe(0o600);
    }
    const listed = (await api(hub, 'GET', '/api/join-tokens')).body.find((t: any) => t.label === 'two-nodes');
    expect(listed.nodes.map((n: any) => n.node_id).sort()).toEqual([idA, idB].sort());

    const queue = '{revoke}:in';
    const output = '{revoke}:out';
    const client = new Redis(redis.url);
    const keys = new QueueKeys(queue);
    const count = 50_000;
    const pipeline = client.pipeline();
    const items = range(count);
    for (let i = 0; i < count; i += 1000) pipeline.lpush(queue, ...items.slice(i, i + 1000));
    await pipeline.exec();
    const runStart = Date.now();
    expect((await api(hub, 'POST', '/api/tasks', { name: 'revoke-run', image, input_redis: redis.url, input_queue: queue, output_queue: output })).status).toBe(201);
    await waitFor(() => nodeContainers(idA, 'revoke-run').length === 2 && nodeContainers(idB, 'revoke-run').length === 2, 60_000, '2 containers on each node', 100);
    // Both nodes' workers are taking batches (a container Docker calls running may not have connected yet).
    await waitFor(
      async () => Number(await client.hget(keys.stats, `node:${idA}`)) >= 200 && Number(await client.hget(keys.stats, `node:${idB}`)) >= 200,
      60_000,
      'results from both nodes',
      50,
    );

    const revokedAt = Date.now();
    const revoked = await api(hub, 'POST', `/api/nodes/${idA}/revoke`);
    expect(revoked.status).toBe(200);
    const pendingAtRevoke = await client.llen(queue);
    console.log(`revoked ${idA} ${revokedAt - runStart} ms into the run with ${pendingAtRevoke} of ${count} items pending; the hub handed back ${revoked.body.items_handed_back} items`);
    expect(pendingAtRevoke).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    console.log(hub.output().split('\n').filter((l) => /\[Revocation\]/.test(l)).join('\n'));
    await waitFor(() => nodeContainers(idA, undefined, true).length === 0, 15_000, `${idA}'s containers gone`, 50);
    const goneMs = Date.now() - revokedAt;
    console.log(`revoked node's containers gone ${goneMs} ms after the revocation`);
    expect(goneMs).toBeLessThan(5_000);
    const exitCode = await a.exited;
    expect(exitCode).toBe(4);
    expect(a.output()).toMatch(/gridnode: the hub at .* revoked node .*; it will not start again while .*revoked exists/);
    expect(existsSync(join(a.stateDir, 'revoked'))).toBe(true);
    const leasesOfA = (await client.zrange(keys.leases, 0, -1)).filter((k) => k.startsWith(keys.nodePrefix(idA)));
    expect(leasesOfA).toEqual([]);

    await waitFor(async () => (await client.llen(output)) >= count, 240_000, 'every result', 250);
    console.log(`the other node finished: ${count} results ${Date.now() - runStart} ms after the task started`);
    const results = await client.lrange(output, 0, -1);
    const check = checkSqrtResults(results, count);
    expect(check).toMatchObject({ distinct: count, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    // Handed back, never requeued: no item was charged an attempt.
    expect(await client.hlen(keys.attempts)).toBe(0);
    expect(await client.llen(keys.dead)).toBe(0);
    expect(Number(await client.hget(keys.stats, 'requeued')) || 0).toBe(0);
    // The revoked node will not start again.
    const again = agentOn(hub, token, a.stateDir);
    expect(await again.exited).toBe(4);
    expect(again.output()).toMatch(/revoked by the hub/);
    expect(nodeContainers(idA, undefined, true)).toEqual([]);
    const nodes = (await api(hub, 'GET', '/api/nodes')).body as any[];
    expect(nodes.find((n) => n.id === idA)).toMatchObject({ status: 'Offline', revoked_at: revoked.body.revoked_at });
    client.disconnect();
    b.signal('SIGTERM');
    expect(await b.exited).toBe(0);
  });

  it('a node the hub removed while it was away rejoins once with its join token, under its id', async () => {
    const hub = await startHubProcess({
      env: { COMPUTEHUB_ADMIN_TOKENS: ADMIN, COMPUTEHUB_NODE_OFFLINE_AFTER_S: '1', COMPUTEHUB_NODE_REMOVE_AFTER_S: '2', COMPUTEHUB_CLEANUP_INTERVAL_S: '0.5' },
    });
    hubs.push(hub);
    const token = await joinToken(hub, 'away');
    const first = agentOn(hub, token);
    const id = await waitForNodeId(first.stateDir, 90_000);
    nodeIds.push(id);
    const before = await waitFor(() => savedCredential(first.stateDir), 20_000, 'credential saved');
    first.signal('SIGKILL');
    await first.exited;
    await waitFor(async () => !(await api(hub, 'GET', '/api/nodes')).body.some((n: any) => n.id === id), 20_000, 'the hub removes the node');
    const back = agentOn(hub, token, first.stateDir);
    await waitFor(async () => (await api(hub, 'GET', '/api/nodes')).body.some((n: any) => n.id === id && n.status === 'Online'), 30_000, 'the node back online');
    // Online once the hub has answered the register; the node saves the new credential right after.
    const after = await waitFor(() => {
      const saved = savedCredential(back.stateDir);
      return saved && saved.node_token !== before.node_token ? saved : null;
    }, 10_000, 'the new credential saved');
    expect(after.node_id).toBe(id);
    expect(after.node_token).not.toBe(before.node_token);
    expect(back.output()).toContain("the hub does not know this node's credential");
    expect(back.output().match(/joining again with the configured token/g)).toHaveLength(1);
    back.signal('SIGTERM');
    expect(await back.exited).toBe(0);
  });

  it('exits 3 when the hub refuses its join token on register (revoked join token)', async () => {
    const hub = hubs[0];
    const token = await joinToken(hub, 'short-lived');
    const id = (await api(hub, 'GET', '/api/join-tokens')).body.find((t: any) => t.label === 'short-lived').id;
    expect((await api(hub, 'DELETE', `/api/join-tokens/${id}`)).status).toBe(200);
    const agent = agentOn(hub, token);
    expect(await agent.exited).toBe(3);
    expect(agent.output()).toMatch(/does not know the token \(401 on register\)/);
  });
});
