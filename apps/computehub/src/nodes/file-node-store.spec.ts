import { StateWriteHealth } from '../persistence/state-write-health';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { FileNodeStore } from './file-node-store';
import type { PersistedNode } from './node-record';

const record = (id: string, hostname = `host-${id}`): PersistedNode => ({
  id,
  hostname,
  architecture: 'x86_64',
  cpu_count: 4,
  platform: 'linux/amd64',
  version: null,
  labels: {},
  memory_total_mb: null,
  parallelism: null,
  gpus: [],
  registered_at: '2026-01-01T00:00:00.000Z',
  last_seen_ms: 1,
  stop_requested: false,
});

describe('FileNodeStore', () => {
  const stateDir = () => mkdtempSync(join(tmpdir(), 'gridcore-nodes-'));
  const open = async (dir: string) => {
    const store = new FileNodeStore(HubConfig.fromValues({ token: 'unit-test-token-1', state_dir: dir }), new StateWriteHealth());
    const loaded = await store.load();
    return { store, loaded };
  };

  it('appends one line per change and loads the latest version of each record', async () => {
    const dir = stateDir();
    const { store, loaded } = await open(dir);
    expect(loaded).toEqual([]);
    await store.write([{ put: record('a') }, { put: record('b') }]);
    await store.write([{ put: record('a', 'renamed') }, { remove: 'b' }]);
    await store.close();
    expect(readFileSync(join(dir, 'nodes.log'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect((await open(dir)).loaded).toEqual([record('a', 'renamed')]);
  });

  it('groups concurrent writes and keeps each one', async () => {
    const dir = stateDir();
    const { store } = await open(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.write([{ put: record(`n${i}`) }])));
    await store.close();
    expect((await open(dir)).loaded.map((n) => n.id).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `n${i}`).sort());
  });

  it('loses nothing but the torn last line a crash mid-append left', async () => {
    const dir = stateDir();
    const { store } = await open(dir);
    await store.write([{ put: record('a') }, { put: record('b') }]);
    await store.close();
    appendFileSync(join(dir, 'nodes.log'), '{"put":{"id":"c","hostn');
    const { store: reopened, loaded } = await open(dir);
    expect(loaded.map((n) => n.id)).toEqual(['a', 'b']);
    await reopened.write([{ put: record('d') }]);
    await reopened.close();
    expect((await open(dir)).loaded.map((n) => n.id)).toEqual(['a', 'b', 'd']);
  });

  it('compacts the log to one line per live record once it is mostly history', async () => {
    const dir = stateDir();
    const { store } = await open(dir);
    // 12,000 heartbeat saves of five nodes: far past twice the live records plus the slack.
    for (let round = 0; round < 2_400; round++) {
      await store.write(['a', 'b', 'c', 'd', 'e'].map((id) => ({ put: { ...record(id), last_seen_ms: round } })));
    }
    await store.write([{ remove: 'e' }]);
    await store.close();
    const lines = readFileSync(join(dir, 'nodes.log'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(10_100);
    expect(statSync(join(dir, 'nodes.log')).size).toBeLessThan(3_000_000);
    const loaded = (await open(dir)).loaded;
    expect(loaded.map((n) => n.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(loaded.every((n) => n.last_seen_ms === 2_399)).toBe(true);
  });

  it('reads the nodes.json of older versions once and moves it aside', async () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'nodes.json'), JSON.stringify([record('old-1'), record('old-2')]));
    const { store, loaded } = await open(dir);
    expect(loaded.map((n) => n.id)).toEqual(['old-1', 'old-2']);
    await store.write([{ remove: 'old-1' }]);
    await store.close();
    expect(existsSync(join(dir, 'nodes.json'))).toBe(false);
    expect(existsSync(join(dir, 'nodes.json.migrated'))).toBe(true);
    expect((await open(dir)).loaded.map((n) => n.id)).toEqual(['old-2']);
  });
});
