import type { TaskCreateDto, TypedHubEvent } from '@gridcore/contracts';
import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { NotFoundError } from '../errors/not-found.error';
import { StateUnavailableError } from '../errors/state-unavailable.error';
import { EventBus } from '../events/event-bus';
import { MemoryTaskStore } from './memory-task-store.fixture';
import { TaskState } from './task-record';
import { TasksService } from './tasks.service';

const dto = (name: string): TaskCreateDto => ({ name, image: 'img' }) as TaskCreateDto;
const flush = () => new Promise((resolve) => setImmediate(resolve));
/** A run that left nothing the test cares about. */
const noFacts = async () => ({});

async function service(initial: TaskState | null = null) {
  const journal: string[] = [];
  const store = new MemoryTaskStore(journal, initial);
  const bus = new EventBus();
  const events: TypedHubEvent[] = [];
  bus.events$.subscribe((event) => {
    events.push(event);
    journal.push(`publish ${event.type} ${'name' in event.data ? event.data.name : '?'}`);
  });
  const tasks = new TasksService(store, bus);
  await tasks.onModuleInit();
  return { tasks, store, bus, events, journal };
}

describe('TasksService', () => {
  it('saves each change before announcing it, registered before started', async () => {
    const { tasks, journal } = await service();
    await tasks.register(dto('a'));
    await tasks.register(dto('b'));
    expect(journal).toEqual(['save r1 a:running', 'publish task.registered a', 'publish task.started a', 'save r1 a:running,b:pending', 'publish task.registered b']);
  });

  it('announces finished before the started it caused, both with the new revision', async () => {
    const { tasks, events, store } = await service();
    await tasks.register(dto('a'));
    await tasks.register(dto('b'));
    events.length = 0;
    const transition = await tasks.finish('finish', {}, noFacts);
    expect([transition.completed?.name, transition.started?.name]).toEqual(['a', 'b']);
    expect(events.map((e) => [e.type, 'name' in e.data && e.data.name, 'revision' in e.data && e.data.revision])).toEqual([
      ['task.finished', 'a', 2],
      ['task.started', 'b', 2],
    ]);
    expect(store.saved?.current_id).toBe(transition.started?.id);
    expect(tasks.revision).toBe(2);
  });

  it('a failed save changes nothing, announces nothing, and the next change still runs', async () => {
    const { tasks, store, events } = await service();
    await tasks.register(dto('a'));
    await tasks.register(dto('b'));
    const before = structuredClone(store.saved);
    events.length = 0;
    store.failNext = true;
    await expect(tasks.finish('finish', {}, noFacts)).rejects.toThrow(StateUnavailableError);
    // The draft was a copy: the record the hub serves was not half-completed in place.
    expect(tasks.current()?.name).toBe('a');
    expect(tasks.current()?.status).toBe('running');
    expect(tasks.current()?.completed_at).toBeNull();
    expect(tasks.get('b').status).toBe('pending');
    expect(tasks.revision).toBe(1);
    expect(events).toEqual([]);
    expect(store.saved).toEqual(before);
    // The queue of changes is not poisoned by the failure.
    expect((await tasks.finish('finish', {}, noFacts)).completed?.name).toBe('a');
    expect(tasks.current()?.name).toBe('b');
  });

  it('a failed save of a registration leaves the name free', async () => {
    const { tasks, store, events } = await service();
    store.failNext = true;
    await expect(tasks.register(dto('a'))).rejects.toThrow(new StateUnavailableError('the task state could not be saved; nothing was changed'));
    expect(() => tasks.get('a')).toThrow(NotFoundError);
    expect(events).toEqual([]);
    expect((await tasks.register(dto('a'))).status).toBe('running');
  });

  it('runs one change at a time: the second waits for the first save, then sees its result', async () => {
    const { tasks, store, journal } = await service();
    store.hold = true;
    const a = tasks.register(dto('a'));
    const b = tasks.register(dto('b'));
    await flush();
    expect(store.waiting).toBe(1);
    expect(journal).toEqual(['save r1 a:running']);
    store.release();
    await a;
    await flush();
    expect(store.waiting).toBe(1);
    store.release();
    expect((await b).status).toBe('pending');
    expect(journal.filter((l) => l.startsWith('save'))).toEqual(['save r1 a:running', 'save r1 a:running,b:pending']);
  });

  it('two finishes sent at once without a name complete two tasks in order, as the original', async () => {
    const { tasks } = await service();
    for (const name of ['fa', 'fb', 'fc']) await tasks.register(dto(name));
    const [first, second] = await Promise.all([tasks.finish('finish', {}, noFacts), tasks.finish('finish', {}, noFacts)]);
    expect([first.completed?.name, first.started?.name]).toEqual(['fa', 'fb']);
    expect([second.completed?.name, second.started?.name]).toEqual(['fb', 'fc']);
  });

  it('two finishes of the same name sent at once complete one task; the other is a conflict naming the runner', async () => {
    const { tasks, store, events } = await service();
    for (const name of ['fa', 'fb', 'fc']) await tasks.register(dto(name));
    events.length = 0;
    const outcomes = await Promise.allSettled([tasks.finish('finish', { name: 'fa' }, noFacts), tasks.finish('finish', { name: 'fa' }, noFacts)]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { completed: { name: 'fa' }, started: { name: 'fb' } } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: new ConflictError('Task fa is not the running task: fb is running') });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(tasks.current()?.name).toBe('fb');
    expect(store.saved?.tasks.map((t) => t.status)).toEqual(['completed', 'running', 'pending']);
    expect(events.map((e) => e.type)).toEqual(['task.finished', 'task.started']);
  });

  it('a refused change is not saved', async () => {
    const { tasks, journal } = await service();
    await tasks.register(dto('a'));
    journal.length = 0;
    await expect(tasks.finish('finish', { id: 'another-run' }, noFacts)).rejects.toThrow('Task run another-run is not the running task: a is running');
    await expect(tasks.register(dto('a'))).rejects.toThrow(new ConflictError('Task a is already running'));
    await expect(tasks.remove('a')).rejects.toThrow(ConflictError);
    expect(journal).toEqual([]);
  });

  it('finish by run id completes that run, and the facts known land in the same save and event', async () => {
    const { tasks, store, events } = await service();
    const a = await tasks.register(dto('a'));
    const left = { input: 0, retry: 0, in_flight: 0, dead: 0, output: 7 } as never;
    const transition = await tasks.finish('auto_finish', { id: a.id }, async () => ({ left }));
    expect(transition.completed).toMatchObject({ name: 'a', completed_by: 'auto_finish', left });
    expect(store.saved?.tasks[0]).toMatchObject({ status: 'completed', completed_by: 'auto_finish', left });
    expect(events.at(-1)).toMatchObject({ type: 'task.finished', data: { name: 'a', revision: 2 } });
    expect(tasks.current()).toBeNull();
  });

  it('next with nothing running or pending changes nothing; with a running task it completes it by next', async () => {
    const { tasks } = await service();
    await expect(tasks.finish('next', {}, noFacts)).resolves.toEqual({ completed: null, started: null });
    expect(tasks.revision).toBe(0);
    await tasks.register(dto('a'));
    expect((await tasks.finish('next', {}, noFacts)).completed?.completed_by).toBe('next');
  });

  it('admit runs inside the change, sees the records held, and when it throws nothing is saved', async () => {
    const { tasks, journal } = await service();
    await tasks.register(dto('a'));
    journal.length = 0;
    let seen: string[] = [];
    const refuse = (_: unknown, held: readonly { name: string }[]) => {
      seen = held.map((t) => t.name);
      throw new ConflictError('prefix taken');
    };
    await expect(tasks.register(dto('b'), refuse)).rejects.toThrow('prefix taken');
    expect(seen).toEqual(['a']);
    expect(journal).toEqual([]);
    expect(() => tasks.get('b')).toThrow(new NotFoundError('Task b not found'));
  });

  it('refuses a task with no image before anything is queued', async () => {
    const { tasks, journal } = await service();
    expect(() => tasks.register({ name: 'x' } as TaskCreateDto)).toThrow(new InvalidRequestError('image or images is required'));
    expect(() => tasks.register({ name: 'x', images: {} } as TaskCreateDto)).toThrow(InvalidRequestError);
    expect(journal).toEqual([]);
  });

  it('remove announces each removed record and keeps the revision', async () => {
    const { tasks, events } = await service();
    await tasks.register(dto('a'));
    await tasks.register(dto('b'));
    events.length = 0;
    expect((await tasks.remove('b')).map((t) => t.name)).toEqual(['b']);
    expect(events.map((e) => e.type)).toEqual(['task.removed']);
    expect(tasks.revision).toBe(1);
  });

  it('annotate patches only the record named, with no event and no revision move', async () => {
    const { tasks, store, events } = await service();
    const a = await tasks.register(dto('a'));
    events.length = 0;
    await tasks.annotate(a.id, { queue_config_at: '2026-01-01T00:00:00.000Z' });
    await tasks.annotate('unknown', { queue_config_at: 'x' });
    expect(store.saved?.tasks[0].queue_config_at).toBe('2026-01-01T00:00:00.000Z');
    expect(tasks.get('a').queue_config_at).toBe('2026-01-01T00:00:00.000Z');
    expect(events).toEqual([]);
    expect(tasks.revision).toBe(1);
  });

  it('starts from the saved state', async () => {
    const first = await service();
    await first.tasks.register(dto('a'));
    await first.tasks.register(dto('b'));
    await first.tasks.finish('finish', {}, noFacts);
    const again = await service(first.store.saved);
    expect(again.tasks.revision).toBe(2);
    expect(again.tasks.current()?.name).toBe('b');
    expect(again.tasks.get('a').status).toBe('completed');
  });
});
