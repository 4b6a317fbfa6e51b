import type { TaskRecordDto } from '@gridcore/contracts';
import { QueueKeys } from '@gridcore/queue';
import { bearer, TOKENS } from '../support/hub-app';
import { HubWithRedis, startHubWithRedis } from '../support/hub-with-redis';
import { waitFor } from '../support/ports';
import { hubCall, SimNode } from '../dashboard/support/grid';
import { parsePrometheus } from './prometheus-text';

const FOREIGN_FIELDS = 300_000;

describe('per-node figures come from registered nodes only (issue 14, fault 1)', () => {
  let grid: HubWithRedis;

  beforeAll(async () => {
    grid = await startHubWithRedis({ progress_interval_s: 0.2 });
  });

  afterAll(() => grid?.close());

  it('keeps /metrics and the task\'s progress small when a worker writes 300,000 node:* fields into P:stats', async () => {
    const nodes = [new SimNode(grid.hub.url, { hostname: 'pn-a' }), new SimNode(grid.hub.url, { hostname: 'pn-b' })];
    for (const n of nodes) await n.register();
    const queue = 'pn:in';
    await hubCall(grid.hub.url, 'POST', '/api/tasks', TOKENS.admin, { name: 'pn', image: 'gridcore/example-worker:1', input_redis: grid.redis.url, input_queue: queue });
    const stats = new QueueKeys(queue).stats;
    // What a misbehaving (or hostile) worker can write: counts for ids no node registered with.
    for (let start = 0; start < FOREIGN_FIELDS; start += 10_000) {
      const fields: string[] = [];
      for (let i = start; i < start + 10_000; i++) fields.push(`node:ghost-${i}`, '1');
      await grid.client.hset(stats, ...fields);
    }
    await grid.client.hset(stats, `node:${nodes[0].id}`, '40', `node:${nodes[1].id}`, '2', 'processed', '300042');
    expect(await grid.client.hlen(stats)).toBe(FOREIGN_FIELDS + 3);

    const task = await waitFor(async () => {
      const t = await hubCall<TaskRecordDto>(grid.hub.url, 'GET', '/api/tasks/pn', TOKENS.viewer);
      return t.progress && t.progress.done === 300_042 ? t : null;
    }, 15_000, 'a progress sample of the flooded P:stats');
    expect(task.progress!.per_node).toEqual({ [nodes[0].id]: 40, [nodes[1].id]: 2 });

    const res = await fetch(`${grid.hub.url}/metrics`, { headers: bearer(TOKENS.viewer) });
    const text = await res.text();
    const perNode = parsePrometheus(text).filter((s) => s.name === 'gridcore_node_items_processed');
    console.log(`/metrics: ${text.length} bytes, ${perNode.length} gridcore_node_items_processed series`);
    expect(perNode.map((s) => [s.labels.node, s.value]).sort()).toEqual([[nodes[0].id, 40], [nodes[1].id, 2]].sort());
    expect(text.length).toBeLessThan(100_000);
    expect(text).not.toContain('ghost-');
  }, 60_000);
});
