import { maskRedisUrl, maskRedisUrlsDeep, maskRedisUrlsIn } from './redis-urls';

describe('maskRedisUrl', () => {
  it.each([
    ['redis://:secret@127.0.0.1:6379', 'redis://:****@127.0.0.1:6379'],
    ['redis://user:secret@127.0.0.1:6379/2', 'redis://user:****@127.0.0.1:6379/2'],
    ['rediss://127.0.0.1:6380/0?password=secret', 'rediss://127.0.0.1:6380/0?password=****'],
    ['redis://127.0.0.1:6379?db=1&Password=secret', 'redis://127.0.0.1:6379?db=1&Password=****'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('masks %s', (url, masked) => {
    expect(maskRedisUrl(url)).toBe(masked);
  });

  it('never echoes an unparsable URL', () => {
    expect(maskRedisUrl('redis://:sec ret@[bad')).not.toContain('sec');
  });
});

describe('maskRedisUrlsIn', () => {
  it.each([
    ['redis://:pw@host:6379', 'redis://:****@host:6379'],
    ['rediss://:pw@host:6380/0', 'rediss://:****@host:6380/0'],
    ['redis://user:pw@host', 'redis://user:****@host'],
    ['REDIS://user:pw@host', 'REDIS://user:****@host'],
    ['redis+sentinel://:pw@s1:26379', 'redis+sentinel://:****@s1:26379'],
    ['redis://:p@ss@host:1/0', 'redis://:****@host:1/0'],
    ['redis://:p:a:s@host', 'redis://:****@host'],
    ['redis://host:6379/0?db=1&password=pw&x=2', 'redis://host:6379/0?db=1&password=****&x=2'],
    ['redis://host?AUTH=pw', 'redis://host?AUTH=****'],
    ['--in redis://:a1@h1/0 --out=rediss://u:b2@h2:6380', '--in redis://:****@h1/0 --out=rediss://u:****@h2:6380'],
    ['{"url":"redis://:pw@h"}', '{"url":"redis://:****@h"}'],
    ['redis://:a@h1,redis://:b@h2', 'redis://:****@h1,redis://:****@h2'],
    ['redis://host:6379/0', 'redis://host:6379/0'],
    ['redis://onlyuser@host', 'redis://onlyuser@host'],
    ['http://u:pw@web', 'http://u:pw@web'],
    ['no url here', 'no url here'],
  ])('%s', (text, masked) => {
    expect(maskRedisUrlsIn(text)).toBe(masked);
  });

  it('is idempotent', () => {
    const once = maskRedisUrlsIn('redis://:pw@h redis://h?password=pw');
    expect(maskRedisUrlsIn(once)).toBe(once);
  });
});

describe('maskRedisUrlsDeep', () => {
  it('masks every string at any depth and leaves keys, numbers and the input alone', () => {
    const value = { env: { A: 'redis://:pw@h' }, list: ['x', { b: 'rediss://u:pw@h' }], n: 1, none: null, ok: true };
    const copy = JSON.parse(JSON.stringify(value));
    expect(maskRedisUrlsDeep(value)).toEqual({ env: { A: 'redis://:****@h' }, list: ['x', { b: 'rediss://u:****@h' }], n: 1, none: null, ok: true });
    expect(value).toEqual(copy);
  });

  it('masks records copied by structuredClone, and keeps dates and buffers', () => {
    const at = new Date(0);
    expect(maskRedisUrlsDeep(structuredClone({ env: { A: 'redis://:pw@h' } }))).toEqual({ env: { A: 'redis://:****@h' } });
    expect(maskRedisUrlsDeep({ at }).at).toBe(at);
  });
});
