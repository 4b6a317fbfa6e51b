import { FreezeClock, processFreezeClock } from './freeze-clock';

/**
 * One lane's hung-handler watchdog: armed once and re-armed only when it fires, so a batch costs
 * no timer set-up or tear-down (at batch 1 that churn is per item). It fires at the running
 * handler's start + batch_timeout_s, or later, never earlier than that deadline. Time the process
 * spent frozen (the node paused its container) does not count: the node moved the batch's start
 * forward by as much in Redis, so the handler has its whole timeout of running time.
 */
export class HungWatchdog {
  private key?: string;
  private since = 0;
  private frozenAtStart = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly onHung: (batchKey: string) => void,
    private readonly freezes: FreezeClock = processFreezeClock(),
  ) {}

  started(batchKey: string): void {
    this.key = batchKey;
    this.since = Date.now();
    this.frozenAtStart = this.freezes.frozenMs();
    if (!this.timer) this.arm(this.timeoutMs);
  }

  ended(): void {
    this.key = undefined;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** If a handler runs and has reached the timeout, it hangs; a later one re-arms; none rests. */
  private arm(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.key === undefined) return;
      const frozen = this.freezes.frozenMs() - this.frozenAtStart;
      const left = this.since + frozen + this.timeoutMs - Date.now();
      if (left <= 0) this.onHung(this.key);
      else this.arm(left);
    }, delayMs);
  }
}
