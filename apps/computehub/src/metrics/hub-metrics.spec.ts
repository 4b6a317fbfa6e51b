import { EventBus } from '../events/event-bus';
import { progressSample } from '../events/hub-event.fixture';
import type { NodeRecord } from '../nodes/node-record';
import { ProgressBoard } from '../progress/progress-board';
import { publicTask, recordFromDto } from '../tasks/task-views';
import type { NodesService } from '../nodes/nodes.service';
import type { TasksService } from '../tasks/tasks.service';
import { HubMetrics } from './hub-metrics';

const node = (id: string, status: 'Online' | 'Offline', runtime: NodeRecord['runtime_status'], containers: number) =>
  ({ id, hostname: `h-${id}`, online: status === 'Online', runtime_status: runtime, active_containers: containers }) as NodeRecord;

const sample = (done: number) =>
  progressSample({ pending: 10, in_flight: 2, done, dead: 1, output_length: done, items_per_s: 4, eta_s: 3, per_node: { a: done } });
const started = (id: string, name: string) => ({ ...publicTask(recordFromDto({ name, image: 'img' }, id, new Date().toISOString())), revision: 1 });

describe('HubMetrics', () => {
  let bus: EventBus;
  let board: ProgressBoard;
  let current: { id: string; name: string } | null;
  let metrics: HubMetrics;

  beforeEach(() => {
    bus = new EventBus();
    board = new ProgressBoard();
    current = null;
    const records = new Map([node('a', 'Online', 'Running', 3), node('b', 'Online', 'Idle', 1), node('c', 'Offline', 'Running', 5)].map((n) => [n.id, n]));
    const nodes = { records: () => records.values(), find: (id: string) => records.get(id) };
    const tasks = { current: () => current };
    metrics = new HubMetrics(bus, nodes as unknown as NodesService, tasks as unknown as TasksService, board);
    metrics.onModuleInit();
  });

  afterEach(() => metrics.onModuleDestroy());

  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = metrics.registry.getSingleMetric(name)!;
    const { values } = await metric.get();
    return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  };

  it('counts nodes by status and containers of online nodes only', async () => {
    await expect(value('gridcore_nodes', { status: 'online' })).resolves.toBe(2);
    await expect(value('gridcore_nodes', { status: 'offline' })).resolves.toBe(1);
    await expect(value('gridcore_nodes_runtime', { status: 'Running' })).resolves.toBe(1);
    await expect(value('gridcore_nodes_runtime', { status: 'Error' })).resolves.toBe(0);
    await expect(value('gridcore_containers_running')).resolves.toBe(4);
  });

  it('shows the running run\'s sample from the progress board only, and counts task starts', async () => {
    current = { id: 'run-2', name: 't' };
    board.set('run-1', sample(99)); // an older run of the same name
    await expect(value('gridcore_task_items', { state: 'done' })).resolves.toBeUndefined();
    board.set('run-2', sample(7));
    await expect(value('gridcore_task_items', { task: 't', state: 'done' })).resolves.toBe(7);
    await expect(value('gridcore_task_items_per_second', { task: 't' })).resolves.toBe(4);
    await expect(value('gridcore_task_dead_items', { task: 't' })).resolves.toBe(1);
    await expect(value('gridcore_node_items_processed', { node: 'a', hostname: 'h-a' })).resolves.toBe(7);
    // An id no node registered with never becomes a series.
    board.set('run-2', { ...sample(8), per_node: { a: 8, 'node:made-up': 1 } });
    const series = (await metrics.registry.getSingleMetric('gridcore_node_items_processed')!.get()).values;
    expect(series.map((v) => v.labels.node)).toEqual(['a']);
    // A failed sample keeps its figures and says so.
    board.fail('run-2', 'no answer', Date.now());
    await expect(value('gridcore_task_progress_error', { task: 't' })).resolves.toBe(1);
    await expect(value('gridcore_task_items', { task: 't', state: 'done' })).resolves.toBe(8);
    bus.publish('task.started', started('run-3', 'u'));
    current = { id: 'run-3', name: 'u' };
    await expect(value('gridcore_task_items', { state: 'done' })).resolves.toBeUndefined();
    await expect(value('gridcore_task_switches_total')).resolves.toBe(1);
  });
});
