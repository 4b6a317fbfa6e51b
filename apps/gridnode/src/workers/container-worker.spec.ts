import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import {
  ContainerDetails,
  ContainerExit,
  ContainerNotFoundError,
  ContainerRuntime,
  ContainerSpec,
  DockerUnreachableError,
  ImageNotFoundError,
  ManagedContainer,
} from '@gridcore/docker-runtime';
import { EngineGate } from '../engine/engine-monitor';
import { QueueRef, SlotQueue, SlotRef } from '../queue/slot-queue';
import { testTaskConfig } from '../task/task-config.fixture';
import { TaskStream } from '../task/task-stream';
import { ContainerWorker } from './container-worker';
import { NodeFacts } from './container-plan';
import { DEFAULT_RESTART_POLICY, RestartTracker } from './restart-tracker';

/** Records every call in one ordered log, so ordering invariants can be pinned. */
class FakeRuntime extends ContainerRuntime {
  log: string[] = [];
  specs: ContainerSpec[] = [];
  private exits = new Map<string, { resolve: (exit: ContainerExit) => void; reject: (err: unknown) => void }>();
  private seq = 0;
  missingImages = new Set<string>();
  /** While set, every call fails as a dead engine's would. */
  away = false;
  /** What inspect says of a container once the engine is back. */
  afterReturn = new Map<string, Partial<ContainerDetails> | 'gone'>();

  private gone(): void {
    if (this.away) throw new DockerUnreachableError('/fake.sock', 'ECONNREFUSED');
  }
  async ping() {
    this.gone();
  }
  async ensureImage(image: string) {
    this.log.push(`ensure ${image}`);
    this.gone();
    if (this.missingImages.has(image)) throw new ImageNotFoundError(image, 'no registry');
  }
  async create(spec: ContainerSpec) {
    this.specs.push(spec);
    return `c${++this.seq}`;
  }
  async startCreated() {}
  async start(spec: ContainerSpec) {
    this.gone();
    const id = await this.create(spec);
    this.log.push(`start ${id} ${spec.labels['gridcore.task']}`);
    return id;
  }
  async stop(id: string) {
    this.log.push(`stop ${id}`);
    this.exit(id, 0);
  }
  async kill(id: string) {
    this.log.push(`kill ${id}`);
  }
  async remove(id: string) {
    this.log.push(`remove ${id}`);
  }
  wait(id: string): Promise<ContainerExit> {
    if (this.away) return Promise.reject(new DockerUnreachableError('/fake.sock', 'ECONNREFUSED'));
    return new Promise((resolve, reject) => this.exits.set(id, { resolve, reject }));
  }
  exit(id: string, exitCode: number) {
    this.exits.get(id)?.resolve({ exitCode, oomKilled: false });
  }
  /** dockerd SIGKILLed: every watch breaks, every call fails. */
  vanish() {
    this.away = true;
    for (const watch of this.exits.values()) watch.reject(new DockerUnreachableError('/fake.sock', 'ECONNRESET'));
    this.exits.clear();
  }
  async inspect(id: string): Promise<ContainerDetails> {
    this.log.push(`inspect ${id}`);
    this.gone();
    const seen = this.afterReturn.get(id);
    if (seen === 'gone' || !seen) throw new ContainerNotFoundError(id);
    return { id, name: id, image: 'i', labels: {}, env: {}, state: 'exited', running: false, exitCode: 137, oomKilled: false, ...seen };
  }
  async engineLost(): Promise<never> {
    throw new Error('not used');
  }
  async listManaged(): Promise<ManagedContainer[]> {
    return [];
  }
}

/** The engine as the worker sees it: up or away, switched by the test. */
class FakeEngine implements EngineGate {
  up = true;
  reason: string | null = null;
  losses = 0;
  private waiters: (() => void)[] = [];
  lost() {
    this.losses++;
  }
  away(reason: string) {
    this.up = false;
    this.reason = reason;
  }
  back() {
    this.up = true;
    this.reason = null;
    for (const w of this.waiters.splice(0)) w();
  }
  whenUp(signal: AbortSignal): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push(() => resolve(true));
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
  }
}

