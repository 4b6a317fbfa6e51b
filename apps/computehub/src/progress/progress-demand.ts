import { Injectable } from '@nestjs/common';

/** A `?fresh=1` read keeps the task watched this long, so a reader polling once a second sees 1 s samples. */
const READ_HOLD_MS = 5_000;

/**
 * Who wants progress now: open SSE streams and recent `?fresh=1` reads. While anyone watches,
 * the sampler samples the running task every second instead of every `progress_interval_s`.
 * It lives beside the board, not in the progress module, because the tasks module (which the
 * progress module depends on) asks it for fresh samples; the sampler attaches itself at start.
 */
@Injectable()
export class ProgressDemand {
  private streams = 0;
  private readUntilMs = 0;
  private sampleNow: (() => Promise<void>) | null = null;

  /** The sampler's "take a sample that starts after this call" operation. */
  attach(sampleNow: () => Promise<void>): void {
    this.sampleNow = sampleNow;
  }

  get watched(): boolean {
    return this.streams > 0 || Date.now() < this.readUntilMs;
  }

  /** An event stream opened: a sample follows at once; call the returned function when it closes. */
  openStream(): () => void {
    this.streams++;
    void this.sampleNow?.();
    let open = true;
    return () => {
      if (open) this.streams--;
      open = false;
    };
  }

  /** Resolves once a sample of the running task that started after this call is on the board. */
  async fresh(): Promise<void> {
    this.readUntilMs = Date.now() + READ_HOLD_MS;
    await this.sampleNow?.();
  }
}
