import { execFileSync } from 'node:child_process';
import { ensureExampleImages } from '../support/example-images';
import { GatewayGrid, savedNodeCredential, startGatewayGrid } from '../support/gateway-grid';
import { GatewayProcess, startGatewayProcess } from '../support/gateway-process';
import { freePort, waitFor } from '../support/ports';
import { checkSqrtResults, leftovers, range } from '../support/sqrt-results';

/**
 * Issue 17.4 and 17.7, every part real (redis-server, the built hub, a standalone gateway process
 * the hub hands out as gateway_url, a volunteer GridNode, Docker): the seed's unchanged
 * BRPOP/LPUSH consumer through the gateway, its containers SIGKILLed at random bounded moments,
 * the gateway restarted and then the hub restarted mid-run, still gives exactly one correct
 * result per item and leaves nothing in flight.
 */
const GATEWAY_TOKEN = 'gateway-service-token-0000002';
describe('the original consumer through the data gateway, under chaos', () => {
  jest.setTimeout(300_000);
  const N = 20_000;
  const IN = '{gwchaos}:in';
  const OUT = '{gwchaos}:out';
  const KILLS = 10;
  let g: GatewayGrid;
  let gateway: GatewayProcess;
  let gatewayPort: number;
  let image: string;

  beforeAll(async () => {
    [image] = await ensureExampleImages('original');
    gatewayPort = await freePort();
    g = await startGatewayGrid({
      parallelism: 3,
      redisPassword: 'operator-redis-secret-9',
      // Short leases: what a gateway going down holds comes back in seconds.
      hubEnv: { COMPUTEHUB_GATEWAY_URL: `redis://127.0.0.1:${gatewayPort}`, COMPUTEHUB_GATEWAY_TOKENS: GATEWAY_TOKEN, COMPUTEHUB_LEASE_S: '5' },
    });
    gateway = await startGatewayProcess({ hubUrl: g.grid.hub.url, hubToken: GATEWAY_TOKEN, port: gatewayPort });
  }, 600_000);
  afterAll(async () => {
    await gateway?.stop();
    await g?.grid.stop();
  });

  it('exactly one correct result per item, nothing in flight, across container kills, a gateway restart and a hub restart', async () => {
    const { grid } = g;
    await grid.push(IN, range(N));
    const started = Date.now();
    await grid.addTask({ name: 'gwchaos', image, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT, max_attempts: 50 });

    // The record, and the node's own view of the task, say gateway; the containers hold no Redis secret.
    expect((await grid.task('gwchaos')).data_plane).toBe('gateway');
    const credential = savedNodeCredential(grid);
    const own = await fetch(`${grid.hub.url}/gridnode/task?node_id=${grid.nodeId}`, { headers: { authorization: `Bearer ${credential}` } });
    const config = (await own.json()) as Record<string, unknown>;
    const gatewayUrl = `redis://127.0.0.1:${gatewayPort}`;
    expect(config).toMatchObject({ data_plane: 'gateway', input_redis: gatewayUrl, output_redis: gatewayUrl });
    const containers = await waitFor(() => (grid.containers('gwchaos').length === 3 ? grid.containers('gwchaos') : null), 60_000, 'three consumers');
    for (const c of containers) {
      expect(c.env.INPUT_REDIS_URL).toMatch(new RegExp(`^redis://${grid.nodeId.replace(/\./g, '\\.')}\\.${c.env.INSTANCE_ID}:[0-9a-f]{64}@127\\.0\\.0\\.1:${gatewayPort}$`));
      expect(JSON.stringify(c.env)).not.toContain('operator-redis-secret-9');
      expect(JSON.stringify(c.env)).not.toContain(credential);
    }

    // Chaos: SIGKILL a random consumer every 0.1 to 0.5 s (the run takes seconds since the gateway leases ahead) (bounded in count and time); the gateway
    // restarted once at a quarter, the hub once at a half.
    let kills = 0;
    let hubRestartS = -1;
    let gatewayRestartS = -1;
    const done = async () => grid.client.llen(OUT);
    const deadline = Date.now() + 150_000;
    while ((kills < KILLS || hubRestartS < 0) && Date.now() < deadline && (await done()) < N * 0.9) {
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      if (gatewayRestartS < 0 && (await done()) >= N / 4) {
        const t = Date.now();
        await gateway.stop();
        gateway = await startGatewayProcess({ hubUrl: grid.hub.url, hubToken: GATEWAY_TOKEN, port: gatewayPort });
        gatewayRestartS = (Date.now() - t) / 1000;
        continue;
      }
      if (gatewayRestartS > 0 && hubRestartS < 0 && (await done()) >= N / 2) {
        const t = Date.now();
        await grid.restartHub();
        hubRestartS = (Date.now() - t) / 1000;
        continue;
      }
      const running = grid.containers('gwchaos');
      if (running.length === 0 || kills >= KILLS) continue;
      const victim = running[Math.floor(Math.random() * running.length)];
      try {
        execFileSync('docker', ['kill', '-s', 'KILL', victim.id], { stdio: 'ignore', timeout: 10_000 });
        kills++;
      } catch {
        // It exited on its own meanwhile.
      }
    }
    await waitFor(async () => (await done()) >= N, 200_000, `${N} results`, 500);
    const seconds = (Date.now() - started) / 1000;
    // Once the input is empty the consumers exit 0; then the gateway has nothing in flight.
    await waitFor(() => grid.containers('gwchaos').length === 0, 60_000, 'the consumers exited', 500);

    const results = await grid.client.lrange(OUT, 0, -1);
    const check = checkSqrtResults(results, N);
    const left = await leftovers(grid.client, IN);
    console.log(`original consumer through the gateway: ${JSON.stringify({ items: N, results: results.length, kills, gatewayRestartS, hubRestartS, seconds, ...check, left })}`);
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(gatewayRestartS).toBeGreaterThan(0);
    expect(hubRestartS).toBeGreaterThan(0);
    expect(check).toMatchObject({ distinct: N, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    expect(results).toHaveLength(N);
    expect(left).toMatchObject({ input: 0, retry: 0, leases: 0, batchKeys: [], dead: [] });
  });
});
