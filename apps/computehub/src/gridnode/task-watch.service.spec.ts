import { MAX_TASK_WAIT_S, TaskCreateDto } from '@gridcore/contracts';
import { EventBus } from '../events/event-bus';
import { nodeEventData } from '../events/hub-event.fixture';
import type { CredentialBook } from '../join-tokens/credential-book';
import type { NodesService } from '../nodes/nodes.service';
import { TaskState } from '../tasks/task-record';
import { TaskStore } from '../tasks/task-store';
import { TasksService } from '../tasks/tasks.service';
import { TaskWatch } from './task-watch.service';

class MemoryTaskStore extends TaskStore {
  async load(): Promise<TaskState | null> {
    return null;
  }
  async save(): Promise<void> {}
  async ping(): Promise<void> {}
}

/** What TaskWatch asks of the node records: is a stop asked for this node, and was it scaled? */
class StopFlags {
  readonly stopping = new Set<string>();
  readonly scaled = new Map<string, number | null>();
  isStopRequested(id: string | undefined): boolean {
    return !!id && this.stopping.has(id);
  }
  find(id: string): { requested_parallelism?: number | null } | undefined {
    return this.scaled.has(id) ? { requested_parallelism: this.scaled.get(id) } : undefined;
  }
}

const dto = (name: string, extra: Partial<TaskCreateDto> = {}): TaskCreateDto => ({ name, image: 'img', ...extra }) as TaskCreateDto;
const flush = () => new Promise((resolve) => setImmediate(resolve));

async function watch() {
  const bus = new EventBus();
  const tasks = new TasksService(new MemoryTaskStore(), bus);
  await tasks.onModuleInit();
  const stops = new StopFlags();
  return { bus, tasks, stops, watch: new TaskWatch(tasks, stops as unknown as NodesService, bus, { isRevoked: () => false } as unknown as CredentialBook) };
}

/** Starts a long-poll and tells whether it has answered yet. */
function poll(w: TaskWatch, request: Parameters<TaskWatch['envelope']>[0], abort = new AbortController()) {
  let answered = false;
  const answer = w.envelope(request, abort.signal).finally(() => (answered = true));
  return { answer, answered: () => answered, abort };
}

describe('TaskWatch', () => {
  afterEach(() => jest.useRealTimers());

  it('answers at once without a revision, or when the revision already differs', async () => {
    const { tasks, watch: w } = await watch();
    await tasks.register(dto('a'));
    await expect(w.envelope({ wait: 30 }, new AbortController().signal)).resolves.toMatchObject({ revision: 1, stop_requested: false, task: { task_name: 'a', revision: 1 } });
    await expect(w.envelope({ wait: 30, revision: 0 }, new AbortController().signal)).resolves.toMatchObject({ revision: 1 });
  });

  it('holds a poll at the current revision until the running task changes, not on a task merely queued', async () => {
    const { tasks, watch: w } = await watch();
    await tasks.register(dto('a'));
    const p = poll(w, { wait: 30, revision: 1 });
    await tasks.register(dto('b'));
    await flush();
    expect(p.answered()).toBe(false);
    await tasks.finish('finish', {}, async () => ({}));
    await expect(p.answer).resolves.toMatchObject({ revision: 2, task: { task_name: 'b', revision: 2 } });
  });

  it('answers a held poll when a stop is asked for that node, and only that node', async () => {
    const { bus, stops, watch: w } = await watch();
    const mine = poll(w, { wait: 30, revision: 0, nodeId: 'n-1' });
    const other = poll(w, { wait: 30, revision: 0, nodeId: 'n-2' });
    stops.stopping.add('n-1');
    bus.publish('node.stopping', nodeEventData({ id: 'n-1', stopping: true }));
    await expect(mine.answer).resolves.toEqual({ revision: 0, stop_requested: true, task: null });
    await flush();
    expect(other.answered()).toBe(false);
    other.abort.abort();
    await expect(other.answer).resolves.toMatchObject({ stop_requested: false });
  });

  it('answers at once when a stop is already asked', async () => {
    const { stops, watch: w } = await watch();
    stops.stopping.add('n-1');
    await expect(w.envelope({ wait: 30, revision: 0, nodeId: 'n-1' }, new AbortController().signal)).resolves.toMatchObject({ stop_requested: true });
  });

  it('answers unchanged after the wait, and never waits longer than MAX_TASK_WAIT_S', async () => {
    jest.useFakeTimers();
    const { watch: w } = await watch();
    const short = poll(w, { wait: 2, revision: 0 });
    const long = poll(w, { wait: MAX_TASK_WAIT_S * 10, revision: 0 });
    await jest.advanceTimersByTimeAsync(1_999);
    expect(short.answered()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(short.answer).resolves.toEqual({ revision: 0, stop_requested: false, task: null });
    await jest.advanceTimersByTimeAsync(MAX_TASK_WAIT_S * 1000 - 2_001);
    expect(long.answered()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(long.answered()).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers when the caller goes away, and when the hub shuts down (also polls that come after)', async () => {
    const { bus, watch: w } = await watch();
    const gone = poll(w, { wait: 30, revision: 0 });
    gone.abort.abort();
    await expect(gone.answer).resolves.toMatchObject({ revision: 0 });
    const held = poll(w, { wait: 30, revision: 0 });
    bus.beforeApplicationShutdown();
    await expect(held.answer).resolves.toMatchObject({ revision: 0 });
    await expect(w.envelope({ wait: 30, revision: 0 }, new AbortController().signal)).resolves.toMatchObject({ revision: 0 });
  });

  it('gives each platform its own image, and no task to a platform the task has no image for', async () => {
    const { tasks, watch: w } = await watch();
    await tasks.register(dto('multi', { image: undefined, images: { 'linux/amd64': 'img-amd', 'linux/arm64': 'img-arm' } }));
    expect(w.currentConfig('linux/arm64')?.image).toBe('img-arm');
    expect(w.currentConfig('linux/amd64')?.image).toBe('img-amd');
    expect(w.currentConfig('windows/amd64')).toBeNull();
  });
});
