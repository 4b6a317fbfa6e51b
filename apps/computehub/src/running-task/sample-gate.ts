/**
 * Serialises samples so they never overlap, and tells apart two kinds of callers: a periodic
 * tick is happy with the sample already running, while a fresh read needs one that starts after
 * its call (the running one may have read Redis before the items the reader just pushed).
 * Fresh callers arriving during one sample share the single sample queued behind it.
 */
export class SampleGate {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private lastStartMs = 0;

  constructor(private readonly sample: () => Promise<void>) {}

  /** When the latest sample started (Date.now()), 0 before the first. */
  get lastStartedAtMs(): number {
    return this.lastStartMs;
  }

  /** The running sample, or a new one when none runs. */
  any(): Promise<void> {
    return this.running ?? this.start();
  }

  /** A sample that starts after this call. */
  fresh(): Promise<void> {
    if (!this.running) return this.start();
    // The running sample's failure is its own callers' business; the queued one runs regardless.
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<void> {
    this.lastStartMs = Date.now();
    const run: Promise<void> = this.sample().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
