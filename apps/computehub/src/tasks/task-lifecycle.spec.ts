import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { NotFoundError } from '../errors/not-found.error';
import { TaskLifecycle } from './task-lifecycle';
import { EMPTY_TASK_STATE, TaskRecord } from './task-record';
import { recordFromDto } from './task-views';

let seq = 0;
const task = (name: string): TaskRecord => recordFromDto({ name, image: 'img' }, `id-${++seq}`, '2026-01-01T00:00:00.000Z');
const fresh = () => new TaskLifecycle(structuredClone(EMPTY_TASK_STATE));

describe('TaskLifecycle', () => {
  it('starts the first task at once and queues the rest', () => {
    const lc = fresh();
    expect(lc.register(task('a')).started?.name).toBe('a');
    expect(lc.register(task('b')).started).toBeNull();
    expect(lc.current()?.name).toBe('a');
    expect(lc.pending().map((t) => t.name)).toEqual(['b']);
    expect(lc.state.revision).toBe(1);
  });

  it('moves the revision once per change of the current task, never on queueing or removal', () => {
    const lc = fresh();
    lc.register(task('a'));
    lc.register(task('b'));
    lc.register(task('c'));
    lc.remove('c');
    expect(lc.state.revision).toBe(1);
    lc.finish('t', 'finish');
    expect(lc.state.revision).toBe(2);
    lc.finish('t', 'finish');
    expect(lc.state.revision).toBe(3);
    expect(lc.current()).toBeNull();
  });

  it('refuses a name held by a pending or running task, but allows a new run of a completed one', () => {
    const lc = fresh();
    lc.register(task('a'));
    expect(() => lc.register(task('a'))).toThrow(ConflictError);
    lc.finish('t', 'finish');
    expect(lc.register(task('a')).started?.name).toBe('a');
    expect(lc.state.tasks.filter((t) => t.name === 'a').map((t) => t.status)).toEqual(['completed', 'running']);
    expect(lc.latest('a')?.status).toBe('running');
  });

  it('finish without a current task is the original 400', () => {
    expect(() => fresh().finish('t', 'finish')).toThrow(new InvalidRequestError('No current task running'));
  });

  it('next completes the current task even when nothing follows', () => {
    const lc = fresh();
    lc.register(task('a'));
    const t = lc.next('t');
    expect(t.completed?.name).toBe('a');
    expect(t.started).toBeNull();
    expect(lc.current()).toBeNull();
    expect(lc.completed()[0].completed_by).toBe('next');
  });

  it('removes a pending run first, else the completed records, never a running task', () => {
    const lc = fresh();
    lc.register(task('a'));
    expect(() => lc.remove('a')).toThrow(ConflictError);
    expect(() => lc.remove('zzz')).toThrow(NotFoundError);
    lc.finish('t', 'finish');
    lc.register(task('b'));
    lc.register(task('a'));
    expect(lc.remove('a').map((t) => t.status)).toEqual(['pending']);
    expect(lc.remove('a').map((t) => t.status)).toEqual(['completed']);
    expect(lc.state.tasks.map((t) => t.name)).toEqual(['b']);
  });

  it('completes a named task only while it runs, and says which runs otherwise', () => {
    const lc = fresh();
    for (const name of ['fa', 'fb', 'fc']) lc.register(task(name));
    expect(lc.finish('t', 'finish', { name: 'fa' }).started?.name).toBe('fb');
    expect(() => lc.finish('t', 'finish', { name: 'fa' })).toThrow(new ConflictError('Task fa is not the running task: fb is running'));
    expect(lc.current()?.name).toBe('fb');
    expect(() => lc.next('t', { name: 'fc' })).toThrow(ConflictError);
    const fbId = lc.current()!.id;
    expect(lc.next('t', { id: fbId }).completed?.name).toBe('fb');
    expect(() => lc.finish('t', 'auto_finish', { id: fbId })).toThrow(new ConflictError(`Task run ${fbId} is not the running task: fc is running`));
    lc.finish('t', 'finish', { name: 'fc' });
    expect(() => lc.finish('t', 'finish', { name: 'fc' })).toThrow(new ConflictError('Task fc is not the running task: no task is running'));
    expect(() => lc.next('t', { name: 'fc' })).toThrow(ConflictError);
    expect(lc.completed().map((t) => t.completed_by)).toEqual(['finish', 'next', 'finish']);
  });

  describe('order of pending tasks', () => {
    const names = (lc: TaskLifecycle) => lc.pending().map((t) => t.name);
    const withPriority = (name: string, priority: number) => ({ ...task(name), priority });

    it('puts higher priority first, equal priorities in registration order, records without one at 0', () => {
      const lc = fresh();
      lc.register(task('run'));
      const legacy = task('legacy');
      delete legacy.priority;
      lc.register(legacy);
      lc.register(withPriority('neg', -1));
      lc.register(withPriority('hi', 3));
      lc.register(withPriority('hi2', 3));
      expect(names(lc)).toEqual(['hi', 'hi2', 'legacy', 'neg']);
      expect(lc.finish('t', 'finish').started?.name).toBe('hi');
    });

    it('moves before and after, taking the neighbour\'s priority; never changes the revision', () => {
      const lc = fresh();
      ['run', 'a', 'b', 'c'].forEach((n) => lc.register(task(n)));
      lc.setPriority('a', 4);
      expect(names(lc)).toEqual(['a', 'b', 'c']);
      expect(lc.move('c', { before: 'a' }).priority).toBe(4);
      expect(names(lc)).toEqual(['c', 'a', 'b']);
      lc.move('c', { after: 'b' });
      expect(names(lc)).toEqual(['a', 'b', 'c']);
      expect(lc.state.revision).toBe(1);
      expect(() => lc.move('c', { after: 'c' })).toThrow(InvalidRequestError);
      expect(() => lc.move('run', { after: 'c' })).toThrow(ConflictError);
      expect(() => lc.move('zz', { after: 'c' })).toThrow(NotFoundError);
    });
  });
});
