import type { HubEvent, NodeRecordDto, TaskListDto, TaskProgressDto, TaskRecordDto } from '@gridcore/contracts';
import { applyEvent, EMPTY_STATE, lastErrorOf, progressOf, queueIdle, refetchesTasks, THROUGHPUT_WINDOW_MS, withHistory, withSnapshot } from './dashboard-state';

const node = (id: string, extra: Partial<NodeRecordDto> = {}): NodeRecordDto =>
  ({ id, hostname: `host-${id}`, status: 'Online', instances: [], ...extra }) as NodeRecordDto;
const sample = (extra: Partial<TaskProgressDto> = {}): TaskProgressDto =>
  ({ pending: 10, in_flight: 1, done: 5, dead: 0, requeued: 0, output_length: 5, items_per_s: 2, eta_s: 5, per_node: {}, sampled_at: '2026-01-01T00:00:00.000Z', error: null, ...extra });
const ev = (type: HubEvent['type'], data: unknown, at = 1_000_000): HubEvent => ({ type, at, data });

describe('dashboard state', () => {
  it('upserts and removes nodes from node events', () => {
    let s = withSnapshot(EMPTY_STATE, [node('a')], null);
    s = applyEvent(s, ev('node.updated', node('a', { hostname: 'renamed' })));
    s = applyEvent(s, ev('node.registered', node('b')));
    expect(Object.values(s.nodes).map((n) => n.hostname)).toEqual(['renamed', 'host-b']);
    s = applyEvent(s, ev('node.deregistered', node('b', { status: 'Offline' })));
    expect(s.nodes.b.status).toBe('Offline');
    s = applyEvent(s, ev('node.removed', node('a')));
    expect(Object.keys(s.nodes)).toEqual(['b']);
  });

  it('fills the throughput from the hub history without doubling what the stream brought', () => {
    const now = Date.parse('2026-01-01T00:10:00.000Z');
    let s = applyEvent(EMPTY_STATE, ev('progress', { task: 't', ...sample({ items_per_s: 9 }) }, now - 1000));
    const h = (msAgo: number, v: number) => ({ at: new Date(now - msAgo).toISOString(), task: 't', task_id: 'r', items_per_s: v, done: 0, pending: 0, in_flight: 0 });
    const h2 = (msAgo: number, v: number) => ({ ...h(msAgo, v), pending: 4 });
    s = withHistory(s, [h2(THROUGHPUT_WINDOW_MS + 5000, 1), h2(60_000, 2), h2(1000, 9), h(500, 7)], now);
    // The last one drained its queue: it plots as 0, not the sliding window's 7/s.
    expect(s.throughput.map((x) => x.items_per_s)).toEqual([2, 9, 0]);
  });

  it('calls a queue with nothing pending or in flight idle', () => {
    expect(queueIdle(sample({ pending: 0, in_flight: 0 }))).toBe(true);
    expect(queueIdle(sample({ pending: 0, in_flight: 1 }))).toBe(false);
    expect(queueIdle(sample({ pending: 0, in_flight: 0, error: 'down' }))).toBe(false);
    // Empty lists between samples while items are being done (fast workers): not idle.
    expect(queueIdle({ ...sample({ pending: 0, in_flight: 0 }), moved: true })).toBe(false);
  });

  it('keeps the latest progress per task and a bounded throughput window', () => {
    let s = EMPTY_STATE;
    s = applyEvent(s, ev('progress', { task: 't', ...sample({ items_per_s: 1 }) }, 1000));
    s = applyEvent(s, ev('progress', { task: 't', ...sample({ items_per_s: 3, error: 'down' }) }, 2000));
    s = applyEvent(s, ev('progress', { task: 't', ...sample({ items_per_s: 4 }) }, 1000 + THROUGHPUT_WINDOW_MS + 1));
    expect(s.progress.t.items_per_s).toBe(4);
    expect(s.throughput.map((x) => x.items_per_s)).toEqual([4]);
  });

  it('asks for a refetch on task events only', () => {
    expect(refetchesTasks(ev('task.started', {}))).toBe(true);
    expect(refetchesTasks(ev('node.online', node('x')))).toBe(false);
    expect(refetchesTasks(ev('progress', {}))).toBe(false);
  });

  it('prefers the newer of the record\'s and the stream\'s progress for the running task', () => {
    const older = sample({ done: 1, sampled_at: '2026-01-01T00:00:00.000Z' });
    const newer = sample({ done: 9, sampled_at: '2026-01-01T00:00:05.000Z' });
    const task = { name: 't', status: 'running', progress: older } as TaskRecordDto;
    const list = { current: 't', pending: [], completed: [], tasks: [task] } as TaskListDto;
    let s = withSnapshot(EMPTY_STATE, null, list);
    expect(progressOf(s, task)?.done).toBe(1);
    s = applyEvent(s, ev('progress', { task: 't', ...newer }));
    expect(progressOf(s, task)?.done).toBe(9);
    const run = { started_at: '2026-01-01T00:00:01.000Z', progress: null };
    expect(progressOf(s, { ...task, ...run, status: 'completed', completed_at: '2026-01-01T00:00:09.000Z' })?.done).toBe(9);
    expect(progressOf(s, { ...task, ...run, status: 'completed', completed_at: '2026-01-01T00:00:04.000Z' })).toBeNull();
  });

  it('shows an erroring instance\'s last error first', () => {
    const n = node('a', {
      instances: [
        { instance: 0, state: 'running', restarts: 0, last_error: 'old' },
        { instance: 1, state: 'backoff', restarts: 2, last_error: 'image not found' },
      ] as NodeRecordDto['instances'],
    });
    expect(lastErrorOf(n)).toBe('image not found');
    expect(lastErrorOf(node('b'))).toBeNull();
  });
});
