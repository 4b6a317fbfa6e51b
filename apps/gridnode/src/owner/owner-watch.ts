import { Logger } from '@nestjs/common';
import { BehaviorSubject } from 'rxjs';
import { HostUsageMeter } from '../host/host-usage';
import { insideHours } from './hours';
import { OwnerCpuMeter } from './owner-cpu-meter';
import { OwnerPolicy, PauseReason } from './owner-policy';
import { onBattery } from './power-supply';

/** The node's pause as the heartbeat carries it: why, and since when (RFC 3339). */
export interface PauseState {
  reason: PauseReason;
  since: string;
}

/** How often the owner's CPU use is sampled (issue 20: every 250 ms). */
export const OWNER_SAMPLE_MS = 250;
/** Samples averaged to decide the owner is busy: a half-second burst, so one stray tick does not pause. */
const BUSY_SAMPLES = 2;
const BATTERY_EVERY_MS = 2_000;
/** Memory above max_memory_percent this long drops one more container; below (limit − 5) this long lifts the cap. */
const MEMORY_SHRINK_AFTER_MS = 5_000;
const MEMORY_GROW_AFTER_MS = 30_000;

export interface OwnerWatchDeps {
  policy: OwnerPolicy;
  /** The grid's containers now (their processes' CPU is not the owner's). */
  gridContainers: () => ReadonlySet<string>;
  /** Containers the node runs now (memory cap steps down from there). */
  runningContainers: () => number;
  meter?: OwnerCpuMeter;
  memPct?: () => Promise<number>;
  battery?: () => Promise<boolean>;
  now?: () => Date;
}

/**
 * Watches the owner's side of the machine and says whether the node must pause, and why: by hand
 * (`gridnode pause`) first, then on battery, outside the hours, and the owner busy (their CPU use
 * above idle_cpu_percent: paused within a second; resumed after idle_after_s below it). It also
 * keeps the node's load value, max(owner CPU %, memory %), and the memory cap on containers.
 */
export class OwnerWatch {
  private readonly logger = new Logger('Owner');
  readonly paused$ = new BehaviorSubject<PauseState | null>(null);
  private readonly meter: OwnerCpuMeter;
  private readonly memPct: () => Promise<number>;
  private readonly battery: () => Promise<boolean>;
  private readonly now: () => Date;
  private timer?: NodeJS.Timeout;
  private sampling: Promise<void> | null = null;
  private samples: number[] = [];
  private byHand = false;
  private ownerBusy = false;
  private quietSinceMs: number | null = null;
  private onBatteryNow = false;
  private batteryCheckedAt = 0;
  private lastMemPct = 0;
  /** At most this many containers while memory is above max_memory_percent; null: no cap. */
  readonly containerCap$ = new BehaviorSubject<number | null>(null);
  private memoryHighSince: number | null = null;
  private memoryLowSince: number | null = null;
  /** Owner CPU %, averaged over the last second. */
  ownerCpuPct = 0;

  constructor(private readonly deps: OwnerWatchDeps) {
    this.meter = deps.meter ?? new OwnerCpuMeter(deps.policy.idleExclude);
    this.memPct = deps.memPct ?? (() => new HostUsageMeter().memPct());
    this.battery = deps.battery ?? (() => onBattery());
    this.now = deps.now ?? (() => new Date());
  }

  get policy(): OwnerPolicy {
    return this.deps.policy;
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), OWNER_SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `gridnode pause`: paused until {@link resumeByHand}, whatever else holds. */
  pauseByHand(): void {
    this.byHand = true;
    this.decide();
  }

  resumeByHand(): void {
    this.byHand = false;
    this.decide();
  }

  /** The heartbeat's `usage.load`: max(owner CPU %, memory %), 0..100. */
  load(): number {
    return Math.round(Math.max(this.ownerCpuPct, this.lastMemPct) * 100) / 100;
  }

  containerCap(): number | null {
    return this.containerCap$.value;
  }

