import { maskLogSecrets } from './log-secrets';

describe('maskLogSecrets', () => {
  it.each([
    ['redis.exceptions.ConnectionError: redis://worker:s3cretPass@127.0.0.1:6379/0', 'redis://worker:****@127.0.0.1:6379/0'],
    ['connecting with password=hunter2hunter2 now', 'password=****'],
    ['redis-server --requirepass topsecret1', '--requirepass ****'],
    ['> AUTH default s3cr3tpw', 'AUTH default ****'],
    ['Authorization: Bearer abcdefghijklmnop', 'Bearer ****'],
    [`token gcn_0123456789abcdef_${'A'.repeat(43)} leaked`, 'token ****'],
  ])('masks %j', (text, expected) => {
    const masked = maskLogSecrets(text);
    expect(masked).toContain(expected);
  });

  it('masks a known literal wherever it stands, and leaves ordinary output alone', () => {
    expect(maskLogSecrets('the password is Zq9-plain-pw ok', ['Zq9-plain-pw'])).toBe('the password is **** ok');
    const traceback = 'Traceback (most recent call last):\n  File "/app/consumer.py", line 16, in <module>\nValueError: could not convert string to float: \'bad\'\n';
    expect(maskLogSecrets(traceback, ['short'])).toBe(traceback);
  });
});
