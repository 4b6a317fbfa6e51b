import { join } from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { HeartbeatDto, HeartbeatResultDto, InstanceStatusDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import type { RegisterNodeDto } from '@gridcore/contracts/nodes/register-node.dto';
import { NodeConfig } from '../config/node-config';
import { testNodeConfig } from '../config/node-config.fixture';
import { NodeIdentity } from '../config/node-identity';
import { GpuInventory } from '../host/gpu-inventory';
import { hostArchitecture } from '../host/host-platform';
import { StopSignal } from '../lifecycle/stop-signal';
import { WorkReport } from '../shared/work-report';
import { TaskStream } from '../task/task-stream';
import { HubClient, RegisterAnswer } from './hub-client';
import { HubHttpError, TokenRefusedError } from './hub-errors';
import { MIN_HEARTBEAT_SPACING_MS, NodeSession } from './node-session';

const config = testNodeConfig;

type Answer<T> = () => Promise<T>;

/**
 * The hub's node routes, scripted per call and logging each (a fake: this spec is about the
 * session alone). Each route answers from its queue of scripted answers, then with its default;
 * nothing goes over the network.
 */
class FakeHub extends HubClient {
  readonly calls: string[] = [];
  readonly beats: number[] = [];
  readonly registerAnswers: Answer<RegisterAnswer>[] = [];
  readonly heartbeatAnswers: Answer<HeartbeatResultDto>[] = [];
  deregisterAnswer: Answer<unknown> = async () => ({});

  constructor(private readonly registerDefault: Answer<RegisterAnswer> = async () => ({ node_id: 'n-1', current_task: null })) {
    super('http://127.0.0.1:9', 'node-token-000001');
  }

  override async register(body: RegisterNodeDto): Promise<RegisterAnswer> {
    this.calls.push(`register ${body.node_id}`);
    return (this.registerAnswers.shift() ?? this.registerDefault)();
  }

  override async heartbeat(body: HeartbeatDto): Promise<HeartbeatResultDto> {
    this.calls.push(`heartbeat ${body.node_id} ${body.status}`);
    this.beats.push(Date.now());
    return (this.heartbeatAnswers.shift() ?? (async () => ({ stop_requested: false })))();
  }

  override async deregister(id: string): Promise<unknown> {
    this.calls.push(`deregister ${id}`);
    return this.deregisterAnswer();
  }

  override async pollTask(): Promise<never> {
    throw new Error('the session does not poll for tasks (TaskWatcher does)');
  }
}

function fakeHub(register?: Answer<RegisterAnswer>) {
  const fake = new FakeHub(register);
  return { hub: fake, beats: fake.beats, registers: () => fake.calls.filter((c) => c.startsWith('register')).length };
}

const refused = (status: number, route = 'POST /gridnode/heartbeat') => async (): Promise<never> => {
  throw new HubHttpError(route, status, 'refused');
};
const unreachable = async (): Promise<never> => {
  throw new Error('connect ECONNREFUSED 127.0.0.1:9');
};

/** Work whose one instance's restart count the test moves, as a crash-looping container would. */
function fakePool() {
  const instance: InstanceStatusDto = { instance: 0, state: 'running', restarts: 0, last_exit_code: null, last_error: null };
  class Busy extends WorkReport {
    runtimeStatus = () => 'Running' as const;
    activeContainers = () => 1;
    instances = () => [{ ...instance }];
    notRunning = () => null;
    lastError = () => null;
  }
  return { pool: new Busy(), instance };
}

/** A node that runs nothing. */
class NoWork extends WorkReport {
  runtimeStatus = () => 'Idle' as const;
  activeContainers = () => 0;
  instances = () => [];
  notRunning = () => null;
  lastError = () => null;
}

async function session(hub: HubClient, pool: WorkReport | null, cfg = config(), stream = new TaskStream(), stop = new StopSignal()) {
  const identity = new NodeIdentity(cfg.stateDir, cfg.nodeId);
  await identity.load();
  return new NodeSession(cfg, identity, hub, stream, pool ?? new NoWork(), stop, new GpuInventory(async () => []), 'linux/amd64');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** close() must not wait out heartbeat_interval, only (at worst) one state poll. */
const STATE_POLL_BOUND_MS = 250;

describe('NodeSession heartbeats', () => {
  it('sends one at once when the state changes, long before heartbeat_interval', async () => {
    const { hub, beats } = fakeHub();
    const { pool, instance } = fakePool();
    const s = await session(hub, pool);
    s.start();
    try {
      await sleep(1_200);
      expect(beats).toHaveLength(1);
      const changed = Date.now();
      instance.restarts = 1;
      await sleep(600);
      expect(beats).toHaveLength(2);
      console.log(`state change reported ${beats[1] - changed} ms after it happened (heartbeat_interval 30 s)`);
      expect(beats[1] - changed).toBeLessThan(500);
    } finally {
      await s.close();
    }
  });

  it('sends at most one a second however often the state changes, and none without a change', async () => {
    const { hub, beats } = fakeHub();
    const { pool, instance } = fakePool();
    const s = await session(hub, pool);
    s.start();
    const churn = setInterval(() => instance.restarts++, 20);
    try {
      await sleep(3_300);
    } finally {
      clearInterval(churn);
    }
    const during = beats.length;
    await sleep(1_500);
    await s.close();
    const gaps = beats.slice(1).map((t, i) => t - beats[i]);
    console.log(`${during} heartbeats in 3.3 s of changes every 20 ms; gaps ${gaps.join(', ')} ms`);
    expect(during).toBeGreaterThanOrEqual(3);
    expect(during).toBeLessThanOrEqual(4);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MIN_HEARTBEAT_SPACING_MS - 5);
    // After the changes stop: at most the one that reports the last change, then quiet.
    expect(beats.length - during).toBeLessThanOrEqual(1);
  });
});

describe('NodeSession registration', () => {
  it.each([401, 403])('gives up at once with TokenRefusedError when register answers %d', async (status) => {
    const { hub, registers } = fakeHub(async () => {
      throw new HubHttpError('POST /gridnode/register', status, 'unknown token');
    });
    const s = await session(hub, null);
    const err = await s.registerUntilDone().catch((e: Error) => e);
    expect(err).toBeInstanceOf(TokenRefusedError);
    expect((err as Error).message).toMatch(new RegExp(`^the hub at http://127.0.0.1:9 .* \\(${status} on register\\): check token in gridnode.toml or GRIDNODE_TOKEN$`));
    expect(registers()).toBe(1);
  });
});

describe('NodeSession registration paths', () => {
  afterEach(() => jest.useRealTimers());

  it('retries a register that fails with a doubling delay until the hub answers', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    jest.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter: 1 s, then 2 s
    const fake = new FakeHub();
    fake.registerAnswers.push(refused(503, 'POST /gridnode/register'), unreachable);
    const s = await session(fake, null);
    let done: boolean | undefined;
    const registering = s.registerUntilDone().then((ok) => (done = ok));
    const registersAfter = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms);
      return fake.calls.length;
    };
    expect(await registersAfter(0)).toBe(1);
    expect(await registersAfter(999)).toBe(1);
    expect(await registersAfter(1)).toBe(2);
    expect(await registersAfter(1_999)).toBe(2);
    expect(await registersAfter(1)).toBe(3);
    await registering;
    expect(done).toBe(true);
    expect(fake.calls).toEqual(['register n-1', 'register n-1', 'register n-1']);
    jest.restoreAllMocks();
  });

  it('stops retrying, answering false, when the session closes', async () => {
    const fake = new FakeHub(unreachable);
    const s = await session(fake, null);
    const registering = s.registerUntilDone();
    await new Promise((r) => setTimeout(r, 50));
    const closedAt = Date.now();
    await s.close();
    await expect(registering).resolves.toBe(false);
    expect(Date.now() - closedAt).toBeLessThan(200);
    expect(fake.calls).toEqual(['register n-1']);
  });

  it('keeps the id the hub assigns, in state_dir, and registers with it from then on', async () => {
    const fake = new FakeHub(async () => ({ node_id: 'assigned-7', current_task: null }));
    const cfg = config({ nodeId: null });
    const s = await session(fake, null, cfg);
    expect(s.registerBody().node_id).toBeNull();
    await s.registerUntilDone();
    expect(readFileSync(join(cfg.stateDir, 'node_id'), 'utf8').trim()).toBe('assigned-7');
    expect(s.registerBody().node_id).toBe('assigned-7');
    const again = await session(new FakeHub(), null, cfg);
    expect(again.registerBody().node_id).toBe('assigned-7');
  });

  it('describes the node as the original does, parallelism only when set', async () => {
    const body = (await session(new FakeHub(), null)).registerBody();
    expect(body).toMatchObject({ node_id: 'n-1', hostname: 'h', platform: 'linux/amd64', version: '0.1.0', parallelism: 2, gpus: [] });
    expect(body.architecture).toBe(hostArchitecture());
    expect((await session(new FakeHub(), null, config({ parallelism: null }))).registerBody()).not.toHaveProperty('parallelism');
  });

  it.each([
    ['x64', 'x86_64'],
    ['arm64', 'aarch64'],
    ['arm', 'arm'],
    ['riscv64', 'riscv64'],
  ])('names the %s architecture %s, as uname -m', (nodeArch, uname) => {
    expect(hostArchitecture(nodeArch)).toBe(uname);
  });
});

