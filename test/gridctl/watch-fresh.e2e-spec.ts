import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { TestHub, TOKENS } from '../support/hub-app';
import { HubWithRedis } from '../support/hub-with-redis';
import { waitFor } from '../support/ports';
import { RunningRedis } from '../support/redis-server';
import { openSse } from '../support/sse';
import { Gridctl } from './gridctl-cli';
import { startGridctlLab } from './gridctl-lab';

/** An original-style consumer by hand: moves `n` items from input to output (done = output length). */
async function consume(client: Redis, input: string, output: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const item = await client.rpop(input);
    if (item === null) throw new Error(`only ${i} of ${n} items in ${input}`);
    await client.lpush(output, `${item}:${Math.sqrt(Number(item))}`);
  }
}

/** Complete JSON lines of `watch --json` that are progress samples (it also prints warnings). */
const progressLines = (stdout: string): any[] =>
  stdout.split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l)).filter((l) => 'pending' in l);

/**
 * Lets `watch --json` run for at least `minMs` and until it printed `samples` progress lines (at
 * most 20 s): a gridctl that starts slowly on a loaded machine still shows that many samples
 * before it is killed, where a fixed window could end before its first one.
 */
const watchWindow = (minMs: number, samples: number) => {
  const since = Date.now();
  return { timeoutMs: 20_000, killWhen: (stdout: string) => Date.now() - since >= minMs && progressLines(stdout).length >= samples };
};

const numbers = (from: number, count: number) => `${Array.from({ length: count }, (_, i) => String(from + i)).join('\n')}\n`;

/**
 * Issue 15 point 1: `gridctl watch` never acts on a progress sample older than its own start or
 * the last push it knows of; the hub samples a watched task every second (SSE, `?fresh=1`).
 * A real redis-server and an in-process hub whose own sampling is slow (6 s), so a stale sample
 * is there to be trusted by mistake.
 */
