/**
 * Tells the time a process spent frozen (the node's `docker pause` while its owner needs the
 * machine) from time it spent blocked: a tick that comes far later than due while the process
 * used almost no CPU meanwhile was frozen; one whose gap the process spent computing was not.
 * The hung-handler watchdog adds the frozen time to a handler's deadline, so a resumed worker
 * does not take the freeze for a hang.
 */
export class FreezeClock {
  /** A gap shorter than this over the tick is scheduling noise, not a freeze. */
  static readonly MIN_FREEZE_MS = 1_000;
  private total = 0;
  private lastAt = Date.now();
  private lastCpuMs = cpuMs();
  private timer?: NodeJS.Timeout;

  constructor(private readonly tickMs = 250) {}

  start(): void {
    if (this.timer) return;
    this.lastAt = Date.now();
    this.lastCpuMs = cpuMs();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Milliseconds spent frozen since the process started watching, counted up to the last tick. */
  frozenMs(): number {
    this.tick();
    return this.total;
  }

  /** Exposed for the unit spec: a tick `gapMs` after the previous one with `usedCpuMs` of CPU. */
  observe(gapMs: number, usedCpuMs: number): void {
    const late = gapMs - this.tickMs;
    if (late >= FreezeClock.MIN_FREEZE_MS && usedCpuMs < late / 2) this.total += late;
  }

  private tick(): void {
    const now = Date.now();
    const cpu = cpuMs();
    // Only a whole tick's gap says anything; a call between ticks (frozenMs) measures too little.
    if (now - this.lastAt < this.tickMs) return;
    this.observe(now - this.lastAt, cpu - this.lastCpuMs);
    this.lastAt = now;
    this.lastCpuMs = cpu;
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One clock per process: every lane's watchdog reads the same frozen time. */
let shared: FreezeClock | null = null;
export function processFreezeClock(): FreezeClock {
  shared ??= new FreezeClock();
  shared.start();
  return shared;
}
