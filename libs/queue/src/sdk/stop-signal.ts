/** The worker's one stop flag, as a flag for loops and a promise for waits that must end with it. */
export class StopSignal {
  private fired = false;
  private resolveStopped!: () => void;
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  get isSet(): boolean {
    return this.fired;
  }

  /** True for the caller that set it first (the one that logs why and owns the exit). */
  set(): boolean {
    if (this.fired) return false;
    this.fired = true;
    this.resolveStopped();
    return true;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whichever comes first: `work`, or `ms` elapsed (resolves either way). */
export function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work.then(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}
