import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
    await cli.ok(['cluster', 'add', 'down', '--hub', `http://127.0.0.1:${port}`, '--token', 'x', '--no-check']);
    expectOneLine(await cli.run(['--cluster', 'down', 'task', 'list']), `cannot reach the hub at http://127.0.0.1:${port} (is it running?)`);
    expectOneLine(await cli.run(['--cluster', 'down', 'watch', 't']), `cannot reach the hub at http://127.0.0.1:${port} (is it running?)`);
  });

  it('401 and 403', async () => {
    await cli.ok(['cluster', 'add', 'badtoken', '--hub', hub.url, '--token', 'not-a-token', '--no-check']);
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
    await cli.ok(['cluster', 'add', 'wrongpw', '--hub', hub.url, '--redis', `redis://127.0.0.1:${redis.port}`, '--token', TOKENS.admin, '--redis-password', 'nope', '--no-check']);
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

  /** A shell pipeline with gridctl first, under pipefail so gridctl's own exit code counts (async: the hub runs in this process). */
  function pipeline(gridctlArgs: string, rest: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolvePipe) => {
      const child = spawn('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" ${gridctlArgs} | ${rest}`], { env: cli.env() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolvePipe({ status, stdout, stderr });
      });
    });
  }

  it('a closed stdout pipe (results | head -2) ends quietly with exit 0 and leaves the results', async () => {
    const n = 200_000;
    for (let i = 0; i < n; i += 10_000) await client.lpush('ok:out', ...Array.from({ length: 10_000 }, (_, j) => `${i + j}:r`));
    const r = await pipeline('results t-ok', 'head -2');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0:r\n1:r\n');
    expect(r.status).toBe(0);
    expect(await client.llen('ok:out')).toBe(n);
    const list = await pipeline('results t-ok --chunk 100', 'head -c 1');
    expect([list.status, list.stderr]).toEqual([0, '']);
    await client.del('ok:out');
  });

  it('cluster add checks the hub URL, /health, the token and the Redis, refusing in one line and saving nothing', async () => {
    const fresh = new Gridctl(join(cli.configHome, 'checks'));
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    const add = (...args: string[]) => fresh.run(['cluster', 'add', 'c', ...args]);
    expectOneLine(await add('--hub', 'htp://127.0.0.1:8080', '--token', TOKENS.admin), '--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got htp://127.0.0.1:8080)');
    expectOneLine(await add('--hub', 'htp://127.0.0.1:8080', '--no-check'), '--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got htp://127.0.0.1:8080)');
    const closed = await freePort();
    expectOneLine(await add('--hub', `http://127.0.0.1:${closed}`, '--token', TOKENS.admin), `cannot reach the hub at http://127.0.0.1:${closed} (is it running?)`);
    expectOneLine(await add('--hub', hub.url, '--token', 'not-a-known-token-01'), 'the hub refused the token: check --token or GRIDCTL_TOKEN');
    expectOneLine(await add('--hub', hub.url, '--token', TOKENS.node), 'this token is a node token: gridctl needs an admin or viewer token');
    expectOneLine(await add('--hub', hub.url, '--token', TOKENS.admin, '--redis', `redis://:wrong@127.0.0.1:${redis.port}`),
      `Redis 127.0.0.1:${redis.port}/0 refused the password (WRONGPASS): check the password in --redis or --redis-password`);
    expectOneLine(await add('--hub', hub.url, '--token', TOKENS.admin, '--redis', redisUrl),
      `Redis 127.0.0.1:${redis.port}/0 wants a password (NOAUTH): set the password in --redis or --redis-password`);
    expectOneLine(await add('--hub', hub.url, '--token', TOKENS.admin, '--redis', `redis://127.0.0.1:${closed}`, '--redis-password', password),
      `cannot reach Redis at 127.0.0.1:${closed}/0 (is it running? ECONNREFUSED)`);
    const open = await startRedis();
    try {
      expectOneLine(await add('--hub', hub.url, '--token', TOKENS.admin, '--redis', `redis://:pw@127.0.0.1:${open.port}`),
        `Redis 127.0.0.1:${open.port}/0 wants no password, but one was given: drop the password in --redis or --redis-password`);
      const fine = await fresh.ok(['cluster', 'add', 'open', '--hub', hub.url, '--token', TOKENS.admin, '--redis', `redis://127.0.0.1:${open.port}/2`]);
      expect(fine.stdout).toContain(`token roles: admin, viewer, Redis 127.0.0.1:${open.port}/2 accepts the connection`);
      expect(fine.stderr).toBe('');
      await fresh.ok(['cluster', 'rm', 'open']);
    } finally {
      await open.stop();
    }
    expect(JSON.parse((await fresh.ok(['cluster', 'list', '--json'])).stdout)).toEqual([]);

    const ok = await fresh.ok(['cluster', 'add', 'c', '--hub', hub.url, '--token', TOKENS.viewer, '--redis', redisUrl, '--redis-password', password]);
    expect(ok.stdout).toContain(`checked: hub ${hub.url} answers, token roles: viewer, Redis 127.0.0.1:${redis.port}/0 accepts the connection\n`);
    await fresh.ok(['cluster', 'add', 'unchecked', '--hub', `http://127.0.0.1:${closed}`, '--token', 'x', '--no-check']);
    expect(JSON.parse((await fresh.ok(['cluster', 'list', '--json'])).stdout).map((c: { name: string }) => c.name)).toEqual(['c', 'unchecked']);
  });

  it('cluster rm removes a profile and its secrets; the one left becomes the default', async () => {
    const fresh = new Gridctl(join(cli.configHome, 'rm'));
    await fresh.ok(['cluster', 'add', 'a', '--hub', 'http://127.0.0.1:1', '--token', 'secret-of-a-0001', '--no-check']);
    await fresh.ok(['cluster', 'add', 'b', '--hub', 'http://127.0.0.1:2', '--token', 'secret-of-b-0001', '--no-check']);
    const rm = await fresh.ok(['cluster', 'rm', 'a']);
    expect(rm.stdout).toMatch(/^removed cluster a from .*gridctl\.toml and .*credentials\.toml; the default is now b\n$/);
    expect(JSON.parse((await fresh.ok(['cluster', 'list', '--json'])).stdout)).toEqual([
      { name: 'b', default: true, computehub_url: 'http://127.0.0.1:2', redis_url: null, token: true, redis_password: false },
    ]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(fresh.configHome, 'xdg', 'gridcore', 'credentials.toml'), 'utf8')).not.toContain('secret-of-a');
    expectOneLine(await fresh.run(['cluster', 'rm', 'a']), /^gridctl: no cluster a in .*gridctl\.toml \(known: b\)\n$/);
    expect((await fresh.ok(['cluster', 'rm', 'b'])).stdout).toMatch(/; no default cluster left\n$/);
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

  it('task add --writable-rootfs and --node-credentials reach the record and task show; a mode gridctl does not know is refused', async () => {
    const added = JSON.parse(
      (await cli.ok(['task', 'add', 't-opts', '--image', 'x:1', '--input-queue', 'opts:in', '--writable-rootfs', '--node-credentials', 'shared', '--wait-s', '0', '--json'])).stdout,
    );
    expect(added).toMatchObject({ name: 't-opts', writable_rootfs: true, node_credentials: 'shared' });
    const show = (await cli.ok(['task', 'show', 't-opts'])).stdout;
    expect(show).toMatch(/root filesystem\s+writable \(writable_rootfs\)/);
    expect(show).toMatch(/node credentials\s+shared/);

    const plain = JSON.parse((await cli.ok(['task', 'add', 't-plain', '--image', 'x:1', '--input-queue', 'plain:in', '--wait-s', '0', '--json'])).stdout);
    expect(plain).not.toHaveProperty('writable_rootfs');
    expect(plain.node_credentials).toBe('scoped');
    expect((await cli.ok(['task', 'show', 't-plain'])).stdout).toMatch(/root filesystem\s+read-only, writable \/tmp\n[^\n]*node credentials\s+scoped/);

    const bad = await cli.run(['task', 'add', 't-bad', '--image', 'x:1', '--node-credentials', 'open']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--node-credentials.*'open' is invalid.*scoped, shared/);
    expect(JSON.parse((await cli.ok(['task', 'list', '--json'])).stdout).tasks.map((t: { name: string }) => t.name)).not.toContain('t-bad');
  });
});
