import { execFileSync } from 'node:child_process';
import { QueueKeys } from '@gridcore/queue';
import { waitFor } from '../support/ports';
import { ensureExampleImages } from '../support/example-images';
import { waitForContainers } from '../node/support/grid';
import { QUICK_HUB_TICKS, RealGrid } from '../support/real-grid';
import { checkSqrtResults, leftovers, range } from '../support/sqrt-results';

/**
 * Issue 7 point 6: 100,000 items through the example Node worker (TypeScript SDK) at batch 50
 * under one GridNode, while a worker container is SIGKILLed from outside, then the agent itself is
 * SIGKILLed and started again, then the hub is restarted. Afterwards: exactly one correct result
 * per item, and input, retry, leases, batch lists and dead all empty.
 */
describe('chaos: container, agent and hub killed mid-run', () => {
  jest.setTimeout(300_000);
  const N = 100_000;
  const IN = '{chaos}:in';
  const OUT = '{chaos}:out';
  let grid: RealGrid;
  let image: string;

  beforeAll(async () => {
    [image] = await ensureExampleImages('node');
    grid = await RealGrid.start({ parallelism: 3, hubEnv: QUICK_HUB_TICKS });
  }, 600_000);

  afterAll(async () => {
    await grid?.stop();
  });

  it('loses nothing and doubles nothing', async () => {
    const started = Date.now();
    const items = range(N);
    const done = () => grid.client.llen(OUT);
    // Items go in in three parts, each pushed just before a fault, so every fault lands while items
    // wait however fast this machine is (the example worker does well over 10,000 items/s here).
    await grid.push(IN, items.slice(0, 50_000));
    let pushed = 50_000;
    // Three containers of half a core each: a bounded share of the 2 shared cores.
    await grid.addTask({ name: 'chaos', image, input_redis: grid.redis.url, input_queue: IN, output_queue: OUT, cpus: 0.5, env: { GRIDCORE_BATCH: '50' } });
    const at: Record<string, { done: number; pushed: number; s: number }> = {};
    const mark = async (what: string) => (at[what] = { done: await done(), pushed, s: (Date.now() - started) / 1000 });

    // 1. A worker container SIGKILLed from outside, once results flow.
    const [victim] = await waitForContainers(grid.nodeId, 'chaos', 3, 60_000);
    await waitFor(async () => (await done()) >= 5_000, 120_000, '5,000 results', 20);
    execFileSync('docker', ['kill', '-s', 'KILL', victim.id]);
    await mark('containerKilled');
    // The agent deals with it (requeues the slot's batch, starts a replacement) before the next
    // fault. (Killed in between, that batch would come back only when its lease ran out.)
    await waitFor(
      () => grid.containers('chaos').some((c) => c.env.INSTANCE_ID === victim.env.INSTANCE_ID && c.id !== victim.id),
      30_000,
      'a replacement for the killed container',
      100,
    );

    // 2. The agent SIGKILLed (its containers run on as orphans) and started again.
    await grid.push(IN, items.slice(50_000, 90_000));
    pushed = 90_000;
    await grid.killAgent();
    await mark('agentKilled');
    await new Promise((r) => setTimeout(r, 1_000));
    await grid.startAgentAgain();
    await mark('agentStarted');

    // 3. The hub restarted.
    await grid.push(IN, items.slice(90_000));
    pushed = N;
    await mark('hubStopping');
    await grid.restartHub();
    await mark('hubStarted');

    await waitFor(async () => (await done()) >= N, 180_000, `${N} results`, 250);
    const seconds = (Date.now() - started) / 1000;
    // A few seconds more: a doubled item would show up now.
    await new Promise((r) => setTimeout(r, 3_000));
    const finish = await grid.hub.api('POST', '/api/tasks/finish');
    expect(finish.status).toBe(200);
    await waitFor(() => grid.containers('chaos').length === 0, 30_000, 'the containers of chaos gone', 200);

    const results = await grid.client.lrange(OUT, 0, -1);
    const check = checkSqrtResults(results, N);
    const left = await leftovers(grid.client, IN);
    const stats = await grid.client.hgetall(new QueueKeys(IN).stats);
    const agentLog = grid.agentOutput();
    const report = {
      items: N, results: results.length, ...check, left, faultsAt: at, seconds, finish: finish.body.left,
      processed: stats.processed, requeued: stats.requeued ?? '0',
      recoveries: agentLog.split('\n').filter((l) => /requeued \d+|handed back \d+|removed orphan/.test(l)).map((l) => l.replace(/^.*?(requeued|handed|removed)/, '$1')),
    };
    console.log(`chaos: ${JSON.stringify(report)}`);
    if (process.env.CHAOS_DEBUG) console.log(agentLog.split('\n').slice(-80).join('\n'));

    // Every fault landed while items were still waiting.
    for (const f of [at.containerKilled, at.agentKilled, at.hubStopping]) expect(f.done).toBeLessThan(f.pushed);
    expect(agentLog).toContain(`container ${victim.id.slice(0, 12)} of chaos: exited with code 137`);
    expect(agentLog).toMatch(/removed orphan .*\(task chaos/);
    expect(results).toHaveLength(N);
    expect(check).toMatchObject({ distinct: N, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
    expect(left).toEqual({ input: 0, retry: 0, leases: 0, taken: 0, batchKeys: [], dead: [] });
  });
});
