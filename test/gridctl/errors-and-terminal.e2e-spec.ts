import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Redis from 'ioredis';
import { WorkQueue } from '@gridcore/queue';
import { startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { freePort, waitFor } from '../support/ports';
import { startRedis, RunningRedis } from '../support/redis-server';
import { BIN, ensureGridctlBuilt, Gridctl } from './gridctl-cli';

/** The one line a person reads: `gridctl: ...`, no stack trace, non-zero exit. */
function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, line: string | RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (typeof line === 'string') expect(r.stderr).toBe(`gridctl: ${line}\n`);
  else expect(r.stderr).toMatch(line);
}

/**
 * gridctl's errors (issue 9 point 3) against an in-process hub and a password-protected
 * redis-server, and its watch output in a real pseudo-terminal (tmux) and in a pipe.
 */
describe('gridctl errors and terminal output', () => {
  jest.setTimeout(120_000);
  let hub: TestHub;
  let redis: RunningRedis;
  let client: Redis;
  const password = 'pw-errors';
  const cli = new Gridctl();
  let items: string;

  beforeAll(async () => {
    ensureGridctlBuilt();
    redis = await startRedis({ password });
    client = new Redis(redis.url);
    hub = await startTestHub({ progress_interval_s: 0.2 });
    await cli.ok(['cluster', 'add', 'lab', '--hub', hub.url, '--redis', `redis://:${password}@127.0.0.1:${redis.port}`, '--token', TOKENS.admin]);
    items = join(cli.configHome, 'items.txt');
    writeFileSync(items, '1\n2\n3\n');
  }, 300_000);

  afterAll(async () => {
    client?.disconnect();
    await hub?.close();
    await redis?.stop();
    cli.cleanup();
  });

  it('hub unreachable', async () => {
    const port = await freePort();
    await cli.ok(['cluster', 'add', 'down', '--hub', `http://127.0.0.1:${port}`, '--token', 'x']);
    expectOneLine(await cli.run(['--cluster', 'down', 'task', 'list']), `cannot reach the hub at http://127.0.0.1:${port} (is it running?)`);
    expectOneLine(await cli.run(['--cluster', 'down', 'watch', 't']), `cannot reach the hub at http://127.0.0.1:${port} (is it running?)`);
  });

  it('401 and 403', async () => {
    await cli.ok(['cluster', 'add', 'badtoken', '--hub', hub.url, '--token', 'not-a-token']);
    expectOneLine(await cli.run(['--cluster', 'badtoken', 'nodes']), 'the hub refused the token (check credentials.toml)');
    await cli.ok(['cluster', 'add', 'viewer', '--hub', hub.url, '--token', TOKENS.viewer]);
    expectOneLine(await cli.run(['--cluster', 'viewer', 'task', 'add', 'v', '--image', 'x:1']), 'this token lacks the admin role');
    expectOneLine(await cli.run(['--cluster', 'viewer', 'finish']), 'this token lacks the admin role');
    const ok = await cli.ok(['--cluster', 'viewer', 'task', 'list', '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ current: null });
  });

  it('unknown task, unknown node, unknown cluster', async () => {
    const show = await cli.run(['task', 'show', 'nope']);
    expectOneLine(show, /^gridctl: .*nope.*\n$/);
    expectOneLine(await cli.run(['push', 'nope', '--file', items]), show.stderr.trimEnd().slice('gridctl: '.length));
    expectOneLine(await cli.run(['node', 'stop', 'n-1']), 'Node n-1 not found');
    expectOneLine(await cli.run(['--cluster', 'elsewhere', 'nodes']), /^gridctl: no cluster elsewhere in .*gridctl\.toml \(known: /);
  });

  it('Redis NOAUTH, wrong password, unreachable, and a profile for another server', async () => {
    // A task registered without the password: its URL shows none, so gridctl sends none.
    await cli.ok(['task', 'add', 't-noauth', '--image', 'x:1', '--input-redis', `redis://127.0.0.1:${redis.port}`, '--input-queue', 'na:in']);
    expectOneLine(await cli.run(['push', 't-noauth', '--file', items]), `Redis 127.0.0.1:${redis.port}/0 wants a password (NOAUTH): set redis_password in credentials.toml`);

    await cli.ok(['task', 'add', 't-ok', '--image', 'x:1', '--input-queue', 'ok:in', '--output-queue', 'ok:out']);
    await cli.ok(['cluster', 'add', 'wrongpw', '--hub', hub.url, '--redis', `redis://127.0.0.1:${redis.port}`, '--token', TOKENS.admin, '--redis-password', 'nope']);
    expectOneLine(await cli.run(['--cluster', 'wrongpw', 'push', 't-ok', '--file', items]), `Redis 127.0.0.1:${redis.port}/0 refused the password (WRONGPASS): check redis_password in credentials.toml`);

    const closed = await freePort();
    await cli.ok(['task', 'add', 't-down', '--image', 'x:1', '--input-redis', `redis://:pw@127.0.0.1:${closed}/2`, '--input-queue', 'dn:in']);
    expectOneLine(await cli.run(['push', 't-down', '--file', items]), `cannot reach Redis at 127.0.0.1:${closed}/2 (is it running? ECONNREFUSED)`);
    expectOneLine(await cli.run(['results', 't-down']), /^gridctl: task t-down has no output_queue/);

    // A hand-written profile in the seed's skill.toml style (password inside redis_url) that
    // names another server, and no redis_password: refused, nothing pushed.
    const other = new Gridctl(join(cli.configHome, 'other'));
    const dir = join(other.configHome, 'xdg', 'gridcore');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'gridctl.toml'), `[cluster.lab]\ncomputehub_url = "${hub.url}"\nredis_url = "redis://:${password}@127.0.0.2:${redis.port}"\n`);
    writeFileSync(join(dir, 'credentials.toml'), `[cluster.lab]\ntoken = "${TOKENS.admin}"\n`, { mode: 0o600 });
    const mismatch = await other.run(['push', 't-ok', '--file', items]);
    expect(mismatch.stderr).toContain(`task t-ok uses Redis 127.0.0.1:${redis.port}/0 but cluster lab's redis_url names 127.0.0.2:${redis.port}/0`);
    expectOneLine(mismatch, /gridctl never pushes to another Redis\)\n$/);
    expect(await client.exists('ok:in')).toBe(0);

    // The same profile naming the task's own server lends its password.
    writeFileSync(join(dir, 'gridctl.toml'), `[cluster.lab]\ncomputehub_url = "${hub.url}"\nredis_url = "redis://:${password}@localhost:${redis.port}"\n`);
    await other.ok(['push', 't-ok', '--file', items]);
    expect(await client.lrange('ok:in', 0, -1)).toEqual(['3', '2', '1']);
    await client.del('ok:in');
    await cli.ok(['push', 't-ok', '--file', items]);
    expect(await client.lrange('ok:in', 0, -1)).toEqual(['3', '2', '1']);
  });

  it('a file that cannot be read pushes nothing', async () => {
    expectOneLine(await cli.run(['push', 't-ok', '--file', join(cli.configHome, 'missing.txt')]), `cannot read ${join(cli.configHome, 'missing.txt')}: no such file`);
    expectOneLine(await cli.run(['push', 't-ok', '--file', cli.configHome]), `cannot read ${cli.configHome}: it is a folder`);
    const stdin = await cli.ok(['push', 't-ok', '--file', '-'], { input: '4\n5\n' });
    expect(stdin.stdout).toMatch(/^pushed 2 items to ok:in /);
    expect(await client.llen('ok:in')).toBe(5);
  });

  it('bin/gridctl.js says to build when the build is missing', () => {
    const r = spawnSync(process.execPath, ['-e', `require('node:fs').existsSync=()=>false; process.argv=[process.argv[0], ${JSON.stringify(BIN)}]; require(${JSON.stringify(BIN)})`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^gridctl: not built yet \(.*main\.js is missing\): run `npm run build` first\n$/);
  });

  describe('watch output', () => {
    /** Processes `queue` in the test process (the real protocol), slowly, so progress moves for a few seconds. */
    async function slowWorker(queue: string, total: number, perBatch: number, pauseMs: number): Promise<void> {
      const q = new WorkQueue(client, queue, { outputQueue: `${queue}:out` });
      const lanePrefix = q.keys.lanePrefix({ nodeId: 'sim', instance: 0, runId: `r${Date.now()}`, lane: 0 });
      let done = 0;
      while (done < total) {
        const reply = await q.take({ nodeId: 'sim', lanePrefix, size: perBatch });
        if (!reply.items.length) break;
        await new Promise((r) => setTimeout(r, pauseMs));
        await q.ack(reply.batchKey, 'sim', { results: reply.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) });
        done += reply.items.length;
      }
    }

    beforeAll(async () => {
      for (const t of ['t-ok', 't-down']) await cli.ok(['task', 'rm', t]); // pending behind t-noauth
      await cli.ok(['finish']);
    });

    it('redraws one bar in place on a terminal (tmux)', async () => {
      const queue = 'tty1';
      await cli.ok(['task', 'add', 'tty', '--image', 'x:1', '--input-queue', queue, '--output-queue', `${queue}:out`]);
      await client.lpush(queue, ...Array.from({ length: 3000 }, (_, i) => String(i + 1)));
      // A tmux server of its own (socket in a temp folder), so no one else's sessions are touched.
      const socket = join(mkdtempSync(join(tmpdir(), 'gridctl-tmux-')), 'socket');
      const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
      const env = Object.entries(cli.env({ TERM: 'xterm' })).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
      const worker = slowWorker(queue, 3000, 100, 120);
      try {
        tmux('new-session', '-d', '-x', '120', '-y', '20', '-s', 'w', `env -i ${env} ${process.execPath} ${BIN} watch tty; echo EXIT=$?; sleep 60`);
        const screens: string[] = [];
        const final = await waitFor(
          () => {
            const screen = tmux('capture-pane', '-p', '-t', 'w');
            screens.push(screen);
            return /EXIT=\d+/.test(screen) ? screen : null;
          },
          60_000,
          'watch to exit in tmux',
          150,
        );
        await worker;
        const bars = (s: string) => s.split('\n').filter((l) => l.startsWith('watch tty'));
        // Every screen shows at most one bar line: it was redrawn in place, never scrolled.
        for (const s of screens) expect(bars(s).length).toBeLessThanOrEqual(1);
        const seen = new Set(screens.flatMap(bars).map((l) => /([\d,]+)\/3,000/.exec(l)?.[1]).filter(Boolean));
        console.log(`tmux: ${screens.length} captures, ${seen.size} distinct figures; final screen:\n${final.trim()}`);
        expect(seen.size).toBeGreaterThanOrEqual(3);
        expect(bars(final)).toHaveLength(1);
        expect(bars(final)[0]).toMatch(/^watch tty \[#{10,}\] {2}3,000\/3,000 {2}100\.0% {2}[\d,]+ items\/s {2}ETA 00:00 {2}nothing pending or in flight$/);
        expect(final).toMatch(/\nEXIT=0\n/);
      } finally {
        spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
        rmSync(dirname(socket), { recursive: true, force: true });
        await worker.catch(() => undefined);
      }
    });

    it('prints plain lines, one per interval, when not a terminal', async () => {
      await cli.ok(['finish']);
      const queue = 'tty2';
      await cli.ok(['task', 'add', 'tty', '--image', 'x:1', '--input-queue', queue, '--output-queue', `${queue}:out`]);
      await client.lpush(queue, ...Array.from({ length: 2000 }, (_, i) => String(i + 1)));
      const worker = slowWorker(queue, 2000, 100, 200);
      const watch = await cli.run(['watch', 'tty']);
      await worker;
      expect(watch.code).toBe(0);
      expect(watch.stderr).not.toMatch(/[\r\x1b]/);
      // No GridNode is online in this test (the items are worked by a process outside the grid):
      // watch says so once among its progress lines (issue 15 point 3).
      const all = watch.stderr.trim().split('\n');
      expect(all.filter((l) => l.startsWith('warning: '))).toEqual(['warning: no node is online to run task tty']);
      const lines = all.filter((l) => !l.startsWith('warning: '));
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) expect(line).toMatch(/^watch tty {2}[\d,]+\/[\d,]+ {2}[\d.]+% {2}/);
      expect(lines[lines.length - 1]).toMatch(/2,000\/2,000 {2}100\.0% .* nothing pending or in flight$/);
      const json = await cli.run(['watch', 'tty', '--json']);
      expect(json.code).toBe(0);
      const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(records[records.length - 1]).toEqual({ task: 'tty', end: 'nothing pending or in flight', dead: 0 });
    });
  });
});
