import { decideDeliveryMode, parseRedisUrl, startupLine } from './delivery-mode';

describe('delivery mode', () => {
  const base = { inputQueue: '{sqrt}:in', outputQueue: '{sqrt}:out', cluster: false };
  it('parses URLs', () => {
    expect(parseRedisUrl('redis://:pw@LocalHost:6380/2')).toEqual({ host: 'localhost', port: 6380, db: 2, user: 'default' });
    expect(parseRedisUrl('rediss://bob:pw@h')).toEqual({ host: 'h', port: 6379, db: 0, user: 'bob' });
  });
  it.each([
    ['redis://h:1/0', 'redis://h:1', false, 'sqrt:out', { mode: 'exactly-once' }],
    ['redis://:a@h:1/0', 'redis://:b@h:1/0', false, 'sqrt:out', { mode: 'exactly-once' }],
    ['redis://h:1', 'redis://g:1', false, 'sqrt:out', { mode: 'at-least-once', reason: 'different-host' }],
    ['redis://h:1', 'redis://h:2', false, 'sqrt:out', { mode: 'at-least-once', reason: 'different-port' }],
    ['redis://h:1/0', 'redis://h:1/1', false, 'sqrt:out', { mode: 'at-least-once', reason: 'different-db' }],
    ['redis://a:x@h:1', 'redis://b:x@h:1', false, 'sqrt:out', { mode: 'at-least-once', reason: 'different-user' }],
    ['redis://h:1', 'redis://h:1', true, 'sqrt:out', { mode: 'at-least-once', reason: 'cross-slot' }],
    ['redis://h:1', 'redis://h:1', true, '{sqrt}:out', { mode: 'exactly-once' }],
  ])('%s → %s cluster=%s out=%s', (inputUrl, outputUrl, cluster, outputQueue, want) => {
    expect(decideDeliveryMode({ ...base, inputUrl, outputUrl, cluster, outputQueue })).toEqual(want);
  });
  it('formats the start-up line', () => {
    const f = { task: 't', node: 'n', instance: '0', run: 'r', input: 'i', output: 'o', batch: 100, concurrency: 1, leaseS: 60, batchTimeoutS: 600, maxAttempts: 3 };
    expect(startupLine({ ...f, mode: { mode: 'exactly-once' } })).toBe(
      'gridcore-worker task=t node=n instance=0 run=r input=i output=o batch=100 concurrency=1 lease_s=60 batch_timeout_s=600 max_attempts=3 mode=exactly-once',
    );
    expect(startupLine({ ...f, mode: { mode: 'at-least-once', reason: 'different-db' } })).toMatch(/ mode=at-least-once reason=different-db$/);
  });
});
