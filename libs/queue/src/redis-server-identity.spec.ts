import { isLoopback, LOOPBACK_HOST, redisServerIdentity, resolveRedisServer, sameRedisServer } from './redis-server-identity';

const same = (a: string, b: string) => sameRedisServer(redisServerIdentity(a), redisServerIdentity(b));

describe('Redis server identity (issue 14, fault 5)', () => {
  it('fills in the default port, db and user, and ignores a trailing slash and the scheme', () => {
    const base = 'redis://:pw@127.0.0.1:26401';
    for (const other of [
      'redis://:pw@127.0.0.1:26401/0',
      'redis://:pw@127.0.0.1:26401/',
      'redis://:other-pw@127.0.0.1:26401?db=0',
      'redis://default:pw@127.0.0.1:26401',
      'rediss://:pw@127.0.0.1:26401',
    ]) {
      expect([other, same(base, other)]).toEqual([other, true]);
    }
    expect(same('redis://10.0.0.5', 'redis://10.0.0.5:6379/0')).toBe(true);
    expect(redisServerIdentity('redis://h.example')).toEqual({ addresses: ['h.example'], port: 6379, db: 0, user: 'default' });
  });

  it('treats every loopback address and name as one host', () => {
    for (const host of ['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.1.2.3', '[::1]', 'db.localhost', '[::ffff:127.0.0.1]']) {
      expect([host, same('redis://127.0.0.1:26401', `redis://${host}:26401`)]).toEqual([host, true]);
    }
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(isLoopback('localhost.example.org')).toBe(false);
  });

  it('tells different servers apart: port, db, user, host', () => {
    expect(same('redis://127.0.0.1:26401', 'redis://127.0.0.1:26402')).toBe(false);
    expect(same('redis://127.0.0.1:26401', 'redis://127.0.0.1:26401/1')).toBe(false);
    expect(same('redis://alice:pw@127.0.0.1:26401', 'redis://bob:pw@127.0.0.1:26401')).toBe(false);
    expect(same('redis://10.0.0.5', 'redis://10.0.0.6')).toBe(false);
    expect(same('redis://a.example', 'redis://b.example')).toBe(false);
  });

  it('resolves host names: names sharing an address are one server', async () => {
    const lookup = async (host: string) => ({ 'a.example': ['10.0.0.5'], 'b.example': ['10.0.0.7', '10.0.0.5'], 'c.example': ['10.0.0.9'], 'me.example': ['127.0.1.1'] })[host] ?? [];
    const [a, b, c, me, ip] = await Promise.all(
      ['redis://a.example', 'redis://b.example:6379/0', 'redis://c.example', 'redis://me.example', 'redis://10.0.0.5/'].map((u) => resolveRedisServer(u, lookup)),
    );
    expect(sameRedisServer(a, b)).toBe(true);
    expect(sameRedisServer(a, ip)).toBe(true);
    expect(sameRedisServer(a, c)).toBe(false);
    expect(me.addresses).toEqual([LOOPBACK_HOST]);
  });

  it('resolves with the system resolver, and falls back to the name when it fails or is slow', async () => {
    expect((await resolveRedisServer('redis://localhost:26401')).addresses).toEqual([LOOPBACK_HOST]);
    const failing = async (): Promise<string[]> => {
      throw new Error('ENOTFOUND');
    };
    expect((await resolveRedisServer('redis://nowhere.invalid', failing)).addresses).toEqual(['nowhere.invalid']);
    const started = Date.now();
    const slow = () => new Promise<string[]>((r) => setTimeout(() => r(['10.0.0.1']), 5000).unref());
    expect((await resolveRedisServer('redis://slow.example', slow, 100)).addresses).toEqual(['slow.example']);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