describe('NodeSession heartbeat and stop paths', () => {
  /** A session on a fake hub, with every stop it fires recorded. */
  async function watchedForStops() {
    const fake = new FakeHub();
    const stop = new StopSignal();
    const stops: string[] = [];
    stop.requested$.subscribe((why) => stops.push(why));
    return { fake, stops, s: await session(fake, null, config(), new TaskStream(), stop) };
  }

  const statusFile = (cfg: NodeConfig) => join(cfg.stateDir, 'status.json');

  it('writes status.json after a good heartbeat only', async () => {
    const fake = new FakeHub();
    const cfg = config();
    const s = await session(fake, null, cfg);
    await s.beat();
    const status = JSON.parse(readFileSync(statusFile(cfg), 'utf8'));
    expect(status).toEqual({ last_heartbeat_ok: expect.any(Number), node_id: 'n-1', pid: process.pid });
    expect(Date.now() - status.last_heartbeat_ok).toBeLessThan(1_000);
    rmSync(statusFile(cfg));
    fake.heartbeatAnswers.push(refused(500));
    await s.beat();
    expect(existsSync(statusFile(cfg))).toBe(false);
  });

  it('reports the work and the task it runs, and Idle with no work', async () => {
    const stream = new TaskStream();
    stream.offer(3, { task_name: 'sqrt' } as never);
    const { pool } = fakePool();
    const busy = await (await session(new FakeHub(), pool, config(), stream)).heartbeatBody();
    expect(busy).toMatchObject({ node_id: 'n-1', status: 'Running', active_containers: 1, task_name: 'sqrt', not_running: null });
    expect(busy.instances).toHaveLength(1);
    const idle = await (await session(new FakeHub(), null)).heartbeatBody();
    expect(idle).toMatchObject({ status: 'Idle', active_containers: 0, task_name: null, instances: [], not_running: null });
  });

  it('registers again with the saved id when the hub answers 404, and repeats the heartbeat', async () => {
    const fake = new FakeHub();
    const cfg = config();
    const s = await session(fake, null, cfg);
    await s.registerUntilDone();
    fake.heartbeatAnswers.push(refused(404));
    await s.beat();
    expect(fake.calls).toEqual(['register n-1', 'heartbeat n-1 Idle', 'register n-1', 'heartbeat n-1 Idle']);
    expect(existsSync(statusFile(cfg))).toBe(true);
  });

  it('after a failed heartbeat, asks whether a stop came meanwhile, then registers before the next heartbeat', async () => {
    const fake = new FakeHub();
    const s = await session(fake, null);
    await s.registerUntilDone();
    fake.heartbeatAnswers.push(unreachable);
    await s.beat();
    await s.beat();
    expect(fake.calls).toEqual(['register n-1', 'heartbeat n-1 Idle', 'heartbeat n-1 Idle', 'register n-1', 'heartbeat n-1 Idle']);
    await s.beat();
    expect(fake.calls.slice(5)).toEqual(['heartbeat n-1 Idle']);
  });

  it('a node that never registered registers first after a failed heartbeat (there is no stop to ask about)', async () => {
    const fake = new FakeHub();
    const s = await session(fake, null);
    fake.heartbeatAnswers.push(unreachable);
    await s.beat();
    await s.beat();
    expect(fake.calls).toEqual(['heartbeat n-1 Idle', 'register n-1', 'heartbeat n-1 Idle']);
  });

  it('fires the stop signal with "hub" when a heartbeat answers stop_requested', async () => {
    const { fake, s, stops } = await watchedForStops();
    await s.beat();
    expect(stops).toEqual([]);
    fake.heartbeatAnswers.push(async () => ({ stop_requested: true }));
    await s.beat();
    expect(stops).toEqual(['hub']);
  });

  it('honours a stop asked during an outage without registering again (a registration would clear it)', async () => {
    const { fake, s, stops } = await watchedForStops();
    await s.registerUntilDone();
    fake.heartbeatAnswers.push(unreachable, async () => ({ stop_requested: true }));
    await s.beat();
    await s.beat();
    expect(stops).toEqual(['hub']);
    expect(fake.calls).toEqual(['register n-1', 'heartbeat n-1 Idle', 'heartbeat n-1 Idle']);
  });

  it('close ends the heartbeat loop at once, mid-wait, and nothing beats after it', async () => {
    const fake = new FakeHub();
    const s = await session(fake, null);
    s.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.beats).toHaveLength(1);
    const closing = Date.now();
    await s.close();
    expect(Date.now() - closing).toBeLessThan(STATE_POLL_BOUND_MS);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(fake.beats).toHaveLength(1);
  });

  it('deregisters its id, survives a hub that fails to answer, and asks nothing without an id', async () => {
    const fake = new FakeHub();
    await (await session(fake, null)).deregister();
    fake.deregisterAnswer = unreachable;
    await expect((await session(fake, null)).deregister()).resolves.toBeUndefined();
    await (await session(fake, null, config({ nodeId: null }))).deregister();
    expect(fake.calls).toEqual(['deregister n-1', 'deregister n-1']);
  });
});
