import { execFileSync } from 'node:child_process';
import { waitFor } from '../support/ports';
import { openSse } from '../support/sse';
import { nodeRecord } from '../node/support/grid';
import { RealGrid } from '../support/real-grid';
import { ensureGridctlBuilt, Gridctl } from '../gridctl/gridctl-cli';

/** An image no registry has: there is no registry reachable here, so every pull fails. */
const MISSING_IMAGE = 'gridcore-test/no-such-image:404';

/** Docker's own words for a failed pull of `image`, as `docker pull` prints them. */
function dockerPullMessage(image: string): string {
  try {
    execFileSync('docker', ['pull', image], { stdio: 'pipe', timeout: 60_000 });
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? '').trim().replace(/^Error response from daemon:\s*/, '');
  }
  throw new Error(`docker pull ${image} succeeded: the test needs an image that cannot be pulled`);
}

/**
 * Issue 15 point 3: a task no online node can run says so in the node record, the task record,
 * an SSE event and every gridctl view, with the real GridNode and Docker engine deciding.
 */
describe('a task no online node can run', () => {
  jest.setTimeout(180_000);
  let grid: RealGrid;
  const cli = new Gridctl();
  let sse: ReturnType<typeof openSse>;

  beforeAll(async () => {
    ensureGridctlBuilt();
    grid = await RealGrid.start({ sdkImage: true, hubEnv: { COMPUTEHUB_PROGRESS_INTERVAL_S: '0.5' }, parallelism: 1 });
    await cli.ok(['cluster', 'add', 'lab', '--hub', grid.hub.url, '--redis', grid.redis.url, '--token', grid.hub.token]);
    sse = openSse(`${grid.hub.url}/api/events`, grid.hub.token);
    await sse.ready;
  }, 300_000);

  afterAll(async () => {
    sse?.close();
    await grid?.stop();
    cli.cleanup();
  });

  it('an image that cannot be pulled: Docker\'s message reaches the node record, the task record, SSE and gridctl', async () => {
    const docker = dockerPullMessage(MISSING_IMAGE);
    expect(docker.length).toBeGreaterThan(10);
    // task add waits for the node's verdict (a failed pull takes a few seconds) and warns with it.
    const add = await cli.ok(['task', 'add', 'ghost', '--image', MISSING_IMAGE, '--input-queue', 'ghost:in', '--wait-s', '40']);
    console.log(`task add warned of the failed pull after ${add.ms} ms`);
    expect(add.stdout).toContain('registered ghost (running)');
    expect(add.stderr).toContain('warning: no online node can run task ghost: ');
    expect(add.stderr).toContain(docker);

    const node = await waitFor(async () => {
      const n = await nodeRecord(grid.hub, grid.nodeId);
      return n?.not_running?.reason === 'image_pull_failed' ? n : null;
    }, 60_000, 'the node reporting image_pull_failed');
    expect(node.not_running.task).toBe('ghost');
    expect(node.not_running.detail).toContain(docker);
    expect(node.not_running.detail.length).toBeLessThanOrEqual(256);
    expect(node.runtime_status).toBe('Error');

    const task = (await grid.hub.api('GET', '/api/tasks/ghost')).body;
    expect(task.runnable).toMatchObject({ runnable: false, nodes_running: 0, refusing_count: 1 });
    expect(task.runnable.nodes_refusing).toEqual([{ node: grid.nodeId, hostname: node.hostname, reason: 'image_pull_failed', detail: node.not_running.detail }]);

    const event = await waitFor(
      () => sse.events.find((e) => e.type === 'task.unrunnable' && (e.data as any).data.task === 'ghost' && (e.data as any).data.refusing_count === 1),
      10_000,
      'a task.unrunnable event',
    );
    expect((event.data as any).data.nodes_refusing[0].reason).toBe('image_pull_failed');

    const nodes = await cli.ok(['nodes']);
    expect(nodes.stdout).toContain('NOT RUNNING');
    expect(nodes.stdout).toContain(`image_pull_failed: ${node.not_running.detail}`);
    expect(nodes.stderr).toContain('warning: no online node can run task ghost');

    const show = await cli.ok(['task', 'show', 'ghost']);
    expect(show.stdout).toContain(`image_pull_failed: ${node.not_running.detail}`);
    expect(show.stderr).toContain(docker);

    // watch never ends on its own here: it is killed once it printed its warning (at most 20 s,
    // not a fixed 4 s a slowly starting gridctl on a loaded machine may spend before its first line).
    const warning = '"warning":"warning: no online node can run task ghost';
    const watch = await cli.run(['watch', 'ghost', '--json'], { timeoutMs: 20_000, killWhen: (stdout) => stdout.includes(warning) });
    expect(watch.stdout).toContain(warning);
  });

  it('no image for the node\'s platform: task add warns at once, and the node record says why it idles', async () => {
    await cli.ok(['finish']);
    const add = await cli.ok(['task', 'add', 'armonly', '--image-for', `linux/arm64=${grid.image}`, '--input-queue', 'armonly:in']);
    expect(add.stdout).toContain('registered armonly (running)');
    expect(add.stderr).toMatch(/^warning: no online node can run task armonly: .*task armonly has no image for linux\/amd64 \(its images are for linux\/arm64\)/m);

    const node = await waitFor(async () => {
      const n = await nodeRecord(grid.hub, grid.nodeId);
      return n?.not_running?.reason === 'no_image_for_platform' ? n : null;
    }, 10_000, 'the node record saying no_image_for_platform');
    expect(node.not_running.task).toBe('armonly');
    // The node is offered no task for its platform (SPEC 2.7), so it idles with nothing running.
    await waitFor(async () => ((await nodeRecord(grid.hub, grid.nodeId)).runtime_status === 'Idle' ? true : null), 15_000, 'the node idle');
    const nodes = await cli.ok(['nodes']);
    expect(nodes.stdout).toContain('no_image_for_platform: task armonly has no image for linux/amd64');

    // A task whose containers need a GPU, on this GPU-less node: the hub sees it at once, and the
    // node, offered the task, refuses it with the same reason.
    await cli.ok(['finish']);
    const gpu = await cli.ok(['task', 'add', 'gpuonly', '--image', grid.image, '--gpus', '1', '--input-queue', 'gpuonly:in']);
    expect(gpu.stderr).toContain('warning: no online node can run task gpuonly: ');
    expect(gpu.stderr).toContain('task gpuonly needs 1 GPU per container and the node has 0');
    const refusing = await waitFor(async () => {
      const n = await nodeRecord(grid.hub, grid.nodeId);
      return n?.not_running?.task === 'gpuonly' && n.runtime_status === 'Error' ? n : null;
    }, 15_000, 'the node refusing the GPU task');
    expect(refusing.not_running.reason).toBe('needs_gpus');
    // Its own words now (it reported them), not the hub's.
    expect(refusing.not_running.detail).toBe('task gpuonly needs 1 GPU per container and this node has 0: running none of its containers here');

    // A task the node can run: runnable, and the reason on the node record clears.
    await cli.ok(['finish']);
    const fineAdd = await cli.ok(['task', 'add', 'fine', '--image', grid.image, '--input-queue', 'fine:in', '--input-redis', grid.redis.url]);
    // Its containers start, so task add ends at once without a warning.
    expect(fineAdd.stderr).toBe('');
    console.log(`task add of a runnable task took ${fineAdd.ms} ms`);
    const fine = (await grid.hub.api('GET', '/api/tasks/fine')).body;
    expect(fine.runnable).toMatchObject({ runnable: true, nodes_running: 1, refusing_count: 0 });
    const cleared = await waitFor(async () => {
      const n = await nodeRecord(grid.hub, grid.nodeId);
      return n?.not_running === null ? n : null;
    }, 10_000, 'not_running cleared');
    expect(cleared.not_running).toBeNull();
  });
});
