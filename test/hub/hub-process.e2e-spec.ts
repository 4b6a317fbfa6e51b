import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ensureBuilt } from '../support/hub-process';
import { freePort, waitFor } from '../support/ports';

/** The built hub as a user runs it: `node main.js [-c FILE]`, with a HOME of its own. */
function runHub(args: string[], env: Record<string, string>) {
  const entry = ensureBuilt('computehub');
  const home = env.HOME ?? mkdtempSync(join(tmpdir(), 'gridcore-home-'));
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, home, exited, output: () => output };
}

describe('the hub as a process', () => {
  it('on a first run writes a config with a random token (0600), says where, never logs the token, and serves', async () => {
    const port = await freePort();
    const hub = runHub([], { COMPUTEHUB_BIND: `127.0.0.1:${port}`, COMPUTEHUB_STATE_DIR: mkdtempSync(join(tmpdir(), 'gc-state-')) });
    try {
      const file = join(hub.home, '.config', 'gridcore', 'computehub.toml');
      await waitFor(() => hub.output().includes('listening on'), 20_000, 'hub listening');
      expect(hub.output()).toContain(`first run: wrote ${file}`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const token = /token = "([^"]+)"/.exec(readFileSync(file, 'utf8'))![1];
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(hub.output()).not.toContain(token);
      await request(`http://127.0.0.1:${port}`).get('/api/tasks').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      hub.child.kill('SIGKILL');
    }
  });

  it('stops at once on SIGTERM with long-polls and an event stream open, exit code 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const hub = runHub([], { COMPUTEHUB_BIND: `127.0.0.1:${port}`, COMPUTEHUB_TOKEN: 'sigterm-token-1', COMPUTEHUB_STATE_DIR: mkdtempSync(join(tmpdir(), 'gc-state-')) });
    await waitFor(() => hub.output().includes('listening on'), 20_000, 'hub listening');
    const auth = { Authorization: 'Bearer sigterm-token-1' };
    const polls = [1, 2, 3].map(() => request(url).get('/gridnode/task?wait=60&revision=0').set(auth).then((r) => r.status, () => 'cut'));
    const sse = request(url).get('/api/events').set(auth).buffer(false).then(() => 'ended', () => 'cut');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    const took = Date.now() - started;
    console.log(`hub stopped ${took} ms after SIGTERM with 3 long-polls and 1 SSE stream open`);
    expect(took).toBeLessThan(3000);
    expect(await Promise.all(polls)).toEqual([200, 200, 200]);
    await sse;
  });

  it('never writes a token or a Redis password to its log, even when that Redis is unreachable', async () => {
    const port = await freePort();
    const deadRedis = `redis://:pw-in-url-77@127.0.0.1:${await freePort()}`;
    const hub = runHub([], {
      COMPUTEHUB_BIND: `127.0.0.1:${port}`,
      COMPUTEHUB_TOKEN: 'log-token-secret-1',
      COMPUTEHUB_ADMIN_TOKENS: 'admin-secret-0002',
      COMPUTEHUB_STATE_STORE: 'file',
      COMPUTEHUB_STATE_DIR: mkdtempSync(join(tmpdir(), 'gc-state-')),
      COMPUTEHUB_PROGRESS_INTERVAL_S: '0.2',
      COMPUTEHUB_CLEANUP_INTERVAL_S: '0.2',
    });
    try {
      await waitFor(() => hub.output().includes('listening on'), 20_000, 'hub listening');
      const url = `http://127.0.0.1:${port}`;
      await request(url).post('/api/tasks').set('Authorization', 'Bearer admin-secret-0002').send({ name: 'logged', image: 'i', input_redis: deadRedis, input_queue: 'q' }).expect(201);
      await request(url).get('/api/tasks').set('Authorization', 'Bearer wrong-token-3').expect(401);
      await waitFor(() => /cannot reap queue q|could not write queue config/.test(hub.output()), 10_000, 'a logged Redis failure');
      for (const secret of ['log-token-secret-1', 'admin-secret-0002', 'wrong-token-3', 'pw-in-url-77']) expect(hub.output()).not.toContain(secret);
    } finally {
      hub.child.kill('SIGKILL');
    }
  });

  it.each([
    ['COMPUTEHUB_ADMIN_TOKENS', 'admin_tokens'],
    ['COMPUTEHUB_VIEWER_TOKENS', 'viewer_tokens'],
    ['COMPUTEHUB_NODE_TOKENS', 'node_tokens'],
  ])('refuses a role token shorter than 16 characters in %s at start, in one line naming the key', async (variable, key) => {
    const port = await freePort();
    const hub = runHub([], {
      COMPUTEHUB_BIND: `127.0.0.1:${port}`,
      COMPUTEHUB_TOKEN: 'legacy-token-0001',
      [variable]: 'long-enough-token-0001,a',
      COMPUTEHUB_STATE_DIR: mkdtempSync(join(tmpdir(), 'gc-state-')),
    });
    try {
      expect(await hub.exited).toBe(2);
    } finally {
      hub.child.kill('SIGKILL');
    }
    expect(hub.output().trim()).toBe(`config: ${key} (from ${variable}) must be a list of tokens of 16 to 512 characters without spaces (entry 2 has 1 character)`);
  });

  it('fails in one line naming the key for a bad value, and warns about keys it does not use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gc-conf-'));
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, 'token = "a-good-token-1"\nnode_offline_after_s = "soon"\n');
    const failed = runHub(['-c', bad], {});
    expect(await failed.exited).toBe(2);
    expect(failed.output().trim()).toBe(`config: node_offline_after_s in ${bad} must be a number from 0.1 to 86400 (got "soon")`);

    const port = await freePort();
    const original = join(dir, 'computehub.toml');
    writeFileSync(original, `bind = "127.0.0.1:${port}"\ntoken = "original-token-1"\narchitecture = "x86_64"\n`);
    const hub = runHub([], { IDM_GRIDCORE_CONFIG: original, COMPUTEHUB_STATE_DIR: dir });
    try {
      await waitFor(() => hub.output().includes('listening on'), 20_000, 'hub listening');
      expect(hub.output()).toContain(`config: key architecture in ${original} is not used by GridCore; ignored`);
      await request(`http://127.0.0.1:${port}`).get('/api/nodes').set('Authorization', 'Bearer original-token-1').expect(200);
    } finally {
      hub.child.kill('SIGKILL');
    }
    const missing = spawnSync(process.execPath, [ensureBuilt('computehub'), '-c', join(dir, 'nope.toml')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe(`config: -c names ${join(dir, 'nope.toml')}, which holds no computehub.toml`);
  });
});