class FakeQueue extends SlotQueue {
  pendingItems = 0;
  constructor(private readonly log: string[]) {
    super();
  }
  async requeueSlot(q: QueueRef, s: SlotRef) {
    this.log.push(`requeue ${q.queue} ${s.instance}`);
    return 1;
  }
  async handBackSlot(q: QueueRef, s: SlotRef) {
    this.log.push(`hand-back ${q.queue} ${s.instance}`);
    return 1;
  }
  async pending() {
    return this.pendingItems;
  }
  async requeueOrphans(q: QueueRef, node: string, live: readonly (number | string)[]) {
    this.log.push(`orphans ${q.queue} ${node} [${live.join(',')}]`);
    return 0;
  }
  async close() {}
}

function task(name: string, revision: number, over: Partial<TaskConfigDto> = {}): TaskConfigDto {
  return testTaskConfig({ task_name: name, image: `${name}:1`, input_queue: `${name}:in`, output_queue: null, revision, ...over });
}

const node: NodeFacts = { nodeId: 'n1', cpuCount: 2, gpuCount: 0, parallelism: 1, containerMemoryMb: 64, networkMode: 'host', pidsLimit: 512, admission: { allowedImages: [], requireDigest: false, allowGpus: true } };
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

function setup(policy = { ...DEFAULT_RESTART_POLICY, baseDelayMs: 20 }) {
  const runtime = new FakeRuntime();
  const engine = new FakeEngine();
  const queue = new FakeQueue(runtime.log);
  const stream = new TaskStream();
  const worker = new ContainerWorker(0, {
    runtime,
    engine,
    queue,
    stream,
    node: () => node,
    stopTimeoutS: 5,
    tracker: new RestartTracker(policy, () => 0.5),
    pendingPollMs: 10,
  });
  worker.start();
  return { runtime, engine, queue, stream, worker };
}

