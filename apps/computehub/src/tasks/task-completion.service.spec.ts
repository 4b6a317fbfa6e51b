import type { TaskCreateDto, TypedHubEvent } from '@gridcore/contracts';
import { ConflictError } from '../errors/conflict.error';
import { StateUnavailableError } from '../errors/state-unavailable.error';
import { EventBus } from '../events/event-bus';
import { progressSample } from '../events/hub-event.fixture';
import { ProgressBoard } from '../progress/progress-board';
import { MemoryTaskStore } from './memory-task-store.fixture';
import { RunLeftovers } from './run-leftovers';
import { TaskCompletion } from './task-completion.service';
import type { TaskRecord } from './task-record';
import type { CompletionFacts } from './tasks.service';
import { TasksService } from './tasks.service';

/** Says each run left as many pending items as its name is long; a read can be held open. */
class FakeLeftovers extends RunLeftovers {
  readonly reads: string[] = [];
  hold = false;
  private held: Array<() => void> = [];

  async read(run: TaskRecord): Promise<CompletionFacts> {
    this.reads.push(run.name);
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    return { left: { pending: run.name.length, in_flight: 1 }, final_progress: progressSample({ pending: run.name.length, done: 5 }) };
  }

  release(): void {
    this.held.shift()?.();
  }

  get waiting(): number {
    return this.held.length;
  }
}

const dto = (name: string): TaskCreateDto => ({ name, image: 'img' }) as TaskCreateDto;
const flush = () => new Promise((resolve) => setImmediate(resolve));

async function completion() {
  const journal: string[] = [];
  const store = new MemoryTaskStore(journal);
  const bus = new EventBus();
  const tasks = new TasksService(store, bus);
  await tasks.onModuleInit();
  const leftovers = new FakeLeftovers();
  const board = new ProgressBoard();
  const events: TypedHubEvent[] = [];
  // What a listener reads back when the event reaches it, as the dashboard refetches on task events.
  const seenOnFinish: Array<TaskRecord['left']> = [];
  bus.events$.subscribe((event) => {
    events.push(event);
    if (event.type === 'task.finished') seenOnFinish.push(tasks.view().state.tasks.find((t) => t.id === event.data.id)!.left);
  });
  return { tasks, store, bus, leftovers, board, events, seenOnFinish, journal, completion: new TaskCompletion(tasks, leftovers, board) };
}

