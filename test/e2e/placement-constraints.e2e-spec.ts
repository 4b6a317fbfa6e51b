import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/ports';
import { nodeRecord } from '../node/support/grid';
import { RealGrid } from '../support/real-grid';

/** Containers (running or not) of a task on this Docker engine. */
function containersOf(task: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=gridcore.task=${task}`], { encoding: 'utf8', timeout: 30_000 });
  return out.split('\n').filter(Boolean);
}

/**
 * Issue 21.2 with every part real: a GridNode whose gridnode.toml gives it labels and states its
 * memory refuses, in the default `together` mode, a task whose constraints it misses (no
 * container), says why on its record, and runs a task whose constraints it meets.
 */
describe('placement constraints on a real GridNode', () => {
  jest.setTimeout(180_000);
  let grid: RealGrid;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridnode-placement-'));
    const file = join(dir, 'gridnode.toml');
    writeFileSync(file, 'memory_total_mb = 1024\n[labels]\nregion = "us"\ndisk = "ssd"\n');
    grid = await RealGrid.start({ sdkImage: true, parallelism: 1, agentEnv: { GRIDNODE_CONFIG: file } });
  }, 300_000);
  afterAll(() => grid?.stop());

  it('reports its labels and stated memory at register', async () => {
    const node = await waitFor(() => nodeRecord(grid.hub, grid.nodeId), 15_000, 'the node record');
    expect(node.labels).toEqual({ region: 'us', disk: 'ssd' });
    expect(node.memory_total_mb).toBe(1024);
  });

  it('runs none of the containers of a task it cannot meet, saying why; runs one it meets', async () => {
    const started = Date.now();
    const add = await grid.hub.api('POST', '/api/tasks', {
      name: 'c-eu',
      image: grid.image,
      input_redis: grid.redis.url,
      input_queue: 'c-eu:in',
      output_queue: 'c-eu:out',
      constraints: { labels: { region: 'eu' }, min_memory_mb: 2048 },
    });
    expect(add.status).toBe(201);
    const refusing = await waitFor(async () => {
      const n = await nodeRecord(grid.hub, grid.nodeId);
      return n?.not_running?.task === 'c-eu' && n.runtime_status === 'Error' ? n : null;
    }, 20_000, 'the node refusing c-eu');
    console.log(`the node reported its refusal ${Date.now() - started} ms after registration`);
    expect(refusing.not_running).toEqual({
      task: 'c-eu',
      reason: 'constraints_not_met',
      detail: 'task c-eu constraints not met: label region≠eu; needs 2048 MB memory, has 1024: running none of its containers here',
    });
    expect(containersOf('c-eu')).toEqual([]);
    const task = (await grid.hub.api('GET', '/api/tasks/c-eu')).body;
    expect(task.runnable).toMatchObject({ runnable: false, nodes_running: 0, refusing_count: 1 });

    expect((await grid.hub.api('POST', '/api/tasks/finish')).status).toBe(200);
    const ok = await grid.hub.api('POST', '/api/tasks', {
      name: 'c-us',
      image: grid.image,
      input_redis: grid.redis.url,
      input_queue: 'c-us:in',
      output_queue: 'c-us:out',
      constraints: { labels: { region: ['us', 'eu'], disk: '!hdd' }, min_memory_mb: 512 },
    });
    expect(ok.status).toBe(201);
    await waitFor(() => (containersOf('c-us').length > 0 ? true : null), 60_000, 'a container of c-us');
    const node = await waitFor(async () => {
      const n = await nodeRecord(grid.hub, grid.nodeId);
      return n?.task_name === 'c-us' && !n.not_running ? n : null;
    }, 30_000, 'the node running c-us with no refusal');
    expect(node.runtime_status).not.toBe('Error');
  });
});
