import { maskRedisUrl } from './state-redis';

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
