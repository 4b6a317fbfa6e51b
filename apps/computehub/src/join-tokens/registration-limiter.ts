/** At most this many join tokens have a bucket at once; a full table forgets the oldest. */
const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * A token bucket per join token: `ratePerS` registrations a second, bursts of ten seconds'
 * worth. Its table is bounded, so neither a flood nor many tokens grow it without limit.
 */
export class RegistrationLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(private readonly ratePerS: number) {
    this.burst = Math.max(1, Math.ceil(ratePerS * 10));
  }

  /** Takes one registration for `key`; false when its bucket is empty. */
  take(key: string, nowMs = Date.now()): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, atMs: nowMs };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.atMs) / 1000) * this.ratePerS);
    bucket.atMs = nowMs;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get rate(): number {
    return this.ratePerS;
  }
}
