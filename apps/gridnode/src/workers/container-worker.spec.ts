import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import { ContainerDetails, ContainerExit, ContainerRuntime, ContainerSpec, ImageNotFoundError, ManagedContainer } from '@gridcore/docker-runtime';
import { QueueRef, SlotQueue, SlotRef } from '../queue/slot-queue';
import { TaskStream } from '../task/task-stream';
import { ContainerWorker } from './container-worker';
import { NodeFacts } from './container-plan';
import { DEFAULT_RESTART_POLICY, RestartTracker } from './restart-tracker';

/** Records every call in one ordered log, so ordering invariants can be pinned. */
class FakeRuntime extends ContainerRuntime {
  log: string[] = [];
  specs: ContainerSpec[] = [];
  private exits = new Map<string, (exit: ContainerExit) => void>();
  private seq = 0;
  missingImages = new Set<string>();

  async ping() {}
  async ensureImage(image: string) {
    this.log.push(`ensure ${image}`);
    if (this.missingImages.has(image)) throw new ImageNotFoundError(image, 'no registry');
  }
  async create(spec: ContainerSpec) {
    this.specs.push(spec);
    return `c${++this.seq}`;
  }
  async startCreated() {}
  async start(spec: ContainerSpec) {
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
    return new Promise((resolve) => this.exits.set(id, resolve));
  }
  exit(id: string, exitCode: number) {
    this.exits.get(id)?.({ exitCode, oomKilled: false });
  }
  async inspect(): Promise<ContainerDetails> {
    throw new Error('not used');
  }
  async listManaged(): Promise<ManagedContainer[]> {
    return [];
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
  async close() {}
}

function task(name: string, revision: number, over: Partial<TaskConfigDto> = {}): TaskConfigDto {
  return {
    task_name: name,
    image: `${name}:1`,
    redis_url: null,
    input_redis: 'redis://127.0.0.1:6379',
    output_redis: null,
    input_queue: `${name}:in`,
    output_queue: null,
    env: {},
    cpus: 1,
    memory_mb: null,
    gpus: 0,
    max_containers_per_node: null,
    max_attempts: 3,
    batch_timeout_s: 600,
    revision,
    ...over,
  };
}

const node: NodeFacts = { nodeId: 'n1', cpuCount: 2, gpuCount: 0, parallelism: 1, containerMemoryMb: 64, networkMode: 'host' };
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

function setup(policy = { ...DEFAULT_RESTART_POLICY, baseDelayMs: 20 }) {
  const runtime = new FakeRuntime();
  const queue = new FakeQueue(runtime.log);
  const stream = new TaskStream();
  const worker = new ContainerWorker(0, {
    runtime,
    queue,
    stream,
    node: () => node,
    stopTimeoutS: 5,
    tracker: new RestartTracker(policy, () => 0.5),
    pendingPollMs: 10,
  });
  worker.start();
  return { runtime, queue, stream, worker };
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
    const second = new ContainerWorker(1, { runtime, queue: new FakeQueue(runtime.log), stream, node: () => node, stopTimeoutS: 1 });
    second.start();
    stream.offer(1, task('a', 1));
    await until(() => worker.state === 'running');
    expect(second.status()).toBeNull();
    await Promise.all([worker.shutdown(), second.shutdown()]);
  });
});
