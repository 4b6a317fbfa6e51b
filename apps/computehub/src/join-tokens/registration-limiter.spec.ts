import { RegistrationLimiter } from './registration-limiter';

describe('RegistrationLimiter', () => {
  it('allows a burst of ten seconds, then the rate, per key', () => {
    const limiter = new RegistrationLimiter(2);
    const t0 = 1_000_000;
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (limiter.take('a', t0)) allowed++;
    expect(allowed).toBe(20);
    expect(limiter.take('a', t0 + 400)).toBe(false);
    expect(limiter.take('a', t0 + 500)).toBe(true);
    expect(limiter.take('b', t0)).toBe(true);
  });

  it('keeps a bounded table however many keys it sees', () => {
    const limiter = new RegistrationLimiter(1);
    for (let i = 0; i < 20_000; i++) limiter.take(`k${i}`, 0);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(10_000);
  });
});