describe('ContainerWorker', () => {
  it('on a task change stops, removes and hands back the old container before starting the new one', async () => {
    const { runtime, stream, worker } = setup();
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    stream.offer(2, task('b', 2));
    await until(() => runtime.log.includes('start c2 b'));
    expect(runtime.log).toEqual(['ensure a:1', 'start c1 a', 'stop c1', 'remove c1', 'hand-back a:in 0', 'ensure b:1', 'start c2 b']);
    expect(runtime.specs[1].env).toMatchObject({ TASK_NAME: 'b', INSTANCE_ID: '0', NODE_ID: 'n1' });
    expect(runtime.specs[1].env.RUN_ID).not.toBe(runtime.specs[0].env.RUN_ID);
    await worker.shutdown();
    expect(runtime.log.slice(-3)).toEqual(['stop c2', 'remove c2', 'hand-back b:in 0']);
  });

  it('requeues with an attempt after a crash, then restarts after the backoff', async () => {
    const { runtime, worker, stream } = setup();
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    runtime.exit('c1', 137);
    await until(() => runtime.log.includes('start c2 a'));
    expect(runtime.log).toEqual(['ensure a:1', 'start c1 a', 'remove c1', 'requeue a:in 0', 'ensure a:1', 'start c2 a']);
    expect(worker.status()).toMatchObject({ state: 'running', restarts: 1, last_exit_code: 137, last_error: 'exited with code 137' });
    await worker.shutdown();
  });

  it('lets a task change cut a long backoff short', async () => {
    const { runtime, worker, stream } = setup({ ...DEFAULT_RESTART_POLICY, baseDelayMs: 60_000 });
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    runtime.exit('c1', 1);
    await until(() => worker.state === 'backoff');
    stream.offer(2, task('b', 2));
    await until(() => runtime.log.includes('start c2 b'));
    await worker.shutdown();
  });

  it('after exit 0 waits for items instead of restarting, then starts again', async () => {
    const { runtime, queue, worker, stream } = setup();
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    runtime.exit('c1', 0);
    await until(() => worker.state === 'waiting');
    await new Promise((r) => setTimeout(r, 100));
    expect(runtime.log.filter((l) => l.startsWith('start'))).toHaveLength(1);
    queue.pendingItems = 5;
    await until(() => runtime.log.includes('start c2 a'));
    await worker.shutdown();
  });

  it('runs nothing for a GPU task on a node without GPUs and reports why', async () => {
    const { runtime, worker, stream } = setup();
    stream.offer(1, task('g', 1, { gpus: 1 }));
    await until(() => worker.state === 'error');
    expect(worker.status()?.last_error).toBe('task g needs 1 GPU per container and this node has 0: running none of its containers here');
    expect(worker.notRunning).toEqual({ reason: 'needs_gpus', detail: 'task g needs 1 GPU per container and this node has 0: running none of its containers here' });
    expect(runtime.log).toEqual([]);
    await worker.shutdown();
  });

  it('shows a missing image as an error and goes on with the next task', async () => {
    const { runtime, worker, stream } = setup();
    runtime.missingImages.add('x:1');
    stream.offer(1, task('x', 1));
    await until(() => worker.state === 'error');
    expect(worker.status()?.last_error).toBe('image x:1 is not on this node and could not be pulled: no registry');
    expect(worker.notRunning).toEqual({ reason: 'image_pull_failed', detail: 'image x:1 is not on this node and could not be pulled: no registry' });
    stream.offer(2, task('a', 2));
    await until(() => worker.state === 'running');
    // Running the next task's container clears the reason.
    expect(worker.notRunning).toBeNull();
    await worker.shutdown();
  });

  it('stays idle when the slot is beyond the task\'s container count', async () => {
    const { runtime, worker, stream } = setup();
    const second = new ContainerWorker(1, { runtime, engine: new FakeEngine(), queue: new FakeQueue(runtime.log), stream, node: () => node, stopTimeoutS: 1 });
    second.start();
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    expect(second.status()).toBeNull();
    await Promise.all([worker.shutdown(), second.shutdown()]);
  });

  it('when the engine dies under a running container: shows the reason, waits, then requeues and starts again at once', async () => {
    const { runtime, engine, worker, stream } = setup({ ...DEFAULT_RESTART_POLICY, baseDelayMs: 60_000 });
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    const reason = 'cannot reach the Docker engine at /fake.sock (ECONNREFUSED)';
    engine.away(reason);
    runtime.vanish();
    await until(() => worker.state === 'error' && worker.lastError === reason);
    expect(engine.losses).toBeGreaterThan(0);
    expect(worker.status()).toMatchObject({ state: 'error', container_id: 'c1', last_error: reason });
    await new Promise((r) => setTimeout(r, 50));
    expect(runtime.log).toEqual(['ensure a:1', 'start c1 a']);

    runtime.away = false;
    runtime.afterReturn.set('c1', { state: 'exited', running: false, exitCode: 137 });
    engine.back();
    // No 60 s crash backoff: the container did not fail, its engine did.
    await until(() => runtime.log.includes('start c2 a'));
    expect(runtime.log).toEqual(['ensure a:1', 'start c1 a', 'inspect c1', 'remove c1', 'requeue a:in 0', 'ensure a:1', 'start c2 a']);
    expect(worker.status()).toMatchObject({ state: 'running', container_id: 'c2', restarts: 1, last_exit_code: 137 });
    expect(worker.lastError).toBe('exited with code 137: it ended while the Docker engine was away');
    await worker.shutdown();
  });

  it('follows a container that outlived its engine (live-restore) instead of replacing it', async () => {
    const { runtime, engine, worker, stream } = setup();
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    engine.away('gone');
    runtime.vanish();
    await until(() => worker.state === 'error');
    runtime.away = false;
    runtime.afterReturn.set('c1', { state: 'running', running: true, exitCode: 0 });
    engine.back();
    await until(() => worker.state === 'running');
    await new Promise((r) => setTimeout(r, 50));
    expect(runtime.log).toEqual(['ensure a:1', 'start c1 a', 'inspect c1']);
    runtime.exit('c1', 1);
    await until(() => runtime.log.includes('start c2 a'));
    await worker.shutdown();
  });

  it('replaces a container the returned engine no longer knows, and waits for an engine that is away at start', async () => {
    const { runtime, engine, worker, stream } = setup();
    engine.away('cannot reach the Docker engine at /fake.sock (ENOENT)');
    runtime.away = true;
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'error' && worker.lastError === 'cannot reach the Docker engine at /fake.sock (ENOENT)');
    expect(runtime.log).toEqual([]);
    runtime.away = false;
    engine.back();
    await until(() => worker.state === 'running');
    engine.away('gone');
    runtime.vanish();
    await until(() => worker.state === 'error');
    runtime.away = false;
    runtime.afterReturn.set('c1', 'gone');
    engine.back();
    await until(() => runtime.log.includes('start c2 a'));
    expect(runtime.log).toEqual(['ensure a:1', 'start c1 a', 'inspect c1', 'remove c1', 'requeue a:in 0', 'ensure a:1', 'start c2 a']);
    expect(worker.lastError).toBe('exited with code -1: it was gone when the Docker engine came back');
    await worker.shutdown();
  });
});
