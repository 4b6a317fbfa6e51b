import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { QueueKeys } from '@gridcore/queue';
import { CONSUMER_AHEAD } from '@gridcore/gateway/task/consumer-slot';
import { containerSecret } from '../../apps/gridnode/src/queue/gateway-secrets';
import { ensureHostileImage } from '../support/hostile-image';
import { GatewayGrid, savedNodeCredential, startGatewayGrid } from '../support/gateway-grid';
import { GatewayProcess, startGatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/ports';

/**
 * Issue 17.2 and 17.7, every part real (redis-server with a password, the built hub with its
 * in-process gateway, a standalone gateway process, a volunteer GridNode, Docker): the hostile
 * image pointed at the gateway is refused everything but its own leased work; the gateway routes
 * answer gateway tokens only; a revoked node's connections close within a second on both gateways.
 */
const PASSWORD = 'operator-redis-secret-7';
const GATEWAY_TOKEN = 'gateway-service-token-0000001';
const IN = '{hostile}:in';
const OUT = '{hostile}:out';

const REFUSED = [
  'FLUSHALL', 'FLUSHDB', 'KEYS *', 'SCAN', 'GET other task key', 'SET other task key', 'LPUSH other task queue', 'LRANGE other task queue',
  'CONFIG GET', 'CONFIG SET', 'ACL LIST', 'ACL SETUSER', 'EVAL', 'SCRIPT LOAD', 'FUNCTION LOAD', 'CLIENT LIST', 'CLIENT KILL', 'MONITOR',
  'DEBUG SLEEP', 'SELECT 1', 'SHUTDOWN',
  'LPUSH forged result without a held item', 'RPUSH input', 'DEL input', 'LRANGE input', 'LLEN other queue',
  'BLMOVE to another node\'s batch key', 'BLMOVE to another instance\'s batch key', 'EVALSHA of a script not in the manifest',
  'AUTH as another instance', 'AUTH as the node itself',
];

describe('volunteers through the data gateway: a hostile worker, gateway tokens, revocation', () => {
  jest.setTimeout(240_000);
  let g: GatewayGrid;
  let hostile: string;
  let standalone: GatewayProcess | undefined;

  beforeAll(async () => {
    hostile = await ensureHostileImage();
    g = await startGatewayGrid({ parallelism: 1, redisPassword: PASSWORD, hubEnv: { COMPUTEHUB_GATEWAY_TOKENS: GATEWAY_TOKEN } });
  }, 600_000);
  afterAll(async () => {
    await standalone?.stop();
    await g?.grid.stop();
  });

  const asToken = (token: string, path: string) => fetch(`${g.grid.hub.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('refuses the hostile worker every command, key and identity not its own; its one pop is leased and its push acks it', async () => {
    const { grid } = g;
    await grid.client.set('operator:precious', 'keep');
    await grid.client.lpush('other:in', 'a', 'b', 'c');
    await grid.push(IN, ['1', '2', '3', '4', '5']);
    const before = (await grid.client.keys('*')).sort();
    const keys = new QueueKeys(IN);
    await grid.addTask({
      name: 'hostile', image: hostile, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT, max_containers_per_node: 1,
      env: {
        HOSTILE_MODE: 'gateway', OTHER_KEY: 'operator:precious', OTHER_QUEUE: 'other:in',
        FOREIGN_BATCH_KEY: `${keys.slotPrefix('someone-else', 0, 'r')}0:b1`, SIBLING_BATCH_KEY: `${keys.slotPrefix(grid.nodeId, 1, 'r')}0:b1`,
      },
    });
    await waitFor(async () => (await grid.client.llen(OUT)) > 0, 120_000, 'the hostile worker\'s report', 500);
    const lines = await grid.client.lrange(OUT, 0, -1);
    const report = JSON.parse(lines[0]) as { results: { attempt: string; outcome: string; detail: string }[] };
    process.stdout.write(`hostile image through the gateway:\n${report.results.map((r) => `  ${r.attempt}: ${r.outcome} (${r.detail})`).join('\n')}\n`);
    const outcome = (a: string) => report.results.find((r) => r.attempt === a)?.outcome;
    expect(REFUSED.map((a) => [a, outcome(a)])).toEqual(REFUSED.map((a) => [a, 'refused']));
    expect(outcome('LPOP input')).toBe('leased');
    // Only the report landed (no forgery), as the result of the one item it popped; its ack leased
    // items ahead for the container (batches of one, at most CONSUMER_AHEAD), the rest of the five wait.
    expect(lines).toHaveLength(1);
    const ahead = await grid.client.zcard(new QueueKeys(IN).leases);
    expect(ahead).toBeGreaterThanOrEqual(1);
    expect(ahead).toBeLessThanOrEqual(CONSUMER_AHEAD);
    expect((await grid.client.llen(IN)) + ahead).toBe(4);
    expect(await grid.client.get('operator:precious')).toBe('keep');
    expect(await grid.client.lrange('other:in', 0, -1)).toEqual(['c', 'b', 'a']);
    const now = (await grid.client.keys('*')).sort();
    // The input list is gone when every one of its items was leased ahead (Redis drops an empty list).
    expect(before.filter((k) => !now.includes(k) && !(k === IN && ahead === 4))).toEqual([]);
    expect(now.filter((k) => !before.includes(k) && k !== OUT && !k.startsWith('{hostile}:in:'))).toEqual([]);
    // No Redis user was made for it, and its env holds no Redis password.
    expect(((await grid.client.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith('gridcore-') && u !== 'gridcore-probe')).toEqual([]);
    const [c] = grid.containers('hostile');
    expect(JSON.stringify(c.env)).not.toContain(PASSWORD);

    // The legacy token (a trusted-lab node) still gets the task as registered, without data_plane.
    const legacy = (await grid.hub.api('GET', '/gridnode/task')).body;
    expect(legacy.input_redis).toBe(grid.redis.url);
    expect('data_plane' in legacy).toBe(false);
  });

  it('answers the gateway routes to gateway tokens only, and a gateway token nothing else', async () => {
    const { grid } = g;
    const credential = savedNodeCredential(grid);
    const digest = await asToken(GATEWAY_TOKEN, `/gateway/nodes/${grid.nodeId}/credential-digest`);
    expect(digest.status).toBe(200);
    expect(((await digest.json()) as any).credential_digest).toBe(createHash('sha256').update(credential).digest('hex'));
    const route = (await (await asToken(GATEWAY_TOKEN, `/gateway/nodes/${grid.nodeId}/route`)).json()) as any;
    expect(route.task).toMatchObject({ name: 'hostile', input_queue: IN, output_queue: OUT, input_redis: grid.redis.url });
    expect(((await (await asToken(GATEWAY_TOKEN, "/gateway/nodes/nobody/credential-digest")).json()) as any).credential_digest).toBeNull();
    const statuses = {
      adminOnGateway: (await asToken(grid.hub.token, `/gateway/nodes/${grid.nodeId}/route`)).status,
      nodeOnGateway: (await asToken(credential, `/gateway/nodes/${grid.nodeId}/route`)).status,
      gatewayOnTasks: (await asToken(GATEWAY_TOKEN, '/api/tasks')).status,
      gatewayOnNodeTask: (await asToken(GATEWAY_TOKEN, '/gridnode/task')).status,
      badNodeId: (await asToken(GATEWAY_TOKEN, '/gateway/nodes/a%20b/route')).status,
      badCursor: (await asToken(GATEWAY_TOKEN, '/gateway/revocations?cursor=x')).status,
    };
    expect(statuses).toEqual({ adminOnGateway: 403, nodeOnGateway: 403, gatewayOnTasks: 403, gatewayOnNodeTask: 403, badNodeId: 400, badCursor: 400 });
  });

  it('closes a revoked node\'s connections within 1 s, on the in-process and the standalone gateway', async () => {
    const { grid } = g;
    standalone = await startGatewayProcess({ hubUrl: grid.hub.url, hubToken: GATEWAY_TOKEN });
    const credential = savedNodeCredential(grid);
    const open = async (port: number, user: string, password: string) => {
      const client = new Redis({ host: '127.0.0.1', port, username: user, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      return new Promise<number>((resolveClosed) => client.once('end', () => resolveClosed(Date.now())));
    };
    const closed = [
      open(g.gatewayPort, `${grid.nodeId}.7`, containerSecret(credential, 7)),
      open(g.gatewayPort, grid.nodeId, credential),
      open(standalone.port, `${grid.nodeId}.8`, containerSecret(credential, 8)),
      open(standalone.port, grid.nodeId, credential),
    ];
    // Let the standalone gateway's revocation long-poll be in place before the revocation.
    await new Promise((r) => setTimeout(r, 1_000));
    const revokedAt = Date.now();
    expect((await grid.hub.api('POST', `/api/nodes/${grid.nodeId}/revoke`)).status).toBe(200);
    const ms = (await Promise.all(closed.map((p) => Promise.race([p, new Promise<number>((r) => setTimeout(() => r(Infinity), 5_000).unref())])))).map((t) => t - revokedAt);
    console.log(`revoked node's gateway connections closed after (ms): ${JSON.stringify({ inProcess: ms.slice(0, 2), standalone: ms.slice(2) })}`);
    for (const t of ms) expect(t).toBeLessThan(1_000);
    // And it cannot come back: AUTH is refused from then on.
    const again = new Redis({ host: '127.0.0.1', port: g.gatewayPort, username: grid.nodeId, password: credential, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    again.on('error', () => undefined);
    await expect(again.connect().then(() => again.ping())).rejects.toThrow();
    again.disconnect();
  });
});