  /** One sample; overlapping ticks (a slow /proc on a loaded machine) are skipped, not queued. */
  tick(): Promise<void> {
    this.sampling ??= this.sampleOnce().finally(() => (this.sampling = null));
    return this.sampling;
  }

  private async sampleOnce(): Promise<void> {
    const nowMs = this.now().getTime();
    const cpu = await this.meter.sample(this.deps.gridContainers());
    this.samples.push(cpu);
    if (this.samples.length > 1000 / OWNER_SAMPLE_MS) this.samples.shift();
    this.ownerCpuPct = Math.round((this.samples.reduce((a, b) => a + b, 0) / this.samples.length) * 10) / 10;
    this.lastMemPct = await this.memPct().catch(() => this.lastMemPct);
    if (this.policy.pauseOnBattery && nowMs - this.batteryCheckedAt >= BATTERY_EVERY_MS) {
      this.batteryCheckedAt = nowMs;
      this.onBatteryNow = await this.battery().catch(() => false);
    }
    this.followOwnerCpu(nowMs);
    this.followMemory(nowMs);
    this.decide();
  }

  private followOwnerCpu(nowMs: number): void {
    if (!this.policy.runWhenIdle) return;
    const threshold = this.policy.idleCpuPercent;
    const recent = this.samples.slice(-BUSY_SAMPLES);
    const recentMean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const last = this.samples[this.samples.length - 1];
    if (!this.ownerBusy) {
      if (recent.length >= BUSY_SAMPLES && recentMean > threshold) {
        this.ownerBusy = true;
        this.quietSinceMs = null;
        this.logger.log(`the owner's CPU use is ${recentMean.toFixed(0)} % (above idle_cpu_percent ${threshold}): pausing`);
      }
      return;
    }
    if (last > threshold) this.quietSinceMs = null;
    else this.quietSinceMs ??= nowMs;
    if (this.quietSinceMs !== null && nowMs - this.quietSinceMs >= this.policy.idleAfterS * 1000) {
      this.ownerBusy = false;
      this.quietSinceMs = null;
      this.logger.log(`the owner's CPU use stayed below ${threshold} % for ${this.policy.idleAfterS} s: resuming`);
    }
  }

  private followMemory(nowMs: number): void {
    const limit = this.policy.maxMemoryPercent;
    if (limit === null) return;
    if (this.lastMemPct > limit) {
      this.memoryLowSince = null;
      this.memoryHighSince ??= nowMs;
      const cap = this.containerCap$.value;
      if (nowMs - this.memoryHighSince >= (cap === null ? 0 : MEMORY_SHRINK_AFTER_MS) && cap !== 0) {
        const next = Math.max(0, (cap ?? this.deps.runningContainers()) - 1);
        this.memoryHighSince = nowMs;
        this.logger.log(`memory use ${this.lastMemPct} % is above max_memory_percent ${limit}: at most ${next} containers`);
        this.containerCap$.next(next);
      }
    } else if (this.containerCap$.value !== null && this.lastMemPct < limit - 5) {
      this.memoryHighSince = null;
      this.memoryLowSince ??= nowMs;
      if (nowMs - this.memoryLowSince >= MEMORY_GROW_AFTER_MS) {
        this.memoryLowSince = null;
        this.logger.log(`memory use ${this.lastMemPct} % is well below max_memory_percent ${limit} again: no cap on containers`);
        this.containerCap$.next(null);
      }
    } else {
      this.memoryHighSince = null;
      this.memoryLowSince = null;
    }
  }

  /** The first reason that holds, in the owner's order of precedence. */
  reason(): PauseReason | null {
    if (this.byHand) return 'by_hand';
    if (this.policy.pauseOnBattery && this.onBatteryNow) return 'on_battery';
    if (!insideHours(this.policy.hours, this.now())) return 'outside_hours';
    if (this.policy.runWhenIdle && this.ownerBusy) return 'owner_busy';
    return null;
  }

  private decide(): void {
    const reason = this.reason();
    const current = this.paused$.value;
    if ((current?.reason ?? null) === reason) return;
    this.paused$.next(reason ? { reason, since: current?.since ?? this.now().toISOString() } : null);
  }
}
