import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { RecordingLogger } from '../support/recording-logger';
import { RunningRedis, startRedis } from '../support/redis-server';

const admin = bearer(TOKENS.admin);
// The legacy token: node_tokens are join tokens, which only register (issue 16).
const node = bearer(TOKENS.legacy);
const register = (id: string) => ({ node_id: id, hostname: 'h', architecture: 'x86_64', cpu_count: 1 });

/** A tmpfs of 64 KiB, so the test can fill the hub's state_dir for real (the tests run as root). */
function smallDisk(): { dir: string; fill(): void; free(): void; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-fulldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      // dd stops with "No space left on device" once the tmpfs is full: that is the point.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
      } catch {
        // full
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('state writes and readiness', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('removes the temporary files a crash left in state_dir at start, one log line each, and keeps the rest', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'gridcore-leftovers-'));
    writeFileSync(join(stateDir, 'tasks.json'), JSON.stringify({ revision: 4, current_id: null, tasks: [] }));
    writeFileSync(join(stateDir, 'tasks.json.666.tmp'), '{"revision": 5, "tasks": [');
    writeFileSync(join(stateDir, 'nodes.json.4242.tmp'), '[{"id":');
    writeFileSync(join(stateDir, 'notes.txt'), 'the operator keeps this');
    writeFileSync(join(stateDir, 'tasks.json.bak'), 'and this');
    writeFileSync(join(stateDir, 'export.2026.tmp'), 'and this one, not ours');
    const logger = new RecordingLogger();
    hub = await startTestHub({ state_dir: stateDir }, { logger });
    expect(readdirSync(stateDir).sort()).toEqual(['export.2026.tmp', 'notes.txt', 'tasks.json', 'tasks.json.bak']);
    const removals = logger.lines.filter((l) => /temporary state file/.test(l.message));
    expect(removals.map((l) => l.message).sort()).toEqual([
      expect.stringMatching(/removed .*nodes\.json\.4242\.tmp/),
      expect.stringMatching(/removed .*tasks\.json\.666\.tmp/),
    ]);
    const env = await request(hub.url).get('/gridnode/task?wait=0').set(node).expect(200);
    expect(env.body.revision).toBe(4);
  });

  it('a full state_dir makes /health/ready 503 with the reason until a write (or its probe) succeeds again, and leaves no temporary file', async () => {
    const disk = smallDisk();
    try {
      const started = await startTestHub({ state_dir: disk.dir });
      hub = started;
      await request(started.url).post('/api/tasks').set(admin).send({ name: 'before', image: 'i' }).expect(201);
      await request(hub.url).post('/gridnode/register').set(node).send(register('n1')).expect(200);
      await request(hub.url).get('/health/ready').expect(200);

      disk.fill();
      const refused = await request(hub.url).post('/api/tasks').set(admin).send({ name: 'during', image: 'i' });
      expect(refused.status).toBe(503);
      const ready = await request(hub.url).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toMatch(/state_dir writes fail: ENOSPC/);
      expect(JSON.stringify(ready.body)).toMatch(/tasks\.json/);
      expect(JSON.stringify(ready.body)).not.toContain(disk.dir);
      // Node records are appended to a log, whose last page may still take a line or two on a
      // full disk: register until the append is refused (each record is a few hundred bytes).
      let nodeRefusedAfter = -1;
      for (let i = 0; i < 100 && nodeRefusedAfter < 0; i++) {
        const res = await request(hub.url).post('/gridnode/register').set(node).send(register(`n2-${i}`));
        if (res.status === 503) nodeRefusedAfter = i;
        else expect(res.status).toBe(200);
      }
      expect(nodeRefusedAfter).toBeGreaterThanOrEqual(0);
      const both = await request(hub.url).get('/health/ready').expect(503);
      expect(JSON.stringify(both.body)).toMatch(/nodes\.log/);
      console.log(`/health/ready with state_dir full: 503 ${both.body.message} (node register refused after ${nodeRefusedAfter} appends)`);
      expect(readdirSync(disk.dir).sort()).toEqual(['filler', 'nodes.log', 'tasks.json']);
      // Reads still work, and the refused task is not there.
      const names = (await request(hub.url).get('/api/tasks').set(admin).expect(200)).body.tasks.map((t: { name: string }) => t.name);
      expect(names).toEqual(['before']);

      disk.free();
      // A real write clears its own target at once...
      await request(hub.url).post('/api/tasks').set(admin).send({ name: 'after', image: 'i' }).expect(201);
      const afterWrite = await request(hub.url).get('/health/ready');
      expect(JSON.stringify(afterWrite.body)).not.toMatch(/tasks\.json/);
      // ...and readiness probes the rest itself (an unready hub may get no traffic that writes).
      const freedAt = Date.now();
      await waitFor(async () => (await request(started.url).get('/health/ready')).status === 200, 10_000, 'ready again without a write');
      console.log(`ready again ${Date.now() - freedAt} ms after the disk had room, with no node write`);
      expect(readdirSync(disk.dir).sort()).toEqual(['nodes.log', 'tasks.json']);
      await request(hub.url).post('/gridnode/register').set(node).send(register('n2')).expect(200);
    } finally {
      await hub?.close();
      hub = undefined;
      disk.unmount();
    }
    expect(existsSync(disk.dir)).toBe(false);
  });

  describe('with the Redis state store', () => {
    let redis: RunningRedis;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis.stop());

    it('a write Redis refuses (out of memory) makes /health/ready 503 with the reason, until a write succeeds', async () => {
      hub = await startTestHub({ state_store: 'redis', state_redis_url: redis.url });
      await request(hub.url).post('/api/tasks').set(admin).send({ name: 'r-before', image: 'i' }).expect(201);
      await request(hub.url).get('/health/ready').expect(200);
      const control = new Redis(redis.url);
      try {
        await control.config('SET', 'maxmemory-policy', 'noeviction');
        await control.config('SET', 'maxmemory', '1');
        await request(hub.url).post('/api/tasks').set(admin).send({ name: 'r-during', image: 'i' }).expect(503);
        const ready = await request(hub.url).get('/health/ready').expect(503);
        expect(JSON.stringify(ready.body)).toMatch(/state Redis writes fail: OOM/);
        await control.config('SET', 'maxmemory', '0');
        await request(hub.url).post('/api/tasks').set(admin).send({ name: 'r-after', image: 'i' }).expect(201);
        await request(hub.url).get('/health/ready').expect(200);
      } finally {
        await control.config('SET', 'maxmemory', '0');
        control.disconnect();
      }
    });
  });
});
