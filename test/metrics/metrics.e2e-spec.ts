import type { NodeRecordDto, TaskListDto } from '@gridcore/contracts';
import { QueueKeys, resolveWorkerSettings, Worker } from '@gridcore/queue';
import { ProgressBoard } from '../../apps/computehub/src/progress/progress-board';
import { NodesService } from '../../apps/computehub/src/nodes/nodes.service';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { HubWithRedis, startHubWithRedis } from '../support/hub-with-redis';
import { waitFor } from '../support/ports';
import { RunningRedis, startRedis } from '../support/redis-server';
import { hubCall, SimNode } from '../dashboard/support/grid';
import { parsePrometheus, Sample, valueOf } from './prometheus-text';

async function scrapeHub(hub: TestHub): Promise<Sample[]> {
  const res = await fetch(`${hub.url}/metrics`, { headers: bearer(TOKENS.viewer) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

describe('GET /metrics', () => {
  let redis: RunningRedis;
  let hub: TestHub;

  beforeAll(async () => {
    redis = await startRedis();
    // Progress comes from samples published on the bus below; the hub's own sampler (every
    // progress_interval_s) is held off so it cannot replace them between publish and scrape.
    hub = await startTestHub({ progress_interval_s: 3600 });
  });

  afterAll(async () => {
    await hub?.close();
    await redis?.stop();
  });

  const scrape = () => scrapeHub(hub);
  const api = <T>(path: string) => hubCall<T>(hub.url, 'GET', path, TOKENS.viewer);

  it('wants a viewer token unless metrics_public is set', async () => {
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${hub.url}/metrics`, { headers: bearer(TOKENS.node) })).status).toBe(403);
    expect((await fetch(`${hub.url}/metrics`, { headers: bearer(TOKENS.admin) })).status).toBe(200);
    const open = await startTestHub({ metrics_public: true });
    try {
      const res = await fetch(`${open.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('gridcore_nodes{status="online"}');
    } finally {
      await open.close();
    }
  });

  it('counts nodes and containers as GET /api/nodes shows them', async () => {
    const [running, idle, gone] = ['m-running', 'm-idle', 'm-gone'].map((h) => new SimNode(hub.url, { hostname: h }));
    for (const n of [running, idle, gone]) await n.register();
    // Everyone falls silent past node_offline_after_s; two come back with a heartbeat.
    await hub.app.get(NodesService).sweep(Date.now() + hub.config.values.node_offline_after_s * 1000 + 1000);
    await running.heartbeat({ status: 'Running', active_containers: 3 });
    await idle.heartbeat({ status: 'Idle', active_containers: 1 });

    const nodes = await api<NodeRecordDto[]>('/api/nodes');
    const metrics = await scrape();
    const online = nodes.filter((n) => n.status === 'Online');
    expect(online.map((n) => n.hostname).sort()).toEqual(['m-idle', 'm-running']);
    expect(valueOf(metrics, 'gridcore_nodes', { status: 'online' })).toBe(online.length);
    expect(valueOf(metrics, 'gridcore_nodes', { status: 'offline' })).toBe(nodes.length - online.length);
    expect(valueOf(metrics, 'gridcore_nodes_runtime', { status: 'Running' })).toBe(online.filter((n) => n.runtime_status === 'Running').length);
    expect(valueOf(metrics, 'gridcore_nodes_runtime', { status: 'Idle' })).toBe(1);
    expect(valueOf(metrics, 'gridcore_containers_running')).toBe(online.reduce((s, n) => s + n.active_containers, 0));
    expect(valueOf(metrics, 'gridcore_containers_running')).toBe(4);
  });

  it('shows the running task\'s queue, rate, dead items and per-node counts, and counts task switches', async () => {
    const before = valueOf(await scrape(), 'gridcore_task_switches_total')!;
    for (const name of ['m-sweep-a', 'm-sweep-b']) {
      await hubCall(hub.url, 'POST', '/api/tasks', TOKENS.admin, {
        name,
        image: 'gridcore/example-worker:1',
        input_redis: redis.url,
        input_queue: `${name}:in`,
      });
    }
    let list = await api<TaskListDto>('/api/tasks');
    expect(list.current).toBe('m-sweep-a');
    expect(valueOf(await scrape(), 'gridcore_task_switches_total')).toBe(before + 1);

    const nodes = await api<NodeRecordDto[]>('/api/nodes');
    const [a, b] = nodes;
    const sample = {
      pending: 120, in_flight: 6, done: 74, dead: 2, requeued: 3, output_length: 74, items_per_s: 12.5, eta_s: 9.6,
      per_node: { [a.id]: 50, [b.id]: 24 }, sampled_at: new Date().toISOString(), error: null,
    };
    const runOf = (name: string) => list.tasks.find((t) => t.name === name)!.id;
    // Metrics read the progress board the sampler writes (and task records show).
    hub.app.get(ProgressBoard).set(runOf('m-sweep-a'), sample);
    // A sample of a task that is not running must not show.
    hub.app.get(ProgressBoard).set(runOf('m-sweep-b'), { ...sample, pending: 999 });
    let metrics = await scrape();
    for (const state of ['pending', 'in_flight', 'done', 'dead'] as const) {
      expect(valueOf(metrics, 'gridcore_task_items', { task: 'm-sweep-a', state })).toBe(sample[state]);
    }
    expect(valueOf(metrics, 'gridcore_task_items', { task: 'm-sweep-b', state: 'pending' })).toBeUndefined();
    expect(valueOf(metrics, 'gridcore_task_items_per_second', { task: 'm-sweep-a' })).toBe(12.5);
    expect(valueOf(metrics, 'gridcore_task_dead_items', { task: 'm-sweep-a' })).toBe(2);
    expect(valueOf(metrics, 'gridcore_task_progress_error', { task: 'm-sweep-a' })).toBe(0);
    expect(valueOf(metrics, 'gridcore_node_items_processed', { node: a.id, hostname: a.hostname })).toBe(50);
    expect(valueOf(metrics, 'gridcore_node_items_processed', { node: b.id })).toBe(24);
    // The sampler only ever samples the running run: take back the one set for m-sweep-b above.
    hub.app.get(ProgressBoard).forget(runOf('m-sweep-b'));

    const finished = await hubCall<{ completed: string; started: string }>(hub.url, 'POST', '/api/tasks/finish', TOKENS.admin);
    expect(finished).toMatchObject({ completed: 'm-sweep-a', started: 'm-sweep-b' });
    list = await api<TaskListDto>('/api/tasks');
    metrics = await scrape();
    expect(list.current).toBe('m-sweep-b');
    const started = list.tasks.filter((t) => t.started_at !== null).length;
    expect(valueOf(metrics, 'gridcore_task_switches_total')).toBe(before + 2);
    expect(started).toBe(before + 2);
    // The new run has no sample yet: its figures are absent rather than the old task's.
    expect(metrics.filter((s) => s.name === 'gridcore_task_items')).toEqual([]);
  });

  it('times requests by route pattern, never by raw URL', async () => {
    await fetch(`${hub.url}/api/tasks/some-task-name`, { headers: bearer(TOKENS.viewer) });
    await fetch(`${hub.url}/api/tasks/other-name`, { headers: bearer(TOKENS.viewer) });
    await fetch(`${hub.url}/api/nodes`);
    await fetch(`${hub.url}/no/such/path/123`);
    const metrics = await scrape();
    const count = (labels: Record<string, string>) => valueOf(metrics, 'gridcore_http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/api/tasks/:name', status_code: '404' })).toBe(2);
    expect(count({ method: 'GET', route: '/api/nodes', status_code: '401' })).toBe(1);
    expect(count({ method: 'GET', route: '(unmatched)', status_code: '404' })).toBe(1);
    const routes = new Set(metrics.filter((s) => s.name.startsWith('gridcore_http_request_duration_seconds')).map((s) => s.labels.route));
    expect([...routes].some((r) => /some-task-name|other-name|123/.test(r))).toBe(false);
    expect(metrics.every((s) => s.name.startsWith('gridcore_'))).toBe(true);
  });
});

describe('GET /metrics against the hub\'s own progress samples', () => {
  let grid: HubWithRedis;

  beforeAll(async () => {
    grid = await startHubWithRedis({ progress_interval_s: 0.2 });
  });

  afterAll(() => grid?.close());

  it('matches GET /api/tasks/:name progress item for item while real items are processed', async () => {
    const node = new SimNode(grid.hub.url, { hostname: 'm-real' });
    await node.register();
    await hubCall(grid.hub.url, 'POST', '/api/tasks', TOKENS.admin, {
      name: 'm-real', image: 'gridcore/example-worker:1', input_redis: grid.redis.url, input_queue: 'm-real:in', output_queue: 'm-real:out',
    });
    await grid.client.lpush('m-real:in', ...Array.from({ length: 300 }, (_, i) => String(i)));
    await grid.client.rpush(new QueueKeys('m-real:in').dead, 'bad-1', 'bad-2');
    const quiet = () => undefined;
    const settings = resolveWorkerSettings({
      INPUT_REDIS_URL: grid.redis.url, INPUT_QUEUE: 'm-real:in', OUTPUT_QUEUE: 'm-real:out', NODE_ID: node.id, GRIDCORE_BATCH: '10', GRIDCORE_BLOCK_S: '0.5',
    });
    const worker = new Worker(async (items) => items, settings, quiet, quiet);
    void worker.run();
    type Progress = NonNullable<TaskListDto['tasks'][number]['progress']>;
    const progress = async () => (await hubCall<{ progress: Progress | null }>(grid.hub.url, 'GET', '/api/tasks/m-real', TOKENS.viewer)).progress;
    try {
      await waitFor(async () => ((await progress())?.done ?? 0) >= 100, 15_000, 'items processed');
    } finally {
      await worker.stop();
    }
    // The same sample on both sides: read the API before and after the scrape until they agree.
    const matched = await waitFor(async () => {
      const before = await progress();
      const metrics = await scrapeHub(grid.hub);
      const after = await progress();
      return before && after && before.sampled_at === after.sampled_at ? { p: after, metrics } : null;
    }, 10_000, 'a scrape between two reads of one sample');
    const { p, metrics } = matched;
    for (const state of ['pending', 'in_flight', 'done', 'dead'] as const) {
      expect(valueOf(metrics, 'gridcore_task_items', { task: 'm-real', state })).toBe(p[state]);
    }
    expect(p.dead).toBe(2);
    expect(p.done).toBeGreaterThanOrEqual(100);
    expect(valueOf(metrics, 'gridcore_task_items_per_second', { task: 'm-real' })).toBe(p.items_per_s);
    expect(valueOf(metrics, 'gridcore_task_dead_items', { task: 'm-real' })).toBe(2);
    expect(valueOf(metrics, 'gridcore_node_items_processed', { task: 'm-real', node: node.id, hostname: 'm-real' })).toBe(p.per_node[node.id]);
    expect(p.per_node[node.id]).toBe(p.done);
  });
});