describe('TaskCompletion', () => {
  it('a finish records what the run left in the change that completes it: the save, the event and a read on it all carry it', async () => {
    const { tasks, store, completion: c, events, seenOnFinish, board } = await completion();
    const a = await tasks.register(dto('fa'));
    await tasks.register(dto('fbb'));
    board.set(a.id, progressSample({ pending: 9 }));
    store.saves.length = 0;
    const transition = await c.complete('finish', { name: 'fa' });
    expect(transition.completed).toMatchObject({ name: 'fa', completed_by: 'finish', left: { pending: 2, in_flight: 1 } });
    expect(transition.started?.name).toBe('fbb');
    // One save, and the completed record is in it with its facts.
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0].tasks[0]).toMatchObject({ status: 'completed', left: { pending: 2, in_flight: 1 }, final_progress: { pending: 2, done: 5 } });
    const finished = events.find((e) => e.type === 'task.finished');
    expect(finished?.data).toMatchObject({ name: 'fa', left: { pending: 2, in_flight: 1 }, progress: { pending: 2, done: 5 } });
    expect(seenOnFinish).toEqual([{ pending: 2, in_flight: 1 }]);
    // The live sample of the completed run is dropped: its record's final figures show from now on.
    expect(board.get(a.id)).toBeNull();
  });

  it('reads the leftovers inside the serialised change: the run stays running until they are in, and the next finish waits', async () => {
    const { tasks, completion: c, leftovers, seenOnFinish } = await completion();
    for (const name of ['fa', 'fbb', 'fcccc']) await tasks.register(dto(name));
    leftovers.hold = true;
    const first = c.complete('finish');
    const second = c.complete('finish');
    await flush();
    expect(leftovers.waiting).toBe(1);
    expect(leftovers.reads).toEqual(['fa']);
    expect(tasks.current()?.name).toBe('fa');
    expect(tasks.get('fa').status).toBe('running');
    leftovers.release();
    expect((await first).completed?.name).toBe('fa');
    await flush();
    // Two finishes without a name complete two tasks, as the original, each with its own leftovers.
    expect(leftovers.reads).toEqual(['fa', 'fbb']);
    leftovers.release();
    expect((await second).completed).toMatchObject({ name: 'fbb', left: { pending: 3, in_flight: 1 } });
    expect(seenOnFinish).toEqual([{ pending: 2, in_flight: 1 }, { pending: 3, in_flight: 1 }]);
    expect(tasks.current()?.name).toBe('fcccc');
  });

  it('next records the leftovers the same way; with nothing running it reads none', async () => {
    const { tasks, completion: c, leftovers } = await completion();
    await expect(c.complete('next')).resolves.toEqual({ completed: null, started: null });
    expect(leftovers.reads).toEqual([]);
    await tasks.register(dto('na'));
    const transition = await c.complete('next');
    expect(transition.completed).toMatchObject({ name: 'na', completed_by: 'next', left: { pending: 2, in_flight: 1 } });
    expect(tasks.get('na').left).toEqual({ pending: 2, in_flight: 1 });
  });

  it('a finish that names another run reads nothing, saves nothing and keeps the live sample', async () => {
    const { tasks, store, completion: c, leftovers, board } = await completion();
    const a = await tasks.register(dto('fa'));
    board.set(a.id, progressSample({ pending: 4 }));
    store.saves.length = 0;
    await expect(c.complete('finish', { name: 'fb' })).rejects.toThrow(new ConflictError('Task fb is not the running task: fa is running'));
    expect(leftovers.reads).toEqual([]);
    expect(store.saves).toEqual([]);
    expect(board.get(a.id)).toMatchObject({ pending: 4 });
  });

  it('a failed save leaves the run running, unannounced, with its live sample', async () => {
    const { tasks, store, completion: c, board, events } = await completion();
    const a = await tasks.register(dto('fa'));
    board.set(a.id, progressSample({ pending: 4 }));
    events.length = 0;
    store.failNext = true;
    await expect(c.complete('finish')).rejects.toThrow(StateUnavailableError);
    expect(tasks.get('fa')).toMatchObject({ status: 'running', left: null });
    expect(events).toEqual([]);
    expect(board.get(a.id)).toMatchObject({ pending: 4 });
  });

  it('auto-finish records the drained lists and the deciding sample without reading the queues again', async () => {
    const { tasks, completion: c, leftovers, board, events } = await completion();
    const a = await tasks.register(dto('aa'));
    board.set(a.id, progressSample({ done: 40, items_per_s: 3, eta_s: null }));
    const transition = await c.autoFinish(a.id);
    expect(transition?.completed).toMatchObject({ completed_by: 'auto_finish', left: { pending: 0, in_flight: 0 }, final_progress: { done: 40, eta_s: 0 } });
    expect(leftovers.reads).toEqual([]);
    expect(events.find((e) => e.type === 'task.finished')?.data).toMatchObject({ left: { pending: 0, in_flight: 0 } });
    expect(board.get(a.id)).toBeNull();
  });

  it('auto-finish of a run an operator already completed is null and changes nothing', async () => {
    const { tasks, store, completion: c } = await completion();
    const a = await tasks.register(dto('aa'));
    await tasks.register(dto('bb'));
    await c.complete('finish', { name: 'aa' });
    store.saves.length = 0;
    await expect(c.autoFinish(a.id)).resolves.toBeNull();
    expect(store.saves).toEqual([]);
    expect(tasks.current()?.name).toBe('bb');
  });
});
