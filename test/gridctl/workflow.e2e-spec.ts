import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueKeys } from '@gridcore/queue';
import { waitFor } from '../support/ports';
import { waitForContainers } from '../node/support/grid';
import { RealGrid } from '../support/real-grid';
import { ensureGridctlBuilt, Gridctl } from './gridctl-cli';

const N = 100_000;

/** Parses `n:sqrt(n)` lines and checks each numerically; returns the items seen. */
function checkResults(lines: string[]): Set<string> {
  const seen = new Set<string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const n = Number(line.slice(0, colon));
    const root = Number(line.slice(colon + 1));
    if (!(Math.abs(root - Math.sqrt(n)) <= 1e-9 * Math.max(1, Math.sqrt(n)))) throw new Error(`wrong result line: ${line}`);
    seen.add(line.slice(0, colon));
  }
  return seen;
}

/**
 * The operator's workflow end to end with gridctl (issue 9): a real hub process, a real GridNode
 * running the SDK sqrt worker image, a password-protected redis-server.
 */
describe('gridctl workflow on a real grid', () => {
  jest.setTimeout(180_000);
  let grid: RealGrid;
  const cli = new Gridctl();
  const password = 'gridctl-redis-pw';

  beforeAll(async () => {
    ensureGridctlBuilt();
    grid = await RealGrid.start({ sdkImage: true, redisPassword: password, hubEnv: { COMPUTEHUB_PROGRESS_INTERVAL_S: '0.5' } });
  }, 300_000);

  afterAll(async () => {
    await grid?.stop();
    cli.cleanup();
  });

  it('cluster add writes the profile and a 0600 credentials file, keeping secrets out of the profile', async () => {
    const r = await cli.ok(['cluster', 'add', 'lab', '--hub', grid.hub.url, '--redis', `redis://:${password}@127.0.0.1:${grid.redis.port}`, '--token', grid.hub.token]);
    expect(r.stdout).toMatch(/saved cluster lab/);
    expect(r.stdout).toContain(`checked: hub ${grid.hub.url} answers, token roles: admin, viewer, node, Redis 127.0.0.1:${grid.redis.port}/0 accepts the connection`);
    const dir = join(cli.configHome, 'xdg', 'gridcore');
    expect(statSync(join(dir, 'credentials.toml')).mode & 0o777).toBe(0o600);
    const profile = readFileSync(join(dir, 'gridctl.toml'), 'utf8');
    expect(profile).toContain(`computehub_url = "${grid.hub.url}"`);
    expect(profile).toContain(`redis_url = "redis://127.0.0.1:${grid.redis.port}"`);
    expect(profile).not.toContain(password);
    expect(profile).not.toContain(grid.hub.token);
    const secrets = readFileSync(join(dir, 'credentials.toml'), 'utf8');
    expect(secrets).toContain(`token = "${grid.hub.token}"`);
    expect(secrets).toContain(`redis_password = "${password}"`);
    const list = JSON.parse((await cli.ok(['cluster', 'list', '--json'])).stdout);
    expect(list).toEqual([{ name: 'lab', default: true, computehub_url: grid.hub.url, redis_url: `redis://127.0.0.1:${grid.redis.port}`, token: true, redis_password: true }]);
  });

  it('task add registers every field; list and show read it back (masked)', async () => {
    const add = await cli.ok([
      'task', 'add', 'sqrt', '--image', grid.image, '--image-for', `linux/arm64=${grid.image}`, '--input-queue', '{sq}:in', '--output-queue', '{sq}:out',
      '--env', 'GREETING=hi', '--env', 'MODE=x=y', '--cpus', '0.5', '--memory-mb', '256', '--gpus', '0', '--max-containers-per-node', '2',
      '--max-attempts', '4', '--batch-timeout-s', '300', '--no-auto-finish', '--auto-finish-grace-s', '7', '--json',
    ]);
    const record = JSON.parse(add.stdout);
    expect(record).toMatchObject({
      name: 'sqrt', status: 'running', image: grid.image, images: { 'linux/arm64': grid.image }, input_queue: '{sq}:in', output_queue: '{sq}:out',
      env: { GREETING: 'hi', MODE: 'x=y' }, cpus: 0.5, memory_mb: 256, gpus: 0, max_containers_per_node: 2, max_attempts: 4,
      batch_timeout_s: 300, auto_finish: false, auto_finish_grace_s: 7,
      input_redis: `redis://:****@127.0.0.1:${grid.redis.port}`,
    });
    const list = JSON.parse((await cli.ok(['task', 'list', '--json'])).stdout);
    expect(list.current).toBe('sqrt');
    const table = (await cli.ok(['task', 'list'])).stdout;
    expect(table).toMatch(/^NAME\s+STATUS\s+IMAGE\s+STARTED\s+PROGRESS\nsqrt\s+running/);
    const show = (await cli.ok(['task', 'show', 'sqrt'])).stdout;
    expect(show).toMatch(/status\s+running/);
    expect(show).not.toContain(password);
    await waitForContainers(grid.nodeId, 'sqrt', 2, 30_000);
  });

  it(`pushes ${N.toLocaleString('en-US')} items, watch exits when done, results writes them all and leaves them`, async () => {
    const file = join(cli.configHome, 'items.txt');
    writeFileSync(file, `${Array.from({ length: N }, (_, i) => String(i + 1)).join('\n')}\n`);
    const push = await cli.ok(['push', 'sqrt', '--file', file]);
    console.log(`gridctl push of ${N} items: ${push.ms} ms as a whole command`);
    expect(push.stdout).toMatch(new RegExp(`^pushed 100,000 items to \\{sq\\}:in on 127\\.0\\.0\\.1:${grid.redis.port}/0 in `));
    expect(push.stderr).not.toContain('\r'); // not a TTY: plain lines

    const watch = await cli.run(['watch', 'sqrt'], { timeoutMs: 150_000 });
    console.log(`gridctl watch: ${watch.ms} ms; last lines:\n${watch.stderr.trim().split('\n').slice(-3).join('\n')}`);
    expect(watch.code).toBe(0);
    expect(watch.stderr).not.toContain('\r');
    expect(watch.stderr).toMatch(/watch sqrt {2}100,000\/100,000 {2}100\.0% .*nothing pending or in flight\n$/);
    expect(await grid.client.llen('{sq}:in')).toBe(0);

    const out = join(cli.configHome, 'results.txt');
    const results = await cli.ok(['results', 'sqrt', '--out', out]);
    expect(results.stderr).toBe(`wrote 100,000 results to ${out}\n`);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(N);
    const seen = checkResults(lines);
    expect(seen.size).toBe(N);
    for (let i = 1; i <= N; i++) if (!seen.has(String(i))) throw new Error(`missing result for ${i}`);
    expect(await grid.client.llen('{sq}:out')).toBe(N); // left in place without --drain
  });

  it('results --drain removes what it wrote; --json summarises', async () => {
    const out = join(cli.configHome, 'drained.txt');
    const r = JSON.parse((await cli.ok(['results', 'sqrt', '--out', out, '--drain', '--json'])).stdout);
    expect(r).toMatchObject({ task: 'sqrt', queue: '{sq}:out', results: N, drained: true });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(N);
    expect(await grid.client.llen('{sq}:out')).toBe(0);
  });

  it('nodes shows status, containers, CPU, GPU and processed', async () => {
    const rows = JSON.parse((await cli.ok(['nodes', '--json'])).stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: grid.nodeId, status: 'Online', processed: expect.any(Number) });
    const table = (await cli.ok(['nodes'])).stdout;
    expect(table).toMatch(/^ID\s+HOST\s+STATUS\s+RUNTIME\s+TASK\s+CONTAINERS\s+CPU\s+GPU\s+PROCESSED\s+NOT RUNNING\n/);
    expect(table).toContain(grid.nodeId);
  });

  it('watch exits non-zero when items ended dead; dead lists them and --requeue brings them back', async () => {
    const keys = new QueueKeys('{sq}:in');
    await grid.client.lpush(keys.dead, '9', '16', '25'); // the oldest at the right end, listed first
    await grid.client.hset(keys.attempts, '9', '4', '16', '4', '25', '4');
    await waitFor(async () => JSON.parse((await cli.ok(['task', 'show', 'sqrt', '--json'])).stdout).progress?.dead === 3, 10_000, 'dead 3 in progress');
    const watch = await cli.run(['watch', 'sqrt']);
    expect(watch.code).toBe(3);
    expect(watch.stderr).toContain('3 items ended dead: see `gridctl dead sqrt`, retry with `gridctl dead sqrt --requeue`');
    const listed = await cli.ok(['dead', 'sqrt']);
    expect(listed.stdout).toBe(`3 dead items in ${keys.dead}\nattempts  item\n4         9\n4         16\n4         25\n`);
    const json = JSON.parse((await cli.ok(['dead', 'sqrt', '--json'])).stdout);
    expect(json).toEqual({ task: 'sqrt', dead: 3, items: [{ item: '9', attempts: 4 }, { item: '16', attempts: 4 }, { item: '25', attempts: 4 }] });
    const requeue = await cli.ok(['dead', 'sqrt', '--requeue']);
    expect(requeue.stdout).toBe('requeued 3 dead items of sqrt\n');
    expect(await grid.client.llen(keys.dead)).toBe(0);
    await waitFor(async () => (await grid.client.llen('{sq}:out')) === 3, 30_000, 'the requeued items processed');
    const back = (await cli.ok(['results', 'sqrt'])).stdout.trim().split('\n').sort();
    expect(back).toEqual(['16:4', '25:5', '9:3']);
  });

  it('finish completes the task; watch of a completed task exits at once', async () => {
    const r = await cli.ok(['finish']);
    expect(r.stdout).toBe('finished sqrt; no pending task: the grid is idle\n');
    const watch = await cli.run(['watch', 'sqrt']);
    expect(watch.code).toBe(0);
    expect(watch.stderr).toMatch(/task completed/);
  });
});
