import Redis from 'ioredis';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { waitFor } from '../support/ports';
import { createPrivateEngine, PrivateEngine } from '../support/private-engine';
import { RunningRedis, startRedis } from '../support/redis-server';
import { AgentProcess, startAgent } from './support/agent-process';
import { addTask, nodeRecord, queueState, waitForNodeId } from './support/grid';
import { ensureSdkWorkerImage } from './support/sdk-worker-image';
import { requireDockerEngine } from './support/test-image';

/**
 * A GridNode whose Docker engine is away, on a private engine of the test's own (the host's
 * engine is shared and never touched): absent at start (issue 15 point 4), then SIGKILLed mid-run
 * and started again 8 s later (issue 14 fault 2). Real redis-server, hub and GridNode processes,
 * the SDK sqrt worker image.
 */
describe('GridNode when its Docker engine goes away', () => {
  jest.setTimeout(240_000);
  const slots = 2;
  let engine: PrivateEngine;
  let redis: RunningRedis;
  let client: Redis;
  let hub: HubProcess;
  let agent: AgentProcess;
  let nodeId: string;
  let image: string;
  let pushed = 0;

  /** Pushes the next `count` items (`1`, `2`, ...), in chunks. */
  async function push(count: number): Promise<void> {
    for (let left = count; left > 0; ) {
      const chunk = Math.min(1_000, left);
      await client.lpush('{el}:in', ...Array.from({ length: chunk }, (_, i) => String(pushed + i + 1)));
      pushed += chunk;
      left -= chunk;
    }
  }

  /** Every item pushed so far has exactly one correct result, and nothing is left or dead. */
  async function expectEveryItemOnce(timeoutMs: number): Promise<void> {
    await waitFor(async () => (await client.llen('{el}:out')) >= pushed, timeoutMs, `${pushed} results`, 200);
    const out = await client.lrange('{el}:out', 0, -1);
    const seen = new Map<string, number>();
    let wrong = 0;
    for (const line of out) {
      const [item, value] = line.split(':');
      seen.set(item, (seen.get(item) ?? 0) + 1);
      if (Math.abs(Number(value) - Math.sqrt(Number(item))) > 1e-9) wrong++;
    }
    expect(out).toHaveLength(pushed);
    expect(seen.size).toBe(pushed);
    expect(wrong).toBe(0);
    const state = await queueState(redis.url, '{el}:in');
    // A live container may hold a leased batch while it waits for items; none may hold an item.
    const held = await Promise.all(state.leases.map((batch) => client.llen(batch)));
    expect({ input: state.input.length, retry: state.retry.length, held: held.reduce((a, b) => a + b, 0) }).toEqual({ input: 0, retry: 0, held: 0 });
    expect(await client.llen('{el}:dead')).toBe(0);
  }

  const running = () => engine.containers(`gridcore.node=${nodeId}`);

  beforeAll(async () => {
    requireDockerEngine();
    image = await ensureSdkWorkerImage();
    engine = createPrivateEngine();
    // The image is loaded once; the engine then stops, so the node starts without one.
    await engine.start();
    await engine.loadImage(image);
    await engine.kill('SIGTERM');
    redis = await startRedis();
    client = new Redis(redis.url);
    hub = await startHubProcess();
    agent = startAgent({
      GRIDNODE_SERVER_URL: hub.url,
      GRIDNODE_TOKEN: hub.token,
      GRIDNODE_PARALLELISM: String(slots),
      GRIDNODE_DOCKER_SOCKET: engine.socket,
    });
  }, 600_000);

  afterAll(async () => {
    agent?.signal('SIGKILL');
    await agent?.exited;
    client?.disconnect();
    await engine?.cleanup();
    await hub?.stop();
    await redis?.stop();
  });

  afterEach(() => {
    if (process.env.GRIDNODE_TEST_VERBOSE) console.log(agent.output().slice(-6000));
  });

  it('registers without a Docker engine, reports Error with the reason, and starts its containers once the engine appears', async () => {
    nodeId = await waitForNodeId(agent.stateDir);
    const down = await waitFor(async () => {
      const r = await nodeRecord(hub, nodeId);
      return r?.status === 'Online' && r.runtime_status === 'Error' ? r : null;
    }, 20_000, 'the node Online in Error');
    expect(down.last_error).toContain(`cannot reach the Docker engine at ${engine.socket}`);
    expect(down.active_containers).toBe(0);

    await push(2_000);
    await addTask(hub, { name: 'el', image, input_redis: redis.url, input_queue: '{el}:in', output_queue: '{el}:out', cpus: 0.5 });
    await waitFor(async () => (await nodeRecord(hub, nodeId))?.task_name === 'el', 20_000, 'the node on task el');
    const waiting = await nodeRecord(hub, nodeId);
    expect(waiting).toMatchObject({ runtime_status: 'Error', active_containers: 0 });
    expect(waiting.last_error).toContain(`cannot reach the Docker engine at ${engine.socket}`);
    expect(agent.output()).toMatch(/cannot reach the Docker engine at .* retrying in \d+\.\d s/);
    expect(agent.process.exitCode).toBeNull();

    await engine.start();
    const appeared = Date.now();
    await waitFor(async () => (await running()).length === slots, 20_000, `${slots} containers on the engine that appeared`, 100);
    console.log(`engine appeared → ${slots} containers running after ${Date.now() - appeared} ms`);
    const up = await waitFor(async () => {
      const r = await nodeRecord(hub, nodeId);
      return r?.runtime_status === 'Running' ? r : null;
    }, 10_000, 'the node Running');
    expect(up.last_error).toBeNull();
    await expectEveryItemOnce(120_000);
  });

  it('after dockerd is SIGKILLed mid-run and started 8 s later, runs every slot again within 15 s, each item exactly once', async () => {
    // A feeder keeps about 20,000 items pending through the outage and the recovery, so the
    // slots have work the whole time; bounded in time (90 s) and so in count.
    let feeding = true;
    const feeder = (async () => {
      for (const end = Date.now() + 90_000; feeding && Date.now() < end; ) {
        const pending = await client.llen('{el}:in');
        if (pending < 20_000) await push(20_000 - pending);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      const before = await waitFor(async () => {
        const ids = await running();
        return ids.length === slots ? ids : null;
      }, 20_000, `${slots} running containers`);
      const doneBefore = await client.llen('{el}:out');
      await waitFor(async () => (await client.llen('{el}:out')) > doneBefore + 1_000, 30_000, 'the run under way');

      const killed = Date.now();
      await engine.kill('SIGKILL');
      const reported = await waitFor(async () => {
        const r = await nodeRecord(hub, nodeId);
        return r?.runtime_status === 'Error' && r.active_containers === 0 ? r : null;
      }, 8_000, 'the node in Error while its engine is away');
      console.log(`dockerd SIGKILLed → hub shows the node in Error after ${Date.now() - killed} ms`);
      expect(reported.last_error).toContain(`cannot reach the Docker engine at ${engine.socket}`);
      expect(reported.status).toBe('Online');

      await new Promise((r) => setTimeout(r, Math.max(0, killed + 8_000 - Date.now())));
      await engine.start();
      const back = Date.now();
      const recovered = await waitFor(async () => {
        const ids = await running();
        if (ids.length !== slots || ids.some((id) => before.includes(id))) return null;
        const r = await nodeRecord(hub, nodeId);
        const states = (r?.instances ?? []).map((i: { state: string }) => i.state);
        return r?.runtime_status === 'Running' && states.length === slots && states.every((s: string) => s === 'running') ? r : null;
      }, 15_000, `${slots} new running containers within 15 s of the engine's return`, 100);
      const recoveryMs = Date.now() - back;
      console.log(`engine back → all ${slots} slots running again (Docker and the hub agree) after ${recoveryMs} ms`);
      expect(recoveryMs).toBeLessThan(15_000);
      expect(recovered.last_error).toBeNull();
      expect(recovered.active_containers).toBe(slots);
      expect(agent.output()).toMatch(/lost the Docker engine while container [0-9a-f]{12} ran/);
      expect(agent.output()).toMatch(/the Docker engine answers again after \d+\.\d s/);
    } finally {
      feeding = false;
      await feeder;
    }
    // Everything the killed containers held went back to the queue and came out once.
    await expectEveryItemOnce(180_000);
    console.log(`${pushed} items, each exactly once`);
  });
});