describe('gridctl watch trusts only fresh samples', () => {
  jest.setTimeout(120_000);
  let hub: TestHub;
  let redis: RunningRedis;
  let client: Redis;
  const cli = new Gridctl();
  const api = (path: string) =>
    fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${TOKENS.admin}` } }).then((res) => ({ status: res.status, json: (): Promise<any> => res.json() }));

  let lab: HubWithRedis | undefined;

  beforeAll(async () => {
    ({ hub, redis, client } = lab = await startGridctlLab(cli, { progress_interval_s: 6 }));
  });

  afterAll(() => lab?.close());

  it('after a drained task gets more items, watch does not print 100% and exit; it exits once they are done', async () => {
    await cli.ok(['task', 'add', 'again', '--image', 'x:1', '--input-queue', '{again}:in', '--output-queue', '{again}:out']);
    const file = join(cli.configHome, 'five.txt');
    writeFileSync(file, numbers(1, 5));
    await cli.ok(['push', 'again', '--file', file]);
    await consume(client, '{again}:in', '{again}:out', 5);
    // The hub's own tick sees the drained queue (a plain read: no fresh sample, no watcher).
    await waitFor(async () => {
      const p = (await (await api('/api/tasks/again')).json()).progress;
      return p && p.done === 5 && p.pending === 0 ? p : null;
    }, 15_000, 'a drained sample', 100);

    // The newcomer's steps: push more, then watch at once, within the hub's 6 s interval.
    writeFileSync(file, numbers(6, 100));
    await cli.ok(['push', 'again', '--file', file]);
    const early = await cli.run(['watch', 'again', '--json'], watchWindow(3_000, 2));
    expect(early.code).toBeNull(); // still watching when killed: it did not exit on the old sample
    // Progress samples only: watch also prints a warning line (no node runs this task here).
    const lines = progressLines(early.stdout);
    expect(lines.length).toBeGreaterThanOrEqual(2); // the fresh sample, then 1 s samples over SSE
    for (const line of lines) expect(line).toMatchObject({ pending: 100, done: 5, in_flight: 0 });
    expect(lines.some((l) => l.end)).toBe(false);

    const watch = cli.run(['watch', 'again'], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    await consume(client, '{again}:in', '{again}:out', 100);
    const consumedAt = Date.now();
    const done = await watch;
    const latencyMs = Date.now() - consumedAt;
    console.log(`watch exited ${latencyMs} ms after the last item was done (hub interval 6 s, watched: 1 s)`);
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/watch again {2}105\/105 {2}100\.0% .*nothing pending or in flight\n$/);
    expect(latencyMs).toBeLessThan(3_500);
  });

  it('does not end on a drained sample while a push it knows of runs, nor on one from before that push ended', async () => {
    await cli.ok(['task', 'rm', 'again']).catch(() => undefined);
    await cli.run(['finish']);
    await cli.ok(['task', 'add', 'mark', '--image', 'x:1', '--input-queue', '{mark}:in', '--output-queue', '{mark}:out']);
    await client.lpush('{mark}:in', '1', '2');
    await consume(client, '{mark}:in', '{mark}:out', 2);
    // A push by this test process (alive), not finished: gridctl push writes the same file.
    const dir = join(cli.configHome, 'xdg', 'gridcore', 'state', 'lab');
    mkdirSync(dir, { recursive: true });
    const [sec, micro] = await client.time();
    const startedMs = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
    writeFileSync(join(dir, 'mark.last-push.json'), JSON.stringify({ startedMs, finishedMs: null, pid: process.pid }));
    const held = await cli.run(['watch', 'mark', '--json'], watchWindow(3_000, 2));
    expect(held.code).toBeNull();
    expect(held.stdout).toContain('"pending":0');

    const watch = cli.run(['watch', 'mark'], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    writeFileSync(join(dir, 'mark.last-push.json'), JSON.stringify({ startedMs, finishedMs: startedMs + 1, pid: process.pid }));
    const done = await watch;
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/2\/2 {2}100\.0% .*nothing pending or in flight\n$/);
  });

  it('gridctl push records its start and end in Redis time', async () => {
    const file = join(cli.configHome, 'one.txt');
    writeFileSync(file, numbers(1, 1));
    const [before] = await client.time();
    await cli.ok(['push', 'mark', '--file', file]);
    const mark = JSON.parse(readFileSync(join(cli.configHome, 'xdg', 'gridcore', 'state', 'lab', 'mark.last-push.json'), 'utf8'));
    expect(mark.startedMs).toBeGreaterThanOrEqual(Number(before) * 1000);
    expect(mark.finishedMs).toBeGreaterThanOrEqual(mark.startedMs);
    expect(mark.pid).not.toBe(process.pid);
  });

  it('a push to a completed task: push warns, and watch says the items wait unprocessed and exits 5', async () => {
    await cli.ok(['finish']);
    const file = join(cli.configHome, 'late.txt');
    writeFileSync(file, numbers(1, 3));
    const push = await cli.ok(['push', 'mark', '--file', file]);
    expect(push.stderr).toContain('gridctl: note: task mark is completed; no node works on these items until you register it again');
    const watch = await cli.run(['watch', 'mark'], { timeoutMs: 10_000 });
    expect(watch.code).toBe(5);
    expect(watch.stderr).toMatch(/task completed\n.*note: mark completed before your last push ended; those items wait in its input list/s);
    await cli.ok(['task', 'add', 'mark', '--image', 'x:1', '--input-queue', '{mark}:in', '--output-queue', '{mark}:out']);
  });

  it('the hub: ?fresh=1 answers a sample taken after the request; an open SSE stream brings 1 s samples; a bad flag is a 400', async () => {
    const stale = (await (await api('/api/tasks/mark')).json()).progress;
    const [sec, micro] = await client.time();
    const asked = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
    const fresh = (await (await api('/api/tasks/mark?fresh=1')).json()).progress;
    expect(Date.parse(fresh.sampled_at)).toBeGreaterThanOrEqual(asked);
    expect(fresh.sampled_at > (stale?.sampled_at ?? '')).toBe(true);

    const bad = await api('/api/tasks/mark?fresh=yes');
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/fresh must be 1, 0, true or false/);
    expect((await api('/api/tasks/mark?fresh=1&fresh=1')).status).toBe(400);

    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    await new Promise((r) => setTimeout(r, 4_200));
    sse.close();
    const samples = sse.events.filter((e) => e.type === 'progress').map((e) => Date.parse((e.data as any).data.sampled_at));
    const gaps = samples.slice(1).map((t, i) => t - samples[i]);
    console.log(`progress events in 4.2 s with one SSE client (interval 6 s): ${samples.length}, gaps ${gaps.join(', ')} ms`);
    // 1 s samples, against the 6 s interval without a client: a tick a loaded machine delays stays far below it.
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const gap of gaps) expect(gap).toBeLessThan(2_500);
  });
});
