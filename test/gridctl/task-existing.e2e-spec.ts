import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Redis from 'ioredis';
import { WorkQueue } from '@gridcore/queue';
import { TestHub, TOKENS } from '../support/hub-app';
import { HubWithRedis } from '../support/hub-with-redis';
import { waitFor } from '../support/ports';
import { RunningRedis } from '../support/redis-server';
import { BIN, Gridctl } from './gridctl-cli';
import { startGridctlLab } from './gridctl-lab';

const IN = '{ex}:in';
const OUT = '{ex}:out';

/**
 * Issue 15 point 5: registering a name (or queue) whose lists already hold items says so, in the
 * answer, the record and gridctl; `--fresh` (`fresh: true`) deletes the output list and the P:*
 * protocol keys first — never the input list — after a confirmation on a terminal. A real
 * redis-server and an in-process hub.
 */
describe('registering over what an earlier run left', () => {
  jest.setTimeout(120_000);
  let hub: TestHub;
  let redis: RunningRedis;
  let client: Redis;
  const cli = new Gridctl();
  const add = ['task', 'add', 'ex', '--image', 'x:1', '--input-queue', IN, '--output-queue', OUT];
  const post = (body: unknown) =>
    fetch(`${hub.url}/api/tasks`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
  const protocolKeys = () => client.keys(`${IN}:*`);

  let lab: HubWithRedis | undefined;

  beforeAll(async () => {
    ({ hub, redis, client } = lab = await startGridctlLab(cli, { progress_interval_s: 0.5 }));
  });

  afterAll(() => lab?.close());

  it('a first run: 100 items, 60 done, 10 in flight, 30 left, finished', async () => {
    const first = JSON.parse((await cli.ok([...add, '--json'])).stdout);
    expect(first.existing).toEqual({ input: 0, output: 0, previous_runs: 0 });
    const file = join(cli.configHome, 'items.txt');
    writeFileSync(file, `${Array.from({ length: 100 }, (_, i) => String(i + 1)).join('\n')}\n`);
    await cli.ok(['push', 'ex', '--file', file]);
    const q = new WorkQueue(client, IN, { outputQueue: OUT });
    const lanePrefix = q.keys.lanePrefix({ nodeId: 'sim', instance: 0, runId: 'r1', lane: 0 });
    for (let i = 0; i < 3; i++) {
      const batch = await q.take({ nodeId: 'sim', lanePrefix, size: 20 });
      await q.ack(batch.batchKey, 'sim', { results: batch.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) });
    }
    await q.take({ nodeId: 'sim', lanePrefix, size: 10 }); // held, never acked
    const finish = await cli.ok(['finish']);
    expect(finish.stdout).toMatch(/ex/);
    expect(await client.llen(IN)).toBe(30);
    expect(await client.llen(OUT)).toBe(60);
    expect((await protocolKeys()).length).toBeGreaterThanOrEqual(5);
  });

  it('registering the name again shows what the lists hold, in the answer, the record and gridctl', async () => {
    const again = await cli.ok(add);
    expect(again.stdout).toBe(
      'registered ex (running)\nnote: the input list already holds 30 items; the output list already holds 60 results; 1 earlier run of ex ' +
        '(`gridctl results ex` will include them; start clean with `gridctl task add ex --fresh`)\n',
    );
    const record = JSON.parse((await cli.ok(['task', 'show', 'ex', '--json'])).stdout);
    expect(record.existing).toEqual({ input: 30, output: 60, previous_runs: 1 });
    expect(record.cleared).toBeNull();
    expect((await cli.ok(['task', 'show', 'ex'])).stdout).toMatch(/at registration\s+input 30, output 60, earlier runs 1/);
    const list = (await (await fetch(`${hub.url}/api/tasks`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).json()) as any;
    expect(list.tasks.find((t: any) => t.id === record.id).existing).toEqual({ input: 30, output: 60, previous_runs: 1 });
  });

  it('fresh is refused while a pending or running task uses those lists, and a bad fresh is a 400; nothing is deleted', async () => {
    const clash = await post({ name: 'ex2', image: 'x:1', input_redis: redis.url, input_queue: IN, output_queue: OUT, fresh: true });
    expect(clash.status).toBe(409);
    expect(clash.body.message).toBe('fresh would delete the queues of task ex, which is running and uses the same lists');
    // The same server written another way (db 0 spelled out, localhost for 127.0.0.1) is the same lists.
    for (const url of [`${redis.url}/0`, redis.url.replace('127.0.0.1', 'localhost')]) {
      const respelled = await post({ name: 'ex2', image: 'x:1', input_redis: url, input_queue: IN, output_queue: OUT, fresh: true });
      expect([url, respelled.status, respelled.body.message]).toEqual([url, 409, 'fresh would delete the queues of task ex, which is running and uses the same lists']);
    }
    const same = await post({ name: 'ex', image: 'x:1', input_redis: redis.url, input_queue: IN, output_queue: OUT, fresh: true });
    expect(same.status).toBe(409);
    expect(same.body.message).toBe('Task ex is already running');
    const bad = await post({ name: 'ex3', image: 'x:1', input_redis: redis.url, input_queue: 'q3', fresh: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('fresh must be true or false');
    const blind = await post({ name: 'ex4', image: 'x:1', fresh: true });
    expect(blind.status).toBe(400);
    expect(blind.body.message).toMatch(/fresh needs input_redis and input_queue/);
    expect(await client.llen(OUT)).toBe(60);
    const swagger = (await (await fetch(`${hub.url}/docs-json`)).json()) as any;
    expect(swagger.components.schemas.TaskCreateDto.properties.fresh.type).toBe('boolean');
    expect(swagger.components.schemas.TaskRecordDto.properties.existing).toBeDefined();
  });

  it('a Redis that does not answer: fresh is a 503 and registers nothing; without fresh the task registers with existing null', async () => {
    const away = 'redis://127.0.0.1:1';
    const refused = await post({ name: 'away', image: 'x:1', input_redis: away, input_queue: 'q', fresh: true });
    expect(refused.status).toBe(503);
    expect(refused.body.message).toMatch(/^Redis redis:\/\/127\.0\.0\.1:1/);
    const missing = await fetch(`${hub.url}/api/tasks/away`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
    expect(missing.status).toBe(404);
    const plain = await post({ name: 'away', image: 'x:1', input_redis: away, input_queue: 'q' });
    expect(plain.status).toBe(201);
    expect(plain.body.existing).toBeNull();
    await fetch(`${hub.url}/api/tasks/away`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKENS.admin}` } });
  });

  it('gridctl task add --fresh: refused without a terminal or --yes, asks y/N on a terminal, deletes output and P:* keys but not the input', async () => {
    await cli.ok(['finish']);
    const refused = await cli.run([...add, '--fresh']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`gridctl: --fresh deletes the output list ${OUT} and the protocol keys (retry, dead, stats, batches) of ${IN} of task ex: confirm on a terminal or pass --yes\n`);

    // On a terminal (tmux, a server of its own): "n" keeps everything, nothing registered.
    const socket = join(mkdtempSync(join(tmpdir(), 'gridctl-tmux-')), 'socket');
    const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    const env = Object.entries(cli.env({ TERM: 'xterm' })).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const ask = async (answer: string) => {
      tmux('new-session', '-d', '-x', '200', '-y', '20', '-s', `s${answer}`, `env -i ${env} ${process.execPath} ${BIN} ${add.join(' ').replace(/[{}]/g, (c) => `\\${c}`)} --fresh; echo EXIT=$?; sleep 30`);
      await waitFor(() => /Continue\? \[y\/N\]/.test(tmux('capture-pane', '-p', '-t', `s${answer}`)), 20_000, 'the question', 100);
      tmux('send-keys', '-t', `s${answer}`, answer, 'Enter');
      return waitFor(() => {
        const screen = tmux('capture-pane', '-p', '-t', `s${answer}`);
        return /EXIT=\d+/.test(screen) ? screen : null;
      }, 20_000, 'gridctl to exit', 100);
    };
    try {
      const no = await ask('n');
      expect(no).toMatch(/nothing deleted, nothing registered\nEXIT=1/);
      expect(await client.llen(OUT)).toBe(60);
      const yes = await ask('y');
      expect(yes).toMatch(/registered ex \(running\)\nnote: --fresh deleted 60 output items and \d+ protocol keys; the input list already holds 30 items; 2 earlier runs of ex\n/);
      expect(yes).toMatch(/EXIT=0/);
    } finally {
      spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
      rmSync(dirname(socket), { recursive: true, force: true });
    }
    expect(await client.exists(OUT)).toBe(0);
    expect(await client.llen(IN)).toBe(30); // the input list stays (the 10 in flight were the old run's batch)
    const record = JSON.parse((await cli.ok(['task', 'show', 'ex', '--json'])).stdout);
    expect(record.existing).toEqual({ input: 30, output: 0, previous_runs: 2 });
    expect(record.cleared.output).toBe(60);
    // Only what the new run itself wrote since (its P:config at start) may be there.
    expect((await protocolKeys()).filter((k) => k !== `${IN}:config`)).toEqual([]);

    // --yes skips the question; the hub answer carries the same facts.
    await cli.ok(['finish']);
    await client.lpush(OUT, 'stale:1');
    const direct = JSON.parse((await cli.ok([...add, '--fresh', '--yes', '--json'])).stdout);
    expect(direct.cleared).toEqual({ output: 1, protocol_keys: expect.any(Number) });
    expect(direct.existing).toEqual({ input: 30, output: 0, previous_runs: 3 });
  });
});
