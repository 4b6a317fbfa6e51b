import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, ProfileStore } from './profiles';

describe('ProfileStore', () => {
  const fresh = () => new ProfileStore(join(mkdtempSync(join(tmpdir(), 'gridctl-profiles-')), 'gridcore'));

  it('honours XDG_CONFIG_HOME, then HOME', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/gridcore');
    expect(configDir({ HOME: '/h' })).toBe('/h/.config/gridcore');
  });

  it('writes secrets only to a 0600 credentials file and merges clusters', () => {
    const store = fresh();
    store.save('a', { computehub_url: 'http://a:8080', redis_url: 'redis://a:6379' }, { token: 'ta', redis_password: 'pa' }, false);
    store.save('b', { computehub_url: 'http://b:8080' }, { token: 'tb' }, false);
    expect(statSync(store.credentialsPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(store.profilesPath, 'utf8')).not.toMatch(/ta|pa|tb/);
    expect(store.resolve('b')).toEqual({ name: 'b', profile: { computehub_url: 'http://b:8080' }, credentials: { token: 'tb' } });
    expect(store.resolve().name).toBe('a'); // the first one saved became the default
    store.save('b', { computehub_url: 'http://b:9090' }, {}, true);
    expect(store.resolve()).toEqual({ name: 'b', profile: { computehub_url: 'http://b:9090' }, credentials: { token: 'tb' } });
  });

  it('says what to do when no cluster, several clusters or a broken file', () => {
    const store = fresh();
    expect(() => store.resolve()).toThrow(/no cluster configured: run `gridctl cluster add NAME --hub URL --token TOKEN`/);
    store.save('a', { computehub_url: 'http://a' }, {}, false);
    expect(() => store.resolve('zz')).toThrow(/no cluster zz in .*gridctl\.toml \(known: a\)/);
    writeFileSync(store.profilesPath, '[cluster.a]\ncomputehub_url = "http://a"\n[cluster.b]\ncomputehub_url = "http://b"\n');
    expect(() => store.resolve()).toThrow(/several clusters in .* \(a, b\): pick one with --cluster NAME/);
    writeFileSync(store.profilesPath, '[cluster.a\n');
    expect(() => store.resolve()).toThrow(/^cannot read .*gridctl\.toml: /);
  });

  it('removes a cluster from both files, passing the default to the one left', () => {
    const store = fresh();
    store.save('a', { computehub_url: 'http://a' }, { token: 'token-of-a' }, false);
    store.save('b', { computehub_url: 'http://b' }, { token: 'token-of-b' }, false);
    store.save('c', { computehub_url: 'http://c' }, {}, false);
    expect(store.remove('b')).toBeUndefined(); // not the default
    expect(readFileSync(store.credentialsPath, 'utf8')).not.toContain('token-of-b');
    expect(store.remove('a')).toBe('c');
    expect(store.resolve()).toEqual({ name: 'c', profile: { computehub_url: 'http://c' }, credentials: {} });
    expect(() => store.remove('a')).toThrow(/^no cluster a in .*gridctl\.toml \(known: c\)$/);
    expect(store.remove('c')).toBeNull();
    expect(() => store.resolve()).toThrow(/no cluster configured/);
  });
});
